import Foundation
import Glibc
import TestSupport
import Testing

/// Every kind of bad input the daemon can meet, dropped into a running `leadd run` between good files.
@Suite("leadd run: bad input", .serialized, .timeLimit(.minutes(3)))
struct BadInputTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    @Test("each bad input is quarantined in rejected/ with a sidecar naming the problem; good files keep flowing")
    func quarantine() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let outside = try TemporaryDirectory("outside")
        // As root every file is readable; the daemon then runs as nobody, so an unreadable file really is one.
        let asRoot = getuid() == 0
        for folder in [spool.path, state.path, outside.path] { chmod(folder, 0o777) }
        let run = [
            leadd, "run", "--spool", spool.path, "--state", state.path, "--rules", "\(root)/rules", "--settle", "0.2",
            "--max-file-bytes", "100000",
        ]
        let daemon =
            asRoot
            ? try ProcessRunner.start("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups"] + run)
            : try ProcessRunner.start(leadd, Array(run.dropFirst()))
        defer {
            daemon.kill(SIGTERM)
            _ = daemon.wait()
        }
        #expect(SpoolReading.waitForLock(spool.path))
        let inbox = spool.path + "/inbox"

        var good: [String] = []
        func dropGood(_ name: String) throws {
            let ids = (0..<3).map { "G\(good.count + $0)" }
            good += ids
            try SpoolReading.drop(spool.path, name, SpoolReading.leads(ids))
        }
        var random = SystemRandomNumberGenerator()
        // Random bytes after one that can start neither JSON nor UTF-8 text.
        let garbage = [0x8F] + (0..<4000).map { _ in UInt8.random(in: 0...255, using: &random) }
        // name -> what its sidecar's reason must say
        var expected: [String: String] = [:]
        func bad(_ name: String, _ reason: String, _ bytes: [UInt8]) throws {
            try outside.write(name, bytes)
            guard rename(outside.path + "/" + name, inbox + "/" + name) == 0 else {
                throw CocoaError(.fileWriteUnknown)
            }
            expected[name] = reason
        }
        try dropGood("first.ndjson")
        try bad("garbage.json", "unexpected byte 0x8f, expected a value", garbage)
        try bad("garbage.ndjson", "no record could be read as a lead", garbage)
        try bad("garbage.csv", "invalid UTF-8", garbage)
        try dropGood("with space.ndjson")
        try bad(
            "latin1.ndjson",
            "no record could be read as a lead",
            Array("{\"id\":\"L-1\",\"name\":\"M\u{FF}ller\"}\n".utf8).map { $0 == 0xC3 ? 0xFF : $0 }
        )
        try bad("empty.ndjson", "empty file", [])
        try bad("empty.json", "empty file", [])
        try bad("empty.csv", "empty file", [])
        try dropGood("ünïcödé.ndjson")
        try bad("truncated.json", "unexpected end of input", Array("[{\"id\": \"T-1\"},".utf8))
        try bad("unterminated.csv", "no record could be read as a lead", Array("id,name\n\"T-2,x\n".utf8))
        try bad("notes.txt", "unknown file type", Array("hello\n".utf8))
        try bad("huge.ndjson", "over the limit of 100000", Array(SpoolReading.leads((0..<2000).map { "H\($0)" }).utf8))
        try dropGood("new\nline.ndjson")
        // A symlink to a readable lead file elsewhere: the link is quarantined, the target never read.
        try outside.write("secret.ndjson", SpoolReading.leads(["SECRET-1"]))
        symlink(outside.path + "/secret.ndjson", inbox + "/link.ndjson")
        expected["link.ndjson"] = "symbolic link"
        mkfifo(inbox + "/fifo.ndjson", 0o666)
        expected["fifo.ndjson"] = "FIFO"
        mkdir(inbox + "/folder.json", 0o777)
        chmod(inbox + "/folder.json", 0o777)
        expected["folder.json"] = "a directory"
        try outside.write("locked.ndjson", SpoolReading.leads(["LOCKED-1"]))
        chmod(outside.path + "/locked.ndjson", 0)
        rename(outside.path + "/locked.ndjson", inbox + "/locked.ndjson")
        expected["locked.ndjson"] = "Permission denied"
        // A folder owned by root that nobody may move: it cannot be claimed, so it stays, reported once.
        if asRoot { mkdir(inbox + "/immovable.json", 0o755) }
        // A file that vanishes before it settles: nothing to do, nothing logged as lost.
        try spool.write("inbox/vanishing.ndjson", SpoolReading.leads(["V-1"]))
        unlink(inbox + "/vanishing.ndjson")
        try dropGood("last.ndjson")

        // Archived, then published (a group of small files is committed whole before its outputs are renamed into
        // the outbox): wait for both.
        let settled = SpoolReading.wait {
            SpoolReading.names(spool.path, "rejected").filter { $0.hasSuffix(".error.json") }.count >= expected.count
                && SpoolReading.names(spool.path, "archive").count >= 5
                && (try? SpoolReading.leadIDs(spool.path).count) ?? 0 >= good.count
                && SpoolReading.names(spool.path, "processing").isEmpty
        }
        let log = (try? String(contentsOfFile: daemon.errPath, encoding: .utf8)) ?? ""
        #expect(settled, "\(SpoolReading.names(spool.path, "rejected"))\n\(log)")

        let rejected = SpoolReading.names(spool.path, "rejected")
        for (name, reason) in expected {
            #expect(rejected.contains { $0.hasSuffix("--" + name) }, "\(name) is not in rejected/")
            let sidecarName = try #require(rejected.first { $0.hasSuffix("--" + name + ".error.json") }, "\(name)")
            let sidecar = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: spool.path + "/rejected/" + sidecarName))
                ) as? [String: Any]
            )
            let text = sidecar["reason"] as? String ?? ""
            #expect(text.contains(reason), "\(name): \(text)")
            #expect(sidecar["file"] as? String == name)
            #expect(sidecar["rules_version"] is String)
            #expect(sidecar.keys.contains("line") && sidecar.keys.contains("byte_offset"))
        }
        // Garbage that parses as nothing at all names where it went wrong.
        let garbageSidecar = try #require(rejected.first { $0.hasSuffix("--garbage.json.error.json") })
        let garbageObject = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: spool.path + "/rejected/" + garbageSidecar))
            ) as? [String: Any]
        )
        #expect(garbageObject["line"] is Int && garbageObject["column"] is Int)

        let ids = try SpoolReading.leadIDs(spool.path)
        #expect(ids.sorted() == good.sorted(), "\(ids)")
        #expect(!ids.contains("SECRET-1") && !ids.contains("LOCKED-1") && !ids.contains("V-1"))
        #expect(FileManager.default.fileExists(atPath: outside.path + "/secret.ndjson"))
        #expect(SpoolReading.names(spool.path, "inbox") == (asRoot ? ["immovable.json"] : []))
        if asRoot {
            usleep(1_500_000)
            let log = (try? String(contentsOfFile: daemon.errPath, encoding: .utf8)) ?? ""
            #expect(log.components(separatedBy: "cannot claim a file").count == 2, "\(log)")
        }
        #expect(SpoolReading.names(spool.path, "processing").isEmpty)
        let archived = SpoolReading.names(spool.path, "archive")
        #expect(archived.contains { $0.hasSuffix("--new\nline.ndjson") })
        #expect(archived.contains { $0.hasSuffix("--ünïcödé.ndjson") })
        #expect(archived.contains { $0.hasSuffix("--with space.ndjson") })
        // Still running.
        #expect(kill(daemon.pid, 0) == 0)
    }
}
