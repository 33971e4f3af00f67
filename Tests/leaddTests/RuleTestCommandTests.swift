import Foundation
import Glibc
import TestSupport
import Testing

/// `leadd test` as operators and CI run it, and the daemon's reload gate.
@Suite("leadd test and the reload gate", .serialized, .timeLimit(.minutes(3)))
struct RuleTestCommandTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    static let passingTest = """
        version: 1
        now: 2026-11-18T12:00:00Z
        cases:
          - name: a big VP who asked for a demo is an SQL
            lead:
              id: L-1
              contact: {email: pat@bigco.com, title: VP Sales}
              company: {employees: 2000, country: US}
              events: [{type: demo_request, at: -2d}]
            expect: {stage: sql, score: 95}
          - name: a small company is nurtured
            lead: {company: {employees: 5}}
            expect: {stage: nurture, fired: []}
        """

    @Test("the shipped rules pass their shipped tests, and every shipped rule is fired by some case")
    func shipped() throws {
        let result = try ProcessRunner.run(leadd, ["test", "--rules", root + "/rules"])
        #expect(result.exitStatus == 0, "\(result.standardOutput)\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.last?.hasSuffix(" passed, 0 failed") == true)
        #expect(lines.contains { $0.hasPrefix("coverage: 31 of 31 rules") }, "\(result.standardOutput)")
    }

    @Test("failures exit 1; text, json and junit (read by junitparser) say the same")
    func formats() throws {
        let failing =
            Self.passingTest.replacingOccurrences(
                of: "expect: {stage: sql, score: 95}",
                with: "expect: {stage: mql, score: 95}"
            )
            + "\n  - name: names a rule that does not exist\n    lead: {company: {employees: 5}}\n    expect: {fired: [fit.huge]}\n"
        let rules = try SmallRules.directory(tests: ["cases.yaml": failing])
        let text = try ProcessRunner.run(leadd, ["test", "--rules", rules.path])
        #expect(text.exitStatus == 1)
        #expect(
            text.standardOutput.contains(
                "FAIL \(rules.path)/tests/cases.yaml:4: a big VP who asked for a demo is an SQL\n  stage (line 10): expected mql, got sql\n"
            )
        )
        #expect(
            text.standardOutput.contains(
                "no rule named 'fit.huge' (the rules are: dq.gmail, engage.demo, engage.webinar-fan, fit.big, fit.senior, fit.us)"
            )
        )
        #expect(text.standardOutput.hasSuffix("1 passed, 2 failed\n"))

        let json = try ProcessRunner.run(leadd, ["test", "--rules", rules.path, "--format", "json"])
        #expect(json.exitStatus == 1)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        )
        #expect(report["passed"] as? Int == 1)
        #expect(report["failed"] as? Int == 2)
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.map { $0["status"] as? String } == ["failed", "passed", "error"])

        let scratch = try TemporaryDirectory("junit")
        let xmlPath = scratch.path + "/rules.xml"
        let junit = try ProcessRunner.run(
            leadd,
            ["test", "--rules", rules.path, "--format", "junit"],
            stdoutPath: xmlPath
        )
        #expect(junit.exitStatus == 1)
        let script = """
            import sys
            from junitparser import JUnitXml, Failure, Error
            xml = JUnitXml.fromfile(sys.argv[1])
            for suite in xml:
                for case in suite:
                    kinds = [type(r).__name__ for r in case.result]
                    print(suite.name.split('/')[-1], case.name, ','.join(kinds) or 'passed', case.result[0].message if case.result else '')
            print('totals', xml.tests, xml.failures, xml.errors)
            """
        let parsed = try ProcessRunner.run("/usr/bin/python3", ["-c", script, xmlPath])
        #expect(parsed.exitStatus == 0, "\(parsed.standardError)")
        #expect(
            parsed.standardOutput.split(separator: "\n") == [
                "cases.yaml a big VP who asked for a demo is an SQL Failure stage: expected mql, got sql",
                "cases.yaml a small company is nurtured passed ",
                "cases.yaml names a rule that does not exist Error no rule named 'fit.huge' (the rules are: dq.gmail, engage.demo, engage.webinar-fan, fit.big, fit.senior, fit.us)",
                "totals 3 1 1",
            ]
        )
    }

    @Test("the daemon runs a candidate's tests before using it: failing tests keep the running rules, the fix is used")
    func reloadGate() throws {
        let rules = try SmallRules.directory(tests: ["cases.yaml": Self.passingTest])
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
        #expect(SpoolReading.waitForLog(daemon, "watching the inbox"))
        let first = try #require(try ReloadGate.version(spool: spool, lead: "G-1"))

        // An edit that breaks a tested expectation: 7 days becomes 1, so the demo two days ago no longer counts.
        let engagement = rules.path + "/engagement.yaml"
        let original = try String(contentsOfFile: engagement, encoding: .utf8)
        try original.replacingOccurrences(of: "within 7d", with: "within 1d").write(
            toFile: engagement,
            atomically: true,
            encoding: .utf8
        )
        #expect(SpoolReading.waitForLog(daemon, "new rules fail their tests, keeping the running rules"))
        #expect(
            SpoolReading.waitForLog(
                daemon,
                "tests/cases.yaml:4: a big VP who asked for a demo is an SQL: stage expected sql, got mql"
            )
        )
        let reload = try String(contentsOfFile: state.path + "/reload.json", encoding: .utf8)
        #expect(reload.contains("\"success\":false"))
        #expect(try ReloadGate.version(spool: spool, lead: "G-2") == first)

        // The operator agrees with the change and updates the test: the new rules go live.
        try Self.passingTest.replacingOccurrences(
            of: "expect: {stage: sql, score: 95}",
            with: "expect: {stage: mql, score: 55}"
        )
        .write(toFile: rules.path + "/tests/cases.yaml", atomically: true, encoding: .utf8)
        #expect(SpoolReading.waitForLog(daemon, "rules reloaded"))
        let third = try #require(try ReloadGate.version(spool: spool, lead: "G-3"))
        #expect(third != first)
    }

    @Test(
        "at start, rules failing their tests run the last good copy, or refuse to start without one; the gate can be off"
    )
    func startGate() throws {
        let failing = Self.passingTest.replacingOccurrences(
            of: "expect: {stage: sql, score: 95}",
            with: "expect: {stage: mql}"
        )
        let rules = try SmallRules.directory(tests: ["cases.yaml": failing])
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let refused = try ProcessRunner.run(
            leadd,
            ["run", "--once", "--spool", spool.path, "--state", state.path, "--rules", rules.path]
        )
        #expect(refused.exitStatus != 0)
        #expect(refused.standardError.contains("fail their tests (1 rule test failed), and there is no last good copy"))
        #expect(refused.standardError.contains("stage (line 10): expected mql, got sql"))

        // With the gate off in the configuration, the same rules run.
        let config = try TemporaryDirectory("config")
        let file = try config.write("leadd.yaml", "reload:\n  require_tests: false\n")
        try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
        try spool.write("inbox/one.ndjson", "{\"id\":\"S-1\",\"company\":{\"employees\":5}}\n")
        let ran = try ProcessRunner.run(
            leadd,
            ["run", "--once", "--config", file, "--spool", spool.path, "--state", state.path, "--rules", rules.path]
        )
        #expect(ran.exitStatus == 0, "\(ran.standardError)")
        #expect(try SpoolReading.leadIDs(spool.path) == ["S-1"])

        // Now there is a last good copy: with the gate on, the daemon runs it, loudly.
        try spool.write("inbox/two.ndjson", "{\"id\":\"S-2\",\"company\":{\"employees\":5}}\n")
        let fallback = try ProcessRunner.run(
            leadd,
            ["run", "--once", "--spool", spool.path, "--state", state.path, "--rules", rules.path]
        )
        #expect(fallback.exitStatus == 0, "\(fallback.standardError)")
        #expect(
            fallback.standardError.contains("rules fail their tests; running the last good rules until they are fixed")
        )
        #expect(try SpoolReading.leadIDs(spool.path).sorted() == ["S-1", "S-2"])
    }
}

enum ReloadGate {
    /// Drops one lead and waits for its decision; the rules version it was decided with.
    static func version(spool: TemporaryDirectory, lead: String) throws -> String? {
        try spool.write("inbox/.\(lead).tmp", "{\"id\":\"\(lead)\",\"company\":{\"employees\":10}}\n")
        rename(spool.path + "/inbox/.\(lead).tmp", spool.path + "/inbox/\(lead).ndjson")
        var version: String?
        SpoolReading.wait {
            version =
                try SpoolReading.decisions(spool.path).first { $0["lead"] as? String == lead }?["rules_version"]
                as? String
            return version != nil
        }
        return version
    }
}
