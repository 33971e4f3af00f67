import ArgumentParser
import Assignment
import Foundation
import Leads
import Rules
import YAML

/// `leadd assign FILE...`: decide and assign the leads in files, recording every assignment in the state.
struct AssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Decide the leads in files and give the qualified ones an owner, recorded in the assignment state.",
        discussion: """
            Writes one decision per line (NDJSON), with its opportunity record under "assignment". Each batch is one \
            transaction: its lines are written once it is committed. A lead already in the ledger gets its recorded \
            assignment back ("replayed": true) and is not counted again, so running a file twice changes nothing. \
            Exit status 1 if a lead file had bad records.
            """
    )

    @Argument(help: "Lead files: .json, .ndjson, .jsonl, .csv or .tsv.")
    var files: [String]

    @OptionGroup var ruleOptions: RuleOptions
    @OptionGroup var stateOptions: StateOptions

    @Option(help: "The evaluation time, as 2026-11-29 or 2026-11-29T10:00:00Z (default: now).")
    var now: String?

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(help: "json (one decision per line) for programs, text (with each owner's reasons) for people.")
    var format: Format = .json

    @Option(help: "Leads per transaction.")
    var batch: Int = 1000

    @OptionGroup var leadFiles: LeadFileOptions

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("'--batch' must be at least 1") }
    }

    func run() throws {
        let errors = BufferedOutput(fd: 2)
        let time = try EvaluationTime.parse(now)
        guard let program = ruleOptions.compile(errors: errors) else { throw ExitCode(1) }
        guard let plan = program.assignment else {
            errors.write("leadd: \(ruleOptions.rules) has no assignment configuration (reps, teams, fallback)\n")
            errors.flush()
            throw ExitCode(1)
        }
        // The ledger records each decision as well, keyed by the file (path, size, modification time) and record,
        // so the same file assigned twice records nothing twice.
        let ledger = Ledger(store: try stateOptions.open(), plan: plan)
        var claim = ""
        let options = try leadFiles.readerOptions(errors: errors)
        let output = BufferedOutput(fd: 1)
        var failures = 0
        var items: [Assigner.Item] = []
        var printed = 0
        func commit() throws {
            guard !items.isEmpty else { return }
            let results = try ledger.record(items.map { ledger.entry($0) }, claim: claim)
            let opportunities = results.map { result -> Opportunity? in
                if case .decided(let record) = result { return record?.opportunity }
                return nil
            }
            for (item, opportunity) in zip(items, opportunities) {
                switch format {
                case .json:
                    output.write { bytes in
                        item.decision.json(with: opportunity).writeJSON(into: &bytes)
                        bytes.append(0x0A)
                    }
                case .text:
                    output.write(
                        (printed == 0 ? "" : "\n") + DecisionText.render(item.decision, opportunity, explain: true)
                    )
                }
                printed += 1
            }
            output.flush()
            items.removeAll(keepingCapacity: true)
        }
        for path in files {
            try commit()
            let info = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (info?[.size] as? NSNumber)?.intValue ?? 0
            let modified = (info?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            claim = "assign:\((path as NSString).standardizingPath):\(size):\(modified)"
            for result in LeadFileReader(path: path, options: options) {
                switch result {
                case .record(let record):
                    if let problem = program.notALead(record) {
                        failures += 1
                        errors.write(LeadReadError(record, reason: problem).diagnostic.rendered() + "\n")
                        continue
                    }
                    items.append(Assigner.Item(decision: program.evaluate(record, now: time), lead: record))
                    if items.count >= batch { try commit() }
                case .failure(let failure):
                    failures += 1
                    errors.write(failure.diagnostic.rendered() + "\n")
                }
            }
        }
        try commit()
        errors.flush()
        if failures > 0 { throw ExitCode(1) }
    }
}
