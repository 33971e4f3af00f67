import Foundation
import Glibc
import TestSupport

/// The figures of `leadd run` as a whole, durability on (every file and folder synced as in production).
struct DaemonFigures {
    let leadd: String
    let lines: [[UInt8]]
    let runs: Int
    let scratch: String
    /// Every daemon decides as of the same time, so runs are comparable.
    let now = "2026-11-29T00:00:00Z"

    func makeSpool(_ name: String) throws -> (spool: String, state: String) {
        let root = "\(scratch)/\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root + "/spool/inbox", withIntermediateDirectories: true)
        return (root + "/spool", root + "/state")
    }

    func once(
        _ spool: String,
        _ state: String,
        _ extra: [String] = [],
        rules: String = "rules"
    ) throws -> (seconds: Double, result: ProcessResult) {
        // The run's input files, just written, go to disk first, and so does what the run before left (the removal of
        // its spool): a producer's files are written well before the daemon claims them. Left dirty, the kernel writes
        // them back some 30 seconds later, in whichever run is going then, beside its own writes and syncs: 130 MB of
        // batches for each run of the assignment figures, landing on one side of a pair or the other at random.
        sync()
        let start = ContinuousClock.now
        let result = try ProcessRunner.run(
            leadd,
            ["run", "--once", "--settle", "0", "--spool", spool, "--state", state, "--rules", rules, "--now", now]
                + extra
        )
        guard result.exitStatus == 0 else {
            print("leadd-bench: leadd run failed:\n\(result.standardError.suffix(2000))")
            exit(1)
        }
        return ((ContinuousClock.now - start).inSeconds, result)
    }

    /// `leads` (each a line's bytes) in NDJSON files of 5,000 lines in the folder `inbox`.
    static func writeBatches<Line: Collection<UInt8>>(_ leads: [Line], inbox: String) throws {
        for (index, start) in stride(from: 0, to: leads.count, by: 5000).enumerated() {
            try ndjsonData(leads[start..<min(start + 5000, leads.count)])
                .write(to: URL(fileURLWithPath: "\(inbox)/batch-\(index).ndjson"))
        }
    }

    /// NDJSON batches: the synthetic leads in files of 5,000, through `leadd run --once` (start to exit).
    func batches() throws -> Figure {
        var samples: [Double] = []
        for _ in 0..<runs {
            let (spool, state) = try makeSpool("batches")
            try Self.writeBatches(lines, inbox: "\(spool)/inbox")
            samples.append(Double(lines.count) / (try once(spool, state).seconds))
            try FileManager.default.removeItem(atPath: DurableFilesPath.parent(spool))
        }
        return Figure(name: "daemon, NDJSON batches of 5,000 (end to end)", unit: "leads/s", samples: samples)
    }

