import ArgumentParser
import Assignment
import Foundation
import Leads
import Pipeline
import Rules
import Synchronization
import YAML

/// `leadd run`: the inbox-to-outbox job.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Process the lead files dropped into the spool's inbox: decide, assign, write to the outbox.",
        discussion: """
            Files are claimed from SPOOL/inbox, processed with one rules snapshot each, and their decisions written \
            to SPOOL/outbox/ROUTE/ (see docs/protocol.md); the input goes to SPOOL/archive/, or to SPOOL/rejected/ \
            with a reason when it cannot be read as leads. With --once, process what is there and exit; otherwise \
            keep watching until SIGTERM or SIGINT.
            """
    )

    @Option(help: "The spool folder (inbox, processing, outbox, archive, rejected are made inside it).")
    var spool: String = "var/spool"

    @OptionGroup var ruleOptions: RuleOptions
    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Process the files in the inbox once, then exit.")
    var once = false

    @Option(help: "Seconds a file's size and modification time must stay the same before it is taken.")
    var settle: Double = 0.5

    @Option(
        help:
            "Decide every file as of this time (2026-11-29T10:00:00Z), for reproducible runs; default: when it is claimed."
    )
    var now: String?

    @Option(help: "How to notice new files: inotify, or poll (default: inotify, and poll on NFS, CIFS or FUSE).")
    var watch: WatchMode?

    enum WatchMode: String, ExpressibleByArgument, CaseIterable {
        case inotify
        case poll
    }

    @Option(help: "Seconds between scans when polling.")
    var interval: Double = 0.25

    @Option(help: "Seconds between full rescans when watching with inotify, in case an event was missed.")
    var rescan: Double = 60

    @OptionGroup var leadFiles: LeadFileOptions

    func run() throws {
        let errors = BufferedOutput(fd: 2)
        let log = Log(output: errors)
        // Broken rules at start: run on the last rules that compiled, loudly, until the directory is fixed.
        let lastGood = LastGoodRules.path(state: stateOptions.state)
        let program: Program
        if let compiled = ruleOptions.compile(errors: errors) {
            program = compiled
        } else if FileManager.default.fileExists(atPath: lastGood),
            let previous = RuleCompiler.compile(directory: lastGood).program
        {
            program = previous
            log.write(
                2,
                "rules do not compile; running the last good rules until they are fixed",
                ["rules": ruleOptions.rules, "last_good": lastGood, "rules_version": previous.version]
            )
        } else {
            errors.flush()
            throw ExitCode(1)
        }
        let spool: Spool
        let lock: SpoolLock
        do {
            spool = try Spool(root: self.spool)
            lock = try SpoolLock(spool: spool)
        } catch {
            errors.write("leadd: \(error)\n")
            errors.flush()
            throw ExitCode(1)
        }
        defer { withExtendedLifetime(lock) {} }
        let store = try stateOptions.open()
        let assigner = program.assignment.map { Assigner(plan: $0, store: store) }
        func keepAsLastGood(_ compiled: Program) {
            guard RuleCompiler.compile(directory: ruleOptions.rules).program?.version == compiled.version else {
                return
            }
            do {
                try LastGoodRules.save(rules: ruleOptions.rules, state: stateOptions.state)
            } catch {
                log.error("cannot keep a copy of the rules in the state directory", ["error": "\(error)"])
            }
        }
        keepAsLastGood(program)
        let readerOptions = try leadFiles.readerOptions(errors: errors)
        var run = SpoolRun(
            spool: spool,
            processor: FileProcessor(program: program, assigner: assigner, readerOptions: readerOptions),
            settle: settle
        )
        let fixedNow = try now.map { try EvaluationTime.parse($0) }
        log.info("started", ["spool": spool.root, "rules": ruleOptions.rules, "rules_version": program.version])
        if !once {
            log.info("drop lead files into \(spool.inbox); decisions appear in \(spool.outbox)")
        }
        StopSignals.install()
        // The watch is in place before the first scan, so nothing that arrives during it is missed.
        let watcher = InboxWatcher(
            inbox: spool.inbox,
            requested: watch.flatMap { InboxWatcher.Mode(rawValue: $0.rawValue) }
        )
        if !once { log.info("watching the inbox", ["mode": watcher.mode.rawValue]) }
        let rulesWatch = RulesWatch(directory: ruleOptions.rules)
        var rulesSignature = rulesWatch.signature()
        repeat {
            // Live rules: an edit (or SIGHUP) compiles the whole set; it replaces the running rules only if it
            // compiles, so a broken edit keeps the last good rules. A file in flight keeps the rules it started with.
            let hangup = StopSignals.takeHangup()
            if hangup || rulesWatch.signature() != rulesSignature {
                rulesSignature = rulesWatch.settled()
                let result = RuleCompiler.compile(directory: ruleOptions.rules)
                if let next = result.program {
                    let nextAssigner = next.assignment.map { Assigner(plan: $0, store: store) }
                    run = SpoolRun(
                        spool: spool,
                        processor: FileProcessor(program: next, assigner: nextAssigner, readerOptions: readerOptions),
                        settle: settle
                    )
                    log.notice(
                        "rules reloaded",
                        ["rules_version": next.version, "trigger": hangup ? "SIGHUP" : "edit"]
                    )
                } else {
                    log.error(
                        "rules reload failed, keeping the running rules",
                        ["rules_version": run.processor.program.version, "errors": String(result.errors.count)]
                    )
                    for diagnostic in result.errors {
                        log.error(diagnostic.rendered().split(separator: "\n").first.map(String.init) ?? "")
                    }
                }
            }
            do {
                let (recovery, outcomes) = try run.once(now: { fixedNow ?? Date().timeIntervalSince1970.rounded(.down) }
                )
                if !recovery.unfinished.isEmpty || !recovery.published.isEmpty || !recovery.orphans.isEmpty {
                    log.notice(
                        "recovered",
                        [
                            "reprocessed": String(recovery.unfinished.count),
                            "published": String(recovery.published.count),
                            "orphans_removed": String(recovery.orphans.count),
                        ]
                    )
                }
                for outcome in outcomes { log.outcome(outcome) }
            } catch {
                log.error("spool fault, will retry", ["error": "\(error)"])
                // A spool folder removed under us is made again; the file it concerned stays where it was.
                _ = try? Spool(root: spool.root)
            }
            if once || StopSignals.requested { break }
            // At least once a second, to look at the rules.
            watcher.wait(timeout: watcher.mode == .poll ? interval : min(rescan, 1))
        } while !StopSignals.requested
        log.info("stopped")
        errors.flush()
    }
}

