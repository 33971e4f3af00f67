public import Assignment
internal import CLinux
import Glibc
public import Leads
public import Logging
import Prometheus
import Review
public import Rules
public import ServiceLifecycle
import Synchronization
import UnixSignals
import YAML

/// `leadd run` as a service: recover, then watch the inbox, claim each settled file and process it on one of
/// `workers` threads with the rules of the moment, until graceful shutdown (SIGTERM, SIGINT).
///
/// Live rules: an edit of the rules directory (or SIGHUP) compiles the whole set; it replaces the running rules only
/// if it compiles, so a broken edit keeps them. A file in flight finishes on the rules it started with.
/// Environment faults (disk full, I/O errors, too many open files) never reject input: the file waits in
/// `processing/` and is tried again with exponential backoff.
public final class LeadDaemon: Service, Sendable {
    public let configuration: DaemonConfiguration
    public let spool: Spool
    let store: AssignmentStore
    let readerOptions: LeadReaderOptions
    let logger: Logger
    public let metrics: DaemonMetrics
    /// Decide every file as of this time, for reproducible runs; nil: when it is claimed.
    let fixedNow: Double?
    /// Process what is in the inbox at start, then return.
    let once: Bool
    let initialProgram: Program
    let stopping = Atomic<Bool>(false)
    /// Readiness, status, reloads and the watchdog, for systemd.
    public let notifier: SystemdNotifier
    /// For the STATUS line: files and leads done, and the last error, if any.
    let filesDone = Atomic<Int>(0)
    let leadsDone = Atomic<Int>(0)
    let lastError = Mutex<String?>(nil)
    /// SIGHUPs received: the intake loop reloads when this moves.
    let hangups = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)
    /// Files in those tasks (a group of small files is one task): what `leadd_files_in_flight` shows.
    let filesInFlight = Atomic<Int>(0)
    /// Files processed; a success ends a backoff.
    let successes = Atomic<Int>(0)
    /// Claimed files that hit an environment fault, for the intake loop to try again.
    let faulted = Mutex<[ClaimedFile]>([])
    let wakeup = Wakeup()
    let threads: WorkerThreads

    public init(
        configuration: DaemonConfiguration,
        program: Program,
        spool: Spool,
        store: AssignmentStore,
        readerOptions: LeadReaderOptions,
        logger: Logger,
        fixedNow: Double? = nil,
        once: Bool = false,
        notifier: SystemdNotifier = SystemdNotifier()
    ) {
        self.notifier = notifier
        self.configuration = configuration
        self.initialProgram = program
        self.spool = spool
        self.store = store
        self.readerOptions = readerOptions
        self.logger = logger
        self.metrics = DaemonMetrics()
        self.fixedNow = fixedNow
        self.once = once
        // One thread per worker, and one for the intake loop, which waits in poll(2).
        self.threads = WorkerThreads(count: configuration.workers + 1)
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withTaskExecutorPreference(threads) {
                try await withThrowingDiscardingTaskGroup { group in
                    // SIGHUP: reload the rules. The loop ends when the group is cancelled, once the intake returns
                    // (the signals are an `AsyncStream`, which ends when its task is cancelled). Not
                    // `cancelOnGracefulShutdown()`: its `merge` (swift-async-algorithms) can deadlock when its task
                    // is cancelled (apple/swift-async-algorithms#430), which hung the daemon at exit now and then.
                    group.addTask { [self] in
                        for await _ in await UnixSignalsSequence(trapping: .sighup) {
                            hangups.add(1, ordering: .relaxed)
                            wakeup.signal()
                        }
                    }
                    try intake(group: &group)
                    group.cancelAll()
                }
            }
        } onGracefulShutdown: { [self] in
            stopping.store(true, ordering: .relaxed)
            notifier.send("STOPPING=1\nSTATUS=stopping: finishing or setting aside the files in flight")
            wakeup.signal()
        }
    }

    var stopRequested: Bool { stopping.load(ordering: .relaxed) || Task.isCancelled }

    func processor(_ program: Program, _ readerOptions: LeadReaderOptions) -> FileProcessor {
        FileProcessor(
            program: program,
            ledger: Ledger(store: store, plan: program.assignment),
            readerOptions: readerOptions,
            maxFileBytes: configuration.maxFileBytes
        )
    }

    /// The intake loop: the only place that claims files, reloads rules and writes metrics.
    func intake(group: inout ThrowingDiscardingTaskGroup<any Error>) throws {
        var processor = processor(initialProgram, readerOptions)
        metrics.rules(version: initialProgram.version)
        var waiting: [ClaimedFile] = []
        var seenSuccesses = 0
        var backoff = Backoff()
        let clock = ContinuousClock()

        // Crash recovery before accepting new files: publish what was committed, process again what was claimed.
        var claimed: [ClaimedFile] = []
        if !((try? DurableFiles.entries(spool.processing)) ?? []).isEmpty {
            // Recovery may publish many staged outputs: ask systemd for more time than the start timeout.
            notifier.send("EXTEND_TIMEOUT_USEC=120000000\nSTATUS=recovering files left in processing/")
        }
        while !stopRequested {
            do {
                let (recovery, unfinished) = try Recovery.run(spool)
                claimed = unfinished
                if recovery != Recovery() {
                    logger.notice(
                        "recovered",
                        metadata: [
                            "reprocess": "\(recovery.unfinished.count)", "published": "\(recovery.published.count)",
                            "orphans_removed": "\(recovery.orphans.count)",
                            "committed_left_in_processing": "\(recovery.committed.count)",
                        ]
                    )
                }
                break
            } catch {
                fault(error, backoff: &backoff)
                sleepInterruptibly(backoff.delay)
            }
        }

        // The watch is in place before the first scan, so nothing that arrives during it is missed.
        let watcher = InboxWatcher(inbox: spool.inbox, requested: configuration.watch)
        if !once { logger.info("watching the inbox", metadata: ["mode": "\(watcher.mode.rawValue)"]) }
        let rulesWatch = RulesWatch(directory: configuration.rules)
        var rulesSignature = rulesWatch.signature()
        let rulesNotifier = RulesNotifier(directory: configuration.rules)
        var lastRulesLook = clock.now
        var handledHangups = 0
        var reloadGeneration = 0
        var rulesNote = "rules \(initialProgram.version)"
        var lastStatus = clock.now
        var lastPing = clock.now
        ReloadResult(
            generation: 0,
            pid: getpid(),
            success: true,
            rulesVersion: initialProgram.version,
            errors: []
        ).save(state: configuration.state)

        // Names seen in the inbox, waiting for their size and modification time to settle.
        var settling: [String: (signature: Inbox.Signature, since: ContinuousClock.Instant)] = [:]
        var ready: [String] = []
        var queued: Set<String> = []
        /// The size of each ready name when it was queued: small files are claimed in groups.
        var sizes: [String: Int64] = [:]
        func queue(_ name: String, size: Int64) {
            ready.append(name)
            queued.insert(name)
            sizes[name] = size
        }
        // Names that cannot be claimed (not for an environment fault), with the signature they had.
        var stuck: [String: Inbox.Signature?] = [:]
        var scanDue = true
        var lastScan = clock.now
        var nextMetrics = clock.now
        var onceNames: Set<String>?
        var announcedReady = false

        /// A file's outcome counted and logged.
        @Sendable func completed(_ outcome: FileProcessor.Outcome, seconds: Duration) {
            metrics.record(outcome, seconds: seconds)
            if !outcome.abandoned {
                filesDone.add(1, ordering: .relaxed)
                leadsDone.add(outcome.records, ordering: .relaxed)
                if let rejection = outcome.rejection {
                    lastError.withLock { $0 = "\(outcome.file) rejected: \(rejection)" }
                }
            }
            log(outcome)
            successes.add(1, ordering: .relaxed)
        }
        /// A file an environment fault stopped: it waits in `processing/` for another attempt.
        @Sendable func failed(_ file: ClaimedFile, _ error: any Error) {
            lastError.withLock { $0 = "\(error)" }
            if DurableFiles.exists(file.path) {
                faulted.withLock { $0.append(file) }
                metrics.faults.increment()
                logger.error(
                    "environment fault, the file waits in processing/ and is tried again",
                    metadata: ["file": "\(file.originalName)", "error": "\(error)"]
                )
            } else {
                logger.error(
                    "the claimed file vanished from processing/",
                    metadata: ["file": "\(file.originalName)", "claimed_as": "\(file.claimedName)"]
                )
            }
        }
        @Sendable func decisionTime(_ file: ClaimedFile) -> Double {
            fixedNow ?? ReplaySource.claimTime(ofArchivedName: file.claimedName) ?? Double(time(nil))
        }

        func dispatch(_ file: ClaimedFile, with processor: FileProcessor) {
            inFlight.add(1, ordering: .relaxed)
            metrics.inFlight.set(to: Double(filesInFlight.add(1, ordering: .relaxed).newValue))
            group.addTask { [self] in
                defer {
                    inFlight.subtract(1, ordering: .relaxed)
                    metrics.inFlight.set(to: Double(filesInFlight.subtract(1, ordering: .relaxed).newValue))
                    wakeup.signal()
                }
                let started = clock.now
                do {
                    let outcome = try processor.process(file, now: decisionTime(file)) {
                        stopping.load(ordering: .relaxed)
                    }
                    completed(outcome, seconds: clock.now - started)
                } catch {
                    failed(file, error)
                }
            }
        }

        /// Several small files on one worker: each staged in turn, then committed and published together, sharing
        /// the syncs (`FileProcessor.finish`).
        func dispatch(group files: [ClaimedFile], with processor: FileProcessor) {
            inFlight.add(1, ordering: .relaxed)
            metrics.inFlight.set(to: Double(filesInFlight.add(files.count, ordering: .relaxed).newValue))
            group.addTask { [self] in
                defer {
                    inFlight.subtract(1, ordering: .relaxed)
                    metrics.inFlight.set(
                        to: Double(filesInFlight.subtract(files.count, ordering: .relaxed).newValue)
                    )
                    wakeup.signal()
                }
                let started = clock.now
                var staged: [(file: ClaimedFile, outcome: FileProcessor.Outcome)] = []
                for file in files {
                    if stopping.load(ordering: .relaxed) {
                        // Left in processing/ for the next start, as a file stopped at a batch boundary is.
                        var outcome = FileProcessor.Outcome(file: file.originalName, claimedName: file.claimedName)
                        outcome.abandoned = true
                        completed(outcome, seconds: clock.now - started)
                        continue
                    }
                    do {
                        let outcome = try processor.process(file, now: decisionTime(file), deferCommit: true) {
                            stopping.load(ordering: .relaxed)
                        }
                        if outcome.awaitsCommit {
                            staged.append((file, outcome))
                        } else {
                            completed(outcome, seconds: clock.now - started)
                        }
                    } catch {
                        failed(file, error)
                    }
                }
                let errors = processor.finish(staged.map(\.file))
                for ((file, outcome), error) in zip(staged, errors) {
                    if let error {
                        failed(file, error)
                    } else {
                        var done = outcome
                        done.awaitsCommit = false
                        completed(done, seconds: clock.now - started)
                    }
                }
            }
        }

        /// A name that could not be claimed, for a reason other than its being gone.
        func claimFailed(_ name: String, id: String, _ error: FileSystemError) {
            let file = ClaimedFile(spool: spool, claimedName: id + "--" + name)
            if DurableFiles.exists(file.path) {
                // Renamed, but a sync after it failed: it is ours now, and waits like any faulted file.
                faulted.withLock { $0.append(file) }
                logger.error(
                    "environment fault after claiming a file; it is tried again",
                    metadata: ["file": "\(name)", "error": "\(error)"]
                )
            } else if error.isEnvironmental {
                fault(error, backoff: &backoff)
                ready.insert(name, at: 0)
                queued.insert(name)
            } else {
                // Something about this entry itself (a folder the daemon may not move, say): leave it in the inbox,
                // say so once, and look again only when it changes.
                stuck[name] = Inbox.signature(spool.inbox + "/" + name)
                logger.warning(
                    "cannot claim a file; it stays in the inbox until it changes",
                    metadata: ["file": "\(name)", "error": "\(error)"]
                )
            }
        }

        while !stopRequested {
            // Live rules.
            let hangup = hangups.load(ordering: .relaxed) != handledHangups
            // An edit wakes the loop at once (inotify); every second the signature is compared anyway.
            let rulesEvent = rulesNotifier.takeChanged()
            let look = !once && (rulesEvent || clock.now - lastRulesLook >= .seconds(1))
            if look { lastRulesLook = clock.now }
            if hangup || (look && rulesWatch.signature() != rulesSignature) {
                handledHangups = hangups.load(ordering: .relaxed)
                notifier.send("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())")
                rulesSignature = rulesWatch.settled()
                let candidate = CandidateRules.load(
                    directory: configuration.rules,
                    requireTests: configuration.requireTests,
                    csvMappings: configuration.csvMappings
                )
                reloadGeneration += 1
                if let next = candidate.program {
                    var options = processor.readerOptions
                    if let mappings = candidate.csvMappings { options.csvMappings = mappings }
                    processor = self.processor(next, options)
                    metrics.reloaded(success: true)
                    metrics.rules(version: next.version)
                    saveLastGood(next)
                    rulesNote = "rules \(next.version) (reloaded)"
                    ReloadResult(
                        generation: reloadGeneration,
                        pid: getpid(),
                        success: true,
                        rulesVersion: next.version,
                        errors: []
                    ).save(state: configuration.state)
                    var fields: Logger.Metadata = [
                        "rules_version": "\(next.version)", "trigger": "\(hangup ? "SIGHUP" : "edit")",
                    ]
                    if let tests = candidate.tests { fields["tests"] = "\(tests.passed) passed" }
                    logger.notice("rules reloaded", metadata: fields)
                } else {
                    metrics.reloaded(success: false)
                    rulesNote =
                        "rules reload FAILED (\(candidate.problem)), still running rules \(processor.program.version)"
                    let lines = candidate.problemLines
                    ReloadResult(
                        generation: reloadGeneration,
                        pid: getpid(),
                        success: false,
                        rulesVersion: processor.program.version,
                        errors: lines
                    ).save(state: configuration.state)
                    logger.error(
                        candidate.compiled == nil
                            ? "rules reload failed, keeping the running rules"
                            : candidate.tests?.succeeded == false
                                ? "new rules fail their tests, keeping the running rules"
                                : "the CSV mapping does not load, keeping the running rules and mapping",
                        metadata: [
                            "rules_version": "\(processor.program.version)", "problem": "\(candidate.problem)",
                        ]
                    )
                    for line in lines { logger.error("\(line)") }
                }
                notifier.send("READY=1\nSTATUS=" + statusLine(rulesNote, inbox: ready.count + settling.count))
                lastStatus = clock.now
            }

            // Files that hit an environment fault wait out the backoff, then go again; a success resets it.
            let newlyFaulted = faulted.withLock { files in
                defer { files.removeAll() }
                return files
            }
            if !newlyFaulted.isEmpty {
                waiting += newlyFaulted
                backoff.failed(at: clock.now)
                if once { break }
            } else if successes.load(ordering: .relaxed) != seenSuccesses {
                seenSuccesses = successes.load(ordering: .relaxed)
                backoff.succeeded()
            }
            if !waiting.isEmpty && backoff.ready(at: clock.now) {
                claimed += waiting
                waiting.removeAll()
            }

            // Scan the inbox when something changed, on the rescan timer, or when a settling file may be ready.
            if scanDue || clock.now - lastScan >= .seconds(configuration.rescan)
                || settling.values.contains(where: { clock.now - $0.since >= .seconds(configuration.settle) })
            {
                scanDue = false
                lastScan = clock.now
                do {
                    let names = try Inbox.candidates(spool)
                    if once && onceNames == nil { onceNames = Set(names) }
                    var present = Set<String>()
                    let movedIn = watcher.takeMovedIn()
                    for name in names where onceNames?.contains(name) ?? true {
                        if queued.contains(name) {
                            present.insert(name)
                            continue
                        }
                        guard let signature = Inbox.signature(spool.inbox + "/" + name) else { continue }
                        present.insert(name)
                        if let was = stuck[name], was == signature { continue }
                        stuck[name] = nil
                        if configuration.settle == 0 || movedIn.contains(name) {
                            settling[name] = nil
                            queue(name, size: signature.size)
                        } else if let seen = settling[name], seen.signature == signature {
                            if clock.now - seen.since >= .seconds(configuration.settle) {
                                settling[name] = nil
                                queue(name, size: signature.size)
                            }
                        } else {
                            settling[name] = (signature, clock.now)
                        }
                    }
                    settling = settling.filter { present.contains($0.key) }
                    stuck = stuck.filter { present.contains($0.key) }
                } catch {
                    fault(error, backoff: &backoff)
                    _ = try? Spool(root: spool.root)
                }
            }

            // Claim and hand out work while a worker is free.
            while inFlight.load(ordering: .relaxed) < configuration.workers && !stopRequested
                && (!claimed.isEmpty || (!ready.isEmpty && backoff.ready(at: clock.now)))
            {
                if !claimed.isEmpty {
                    dispatch(claimed.removeFirst(), with: processor)
                    continue
                }
                // Many small files waiting: a free worker takes a group of them, claimed with one pair of syncs and
                // committed with shared ones. Otherwise (and always when the oldest waiting file is a large one, so
                // that a stream of small files never holds it back), one file at a time.
                let free = configuration.workers - inFlight.load(ordering: .relaxed)
                let share = min(Self.groupLimit, ready.count / max(1, free))
                var names: [String] = []
                if share >= 2, let size = sizes[ready[0]], size <= Self.smallFileBytes {
                    var index = 0
                    while index < ready.count && names.count < share {
                        if let size = sizes[ready[index]], size <= Self.smallFileBytes {
                            names.append(ready.remove(at: index))
                        } else {
                            index += 1
                        }
                    }
                }
                if names.count < 2 {
                    ready.insert(contentsOf: names, at: 0)
                    names = [ready.removeFirst()]
                }
                var files: [ClaimedFile] = []
                var moves: [(name: String, id: String)] = []
                for (position, name) in names.enumerated() {
                    queued.remove(name)
                    sizes[name] = nil
                    let id = ids.next()
                    do {
                        if let file = try ClaimedFile.move(name, in: spool, id: id) {
                            files.append(file)
                            moves.append((name, id))
                        }
                    } catch {
                        claimFailed(name, id: id, error)
                        if error.isEnvironmental && !DurableFiles.exists(spool.processing + "/" + id + "--" + name) {
                            // The machine is in trouble: the rest of the group waits in the queue too.
                            let rest = Array(names[(position + 1)...])
                            ready.insert(contentsOf: rest, at: 1)
                            for other in rest { queued.insert(other) }
                            break
                        }
                    }
                }
                guard !files.isEmpty else { continue }
                do {
                    try ClaimedFile.syncClaims(in: spool)
                } catch {
                    for (name, id) in moves { claimFailed(name, id: id, error) }
                    continue
                }
                if files.count == 1 {
                    dispatch(files[0], with: processor)
                } else {
                    metrics.grouped.increment(by: Int64(files.count))
                    dispatch(group: files, with: processor)
                }
            }

            if !announcedReady {
                // Signals, recovery, the inbox watch and the first scan are in place.
                announcedReady = true
                logger.info("ready", metadata: ["inbox_files": "\(ready.count + settling.count)"])
                notifier.send("READY=1\nSTATUS=" + statusLine(rulesNote, inbox: ready.count + settling.count))
                lastStatus = clock.now
            }
            if clock.now - lastStatus >= .seconds(1) {
                notifier.status(statusLine(rulesNote, inbox: ready.count + settling.count))
                lastStatus = clock.now
            }
            // The watchdog is fed from this loop: if it stops going round, systemd restarts the service.
            if let interval = notifier.watchdogInterval, clock.now - lastPing >= .seconds(interval) {
                notifier.send("WATCHDOG=1")
                lastPing = clock.now
            }

            if clock.now >= nextMetrics {
                writeMetrics()
                nextMetrics = clock.now + .seconds(configuration.metricsInterval)
            }

            let idle = inFlight.load(ordering: .relaxed) == 0 && claimed.isEmpty && ready.isEmpty
            if once && idle && settling.isEmpty { break }

            // Wait for the inbox, a worker, a signal, the next settle deadline or a timer (at least once a second, to
            // look at the rules).
            var timeout = watcher.mode == .poll ? configuration.pollInterval : min(configuration.rescan, 1)
            if let interval = notifier.watchdogInterval { timeout = min(timeout, interval) }
            for seen in settling.values {
                let left = Self.seconds(.seconds(configuration.settle) - (clock.now - seen.since))
                timeout = min(timeout, max(0.01, left))
            }
            if let left = backoff.remaining(at: clock.now), !waiting.isEmpty {
                timeout = min(timeout, max(0.01, Self.seconds(left)))
            }
            if !ready.isEmpty && inFlight.load(ordering: .relaxed) < configuration.workers { timeout = 0 }
            let woke = watcher.wait(timeout: timeout, wakeup: wakeup, rules: once ? nil : rulesNotifier)
            if woke == .inbox || watcher.mode == .poll && woke == .timeout { scanDue = true }
        }

        // Shutdown: stop claiming; workers finish or abandon their file at the next batch (it stays in
        // processing/ and is processed again at the next start).
        if inFlight.load(ordering: .relaxed) > 0 {
            logger.info(
                "stopping: waiting for files in flight",
                metadata: ["files": "\(filesInFlight.load(ordering: .relaxed))"]
            )
        }
        while inFlight.load(ordering: .relaxed) > 0 { watcher.wait(timeout: 0.1, wakeup: wakeup) }
        writeMetrics()
        waiting += faulted.withLock { $0 }
        if !waiting.isEmpty {
            logger.warning(
                "files left in processing/ after environment faults; they are processed at the next start",
                metadata: ["files": "\(waiting.count)"]
            )
            if once { throw EnvironmentFaults(files: waiting.count) }
        }
    }

    /// `--once` ended with files that hit an environment fault: they wait in `processing/` for the next run.
    public struct EnvironmentFaults: Error, CustomStringConvertible {
        public var files: Int
        public var description: String {
            "\(files) file(s) could not be processed because of environment faults; they wait in processing/"
        }
    }

    let ids = ClaimIDs()

    /// Files claimed together by one worker when many are waiting, and the largest size that goes into a group: a
    /// small file's time is mostly its syncs, which the group shares; a large one's is its leads.
    static let groupLimit = 32
    static let smallFileBytes: Int64 = 64 << 10

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The one-line summary systemd shows in `systemctl status`.
    func statusLine(_ rules: String, inbox: Int) -> String {
        let error = lastError.withLock { $0 }.map { String($0.prefix(160)) } ?? "none"
        return "\(rules); \(filesDone.load(ordering: .relaxed)) files, \(leadsDone.load(ordering: .relaxed)) leads "
            + "processed; inbox \(inbox); last error: \(error)"
    }

    func fault(_ error: any Error, backoff: inout Backoff) {
        lastError.withLock { $0 = "\(error)" }
        backoff.failed(at: ContinuousClock().now)
        metrics.faults.increment()
        logger.error(
            "spool fault, will retry",
            metadata: ["error": "\(error)", "retry_in": "\(backoff.delay)s"]
        )
    }

    func sleepInterruptibly(_ seconds: Double) {
        let watcher = InboxWatcher(inbox: spool.inbox, requested: .poll)
        watcher.wait(timeout: seconds, wakeup: wakeup)
    }

    func writeMetrics() {
        guard let path = configuration.metricsFile else { return }
        // Inbox depth and the age of its oldest file, as of now.
        var count = 0
        var oldest: Double?
        for name in (try? Inbox.candidates(spool)) ?? [] {
            guard let signature = Inbox.signature(spool.inbox + "/" + name) else { continue }
            count += 1
            oldest = min(oldest ?? .infinity, signature.modifiedSeconds)
        }
        metrics.inboxFiles.set(to: Double(count))
        metrics.inboxOldest.set(to: oldest.map { max(0, Double(time(nil)) - $0) } ?? 0)
        do {
            try metrics.write(to: path)
        } catch {
            logger.warning("cannot write the metrics file", metadata: ["file": "\(path)", "error": "\(error)"])
        }
    }

    /// Keeps a copy of rules that compiled in the state directory, for a restart with broken rules.
    func saveLastGood(_ program: Program) {
        guard RuleCompiler.compile(directory: configuration.rules).program?.version == program.version else { return }
        do {
            try LastGoodRules.save(rules: configuration.rules, state: configuration.state)
        } catch {
            logger.error("cannot keep a copy of the rules in the state directory", metadata: ["error": "\(error)"])
        }
    }

    func log(_ outcome: FileProcessor.Outcome) {
        var fields: Logger.Metadata = ["file": "\(outcome.file)", "claimed_as": "\(outcome.claimedName)"]
        if outcome.abandoned {
            logger.notice("file abandoned at shutdown; it is processed again at the next start", metadata: fields)
        } else if let rejection = outcome.rejection {
            fields["reason"] = "\(rejection)"
            logger.warning("file rejected", metadata: fields)
        } else {
            fields["records"] = "\(outcome.records)"
            for (route, count) in outcome.decisions { fields["route_" + route] = "\(count)" }
            if outcome.rejectedRecords > 0 { fields["rejected_records"] = "\(outcome.rejectedRecords)" }
            logger.info("file processed", metadata: fields)
        }
        if let warning = outcome.headerWarning, !outcome.abandoned {
            let json = [.json, .ndjson].contains(LeadFileFormat(path: outcome.file))
            logger.warning(
                json
                    ? "the file's records lack keys its mapping names"
                    : "the file's header lacks columns its CSV mapping names",
                metadata: ["file": "\(outcome.file)", "detail": "\(warning)"]
            )
        }
    }
}

/// Exponential backoff after environment faults: 0.5 s, doubling to 60 s; reset by a success.
struct Backoff {
    var delay = 0.0
    var until: ContinuousClock.Instant?

    mutating func failed(at now: ContinuousClock.Instant) {
        delay = delay == 0 ? 0.5 : min(delay * 2, 60)
        until = now + .milliseconds(Int64(delay * 1000))
    }

    mutating func succeeded() {
        delay = 0
        until = nil
    }

    func ready(at now: ContinuousClock.Instant) -> Bool { until.map { now >= $0 } ?? true }

    func remaining(at now: ContinuousClock.Instant) -> Duration? {
        until.map { $0 - now }
    }
}

extension Inbox.Signature {
    var modifiedSeconds: Double { Double(modified) + Double(modifiedNanos) / 1e9 }
}
