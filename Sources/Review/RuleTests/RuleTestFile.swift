import Foundation
public import Leads
public import Rules
public import YAML

/// One case of a rule test file: a lead, the time it is decided at, and what the decision must be.
public struct RuleTestCase: Sendable {
    public var name: String
    /// Where the case starts (its `- name:` line).
    public var location: SourceLocation
    public var lead: LeadObject
    public var now: Double
    public var expectations: [Expectation]
    /// Problems found in the case (an unknown rule, field, stage...): such a case fails without running.
    public var errors: [Diagnostic]
}

/// What a case expects of one part of the decision, with the line it was written on.
public struct Expectation: Sendable {
    public enum Check: Sendable {
        case stage(String)
        case route(String)
        /// nil: no grade row holds.
        case grade(String?)
        case score(Bound)
        case categoryScore(String, Bound)
        /// The exact set of rules that fire (disqualifiers and points rules).
        case fired(Set<String>)
        /// The exact set of disqualification reasons; empty: not disqualified.
        case disqualified(Set<String>)
        case flags(Set<String>)
        /// The team that takes the lead; nil: none (the fallback queue, or not an assigned route).
        case team(String?)
        /// The owner's rep id; nil: no owner (queued, or not assigned).
        case owner(String?)
        /// The queue the lead waits in; nil: none.
        case queue(String?)
    }

    /// An exact number, or bounds.
    public struct Bound: Sendable, Hashable {
        public var exact: Double?
        public var min: Double?
        public var max: Double?

        func holds(_ value: Double) -> Bool {
            if let exact, abs(exact - value) > 1e-9 { return false }
            if let min, value < min - 1e-9 { return false }
            if let max, value > max + 1e-9 { return false }
            return true
        }

        var text: String {
            if let exact { return Decision.format(exact) }
            switch (min, max) {
            case (let min?, let max?): return "between \(Decision.format(min)) and \(Decision.format(max))"
            case (let min?, nil): return "at least \(Decision.format(min))"
            case (nil, let max?): return "at most \(Decision.format(max))"
            default: return "any"
            }
        }
    }

    public var check: Check
    public var line: Int
    /// `stage`, `fired`, `scores.behavior`...
    public var key: String
}

/// The cases of one test file (`tests/*.yaml` in a rules directory), and the problems of the file itself.
public struct RuleTestFile: Sendable {
    public var path: String
    public var cases: [RuleTestCase]
    /// Problems outside any case (the YAML, `version`, `now`, fixtures).
    public var errors: [Diagnostic]

    static let topKeys = ["version", "now", "fixtures", "cases"]
    static let caseKeys = ["name", "lead", "now", "expect"]
    static let expectKeys = [
        "stage", "route", "grade", "score", "scores", "fired", "disqualified", "flags", "team", "owner", "queue",
    ]

    /// Reads and checks a test file against the program it will run on: every rule, field, stage, route, grade,
    /// category, flag, reason, team and rep it names must exist.
    public static func load(path: String, program: Program) -> RuleTestFile {
        var file = RuleTestFile(path: path, cases: [], errors: [])
        let document: YAMLDocument
        do {
            document = try YAMLDocument.parse(try FileBytes.read(path), path: path)
        } catch let error as DiagnosticError {
            file.errors = error.diagnostics
            return file
        } catch {
            file.errors = [Diagnostic(at: SourceLocation(file: path, line: 1, column: 1), .init("\(error)"))]
            return file
        }
        var reader = TestFileReader(program: program, path: path)
        file.cases = reader.read(document)
        file.errors = reader.errors
        return file
    }
}

/// Reads one document into cases, collecting diagnostics.
struct TestFileReader {
    let program: Program
    let path: String
    var errors: [Diagnostic] = []
    var fixtures: [String: LeadObject] = [:]
    var fixtureOrder: [String] = []

    init(program: Program, path: String) {
        self.program = program
        self.path = path
    }

