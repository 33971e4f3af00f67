import Foundation
import Glibc
import TestSupport
import Testing

/// docs/changing-rules.md's edit-check-test-replay-reload script, run as written against a real daemon that has
/// decided the shipped example leads.
@Suite("changing rules workflow", .serialized, .timeLimit(.minutes(3)))
struct WorkflowDocumentTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    /// The `sh workflow` block of a document.
    static func script(_ document: String) throws -> String {
        let text = try String(contentsOfFile: document, encoding: .utf8)
        let start = try #require(text.range(of: "```sh workflow\n"))
        let end = try #require(text.range(of: "\n```\n", range: start.upperBound..<text.endIndex))
        return String(text[start.upperBound..<end.lowerBound])
    }

    @Test("the workflow runs as documented: the test catches the change, replay shows it, reload puts it live")
    func workflow() throws {
        let sandbox = try TemporaryDirectory("workflow")
        let rules = sandbox.path + "/rules"
        try FileManager.default.copyItem(atPath: root + "/rules", toPath: rules)
        let config = try sandbox.write(
            "leadd.yaml",
            "spool: spool\nstate: state\nrules: rules\ninbox: {settle: 100ms}\n"
        )
        let daemon = try ProcessRunner.start(leadd, ["run", "--config", config])
        defer {
            daemon.kill(SIGTERM)
            _ = daemon.wait()
        }
        let spool = sandbox.path + "/spool"
        #expect(SpoolReading.wait { FileManager.default.fileExists(atPath: spool + "/.leadd.lock") })
        let examples = try FileManager.default.contentsOfDirectory(atPath: root + "/examples/leads")
        for name in examples {
            try FileManager.default.copyItem(
                atPath: "\(root)/examples/leads/\(name)",
                toPath: "\(spool)/inbox/.\(name)"
            )
            rename("\(spool)/inbox/.\(name)", "\(spool)/inbox/\(name)")
        }
        // Archived and published: the staging folders in processing/ are gone once the outputs are in the outbox.
        #expect(
            SpoolReading.wait {
                SpoolReading.names(spool, "archive").count == examples.count
                    && SpoolReading.names(spool, "processing").isEmpty
            }
        )
        let before = try SpoolReading.decisions(spool)
        let oldVersion = try #require(before.first?["rules_version"] as? String)

        let script = try Self.script(root + "/docs/changing-rules.md")
        let binFolder = (leadd as NSString).deletingLastPathComponent
        let result = try ProcessRunner.run(
            "/usr/bin/env",
            [
                "PATH=\(binFolder):/usr/bin:/bin", "RULES=\(rules)", "CONFIG=\(config)",
                "CANDIDATE=\(sandbox.path)/rules-candidate", "HOME=\(sandbox.path)", "bash", "-euo", "pipefail", "-c",
                "cd '\(sandbox.path)'\n" + script,
            ]
        )
        let output = result.standardOutput
        #expect(result.exitStatus == 0, "\(output)\n\(result.standardError)")
        let check = try ProcessRunner.run(leadd, ["check", "--rules", sandbox.path + "/rules-candidate"])
        let newVersion = try #require(check.standardOutput.split(separator: " ").last.map { String($0.dropLast()) })
        #expect(newVersion != oldVersion)
        // The test caught the change, and passed once it was updated.
        #expect(output.contains("stage (line 143): expected mql, got nurture"))
        #expect(output.contains("leadd test: a case failed (exit status 1)"))
        #expect(output.contains("14 passed, 1 failed"))
        #expect(output.contains("15 passed, 0 failed"))
        // The replay read the daemon's archive.
        #expect(output.contains("replayed \(before.count) leads from \(examples.count) files"))
        #expect(output.contains("current rules \(oldVersion) -> candidate rules \(newVersion)"))
        // The reload put the candidate live.
        #expect(output.contains("rules reloaded: version \(newVersion)"))
        try FileManager.default.copyItem(
            atPath: root + "/examples/leads/web-form.json",
            toPath: spool + "/inbox/.again.json"
        )
        rename(spool + "/inbox/.again.json", spool + "/inbox/again.json")
        #expect(
            SpoolReading.wait {
                try SpoolReading.decisions(spool).contains { $0["rules_version"] as? String == newVersion }
            }
        )
    }
}
