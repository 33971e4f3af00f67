import Foundation
import Leads
import YAML

/// The assignment sections of the rule files, as YAML gave them.
struct AssignmentSections: Sendable {
    static let keys = ["assign", "accounts", "sticky", "reps", "teams", "fallback"]
    var entries: [String: YAMLMapping.Entry] = [:]
}

/// Checks and compiles the assignment sections: reps, teams (their conditions are rule expressions), the fallback
/// queue, the accounts file and sticky ownership. Every problem is a positioned diagnostic.
struct AssignmentCompiler {
    let directory: String
    /// What the compilation collects (a reference, so checks inside `attempt` closures can add to it).
    final class Collected {
        var diagnostics: [Diagnostic] = []
        /// Files read besides the YAML (the accounts CSV), so the rules version changes when they do.
        var extraSources: [(path: String, bytes: [UInt8])] = []
    }
    let collected = Collected()
    var diagnostics: [Diagnostic] { collected.diagnostics }
    var extraSources: [(path: String, bytes: [UInt8])] { collected.extraSources }

    static let assignKeys = [
        "routes", "stage", "email", "domain", "ignore_domains", "time_zone", "hours", "caps",
    ]
    static let repKeys = ["id", "name", "email", "time_zone", "hours", "caps", "away", "active"]
    static let teamKeys = ["id", "when", "strategy", "members", "window", "sla", "overflow", "playbook"]
    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Compiles the sections gathered from every file; nil when there are none.
    ///
    /// `condition` compiles a team's `when` with the assignment scope (lead fields, scores, flags, grade, stage,
    /// route); `lists` are the rule set's named lists.
    func compile(
        _ sections: AssignmentSections,
        routes: [String],
        lists: [String: Set<String>],
        usedList: (String) -> Void,
        condition: (ConditionSyntax) -> Condition?
    ) -> AssignmentPlan? {
        let entries = sections.entries
        guard !entries.isEmpty else { return nil }
        let anchor = entries.values.map(\.key).min { $0.location < $1.location }
        guard let teamsEntry = entries["teams"], let repsEntry = entries["reps"],
            let fallbackEntry = entries["fallback"]
        else {
            let missing = ["reps", "teams", "fallback"].filter { entries[$0] == nil }
            if let anchor {
                collected.diagnostics.append(
                    anchor.diagnostic(
                        .init(
                            "assignment needs 'reps', 'teams' and 'fallback'; missing \(missing.joined(separator: ", "))"
                        )
                    )
                )
            }
            return nil
        }
        let errorsBefore = collected.diagnostics.count { $0.severity == .error }
        var plan = AssignmentPlan(
            routes: ["opportunities"],
            openingStage: "discovery",
            reps: [],
            teams: [],
            fallback: AssignmentPlan.Queue(name: "unassigned"),
            accounts: AccountBook(),
            sticky: nil,
            ignoredDomains: [],
            defaultTimeZone: "UTC",
            defaultHours: .always,
            emailPath: ["contact", "email"],
            domainPaths: [["company", "domain"], ["company", "website"]],
            conditions: []
        )
        // Defaults for reps.
        var defaultZone = "UTC"
        var defaultHours = WeeklyHours(days: [
            [540..<1020], [540..<1020], [540..<1020], [540..<1020], [540..<1020], [], [],
        ])
        var defaultCaps: (day: Int?, week: Int?) = (nil, nil)
        if let assign = entries["assign"] {
            attempt { () throws(Diagnostic) in
                let mapping = try assign.value.mapping()
                checkKeys(mapping, Self.assignKeys)
                if let node = mapping["routes"] {
                    let items = try strings(node)
                    for item in items where !routes.contains(item.value) {
                        collected.diagnostics.append(
                            item.diagnostic(
                                .init(
                                    "no stage routes to '\(item.value)'"
                                        + didYouMean(Suggestion.closest(to: item.value, in: routes))
                                )
                            )
                        )
                    }
                    plan.routes = Set(items.map(\.value))
                }
                if let node = mapping["stage"] { plan.openingStage = try node.string() }
                if let node = mapping["email"] {
                    plan.emailPath = try node.string().split(separator: ".").map(String.init)
                }
                if let node = mapping["domain"] {
                    plan.domainPaths = try strings(node).map { $0.value.split(separator: ".").map(String.init) }
                }
                if let node = mapping["ignore_domains"] {
                    let name = try node.scalar()
                    if let list = lists[name.value] {
                        plan.ignoredDomains = list
                        usedList(name.value)
                    } else {
                        collected.diagnostics.append(
                            name.diagnostic(
                                .unknownList(name.value, Suggestion.closest(to: name.value, in: Array(lists.keys)))
                            )
                        )
                    }
                }
                if let node = mapping["time_zone"] { defaultZone = try timeZone(node) }
                if let node = mapping["hours"] { defaultHours = try hours(node) }
                if let node = mapping["caps"] { defaultCaps = try caps(node) }
            }
        }
        plan.defaultTimeZone = defaultZone
        plan.defaultHours = defaultHours
        // Reps: every rep with an id is registered, even when one of its fields is wrong, so teams can name it.
        var repLines: [String: YAMLScalar] = [:]
        attempt { () throws(Diagnostic) in
            for item in try repsEntry.value.sequence().items {
                attempt { () throws(Diagnostic) in
                    let mapping = try item.mapping()
                    checkKeys(mapping, Self.repKeys)
                    guard let idNode = mapping["id"] else { throw item.diagnostic(.missingKey("id")) }
                    let id = try idNode.scalar()
                    if let first = repLines[id.value] {
                        var diagnostic = id.diagnostic(.init("duplicate rep '\(id.value)'"))
                        diagnostic.notes = [first.diagnostic(.firstDefinedHere, severity: .note)]
                        collected.diagnostics.append(diagnostic)
                        return
                    }
                    repLines[id.value] = id
                    var rep = AssignmentPlan.Rep(
                        id: id.value,
                        name: id.value,
                        email: nil,
                        timeZone: defaultZone,
                        hours: defaultHours,
                        dayCap: defaultCaps.day,
                        weekCap: defaultCaps.week,
                        away: [],
                        active: true,
                        line: id.location.line
                    )
                    attempt { () throws(Diagnostic) in if let node = mapping["name"] { rep.name = try node.string() } }
                    attempt { () throws(Diagnostic) in if let node = mapping["email"] { rep.email = try node.string() }
                    }
                    attempt { () throws(Diagnostic) in
                        if let node = mapping["time_zone"] { rep.timeZone = try timeZone(node) }
                    }
                    attempt { () throws(Diagnostic) in if let node = mapping["hours"] { rep.hours = try hours(node) } }
                    attempt { () throws(Diagnostic) in
                        if let node = mapping["caps"] { (rep.dayCap, rep.weekCap) = try caps(node) }
                    }
                    attempt { () throws(Diagnostic) in
                        if let node = mapping["active"] { rep.active = try node.scalar().bool() }
                    }
                    attempt { () throws(Diagnostic) in
                        guard let node = mapping["away"] else { return }
                        for period in try node.sequence().items {
                            attempt { () throws(Diagnostic) in rep.away.append(try dateRange(period)) }
                        }
                    }
                    plan.reps.append(rep)
                }
            }
        }
        let repIDs = plan.reps.map(\.id)
        func repIndex(_ scalar: YAMLScalar) -> Int? {
            if let index = plan.rep(scalar.value) { return index }
            collected.diagnostics.append(
                scalar.diagnostic(.unknownRep(scalar.value, Suggestion.closest(to: scalar.value, in: repIDs)))
            )
            return nil
        }
        // Teams: ids first, so overflows may name a later team.
        var teamIDs: [String: YAMLScalar] = [:]
        var teamNodes: [(id: YAMLScalar, mapping: YAMLMapping)] = []
        attempt { () throws(Diagnostic) in
            for item in try teamsEntry.value.sequence().items {
                attempt { () throws(Diagnostic) in
                    let mapping = try item.mapping()
                    checkKeys(mapping, Self.teamKeys)
                    guard let idNode = mapping["id"] else { throw item.diagnostic(.missingKey("id")) }
                    let id = try idNode.scalar()
                    if let first = teamIDs[id.value] {
                        var diagnostic = id.diagnostic(.init("duplicate team '\(id.value)'"))
                        diagnostic.notes = [first.diagnostic(.firstDefinedHere, severity: .note)]
                        collected.diagnostics.append(diagnostic)
                        return
                    }
                    teamIDs[id.value] = id
                    teamNodes.append((id, mapping))
                }
            }
        }
        let teamNames = teamNodes.map(\.id.value)
        var conditions: [Condition?] = []
        var unconditional: YAMLScalar?
        // Every team is appended, broken or not, so indexes match `teamNames`.
        for (id, mapping) in teamNodes {
            if let earlier = unconditional {
                var diagnostic = id.diagnostic(
                    .init("unreachable: team '\(earlier.value)' has no 'when' and takes every lead before it")
                )
                diagnostic.notes = [earlier.diagnostic(.init("that team is here"), severity: .note)]
                collected.diagnostics.append(diagnostic)
            }
            var team = AssignmentPlan.Team(
                id: id.value,
                strategy: .roundRobin,
                members: [],
                window: 7 * 86400,
                sla: nil,
                overflow: nil,
                playbook: nil,
                condition: nil,
                line: id.location.line
            )
            var compiled: Condition?
            if let when = mapping["when"] {
                attempt { () throws(Diagnostic) in
                    let syntax = try RuleFile.condition(when)
                    if case .leaf(let leaf) = syntax {
                        team.condition = leaf.text
                    } else {
                        team.condition = "(compound condition)"
                    }
                    compiled = condition(syntax)
                }
            } else {
                unconditional = unconditional ?? id
            }
            attempt { () throws(Diagnostic) in
                guard let node = mapping["strategy"] else { return }
                let scalar = try node.scalar()
                guard let value = AssignmentPlan.Team.Strategy(rawValue: scalar.value) else {
                    let names = AssignmentPlan.Team.Strategy.allCases.map(\.rawValue)
                    throw scalar.diagnostic(
                        .init(
                            "unknown strategy '\(scalar.value)'; expected \(names.joined(separator: ", "))"
                                + didYouMean(Suggestion.closest(to: scalar.value, in: names))
                        )
                    )
                }
                team.strategy = value
            }
            attempt { () throws(Diagnostic) in
                guard let membersNode = mapping["members"] else { throw id.diagnostic(.missingKey("members")) }
                switch membersNode {
                case .sequence(let sequence):
                    if sequence.items.isEmpty {
                        throw membersNode.diagnostic(.init("a team needs at least one member"))
                    }
                    for item in sequence.items {
                        attempt { () throws(Diagnostic) in
                            if let rep = repIndex(try item.scalar()) { team.members.append(.init(rep: rep, weight: 1)) }
                        }
                    }
                case .mapping(let weights):
                    if weights.entries.isEmpty {
                        throw membersNode.diagnostic(.init("a team needs at least one member"))
                    }
                    for entry in weights.entries {
                        attempt { () throws(Diagnostic) in
                            let weight = try entry.value.scalar().int()
                            guard weight >= 1 else {
                                throw entry.value.diagnostic(.init("a weight is a whole number of at least 1"))
                            }
                            if let rep = repIndex(entry.key) { team.members.append(.init(rep: rep, weight: weight)) }
                        }
                    }
                case .scalar:
                    throw membersNode.diagnostic(
                        .init("'members' is a list of rep ids, or a mapping of rep id to weight")
                    )
                }
                var seen: Set<Int> = []
                for member in team.members where !seen.insert(member.rep).inserted {
                    collected.diagnostics.append(
                        membersNode.diagnostic(.init("rep '\(plan.reps[member.rep].id)' is listed twice"))
                    )
                }
            }
            attempt { () throws(Diagnostic) in
                if let node = mapping["overflow"] {
                    team.overflow = try destination(node, teams: teamNames, self: id.value)
                }
            }
            attempt { () throws(Diagnostic) in if let node = mapping["window"] { team.window = try duration(node) } }
            attempt { () throws(Diagnostic) in if let node = mapping["sla"] { team.sla = try sla(node) } }
            attempt { () throws(Diagnostic) in if let node = mapping["playbook"] { team.playbook = try node.string() } }
            plan.teams.append(team)
            conditions.append(compiled)
        }
        // Overflow chains must end.
        for (index, team) in plan.teams.enumerated() {
            var seen: Set<Int> = [index]
            var next = team.overflow
            while case .team(let target) = next {
                guard seen.insert(target).inserted else {
                    if let scalar = teamIDs[team.id] {
                        collected.diagnostics.append(
                            scalar.diagnostic(.init("the overflow of team '\(team.id)' leads back to itself"))
                        )
                    }
                    break
                }
                next = plan.teams.indices.contains(target) ? plan.teams[target].overflow : nil
            }
        }
        attempt { () throws(Diagnostic) in
            let mapping = try fallbackEntry.value.mapping()
            checkKeys(mapping, ["queue", "sla", "playbook"])
            guard let queue = mapping["queue"] else { throw fallbackEntry.value.diagnostic(.missingKey("queue")) }
            plan.fallback = AssignmentPlan.Queue(
                name: try queue.string(),
                sla: try mapping["sla"].map { node throws(Diagnostic) in try sla(node) },
                playbook: try mapping["playbook"]?.string()
            )
        }
        if let sticky = entries["sticky"] {
            attempt { () throws(Diagnostic) in
                let mapping = try sticky.value.mapping()
                checkKeys(mapping, ["window", "by"])
                var config = AssignmentPlan.Sticky(window: 30 * 86400, byEmail: true, byDomain: false)
                if let node = mapping["window"] { config.window = try duration(node) }
                if let node = mapping["by"] {
                    let items = try strings(node)
                    config.byEmail = false
                    for item in items {
                        switch item.value {
                        case "email": config.byEmail = true
                        case "domain": config.byDomain = true
                        default:
                            collected.diagnostics.append(item.diagnostic(.init("sticky 'by' takes email and domain")))
                        }
                    }
                }
                plan.sticky = config
            }
        }
        if let accounts = entries["accounts"] {
            attempt { () throws(Diagnostic) in
                let mapping = try accounts.value.mapping()
                checkKeys(mapping, ["file", "ambiguous", "encoding"])
                if let node = mapping["ambiguous"] { plan.accounts.ambiguousQueue = try node.string() }
                var encoding = CSVMapping.Encoding.utf8
                if let node = mapping["encoding"] {
                    let label = try node.string()
                    guard let named = CSVMapping.Encoding.named(label) else {
                        let suggestion = Suggestion.closest(to: label.lowercased(), in: CSVMapping.Encoding.labels)
                        throw node.diagnostic(.unknownEncoding(label, suggestion))
                    }
                    encoding = named
                }
                guard let file = mapping["file"] else { throw accounts.value.diagnostic(.missingKey("file")) }
                let path = try file.scalar()
                plan.accounts = try readAccounts(path, into: plan.accounts, reps: plan.reps, encoding: encoding)
            }
        }
        plan.conditions = conditions
        return collected.diagnostics.count { $0.severity == .error } == errorsBefore ? plan : nil
    }

