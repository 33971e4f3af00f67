import ArgumentParser
import Leads
import Review
import Rules

/// `leadd test`: run the rule tests of a rules directory.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the rule tests (tests/*.yaml in the rules directory) and report failures and coverage.",
        discussion: """
            Every case runs, failing or not. Each failure shows the expected and actual values, the explanation of \
            the rules involved, and the case's file and line; the last line counts passed and failed cases. Exit \
            status 0 when every case passes, 1 otherwise (a case that names an unknown rule, field, stage... fails).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
        case junit
    }

    @OptionGroup var ruleOptions: RuleOptions

    @Option(help: "text for people, json for programs, junit (XML) for CI systems.")
    var format: Format = .text

    @Argument(help: "Test files to run (default: every tests/*.yaml of the rules directory).")
    var files: [String] = []

    func run() throws {
        let errors = BufferedOutput(fd: 2)
        guard let program = ruleOptions.compile(errors: errors) else {
            errors.flush()
            throw ExitCode(1)
        }
        errors.flush()
        let runner = RuleTestRunner(program: program)
        let paths = files.isEmpty ? RuleTestRunner.testFiles(rules: ruleOptions.rules) : files
        let report = runner.run(files: paths)
        let output = BufferedOutput(fd: 1)
        switch format {
        case .text:
            if paths.isEmpty {
                output.write("no test files in \(RuleTestRunner.testsDirectory(rules: ruleOptions.rules))\n")
            }
            output.write(report.text())
        case .json:
            output.write { bytes in
                report.json().writeJSON(into: &bytes)
                bytes.append(0x0A)
            }
        case .junit:
            output.write(report.junit())
        }
        output.flush()
        if !report.succeeded { throw ExitCode(1) }
    }
}
