import GRDB
public import Leads
public import Rules
import YAML

/// What was assigned to whom since a time: the ledger's rows, and per team the share each rep received against
/// the share its strategy promised.
public struct AssignmentReport: Sendable {
    public struct Entry: Sendable, Hashable {
        public var lead: String
        public var at: Double
        public var team: String?
        public var owner: String?
        public var queue: String?
        public var method: String
    }

    public struct RepShare: Sendable, Hashable {
        public var rep: String
        /// Leads the team's strategy gave this rep.
        public var assigned: Int
        /// `assigned` over the team's strategy picks.
        public var share: Double
        /// What the strategy promises: equal shares, or weight over total weight. Nil for reps no longer in the team.
        public var promised: Double?
    }

    public struct TeamShares: Sendable, Hashable {
        public var team: String
        public var strategy: String?
        public var reps: [RepShare]
        /// Leads of this team that went by account or sticky ownership, to a queue or by overflow: not rotation.
        public var other: [String: Int]
    }

    public var since: Double?
    public var entries: [Entry]
    public var teams: [TeamShares]
    /// Assignments per rep, all methods.
    public var owners: [(rep: String, count: Int)]
    public var queues: [(queue: String, count: Int)]

    /// Reads the ledger of `store`; `plan` (the current rules) gives each team's promise.
    public init(store: AssignmentStore, plan: AssignmentPlan?, since: Double?) throws {
        self.since = since
        entries = try store.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT lead, at, team, owner, queue, method FROM ledger WHERE at >= ? ORDER BY seq",
                arguments: [since ?? -Double.greatestFiniteMagnitude]
            ).map { row in
                Entry(
                    lead: row["lead"],
                    at: row["at"],
                    team: row["team"],
                    owner: row["owner"],
                    queue: row["queue"],
                    method: row["method"]
                )
            }
        }
        var owners: [String: Int] = [:]
        var queues: [String: Int] = [:]
        for entry in entries {
            if let owner = entry.owner { owners[owner, default: 0] += 1 }
            if let queue = entry.queue { queues[queue, default: 0] += 1 }
        }
        self.owners = owners.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        self.queues = queues.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let all = entries
        var teamNames = plan?.teams.map(\.id) ?? []
        for entry in all { if let team = entry.team, !teamNames.contains(team) { teamNames.append(team) } }
        teams = teamNames.compactMap { name in
            let config = plan?.teams.first { $0.id == name }
            let rows = all.filter { $0.team == name }
            let strategy = config?.strategy.rawValue
            let picks = rows.filter { $0.owner != nil && $0.method == strategy }
            var counts: [String: Int] = [:]
            for row in picks { if let owner = row.owner { counts[owner, default: 0] += 1 } }
            var other: [String: Int] = [:]
            for row in rows where !(row.owner != nil && row.method == strategy) { other[row.method, default: 0] += 1 }
            var reps: [RepShare] = []
            let totalWeight = Double(config?.members.reduce(0) { $0 + $1.weight } ?? 0)
            for member in config?.members ?? [] {
                guard let rep = plan?.reps[member.rep].id else { continue }
                let promised =
                    config?.strategy == .weightedRoundRobin
                    ? Double(member.weight) / totalWeight : 1 / Double(config?.members.count ?? 1)
                let assigned = counts.removeValue(forKey: rep) ?? 0
                reps.append(
                    RepShare(
                        rep: rep,
                        assigned: assigned,
                        share: picks.isEmpty ? 0 : Double(assigned) / Double(picks.count),
                        promised: promised
                    )
                )
            }
            for (rep, assigned) in counts.sorted(by: { $0.key < $1.key }) {
                reps.append(
                    RepShare(rep: rep, assigned: assigned, share: Double(assigned) / Double(picks.count), promised: nil)
                )
            }
            if rows.isEmpty && config == nil { return nil }
            return TeamShares(team: name, strategy: strategy, reps: reps, other: other)
        }
    }

    public var json: LeadObject {
        var object = LeadObject()
        object.set("since", since.map { .string(Timestamp.iso8601($0)) } ?? .null)
        object.set("total", .int(entries.count))
        var ownerObject = LeadObject()
        for (rep, count) in owners { ownerObject.set(rep, .int(count)) }
        object.set("owners", .object(ownerObject))
        var queueObject = LeadObject()
        for (queue, count) in queues { queueObject.set(queue, .int(count)) }
        object.set("queues", .object(queueObject))
        object.set(
            "teams",
            .array(
                teams.map { team in
                    var entry = LeadObject()
                    entry.set("team", .string(team.team))
                    entry.set("strategy", team.strategy.map { .string($0) } ?? .null)
                    entry.set(
                        "reps",
                        .array(
                            team.reps.map { rep in
                                var item = LeadObject()
                                item.set("rep", .string(rep.rep))
                                item.set("assigned", .int(rep.assigned))
                                item.set("share", .double((rep.share * 10000).rounded() / 10000))
                                item.set(
                                    "promised",
                                    rep.promised.map { .double(($0 * 10000).rounded() / 10000) } ?? .null
                                )
                                return .object(item)
                            }
                        )
                    )
                    var other = LeadObject()
                    for (method, count) in team.other.sorted(by: { $0.key < $1.key }) { other.set(method, .int(count)) }
                    entry.set("other", .object(other))
                    return .object(entry)
                }
            )
        )
        object.set(
            "assignments",
            .array(
                entries.map { entry in
                    var item = LeadObject()
                    item.set("lead", .string(entry.lead))
                    item.set("at", .string(Timestamp.iso8601(entry.at)))
                    item.set("team", entry.team.map { .string($0) } ?? .null)
                    item.set("owner", entry.owner.map { .string($0) } ?? .null)
                    item.set("queue", entry.queue.map { .string($0) } ?? .null)
                    item.set("method", .string(entry.method))
                    return .object(item)
                }
            )
        )
        return object
    }
}
