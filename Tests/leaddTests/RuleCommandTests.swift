import Foundation
import TestSupport
import Testing

/// `leadd check` and `leadd score`, run as the real binary on the shipped rules and examples.
struct RuleCommandTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    @Test func shippedRulesCheckClean() throws {
        let result = try ProcessRunner.run(leadd, ["check", "--rules", "\(root)/rules"])
        #expect(result.exitStatus == 0)
        #expect(result.standardError.isEmpty, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("\(root)/rules: "))
        #expect(result.standardOutput.contains(" rules in 5 files, 4 teams, 9 reps, "))
    }

    /// A copy of the shipped rules with a mistake in each of three files.
    func brokenCopy() throws -> TemporaryDirectory {
        let copy = try TemporaryDirectory("broken-rules")
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(root)/rules")
        for name in files {
            try FileManager.default.copyItem(atPath: "\(root)/rules/\(name)", toPath: "\(copy.path)/\(name)")
        }
        func edit(_ name: String, _ old: String, _ new: String) throws {
            let path = "\(copy.path)/\(name)"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.contains(old))
            try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
        }
        try edit("demographics.yaml", "when: company.employees >= 1000", "when: company.employes >= 1000")
        try edit("behavior.yaml", "within 60d", "within 60x")
        try edit("qualification.yaml", "  - {stage: nurture, otherwise: true}\n", "")
        return copy
    }

    func lineNumber(of text: String, in file: String) throws -> Int {
        let lines = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n")
        return try #require(lines.firstIndex { $0.contains(text) }) + 1
    }

    @Test func brokenCopyPrintsEveryErrorAtOnce() throws {
        let copy = try brokenCopy()
        let result = try ProcessRunner.run(leadd, ["check", "--rules", copy.path])
        #expect(result.exitStatus == 1)
        let employes = try lineNumber(of: "company.employes", in: "\(copy.path)/demographics.yaml")
        let trial = try lineNumber(of: "within 60x", in: "\(copy.path)/behavior.yaml")
        let stages = try lineNumber(of: "{stage: sql", in: "\(copy.path)/qualification.yaml")
        let route = try lineNumber(of: "nurture: nurture", in: "\(copy.path)/qualification.yaml")
        let errors = result.standardError.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(
            errors
                == [
                    "\(copy.path)/behavior.yaml:\(trial):57: error: invalid duration unit 'x'; use m, h, d or w (as in 15m, 12h, 30d, 2w)",
                    "\(copy.path)/demographics.yaml:\(employes):11: error: unknown field 'company.employes' (did you mean 'company.employees'?)",
                    "\(copy.path)/qualification.yaml:\(stages):3: error: the stage table needs a final 'otherwise: true' row",
                    "\(copy.path)/qualification.yaml:\(route):3: error: route for unknown stage 'nurture'",
                ].map { Substring($0) }
        )
        #expect(result.standardError.hasSuffix("leadd: 4 errors in \(copy.path)\n"))
        // score refuses to run on broken rules, with the same diagnostics.
        let score = try ProcessRunner.run(
            leadd,
            ["score", "--rules", copy.path, "\(root)/examples/leads/web-form.json"]
        )
        #expect(score.exitStatus == 1)
        #expect(score.standardOutput.isEmpty)
        #expect(score.standardError == result.standardError)
    }

    @Test func checkJSONIsOneDiagnosticPerLine() throws {
        let copy = try brokenCopy()
        let result = try ProcessRunner.run(leadd, ["check", "--rules", copy.path, "--format", "json"])
        #expect(result.exitStatus == 1)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 4)
        for line in lines {
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((object["file"] as? String)?.hasPrefix(copy.path) == true)
            #expect((object["line"] as? Int ?? 0) > 0)
            #expect((object["column"] as? Int ?? 0) > 0)
            #expect(object["severity"] as? String == "error")
        }
    }

    @Test func explanationsAddUpToTheScore() throws {
        let directory = "\(root)/examples/leads"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { "\(directory)/\($0)" }
        let result = try ProcessRunner.run(
            leadd,
            ["score", "--rules", "\(root)/rules", "--now", "2026-11-29", "--explain", "--format", "json"] + files
        )
        #expect(result.exitStatus == 0, "\(result.standardError)")
        let decisions = try result.standardOutput.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(decisions.count == 14)
        var stages: [String: Int] = [:]
        for decision in decisions {
            let score = try #require(decision["score"] as? [String: Double])
            let rules = try #require(decision["rules"] as? [[String: Any]])
            var sums: [String: Double] = [:]
            for rule in rules {
                sums[rule["category"] as? String ?? "", default: 0] += rule["points"] as? Double ?? 0
            }
            for (category, points) in score where category != "total" {
                #expect(abs((sums[category] ?? 0) - points) < 0.001, "\(decision["lead"] ?? "") \(category)")
            }
            let categories = score.filter { $0.key != "total" }.values.reduce(0, +)
            #expect(abs(categories - (score["total"] ?? -1)) < 0.001)
            #expect(decision["now"] as? String == "2026-11-29T00:00:00Z")
            #expect((decision["explanation"] as? [Any])?.count ?? 0 >= 30)
            stages[decision["stage"] as? String ?? "", default: 0] += 1
        }
        // The shipped examples are a realistic mix: some of each outcome.
        for stage in ["sql", "mql", "nurture", "disqualified"] {
            #expect(stages[stage, default: 0] > 0, "no \(stage) among \(stages)")
        }
    }

    @Test func textOutputIsATable() throws {
        let result = try ProcessRunner.run(
            leadd,
            ["score", "--rules", "\(root)/rules", "--now", "2026-11-29", "\(root)/examples/leads/web-form.json"]
        )
        #expect(result.exitStatus == 0)
        #expect(result.standardOutput.hasPrefix("L-1001: sql -> opportunities, grade A, score "))
        #expect(result.standardOutput.contains("  points  rule"))
        #expect(result.standardOutput.contains("      20  fit.enterprise"))
    }

    /// A record of another shape is an error with exit status 1, as a bad record is, and the leads beside it are
    /// decided; `leadd assign` refuses it the same way, recording nothing for it.
    @Test func recordsOfAnotherShape() throws {
        let directory = try TemporaryDirectory("shape")
        let file = try directory.write(
            "mixed.ndjson",
            Array(
                ("{\"id\":\"W-1\",\"results\":[]}\n{\"id\":\"W-2\",\"source\":\"web_form\"}\n"
                    + "{\"kind\":\"outcome\",\"lead\":\"W-2\",\"stage\":\"won\"}\n").utf8
            )
        )
        for command in [["score"], ["assign", "--state", directory.path + "/state"]] {
            let result = try ProcessRunner.run(
                leadd,
                command + ["--rules", "\(root)/rules", "--now", "2026-11-29", "--format", "json", file]
            )
            #expect(result.exitStatus == 1, "\(command)")
            #expect(
                result.standardError.hasPrefix(
                    "\(file):1:1: error: no field the rules know is in this lead (it has 'id', 'results')"
                ),
                "\(command): \(result.standardError)"
            )
            #expect(
                result.standardError.contains(
                    "\(file):3:1: error: an outcome update, not a lead: the daemon applies outcome updates dropped "
                        + "into its inbox (docs/analytics.md)"
                ),
                "\(command): \(result.standardError)"
            )
            #expect(result.standardOutput.contains(#""lead":"W-2""#), "\(command)")
            #expect(!result.standardOutput.contains(#""lead":"W-1""#), "\(command)")
        }
    }

    /// `--csv-mapping`: the mapping a reload reads with the rules is checked with them, in text and JSON.
    @Test func checkWithAMapping() throws {
        let directory = try TemporaryDirectory("check")
        let good = try directory.write(
            "good.yaml",
            Array("version: 1\ncolumns:\n  Email: {field: contact.email}\n".utf8)
        )
        let bad = try directory.write(
            "bad.yaml",
            Array("version: 1\ncolumns:\n  Created: {type: timestamp, format: dd/MM/YYYY}\n".utf8)
        )
        let passed = try ProcessRunner.run(leadd, ["check", "--rules", "\(root)/rules", "--csv-mapping", good])
        #expect(passed.exitStatus == 0, "\(passed.standardError)")
        let failed = try ProcessRunner.run(leadd, ["check", "--rules", "\(root)/rules", "--csv-mapping", bad])
        #expect(failed.exitStatus == 1)
        #expect(failed.standardError.hasPrefix("\(bad):3:38: error: unknown 'dd' in the format (did you mean 'DD'?)"))
        #expect(failed.standardError.hasSuffix("leadd: 1 error in \(bad)\n"))
        let json = try ProcessRunner.run(
            leadd,
            ["check", "--rules", "\(root)/rules", "--csv-mapping", bad, "--format", "json"]
        )
        #expect(json.exitStatus == 1)
        #expect(json.standardOutput.contains(#""line":3,"column":38"#), "\(json.standardOutput)")
        // Mappings of several sources: checked together, two without `files` an error at the second.
        let named = try directory.write("named.yaml", Array("version: 1\nfiles: crm-*.csv\n".utf8))
        let other = try directory.write(
            "other.yaml",
            Array("version: 1\ncolumns:\n  Mail: {field: contact.email}\n".utf8)
        )
        let both = try ProcessRunner.run(
            leadd,
            ["check", "--rules", "\(root)/rules", "--csv-mapping", named, "--csv-mapping", good]
        )
        #expect(both.exitStatus == 0, "\(both.standardError)")
        let twice = try ProcessRunner.run(
            leadd,
            [
                "check", "--rules", "\(root)/rules", "--csv-mapping", good, "--csv-mapping", named, "--csv-mapping",
                other,
            ]
        )
        #expect(twice.exitStatus == 1)
        #expect(
            twice.standardError.hasPrefix("\(other):1:1: error: this mapping has no 'files', nor has \(good)"),
            "\(twice.standardError)"
        )
        #expect(twice.standardError.hasSuffix("leadd: 1 error in \(other)\n"), "\(twice.standardError)")
    }

    /// `--config`: the daemon's configuration is checked, with the rules and the CSV mapping it names, as a reload
    /// would read them; `--rules` wins over the configuration's.
    @Test func checkWithTheConfiguration() throws {
        let directory = try TemporaryDirectory("check")
        try directory.write(
            "mapping.yaml",
            Array("version: 1\ncolumns:\n  Created: {type: timestamp, format: YY}\n".utf8)
        )
        let config = try directory.write(
            "leadd.yaml",
            Array("rules: \(root)/rules\nrecords:\n  csv_mapping: mapping.yaml\n".utf8)
        )
        let result = try ProcessRunner.run(leadd, ["check", "--config", config])
        #expect(result.exitStatus == 1)
        #expect(result.standardOutput.hasPrefix("\(root)/rules: 31 rules in 5 files"), "\(result.standardOutput)")
        #expect(
            result.standardError.hasPrefix(
                "\(directory.path)/mapping.yaml:3:38: error: two-digit years are ambiguous"
            ),
            "\(result.standardError)"
        )
        let broken = try directory.write("broken.yaml", Array("rules: \(root)/rules\nworkers: lots\n".utf8))
        let refused = try ProcessRunner.run(leadd, ["check", "--config", broken])
        #expect(refused.exitStatus == 1)
        #expect(refused.standardError.hasPrefix("\(broken):2:10: error:"), "\(refused.standardError)")
        let elsewhere = try ProcessRunner.run(leadd, ["check", "--config", config, "--rules", directory.path])
        #expect(elsewhere.standardError.contains("no stage table"), "\(elsewhere.standardError)")
    }

    @Test func badNowIsRefused() throws {
        let result = try ProcessRunner.run(
            leadd,
            ["score", "--now", "yesterday", "\(root)/examples/leads/web-form.json"]
        )
        #expect(result.exitStatus != 0)
        #expect(result.standardError.contains("'--now yesterday' is not a date"))
    }
}