    mutating func read(_ document: YAMLDocument) -> [RuleTestCase] {
        guard let root = document.root else {
            errors.append(
                Diagnostic(at: SourceLocation(file: path, line: 1, column: 1), .init("empty test file; expected cases"))
            )
            return []
        }
        guard case .mapping(let top) = root else {
            errors.append(root.diagnostic(.expected("a mapping with version, now, fixtures and cases", found: root)))
            return []
        }
        unknownKeys(top, allowed: RuleTestFile.topKeys, what: "a test file", into: &errors)
        if let version = top.entry("version") {
            do {
                let number = try version.value.scalar().int()
                if number != 1 {
                    errors.append(version.value.diagnostic(.init("this build reads test files of version 1")))
                }
            } catch { errors.append(error) }
        } else {
            errors.append(top.key("version missing"))
        }
        var now: Double?
        if let entry = top.entry("now") {
            now = time(entry.value, into: &errors)
        } else {
            errors.append(top.key("'now' missing: the fixed time every case is decided at (2026-11-20T12:00:00Z)"))
        }
        if let entry = top.entry("fixtures") {
            if case .mapping(let map) = entry.value {
                for fixture in map.entries {
                    guard fixtures[fixture.key.value] == nil else {
                        errors.append(fixture.key.diagnostic(.init("fixture '\(fixture.key.value)' defined twice")))
                        continue
                    }
                    var fixtureErrors: [Diagnostic] = []
                    let lead = self.lead(fixture.value, now: now ?? 0, into: &fixtureErrors)
                    errors += fixtureErrors
                    fixtures[fixture.key.value] = lead ?? LeadObject()
                    fixtureOrder.append(fixture.key.value)
                }
            } else {
                errors.append(
                    entry.value.diagnostic(.expected("a mapping of fixture names to leads", found: entry.value))
                )
            }
        }
        guard let casesEntry = top.entry("cases") else {
            errors.append(top.key("'cases' missing"))
            return []
        }
        guard case .sequence(let list) = casesEntry.value else {
            errors.append(casesEntry.value.diagnostic(.expected("a list of cases", found: casesEntry.value)))
            return []
        }
        var cases: [RuleTestCase] = []
        var names: [String: SourceLocation] = [:]
        for item in list.items {
            var caseErrors: [Diagnostic] = []
            guard case .mapping(let map) = item else {
                errors.append(item.diagnostic(.expected("a case (name, lead, expect)", found: item)))
                continue
            }
            unknownKeys(map, allowed: RuleTestFile.caseKeys, what: "a case", into: &caseErrors)
            var name = "case at line \(item.location.line)"
            if let entry = map.entry("name") {
                do {
                    name = try entry.value.string()
                    if let first = names[name] {
                        caseErrors.append(
                            entry.value.diagnostic(.init("another case is named '\(name)' (line \(first.line))"))
                        )
                    }
                    names[name] = item.location
                } catch { caseErrors.append(error) }
            } else {
                caseErrors.append(map.key("'name' missing"))
            }
            var caseNow = now ?? 0
            if let entry = map.entry("now"), let time = time(entry.value, into: &caseErrors) { caseNow = time }
            var lead = LeadObject()
            if let entry = map.entry("lead") {
                lead = self.lead(entry.value, now: caseNow, into: &caseErrors) ?? LeadObject()
            } else {
                caseErrors.append(map.key("'lead' missing: a fixture name, or fields (with 'extends: FIXTURE')"))
            }
            if lead["id"] == nil {
                lead.set("id", .string("test:\(item.location.line)"))
            }
            var expectations: [Expectation] = []
            if let entry = map.entry("expect") {
                expectations = expect(entry.value, into: &caseErrors)
                if expectations.isEmpty && caseErrors.isEmpty {
                    caseErrors.append(entry.value.diagnostic(.init("nothing expected; a case must check something")))
                }
            } else {
                caseErrors.append(map.key("'expect' missing"))
            }
            cases.append(
                RuleTestCase(
                    name: name,
                    location: item.location,
                    lead: lead,
                    now: caseNow,
                    expectations: expectations,
                    errors: caseErrors
                )
            )
        }
        return cases
    }

    // MARK: - Leads

