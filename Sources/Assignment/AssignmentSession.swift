import GRDB
import Leads
import Rules
import YAML

/// One batch's assignment, inside its transaction: the state is read once per team and rep, kept here while the
/// batch runs, and the changed rotation and presence rows written back at the end.
struct AssignmentSession {
    let plan: AssignmentPlan
    let clocks: [RepClock]
    let db: Database

    struct TeamRep: Hashable {
        var team: Int
        var rep: Int
    }

    struct Rotation {
        var lastSeq: Int64?
        var credit: Double
    }

    struct Presence {
        var away: Bool
        var returnedAt: Double?
        var offset: Double
    }

    var rotation: [TeamRep: Rotation] = [:]
    var presence: [TeamRep: Presence] = [:]
    var loadedTeams: Set<Int> = []
    var dirtyRotation: Set<TeamRep> = []
    var dirtyPresence: Set<TeamRep> = []
    /// Assignments per rep and local day, and per rep and local week.
    var dayCounts: [TeamRep: Int] = [:]
    var weekCounts: [TeamRep: Int] = [:]
    /// Assignments per rep in a window ending at a time: (rep, window start) -> count.
    var windowCounts: [WindowKey: Int] = [:]

    struct WindowKey: Hashable {
        var rep: Int
        var from: Double
        var until: Double
    }

    init(plan: AssignmentPlan, clocks: [RepClock], db: Database) {
        self.plan = plan
        self.clocks = clocks
        self.db = db
    }

    // MARK: - One lead

    mutating func assign(_ item: Assigner.Item) throws -> Opportunity? {
        guard let placement = item.decision.placement else { return nil }
        let keys = LeadKeys(decision: item.decision, lead: item.lead, plan: plan)
        if let recorded = try String.fetchOne(
            db.cachedStatement(sql: "SELECT record FROM ledger WHERE lead = ?"),
            arguments: [keys.lead]
        ) {
            return replay(recorded, lead: keys.lead)
        }
        let now = item.decision.now
        var reasons: [Opportunity.Reason] = []
        for check in placement.checked {
            let verdict = check.verdict == .missing ? "unknown (a field it reads is missing)" : "false"
            reasons.append(.init(step: "team", detail: "team \(check.team): condition \(verdict)"))
        }
        let matchedTeam = placement.team
        if let index = matchedTeam {
            let team = plan.teams[index]
            let condition = team.condition.map { "condition `\($0)` holds" } ?? "takes every lead that reaches it"
            reasons.append(.init(step: "team", detail: "team \(team.id) (line \(team.line)): \(condition)"))
        } else {
            reasons.append(.init(step: "team", detail: "no team's condition holds"))
        }
        // 1. The account owner.
        switch matchAccount(keys) {
        case .none(let detail):
            if let detail { reasons.append(.init(step: "account", detail: detail)) }
        case .ambiguous(let detail):
            reasons.append(.init(step: "account", detail: detail))
            let queue = plan.accounts.ambiguousQueue
            reasons.append(.init(step: "queue", detail: "several owners claim this lead's account: queued to \(queue)"))
            return try record(
                keys: keys,
                now: now,
                owner: nil,
                queue: queue,
                team: matchedTeam,
                method: "account",
                reasons: reasons,
                item: item
            )
        case .owner(let rep, let detail):
            if let unavailable = unavailability(rep, at: now) {
                reasons.append(
                    .init(
                        step: "account",
                        detail: "\(detail); the owner is \(unavailable), so the account owner is passed over"
                    )
                )
            } else {
                reasons.append(.init(step: "account", detail: detail))
                return try record(
                    keys: keys,
                    now: now,
                    owner: rep,
                    queue: nil,
                    team: matchedTeam,
                    method: "account",
                    reasons: reasons,
                    item: item
                )
            }
        }
        // 2. The sticky owner.
        if let sticky = plan.sticky, let (rep, detail) = try stickyOwner(keys, sticky: sticky, now: now) {
            if let unavailable = unavailability(rep, at: now) {
                reasons.append(
                    .init(step: "sticky", detail: "\(detail); the owner is \(unavailable), so it is passed over")
                )
            } else {
                reasons.append(.init(step: "sticky", detail: detail))
                return try record(
                    keys: keys,
                    now: now,
                    owner: rep,
                    queue: nil,
                    team: matchedTeam,
                    method: "sticky",
                    reasons: reasons,
                    item: item
                )
            }
        }
        // 3. The team's strategy, then its overflow.
        var current = matchedTeam
        var visited: Set<Int> = []
        while let index = current, visited.insert(index).inserted {
            let team = plan.teams[index]
            if let rep = try pick(team: index, now: now, key: keys.lead, reasons: &reasons) {
                return try record(
                    keys: keys,
                    now: now,
                    owner: rep,
                    queue: nil,
                    team: index,
                    method: team.strategy.rawValue,
                    reasons: reasons,
                    item: item
                )
            }
            switch team.overflow {
            case .team(let next):
                reasons.append(
                    .init(
                        step: "overflow",
                        detail: "no member of \(team.id) can take it: overflow to team \(plan.teams[next].id)"
                    )
                )
                current = next
            case .queue(let queue):
                reasons.append(
                    .init(step: "overflow", detail: "no member of \(team.id) can take it: overflow to queue \(queue)")
                )
                return try record(
                    keys: keys,
                    now: now,
                    owner: nil,
                    queue: queue,
                    team: index,
                    method: "overflow",
                    reasons: reasons,
                    item: item
                )
            case nil:
                reasons.append(
                    .init(step: "overflow", detail: "no member of \(team.id) can take it and it has no overflow")
                )
                current = nil
            }
        }
        reasons.append(.init(step: "queue", detail: "queued to the fallback queue \(plan.fallback.name)"))
        return try record(
            keys: keys,
            now: now,
            owner: nil,
            queue: plan.fallback.name,
            team: nil,
            method: "fallback",
            reasons: reasons,
            item: item
        )
    }

