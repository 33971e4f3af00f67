import TestSupport
import Testing
import YAML

@testable import Leads

/// Mappings for an inbox that receives CSV files from several sources: which mapping reads which file, by its name.
struct CSVMappingsTests {
    /// Writes the mapping files and loads them, in order.
    func load(_ texts: [(String, String)]) throws -> CSVMappings {
        let directory = try TemporaryDirectory("mappings")
        let paths = try texts.map { name, text in try directory.write(name, Array(text.utf8)) }
        return try CSVMappings.load(contentsOf: paths)
    }

    /// The diagnostics of loading the mapping files, rendered, the folder left out.
    func problems(_ texts: [(String, String)]) throws -> String {
        let directory = try TemporaryDirectory("mappings")
        let paths = try texts.map { name, text in try directory.write(name, Array(text.utf8)) }
        do {
            _ = try CSVMappings.load(contentsOf: paths)
            return ""
        } catch {
            return error.diagnostics.rendered().replacingOccurrences(of: directory.path + "/", with: "")
        }
    }

    let hubspot = """
        version: 1
        files: [hubspot-*.csv, "HS_[0-9]*.csv"]
        columns:
          Record ID: {field: id}
        """
    let salesforce = """
        version: 1
        files: salesforce-*.csv
        columns:
          Lead ID: {field: id}
        """
    let everyOther = """
        version: 1
        columns:
          Key: {field: id}
        """

    @Test func fileNamesPickTheirMapping() throws {
        // The mapping of every other file first in the list: the named files still go to their own mappings.
        let mappings = try load([
            ("other.yaml", everyOther), ("hubspot.yaml", hubspot), ("salesforce.yaml", salesforce),
        ])
        func idColumn(_ name: String) -> String? {
            mappings.mapping(forFile: name).columns.first { $0.value.field == ["id"] }?.key
        }
        #expect(idColumn("hubspot-crm-exports-all-contacts-2026-11-27.csv") == "Record ID")
        #expect(idColumn("HubSpot-Export.CSV") == "Record ID")  // names in either case, as tools write them
        #expect(idColumn("HS_2026.csv") == "Record ID")
        #expect(idColumn("HS_x.csv") == "Key")  // [0-9] is a digit
        #expect(idColumn("salesforce-leads.csv") == "Lead ID")
        #expect(idColumn("leads.csv") == "Key")
        #expect(idColumn("my-hubspot-export.csv") == "Key")  // the whole name must match
        // Without a mapping of every other file, other files are read with none.
        let named = try load([("hubspot.yaml", hubspot), ("salesforce.yaml", salesforce)])
        #expect(named.mapping(forFile: "leads.csv").columns.isEmpty)
        // Two mappings naming one file: the first in the list reads it.
        let both = try load([
            ("salesforce.yaml", salesforce), ("all-exports.yaml", "version: 1\nfiles: '*-*.csv'\ncolumns: {}\n"),
        ])
        #expect(both.mapping(forFile: "salesforce-1.csv").columns["Lead ID"] != nil)
        #expect(both.mapping(forFile: "hubspot-1.csv").columns.isEmpty)
        #expect(both.mapping(forFile: "hubspot-1.csv").files == ["*-*.csv"])
    }

    @Test func readersReadEachFileWithItsMapping() throws {
        let mappings = try load([("hubspot.yaml", hubspot), ("salesforce.yaml", salesforce)])
        let options = LeadReaderOptions(csvMappings: mappings)
        #expect(
            try readAll("hubspot-1.csv", "Record ID,Lead ID\n51,x\n", options: options) == [
                #"record 2#1 {"id":"51","Lead ID":"x"}"#
            ]
        )
        #expect(
            try readAll("salesforce-1.csv", "Record ID,Lead ID\n51,x\n", options: options) == [
                #"record 2#1 {"Record ID":"51","id":"x"}"#
            ]
        )
        // The daemon's claimed file has another name: the name it was dropped with picks the mapping.
        let directory = try TemporaryDirectory("claimed")
        let path = try directory.write("1796352482132020379.24500.1--salesforce-1.csv", Array("Lead ID\nx\n".utf8))
        let claimed = LeadFileReader(path: path, name: "salesforce-1.csv", options: options).map(describe)
        #expect(claimed == [#"record 2#1 {"id":"x"}"#])
        let unnamed = LeadFileReader(path: path, options: options).map(describe)
        #expect(unnamed == [#"record 2#1 {"Lead ID":"x"}"#])
    }

    @Test func problemsAtTheirPositions() throws {
        #expect(
            try problems([("a.yaml", everyOther), ("b.yaml", everyOther)]) == """
                b.yaml:1:1: error: this mapping has no 'files', nor has a.yaml: \
                only one mapping can read every file the others do not name; give this one 'files' patterns (such as \
                hubspot-*.csv)
                    1 | version: 1
                      | ^
                """
        )
        #expect(
            try problems([("c.yaml", "version: 1\nfiles: [exports/hubspot-*.csv, '']\n")]) == """
                c.yaml:2:9: error: 'exports/hubspot-*.csv' is not a file name pattern; expected a name with * and ?, \
                such as hubspot-*.csv (no folders)
                    2 | files: [exports/hubspot-*.csv, '']
                      |         ^~~~~~~~~~~~~~~~~~~~~
                c.yaml:2:32: error: '' is not a file name pattern; expected a name with * and ?, such as hubspot-*.csv \
                (no folders)
                    2 | files: [exports/hubspot-*.csv, '']
                      |                                ^~
                """
        )
        #expect(
            try problems([("d.yaml", "version: 1\nfiles: []\n")]) == """
                d.yaml:2:8: error: 'files' names no pattern; leave it out for a mapping of every other file
                    2 | files: []
                      |        ^
                """
        )
    }
}
