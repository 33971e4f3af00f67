import ArgumentParser
import Assignment
import Foundation
import Leads
import Logging
import Pipeline
import Review
import Rules
import ServiceLifecycle
import UnixSignals
import YAML

/// `leadd run`: the inbox-to-outbox job.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Process the lead files dropped into the spool's inbox: decide, assign, write to the outbox.",
        discussion: """
            Files are claimed from SPOOL/inbox, processed with one rules snapshot each, and their decisions written \
            to SPOOL/outbox/ROUTE/ (see docs/protocol.md); the input goes to SPOOL/archive/, or to SPOOL/rejected/ \
            with a reason when it cannot be read as leads. With --once, process what is there and exit; otherwise \
            keep watching until SIGTERM or SIGINT. Settings come from the embedded defaults, then the --config \
            file (docs/configuration.md), then these flags.
            """
    )

    @Option(help: "A YAML configuration file (every key optional; flags override it).")
    var config: String?

    @Option(
        help: "The spool folder (inbox, processing, outbox, archive, rejected are made inside it). Default: var/spool."
    )
    var spool: String?

    @Option(help: "The rules directory. Default: rules.")
    var rules: String?

    @Option(help: "The state directory (assignments, last good rules). Default: var/state.")
    var state: String?

    @Flag(help: "Process the files in the inbox once, then exit.")
    var once = false

    @Flag(help: "Print the settings in effect (defaults, then --config, then flags) as YAML, and exit.")
    var printConfig = false

    @Option(help: "Files processed at once. Default: the number of cores.")
    var workers: Int?

    @Option(help: "Seconds a file's size and modification time must stay the same before it is taken. Default: 0.5.")
    var settle: Double?

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

    @Option(help: "Seconds between scans when polling. Default: 0.25.")
    var interval: Double?

    @Option(help: "Seconds between full rescans when watching with inotify, in case an event was missed. Default: 60.")
    var rescan: Double?

    @Option(help: "Larger lead files are rejected unread. Default: 8 GiB.")
    var maxFileBytes: Int64?

    @Option(help: "Log lines as text (journald priority prefixes and key=value) or json.")
    var logFormat: LogFormat?

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(help: "Write Prometheus metrics to this file (for node_exporter's textfile collector).")
    var metricsFile: String?

    @Option(
        help: ArgumentHelp(
            "A YAML file that gives CSV columns a type or another field name (see docs/leads.md).",
            discussion: "Repeat it for files from several sources: each mapping's 'files' patterns name its files."
        )
    )
    var csvMapping: [String] = []

    @Option(help: "The longest NDJSON line or CSV record, in bytes.")
    var maxRecordBytes: Int?

    @Option(help: "How deeply arrays and objects may nest in one record.")
    var maxDepth: Int?

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        // As the configuration file's durations: finite (ArgumentParser reads "nan" and "inf" as numbers).
        if let settle, !(settle >= 0 && settle.isFinite) {
            throw ValidationError("--settle must be a number of seconds, 0 or more")
        }
        if let interval, !(interval > 0 && interval.isFinite) {
            throw ValidationError("--interval must be a number of seconds above 0")
        }
        if let rescan, !(rescan > 0 && rescan.isFinite) {
            throw ValidationError("--rescan must be a number of seconds above 0")
        }
        if let maxFileBytes, maxFileBytes < 1 { throw ValidationError("--max-file-bytes must be at least 1") }
        if let maxRecordBytes, maxRecordBytes < 1 { throw ValidationError("--max-record-bytes must be at least 1") }
        if let maxDepth, maxDepth < 1 { throw ValidationError("--max-depth must be at least 1") }
    }

    /// The embedded defaults, then the configuration file, then the flags.
    func settings(errors: BufferedOutput) throws -> DaemonConfiguration {
        var settings = DaemonConfiguration()
        if let config {
            do {
                settings = try DaemonConfiguration.load(contentsOf: config)
            } catch {
                errors.write(error.diagnostics.rendered() + "\n")
                errors.write("leadd: the configuration file \(config) has errors\n")
                errors.flush()
                throw ExitCode(1)
            }
        }
        if let spool { settings.spool = spool }
        if let rules { settings.rules = rules }
        if let state { settings.state = state }
        if let workers { settings.workers = workers }
        if let settle { settings.settle = settle }
        if let watch { settings.watch = InboxWatcher.Mode(rawValue: watch.rawValue) }
        if let interval { settings.pollInterval = interval }
        if let rescan { settings.rescan = rescan }
        if let maxFileBytes { settings.maxFileBytes = maxFileBytes }
        if let logFormat { settings.logFormat = DaemonConfiguration.LogFormat(rawValue: logFormat.rawValue) ?? .text }
        if let metricsFile { settings.metricsFile = metricsFile }
        if !csvMapping.isEmpty { settings.csvMappings = csvMapping }
        if let maxRecordBytes { settings.maxRecordBytes = maxRecordBytes }
        if let maxDepth { settings.maxDepth = maxDepth }
        return settings
    }

    func run() async throws {
        let errors = BufferedOutput(fd: 2)
        // A file size limit (RLIMIT_FSIZE) makes writes fail with EFBIG, an environment fault to retry, instead of
        // killing the daemon.
        signal(SIGXFSZ, SIG_IGN)
        let notifier = SystemdNotifier()
        /// Under systemd, a start that fails says why in STATUS= and ERRNO=.
        func cannotStart(_ code: Int32, _ reason: String) -> ExitCode {
            notifier.send("ERRNO=\(code)\nSTATUS=cannot start: \(reason)")
            errors.flush()
            return ExitCode(1)
        }
        let settings: DaemonConfiguration
        do {
            settings = try self.settings(errors: errors)
        } catch {
            throw cannotStart(EINVAL, "the configuration file \(config ?? "") has errors")
        }
        if printConfig {
            print(settings.yaml, terminator: "")
            return
        }
        var logger = Logger(label: "leadd") { _ in JournalLogHandler(format: settings.logFormat) }
        logger.logLevel = .info
        let fixedNow = try now.map { try EvaluationTime.parse($0) }

        // Broken rules at start (or rules that fail their tests): run on the last good rules, loudly, until the
        // directory is fixed.
        let ruleOptions = RuleOptions(rules: settings.rules)
        let lastGood = LastGoodRules.path(state: settings.state)
        let candidate = CandidateRules.load(directory: settings.rules, requireTests: settings.requireTests)
        ruleOptions.report(
            RuleCompiler.Result(program: candidate.compiled, diagnostics: candidate.diagnostics),
            to: errors
        )
        if let tests = candidate.tests, !tests.succeeded {
            errors.write(tests.text())
        }
        let program: Program
        if let usable = candidate.program {
            program = usable
        } else if FileManager.default.fileExists(atPath: lastGood),
            let previous = RuleCompiler.compile(directory: lastGood).program
        {
            program = previous
            errors.flush()
            logger.critical(
                candidate.compiled == nil
                    ? "rules do not compile; running the last good rules until they are fixed"
                    : "rules fail their tests; running the last good rules until they are fixed",
                metadata: [
                    "rules": "\(settings.rules)", "last_good": "\(lastGood)", "rules_version": "\(previous.version)",
                    "problem": "\(candidate.problem)",
                ]
            )
        } else if candidate.compiled == nil {
            throw cannotStart(EINVAL, "the rules in \(settings.rules) do not compile, and there is no last good copy")
        } else {
            let reason =
                "the rules in \(settings.rules) fail their tests (\(candidate.problem)), and there is no last good copy; "
                + "fix the rules or the tests, or set reload.require_tests: false"
            errors.write("leadd: \(reason)\n")
            throw cannotStart(EINVAL, reason)
        }
        errors.flush()

        let spool: Spool
        let lock: SpoolLock
        do {
            spool = try Spool(root: settings.spool)
            lock = try SpoolLock(spool: spool)
        } catch {
            errors.write("leadd: \(error)\n")
            let code: Int32 =
                switch error {
                case is SpoolLock.Held: EBUSY
                case Spool.OpenError.fileSystem(let failure): failure.code
                default: EIO
                }
            throw cannotStart(code, "\(error)")
        }
        defer { withExtendedLifetime(lock) {} }
        let store: AssignmentStore
        if AssignmentStore.migrationPending(directory: settings.state) {
            // An upgrade rewrites the state's tables once: ask systemd for more than the start timeout.
            notifier.send("EXTEND_TIMEOUT_USEC=600000000\nSTATUS=upgrading the assignment state")
            logger.notice(
                "upgrading the assignment state made by an earlier leadd",
                metadata: ["state": "\(settings.state)"]
            )
        }
        do {
            store = try StateOptions(state: settings.state).open(remembersKeys: true)
        } catch {
            errors.write("leadd: \(error)\n")
            throw cannotStart(EIO, "\(error)")
        }
        var readerOptions = LeadReaderOptions()
        if let value = settings.maxRecordBytes { readerOptions.maxRecordBytes = value }
        if let value = settings.maxDepth { readerOptions.maxDepth = value }
        if !settings.csvMappings.isEmpty {
            do {
                readerOptions.csvMappings = try CSVMappings.load(contentsOf: settings.csvMappings)
            } catch {
                errors.write(error.diagnostics.rendered() + "\n")
                errors.flush()
                throw ExitCode(1)
            }
        }
        if candidate.program?.version == program.version {
            do {
                try LastGoodRules.save(rules: settings.rules, state: settings.state)
            } catch {
                logger.error("cannot keep a copy of the rules in the state directory", metadata: ["error": "\(error)"])
            }
        }

        let daemon = LeadDaemon(
            configuration: settings,
            program: program,
            spool: spool,
            store: store,
            readerOptions: readerOptions,
            logger: logger,
            fixedNow: fixedNow,
            once: once,
            notifier: notifier
        )
        logger.info(
            "started",
            metadata: [
                "spool": "\(spool.root)", "rules": "\(settings.rules)", "rules_version": "\(program.version)",
                "workers": "\(settings.workers)",
            ]
        )
        if !once { logger.info("drop lead files into \(spool.inbox); decisions appear in \(spool.outbox)") }
        var groupLogger = logger
        groupLogger.logLevel = .warning
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: groupLogger
            )
        )
        do {
            // The async entry point runs at user-initiated priority; Dispatch would try to raise its threads'
            // priority for it, which an unprivileged service may not. The service group runs at the default one.
            try await withThrowingDiscardingTaskGroup { tasks in
                tasks.addTask(priority: .medium) { try await group.run() }
            }
        } catch let faults as LeadDaemon.EnvironmentFaults {
            logger.error("\(faults)")
            throw ExitCode(75)
        }
        logger.info("stopped")
    }
}
