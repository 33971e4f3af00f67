import Foundation
import Glibc
import TestSupport
import Testing

/// `leadd run` as the real binary on temporary spools.
@Suite("leadd run", .serialized, .timeLimit(.minutes(3)))
struct RunCommandTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    func arguments(_ spool: TemporaryDirectory, _ state: TemporaryDirectory, _ extra: [String] = []) -> [String] {
        ["run", "--spool", spool.path, "--state", state.path, "--rules", "\(root)/rules", "--settle", "0.2"] + extra
    }

    /// Every lead id in the outbox, one entry per decision.
    func published(_ spool: TemporaryDirectory) throws -> [String] {
        try SpoolReading.leadIDs(spool.path)
    }

    @Test("kill -9 at random moments, again and again, then a clean run: every lead exactly once")
    func killNine() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
        var round = 0
        /// Thirty files of 100 leads, new ids each time.
        func fill() throws -> [String] {
            round += 1
            var ids: [String] = []
            for file in 0..<30 {
                var text = ""
                for index in 0..<100 {
                    let id = "K\(round)-\(file)-\(index)"
                    ids.append(id)
                    text += "{\"id\":\"\(id)\",\"contact\":{\"email\":\"p\(index)@c\(file).example\"},"
                    text += "\"company\":{\"employees\":\(1000 + index),\"country\":\"US\"}}\n"
                }
                try spool.write("inbox/batch-\(round)-\(file).ndjson", text)
            }
            return ids
        }
        try killRepeatedly(spool, state, runs: 12, pause: 20_000...400_000, fill: fill)
    }

    /// Fills the spool's inbox (`fill` returns the ids of the leads it wrote), then runs `leadd run --once` on it
    /// `runs` times, each killed with SIGKILL after a random pause (in microseconds), then once to the end: every
    /// lead written exactly once, every file archived. When a run finds nothing left before three runs were killed
    /// with files left (a daemon faster than the files), `fill` writes more, so that the kills land on work.
    func killRepeatedly(
        _ spool: TemporaryDirectory,
        _ state: TemporaryDirectory,
        runs: Int,
        pause: ClosedRange<UInt32>,
        fill: () throws -> [String]
    ) throws {
        var generator = SystemRandomNumberGenerator()
        var expected = try fill()
        var files = try FileManager.default.contentsOfDirectory(atPath: spool.path + "/inbox").count
        var kills = 0
        var run = 0
        /// Files in the inbox and in `processing/` (which the first run makes).
        func waiting() -> Int {
            SpoolReading.names(spool.path, "inbox").count + SpoolReading.names(spool.path, "processing").count
        }
        while run < runs || (kills < 3 && run < 3 * runs) {
            run += 1
            if waiting() == 0 && kills < 3 {
                let before = try FileManager.default.contentsOfDirectory(atPath: spool.path + "/inbox").count
                expected += try fill()
                files += try FileManager.default.contentsOfDirectory(atPath: spool.path + "/inbox").count - before
            }
            let hadWork = waiting() > 0
            let process = try ProcessRunner.start(leadd, arguments(spool, state, ["--once"]))
            usleep(UInt32.random(in: pause, using: &generator))
            process.kill(SIGKILL)
            if process.wait().signal == SIGKILL && hadWork { kills += 1 }
        }
        let final = try ProcessRunner.run(leadd, arguments(spool, state, ["--once"]))
        #expect(final.exitStatus == 0, "\(final.standardError)")
        #expect(kills >= 3, "too few runs were killed mid-way to prove anything")
        let ids = try published(spool)
        #expect(ids.count == expected.count, "published \(ids.count) of \(expected.count)")
        #expect(Set(ids) == Set(expected))
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path + "/inbox").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path + "/processing").isEmpty)
        #expect(SpoolReading.names(spool.path, "archive").count == files - rejectedWhole(spool))
    }

    /// How many files were rejected whole (each has a sidecar in `rejected/`).
    func rejectedWhole(_ spool: TemporaryDirectory) -> Int {
        SpoolReading.names(spool.path, "rejected").filter { $0.hasSuffix(".error.json") }.count
    }

    @Test(
        "many single-lead files are claimed and committed in groups; every lead exactly once, kill -9 or not"
    )
    func smallFilesInGroups() throws {
        func fill(_ spool: TemporaryDirectory, files: Int, prefix: String) throws -> [String] {
            try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
            var ids: [String] = []
            for file in 0..<files {
                let id = "\(prefix)\(file)"
                ids.append(id)
                // Every third lead is disqualified (free mail), so groups publish to more than one route.
                let domain = file % 3 == 0 ? "gmail.com" : "c\(file).example"
                try spool.write(
                    "inbox/lead-\(prefix)\(file).ndjson",
                    "{\"id\":\"\(id)\",\"contact\":{\"email\":\"p@\(domain)\"},"
                        + "\"company\":{\"employees\":\(1000 + file),\"country\":\"US\"}}\n"
                )
            }
            // One file that is not leads at all: rejected whole, inside a group.
            try spool.write("inbox/broken-\(prefix).json", "[{\"id\": ")
            return ids
        }
        // A clean run: the metric says groups were used.
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let ids = try fill(spool, files: 120, prefix: "G")
        let metrics = spool.path + "/metrics.prom"
        let run = try ProcessRunner.run(leadd, arguments(spool, state, ["--once", "--metrics-file", metrics]))
        #expect(run.exitStatus == 0, "\(run.standardError)")
        #expect(try published(spool).sorted() == ids.sorted())
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        let grouped = text.split(separator: "\n").first { $0.hasPrefix("leadd_files_claimed_in_groups_total ") }
        #expect(grouped.flatMap { Double($0.split(separator: " ")[1]) } ?? 0 >= 60, "\(text)")
        #expect(SpoolReading.names(spool.path, "archive").count == 120)
        #expect(SpoolReading.names(spool.path, "rejected").contains { $0.hasSuffix("--broken-G.json.error.json") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path + "/processing").isEmpty)

        // Killed again and again while groups are in flight, then a clean run.
        let killedSpool = try TemporaryDirectory("spool")
        let killedState = try TemporaryDirectory("state")
        var round = 0
        // Each run is killed up to 300 ms after start (files settle for 200 ms before they are taken). The broken
        // file of each fill is rejected, not archived.
        try killRepeatedly(killedSpool, killedState, runs: 10, pause: 220_000...500_000) {
            round += 1
            return try fill(killedSpool, files: 400, prefix: "K\(round)-")
        }
    }

    @Test(
        "flags out of range are refused before anything starts, NaN and infinity included",
        arguments: [
            (["--settle", "nan"], "--settle must be a number of seconds, 0 or more"),
            (["--settle=-1"], "--settle must be a number of seconds, 0 or more"),
            (["--interval", "0"], "--interval must be a number of seconds above 0"),
            (["--rescan", "inf"], "--rescan must be a number of seconds above 0"),
            (["--workers", "0"], "--workers must be at least 1"),
            (["--max-file-bytes", "0"], "--max-file-bytes must be at least 1"),
            (["--max-record-bytes=-5"], "--max-record-bytes must be at least 1"),
            (["--max-depth", "0"], "--max-depth must be at least 1"),
        ]
    )
    func badFlags(_ flags: [String], _ message: String) throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let run = try ProcessRunner.run(leadd, arguments(spool, state, ["--once"] + flags))
        // ArgumentParser's exit status for a validation error (EX_USAGE).
        #expect(run.exitStatus == 64, "\(run.standardError)")
        #expect(run.standardError.contains("Error: \(message)"), "\(run.standardError)")
        #expect(!FileManager.default.fileExists(atPath: spool.path + "/inbox"))
    }

    @Test("a spool and state in a folder that does not exist yet (make run on a fresh clone) are created, parents too")
    func missingParents() throws {
        let scratch = try TemporaryDirectory("fresh")
        // As `make run` does: var/spool first, then var/state, in a checkout without var/.
        let spool = scratch.path + "/var/spool"
        let state = scratch.path + "/var/state"
        let run = try ProcessRunner.run(
            leadd,
            ["run", "--once", "--spool", spool, "--state", state, "--rules", "\(root)/rules", "--settle", "0"]
        )
        #expect(run.exitStatus == 0, "\(run.standardError)")
        for folder in ["inbox", "processing", "outbox", "archive", "rejected"] {
            var info = stat()
            #expect(stat("\(spool)/\(folder)", &info) == 0 && info.st_mode & S_IFMT == S_IFDIR, "\(folder)")
        }
        #expect(FileManager.default.fileExists(atPath: state + "/assignments.sqlite"))
    }

    @Test("a second instance on the same spool refuses to start")
    func secondInstance() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let first = try ProcessRunner.start(leadd, arguments(spool, state))
        defer {
            first.kill(SIGTERM)
            _ = first.wait()
        }
        // Wait for the first to hold the lock (its pid in the lock file).
        var holder = ""
        for _ in 0..<500 where holder.isEmpty {
            holder = (try? String(contentsOfFile: spool.path + "/.leadd.lock", encoding: .utf8)) ?? ""
            usleep(10_000)
        }
        let second = try ProcessRunner.run(leadd, arguments(spool, state, ["--once"]))
        #expect(second.exitStatus == 1)
        #expect(
            second.standardError.contains("another leadd (pid \(first.pid)) is running on this spool"),
            "\(second.standardError)"
        )
    }

    @Test("a file written slowly in place is taken only once complete; SIGTERM stops the daemon cleanly")
    func slowWriter() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let daemon = try ProcessRunner.start(leadd, arguments(spool, state))
        let path = spool.path + "/inbox/slow.ndjson"
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: spool.path + "/inbox") { usleep(10_000) }
        if !FileManager.default.fileExists(atPath: path) {
            try #require(FileManager.default.createFile(atPath: path, contents: nil))
        }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        for index in 0..<15 {
            try handle.write(contentsOf: Data("{\"id\":\"S-\(index)\",\"company\":{\"employees\":10}}\n".utf8))
            usleep(80_000)
        }
        try handle.close()
        var ids: [String] = []
        for _ in 0..<1000 where ids.count < 15 {
            ids = (try? published(spool)) ?? []
            usleep(10_000)
        }
        daemon.kill(SIGTERM)
        let result = daemon.wait()
        #expect(result.exitStatus == 0, "\(result.standardError)")
        #expect(result.standardError.contains("<6>stopped"))
        #expect(ids.sorted() == (0..<15).map { "S-\($0)" }.sorted())
        // One file in, one output per route: it was not taken in pieces.
        let archived = try FileManager.default.contentsOfDirectory(atPath: spool.path + "/archive")
        #expect(archived.count == 1, "\(archived)")
    }

    @Test("a file renamed into the inbox is taken at once; one written in place waits for the settle time")
    func renamedInSkipsSettling() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        var extra = arguments(spool, state)
        extra[extra.count - 1] = "3"  // --settle 3
        let daemon = try ProcessRunner.start(leadd, extra)
        defer {
            daemon.kill(SIGTERM)
            _ = daemon.wait()
        }
        #expect(SpoolReading.waitForLock(spool.path))
        usleep(200_000)
        let started = Date()
        try spool.write("inbox/in-place.ndjson", SpoolReading.leads(["P-1"]))
        try SpoolReading.drop(spool.path, "renamed.ndjson", SpoolReading.leads(["R-1"]))
        #expect(SpoolReading.wait(seconds: 10) { try published(spool).contains("R-1") })
        let renamedAfter = Date().timeIntervalSince(started)
        #expect(renamedAfter < 2, "the renamed file took \(renamedAfter) s")
        #expect(try !published(spool).contains("P-1"))
        #expect(SpoolReading.wait(seconds: 10) { try published(spool).contains("P-1") })
        #expect(Date().timeIntervalSince(started) >= 3)
    }

    /// Waits (at most 20 s) until the outbox holds `count` leads.
    func waitForLeads(_ spool: TemporaryDirectory, _ count: Int) -> [String] {
        var ids: [String] = []
        for _ in 0..<2000 where ids.count < count {
            ids = (try? published(spool)) ?? []
            usleep(10_000)
        }
        return ids
    }

    @Test(
        "polling mode, and an inbox replaced under a watching daemon, still take every file",
        arguments: ["poll", "inotify"]
    )
    func watchModes(mode: String) throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let daemon = try ProcessRunner.start(leadd, arguments(spool, state, ["--watch", mode, "--rescan", "60"]))
        defer {
            daemon.kill(SIGTERM)
            _ = daemon.wait()
        }
        let inbox = spool.path + "/inbox"
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: spool.path + "/.leadd.lock") { usleep(10_000) }
        usleep(200_000)
        try spool.write("inbox/.one.tmp", "{\"id\":\"W-1\",\"company\":{\"employees\":10}}\n")
        try FileManager.default.moveItem(atPath: inbox + "/.one.tmp", toPath: inbox + "/one.ndjson")
        #expect(waitForLeads(spool, 1) == ["W-1"])
        // An operator removes and recreates the inbox.
        try FileManager.default.removeItem(atPath: inbox)
        try? FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        usleep(300_000)
        try spool.write("inbox/.two.tmp", "{\"id\":\"W-2\",\"company\":{\"employees\":10}}\n")
        try FileManager.default.moveItem(atPath: inbox + "/.two.tmp", toPath: inbox + "/two.ndjson")
        #expect(waitForLeads(spool, 2).sorted() == ["W-1", "W-2"])
    }
}
