import Foundation
import TestSupport
import Testing

/// A web form's flat NDJSON posts, dropped into the inbox: the daemon reads them through the mapping that names
/// them, so each is a lead the rules decide; the same posts under a name no mapping names are records of another
/// shape, rejected with the reason.
struct JSONMappingDaemonTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    @Test func daemonMapsTheJSONFilesAMappingNames() throws {
        let folder = try TemporaryDirectory("webhook")
        try FileManager.default.createDirectory(atPath: folder.path + "/spool/inbox", withIntermediateDirectories: true)
        let posts =
            #"{"submission_id":"F-1","email":"ana@acme.example","employees":"5,000","country":"Germany"}"# + "\n"
            + #"{"submission_id":"F-2","email":"bo@gmail.com","employees":12}"# + "\n"
        try folder.write("spool/inbox/webform-2026-11-29.ndjson", Array(posts.utf8))
        try folder.write("spool/inbox/unnamed.ndjson", Array(posts.utf8))
        // A mapping with a typo: its records are read, and the daemon says which key no record has.
        try folder.write("spool/inbox/survey-1.ndjson", Array(posts.utf8))
        let survey = try folder.write(
            "survey.yaml",
            Array(
                "version: 1\nfiles: survey-*.ndjson\ncolumns:\n  submission_id: {field: id}\n  emial: {field: contact.email}\n"
                    .utf8
            )
        )
        let mapping = try folder.write(
            "webform.yaml",
            Array(
                """
                version: 1
                files: webform-*.ndjson
                columns:
                  submission_id: {field: id}
                  email: {field: contact.email}
                  employees: {field: company.employees, type: integer}
                  country: {field: company.country}
                """.utf8
            )
        )
        let run = try ProcessRunner.run(
            leadd,
            [
                "run", "--once", "--settle", "0", "--now", "2026-11-29T10:00:00Z", "--rules", "\(root)/rules",
                "--spool", folder.path + "/spool", "--state", folder.path + "/state", "--csv-mapping", mapping,
                "--csv-mapping", survey,
            ]
        )
        #expect(run.exitStatus == 0, "\(run.standardError)")
        let all = try SpoolReading.decisions(folder.path + "/spool")
        func file(_ decision: [String: Any]) -> String {
            ((decision["origin"] as? [String: Any])?["file"] as? String) ?? ""
        }
        let decisions = all.filter { file($0).hasSuffix("webform-2026-11-29.ndjson") }
        #expect(decisions.compactMap { $0["lead"] as? String }.sorted() == ["F-1", "F-2"], "\(all.map(file))")
        // The rules read the mapped fields: the headcount typed, the free-mail address disqualified.
        let first = try #require(decisions.first { $0["lead"] as? String == "F-1" })
        let fired = ((first["rules"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        #expect(fired.contains("fit.enterprise"), "\(fired)")
        let second = try #require(decisions.first { $0["lead"] as? String == "F-2" })
        #expect(second["route"] as? String == "disqualified")
        let rejected = SpoolReading.names(folder.path + "/spool", "rejected")
        let sidecar = try #require(rejected.first { $0.hasSuffix("--unnamed.ndjson.error.json") }, "\(rejected)")
        let reason = try String(contentsOfFile: folder.path + "/spool/rejected/" + sidecar, encoding: .utf8)
        #expect(reason.contains("no field the rules know is in this lead (it has 'submission_id', 'email'"))
        // The survey's mapping names a key its records do not have: said once, for that file only.
        let warnings = run.standardError.split(separator: "\n").filter { $0.contains("lack keys its mapping names") }
        #expect(warnings.count == 1, "\(run.standardError)")
        #expect(warnings.first?.contains("survey-1.ndjson") == true)
        #expect(
            warnings.first?.contains(
                "the mapping names keys no record of this file has: 'emial' (did you mean 'email'?); keys of its "
                    + "records the mapping does not name: 'email', 'employees', 'country'"
            ) == true,
            "\(warnings)"
        )
    }
}
