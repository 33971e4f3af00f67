import Assignment
import Foundation
import Leads
public import Rules
public import YAML

/// Runs the rule tests of a rules directory (`tests/*.yaml`) against a compiled program.
///
/// Every case runs, whatever happened to the ones before it. Each case is decided on its own: owners come from an
/// empty assignment state, so cases do not depend on each other's order.
public struct RuleTestRunner: Sendable {
    public let program: Program

    public init(program: Program) {
        self.program = program
    }

    /// The folder of test files in a rules directory.
    public static func testsDirectory(rules: String) -> String { rules + "/tests" }

    /// The test files of a rules directory, in name order; none when it has no `tests/` folder.
    public static func testFiles(rules: String) -> [String] {
        let directory = testsDirectory(rules: rules)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter(RuleCompiler.isYAMLFile).sorted()
            .map { directory + "/" + $0 }
    }

    /// Runs every test file of `rules`.
    public func run(rules: String) -> RuleTestReport {
        run(files: Self.testFiles(rules: rules))
    }

    /// Runs the cases of `files`.
    public func run(files: [String]) -> RuleTestReport {
        var report = RuleTestReport(rulesVersion: program.version, ruleIDs: program.ruleIDs)
        var assigner: Assigner?
        for path in files {
            let file = RuleTestFile.load(path: path, program: program)
            var fileReport = RuleTestReport.File(path: path, errors: file.errors, cases: [])
            for testCase in file.cases {
                let result = run(testCase, file: path, assigner: &assigner)
                for rule in result.fired { report.firedRules.insert(rule) }
                fileReport.cases.append(result)
            }
            report.files.append(fileReport)
        }
        return report
    }

    func run(_ testCase: RuleTestCase, file: String, assigner: inout Assigner?) -> RuleTestReport.Case {
        var result = RuleTestReport.Case(name: testCase.name, location: testCase.location)
        guard testCase.errors.isEmpty else {
            result.errors = testCase.errors
            return result
        }
        let record = LeadRecord(
            origin: LeadOrigin(file: file, line: testCase.location.line, record: 0, byteOffset: 0),
            fields: testCase.lead
        )
        let decision = program.evaluate(record, now: testCase.now, explain: true)
        result.fired = decision.firedIDs + decision.disqualifications.map(\.rule)
        var opportunity: Opportunity?
        var assignmentError: String?
        let needsOwner = testCase.expectations.contains {
            switch $0.check {
            case .team, .owner, .queue: true
            default: false
            }
        }
        if needsOwner, let plan = program.assignment, decision.isPlaced {
            do {
                if assigner == nil { assigner = Assigner(plan: plan, store: try AssignmentStore()) }
                opportunity = try assigner?.preview([Assigner.Item(decision: decision, lead: record)]).first ?? nil
            } catch {
                assignmentError = "\(error)"
            }
        }
        let fired = Set(result.fired)
        for expectation in testCase.expectations {
            var failure: RuleTestReport.Failure?
            func fail(_ expected: String, _ actual: String, rules: [String]) {
                failure = .init(
                    key: expectation.key,
                    line: expectation.line,
                    expected: expected,
                    actual: actual,
                    rules: rules
                )
            }
            func differs(_ expected: String, _ actual: String, rules: [String]) {
                if expected != actual { fail(expected, actual, rules: rules) }
            }
            switch expectation.check {
            case .stage(let stage):
                differs(stage, decision.stage, rules: ["stage"])
            case .route(let route):
                differs(route, decision.route, rules: ["stage"])
            case .grade(let grade):
                differs(grade ?? "none", decision.grade ?? "none", rules: ["grade"])
            case .score(let bound):
                if !bound.holds(decision.total) {
                    fail(bound.text, Decision.format(decision.total), rules: decision.firedIDs)
                }
            case .categoryScore(let category, let bound):
                let points = decision.scores.first { $0.name == category }?.points ?? 0
                if !bound.holds(points) {
                    fail(
                        bound.text,
                        Decision.format(points),
                        rules: decision.fired.filter { decision.category($0) == category }.map(decision.id)
                    )
                }
            case .fired(let expected):
                if expected != fired {
                    let missing = expected.subtracting(fired).sorted()
                    let extra = fired.subtracting(expected).sorted()
                    var actual: [String] = []
                    if !missing.isEmpty { actual.append("not fired: " + missing.joined(separator: ", ")) }
                    if !extra.isEmpty { actual.append("also fired: " + extra.joined(separator: ", ")) }
                    fail(
                        Self.list(expected),
                        Self.list(fired) + " (" + actual.joined(separator: "; ") + ")",
                        rules: missing + extra
                    )
                }
            case .disqualified(let expected):
                let actual = Set(decision.disqualifications.map(\.reason))
                if expected != actual {
                    func text(_ reasons: Set<String>) -> String {
                        reasons.isEmpty ? "not disqualified" : Self.list(reasons)
                    }
                    // The disqualifiers behind either side's reasons.
                    let rules = program.disqualifierReasons.filter {
                        expected.contains($0.reason) || actual.contains($0.reason)
                    }
                    fail(text(expected), text(actual), rules: rules.map(\.rule))
                }
            case .flags(let expected):
                let actual = Set(decision.flags)
                if expected != actual {
                    fail(Self.list(expected), Self.list(actual), rules: [])
                }
            case .team(let team):
                differs(team ?? "none", assignmentError ?? opportunity?.team ?? "none", rules: ["teams"])
            case .owner(let owner):
                differs(owner ?? "none", assignmentError ?? opportunity?.owner ?? "none", rules: ["teams"])
            case .queue(let queue):
                differs(queue ?? "none", assignmentError ?? opportunity?.queue ?? "none", rules: ["teams"])
            }
            if var failure {
                failure.explanation = explanation(for: failure.rules, decision: decision, opportunity: opportunity)
                result.failures.append(failure)
            }
        }
        result.decision = decision
        return result
    }

