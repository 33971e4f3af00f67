import ArgumentParser
import Foundation
import Rules
import YAML

/// `--rules DIR`, shared by the commands that compile rules.
struct RuleOptions: ParsableArguments {
    @Option(help: "The rules directory.")
    var rules: String = "rules"

    init() {}

    init(rules: String) {
        self.rules = rules
    }

    /// Compiles the rules, printing every diagnostic to standard error; nil when there were errors.
    func compile(errors: BufferedOutput) -> Program? {
        let result = RuleCompiler.compile(directory: rules)
        report(result, to: errors)
        return result.program
    }

    /// Prints a compilation's diagnostics and, when it failed, how many errors stopped it.
    func report(_ result: RuleCompiler.Result, to errors: BufferedOutput) {
        if !result.diagnostics.isEmpty {
            errors.write(result.diagnostics.rendered() + "\n")
        }
        if result.program == nil {
            errors.write("leadd: \(result.errors.count) error\(result.errors.count == 1 ? "" : "s") in \(rules)\n")
        }
    }
}
