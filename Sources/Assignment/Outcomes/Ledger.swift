import GRDB
public import Leads
public import Rules
import YAML

/// The history in the state: every decision, every assignment and every outcome update, written batch by batch in
/// one transaction each, so a batch is recorded whole or not at all.
///
/// Reprocessing the same input (after a crash) writes nothing twice: decisions are keyed by claim and record,
/// assignments by lead, and an outcome update identical to one already applied counts as applied.
public struct Ledger: Sendable {
    public let store: AssignmentStore
    /// Assigns leads on assigned routes, when the rules have an assignment configuration.
    public let assigner: Assigner?

    public init(store: AssignmentStore, plan: AssignmentPlan?) {
        self.store = store
        assigner = plan.map { Assigner(plan: $0, store: store) }
    }

    public enum Entry: Sendable {
        /// A decided lead: recorded, and assigned when its route is assigned. Made by `entry(_:)`.
        case lead(Decided)
        case outcome(OutcomeUpdate)
    }

    /// A decided lead as the ledger needs it: its decision, what assignment reads of the lead, and its row in
    /// `decisions`. The lead's document is not kept, so a batch of these is small. A class: an entry is passed
    /// around and matched on several times per batch, each time one reference rather than every field's.
    public final class Decided: Sendable {
        public let decision: Decision
        let keys: LeadKeys?
        let row: DecisionRow

        init(decision: Decision, keys: LeadKeys?, row: DecisionRow) {
            self.decision = decision
            self.keys = keys
            self.row = row
        }
    }

    /// The entry for a decided lead, made as soon as it is decided (by the worker that decided it, outside the
    /// state's transaction).
    public func entry(_ item: Assigner.Item) -> Entry {
        entry(decision: item.decision, lead: item.lead)
    }

    /// `entry(_:)` for a decision just made: it is moved into the entry, not copied (a copy retains each of its
    /// arrays and strings).
    public func entry(decision: consuming Decision, lead: borrowing LeadRecord) -> Entry {
        let keys = assigner?.keys(decision: decision, lead: lead)
        let row = DecisionRow(decision: decision, lead: lead)
        return .lead(Decided(decision: decision, keys: keys, row: row))
    }

    public enum Result: Sendable {
        /// The lead's decision was recorded; its opportunity's record, if its route is assigned.
        case decided(OpportunityRecord?)
        /// The update moved the opportunity on from `previous`.
        case applied(OutcomeUpdate, previous: String)
        case refused(OutcomeUpdate, reason: String)
    }

    /// An opportunity as the outbox writes it: its record's JSON (`Opportunity.writeJSON`'s bytes). The records of
    /// a batch are slices of one array, written one after the other inside the state's transaction: no array of
    /// its own per lead.
    public struct OpportunityRecord: Sendable {
        public let json: ArraySlice<UInt8>
        /// True when the ledger already held the lead: its recorded assignment, not counted again.
        public let replayed: Bool

        /// The record read back from its JSON.
        public var opportunity: Opportunity? {
            let value = json.withUnsafeBufferPointer { try? JSONParser.parse($0, maxDepth: 64) }
            guard case .object(let object) = value, var opportunity = Opportunity(json: object) else { return nil }
            opportunity.replayed = replayed
            return opportunity
        }
    }

    /// Records a batch, in order, in one transaction. `claim` identifies the input (its claim id). The commit is
    /// synced before this returns unless `sync` is false: the caller then calls `store.sync()` before it relies
    /// on it (the daemon, once per file).
    public func record(_ entries: [Entry], claim: String, sync: Bool = true) throws -> [Result] {
        let opening = assigner?.plan.openingStage ?? OutcomeUpdate.Stage.discovery.rawValue
        // Keys and rows were made before the transaction (`entry`): workers take turns inside it, not outside.
        let keys: [LeadKeys?] = entries.compactMap {
            if case .lead(let decided) = $0 { return .some(decided.keys) }
            return nil
        }
        let rows = DecisionRows(entries)
        var registered: Bool?
        let results: [Result] = try store.transaction(sync: sync) { db in
            let claimKey = try DecisionRows.claimKey(claim, db)
            try rows.insert(claimKey: claimKey, db)
            var session = assigner.map {
                AssignmentSession(plan: $0.plan, clocks: $0.clocks, texts: $0.texts, sharing: $0.sharing.value, db: db)
            }
            try session?.prefetch(keys)
            /// Per entry: an outcome's result, or where a lead's record lies in the session's output.
            enum Made {
                case done(Result)
                case lead(AssignmentSession.Written?)
            }
            var made: [Made] = []
            made.reserveCapacity(entries.count)
            // By index: binding each entry would copy its decision (a retain per field).
            for index in entries.indices {
                switch entries[index] {
                case .outcome(let update):
                    made.append(.done(try Self.apply(update, claim: claim, opening: opening, db: db)))
                case .lead(let decided):
                    made.append(
                        .lead(
                            try session?.write(
                                placement: decided.decision.placement,
                                now: decided.decision.now,
                                rulesVersion: decided.decision.rulesVersion,
                                keys: decided.keys
                            )
                        )
                    )
                }
            }
            try session?.save()
            registered = session?.registeredSharing
            // Sliced once every record is written: the slices share the output's one array.
            let output = session?.output ?? []
            return made.map { item in
                switch item {
                case .done(let result): result
                case .lead(let written?):
                    .decided(OpportunityRecord(json: output[written.range], replayed: written.replayed))
                case .lead(nil): .decided(nil)
                }
            }
        }
        assigner?.sharing.learn(registered)
        return results
    }

