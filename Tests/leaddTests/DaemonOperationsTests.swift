import Foundation
import Glibc
import TestSupport
import Testing

/// Operating the real daemon: shutdown inside a large file, environment faults, the configuration file, metrics and
/// JSON logs.
@Suite("leadd run: operations", .serialized, .timeLimit(.minutes(3)))
struct DaemonOperationsTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    func arguments(_ spool: TemporaryDirectory, _ state: TemporaryDirectory, _ extra: [String] = []) -> [String] {
        ["run", "--spool", spool.path, "--state", state.path, "--rules", "\(root)/rules", "--settle", "0.1"] + extra
    }

    func log(_ process: RunningProcess) -> String {
        (try? String(contentsOfFile: process.errPath, encoding: .utf8)) ?? ""
    }

    @Test("SIGTERM inside a large file: a prompt exit, and after a restart exactly one decision per lead")
    func sigtermInsideALargeFile() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let ids = (0..<20_000).map { "BIG-\($0)" }
        try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
        let daemon = try ProcessRunner.start(leadd, arguments(spool, state))
        #expect(SpoolReading.waitForLock(spool.path))
        try SpoolReading.drop(spool.path, "big.ndjson", SpoolReading.leads(ids))
        // Claimed and under way.
        #expect(
            SpoolReading.wait { SpoolReading.names(spool.path, "processing").contains { $0.hasSuffix("--big.ndjson") } }
        )
        usleep(300_000)
        let signalled = Date()
        daemon.kill(SIGTERM)
        let result = daemon.wait()
        let took = Date().timeIntervalSince(signalled)
        #expect(result.exitStatus == 0, "\(result.standardError)")
        #expect(took < 5, "took \(took) s to stop")
        #expect(result.standardError.contains("file abandoned at shutdown"), "\(result.standardError)")
        // Nothing of the abandoned file was published.
        #expect(try SpoolReading.leadIDs(spool.path).isEmpty)
        #expect(SpoolReading.names(spool.path, "processing").contains { $0.hasSuffix("--big.ndjson") })

        let rerun = try ProcessRunner.run(leadd, arguments(spool, state, ["--once"]))
        #expect(rerun.exitStatus == 0, "\(rerun.standardError)")
        #expect(rerun.standardError.contains("recovered"))
        let published = try SpoolReading.leadIDs(spool.path)
        #expect(published.count == ids.count)
        #expect(Set(published) == Set(ids))
        #expect(SpoolReading.names(spool.path, "archive").count == 1)
        #expect(SpoolReading.names(spool.path, "processing").isEmpty)
    }

    @Test("an environment fault (a file size limit) never rejects: the file waits, and goes through once it clears")
    func environmentFaultIsRetried() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let metrics = state.path + "/leadd.prom"
        try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
        // Writes past 1 MiB fail with EFBIG (a soft limit, which the test may raise later): enough to create the
        // state, not for the decisions of 10,000 leads.
        let daemon = try ProcessRunner.start(
            "/usr/bin/prlimit",
            ["--fsize=1048576:unlimited", "--", leadd] + arguments(spool, state, ["--metrics-file", metrics])
        )
        defer {
            daemon.kill(SIGTERM)
            _ = daemon.wait()
        }
        #expect(SpoolReading.waitForLock(spool.path))
        let ids = (0..<10000).map { "F-\($0)" }
        try SpoolReading.drop(spool.path, "faulty.ndjson", SpoolReading.leads(ids))
        #expect(SpoolReading.wait { log(daemon).contains("environment fault") }, "\(log(daemon))")
        usleep(1_500_000)
        // Still waiting, not rejected, nothing published.
        #expect(SpoolReading.names(spool.path, "rejected").isEmpty)
        #expect(SpoolReading.names(spool.path, "processing").contains { $0.hasSuffix("--faulty.ndjson") })
        #expect(try SpoolReading.leadIDs(spool.path).isEmpty)
        #expect(kill(daemon.pid, 0) == 0)

        // The fault clears.
        let lift = try ProcessRunner.run("/usr/bin/prlimit", ["--pid", "\(daemon.pid)", "--fsize=unlimited"])
        #expect(lift.exitStatus == 0, "\(lift.standardError)")
        // Archived, then published: wait for both (the outputs are renamed into the outbox just after the commit).
        #expect(
            SpoolReading.wait(seconds: 90) {
                let archived = SpoolReading.names(spool.path, "archive").count == 1
                let published = try SpoolReading.leadIDs(spool.path).count
                return archived && published == ids.count
            },
            "\(log(daemon))"
        )
        let published = try SpoolReading.leadIDs(spool.path)
        #expect(published.count == ids.count)
        #expect(Set(published) == Set(ids))
        #expect(SpoolReading.names(spool.path, "rejected").isEmpty)
        // The daemon writes its metrics as it stops (not only every 15 s): they count the file and the fault.
        daemon.kill(SIGTERM)
        #expect(daemon.wait().exitStatus == 0, "\(log(daemon))")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("leadd_files_processed_total{result=\"archived\"} 1"), "\(text)")
        let faults = text.split(separator: "\n").first { $0.hasPrefix("leadd_environment_faults_total ") }
        #expect(faults.flatMap { Double($0.split(separator: " ")[1]) } ?? 0 >= 1, "\(text)")
    }

    @Test("a configuration file sets everything, relative to its folder; flags override it; mistakes are positioned")
    func configurationFile() throws {
        let folder = try TemporaryDirectory("config")
        try FileManager.default.createDirectory(atPath: folder.path + "/spool/inbox", withIntermediateDirectories: true)
        try folder.write(
            "leadd.yaml",
            """
            # every key is optional
            spool: spool
            rules: \(root)/rules
            state: state
            workers: 1
            inbox:
              settle: 50ms
              max_file_size: 1KiB
            log:
              format: json
            metrics:
              file: leadd.prom
            """
        )
        try folder.write("spool/inbox/small.ndjson", SpoolReading.leads(["C-1"]))
        try folder.write("spool/inbox/large.ndjson", SpoolReading.leads((0..<40).map { "L-\($0)" }))
        let elsewhere = try TemporaryDirectory("cwd")
        let run = try ProcessRunner.run(leadd, ["run", "--config", folder.path + "/leadd.yaml", "--once"])
        _ = elsewhere
        #expect(run.exitStatus == 0, "\(run.standardError)")
        #expect(try SpoolReading.leadIDs(folder.path + "/spool") == ["C-1"])
        #expect(
            SpoolReading.names(folder.path + "/spool", "rejected").contains {
                $0.hasSuffix("--large.ndjson.error.json")
            }
        )
        #expect(FileManager.default.fileExists(atPath: folder.path + "/state/assignments.sqlite"))
        #expect(FileManager.default.fileExists(atPath: folder.path + "/leadd.prom"))
        // Every log line is a JSON object with a priority and a message.
        for line in run.standardError.split(separator: "\n") {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                "\(line)"
            )
            #expect(object["priority"] is Int && object["message"] is String && object["time"] is String)
        }
        #expect(run.standardError.contains("\"message\":\"file rejected\""))

        // A flag wins over the file.
        let other = try TemporaryDirectory("spool")
        try FileManager.default.createDirectory(atPath: other.path + "/inbox", withIntermediateDirectories: true)
        try other.write("inbox/one.ndjson", SpoolReading.leads(["O-1"]))
        let overridden = try ProcessRunner.run(
            leadd,
            ["run", "--config", folder.path + "/leadd.yaml", "--spool", other.path, "--log-format", "text", "--once"]
        )
        #expect(overridden.exitStatus == 0, "\(overridden.standardError)")
        #expect(try SpoolReading.leadIDs(other.path) == ["O-1"])
        #expect(overridden.standardError.hasPrefix("<6>started"))

        // Mistakes: each at its line and column, all at once, and the daemon does not start.
        try folder.write(
            "bad.yaml",
            """
            spool: spool
            wrokers: 2
            inbox:
              settle: soon
              max_file_size: -3
              watch: fanotify
            log: {format: xml}
            """
        )
        let bad = try ProcessRunner.run(leadd, ["run", "--config", folder.path + "/bad.yaml", "--once"])
        #expect(bad.exitStatus == 1)
        let path = folder.path + "/bad.yaml"
        for expected in [
            "\(path):2:1: error: unknown key 'wrokers' (did you mean 'workers'?)",
            "\(path):4:11: error: expected a duration such as 500ms, 2s or 1m, found 'soon'",
            "\(path):5:18: error: expected a size such as 512MiB or 2GiB, found '-3'",
            "\(path):6:10: error: expected one of auto, inotify, poll, found 'fanotify'",
            "\(path):7:15: error: expected one of text, json, found 'xml'",
        ] {
            #expect(bad.standardError.contains(expected), "\(bad.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/spool/.leadd.lock") || true)
    }

    @Test("the metrics file counts files and leads by result, matching the outbox and rejected/")
    func metricsMatchTheSpool() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let metrics = state.path + "/leadd.prom"
        try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(root)/examples/leads") {
            try FileManager.default.copyItem(
                atPath: "\(root)/examples/leads/\(name)",
                toPath: "\(spool.path)/inbox/\(name)"
            )
        }
        try spool.write("inbox/mixed.ndjson", "{\"id\":\"M-1\",\"source\":\"web_form\"}\nnot json\n")
        try spool.write("inbox/broken.json", "[{\"id\": \"B-1\"},")
        let run = try ProcessRunner.run(leadd, arguments(spool, state, ["--once", "--metrics-file", metrics]))
        #expect(run.exitStatus == 0, "\(run.standardError)")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        func value(_ series: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap {
                Double($0.split(separator: " ").last ?? "")
            }
        }
        let archived = SpoolReading.names(spool.path, "archive").count
        #expect(value("leadd_files_processed_total{result=\"archived\"}") == Double(archived))
        #expect(value("leadd_files_processed_total{result=\"rejected\"}") == 1)
        var byRoute: [String: Int] = [:]
        for decision in try SpoolReading.decisions(spool.path) {
            byRoute[decision["route"] as? String ?? "", default: 0] += 1
        }
        for (route, count) in byRoute {
            #expect(value("leadd_leads_processed_total{result=\"\(route)\"}") == Double(count), "\(route)")
        }
        #expect(value("leadd_leads_processed_total{result=\"rejected\"}") == 1)
        #expect(value("leadd_file_processing_duration_seconds_count") == Double(archived + 1))
        #expect(value("leadd_files_in_flight") == 0)
        #expect(value("leadd_inbox_files") == 0)
        #expect(text.contains("leadd_rules_info{version=\""))
        #expect(value("leadd_rules_last_reload_successful") == 1)
        // Written atomically: no temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test("files present before start and files arriving while it starts are each processed once")
    func filesDuringStart() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
        var expected: [String] = []
        for index in 0..<50 {
            expected.append("PRE-\(index)")
            try SpoolReading.drop(spool.path, "pre-\(index).ndjson", SpoolReading.leads(["PRE-\(index)"]))
        }
        // A producer drops a file every 2 ms from before the daemon starts until well after it is ready.
        let producer = Thread {
            for index in 0..<300 {
                try? SpoolReading.drop(spool.path, "during-\(index).ndjson", SpoolReading.leads(["DURING-\(index)"]))
                usleep(2_000)
            }
        }
        expected += (0..<300).map { "DURING-\($0)" }
        producer.start()
        let daemon = try ProcessRunner.start(leadd, arguments(spool, state))
        defer {
            daemon.kill(SIGTERM)
            _ = daemon.wait()
        }
        let all = SpoolReading.wait(seconds: 60) { try SpoolReading.leadIDs(spool.path).count >= expected.count }
        #expect(all, "\((try? SpoolReading.leadIDs(spool.path).count) ?? 0) of \(expected.count)")
        usleep(300_000)
        let ids = try SpoolReading.leadIDs(spool.path)
        #expect(ids.count == expected.count)
        #expect(Set(ids) == Set(expected))
        #expect(SpoolReading.names(spool.path, "inbox").isEmpty)
        #expect(SpoolReading.names(spool.path, "archive").count == expected.count)
    }

    @Test("a spool folder on another file system is refused at start with a clear message")
    func oneFileSystem() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        try FileManager.default.createDirectory(atPath: spool.path + "/outbox", withIntermediateDirectories: true)
        // A tmpfs on outbox/, in a mount namespace of its own (a user namespace too when not root).
        let namespace = getuid() == 0 ? ["-m"] : ["-U", "-r", "-m"]
        let script =
            "mount -t tmpfs none '\(spool.path)/outbox' && exec '\(leadd)' run --once --spool '\(spool.path)' "
            + "--state '\(state.path)' --rules '\(root)/rules'"
        let result = try ProcessRunner.run("/usr/bin/unshare", namespace + ["/bin/sh", "-c", script])
        #expect(result.exitStatus == 1)
        #expect(
            result.standardError.contains(
                "\(spool.path)/outbox is on another file system than the spool; every spool folder must be on one "
                    + "file system"
            ),
            "\(result.standardError)"
        )
    }
}