    /// A fixture name, or a mapping of fields (dotted paths allowed) with an optional `extends: FIXTURE`.
    mutating func lead(_ node: YAMLNode, now: Double, into errors: inout [Diagnostic]) -> LeadObject? {
        switch node {
        case .scalar(let scalar):
            return fixture(scalar, into: &errors)
        case .mapping(let map):
            var lead = LeadObject()
            if let base = map.entry("extends") {
                do {
                    lead = fixture(try base.value.scalar(), into: &errors) ?? LeadObject()
                } catch { errors.append(error) }
            }
            for entry in map.entries where entry.key.value != "extends" {
                let path = entry.key.value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                set(path, entry.value, key: entry.key, in: &lead, now: now, into: &errors)
            }
            return lead
        default:
            errors.append(node.diagnostic(.expected("a fixture name or a mapping of lead fields", found: node)))
            return nil
        }
    }

    func fixture(_ name: YAMLScalar, into errors: inout [Diagnostic]) -> LeadObject? {
        if let lead = fixtures[name.value] { return lead }
        var message = "no fixture named '\(name.value)'"
        if let close = Suggestion.closest(to: name.value, in: fixtureOrder) {
            message += "; did you mean '\(close)'?"
        } else if fixtureOrder.isEmpty {
            message += " (fixtures are defined under 'fixtures:' before the cases that use them)"
        }
        errors.append(name.diagnostic(.init(message)))
        return nil
    }

    /// Sets the field at `path` (a mapping value sets each of its keys, so only what it names is overridden).
    func set(
        _ path: [String],
        _ node: YAMLNode,
        key: YAMLScalar,
        in lead: inout LeadObject,
        now: Double,
        into errors: inout [Diagnostic]
    ) {
        let dotted = path.joined(separator: ".")
        if case .mapping(let map) = node, program.fieldTypes[dotted] == nil {
            guard isPrefix(dotted) else {
                errors.append(unknownField(dotted, at: key))
                return
            }
            for entry in map.entries {
                let more = entry.key.value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                set(path + more, entry.value, key: entry.key, in: &lead, now: now, into: &errors)
            }
            return
        }
        guard let type = program.fieldTypes[dotted] else {
            errors.append(unknownField(dotted, at: key))
            return
        }
        if type == "events" {
            guard case .sequence(let list) = node else {
                if case .scalar(let scalar) = node, scalar.isNull {
                    lead.set(path: path[...], .null)
                } else {
                    errors.append(node.diagnostic(.expected("a list of events", found: node)))
                }
                return
            }
            var events: [LeadValue] = []
            for item in list.items {
                guard case .mapping(let map) = item else {
                    errors.append(
                        item.diagnostic(
                            .expected("an event (a mapping such as {type: page_view, at: -2d})", found: item)
                        )
                    )
                    continue
                }
                var event = LeadObject()
                for entry in map.entries {
                    let name = dotted + "." + entry.key.value
                    guard let fieldType = program.fieldTypes[name] else {
                        errors.append(unknownField(name, at: entry.key, eventOf: dotted))
                        continue
                    }
                    event.set(entry.key.value, value(entry.value, type: fieldType, now: now, into: &errors))
                }
                events.append(.object(event))
            }
            lead.set(path: path[...], .array(events))
            return
        }
        lead.set(path: path[...], value(node, type: type, now: now, into: &errors))
    }

    /// True when some field's dotted name starts with `prefix.`.
    func isPrefix(_ prefix: String) -> Bool {
        program.fieldTypes.keys.contains { $0.hasPrefix(prefix + ".") && program.fieldTypes[prefix] == nil }
    }

    func unknownField(_ name: String, at key: YAMLScalar, eventOf collection: String? = nil) -> Diagnostic {
        var message = "unknown field '\(name)'"
        let candidates: [String]
        if let collection {
            candidates = program.fieldTypes.keys.filter { $0.hasPrefix(collection + ".") }.sorted()
        } else {
            candidates = program.fieldTypes.keys.sorted()
        }
        if let close = Suggestion.closest(to: name, in: candidates) {
            message += "; did you mean '\(close)'?"
        } else {
            message += " (declare it under 'fields:' in a rule file to use it)"
        }
        return key.diagnostic(.init(message))
    }