    static func list(_ names: Set<String>) -> String {
        names.isEmpty ? "(none)" : "[" + names.sorted().joined(separator: ", ") + "]"
    }

    /// The traces of the rules a failure involves: named rules, the grade or stage table, or the team checks.
    func explanation(for rules: [String], decision: Decision, opportunity: Opportunity?) -> [String] {
        var lines: [String] = []
        let locations = program.ruleLocations
        func render(_ trace: RuleTrace, location: SourceLocation?, table: Bool = false) {
            var head =
                table
                ? "\(trace.rule): \(trace.fired ? "holds" : "does not hold")"
                : "\(trace.fired ? "fired" : "not fired")  \(trace.rule)"
            if let location { head += "  (\(location.file):\(location.line))" }
            lines.append(head)
            for leaf in trace.leaves {
                var line =
                    table
                    ? "  \(leaf.expression)  -> \(leaf.verdict.rawValue)"
                    : "  \(leaf.part) \(leaf.expression)  -> \(leaf.verdict.rawValue)"
                let readings = leaf.values.filter { $0.value != "missing" && $0.name != leaf.expression }
                if !readings.isEmpty {
                    line += " [" + readings.map { "\($0.name) = \($0.value)" }.joined(separator: "; ") + "]"
                }
                if !leaf.missingFields.isEmpty {
                    line += " (missing \(leaf.missingFields.joined(separator: ", ")))"
                }
                lines.append(line)
            }
        }
        for rule in rules {
            switch rule {
            case "stage", "grade":
                if rule == "stage", !decision.disqualifications.isEmpty {
                    for item in decision.disqualifications {
                        lines.append("disqualified by \(item.rule): \(item.reason)")
                    }
                }
                for trace in decision.tableExplanation ?? [] where trace.rule.hasPrefix(rule + " ") {
                    render(trace, location: nil, table: true)
                }
                if rule == "stage" {
                    let scores = decision.scores.map { "\($0.name) \(Decision.format($0.points))" }
                    lines.append(
                        "score \(Decision.format(decision.total)) (" + scores.joined(separator: ", ") + "), flags: "
                            + Self.list(Set(decision.flags))
                    )
                }
            case "teams":
                if decision.isPlaced {
                    for check in decision.checkedTeams {
                        lines.append("team \(check.team): \(check.verdict.rawValue)")
                    }
                } else {
                    lines.append("route \(decision.route) is not assigned")
                }
                for reason in opportunity?.reasons ?? [] {
                    lines.append("\(reason.step): " + (reason.rep.map { "\($0): " } ?? "") + reason.detail)
                }
            default:
                if let trace = decision.explanation?.first(where: { $0.rule == rule }) {
                    render(trace, location: locations[rule])
                    if let points = decision.fired.first(where: { decision.id($0) == rule }) {
                        lines.append("  points \(Decision.format(points.points))" + (points.capped ? " (capped)" : ""))
                    }
                }
            }
        }
        return lines
    }
}

/// What a run of rule tests found.
public struct RuleTestReport: Sendable {
    public var rulesVersion: String
    /// Every rule of the program, in order.
    public var ruleIDs: [String]
    public var files: [File] = []
    /// The rules some case fired.
    public var firedRules: Set<String> = []

    public struct File: Sendable {
        public var path: String
        /// Problems of the file itself (YAML, version, now, fixtures).
        public var errors: [Diagnostic]
        public var cases: [Case]

        /// A file with its own errors counts as one failure, besides its cases.
        public var failed: Int { cases.filter { !$0.passed }.count + (errors.isEmpty ? 0 : 1) }
    }

    public struct Case: Sendable {
        public var name: String
        public var location: SourceLocation
        /// Problems in the case: it did not run.
        public var errors: [Diagnostic] = []
        public var failures: [Failure] = []
        /// Rules that fired for the case's lead.
        public var fired: [String] = []
        public var decision: Decision?

        public var passed: Bool { errors.isEmpty && failures.isEmpty }
    }

    public struct Failure: Sendable {
        public var key: String
        public var line: Int
        public var expected: String
        public var actual: String
        /// The rules (or `stage`, `grade`, `teams`) whose explanation the failure shows.
        var rules: [String]
        /// The explanation, one line each.
        public var explanation: [String] = []
    }

    public var passed: Int { files.reduce(0) { $0 + $1.cases.filter(\.passed).count } }
    public var failed: Int { files.reduce(0) { $0 + $1.failed } }
    public var caseCount: Int { files.reduce(0) { $0 + $1.cases.count } }
    /// Rules no case fired, in program order.
    public var uncovered: [String] { ruleIDs.filter { !firedRules.contains($0) } }
    public var succeeded: Bool { failed == 0 }
}
