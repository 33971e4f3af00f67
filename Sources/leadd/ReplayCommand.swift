import ArgumentParser
import Foundation
import Leads
import Pipeline
import Review
import Rules
import YAML

/// `leadd replay`: what a candidate rule set would have decided for past leads, against the running rules.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Decide archived leads again under the current and a candidate rule set, and show what changes.",
        discussion: """
            Reads the spool's archive/ (or the files given to --from), decides each lead at the time it was first \
            decided (the claim time in its archived name; --now for files without one) under both rule sets, and \
            prints the stage and route transition matrices, the score shift, the rules behind the differences, \
            owner changes (simulated from an empty assignment state per rule set) and a sample of changed leads. \
            Changes nothing: the live assignment state is never opened. Exit status 1 when a rule set does not \
            compile.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(help: "The candidate rules directory.")
    var candidate: String

    @Option(help: "The current rules directory. Default: the configuration's, else rules.")
    var rules: String?

    @Option(help: "The configuration file the daemon runs with (for its spool, rules and CSV mapping).")
    var config: String?

    @Option(help: "The daemon's spool folder, whose archive/ is replayed. Default: var/spool.")
    var spool: String?

    @Option(
        parsing: .upToNextOption,
        help: "archive (the spool's archive/, the default), or lead files."
    )
    var from: [String] = ["archive"]

    @Option(help: "Only files claimed at or after this time: 2026-11-01, 2026-11-01T09:00:00Z, or 30d (ago).")
    var since: String?

    @Option(help: "Decide every file at this time instead of its claim time (needed for files without one).")
    var now: String?

    @Option(help: "text for people, json for programs.")
    var format: Format = .text

    @Option(help: "How many changed leads to show in full.")
    var sample: Int = 10

    @Flag(inversion: .prefixedNo, help: "Simulate assignment under both rule sets and compare owners.")
    var owners = true

    @OptionGroup var leadFiles: LeadFileOptions

    func run() throws {
        let errors = BufferedOutput(fd: 2)
        defer { errors.flush() }
        var settings = try DaemonConfiguration.forCommand(config)
        if let spool { settings.spool = spool }
        if let rules { settings.rules = rules }
        let current = RuleOptions(rules: settings.rules).compile(errors: errors)
        let next = RuleOptions(rules: candidate).compile(errors: errors)
        guard let current, let next else { throw ExitCode(1) }
        var options = try leadFiles.readerOptions(errors: errors)
        if leadFiles.csvMapping.isEmpty, !settings.csvMappings.isEmpty {
            do {
                options.csvMappings = try CSVMappings.load(contentsOf: settings.csvMappings)
            } catch {
                errors.write(error.diagnostics.rendered() + "\n")
                throw ExitCode(1)
            }
        }
        let fixedNow = try now.map { try EvaluationTime.parse($0) }
        let sinceTime = try since.map { try EvaluationTime.parse($0, orAgo: true, option: "--since") }

        var sources: [ReplaySource] = []
        for item in from {
            if item == "archive" {
                let folder = settings.spool + "/archive"
                do {
                    sources += try ReplaySource.archive(folder, since: sinceTime)
                } catch {
                    throw ValidationError("cannot read \(folder): \(error.localizedDescription)")
                }
            } else {
                let name = (item as NSString).lastPathComponent
                guard let time = fixedNow ?? ReplaySource.claimTime(ofArchivedName: name) else {
                    throw ValidationError(
                        "\(item): no claim time in its name (ID--NAME, as in archive/); give the time with --now"
                    )
                }
                if let sinceTime, time < sinceTime { continue }
                sources.append(ReplaySource(path: item, now: time))
            }
        }
        if let fixedNow {
            sources = sources.map { ReplaySource(path: $0.path, now: fixedNow) }
        }
        let replay = Replay(
            current: current,
            candidate: next,
            readerOptions: options,
            owners: owners,
            sampleSize: sample
        )
        let report = try replay.run(sources)
        let output = BufferedOutput(fd: 1)
        switch format {
        case .text:
            output.write(report.text())
        case .json:
            output.write { bytes in
                report.json().writeJSON(into: &bytes)
                bytes.append(0x0A)
            }
        }
        output.flush()
    }
}
