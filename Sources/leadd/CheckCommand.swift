import ArgumentParser
import Leads
import Pipeline
import Rules
import YAML

/// `leadd check`: compile the rules and print every diagnostic.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compile the rules directory and report every problem with its file, line and column.",
        discussion: """
            With --csv-mapping, the CSV mapping is checked too, as a reload of the daemon reads both. With --config, \
            the daemon's configuration file is checked, and its rules and CSV mapping are (unless --rules or \
            --csv-mapping say otherwise): what a reload would read. The exit status is 0 when the rules compile \
            (warnings allowed) and the configuration and mapping load, 1 on any error.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(help: "The rules directory. Default: the configuration's, else rules.")
    var rules: String?

    @Option(help: "The configuration file the daemon runs with: checked, with its rules and CSV mapping.")
    var config: String?

    @Option(help: "text for people, json (one diagnostic per line) for editors and CI.")
    var format: Format = .text

    @Option(help: "A CSV mapping to check as well (records.csv_mapping; see docs/leads.md); repeat it for several.")
    var csvMapping: [String] = []

    func run() throws {
        let settings = try DaemonConfiguration.forCommand(config)
        let ruleOptions = RuleOptions(rules: rules ?? settings.rules)
        let csvMappings = !csvMapping.isEmpty ? csvMapping : config == nil ? [] : settings.csvMappings
        let result = RuleCompiler.compile(directory: ruleOptions.rules)
        var mappingDiagnostics: [Diagnostic] = []
        if !csvMappings.isEmpty {
            do {
                _ = try CSVMappings.load(contentsOf: csvMappings)
            } catch {
                mappingDiagnostics = error.diagnostics
            }
        }
        let output = BufferedOutput(fd: format == .json ? 1 : 2)
        switch format {
        case .text:
            ruleOptions.report(result, to: output)
            if !mappingDiagnostics.isEmpty {
                let count = mappingDiagnostics.filter { $0.severity == .error }.count
                output.write(mappingDiagnostics.rendered() + "\n")
                let files = Set(mappingDiagnostics.map(\.location.file)).sorted().joined(separator: ", ")
                output.write("leadd: \(count) error\(count == 1 ? "" : "s") in \(files)\n")
            }
            if let program = result.program {
                var summary =
                    "\(ruleOptions.rules): \(counted(program.ruleIDs.count, "rule")) in "
                    + "\(counted(program.files.count, "file")), "
                if let plan = program.assignment {
                    summary += "\(counted(plan.teams.count, "team")), \(counted(plan.reps.count, "rep")), "
                    if !plan.accounts.isEmpty {
                        summary += "\(counted(plan.accounts.byDomain.count, "account domain")), "
                    }
                }
                summary += "version \(program.version)"
                let standardOutput = BufferedOutput(fd: 1)
                standardOutput.write(
                    summary + (result.diagnostics.isEmpty ? "" : ", \(counted(result.diagnostics.count, "warning"))")
                        + "\n"
                )
                standardOutput.flush()
            }
        case .json:
            for diagnostic in result.diagnostics + mappingDiagnostics {
                let object = diagnostic.json
                output.write { bytes in
                    object.writeJSON(into: &bytes)
                    bytes.append(0x0A)
                }
            }
        }
        output.flush()
        if result.program == nil || !mappingDiagnostics.isEmpty { throw ExitCode(1) }
    }
}

/// `count` and `noun`, plural unless the count is one: "1 rule", "31 rules".
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
