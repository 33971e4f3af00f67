public import Leads
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
    /// The CSV mappings read again with the rules (`records.csv_mapping`), when there are some and they loaded.
    public var csvMappings: CSVMappings?
    /// Their problems, when they did not load: then neither they nor the rules are used.
    public var mappingDiagnostics: [Diagnostic] = []

    /// The program to use: compiled, its tests passed (or were not required), and the CSV mappings loaded.
    public var program: Program? { tests?.succeeded == false || !mappingDiagnostics.isEmpty ? nil : compiled }

    /// The rules in `directory`, compiled and tested, and the CSV mappings at `csvMappings` read again: a reload takes
    /// both or neither, so a mapping fixed for new rules never runs with the old ones, nor the other way round.
    public static func load(directory: String, requireTests: Bool, csvMappings: [String] = []) -> CandidateRules {
        let result = RuleCompiler.compile(directory: directory)
        var candidate = CandidateRules(compiled: result.program, diagnostics: result.diagnostics, tests: nil)
        if requireTests, let program = result.program {
            candidate.tests = RuleTestRunner(program: program).run(rules: directory)
        }
        if !csvMappings.isEmpty {
            do {
                candidate.csvMappings = try CSVMappings.load(contentsOf: csvMappings)
            } catch {
                candidate.mappingDiagnostics = error.diagnostics
            }
        }
        return candidate
    }

    /// Why the rules are not used, as a short phrase: "3 errors", "2 rule tests failed", "2 errors in the CSV
    /// mapping".
    public var problem: String {
        var problems: [String] = []
        if compiled == nil {
            let count = diagnostics.filter { $0.severity == .error }.count
            problems.append("\(count) error\(count == 1 ? "" : "s")")
        }
        if let tests, !tests.succeeded {
            problems.append("\(tests.failed) rule test\(tests.failed == 1 ? "" : "s") failed")
        }
        if !mappingDiagnostics.isEmpty {
            let count = mappingDiagnostics.count
            problems.append("\(count) error\(count == 1 ? "" : "s") in the CSV mapping")
        }
        return problems.joined(separator: ", ")
    }

    /// Each problem on one line: compile errors with their positions, each failing expectation of a test, and the
    /// CSV mapping's errors with theirs.
    public var problemLines: [String] {
        var lines = compiled == nil ? diagnostics.filter { $0.severity == .error }.map(\.headline) : []
        if tests?.succeeded == false { lines += tests?.failureLines() ?? [] }
        return lines + mappingDiagnostics.map(\.headline)
    }
}
