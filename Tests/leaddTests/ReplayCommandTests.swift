import Foundation
import Glibc
import TestSupport
import Testing

/// `leadd replay` on an archive the real daemon made: leads whose fate under the candidate rules is known in advance,
/// so every transition count is known before the replay runs.
@Suite("what-if replay", .serialized, .timeLimit(.minutes(3)))
struct ReplayCommandTests {
    let leadd = ProcessRunner.leadd

    /// The candidate: the demo window grows from 7 to 14 days, and a US company is worth 15 points instead of 5.
    static var candidateFiles: [String: String] {
        var files = SmallRules.files
        files["engagement.yaml"] = files["engagement.yaml", default: ""].replacingOccurrences(
            of: "within 7d",
            with: "within 14d"
        )
        files["fit.yaml"] = files["fit.yaml", default: ""].replacingOccurrences(
            of: "when: company.country == \"US\"\n    points: 5",
            with: "when: company.country == \"US\"\n    points: 15"
        )
        files["assignment.yaml"] = SmallRules.assignment
        return files
    }

    /// One lead of a group, with its events `daysAgo` before `now`.
    static func lead(
        _ id: String,
        employees: Int,
        title: String,
        country: String,
        email: String,
        demoDaysAgo: Double?,
        now: Double
    )
        -> String
    {
        var events = "[]"
        if let demoDaysAgo {
            let date = Date(timeIntervalSince1970: now - demoDaysAgo * 86400)
            events = "[{\"type\":\"demo_request\",\"at\":\"\(ISO8601DateFormatter().string(from: date))\"}]"
        }
        return """
            {"id":"\(id)","contact":{"email":"\(email)","title":"\(title)"},"company":{"employees":\(employees),"country":"\(country)"},"events":\(events)}
            """
    }