/// Set by the SIGTERM and SIGINT handlers.
let stopFlag = Atomic<Bool>(false)
/// Set by the SIGHUP handler: reload the rules.
let hangupFlag = Atomic<Bool>(false)

/// SIGTERM and SIGINT ask the loop to stop between files.
enum StopSignals {
    static func install() {
        // A parent may have left these blocked; the daemon must hear them.
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGTERM) { _ in stopFlag.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in stopFlag.store(true, ordering: .relaxed) }
        signal(SIGHUP) { _ in hangupFlag.store(true, ordering: .relaxed) }
    }

    static var requested: Bool { stopFlag.load(ordering: .relaxed) }

    /// Whether SIGHUP came since the last call.
    static func takeHangup() -> Bool { hangupFlag.exchange(false, ordering: .relaxed) }
}

/// Log lines for journald: a syslog priority prefix, a message, then `key=value` fields.
struct Log {
    let output: BufferedOutput

    func write(_ priority: Int, _ message: String, _ fields: [String: String]) {
        var line = "<\(priority)>\(message)"
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            let quoted = value.contains(" ") || value.contains("\"") || value.isEmpty
            line += " \(key)=" + (quoted ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value)
        }
        output.write(line + "\n")
        output.flush()
    }

    func error(_ message: String, _ fields: [String: String] = [:]) { write(3, message, fields) }
    func notice(_ message: String, _ fields: [String: String] = [:]) { write(5, message, fields) }
    func info(_ message: String, _ fields: [String: String] = [:]) { write(6, message, fields) }

    func outcome(_ outcome: FileProcessor.Outcome) {
        if let rejection = outcome.rejection {
            write(4, "file rejected", ["file": outcome.file, "claimed_as": outcome.claimedName, "reason": rejection])
        } else {
            var fields = ["file": outcome.file, "claimed_as": outcome.claimedName, "records": String(outcome.records)]
            for (route, count) in outcome.decisions { fields["route_" + route] = String(count) }
            if outcome.rejectedRecords > 0 { fields["rejected_records"] = String(outcome.rejectedRecords) }
            write(6, "file processed", fields)
        }
    }
}
