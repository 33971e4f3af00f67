import Testing
import YAML

@testable import Leads

struct CSVReaderTests {
    @Test func headerDottedPathsAndQuoting() throws {
        let text =
            "id,contact.email,company.name,message\r\n"
            + "L-1,a@x.com,\"Acme, Inc.\",\"said \"\"hi\"\"\"\r\n"
            + "L-2,b@y.com,Beta,\"two\nlines\"\r\n"
            + "L-3,,Gamma,\r\n"
        #expect(
            try readAll("crm.csv", text) == [
                #"record 2#1 {"id":"L-1","contact":{"email":"a@x.com"},"company":{"name":"Acme, Inc."},"message":"said \"hi\""}"#,
                #"record 3#2 {"id":"L-2","contact":{"email":"b@y.com"},"company":{"name":"Beta"},"message":"two\nlines"}"#,
                #"record 5#3 {"id":"L-3","company":{"name":"Gamma"}}"#,
            ]
        )
    }

    @Test func byteOrderMarkLFAndBlankLines() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id,name\n\nL-1,Zoë\n\nL-2,Ana\n".utf8)
        #expect(
            try readAll("bom.csv", bytes) == [
                #"record 3#1 {"id":"L-1","name":"Zoë"}"#, #"record 5#2 {"id":"L-2","name":"Ana"}"#,
            ]
        )
    }

    /// Excel writes (and reads) a first line `sep=;` that names the delimiter; the header comes after it.
    @Test func excelSeparatorLine() throws {
        #expect(
            try readAll("sep.csv", "sep=;\r\nid;contact.email;note\r\nL-1;a@x.com;\"a, b\"\r\n") == [
                #"record 3#1 {"id":"L-1","contact":{"email":"a@x.com"},"note":"a, b"}"#
            ]
        )
        #expect(
            try readAll("pipe.csv", "sep=|\nid|name\nL-2|Ana, Bo\n") == [#"record 3#1 {"id":"L-2","name":"Ana, Bo"}"#]
        )
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("sep=,\nid,name\nL-3,Zoë\n".utf8)
        #expect(try readAll("bom-sep.csv", bom) == [#"record 3#1 {"id":"L-3","name":"Zoë"}"#])
        // Only as the first line: later, it is a record like any other.
        #expect(
            try readAll("late.csv", "id,name\nsep=;\n").first?.contains("expected 2 fields as in the header, found 1")
                == true
        )
    }

    /// Excel saves "CSV" in Windows-1252 in western locales; the mapping's `encoding` reads it.
    @Test func windows1252() throws {
        let bytes =
            Array("id,name,note\nL-1,Jos".utf8) + [0xE9] + Array(" Garc".utf8) + [0xED] + Array("a,".utf8)
            + [0x93] + Array("hi".utf8) + [0x94, 0x20, 0x80, 0x20, 0x81] + Array("\n".utf8)
        var mapping = CSVMapping()
        mapping.encoding = .windows1252
        #expect(
            try readAll("excel.csv", bytes, options: LeadReaderOptions(csvMapping: mapping)) == [
                "record 2#1 {\"id\":\"L-1\",\"name\":\"José García\",\"note\":\"“hi” € \u{81}\"}"
            ]
        )
        let document = try YAMLDocument.parse(Array("version: 1\nencoding: Latin-1\n".utf8), path: "m.yaml")
        #expect(try CSVMapping.load(document).encoding == .windows1252)
    }

    @Test func lastRecordWithoutLineBreakAndStrayQuoteKept() throws {
        #expect(try readAll("x.csv", "id,note\nL-1,5\" screen") == [#"record 2#1 {"id":"L-1","note":"5\" screen"}"#])
    }

    @Test func headerOnlyHasNoRecords() throws {
        #expect(try readAll("h.csv", "id,name\n").isEmpty)
    }

    /// Without a mapping's delimiter, the header decides: a comma if it has one outside quotes, else a semicolon
    /// (spreadsheets where the comma is the decimal mark), else a tab, else a comma.
    @Test func delimiterTakenFromTheHeader() throws {
        #expect(
            try readAll("semi.csv", "id;contact.email;note\nL-1;a@x.com;\"1,5; or so\"\n") == [
                #"record 2#1 {"id":"L-1","contact":{"email":"a@x.com"},"note":"1,5; or so"}"#
            ]
        )
        #expect(try readAll("tab.csv", "id\tname\nL-1\tAna, Bo\n") == [#"record 2#1 {"id":"L-1","name":"Ana, Bo"}"#])
        // A comma in the header wins, a quoted one does not count, and one column stays one column.
        #expect(try readAll("both.csv", "id,name;x\nL-1,a;b\n") == [#"record 2#1 {"id":"L-1","name;x":"a;b"}"#])
        #expect(try readAll("quoted.csv", "\"a,b\";c\n1;2\n") == [#"record 2#1 {"a,b":"1","c":"2"}"#])
        #expect(try readAll("one.csv", "id\nL-1\n") == [#"record 2#1 {"id":"L-1"}"#])
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id;name\nL-1;Zoë\n".utf8)
        #expect(try readAll("bom-semi.csv", bom) == [#"record 2#1 {"id":"L-1","name":"Zoë"}"#])
        // A mapping's delimiter is used as it is.
        let options = LeadReaderOptions(csvMapping: CSVMapping(delimiter: UInt8(ascii: ",")))
        #expect(
            try readAll("forced.csv", "id;name\nL-1;Ana\n", options: options) == [#"record 2#1 {"id;name":"L-1;Ana"}"#]
        )
    }

    @Test func mappingGivesTypesAndNames() throws {
        let document = try YAMLDocument.parse(
            Array(
                """
                version: 1
                delimiter: ";"
                columns:
                  Employees: {field: company.employees, type: integer}
                  Revenue: {field: company.revenue, type: number}
                  Opt In: {field: consent, type: boolean}
                  Tags: {field: interests, type: list, separator: "|"}
                """.utf8
            ),
            path: "mapping.yaml"
        )
        let options = LeadReaderOptions(csvMapping: try CSVMapping.load(document))
        let text =
            "id;Employees;Revenue;Opt In;Tags\nL-1; 1200 ;2.5e6;Yes;api | routing||\nL-2;;;;\nL-3;ten;1;no;x\n"
            + "L-4;5;0x10;no;x\nL-5;5;nan;no;x\n"
        #expect(
            try readAll("typed.csv", text, options: options) == [
                #"record 2#1 {"id":"L-1","company":{"employees":1200,"revenue":2500000.0},"consent":true,"interests":["api","routing"]}"#,
                #"record 3#2 {"id":"L-2"}"#,
                """
                record error #3: typed.csv:4:5: error: column 'Employees': expected an integer, found 'ten'
                    4 | L-3;ten;1;no;x
                      |     ^
                """,
                """
                record error #4: typed.csv:5:7: error: column 'Revenue': expected a number, found '0x10'
                    5 | L-4;5;0x10;no;x
                      |       ^
                """,
                """
                record error #5: typed.csv:6:7: error: column 'Revenue': expected a number, found 'nan'
                    6 | L-5;5;nan;no;x
                      |       ^
                """,
            ]
        )
    }

    @Test func badRecordsAreReportedAndReadingGoesOn() throws {
        let text = """
            id,name,city
            L-1,Ana,Lisbon
            L-2,Bo
            L-3,"Cy"x,Oslo
            L-4,Di,Rome
            L-5,"Ed,Paris
            """
        #expect(
            try readAll("bad.csv", text) == [
                #"record 2#1 {"id":"L-1","name":"Ana","city":"Lisbon"}"#,
                """
                record error #2: bad.csv:3:1: error: expected 3 fields as in the header, found 2
                    3 | L-2,Bo
                      | ^
                """,
                """
                record error #3: bad.csv:4:9: error: unexpected character after a closing quote; double a quote inside a quoted field
                    4 | L-3,"Cy"x,Oslo
                      |         ^
                """,
                #"record 5#4 {"id":"L-4","name":"Di","city":"Rome"}"#,
                """
                record error #5: bad.csv:6:5: error: unterminated quoted field
                    6 | L-5,"Ed,Paris
                      |     ^
                """,
            ]
        )
    }

    @Test func invalidUTF8AndControlCharactersInCells() throws {
        let bytes =
            Array("id,name\nL-1,".utf8) + [0xC3, 0x28] + Array("\nL-2,a".utf8) + [0x00] + Array("b\nL-3,ok\n".utf8)
        #expect(
            try readAll("enc.csv", bytes) == [
                """
                record error #1: enc.csv:2:5: error: invalid UTF-8 in column 'name'; a file Excel saved as "CSV" is \
                Windows-1252: say so with encoding: windows-1252 (in the CSV mapping; for the accounts file, under \
                accounts)
                    2 | L-1,\u{FFFD}(
                      |     ^
                """,
                """
                record error #2: enc.csv:3:5: error: control character in column 'name'
                    3 | L-2,a\u{FFFD}b
                      |     ^
                """,
                #"record 4#3 {"id":"L-3","name":"ok"}"#,
            ]
        )
    }

    static let fileErrors: [FileCase] = [
        FileCase(
            name: "empty",
            bytes: [],
            rendered: "file error #-: f.csv:1:1: error: empty file; expected a header row"
        ),
        FileCase(
            name: "duplicate header",
            bytes: Array("id,name,id\n1,2,3\n".utf8),
            rendered: """
                file error #-: f.csv:1:9: error: duplicate column 'id' in the header
                    1 | id,name,id
                      |         ^
                """
        ),
        FileCase(
            name: "empty header name",
            bytes: Array("id,,name\n".utf8),
            rendered: """
                file error #-: f.csv:1:4: error: column 2 of the header has no name
                    1 | id,,name
                      |    ^
                """
        ),
        FileCase(
            name: "value and object at once",
            bytes: Array("company,company.name\n".utf8),
            rendered: """
                file error #-: f.csv:1:9: error: column 'company.name' conflicts with column 'company': one field cannot be both a value and an object
                    1 | company,company.name
                      |         ^
                """
        ),
        FileCase(
            name: "binary header",
            bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
            rendered: """
                file error #-: f.csv:1:1: error: invalid UTF-8 in the header
                    1 | \u{FFFD}PNG
                      | ^
                """
        ),
        FileCase(
            name: "binary header whose bytes break the quoting",
            bytes: [0x8F, 0x41, 0x2C, 0x22, 0x42, 0x22, 0x43, 0x0A, 0x31, 0x0A],
            rendered: """
                file error #-: f.csv:1:1: error: invalid UTF-8 in the header
                    1 | \u{FFFD}A,"B"C
                      | ^
                """
        ),
        FileCase(
            name: "unterminated quote after a binary byte",
            bytes: [0x41, 0xFF, 0x2C, 0x22, 0x42],
            rendered: """
                file error #-: f.csv:1:2: error: invalid UTF-8 in the header
                    1 | A\u{FFFD},"B
                      |  ^
                """
        ),
        FileCase(
            name: "text after a closing quote in a header of text",
            bytes: Array("id,\"na\"me\n".utf8),
            rendered: """
                file error #-: f.csv:1:8: error: unexpected character after a closing quote; double a quote inside a quoted field
                    1 | id,"na"me
                      |        ^
                """
        ),
    ]

    @Test(arguments: fileErrors)
    func fileErrorsStopTheReader(_ test: FileCase) throws {
        #expect(try readAll("f.csv", test.bytes) == [test.rendered])
    }

    @Test func overLongRecordIsSkipped() throws {
        let options = LeadReaderOptions(maxRecordBytes: 100)
        let text = "id,note\nL-1,a\nL-2,\"" + String(repeating: "x", count: 1_000_000) + "\nL-3,c\n"
        let results = try readAll("long.csv", text, options: options)
        #expect(results.first == #"record 2#1 {"id":"L-1","note":"a"}"#)
        #expect(
            results.dropFirst().first
                == "record error #2: long.csv:3:1: error: record longer than the limit of 100 bytes"
        )
        #expect(results.last == #"record 4#3 {"id":"L-3","note":"c"}"#)
        #expect(results.count == 3)
    }
}