    @Test("transition matrices, score shift, drivers and owner changes match what the candidate changes")
    func knownTransitions() throws {
        let current = try SmallRules.directory(
            rules: SmallRules.files.merging(["assignment.yaml": SmallRules.assignment]) { $1 }
        )
        let candidate = try SmallRules.directory(rules: Self.candidateFiles)
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let now = Date().timeIntervalSince1970
        // A: big US VP, demo 10 days ago: mql (55) -> sql (105).      B: small US company: nurture 5 -> 15.
        // C: small German VP, demo 2 days ago: mql 60, unchanged.     D: big US VP on gmail: disqualified both ways.
        // E (a later file): mid-size US VP, demo 10 days ago: nurture (25) -> sql (75).
        var first: [String] = []
        for index in 0..<30 {
            first.append(
                Self.lead(
                    "A-\(index)",
                    employees: 2000,
                    title: "VP Sales",
                    country: "US",
                    email: "a\(index)@big.com",
                    demoDaysAgo: 10,
                    now: now
                )
            )
            if index < 20 {
                first.append(
                    Self.lead(
                        "B-\(index)",
                        employees: 10,
                        title: "",
                        country: "US",
                        email: "b\(index)@small.com",
                        demoDaysAgo: nil,
                        now: now
                    )
                )
            }
            if index < 25 {
                first.append(
                    Self.lead(
                        "C-\(index)",
                        employees: 10,
                        title: "VP",
                        country: "DE",
                        email: "c\(index)@klein.de",
                        demoDaysAgo: 2,
                        now: now
                    )
                )
            }
            if index < 10 {
                first.append(
                    Self.lead(
                        "D-\(index)",
                        employees: 2000,
                        title: "VP",
                        country: "US",
                        email: "d\(index)@gmail.com",
                        demoDaysAgo: 1,
                        now: now
                    )
                )
            }
        }
        let second = (0..<15).map {
            Self.lead(
                "E-\($0)",
                employees: 500,
                title: "VP Marketing",
                country: "US",
                email: "e\($0)@mid.com",
                demoDaysAgo: 10,
                now: now
            )
        }
        func runOnce() throws {
            let result = try ProcessRunner.run(
                leadd,
                ["run", "--once", "--spool", spool.path, "--state", state.path, "--rules", current.path]
            )
            #expect(result.exitStatus == 0, "\(result.standardError)")
        }
        try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
        try spool.write("inbox/first.ndjson", first.joined(separator: "\n") + "\n")
        try runOnce()
        // The second file is claimed in a later second, so --since can tell them apart.
        usleep(1_100_000)
        try spool.write("inbox/second.ndjson", second.joined(separator: "\n") + "\n")
        try runOnce()
        let archived = SpoolReading.names(spool.path, "archive")
        #expect(archived.count == 2)

        // The daemon's own decisions: what the replay's "current" side must reproduce.
        var daemonStages: [String: Int] = [:]
        for decision in try SpoolReading.decisions(spool.path) {
            daemonStages[decision["stage"] as? String ?? "?", default: 0] += 1
        }
        #expect(daemonStages == ["mql": 55, "nurture": 35, "disqualified": 10])

        let stateBefore = try Self.stateFiles(state.path)
        let result = try ProcessRunner.run(
            leadd,
            [
                "replay", "--candidate", candidate.path, "--rules", current.path, "--spool", spool.path, "--format",
                "json",
            ]
        )
        #expect(result.exitStatus == 0, "\(result.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        func pairs(_ key: String) -> [String: Int] {
            var result: [String: Int] = [:]
            for item in report[key] as? [[String: Any]] ?? [] {
                result["\(item["from"]!) -> \(item["to"]!)"] = item["leads"] as? Int
            }
            return result
        }
        #expect(report["leads"] as? Int == 100)
        #expect(report["files"] as? Int == 2)
        #expect(
            pairs("stages") == [
                "mql -> sql": 30, "nurture -> nurture": 20, "mql -> mql": 25, "disqualified -> disqualified": 10,
                "nurture -> sql": 15,
            ]
        )
        #expect(
            pairs("routes") == [
                "sales -> sales": 55, "nurture -> nurture": 20, "trash -> trash": 10, "nurture -> sales": 15,
            ]
        )
        #expect(report["stage_changes"] as? Int == 45)
        #expect(report["route_changes"] as? Int == 15)
        #expect(report["changed_leads"] as? Int == 75)
        let shift = try #require(report["score_shift"] as? [String: Any])
        #expect(shift["mean"] as? Double == 25.5)
        #expect(shift["p50"] as? Double == 10)
        #expect(shift["p5"] as? Double == 0)
        #expect(shift["p95"] as? Double == 50)
        let drivers = try #require(report["drivers"] as? [[String: Any]])
        #expect(drivers.map { $0["rule"] as? String } == ["fit.us", "engage.demo"])
        let demo = try #require(drivers.last)
        #expect(demo["gained"] as? Int == 45)
        #expect(demo["lost"] as? Int == 0)
        #expect(demo["points_changed"] as? Int == 0)
        #expect(demo["in_changed_outcomes"] as? Int == 45)
        let us = try #require(drivers.first)
        #expect(us["gained"] as? Int == 0)
        #expect(us["points_changed"] as? Int == 75)
        #expect(us["in_changed_outcomes"] as? Int == 45)
        // Leads of the first file are assigned in the same order under both rule sets; the later file's E leads
        // get owners only under the candidate.
        #expect(report["owner_changes"] as? Int == 15)
        #expect(pairs("teams") == ["sales -> sales": 55, "- -> sales": 15])
        let samples = try #require(report["samples"] as? [[String: Any]])
        #expect(samples.count == 10)
        let sample = try #require(samples.first)
        #expect(sample["lead"] as? String == "A-0")
        #expect(sample["origin"] as? String == "first.ndjson:1")
        #expect((sample["rule_changes"] as? [String]) == ["+engage.demo (40)", "~fit.us 5 -> 15"])

        // The text report says the same, for people.
        let text = try ProcessRunner.run(
            leadd,
            ["replay", "--candidate", candidate.path, "--rules", current.path, "--spool", spool.path, "--sample", "2"]
        )
        #expect(text.exitStatus == 0)
        #expect(text.standardOutput.contains("replayed 100 leads from 2 files\n"))
        #expect(text.standardOutput.contains("changed: 75 leads; stage 45, route 15, owner 15\n"))
        #expect(text.standardOutput.contains("  A-0 (first.ndjson:1): stage mql -> sql, route sales, score 55 -> 105"))
        #expect(text.standardOutput.contains("changed leads (2 of 75)"))

        // --since: only the second file.
        let secondName = try #require(archived.last)
        let secondClaim = Double(Int(secondName.prefix(19))! / 1_000_000_000)
        let since = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: secondClaim))
        let later = try ProcessRunner.run(
            leadd,
            [
                "replay", "--candidate", candidate.path, "--rules", current.path, "--spool", spool.path, "--since",
                since,
                "--format", "json",
            ]
        )
        let laterReport = try #require(
            try JSONSerialization.jsonObject(with: Data(later.standardOutput.utf8)) as? [String: Any]
        )
        #expect(laterReport["leads"] as? Int == 15)
        #expect(laterReport["stage_changes"] as? Int == 15)

        // Nothing live changed: the replays left the assignment state's files as the daemon left them.
        #expect(try Self.stateFiles(state.path) == stateBefore)
    }

    /// Each file of the state folder with its size and modification time.
    static func stateFiles(_ folder: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            var info = stat()
            guard stat(folder + "/" + name, &info) == 0 else { continue }
            result[name] = "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }
        return result
    }

    @Test("a candidate that does not compile: every error at its position, exit status 1, nothing replayed")
    func brokenCandidate() throws {
        let rules = try SmallRules.directory()
        var files = SmallRules.files
        files["fit.yaml"] = files["fit.yaml", default: ""].replacingOccurrences(
            of: "company.employees >= 1000",
            with: "company.employes >= 1000"
        )
        let candidate = try SmallRules.directory(rules: files)
        let spool = try TemporaryDirectory("spool")
        let result = try ProcessRunner.run(
            leadd,
            ["replay", "--candidate", candidate.path, "--rules", rules.path, "--spool", spool.path]
        )
        #expect(result.exitStatus == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(
            result.standardError.contains(
                "\(candidate.path)/fit.yaml:5:11: error: unknown field 'company.employes' (did you mean 'company.employees'?)"
            ),
            "\(result.standardError)"
        )
        #expect(result.standardError.contains("leadd: 1 error in \(candidate.path)"))
    }

    @Test("a file outside the archive needs --now; with it, it is replayed at that time")
    func givenFiles() throws {
        let rules = try SmallRules.directory()
        let candidate = try SmallRules.directory(rules: Self.candidateFiles)
        let folder = try TemporaryDirectory("leads")
        let now = 1_790_812_800.0  // 2026-10-01T00:00:00Z
        let file = try folder.write(
            "old.ndjson",
            Self.lead("X-1", employees: 2000, title: "VP", country: "US", email: "x@big.com", demoDaysAgo: 10, now: now)
                + "\n"
        )
        let refused = try ProcessRunner.run(
            leadd,
            ["replay", "--candidate", candidate.path, "--rules", rules.path, "--from", file]
        )
        #expect(refused.exitStatus != 0)
        #expect(refused.standardError.contains("no claim time in its name"))
        let result = try ProcessRunner.run(
            leadd,
            [
                "replay", "--candidate", candidate.path, "--rules", rules.path, "--from", file, "--now",
                "2026-10-01T00:00:00Z", "--format", "json",
            ]
        )
        #expect(result.exitStatus == 0, "\(result.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        #expect(report["leads"] as? Int == 1)
        #expect((report["stages"] as? [[String: Any]])?.first?["to"] as? String == "sql")
        // Only the candidate assigns: the lead, now an SQL, gets an owner.
        #expect(report["owner_changes"] as? Int == 1)
    }
}