    /// What assignment adds to the daemon's cost per lead, end to end: the qualified leads (those the shipped
    /// rules send to an assigned route) in files of 5,000 through `leadd run --once`, with the shipped rules, and
    /// with the same rules without their assignment configuration (the decisions, their rows in the state and the
    /// outbox are the same work in both). Runs alternate, so all see the machine alike.
    ///
    /// With the shipped caps (25 to 40 leads per rep and day, 255 in all), a batch decided at one `now` fills
    /// every rep within its first few hundred leads: nearly every lead is queued, with the skipped reps in its
    /// reasons. A third rule set, the shipped one with every cap lifted, measures the other regime, where every
    /// lead is assigned to a rep (rotation, sticky owners and loads written for each).
    ///
    /// None of the three has the shipped rule tests, which the daemon runs once as it starts: they expect owners and
    /// teams, so without assignment they do not compile, and without caps some of them fail. Run by one of the
    /// rule sets only, they would add their time (some 15 to 20 ms, not a cost per lead) to its side alone.
    func assignmentCost(qualified: [[UInt8]]) throws -> [Figure] {
        let assigned = "\(scratch)/rules-assigned"
        let unassigned = "\(scratch)/rules-unassigned"
        let uncapped = "\(scratch)/rules-uncapped"
        for copy in [assigned, unassigned, uncapped] {
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: "rules", toPath: copy)
            try FileManager.default.removeItem(atPath: "\(copy)/tests")
        }
        for name in ["assignment.yaml", "accounts.csv"] {
            try FileManager.default.removeItem(atPath: "\(unassigned)/\(name)")
        }
        let configuration = try String(contentsOfFile: "\(uncapped)/assignment.yaml", encoding: .utf8)
        let lifted = configuration.replacing(#/caps: \{[^}]*\}/#) { _ in "caps: {day: 1000000, week: 1000000}" }
        guard lifted != configuration else {
            print("leadd-bench: rules/assignment.yaml has no caps to lift")
            exit(1)
        }
        try lifted.write(toFile: "\(uncapped)/assignment.yaml", atomically: true, encoding: .utf8)
        var seconds: [String: [Double]] = [:]
        /// Each run's processor time, user and system, all threads: unlike the time between start and exit, it
        /// leaves out waits (the disk, another process on the machine).
        var processor: [String: [Double]] = [:]
        for round in 0..<Self.assignmentRounds(runs) {
            // Every other round in the reverse order: the run without assignment always comes between the other two,
            // and a machine that speeds up or slows down over a round favours neither side of a pair.
            let order = round.isMultiple(of: 2) ? [assigned, unassigned, uncapped] : [uncapped, unassigned, assigned]
            for rules in order {
                let (spool, state) = try makeSpool("assigned")
                try Self.writeBatches(qualified, inbox: "\(spool)/inbox")
                let (elapsed, result) = try once(spool, state, rules: rules)
                seconds[rules, default: []].append(elapsed)
                processor[rules, default: []].append(result.cpuSeconds)
                try FileManager.default.removeItem(atPath: DurableFilesPath.parent(spool))
            }
        }
        let count = Double(qualified.count)
        let (with, without, everyAssigned) = (
            seconds[assigned] ?? [], seconds[unassigned] ?? [], seconds[uncapped] ?? []
        )
        return [
            Figure(
                name: "daemon, \(qualified.count) qualified leads, with assignment",
                unit: "leads/s",
                samples: with.map { count / $0 }
            ),
            Figure(
                name: "daemon, the same leads, rules without assignment",
                unit: "leads/s",
                samples: without.map { count / $0 }
            ),
            Figure(
                name: "assignment's added cost per lead, end to end",
                unit: "%",
                samples: zip(with, without).map { ($0 / $1 - 1) * 100 }
            ),
            Figure(
                name: "daemon, the same leads, every cap lifted (each assigned to a rep)",
                unit: "leads/s",
                samples: everyAssigned.map { count / $0 }
            ),
            Figure(
                name: "assignment's added cost per lead, end to end, caps lifted",
                unit: "%",
                samples: zip(everyAssigned, without).map { ($0 / $1 - 1) * 100 }
            ),
            Figure(
                name: "the same in processor time (user and system)",
                unit: "%",
                samples: zip(processor[assigned] ?? [], processor[unassigned] ?? []).map { ($0 / $1 - 1) * 100 }
            ),
            Figure(
                name: "the same in processor time, caps lifted",
                unit: "%",
                samples: zip(processor[uncapped] ?? [], processor[unassigned] ?? []).map { ($0 / $1 - 1) * 100 }
            ),
        ]
    }

