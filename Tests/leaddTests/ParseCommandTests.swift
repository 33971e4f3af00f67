import Foundation
import Leads
import TestSupport
import Testing

/// `leadd parse`, run as the real binary.
struct ParseCommandTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    @Test func versionAndHelp() throws {
        let version = try ProcessRunner.run(leadd, ["--version"])
        #expect(version.exitStatus == 0)
        #expect(version.standardOutput == "0.1.0\n")
        let help = try ProcessRunner.run(leadd, ["--help"])
        #expect(help.exitStatus == 0)
        #expect(help.standardOutput.contains("parse"))
        let parseHelp = try ProcessRunner.run(leadd, ["parse", "--help"])
        #expect(parseHelp.standardOutput.contains("--csv-mapping"))
    }

    @Test func printsEveryShippedExampleLead() throws {
        let directory = "\(root)/examples/leads"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { "\(directory)/\($0)" }
        #expect(files.count >= 4)
        let result = try ProcessRunner.run(leadd, ["parse"] + files)
        #expect(result.exitStatus == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty)
        // The ids found independently: in JSON, every "id": "L-NNNN"; in CSV, every record that starts with one.
        var expected: Set<String> = []
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let pattern = file.hasSuffix(".csv") ? /(?m)^\W?(L-\d{4}),/ : /"id"\s*:\s*"(L-\d{4})"/
            for match in text.matches(of: pattern) {
                expected.insert(String(match.output.1))
            }
        }
        var printed: [String] = []
        for line in result.standardOutput.split(separator: "\n") {
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let origin = try #require(object["origin"] as? [String: Any])
            #expect(files.contains(try #require(origin["file"] as? String)))
            #expect((origin["line"] as? Int ?? 0) >= 1)
            let lead = try #require(object["lead"] as? [String: Any])
            printed.append(try #require(lead["id"] as? String))
        }
        #expect(printed.count == Set(printed).count)
        #expect(Set(printed) == expected)
        #expect(printed.count >= 14)
    }

    /// A mapping tried on an export whose columns are labelled otherwise: a warning names the mapped columns the
    /// header lacks, with a suggestion, and the header's columns the mapping does not name. No warning, and the
    /// same exit status, for a file that has them all.
    @Test func mappingColumnsTheHeaderLacks() throws {
        let directory = try TemporaryDirectory("parse")
        let mapping = try directory.write(
            "m.yaml",
            Array("version: 1\ncolumns:\n  Email: {field: contact.email}\n  Employees: {type: integer}\n".utf8)
        )
        let other = try directory.write("other.csv", Array("E-mail,Employes,Owner\na@b.example,5,Ana\n".utf8))
        let same = try directory.write("same.csv", Array("Email,Employees\na@b.example,5\n".utf8))
        for command in ["parse", "score"] {
            let extra = command == "score" ? ["--rules", "\(root)/rules", "--now", "2026-11-29"] : []
            let result = try ProcessRunner.run(leadd, [command, "--csv-mapping", mapping, other, same] + extra)
            // After the file's records (with score, the lead that has no field the rules know).
            #expect(
                result.standardError.hasSuffix(
                    "\(other):1:1: warning: the CSV mapping names columns this file's header does not have: "
                        + "'Email' (did you mean 'E-mail'?), 'Employees' (did you mean 'Employes'?); its columns the "
                        + "mapping does not name: 'E-mail', 'Employes', 'Owner'\n"
                ),
                "\(command): \(result.standardError)"
            )
            #expect(!result.standardError.contains(same), "\(command)")
        }
        let parsed = try ProcessRunner.run(leadd, ["parse", "--csv-mapping", mapping, other])
        #expect(parsed.exitStatus == 0)
    }

    @Test func csvMappingGivesTypes() throws {
        let result = try ProcessRunner.run(
            leadd,
            ["parse", "--csv-mapping", "\(root)/examples/csv-mapping.yaml", "\(root)/examples/leads/crm-export.csv"]
        )
        #expect(result.exitStatus == 0)
        #expect(result.standardOutput.contains(#""employees":640,"revenue":82000000"#))
        #expect(result.standardOutput.contains(#""interests":["routing","reporting","api"]"#))
    }

    @Test func badMappingFileIsReportedAtItsPosition() throws {
        let directory = try TemporaryDirectory()
        let mapping = try directory.write("m.yaml", "version: 1\ncolumns:\n  A: {type: int}\n")
        let result = try ProcessRunner.run(
            leadd,
            ["parse", "--csv-mapping", mapping, "\(root)/examples/leads/crm-export.csv"]
        )
        #expect(result.exitStatus == 1)
        #expect(
            result.standardError.hasPrefix(
                "\(mapping):3:13: error: unknown type 'int' (did you mean 'integer'?); expected string, integer, number, boolean, list or timestamp"
            )
        )
        #expect(result.standardOutput.isEmpty)
    }

    @Test func garbageExitsOneWithAPositionedErrorAndDoesNotCrash() throws {
        let directory = try TemporaryDirectory()
        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var paths: [String] = []
        for name in ["garbage.json", "garbage.ndjson", "garbage.csv"] {
            paths.append(try directory.write(name, garbage))
        }
        paths.append(try directory.write("bomb.json", String(repeating: "[", count: 10_000_000)))
        paths.append(try directory.write("bomb.ndjson", String(repeating: "{\"a\":", count: 100_000) + "\n"))
        paths.append(try directory.write("empty.ndjson", ""))
        paths.append(try directory.write("truncated.json", "[{\"id\": \"L-1\"}, {\"id\": \"L-"))
        for path in paths {
            let result = try ProcessRunner.run(leadd, ["parse", path])
            #expect(result.signal == nil, "\(path) crashed")
            #expect(result.exitStatus == 1, "\(path)")
            let firstLine = result.standardError.split(separator: "\n").first.map(String.init) ?? ""
            #expect(firstLine.hasPrefix("\(path):"), "\(path): \(firstLine)")
            #expect(firstLine.contains(": error: "), "\(path): \(firstLine)")
        }
    }

    @Test func badRecordsAndGoodRecordsTogether() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("mixed.ndjson", "{\"id\":\"L-1\"}\n{\"id\":\n{\"id\":\"L-3\"}\n")
        let result = try ProcessRunner.run(leadd, ["parse", path])
        #expect(result.exitStatus == 1)
        #expect(
            result.standardOutput == """
                {"origin":{"file":"\(path)","line":1,"record":1},"lead":{"id":"L-1"}}
                {"origin":{"file":"\(path)","line":3,"record":3},"lead":{"id":"L-3"}}

                """
        )
        #expect(
            result.standardError == """
                \(path):2:7: error: unexpected end of input, expected a value
                    2 | {"id":
                      |       ^
                leadd: 2 records read, 1 bad

                """
        )
    }
}
