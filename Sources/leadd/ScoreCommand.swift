import ArgumentParser
import Assignment
import Foundation
import Leads
import Rules
import YAML

/// `leadd score FILE...`: decisions for the leads in files, with no side effects.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score and qualify the leads in files by the rules, and show why.",
        discussion: """
            Changes nothing: a preview of what the daemon would decide, owners included (against the assignment \
            state in --state when it exists, else an empty one). Exit status 1 if a lead file was bad.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(help: "Lead files: .json, .ndjson, .jsonl, .csv or .tsv.")
    var files: [String]

    @OptionGroup var ruleOptions: RuleOptions

    @Option(help: "The evaluation time, as 2026-11-29 or 2026-11-29T10:00:00Z (default: now).")
    var now: String?

    @Flag(help: "Show every condition's verdict, and the fields it found missing.")
    var explain = false

    @Option(help: "text for people, json (one decision per line) for programs.")
    var format: Format = .text

    @OptionGroup var leadFiles: LeadFileOptions

    @OptionGroup var stateOptions: StateOptions

    func run() throws {
        let errors = BufferedOutput(fd: 2)
        let time = try EvaluationTime.parse(now)
        guard let program = ruleOptions.compile(errors: errors) else { throw ExitCode(1) }
        let options = try leadFiles.readerOptions(errors: errors)
        let output = BufferedOutput(fd: 1)
        // With an assignment configuration: the owners each lead would get, in one transaction rolled back at the
        // end, so the leads of the run see each other (a rotation moves) and the state does not change.
        var assigner: Assigner?
        if let plan = program.assignment {
            let exists = FileManager.default.fileExists(atPath: stateOptions.databasePath)
            assigner = Assigner(plan: plan, store: exists ? try stateOptions.open() : try AssignmentStore())
        }
        var failures = 0
        var items: [Assigner.Item] = []
        var printed = 0
        func emit(_ decision: Decision, _ opportunity: Opportunity?) {
            defer { printed += 1 }
            switch format {
            case .json:
                output.write { bytes in
                    decision.json(with: opportunity).writeJSON(into: &bytes)
                    bytes.append(0x0A)
                }
            case .text:
                output.write((printed == 0 ? "" : "\n") + DecisionText.render(decision, opportunity, explain: explain))
            }
        }
        for path in files {
            let reader = LeadFileReader(path: path, options: options)
            for result in reader {
                switch result {
                case .record(let record):
                    if let problem = program.notALead(record) {
                        failures += 1
                        errors.write(LeadReadError(record, reason: problem).diagnostic.rendered() + "\n")
                        continue
                    }
                    let decision = program.evaluate(record, now: time, explain: explain)
                    if assigner != nil {
                        items.append(Assigner.Item(decision: decision, lead: record))
                    } else {
                        emit(decision, nil)
                    }
                case .failure(let failure):
                    failures += 1
                    errors.write(failure.diagnostic.rendered() + "\n")
                }
            }
            if let warning = reader.printedMappingWarning { errors.write(warning + "\n") }
        }
        if let assigner {
            let opportunities = try assigner.preview(items)
            for (index, item) in items.enumerated() {
                emit(item.decision, opportunities[index])
            }
        }
        output.flush()
        errors.flush()
        if failures > 0 { throw ExitCode(1) }
    }
}

/// A decision as a person reads it: the outcome, then a table of the rules that gave points.
enum DecisionText {
    static func render(_ decision: Decision, _ opportunity: Opportunity? = nil, explain: Bool = false) -> String {
        let scores = decision.scores.map { "\($0.name) \(Decision.format($0.points))" }.joined(separator: ", ")
        var text = "\(decision.leadID ?? "(no id)"): \(decision.stage) -> \(decision.route)"
        text += ", grade \(decision.grade ?? "-"), score \(Decision.format(decision.total)) (\(scores))\n"
        if let origin = decision.origin {
            text += "  from \(origin.file):\(origin.line), rules \(decision.rulesVersion), "
            text += "now \(Timestamp.iso8601(decision.now))\n"
        }
        for item in decision.disqualifications {
            text += "  disqualified: \(item.reason) (\(item.rule))\n"
        }
        if !decision.flags.isEmpty {
            text += "  flags: \(decision.flags.joined(separator: ", "))\n"
        }
        if !decision.fired.isEmpty {
            let width = max(4, decision.firedIDs.map(\.count).max() ?? 0)
            text += "  points  " + "rule".padding(width) + "  category\n"
            for rule in decision.fired {
                var note = ""
                if let events = rule.events { note += ", \(events) event\(events == 1 ? "" : "s")" }
                if rule.capped { note += ", capped" }
                let points = Decision.format(rule.points)
                text += "  " + String(repeating: " ", count: max(0, 6 - points.count)) + points + "  "
                text += decision.id(rule).padding(width) + "  " + (decision.category(rule) ?? "-") + note + "\n"
            }
        }
        if let opportunity {
            text += "  " + OpportunityText.summary(opportunity) + "\n"
            if explain {
                for reason in opportunity.reasons {
                    text += "    \(reason.step): " + (reason.rep.map { "\($0): " } ?? "") + reason.detail + "\n"
                }
            }
        }
        if let explanation = decision.explanation {
            text += "  explanation:\n"
            for trace in explanation {
                text += "    \(trace.fired ? "fired" : "not fired")  \(trace.rule)\n"
                for leaf in trace.leaves {
                    var line = "      \(leaf.part) \(leaf.expression)  -> \(leaf.verdict.rawValue)"
                    let readings = leaf.values.filter { $0.value != "missing" && $0.name != leaf.expression }
                    if !readings.isEmpty {
                        line += " [" + readings.map { "\($0.name) = \($0.value)" }.joined(separator: "; ") + "]"
                    }
                    if !leaf.missingFields.isEmpty {
                        line += " (missing \(leaf.missingFields.joined(separator: ", ")))"
                    }
                    text += line + "\n"
                }
            }
        }
        return text
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