    func replay(_ text: String, lead: String) -> Opportunity? {
        let bytes = Array(text.utf8)
        let value = bytes.withUnsafeBufferPointer { buffer in try? JSONParser.parse(buffer, maxDepth: 64) }
        guard case .object(let object) = value, var opportunity = Opportunity(json: object) else { return nil }
        opportunity.replayed = true
        return opportunity
    }

    /// Why a rep cannot own a lead right now (inactive, out of office), or nil.
    func unavailability(_ rep: Int, at now: Double) -> String? {
        if !plan.reps[rep].active { return "inactive" }
        if let absence = clocks[rep].absence(at: now) { return "out of office until \(RepClock.date(absence.last))" }
        return nil
    }

    // MARK: - Accounts and sticky owners

    enum AccountMatch {
        case none(String?)
        case owner(Int, String)
        case ambiguous(String)
    }

    /// The account tiers, best first: the e-mail's exact domain, the company's exact domains, then their parent
    /// domains. The first tier with any account decides: one owner takes it; several owners mean "don't guess".
    func matchAccount(_ keys: LeadKeys) -> AccountMatch {
        guard !plan.accounts.isEmpty else { return .none(nil) }
        var tiers: [(String, String)] = []
        if let domain = keys.emailDomain { tiers.append(("e-mail domain", domain)) }
        for domain in keys.companyDomains where domain != keys.emailDomain { tiers.append(("company domain", domain)) }
        var candidates: [(source: String, domain: String, exact: Bool)] = tiers.map { ($0.0, $0.1, true) }
        for (source, domain) in tiers {
            for parent in LeadKeys.lineage(domain).dropFirst() { candidates.append((source, parent, false)) }
        }
        for candidate in candidates {
            guard let accounts = plan.accounts.byDomain[candidate.domain], !accounts.isEmpty else { continue }
            let how = "\(candidate.source) \(candidate.domain)" + (candidate.exact ? "" : " (parent domain)")
            let owners = Array(Set(accounts.map(\.owner))).sorted()
            if owners.count == 1, let owner = owners.first, let account = accounts.first {
                let rep = plan.reps[owner]
                return .owner(
                    owner,
                    "\(how) matches account \(account.name) (accounts line \(account.line)), owned by \(rep.id)"
                )
            }
            let list = accounts.map { "\($0.name) (\(plan.reps[$0.owner].id), line \($0.line))" }
            return .ambiguous("\(how) matches accounts with different owners: \(list.joined(separator: ", "))")
        }
        if tiers.isEmpty {
            if let ignored = keys.ignoredDomain {
                return .none("e-mail domain \(ignored) is in ignore_domains: no account")
            }
            return .none("no e-mail or company domain to match to an account")
        }
        return .none("no account for \(tiers.map(\.1).joined(separator: " or "))")
    }

    func stickyKeys(_ keys: LeadKeys, _ sticky: AssignmentPlan.Sticky) -> [(String, String)] {
        var result: [(String, String)] = []
        if sticky.byEmail, let email = keys.email { result.append(("email:" + email, "e-mail \(email)")) }
        if sticky.byDomain {
            for domain in [keys.emailDomain].compactMap({ $0 }) + keys.companyDomains {
                result.append(("domain:" + domain, "domain \(domain)"))
            }
        }
        return result
    }