    // MARK: - Values

    func attempt(_ body: () throws(Diagnostic) -> Void) {
        do {
            try body()
        } catch {
            collected.diagnostics.append(error)
        }
    }

    func checkKeys(_ mapping: YAMLMapping, _ allowed: [String]) {
        RuleFile.checkKeys(mapping, allowed: allowed, into: &collected.diagnostics)
    }

    func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { " (did you mean '\($0)'?)" } ?? ""
    }

    func strings(_ node: YAMLNode) throws(Diagnostic) -> [YAMLScalar] {
        if case .scalar(let scalar) = node { return [scalar] }
        return try node.sequence().items.map { item throws(Diagnostic) in try item.scalar() }
    }

    func duration(_ node: YAMLNode) throws(Diagnostic) -> Double {
        let scalar = try node.scalar()
        let text = scalar.value
        if let unit = text.last, let seconds = Lexer.Duration.unitSeconds[String(unit)],
            let count = Double(text.dropLast()),
            count > 0, count.isFinite
        {
            return count * seconds
        }
        throw scalar.diagnostic(.expectedType("a duration such as 4h or 30d", "'\(text)'"))
    }

    /// An SLA counts working time, so only hours and minutes: a "day" would be ambiguous (24 hours, or one
    /// working day?).
    func sla(_ node: YAMLNode) throws(Diagnostic) -> Double {
        let scalar = try node.scalar()
        guard scalar.value.hasSuffix("h") || scalar.value.hasSuffix("m") else {
            throw scalar.diagnostic(
                .init(
                    "an SLA counts working time in hours or minutes, such as 4h or 90m (one 8-hour working day is 8h)"
                )
            )
        }
        return try duration(node)
    }

    func timeZone(_ node: YAMLNode) throws(Diagnostic) -> String {
        let scalar = try node.scalar()
        guard TimeZone(identifier: scalar.value) != nil else {
            throw scalar.diagnostic(
                .init("unknown time zone '\(scalar.value)'; use an IANA name such as Europe/Berlin")
            )
        }
        return scalar.value
    }

    func caps(_ node: YAMLNode) throws(Diagnostic) -> (day: Int?, week: Int?) {
        let mapping = try node.mapping()
        for entry in mapping.entries where !["day", "week"].contains(entry.key.value) {
            throw entry.key.diagnostic(
                .unknownKey(entry.key.value, Suggestion.closest(to: entry.key.value, in: ["day", "week"]))
            )
        }
        func cap(_ key: String) throws(Diagnostic) -> Int? {
            guard let value = mapping[key] else { return nil }
            let scalar = try value.scalar()
            if scalar.isNull { return nil }
            let number = try scalar.int()
            guard number >= 0 else { throw scalar.diagnostic(.init("a cap is a whole number, 0 or more")) }
            return number
        }
        return (try cap("day"), try cap("week"))
    }

    /// `{mon-fri: "09:00-17:00", sat: "10:00-12:00", sun: off}`; a range that ends before it starts runs past
    /// midnight into the next day.
    func hours(_ node: YAMLNode) throws(Diagnostic) -> WeeklyHours {
        if case .scalar(let scalar) = node, scalar.value == "always" { return .always }
        let mapping = try node.mapping()
        var days: [[Range<Int>]] = Array(repeating: [], count: 7)
        for entry in mapping.entries {
            let dayIndexes = try weekdays(entry.key)
            var ranges: [YAMLScalar] = []
            switch entry.value {
            case .sequence(let sequence):
                ranges = try sequence.items.map { item throws(Diagnostic) in try item.scalar() }
            default:
                let scalar = try entry.value.scalar()
                if scalar.value != "off" { ranges = [scalar] }
            }
            for scalar in ranges {
                let (start, end) = try timeRange(scalar)
                for day in dayIndexes {
                    if end > start {
                        days[day].append(start..<end)
                    } else {
                        days[day].append(start..<1440)
                        if end > 0 { days[(day + 1) % 7].append(0..<end) }
                    }
                }
            }
        }
        for index in days.indices {
            let sorted = days[index].sorted { $0.lowerBound < $1.lowerBound }
            var merged: [Range<Int>] = []
            for range in sorted {
                if let last = merged.last, range.lowerBound <= last.upperBound {
                    merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
                } else {
                    merged.append(range)
                }
            }
            days[index] = merged
        }
        return WeeklyHours(days: days)
    }

    func weekdays(_ key: YAMLScalar) throws(Diagnostic) -> [Int] {
        let text = key.value.lowercased()
        if text == "daily" { return Array(0..<7) }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let indexes = parts.map { Self.weekdays.firstIndex(of: $0) }
        guard (1...2).contains(parts.count), let first = indexes.first ?? nil, let last = indexes.last ?? nil else {
            throw key.diagnostic(.init("expected a weekday (mon ... sun), a range such as mon-fri, or daily"))
        }
        var result = [first]
        var day = first
        while day != last {
            day = (day + 1) % 7
            result.append(day)
        }
        return result
    }

    func timeRange(_ scalar: YAMLScalar) throws(Diagnostic) -> (Int, Int) {
        let parts = scalar.value.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        func minutes(_ text: String) -> Int? {
            let pieces = text.split(separator: ":")
            guard pieces.count == 2, pieces[1].count == 2, let hour = Int(pieces[0]), let minute = Int(pieces[1]),
                (0...24).contains(hour), (0..<60).contains(minute), hour * 60 + minute <= 1440
            else { return nil }
            return hour * 60 + minute
        }
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start != end else {
            throw scalar.diagnostic(.init("expected working hours such as \"09:00-17:00\", or off"))
        }
        return (start, end)
    }

    /// `2026-12-24` (one day) or `{from: 2026-12-24, to: 2027-01-02}`, both ends included.
    func dateRange(_ node: YAMLNode) throws(Diagnostic) -> DateRange {
        func day(_ node: YAMLNode) throws(Diagnostic) -> Int {
            let scalar = try node.scalar()
            let text = scalar.value
            let parts = text.split(separator: "-")
            guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]),
                let dayOfMonth = Int(parts[2]), (1...12).contains(month),
                (1...Timestamp.daysIn(month: month, year: year)).contains(dayOfMonth)
            else {
                throw scalar.diagnostic(.expectedType("a date such as 2026-12-24", "'\(text)'"))
            }
            return Timestamp.daysFromCivil(year: year, month: month, day: dayOfMonth)
        }
        if case .scalar = node {
            let single = try day(node)
            return DateRange(first: single, last: single)
        }
        let mapping = try node.mapping()
        for entry in mapping.entries where !["from", "to"].contains(entry.key.value) {
            throw entry.key.diagnostic(
                .unknownKey(entry.key.value, Suggestion.closest(to: entry.key.value, in: ["from", "to"]))
            )
        }
        guard let from = mapping["from"] else { throw node.diagnostic(.missingKey("from")) }
        guard let to = mapping["to"] else { throw node.diagnostic(.missingKey("to")) }
        let range = DateRange(first: try day(from), last: try day(to))
        guard range.first <= range.last else { throw to.diagnostic(.init("'to' is before 'from'")) }
        return range
    }

    func destination(
        _ node: YAMLNode,
        teams: [String],
        self id: String
    ) throws(Diagnostic) -> AssignmentPlan.Destination {
        let mapping = try node.mapping()
        guard mapping.entries.count == 1, let entry = mapping.entries.first else {
            throw node.diagnostic(.init("an overflow is {team: ID} or {queue: NAME}"))
        }
        let name = try entry.value.scalar()
        switch entry.key.value {
        case "team":
            guard let index = teams.firstIndex(of: name.value) else {
                throw name.diagnostic(
                    .init("unknown team '\(name.value)'" + didYouMean(Suggestion.closest(to: name.value, in: teams)))
                )
            }
            guard name.value != id else { throw name.diagnostic(.init("a team cannot overflow to itself")) }
            return .team(index)
        case "queue":
            return .queue(name.value)
        default:
            throw entry.key.diagnostic(
                .unknownKey(entry.key.value, Suggestion.closest(to: entry.key.value, in: ["team", "queue"]))
            )
        }
    }

    /// The accounts CSV: `domain,account,owner` (a header row names the columns; others are ignored).
    func readAccounts(
        _ path: YAMLScalar,
        into book: AccountBook,
        reps: [AssignmentPlan.Rep],
        encoding: CSVMapping.Encoding
    ) throws(Diagnostic) -> AccountBook {
        let full = path.value.hasPrefix("/") ? path.value : "\(directory)/\(path.value)"
        guard full.hasSuffix(".csv") else { throw path.diagnostic(.init("the accounts file must be a .csv file")) }
        do {
            collected.extraSources.append((full, try FileBytes.read(full)))
        } catch {
            throw path.diagnostic(.init("cannot read the accounts file: \(error.reason)"))
        }
        var book = book
        book.file = full
        let repIDs = reps.map(\.id)
        var mapping = CSVMapping()
        mapping.encoding = encoding
        for result in LeadFileReader(path: full, options: LeadReaderOptions(csvMapping: mapping)) {
            switch result {
            case .failure(let error):
                collected.diagnostics.append(
                    Diagnostic(
                        at: SourceLocation(file: full, line: error.line, column: error.column),
                        .init(error.reason),
                        sourceLine: error.sourceLine
                    )
                )
            case .record(let record):
                let line = record.origin.line
                func text(_ key: String) -> String? {
                    if case .string(let value) = record.fields[key] {
                        let trimmed = value.trimmingCharacters(in: .whitespaces)
                        return trimmed.isEmpty ? nil : trimmed
                    }
                    return nil
                }
                let location = SourceLocation(file: full, line: line, column: 1)
                guard let written = text("domain"), let owner = text("owner") else {
                    collected.diagnostics.append(
                        Diagnostic(at: location, .init("an account row needs 'domain' and 'owner'"))
                    )
                    continue
                }
                // Read as leads' company domains are: `https://www.Acme.com/` is `acme.com`.
                guard let domain = DomainName.normalized(written) else {
                    collected.diagnostics.append(
                        Diagnostic(
                            .warning,
                            at: location,
                            .init("'\(written)' is not a domain such as acme.com: this account row is left out")
                        )
                    )
                    continue
                }
                guard let rep = reps.firstIndex(where: { $0.id == owner }) else {
                    collected.diagnostics.append(
                        Diagnostic(at: location, .unknownRep(owner, Suggestion.closest(to: owner, in: repIDs)))
                    )
                    continue
                }
                let account = AccountBook.Account(
                    name: text("account") ?? domain,
                    owner: rep,
                    domain: domain,
                    line: line
                )
                book.byDomain[domain, default: []].append(account)
            }
        }
        return book
    }
}