struct CSVMappingTests {
    func mappingErrors(_ text: String) -> String {
        do {
            _ = try CSVMapping.load(YAMLDocument.parse(Array(text.utf8), path: "m.yaml"))
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func everyProblemAtItsPosition() {
        let text = """
            version: 2
            delimter: ";"
            columns:
              Employees: {field: company..employees, type: integr}
              Tags: {type: string, separator: ","}
            """
        #expect(
            mappingErrors(text) == """
                m.yaml:1:10: error: unknown version 2; this build reads version 1
                    1 | version: 2
                      |          ^
                m.yaml:2:1: error: unknown key 'delimter' (did you mean 'delimiter'?)
                    2 | delimter: ";"
                      | ^~~~~~~~
                m.yaml:4:22: error: invalid field path 'company..employees'
                    4 |   Employees: {field: company..employees, type: integr}
                      |                      ^~~~~~~~~~~~~~~~~~
                m.yaml:4:48: error: unknown type 'integr' (did you mean 'integer'?); expected string, integer, number, boolean, list or timestamp
                    4 |   Employees: {field: company..employees, type: integr}
                      |                                                ^~~~~~
                m.yaml:5:35: error: 'separator' applies only to columns of type 'list'
                    5 |   Tags: {type: string, separator: ","}
                      |                                   ^~~
                """
        )
    }

    @Test func shapeErrors() {
        #expect(
            mappingErrors("version: 1\ncolumns: [a]\n") == """
                m.yaml:2:10: error: expected a mapping, found a sequence
                    2 | columns: [a]
                      |          ^
                """
        )
        #expect(
            mappingErrors("version: 1\ndelimiter: ab\n") == """
                m.yaml:2:12: error: the delimiter must be one character other than a quote or a line break, found 'ab'
                    2 | delimiter: ab
                      |            ^~
                """
        )
    }
}