    func stickyOwner(_ keys: LeadKeys, sticky: AssignmentPlan.Sticky, now: Double) throws -> (Int, String)? {
        for (key, label) in stickyKeys(keys, sticky) {
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT owner, team, at FROM sticky WHERE key = ?"),
                    arguments: [key]
                )
            else { continue }
            let at: Double = row["at"]
            let owner: String = row["owner"]
            guard at > now - sticky.window, at <= now, let rep = plan.rep(owner) else { continue }
            return (
                rep, "same \(label) went to \(owner) on \(Timestamp.iso8601(at).prefix(10)), within the sticky window"
            )
        }
        return nil
    }

    // MARK: - Strategies

    /// The member the team's strategy picks now, or nil when none can take the lead; skipped members are added
    /// to `reasons` with why.
    mutating func pick(team index: Int, now: Double, key: String, reasons: inout [Opportunity.Reason]) throws -> Int? {
        let team = plan.teams[index]
        try loadTeam(index)
        var inHours: [AssignmentPlan.Team.Member] = []
        var offHours: [AssignmentPlan.Team.Member] = []
        var skipped: [Opportunity.Reason] = []
        var absent: Set<Int> = []
        for member in team.members {
            let rep = plan.reps[member.rep]
            if let unavailable = unavailability(member.rep, at: now) {
                skipped.append(.init(step: "skipped", detail: unavailable, rep: rep.id))
                absent.insert(member.rep)
                continue
            }
            let clock = clocks[member.rep]
            if let cap = rep.dayCap {
                let count = try dayCount(member.rep, day: clock.day(now))
                if count >= cap {
                    skipped.append(.init(step: "skipped", detail: "day cap \(cap) reached", rep: rep.id))
                    continue
                }
            }
            if let cap = rep.weekCap {
                let count = try weekCount(member.rep, week: clock.week(now))
                if count >= cap {
                    skipped.append(.init(step: "skipped", detail: "week cap \(cap) reached", rep: rep.id))
                    continue
                }
            }
            if clock.isWorking(at: now) { inHours.append(member) } else { offHours.append(member) }
        }
        var pool = inHours
        if inHours.isEmpty && !offHours.isEmpty {
            pool = offHours
            skipped.append(
                .init(
                    step: "hours",
                    detail: "no available member of \(team.id) is in working hours; choosing among all of them, "
                        + "the SLA counts from the owner's next working hour"
                )
            )
        } else {
            for member in offHours {
                absent.insert(member.rep)
                let detail = "outside working hours (\(clocks[member.rep].describe(now)))"
                skipped.append(.init(step: "skipped", detail: detail, rep: plan.reps[member.rep].id))
            }
        }
        reasons += skipped
        guard !pool.isEmpty else { return nil }
        let order = rotatedOrder(team)
        func lastSeq(_ rep: Int) -> Int64 { rotation[TeamRep(team: index, rep: rep)]?.lastSeq ?? -1 }
        /// Least recently assigned first, then the team's rotated member order.
        func fairer(_ a: Int, _ b: Int) -> Bool {
            let (sa, sb) = (lastSeq(a), lastSeq(b))
            if sa != sb { return sa < sb }
            return (order[a] ?? 0) < (order[b] ?? 0)
        }
        let chosen: Int
        let detail: String
        switch team.strategy {
        case .roundRobin:
            chosen = pool.map(\.rep).min(by: fairer) ?? pool[0].rep
            detail =
                "round robin: \(plan.reps[chosen].id) is next in rotation (least recently assigned of \(pool.count) available)"
        case .weightedRoundRobin:
            let total = Double(pool.reduce(0) { $0 + $1.weight })
            for member in pool {
                rotation[TeamRep(team: index, rep: member.rep), default: Rotation(lastSeq: nil, credit: 0)].credit +=
                    Double(member.weight)
                dirtyRotation.insert(TeamRep(team: index, rep: member.rep))
            }
            func credit(_ rep: Int) -> Double { rotation[TeamRep(team: index, rep: rep)]?.credit ?? 0 }
            chosen =
                pool.map(\.rep).min { a, b in
                    credit(a) != credit(b) ? credit(a) > credit(b) : fairer(a, b)
                } ?? pool[0].rep
            let weight = pool.first { $0.rep == chosen }?.weight ?? 1
            detail =
                "weighted round robin: \(plan.reps[chosen].id) had the most credit "
                + "(weight \(weight) of \(Int(total)) among the \(pool.count) available)"
            rotation[TeamRep(team: index, rep: chosen)]?.credit -= total
        case .leastLoaded:
            var loads: [Int: Double] = [:]
            var returning: [Int] = []
            for member in pool {
                let count = Double(try windowCount(member.rep, from: now - team.window, until: now))
                loads[member.rep] = count
                let teamRep = TeamRep(team: index, rep: member.rep)
                if presence[teamRep]?.away == true { returning.append(member.rep) }
            }
            // A rep back from an absence joins at the load of the least loaded teammate who stayed, so it is
            // not flooded to catch up.
            let stayed = pool.map(\.rep).filter { !returning.contains($0) }
            let floor = stayed.map { rep in
                (loads[rep] ?? 0) + effectiveOffset(index, rep, now: now, window: team.window)
            }.min()
            for rep in returning {
                let own = loads[rep] ?? 0
                presence[TeamRep(team: index, rep: rep)] = Presence(
                    away: false,
                    returnedAt: now,
                    offset: max(0, (floor ?? own) - own)
                )
                dirtyPresence.insert(TeamRep(team: index, rep: rep))
            }
            for rep in absent where presence[TeamRep(team: index, rep: rep)]?.away != true {
                let previous = presence[TeamRep(team: index, rep: rep)]
                presence[TeamRep(team: index, rep: rep)] = Presence(
                    away: true,
                    returnedAt: previous?.returnedAt,
                    offset: previous?.offset ?? 0
                )
                dirtyPresence.insert(TeamRep(team: index, rep: rep))
            }
            func load(_ rep: Int) -> Double {
                (loads[rep] ?? 0) + effectiveOffset(index, rep, now: now, window: team.window)
            }
            chosen =
                pool.map(\.rep).min { a, b in load(a) != load(b) ? load(a) < load(b) : fairer(a, b) } ?? pool[0].rep
            let window = Decision.format(team.window / 86400)
            let count = Int(loads[chosen] ?? 0)
            let offset = effectiveOffset(index, chosen, now: now, window: team.window)
            detail =
                "least loaded: \(plan.reps[chosen].id) had \(count) assignment\(count == 1 ? "" : "s") in the last \(window)d"
                + (offset > 0 ? " (counted as \(Decision.format(Double(count) + offset)) since returning)" : "")
                + ", the fewest of \(pool.count) available"
        }
        reasons.append(.init(step: "strategy", detail: detail))
        return chosen
    }

    func effectiveOffset(_ team: Int, _ rep: Int, now: Double, window: Double) -> Double {
        guard let state = presence[TeamRep(team: team, rep: rep)], let returned = state.returnedAt,
            now - returned < window
        else { return 0 }
        return state.offset
    }

    /// Each member's place in the team's starting rotation: the member list turned by a hash of the team id, so
    /// a new team does not start with whoever is listed first.
    func rotatedOrder(_ team: AssignmentPlan.Team) -> [Int: Int] {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in team.id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let count = team.members.count
        let start = Int(hash % UInt64(max(count, 1)))
        var order: [Int: Int] = [:]
        for (position, member) in team.members.enumerated() {
            order[member.rep] = (position - start + count) % count
        }
        return order
    }

    // MARK: - State

    mutating func loadTeam(_ index: Int) throws {
        guard loadedTeams.insert(index).inserted else { return }
        let team = plan.teams[index]
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT rep, last_seq, credit FROM rotation WHERE team = ?"),
            arguments: [team.id]
        )
        for row in rows {
            guard let rep = plan.rep(row["rep"]) else { continue }
            rotation[TeamRep(team: index, rep: rep)] = Rotation(lastSeq: row["last_seq"], credit: row["credit"])
        }
        let presenceRows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT rep, away, returned_at, offset FROM presence WHERE team = ?"),
            arguments: [team.id]
        )
        for row in presenceRows {
            guard let rep = plan.rep(row["rep"]) else { continue }
            presence[TeamRep(team: index, rep: rep)] = Presence(
                away: row["away"],
                returnedAt: row["returned_at"],
                offset: row["offset"]
            )
        }
    }

    mutating func dayCount(_ rep: Int, day: Int) throws -> Int {
        let key = TeamRep(team: day, rep: rep)
        if let count = dayCounts[key] { return count }
        let count =
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM ledger WHERE owner = ? AND day = ?"),
                arguments: [plan.reps[rep].id, day]
            ) ?? 0
        dayCounts[key] = count
        return count
    }

    mutating func weekCount(_ rep: Int, week: Int) throws -> Int {
        let key = TeamRep(team: week, rep: rep)
        if let count = weekCounts[key] { return count }
        let count =
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM ledger WHERE owner = ? AND week = ?"),
                arguments: [plan.reps[rep].id, week]
            ) ?? 0
        weekCounts[key] = count
        return count
    }

    mutating func windowCount(_ rep: Int, from: Double, until: Double) throws -> Int {
        let key = WindowKey(rep: rep, from: from, until: until)
        if let count = windowCounts[key] { return count }
        let count =
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM ledger WHERE owner = ? AND at > ? AND at <= ?"),
                arguments: [plan.reps[rep].id, from, until]
            ) ?? 0
        windowCounts[key] = count
        return count
    }

    /// Writes the ledger row and updates the counts, rotation and sticky owners.
    mutating func record(
        keys: LeadKeys,
        now: Double,
        owner: Int?,
        queue: String?,
        team: Int?,
        method: String,
        reasons: [Opportunity.Reason],
        item: Assigner.Item
    ) throws -> Opportunity {
        var opportunity = Opportunity(
            lead: keys.lead,
            status: owner == nil ? .queued : .assigned,
            method: method,
            stage: plan.openingStage,
            assignedAt: now,
            reasons: reasons
        )
        opportunity.queue = queue
        let teamConfig = team.map { plan.teams[$0] }
        opportunity.team = teamConfig?.id
        let sla = owner == nil && team == nil ? plan.fallback.sla : teamConfig?.sla ?? plan.fallback.sla
        opportunity.playbook = owner == nil && team == nil ? plan.fallback.playbook : teamConfig?.playbook
        var day: Int?
        var week: Int?
        if let owner {
            let rep = plan.reps[owner]
            let clock = clocks[owner]
            opportunity.owner = rep.id
            opportunity.ownerName = rep.name
            opportunity.ownerEmail = rep.email
            opportunity.firstContactDue = sla.map { clock.due(from: now, after: $0) }
            day = clock.day(now)
            week = clock.week(now)
        } else {
            let clock = RepClock(timeZone: plan.defaultTimeZone, hours: plan.defaultHours)
            opportunity.firstContactDue = sla.map { clock.due(from: now, after: $0) }
        }
        var bytes: [UInt8] = []
        opportunity.json.writeJSON(into: &bytes)
        try db.cachedStatement(
            sql: """
                INSERT INTO ledger (lead, at, team, owner, queue, method, day, week, rules_version, record)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            keys.lead, now, opportunity.team, opportunity.owner, queue, method, day, week,
            item.decision.rulesVersion, String(decoding: bytes, as: UTF8.self),
        ])
        let seq = db.lastInsertedRowID
        if let owner, let day, let week {
            if let count = dayCounts[TeamRep(team: day, rep: owner)] {
                dayCounts[TeamRep(team: day, rep: owner)] = count + 1
            }
            if let count = weekCounts[TeamRep(team: week, rep: owner)] {
                weekCounts[TeamRep(team: week, rep: owner)] = count + 1
            }
            for (key, count) in windowCounts where key.rep == owner && key.from < now && now <= key.until {
                windowCounts[key] = count + 1
            }
            if let team, plan.teams[team].strategy.rawValue == method {
                let teamRep = TeamRep(team: team, rep: owner)
                rotation[teamRep, default: Rotation(lastSeq: nil, credit: 0)].lastSeq = seq
                dirtyRotation.insert(teamRep)
            }
            if let sticky = plan.sticky {
                for (key, _) in stickyKeys(keys, sticky) {
                    try db.cachedStatement(
                        sql: "INSERT OR REPLACE INTO sticky (key, owner, team, at) VALUES (?, ?, ?, ?)"
                    ).execute(arguments: [key, plan.reps[owner].id, opportunity.team, now])
                }
            }
        }
        return opportunity
    }

    /// Writes back the rotation and presence rows the batch changed.
    func save() throws {
        for key in dirtyRotation {
            guard let state = rotation[key] else { continue }
            try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO rotation (team, rep, last_seq, credit) VALUES (?, ?, ?, ?)"
            ).execute(arguments: [plan.teams[key.team].id, plan.reps[key.rep].id, state.lastSeq, state.credit])
        }
        for key in dirtyPresence {
            guard let state = presence[key] else { continue }
            try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO presence (team, rep, away, returned_at, offset) VALUES (?, ?, ?, ?, ?)"
            ).execute(arguments: [
                plan.teams[key.team].id, plan.reps[key.rep].id, state.away, state.returnedAt, state.offset,
            ])
        }
    }
}
