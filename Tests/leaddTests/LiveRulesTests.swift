import Foundation
import Glibc
import TestSupport
import Testing

/// Rules edited under a running `leadd run`: every editor's way of saving takes effect, a broken edit keeps the
/// running rules, the fix takes effect, and SIGHUP reloads.
@Suite("live rules", .serialized, .timeLimit(.minutes(3)))
struct LiveRulesTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    /// The rules version of every decision in the outbox, by lead id.
    func versions(_ spool: TemporaryDirectory) throws -> [String: String] {
        var result: [String: String] = [:]
        for decision in try SpoolReading.decisions(spool.path) {
            result[try #require(decision["lead"] as? String)] = decision["rules_version"] as? String
        }
        return result
    }

    /// Drops one lead and waits (at most 20 s) for its decision; returns the rules version it was decided with.
    func decide(_ id: String, _ spool: TemporaryDirectory) throws -> String? {
        try spool.write("inbox/.\(id).tmp", "{\"id\":\"\(id)\",\"company\":{\"employees\":10}}\n")
        try FileManager.default.moveItem(
            atPath: "\(spool.path)/inbox/.\(id).tmp",
            toPath: "\(spool.path)/inbox/\(id).ndjson"
        )
        for _ in 0..<2000 {
            if let version = try versions(spool)[id] { return version }
            usleep(10_000)
        }
        return nil
    }

    @Test("each editor style takes effect; a broken edit keeps the running rules; the fix and SIGHUP reload")
    func edits() throws {
        let rules = try TemporaryDirectory("rules")
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(root)/rules") {
            try FileManager.default.copyItem(atPath: "\(root)/rules/\(name)", toPath: "\(rules.path)/\(name)")
        }
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let daemon = try ProcessRunner.start(
            leadd,
            ["run", "--spool", spool.path, "--state", state.path, "--rules", rules.path, "--settle", "0.1"]
        )
        defer {
            daemon.kill(SIGTERM)
            _ = daemon.wait()
        }
        for _ in 0..<2000 where !FileManager.default.fileExists(atPath: spool.path + "/.leadd.lock") { usleep(10_000) }
        #expect(SpoolReading.waitForLog(daemon, "watching the inbox", count: 1))
        let file = rules.path + "/demographics.yaml"
        let original = try String(contentsOfFile: file, encoding: .utf8)
        var seen: Set<String> = []
        let first = try #require(try decide("E-0", spool))
        seen.insert(first)
        func edited(_ points: Int) -> String {
            original.replacingOccurrences(
                of: "description: Enterprise-size company",
                with: "description: Enterprise-size company \(points)"
            )
        }
        // 1. Rename over the file (vim, most IDEs).
        try edited(1).write(toFile: rules.path + "/.demographics.yaml.swp", atomically: false, encoding: .utf8)
        rename(rules.path + "/.demographics.yaml.swp", file)
        #expect(SpoolReading.waitForLog(daemon, "rules reloaded", count: 1))
        let second = try #require(try decide("E-1", spool))
        #expect(!seen.contains(second))
        seen.insert(second)
        // 2. Truncate and write in place (nano, echo >).
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(edited(2).utf8))
        try handle.close()
        #expect(SpoolReading.waitForLog(daemon, "rules reloaded", count: 2))
        let third = try #require(try decide("E-2", spool))
        #expect(!seen.contains(third))
        seen.insert(third)
        // 3. Delete, then create.
        try FileManager.default.removeItem(atPath: file)
        try edited(3).write(toFile: file, atomically: false, encoding: .utf8)
        #expect(SpoolReading.waitForLog(daemon, "rules reloaded", count: 3))
        let fourth = try #require(try decide("E-3", spool))
        #expect(!seen.contains(fourth))
        seen.insert(fourth)
        // A broken edit: reported with its position, the running rules stay.
        try (edited(4) + "\nrules: [oops\n").write(toFile: file, atomically: false, encoding: .utf8)
        #expect(SpoolReading.waitForLog(daemon, "rules reload failed, keeping the running rules", count: 1))
        #expect(try decide("E-4", spool) == fourth)
        let log = try String(contentsOfFile: daemon.errPath, encoding: .utf8)
        #expect(log.contains("demographics.yaml:"), "\(log)")
        // The fix takes effect.
        try edited(5).write(toFile: file, atomically: false, encoding: .utf8)
        #expect(SpoolReading.waitForLog(daemon, "rules reloaded", count: 4))
        let fixed = try #require(try decide("E-5", spool))
        #expect(!seen.contains(fixed))
        // SIGHUP reloads on demand.
        daemon.kill(SIGHUP)
        #expect(SpoolReading.waitForLog(daemon, "trigger=SIGHUP", count: 1))
    }

    @Test("a reload reads the CSV mapping again; a broken mapping keeps the running rules and mapping")
    func mappingReload() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let mapping = try spool.write(
            "crm-mapping.yaml",
            Array("version: 1\ncolumns:\n  Email: {field: contact.email}\n".utf8)
        )
        let daemon = try ProcessRunner.start(
            leadd,
            [
                "run", "--spool", spool.path, "--state", state.path, "--rules", "\(root)/rules", "--settle", "0.1",
                "--csv-mapping", mapping,
            ]
        )
        defer {
            daemon.kill(SIGTERM)
            _ = daemon.wait()
        }
        #expect(SpoolReading.waitForLock(spool.path))
        #expect(SpoolReading.waitForLog(daemon, "watching the inbox", count: 1))
        /// Drops a CRM export with one lead; whether the rules saw its headcount (fit.enterprise fired).
        func enterprise(_ id: String) throws -> Bool? {
            try SpoolReading.drop(spool.path, "\(id).csv", "id,Email,Headcount\n\(id),ana@acme.example,5000\n")
            var fired: Bool?
            SpoolReading.wait {
                guard
                    let decision = try SpoolReading.decisions(spool.path).first(where: { $0["lead"] as? String == id })
                else { return false }
                let rules = (decision["rules"] as? [[String: Any]]) ?? []
                fired = rules.contains { $0["id"] as? String == "fit.enterprise" }
                return true
            }
            return fired
        }
        let reload = ["reload", "--spool", spool.path, "--state", state.path, "--timeout", "20"]
        #expect(try enterprise("C-1") == false)
        // The headcount mapped, then a reload: the next file's leads have it.
        try
            "version: 1\ncolumns:\n  Email: {field: contact.email}\n  Headcount: {field: company.employees, type: integer}\n"
            .write(toFile: mapping, atomically: true, encoding: .utf8)
        let reloaded = try ProcessRunner.run(leadd, reload)
        #expect(reloaded.exitStatus == 0, "\(reloaded.standardError)")
        #expect(try enterprise("C-2") == true)
        // A broken mapping: the reload fails with its error, and the running mapping stays.
        try "version: 1\ncolumns:\n  Headcount: {field: company.employees, type: int}\n"
            .write(toFile: mapping, atomically: true, encoding: .utf8)
        let failed = try ProcessRunner.run(leadd, reload)
        #expect(failed.exitStatus == 1)
        #expect(
            (failed.standardOutput + failed.standardError).contains("crm-mapping.yaml:3:47: error: unknown type 'int'"),
            "\(failed.standardOutput)\(failed.standardError)"
        )
        #expect(SpoolReading.waitForLog(daemon, "the CSV mapping does not load, keeping the running rules and mapping"))
        #expect(try enterprise("C-3") == true)
    }

    @Test("a restart with broken rules runs on the last good rules, loudly; without any, it refuses to start")
    func lastGood() throws {
        let rules = try TemporaryDirectory("rules")
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(root)/rules") {
            try FileManager.default.copyItem(atPath: "\(root)/rules/\(name)", toPath: "\(rules.path)/\(name)")
        }
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let arguments = ["run", "--once", "--spool", spool.path, "--state", state.path, "--rules", rules.path]
        let good = try ProcessRunner.run(leadd, arguments)
        #expect(good.exitStatus == 0, "\(good.standardError)")
        #expect(FileManager.default.fileExists(atPath: state.path + "/rules-last-good/demographics.yaml"))
        #expect(FileManager.default.fileExists(atPath: state.path + "/rules-last-good/lists/free-mail-domains.txt"))
        let goodVersion = try #require(
            good.standardError.split(separator: " ").first { $0.hasPrefix("rules_version=") }
        )
        try "version: 1\nrules: [oops\n".write(
            toFile: rules.path + "/demographics.yaml",
            atomically: false,
            encoding: .utf8
        )
        try spool.write("inbox/one.ndjson", "{\"id\":\"G-1\",\"company\":{\"employees\":10}}\n")
        let broken = try ProcessRunner.run(leadd, arguments)
        #expect(broken.exitStatus == 0, "\(broken.standardError)")
        #expect(broken.standardError.contains("demographics.yaml:2:"), "\(broken.standardError)")
        #expect(
            broken.standardError.contains("<2>rules do not compile; running the last good rules until they are fixed")
        )
        #expect(broken.standardError.contains(String(goodVersion)))
        #expect(broken.standardError.contains("file processed"))
        // No last good copy: refuse to start.
        let fresh = try TemporaryDirectory("state")
        let refused = try ProcessRunner.run(
            leadd,
            ["run", "--once", "--spool", spool.path, "--state", fresh.path, "--rules", rules.path]
        )
        #expect(refused.exitStatus == 1)
    }
}