struct FileKindTests {
    /// A `.tsv` file is CSV separated by tabs, even when its header holds commas (which would make a `.csv` file
    /// comma-separated); a mapping names its files and columns as for CSV; Excel's `sep=` line still rules.
    @Test func tabSeparatedValues() throws {
        let text = "id\tCompany, name\tEmail\nL-1\tAcme, Inc.\t\"ana@acme.example\"\n"
        #expect(
            try readAll("export.TSV", text) == [
                #"record 2#1 {"id":"L-1","Company, name":"Acme, Inc.","Email":"ana@acme.example"}"#
            ]
        )
        // The same bytes as .csv: comma-separated.
        #expect(try readAll("export.csv", text).first?.contains(#""id\tCompany":"# + "\"") == true)
        let mapping = try CSVMapping.load(
            YAMLDocument.parse(
                Array("version: 1\nfiles: '*.tsv'\ncolumns:\n  Email: {field: contact.email}\n".utf8),
                path: "m.yaml"
            )
        )
        #expect(
            try readAll("export.tsv", text, options: LeadReaderOptions(csvMapping: mapping)) == [
                #"record 2#1 {"id":"L-1","Company, name":"Acme, Inc.","contact":{"email":"ana@acme.example"}}"#
            ]
        )
        #expect(
            try readAll("semicolons.tsv", "sep=;\nid;Email\nL-2;bo@beta.example\n") == [
                #"record 3#1 {"id":"L-2","Email":"bo@beta.example"}"#
            ]
        )
    }

    @Test func unsupportedExtension() throws {
        #expect(
            try readAll("notes.txt", "hello") == [
                "file error #-: notes.txt:1:1: error: unsupported file type; expected a .json, .ndjson, .jsonl, .csv or .tsv file"
            ]
        )
    }

    @Test func missingFile() {
        let results = LeadFileReader(path: "/nonexistent/leads.ndjson").map(describe)
        #expect(
            results == [
                "file error #-: /nonexistent/leads.ndjson:1:1: error: cannot read the file: No such file or directory"
            ]
        )
    }

    @Test func directoryIsRefused() throws {
        let directory = try TestDirectory()
        let path = directory.path + "/folder.ndjson"
        try FileManagerShim.makeDirectory(path)
        #expect(
            LeadFileReader(path: path).map(describe) == [
                "file error #-: \(path):1:1: error: not a regular file (a directory)"
            ]
        )
    }

    @Test(.timeLimit(.minutes(1)))
    func fifoIsRefusedWithoutBlocking() throws {
        let directory = try TestDirectory()
        let path = directory.path + "/pipe.ndjson"
        try FileManagerShim.makeFIFO(path)
        #expect(
            LeadFileReader(path: path).map(describe) == [
                "file error #-: \(path):1:1: error: not a regular file (a FIFO)"
            ]
        )
    }
}