    /// Assignment's added cost counted in instructions, which the machine's load does not change: the daemon under
    /// callgrind (`valgrind --tool=callgrind`, which counts every instruction each thread executes, the threads run
    /// one at a time) on the first `count` qualified leads in files of 5,000, with the shipped rules, without their
    /// assignment configuration, and with every cap lifted (the rule sets of `assignmentCost`, which makes them). Each
    /// also runs on an empty inbox, whose count (starting, compiling the rules, stopping) is taken off: what is left
    /// is the leads' own cost.
    /// The system's part (the kernel writing the outbox and the state) is not counted: callgrind sees the process
    /// only. Nil when valgrind is not installed.
    func assignmentInstructions(qualified: [[UInt8]], count: Int = 10_000) throws -> [Figure]? {
        let valgrind = "/usr/bin/valgrind"
        guard FileManager.default.isExecutableFile(atPath: valgrind) else {
            print("(valgrind is not installed: no instruction counts of assignment)")
            return nil
        }
        // Valgrind 3.19 (Debian 12) cannot read the DWARF 5 of a Swift 6 build and stops: it runs a copy without it.
        let stripped = "\(scratch)/leadd-stripped"
        try? FileManager.default.removeItem(atPath: stripped)
        let strip = try ProcessRunner.run("/usr/bin/objcopy", ["--strip-debug", leadd, stripped])
        guard strip.exitStatus == 0 else {
            print("leadd-bench: objcopy --strip-debug \(leadd) failed:\n\(strip.standardError.suffix(2000))")
            exit(1)
        }
        let leads = Array(qualified.prefix(count))
        /// The instructions of one run of the daemon on each run's leads with its rules, all at once.
        func counted(_ runs: [(leads: [[UInt8]], rules: String)]) throws -> [Double] {
            var started: [RunningProcess] = []
            var roots: [String] = []
            for run in runs {
                let (spool, state) = try makeSpool("callgrind")
                try Self.writeBatches(run.leads, inbox: "\(spool)/inbox")
                roots.append(DurableFilesPath.parent(spool))
                let arguments = [
                    "--tool=callgrind", "--callgrind-out-file=/dev/null", stripped, "run", "--once", "--settle", "0",
                    "--spool", spool, "--state", state, "--rules", run.rules, "--now", now,
                ]
                started.append(try ProcessRunner.start(valgrind, arguments))
            }
            let results = started.map { $0.wait() }
            for root in roots { try FileManager.default.removeItem(atPath: root) }
            return results.map { result in
                guard result.exitStatus == 0,
                    let match = result.standardError.firstMatch(of: #/Collected : (\d+)/#),
                    let instructions = Double(match.1)
                else {
                    print("leadd-bench: leadd run under callgrind failed:\n\(result.standardError.suffix(2000))")
                    exit(1)
                }
                return instructions
            }
        }
        let (assigned, unassigned) = ("\(scratch)/rules-assigned", "\(scratch)/rules-unassigned")
        let uncapped = "\(scratch)/rules-uncapped"
        let full = try counted([(leads, assigned), (leads, unassigned), (leads, uncapped)])
        let empty = try counted([([], assigned), ([], unassigned), ([], uncapped)])
        let perLead = zip(full, empty).map { ($0 - $1) / Double(leads.count) }
        let (with, without, lifted) = (perLead[0], perLead[1], perLead[2])
        return [
            Figure(
                name: "daemon under callgrind, \(leads.count) qualified leads, with assignment",
                unit: "instr",
                samples: [with]
            ),
            Figure(name: "the same, rules without assignment", unit: "instr", samples: [without]),
            Figure(name: "the same, every cap lifted", unit: "instr", samples: [lifted]),
            Figure(
                name: "assignment's added cost per lead, in instructions",
                unit: "%",
                samples: [(with / without - 1) * 100]
            ),
            Figure(
                name: "assignment's added cost per lead, in instructions, caps lifted",
                unit: "%",
                samples: [(lifted / without - 1) * 100]
            ),
        ]
    }

    /// Rounds of the assignment figures: at least thirty. Each of their ratios divides two end-to-end times taken a
    /// second apart on a machine whose speed drifts, so a pair lands on two speeds more often than one run does,
    /// and the median needs many pairs to settle: with nine, the pairs of one run spread from -3% to 52%
    /// (2026-12-05); with fifteen, the medians of three runs of one build were up to 9 points apart, and two runs of
    /// one build minutes apart, of fifteen and twelve pairs, gave 20.5% and 11%.
    static func assignmentRounds(_ runs: Int) -> Int { Swift.max(runs, 30) }

    /// Single-lead files through the daemon, and the same files through the bare C loop; the ratio of the two.
    func singleFiles(fileCycle: String?, count: Int = 2000) throws -> [Figure] {
        var daemonRates: [Double] = []
        var loopRates: [Double] = []
        for _ in 0..<runs {
            let (spool, state) = try makeSpool("single")
            let (loopSpool, _) = try makeSpool("loop")
            for index in 0..<count {
                let bytes = Data(lines[index % lines.count] + [0x0A])
                try bytes.write(to: URL(fileURLWithPath: "\(spool)/inbox/lead-\(index).ndjson"))
                try bytes.write(to: URL(fileURLWithPath: "\(loopSpool)/inbox/lead-\(index).ndjson"))
            }
            daemonRates.append(Double(count) / (try once(spool, state).seconds))
            if let fileCycle {
                let result = try ProcessRunner.run(fileCycle, [loopSpool])
                let fields = result.standardOutput.split(separator: " ")
                if result.exitStatus == 0, fields.count == 2, let files = Double(fields[0]),
                    let took = Double(String(fields[1]).trimmingCharacters(in: CharacterSet.whitespacesAndNewlines))
                {
                    loopRates.append(files / took)
                }
            }
            try FileManager.default.removeItem(atPath: DurableFilesPath.parent(spool))
            try FileManager.default.removeItem(atPath: DurableFilesPath.parent(loopSpool))
        }
        var figures = [Figure(name: "daemon, single-lead files (\(count))", unit: "files/s", samples: daemonRates)]
        if loopRates.count == daemonRates.count {
            figures.append(
                Figure(name: "bare C file cycle, same files (the floor)", unit: "files/s", samples: loopRates)
            )
            figures.append(
                Figure(
                    name: "daemon / C loop, single-lead files",
                    unit: "%",
                    samples: zip(daemonRates, loopRates).map { $0 / $1 * 100 }
                )
            )
        }
        return figures
    }

    /// Waits until the daemon's log has `count` lines containing `text`; the time it took.
    func waitForLog(
        _ process: RunningProcess,
        _ text: String,
        count: Int,
        from start: ContinuousClock.Instant
    ) -> Double? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let log = (try? String(contentsOfFile: process.errPath, encoding: .utf8)) ?? ""
            if log.components(separatedBy: text).count - 1 >= count { return (ContinuousClock.now - start).inSeconds }
            usleep(500)
        }
        return nil
    }

    /// Process start to the "ready" log line (signals, recovery, the inbox watch and the first scan in place).
    func startup() throws -> Figure {
        var samples: [Double] = []
        for _ in 0..<runs {
            let (spool, state) = try makeSpool("startup")
            let start = ContinuousClock.now
            let daemon = try ProcessRunner.start(
                leadd,
                ["run", "--spool", spool, "--state", state, "--rules", "rules"]
            )
            if let took = waitForLog(daemon, "<6>ready", count: 1, from: start) { samples.append(took * 1000) }
            daemon.kill(SIGTERM)
            _ = daemon.wait()
            try FileManager.default.removeItem(atPath: DurableFilesPath.parent(spool))
        }
        return Figure(name: "daemon, start to ready (new spool and state)", unit: "ms", samples: samples)
    }

    /// A rule file replaced by rename under a running daemon, to the new rules being in use.
    func reload() throws -> Figure {
        let (spool, state) = try makeSpool("reload")
        let rules = DurableFilesPath.parent(spool) + "/rules"
        try FileManager.default.copyItem(atPath: "rules", toPath: rules)
        let daemon = try ProcessRunner.start(leadd, ["run", "--spool", spool, "--state", state, "--rules", rules])
        defer {
            daemon.kill(SIGTERM)
            _ = daemon.wait()
        }
        guard waitForLog(daemon, "<6>ready", count: 1, from: .now) != nil else {
            return Figure(name: "reload", unit: "ms", samples: [])
        }
        let original = try String(contentsOfFile: rules + "/behavior.yaml", encoding: .utf8)
        var samples: [Double] = []
        for run in 1...runs {
            // A new comment changes the file's bytes and so the rules version.
            let edited = original + "\n# edit \(run)\n"
            try edited.write(toFile: rules + "/.behavior.yaml.swp", atomically: false, encoding: .utf8)
            let start = ContinuousClock.now
            rename(rules + "/.behavior.yaml.swp", rules + "/behavior.yaml")
            if let took = waitForLog(daemon, "rules reloaded", count: run, from: start) { samples.append(took * 1000) }
        }
        return Figure(name: "daemon, rule file renamed to new rules in use", unit: "ms", samples: samples)
    }

    /// One big NDJSON file through the daemon: peak RSS and leads/s.
    func bigFile(_ path: String, leads: Int, runs: Int) throws -> [Figure] {
        var peaks: [Double] = []
        var rates: [Double] = []
        for _ in 0..<runs {
            let (spool, state) = try makeSpool("big")
            guard link(path, "\(spool)/inbox/big.ndjson") == 0 else { throw CocoaError(.fileWriteUnknown) }
            let (took, result) = try once(spool, state, ["--max-file-bytes", "4000000000"])
            peaks.append(Double(result.peakRSS) / 1_048_576)
            rates.append(Double(leads) / took)
            try FileManager.default.removeItem(atPath: DurableFilesPath.parent(spool))
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1_000_000
        return [
            Figure(name: "daemon, peak RSS on a \(size) MB NDJSON file", unit: "MiB", samples: peaks),
            Figure(name: "daemon, one \(size) MB NDJSON file (1 worker busy)", unit: "leads/s", samples: rates),
        ]
    }
}

enum DurableFilesPath {
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
