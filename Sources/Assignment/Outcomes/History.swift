import Foundation
import GRDB

/// The ledger's history as plain rows, for reports: decisions, opportunities and outcome updates.
public struct History: Sendable {
    public struct DecisionRow: Sendable, Hashable {
        public var lead: String?
        /// Unique per input record: the claim id and record number.
        public var key: String
        public var at: Double
        public var source: String?
        public var stage: String
        public var route: String
        public var grade: String?
        public var score: Double
        /// The rules that fired: disqualifiers and points rules.
        public var rules: [String]
    }

    public struct OpportunityRow: Sendable, Hashable {
        public var lead: String
        public var at: Double
        public var team: String?
        public var owner: String?
        public var queue: String?
        public var due: Double?
    }

    public struct OutcomeRow: Sendable, Hashable {
        public var lead: String
        public var stage: String
        public var at: Double
        public var amount: Double?
        public var currency: String?
        public var reason: String?
    }

    /// Decisions in time order.
    public var decisions: [DecisionRow]
    public var opportunities: [OpportunityRow]
    /// Updates in the order they were applied.
    public var outcomes: [OutcomeRow]
}

extension AssignmentStore {
    /// Decisions made in [since, until), the opportunities and outcome updates of every lead.
    public func history(since: Double? = nil, until: Double? = nil) throws -> History {
        try read { db in
            var decisions: [History.DecisionRow] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT lead, claim, record, at, source, stage, route, grade, score, rules
                    FROM decisions JOIN claims ON claims.id = decisions.id >> 32
                    WHERE at >= ? AND at < ? ORDER BY at, decisions.id
                    """,
                arguments: [since ?? -Double.greatestFiniteMagnitude, until ?? Double.greatestFiniteMagnitude]
            )
            while let row = try rows.next() {
                let rulesText: String = row["rules"]
                let rules = (try? JSONSerialization.jsonObject(with: Data(rulesText.utf8))) as? [String] ?? []
                let claim: String = row["claim"]
                let record: Int = row["record"]
                decisions.append(
                    History.DecisionRow(
                        lead: row["lead"],
                        key: "\(claim)#\(record)",
                        at: row["at"],
                        source: row["source"],
                        stage: row["stage"],
                        route: row["route"],
                        grade: row["grade"],
                        score: row["score"],
                        rules: rules
                    )
                )
            }
            let opportunities = try Row.fetchAll(db, sql: "SELECT lead, at, team, owner, queue, due FROM ledger").map {
                History.OpportunityRow(
                    lead: $0["lead"],
                    at: $0["at"],
                    team: $0["team"],
                    owner: $0["owner"],
                    queue: $0["queue"],
                    due: $0["due"]
                )
            }
            let outcomes = try Row.fetchAll(
                db,
                sql: "SELECT lead, stage, at, amount, currency, reason FROM outcomes ORDER BY seq"
            ).map {
                History.OutcomeRow(
                    lead: $0["lead"],
                    stage: $0["stage"],
                    at: $0["at"],
                    amount: $0["amount"],
                    currency: $0["currency"],
                    reason: $0["reason"]
                )
            }
            return History(decisions: decisions, opportunities: opportunities, outcomes: outcomes)
        }
    }
}
