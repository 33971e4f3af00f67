import Analytics
public import ArgumentParser
import Assignment
import Foundation
import Leads
import Pipeline
import YAML

/// `leadd report`: the sales figures of the ledger.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Funnel, win-loss, deal sizes, rule effectiveness, score calibration, owners and SLA, from the state.",
        discussion: """
            Reads the decisions, opportunities and outcome updates the daemon recorded in STATE/assignments.sqlite \
            and computes every figure of docs/analytics.md. Changes nothing. --format html writes one \
            self-contained page with charts.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
        case html
    }

    @Option(help: "The configuration file the daemon runs with (for its state folder).")
    var config: String?

    @Option(help: "The state folder. Default: the configuration's, else var/state.")
    var state: String?

    @Option(help: "Only leads decided at or after this time: 2026-11-01, 2026-11-01T09:00:00Z, or 30d (ago).")
    var since: String?

    @Option(help: "Only leads decided before this time.")
    var until: String?

    @Option(help: "Also show the figures by source, grade, stage, team, owner, rule or score-band.")
    var by: Report.Dimension?

    @Option(help: "The time first-contact deadlines are judged at (default: now).")
    var now: String?

    @Option(help: "text for people, json for programs, html for a page with charts.")
    var format: Format = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    func run() throws {
        var settings = try DaemonConfiguration.forCommand(config)
        if let state { settings.state = state }
        let options = StateOptions(state: settings.state)
        guard FileManager.default.fileExists(atPath: options.databasePath) else {
            throw StateError(description: "no state in \(settings.state) (\(options.databasePath) is missing)")
        }
        let sinceTime = try since.map { try EvaluationTime.parse($0, orAgo: true, option: "--since") }
        let untilTime = try until.map { try EvaluationTime.parse($0, orAgo: true, option: "--until") }
        let reportNow = try EvaluationTime.parse(now)
        let history = try options.open().history(since: sinceTime, until: untilTime)
        let report = Report(
            history: history,
            since: sinceTime,
            until: untilTime,
            now: reportNow,
            by: by.flatMap { Report.Dimension(rawValue: $0.rawValue) }
        )
        var bytes: [UInt8] = []
        switch format {
        case .text: bytes = Array(report.text().utf8)
        case .json:
            report.json().writeJSON(into: &bytes)
            bytes.append(0x0A)
        case .html: bytes = Array(report.html().utf8)
        }
        if let output {
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        } else {
            let out = BufferedOutput(fd: 1)
            out.write { $0.append(contentsOf: bytes) }
            out.flush()
        }
    }
}

extension Report.Dimension: ExpressibleByArgument {}
