import Foundation
import TestSupport
import Testing

/// The shipped mappings of CRM exports (examples/mappings/) read their sample exports (examples/exports/): every
/// record a lead, its times in UTC, its numbers typed, its fields where the rules read them, and every lead decided
/// by the shipped rules without a bad record.
struct ExampleMappingsTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    @Test(arguments: [
        (
            "hubspot-contacts",
            ["51": "2026-11-24T14:15:00Z", "52": "2026-11-26T21:40:00Z", "53": "2026-11-27T13:02:00Z"]
        ),
        (
            "salesforce-leads",
            [
                "00Q5e00000AbCdE": "2026-11-24T17:15:00Z", "00Q5e00000AbCdF": "2026-11-27T00:40:00Z",
                "00Q5e00000AbCdG": "2026-11-27T08:00:00Z",
            ]
        ),
    ])
    func mappingReadsItsExport(_ name: String, _ created: [String: String]) throws {
        let mapping = "\(root)/examples/mappings/\(name).yaml"
        let export = "\(root)/examples/exports/\(name).csv"
        let parsed = try ProcessRunner.run(leadd, ["parse", "--csv-mapping", mapping, export])
        #expect(parsed.exitStatus == 0, "\(parsed.standardError)")
        var seen: [String: String] = [:]
        for line in parsed.standardOutput.split(separator: "\n") {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let lead = try #require(record["lead"] as? [String: Any])
            let id = try #require(lead["id"] as? String)
            seen[id] = lead["created_at"] as? String
            let contact = try #require(lead["contact"] as? [String: Any], "\(id)")
            #expect(contact["email"] is String, "\(id)")
            if let company = lead["company"] as? [String: Any], let employees = company["employees"] {
                #expect(employees is Int, "\(id): \(employees)")
            }
        }
        #expect(seen == created)
        let scored = try ProcessRunner.run(
            leadd,
            [
                "score", "--rules", "\(root)/rules", "--now", "2026-11-29", "--format", "json", "--csv-mapping",
                mapping, export,
            ]
        )
        #expect(scored.exitStatus == 0, "\(scored.standardError)")
        #expect(scored.standardOutput.split(separator: "\n").count == created.count)
    }
}
