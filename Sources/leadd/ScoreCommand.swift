import ArgumentParser
import Foundation
import Leads
import Rules
import YAML

/// `leadd score FILE...`: decisions for the leads in files, with no side effects.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score and qualify the leads in files by the rules, and show why.",
        discussion: "Changes nothing: a preview of what the daemon would decide. Exit status 1 if a lead file was bad."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(help: "Lead files: .json, .ndjson, .jsonl or .csv.")
    var files: [String]

    @OptionGroup var ruleOptions: RuleOptions

    @Option(help: "The evaluation time, as 2026-11-29 or 2026-11-29T10:00:00Z (default: now).")
    var now: String?

    @Flag(help: "Show every condition's verdict, and the fields it found missing.")
    var explain = false

    @Option(help: "text for people, json (one decision per line) for programs.")
    var format: Format = .text

    @OptionGroup var leadFiles: LeadFileOptions

    func run() throws {
        let errors = BufferedOutput(fd: 2)
        let time: Double
        if let now {
            guard let seconds = Timestamp.seconds(now) else {
                throw ValidationError("'--now \(now)' is not a date such as 2026-11-29 or 2026-11-29T10:00:00Z")
            }
            time = seconds
        } else {
            time = Date().timeIntervalSince1970.rounded(.down)
        }
        guard let program = ruleOptions.compile(errors: errors) else { throw ExitCode(1) }
        let options = try leadFiles.readerOptions(errors: errors)
        let output = BufferedOutput(fd: 1)
        var failures = 0
        var first = true
        for path in files {
            for result in LeadFileReader(path: path, options: options) {
                switch result {
                case .record(let record):
                    let decision = program.evaluate(record, now: time, explain: explain)
                    switch format {
                    case .json:
                        output.write { bytes in
                            decision.json.writeJSON(into: &bytes)
                            bytes.append(0x0A)
                        }
                    case .text:
                        output.write((first ? "" : "\n") + DecisionText.render(decision))
                        first = false
                    }
                case .failure(let failure):
                    failures += 1
                    errors.write(failure.diagnostic.rendered() + "\n")
                }
            }
        }
        output.flush()
        if failures > 0 { throw ExitCode(1) }
    }
}

/// A decision as a person reads it: the outcome, then a table of the rules that gave points.
enum DecisionText {
    static func render(_ decision: Decision) -> String {
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
            let width = max(4, decision.fired.map(\.id.count).max() ?? 0)
            text += "  points  " + "rule".padding(width) + "  category\n"
            for rule in decision.fired {
                var note = ""
                if let events = rule.events { note += ", \(events) event\(events == 1 ? "" : "s")" }
                if rule.capped { note += ", capped" }
                let points = Decision.format(rule.points)
                text += "  " + String(repeating: " ", count: max(0, 6 - points.count)) + points + "  "
                text += rule.id.padding(width) + "  " + (rule.category ?? "-") + note + "\n"
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
