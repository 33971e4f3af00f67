public import Review
public import Rules
public import YAML

/// A rules directory read for use: compiled, then (when required) its rule tests run. Either step failing means the
/// rules are not used: at start the last good copy runs instead, at a reload the running rules stay.
public struct CandidateRules: Sendable {
    /// The compiled program, whether or not its tests passed.
    public var compiled: Program?
    public var diagnostics: [Diagnostic]
    /// The tests' results, when they ran.
    public var tests: RuleTestReport?

    /// The program to use: compiled, and its tests passed (or were not required).
    public var program: Program? { tests?.succeeded == false ? nil : compiled }

    public static func load(directory: String, requireTests: Bool) -> CandidateRules {
        let result = RuleCompiler.compile(directory: directory)
        var candidate = CandidateRules(compiled: result.program, diagnostics: result.diagnostics, tests: nil)
        if requireTests, let program = result.program {
            candidate.tests = RuleTestRunner(program: program).run(rules: directory)
        }
        return candidate
    }

    /// Why the rules are not used, as a short phrase: "3 errors", "2 rule tests failed".
    public var problem: String {
        if compiled == nil {
            let count = diagnostics.filter { $0.severity == .error }.count
            return "\(count) error\(count == 1 ? "" : "s")"
        }
        if let tests, !tests.succeeded {
            return "\(tests.failed) rule test\(tests.failed == 1 ? "" : "s") failed"
        }
        return ""
    }

    /// Each problem on one line: compile errors with their positions, or each failing expectation of a test.
    public var problemLines: [String] {
        if compiled == nil {
            return diagnostics.filter { $0.severity == .error }.map(\.headline)
        }
        return tests?.failureLines() ?? []
    }
}