    /// Applies an update if the opportunity exists and the move is forward, else says why not.
    static func apply(_ update: OutcomeUpdate, claim: String, opening: String, db: Database) throws -> Result {
        func refuse(_ reason: String) -> Result { .refused(update, reason: reason) }
        func time(_ seconds: Double) -> String { Timestamp.iso8601(seconds) }
        guard
            let opened = try Double.fetchOne(db, sql: "SELECT at FROM ledger WHERE lead = ?", arguments: [update.lead])
        else {
            if let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT stage, route FROM decisions WHERE lead = ? ORDER BY at DESC, id DESC LIMIT 1",
                arguments: [update.lead]
            ) {
                let stage: String = row["stage"]
                let route: String = row["route"]
                return refuse("lead \(update.lead) is not an opportunity: it was decided \(stage) (route \(route))")
            }
            return refuse("unknown lead \(update.lead): no decision has this id")
        }
        struct Previous {
            var stage: OutcomeUpdate.Stage
            var at: Double
            var amount: Double?
            var currency: String?
            var reason: String?
        }
        let previous = try Row.fetchAll(
            db,
            sql: "SELECT stage, at, amount, currency, reason FROM outcomes WHERE lead = ? ORDER BY seq",
            arguments: [update.lead]
        ).compactMap { row -> Previous? in
            guard let stage = OutcomeUpdate.Stage(rawValue: row["stage"]) else { return nil }
            return Previous(
                stage: stage,
                at: row["at"],
                amount: row["amount"],
                currency: row["currency"],
                reason: row["reason"]
            )
        }
        if let index = previous.firstIndex(where: { $0.stage == update.stage }) {
            let same = previous[index]
            if same.at == update.at && same.amount == update.amount && same.currency == update.currency
                && same.reason == update.reason
            {
                // The same update again (a file processed again, or sent twice): already applied.
                return .applied(update, previous: index == 0 ? opening : previous[index - 1].stage.rawValue)
            }
            if update.stage.closes {
                return refuse(
                    "opportunity \(update.lead) is already closed: \(same.stage.rawValue) at \(time(same.at))"
                )
            }
            return refuse("opportunity \(update.lead) is already in \(same.stage.rawValue) since \(time(same.at))")
        }
        if let closed = previous.first(where: { $0.stage.closes }) {
            return refuse(
                "opportunity \(update.lead) is already closed: \(closed.stage.rawValue) at \(time(closed.at)); "
                    + "a closed opportunity does not move"
            )
        }
        let current = previous.last
        let currentStage = current?.stage.rawValue ?? opening
        if let current, update.stage.rank < current.stage.rank {
            return refuse(
                "backwards move for \(update.lead): it is in \(current.stage.rawValue) since \(time(current.at)), "
                    + "and \(update.stage.rawValue) comes before it"
            )
        }
        if update.at < opened {
            return refuse(
                "update for \(update.lead) at \(time(update.at)) is before the opportunity was opened (\(time(opened)))"
            )
        }
        if let current, update.at < current.at {
            return refuse(
                "update for \(update.lead) at \(time(update.at)) is before its previous update (\(current.stage.rawValue) "
                    + "at \(time(current.at)))"
            )
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO outcomes (lead, stage, at, amount, currency, reason, claim, record)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            update.lead, update.stage.rawValue, update.at, update.amount, update.currency, update.reason, claim,
            update.origin.record,
        ])
        return .applied(update, previous: currentStage)
    }
}

/// A decision as the ledger's `decisions` table holds it.
struct DecisionRow: Sendable {
    let record: Int
    let at: Double
    let line: Int
    let score: Double
    /// The text columns, in the order `insert` binds them: lead, file, rules version, source, stage, route, grade,
    /// scores, rules.
    let texts: PackedTexts

