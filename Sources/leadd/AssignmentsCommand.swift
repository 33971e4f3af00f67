import ArgumentParser
import Assignment
import Foundation
import Leads
import Rules
import YAML

/// `leadd assignments`: what was assigned to whom, and how the shares compare with what each strategy promised.
struct AssignmentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assignments",
        abstract:
            "Show what was assigned to whom, with each rep's share against the share its team's strategy promised."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @OptionGroup var ruleOptions: RuleOptions
    @OptionGroup var stateOptions: StateOptions

    @Option(help: "Only assignments decided at or after this time (2026-11-29 or 2026-11-29T10:00:00Z).")
    var since: String?

    @Option(help: "text for people, json for programs.")
    var format: Format = .text

    func run() throws {
        let errors = BufferedOutput(fd: 2)
        let from = try since.map { try EvaluationTime.parse($0, option: "--since") }
        guard FileManager.default.fileExists(atPath: stateOptions.databasePath) else {
            throw ValidationError(
                "no assignment state in \(stateOptions.state) (\(stateOptions.databasePath) is missing)"
            )
        }
        let program = ruleOptions.compile(errors: errors)
        errors.flush()
        let report = try AssignmentReport(store: try stateOptions.open(), plan: program?.assignment, since: from)
        let output = BufferedOutput(fd: 1)
        switch format {
        case .json:
            output.write { bytes in
                report.json.writeJSON(into: &bytes)
                bytes.append(0x0A)
            }
        case .text:
            output.write(Self.text(report))
        }
        output.flush()
    }

    static func percent(_ value: Double) -> String {
        let tenths = Int((value * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    static func text(_ report: AssignmentReport) -> String {
        let owned = report.owners.reduce(0) { $0 + $1.count }
        var text = "\(report.entries.count) assignment\(report.entries.count == 1 ? "" : "s")"
        text += report.since.map { " since \(Timestamp.iso8601($0))" } ?? ""
        text += ": \(owned) to reps, \(report.entries.count - owned) queued\n"
        for team in report.teams {
            text += "\nteam \(team.team)" + (team.strategy.map { " (\($0))" } ?? " (no longer configured)") + "\n"
            text += "  rep         assigned    share  promised\n"
            for rep in team.reps {
                let name = rep.rep.count >= 10 ? rep.rep : rep.rep + String(repeating: " ", count: 10 - rep.rep.count)
                let assigned = String(rep.assigned)
                let share = percent(rep.share)
                let promised = rep.promised.map(percent) ?? "-"
                text += "  \(name)  " + String(repeating: " ", count: max(0, 8 - assigned.count)) + assigned
                text += String(repeating: " ", count: max(0, 9 - share.count)) + share
                text += String(repeating: " ", count: max(0, 10 - promised.count)) + promised + "\n"
            }
            if !team.other.isEmpty {
                let other = team.other.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                text += "  not by rotation: " + other.joined(separator: ", ") + "\n"
            }
        }
        if !report.queues.isEmpty {
            text += "\nqueues\n"
            for (queue, count) in report.queues { text += "  \(queue): \(count)\n" }
        }
        if !report.entries.isEmpty {
            text += "\nlead  at  team  owner or queue  method\n"
            for entry in report.entries {
                text += "  \(entry.lead)  \(Timestamp.iso8601(entry.at))  \(entry.team ?? "-")  "
                text += "\(entry.owner ?? entry.queue.map { "queue " + $0 } ?? "-")  \(entry.method)\n"
            }
        }
        return text
    }
}
