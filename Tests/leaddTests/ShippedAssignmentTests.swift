import Foundation
import TestSupport
import Testing

/// The shipped `rules/assignment.yaml` and `rules/accounts.csv` on the shipped example leads, through the real binary.
struct ShippedAssignmentTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    @Test("the shipped teams and accounts assign the example leads sensibly")
    func examples() throws {
        let state = try TemporaryDirectory("state")
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(root)/examples/leads").sorted()
            .map { "\(root)/examples/leads/\($0)" }
        // Monday 15:00 UTC: the Americas and Europe are at work, Asia-Pacific is not.
        let result = try ProcessRunner.run(
            leadd,
            ["assign", "--rules", "\(root)/rules", "--state", state.path, "--now", "2026-11-30T15:00:00Z"] + files
        )
        #expect(result.exitStatus == 0, "\(result.standardError)")
        var assigned: [String: (team: String?, owner: String?, queue: String?, method: String)] = [:]
        var notAssigned: [String] = []
        for line in result.standardOutput.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let lead = try #require(object["lead"] as? String)
            guard let assignment = object["assignment"] as? [String: Any] else {
                #expect(object["route"] as? String != "opportunities")
                notAssigned.append(lead)
                continue
            }
            assigned[lead] = (
                assignment["team"] as? String, assignment["owner"] as? String, assignment["queue"] as? String,
                try #require(assignment["method"] as? String)
            )
        }
        #expect(assigned.count == 7)
        #expect(notAssigned.count == 7)
        // Meridian Health (US, 12,000 people) is Ana's account.
        #expect(assigned["L-3001"]?.owner == "ana" && assigned["L-3001"]?.method == "account")
        // Helvetia is Elif's account; Nordlys (Norway, 1,100 people) goes to the EMEA enterprise rotation.
        #expect(assigned["L-2001"]?.owner == "elif" && assigned["L-2001"]?.method == "account")
        #expect(assigned["L-2003"]?.team == "enterprise-emea" && assigned["L-2003"]?.method == "round_robin")
        // Northwind's domain belongs to two accounts with different owners: a person decides.
        #expect(assigned["L-1001"]?.queue == "account-review" && assigned["L-1001"]?.owner == nil)
        // Japan and Singapore go to APAC, one each (least loaded); Mexico's 35-person company to commercial.
        #expect(assigned["L-3003"]?.team == "apac" && assigned["L-3005"]?.team == "apac")
        #expect(Set([assigned["L-3003"]?.owner, assigned["L-3005"]?.owner]) == ["hiro", "mei"])
        #expect(assigned["L-3002"]?.team == "commercial" && assigned["L-3002"]?.method == "least_loaded")
        // Frank (Denver, 08:00) is not at work yet; Gina (Dublin) is.
        #expect(assigned["L-3002"]?.owner == "gina")
    }

    @Test("leadd score previews owners against the state without changing it")
    func previewChangesNothing() throws {
        let state = try TemporaryDirectory("state")
        let web = "\(root)/examples/leads/marketing-sync.ndjson"
        let common = ["--rules", "\(root)/rules", "--state", state.path, "--now", "2026-11-30T15:00:00Z"]
        let assigned = try ProcessRunner.run(leadd, ["assign"] + common + [web])
        #expect(assigned.exitStatus == 0, "\(assigned.standardError)")
        let before = try ProcessRunner.run(
            leadd,
            ["assignments", "--state", state.path, "--rules", "\(root)/rules", "--format", "json"]
        )
        let trade = "\(root)/examples/leads/trade-show-scans.json"
        let preview = try ProcessRunner.run(leadd, ["score"] + common + [trade])
        #expect(preview.exitStatus == 0, "\(preview.standardError)")
        #expect(preview.standardOutput.contains("owner elif (Elif Kaya), team enterprise-emea, by account"))
        let after = try ProcessRunner.run(
            leadd,
            ["assignments", "--state", state.path, "--rules", "\(root)/rules", "--format", "json"]
        )
        #expect(before.standardOutput == after.standardOutput)
        #expect(after.standardOutput.contains("\"total\":4"))
        // The preview saw the state: the lead already assigned shows as such.
        let again = try ProcessRunner.run(leadd, ["score"] + common + [web])
        #expect(again.standardOutput.contains("(already in the ledger)"))
    }
}