    init(decision: borrowing Decision, lead input: borrowing LeadRecord) {
        record = input.origin.record
        at = decision.now
        line = input.origin.line
        score = decision.total
        var texts = PackedTexts(capacity: 1024)
        texts.append(decision.leadID)
        texts.append(input.origin.file)
        texts.append(decision.rulesVersion)
        input.document.withView { lead in
            let source = lead.member("source", of: LeadDocument.root)
            texts.append(source.flatMap { lead.kind($0) == .string ? lead.bytes($0) : nil })
        }
        texts.append(decision.stage)
        texts.append(decision.route)
        texts.append(decision.grade)
        texts.appendJSON(capacity: 128) { json in
            json.byte(UInt8(ascii: "{"))
            for index in decision.scores.indices {
                if index > 0 { json.byte(UInt8(ascii: ",")) }
                json.string(decision.scores[index].name)
                json.byte(UInt8(ascii: ":"))
                json.hundredths(decision.scores[index].points)
            }
            json.byte(UInt8(ascii: "}"))
        }
        // Disqualifiers, then the rules that gave points.
        texts.appendJSON(capacity: 512) { json in
            json.byte(UInt8(ascii: "["))
            for index in decision.disqualifications.indices {
                if index > 0 { json.byte(UInt8(ascii: ",")) }
                json.string(decision.disqualifications[index].rule)
            }
            for index in decision.fired.indices {
                if index > 0 || !decision.disqualifications.isEmpty { json.byte(UInt8(ascii: ",")) }
                decision.ruleNames.writeQuotedID(decision.fired[index].rule, into: &json)
            }
            json.byte(UInt8(ascii: "]"))
        }
        self.texts = texts
    }

}

/// A batch's rows for `decisions`, their texts in one buffer (copied from each lead's `DecisionRow` before the
/// transaction), inserted up to `perStatement` rows to a statement: a statement's own cost (its cursors, its start
/// and end) is paid once per 64 rows, not per row.
struct DecisionRows {
    static let perStatement = 64
    static let columns =
        "(id, record, lead, at, file, line, rules_version, source, stage, route, grade, score, scores, rules)"
    static let placeholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    static let fullStatement = sql(rows: perStatement)
    /// The texts per row, in the order `insert` binds them (`DecisionRow.texts`).
    static let textsPerRow = 9

    var texts: PackedTexts
    var rows: [(record: Int, at: Double, line: Int, score: Double)] = []

    init(_ entries: [Ledger.Entry]) {
        texts = PackedTexts(capacity: entries.count * 320, texts: entries.count * Self.textsPerRow)
        rows.reserveCapacity(entries.count)
        for index in entries.indices {
            guard case .lead(let decided) = entries[index] else { continue }
            let row = decided.row
            texts.append(row.texts)
            rows.append((row.record, row.at, row.line, row.score))
        }
    }

    /// The high bits of the keys of `claim`'s decisions: its number in `claims` (given on first use) times 2^32.
    /// A decision's key is this plus its record number.
    static func claimKey(_ claim: String, _ db: Database) throws -> Int {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO claims (claim) VALUES (?)").execute(arguments: [claim])
        guard
            let number = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM claims WHERE claim = ?"),
                arguments: [claim]
            )
        else { throw DatabaseError(message: "claim \(claim) has no number in the state") }
        return number << 32
    }

    static func sql(rows: Int) -> String {
        "INSERT OR IGNORE INTO decisions \(columns) VALUES "
            + repeatElement(placeholders, count: rows).joined(separator: ", ")
    }

    /// Inserts every row, keyed by `claimKey` (`claimKey(_:_:)`) and its record number. The texts are bound
    /// where they lie, for each statement's one step, then unbound.
    func insert(claimKey: Int, _ db: Database) throws {
        for row in rows where row.record < 0 || row.record >= AssignmentStore.recordLimit {
            throw DatabaseError(
                message: "record \(row.record) is beyond the \(AssignmentStore.recordLimit) records of a file"
            )
        }
        try texts.bytes.withUnsafeBufferPointer { buffer in
            for start in stride(from: 0, to: rows.count, by: Self.perStatement) {
                let count = min(Self.perStatement, rows.count - start)
                let statement = try db.cachedStatement(
                    sql: count == Self.perStatement ? Self.fullStatement : Self.sql(rows: count)
                )
                var writer = RowWriter(statement)
                defer { writer.unbind() }
                for index in start..<(start + count) {
                    let row = rows[index]
                    let first = index * Self.textsPerRow
                    writer.integer(claimKey | row.record)
                    writer.integer(row.record)
                    writer.text(borrowing: texts.text(first, in: buffer))
                    writer.real(row.at)
                    writer.text(borrowing: texts.text(first + 1, in: buffer))
                    writer.integer(row.line)
                    for text in (first + 2)...(first + 6) { writer.text(borrowing: texts.text(text, in: buffer)) }
                    writer.real(row.score)
                    writer.text(borrowing: texts.text(first + 7, in: buffer))
                    writer.text(borrowing: texts.text(first + 8, in: buffer))
                }
                try writer.execute(db)
            }
        }
    }
}