    /// A YAML value as a lead value; for timestamp fields, `-3d`, `+2h`, `-90m`, `-1w`, `now` are relative to `now`.
    func value(_ node: YAMLNode, type: String, now: Double, into errors: inout [Diagnostic]) -> LeadValue {
        switch node {
        case .scalar(let scalar):
            if type == "timestamp", scalar.style.isPlain, let offset = Self.relativeTime(scalar.value) {
                return .string(Timestamp.iso8601(now + offset))
            }
            guard scalar.style.isPlain else { return .string(scalar.value) }
            if scalar.isNull { return .null }
            if scalar.value == "true" { return .bool(true) }
            if scalar.value == "false" { return .bool(false) }
            if let number = try? scalar.int() { return .int(number) }
            if let number = try? scalar.double() { return .double(number) }
            return .string(scalar.value)
        case .sequence(let list):
            return .array(list.items.map { value($0, type: "", now: now, into: &errors) })
        case .mapping(let map):
            var object = LeadObject()
            for entry in map.entries {
                object.set(entry.key.value, value(entry.value, type: "", now: now, into: &errors))
            }
            return .object(object)
        }
    }

    /// `-3d`, `+2h`, `-90m`, `-30s`, `-1w` or `now`, as seconds from the case's time.
    static func relativeTime(_ text: String) -> Double? {
        if text == "now" { return 0 }
        guard let sign = text.first, sign == "-" || sign == "+", let unit = text.last else { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        guard let scale = units[unit], let number = Double(text.dropFirst().dropLast()), number >= 0 else {
            return nil
        }
        return (sign == "-" ? -1 : 1) * number * scale
    }

    func time(_ node: YAMLNode, into errors: inout [Diagnostic]) -> Double? {
        do {
            return try node.scalar().timestamp().timeIntervalSince1970
        } catch {
            errors.append(error)
            return nil
        }
    }

    // MARK: - Expectations

    mutating func expect(_ node: YAMLNode, into errors: inout [Diagnostic]) -> [Expectation] {
        guard case .mapping(let map) = node else {
            errors.append(node.diagnostic(.expected("a mapping of expectations (stage, fired, score...)", found: node)))
            return []
        }
        unknownKeys(map, allowed: RuleTestFile.expectKeys, what: "expect", into: &errors)
        var result: [Expectation] = []
        func add(_ check: Expectation.Check, _ entry: YAMLMapping.Entry, key: String? = nil) {
            result.append(Expectation(check: check, line: entry.key.location.line, key: key ?? entry.key.value))
        }
        for entry in map.entries {
            do throws(Diagnostic) {
                switch entry.key.value {
                case "stage":
                    add(.stage(try name(entry.value, in: program.stageNames, what: "stage")), entry)
                case "route":
                    add(.route(try name(entry.value, in: program.routeNames, what: "route")), entry)
                case "grade":
                    if case .scalar(let scalar) = entry.value, scalar.isNull {
                        add(.grade(nil), entry)
                    } else {
                        add(.grade(try name(entry.value, in: program.gradeNames, what: "grade")), entry)
                    }
                case "score":
                    add(.score(try bound(entry.value)), entry)
                case "scores":
                    let categories = try entry.value.mapping()
                    for category in categories.entries {
                        let name = try name(.scalar(category.key), in: program.categoryNames, what: "category")
                        add(.categoryScore(name, try bound(category.value)), category, key: "scores.\(name)")
                    }
                case "fired":
                    add(.fired(Set(try names(entry.value, in: program.ruleIDs, what: "rule"))), entry)
                case "disqualified":
                    add(.disqualified(try reasons(entry.value)), entry)
                case "flags":
                    add(.flags(Set(try names(entry.value, in: program.flagNames, what: "flag"))), entry)
                case "team", "owner", "queue":
                    guard let plan = program.assignment else {
                        throw entry.key.diagnostic(
                            .init("'\(entry.key.value)' needs an assignment configuration in the rules")
                        )
                    }
                    var value: String?
                    if case .scalar(let scalar) = entry.value, scalar.isNull {
                        value = nil
                    } else {
                        let candidates: [String]
                        switch entry.key.value {
                        case "team": candidates = plan.teams.map(\.id)
                        case "owner": candidates = plan.reps.map(\.id)
                        default:
                            var queues = [plan.fallback.name, plan.accounts.ambiguousQueue]
                            for team in plan.teams {
                                if case .queue(let queue) = team.overflow { queues.append(queue) }
                            }
                            candidates = Array(Set(queues)).sorted()
                        }
                        value = try name(
                            entry.value,
                            in: candidates,
                            what: entry.key.value == "owner" ? "rep" : entry.key.value
                        )
                    }
                    switch entry.key.value {
                    case "team": add(.team(value), entry)
                    case "owner": add(.owner(value), entry)
                    default: add(.queue(value), entry)
                    }
                default:
                    break
                }
            } catch {
                errors.append(error)
            }
        }
        return result
    }

    func name(_ node: YAMLNode, in candidates: [String], what: String) throws(Diagnostic) -> String {
        let scalar = try node.scalar()
        guard candidates.contains(scalar.value) else {
            var message = "no \(what) named '\(scalar.value)'"
            if let close = Suggestion.closest(to: scalar.value, in: candidates) {
                message += "; did you mean '\(close)'?"
            } else {
                message += " (the \(what)s are: \(candidates.joined(separator: ", ")))"
            }
            throw scalar.diagnostic(.init(message))
        }
        return scalar.value
    }

    func names(_ node: YAMLNode, in candidates: [String], what: String) throws(Diagnostic) -> [String] {
        let list = try node.sequence()
        var result: [String] = []
        for item in list.items {
            result.append(try name(item, in: candidates, what: what))
        }
        return result
    }

    /// Disqualification reasons, named by their text or by the rule's id; `[]` or `false`: not disqualified.
    func reasons(_ node: YAMLNode) throws(Diagnostic) -> Set<String> {
        if case .scalar(let scalar) = node, (try? scalar.bool()) == false { return [] }
        let known = program.disqualifierReasons
        var result: Set<String> = []
        for item in try node.sequence().items {
            let scalar = try item.scalar()
            if let match = known.first(where: { $0.reason == scalar.value || $0.rule == scalar.value }) {
                result.insert(match.reason)
            } else {
                var message = "no disqualification reason or rule '\(scalar.value)'"
                if let close = Suggestion.closest(to: scalar.value, in: known.map(\.reason) + known.map(\.rule)) {
                    message += "; did you mean '\(close)'?"
                }
                throw scalar.diagnostic(.init(message))
            }
        }
        return result
    }

    /// A number, or `{min: N, max: N}` (either or both).
    func bound(_ node: YAMLNode) throws(Diagnostic) -> Expectation.Bound {
        switch node {
        case .scalar(let scalar):
            return Expectation.Bound(exact: try scalar.finiteDouble())
        case .mapping(let map):
            var bound = Expectation.Bound()
            for entry in map.entries {
                switch entry.key.value {
                case "min": bound.min = try entry.value.scalar().finiteDouble()
                case "max": bound.max = try entry.value.scalar().finiteDouble()
                default:
                    throw entry.key.diagnostic(.init("unknown key '\(entry.key.value)' in a bound; use min and max"))
                }
            }
            if bound.min == nil && bound.max == nil {
                throw node.diagnostic(.init("a bound needs min, max or both"))
            }
            if let min = bound.min, let max = bound.max, min > max {
                throw node.diagnostic(.init("this bound's min is above its max: no score is within it"))
            }
            return bound
        default:
            throw node.diagnostic(.expected("a number or {min: N, max: N}", found: node))
        }
    }
}

/// Reports keys that are not allowed, with a suggestion.
func unknownKeys(_ map: YAMLMapping, allowed: [String], what: String, into errors: inout [Diagnostic]) {
    for entry in map.entries where !allowed.contains(entry.key.value) {
        var message = "unknown key '\(entry.key.value)' in \(what)"
        if let close = Suggestion.closest(to: entry.key.value, in: allowed) {
            message += "; did you mean '\(close)'?"
        } else {
            message += " (expected \(allowed.joined(separator: ", ")))"
        }
        errors.append(entry.key.diagnostic(.init(message)))
    }
}

extension YAMLMapping {
    /// A diagnostic at the mapping's start, for a missing key.
    func key(_ message: String) -> Diagnostic {
        source.diagnostic(.error, at: span.start, .init(message), length: 1)
    }
}
