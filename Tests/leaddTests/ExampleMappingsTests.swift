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

    /// Both sample exports dropped into one inbox, with both mappings and one for every other file: the daemon reads
    /// each export with its own mapping (by the name it was dropped with), so every lead is decided under the id the
    /// mapping gives it, and the flat file no mapping names is read with the one for every other file. Read with
    /// another's mapping, an export's leads would have no field the rules know, and be rejected.
    @Test func daemonReadsEachSourceWithItsMapping() throws {
        let folder = try TemporaryDirectory("sources")
        try FileManager.default.createDirectory(atPath: folder.path + "/spool/inbox", withIntermediateDirectories: true)
        for name in ["hubspot-contacts", "salesforce-leads"] {
            try FileManager.default.copyItem(
                atPath: "\(root)/examples/exports/\(name).csv",
                toPath: folder.path + "/spool/inbox/\(name)-2026-11-27.csv"
            )
        }
        try folder.write("spool/inbox/web-form.csv", Array("Key,Mail\nW-1,ana@acme.example\n".utf8))
        try folder.write(
            "other.yaml",
            Array("version: 1\ncolumns:\n  Key: {field: id}\n  Mail: {field: contact.email}\n".utf8)
        )
        try folder.write(
            "leadd.yaml",
            Array(
                """
                rules: \(root)/rules
                spool: spool
                state: state
                records:
                  csv_mapping: [other.yaml, \(root)/examples/mappings/hubspot-contacts.yaml, \(root)/examples/mappings/salesforce-leads.yaml]
                """.utf8
            )
        )
        let run = try ProcessRunner.run(
            leadd,
            [
                "run", "--config", folder.path + "/leadd.yaml", "--once", "--settle", "0", "--now",
                "2026-11-29T10:00:00Z",
            ]
        )
        #expect(run.exitStatus == 0, "\(run.standardError)")
        #expect(
            try SpoolReading.leadIDs(folder.path + "/spool").sorted()
                == ["00Q5e00000AbCdE", "00Q5e00000AbCdF", "00Q5e00000AbCdG", "51", "52", "53", "W-1"]
        )
        #expect(SpoolReading.names(folder.path + "/spool", "rejected").isEmpty)
    }

    /// An export whose labels changed, read with the mapping that names it: the daemon logs which mapped columns its
    /// header lacks, with the nearest names; an export where no field the rules know is left is rejected whole, the
    /// reason saying the same. A file read with a mapping for every other file gets no such warning.
    @Test func daemonWarnsOfRelabelledExports() throws {
        let folder = try TemporaryDirectory("relabelled")
        try FileManager.default.createDirectory(atPath: folder.path + "/spool/inbox", withIntermediateDirectories: true)
        try folder.write(
            "spool/inbox/hubspot-renamed-email.csv",
            Array("Record ID,E-mail,Company Name\n61,ana@acme.example,Acme\n".utf8)
        )
        try folder.write("spool/inbox/hubspot-nothing-known.csv", Array("Contact ID,E-mail\n62,bo@beta.example\n".utf8))
        try folder.write("spool/inbox/other.csv", Array("id,Email\nO-1,cy@gamma.example\n".utf8))
        // The mapping for every other file names a column other.csv lacks: no warning for it.
        try folder.write(
            "other.yaml",
            Array(
                "version: 1\ncolumns:\n  Email: {field: contact.email}\n  Headcount: {field: company.employees}\n".utf8
            )
        )
        let run = try ProcessRunner.run(
            leadd,
            [
                "run", "--once", "--settle", "0", "--now", "2026-11-29T10:00:00Z", "--rules", "\(root)/rules",
                "--spool", folder.path + "/spool", "--state", folder.path + "/state", "--csv-mapping",
                "\(root)/examples/mappings/hubspot-contacts.yaml", "--csv-mapping", folder.path + "/other.yaml",
            ]
        )
        #expect(run.exitStatus == 0, "\(run.standardError)")
        let warnings = run.standardError.split(separator: "\n").filter { $0.contains("header lacks columns") }
        #expect(warnings.count == 2, "\(run.standardError)")
        let renamed = try #require(warnings.first { $0.contains("file=hubspot-renamed-email.csv") })
        #expect(renamed.contains("'Email' (did you mean 'E-mail'?)"), "\(renamed)")
        #expect(try SpoolReading.leadIDs(folder.path + "/spool").sorted() == ["61", "O-1"])
        let rejected = SpoolReading.names(folder.path + "/spool", "rejected")
        let sidecar = try #require(rejected.first { $0.hasSuffix("--hubspot-nothing-known.csv.error.json") })
        let reason = try String(contentsOfFile: folder.path + "/spool/rejected/" + sidecar, encoding: .utf8)
        #expect(reason.contains("no field the rules know"), "\(reason)")
        #expect(reason.contains("the CSV mapping names columns this file's header does not have: "), "\(reason)")
    }
}
