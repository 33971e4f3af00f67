import Testing

@testable import Leads

struct JSONFileReaderTests {
    @Test func oneObject() throws {
        #expect(try readAll("lead.json", "\n{\"id\": \"L-1\", \"n\": 2}\n") == [#"record 2#1 {"id":"L-1","n":2}"#])
    }

    @Test func arrayOfObjectsWithLines() throws {
        let text = """
            [
              {"id": "a"},
              {"id": "b"},

              {"id": "c"}
            ]
            """
        #expect(
            try readAll("batch.JSON", text) == [
                #"record 2#1 {"id":"a"}"#, #"record 3#2 {"id":"b"}"#, #"record 5#3 {"id":"c"}"#,
            ]
        )
    }

    @Test func byteOrderMarkIsSkipped() throws {
        #expect(try readAll("bom.json", [0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8)) == [#"record 1#1 {"a":1}"#])
    }

    @Test func emptyArrayHasNoRecords() throws {
        #expect(try readAll("none.json", "[]").isEmpty)
    }

    @Test func itemsThatAreNotObjectsAreBadRecords() throws {
        #expect(
            try readAll("mixed.json", "[{\"id\":1},\n  42,\n {\"id\":3}]") == [
                #"record 1#1 {"id":1}"#,
                """
                record error #2: mixed.json:2:3: error: expected a JSON object for a lead, found a number
                    2 |   42,
                      |   ^
                """,
                #"record 3#3 {"id":3}"#,
            ]
        )
    }

    static let fileErrors: [FileCase] = [
        FileCase(
            name: "empty file",
            bytes: [],
            rendered: "file error #-: bad.json:1:1: error: empty file; expected a JSON object or an array of objects"
        ),
        FileCase(
            name: "only whitespace",
            bytes: Array(" \n\t\n".utf8),
            rendered: "file error #-: bad.json:1:1: error: empty file; expected a JSON object or an array of objects"
        ),
        FileCase(
            name: "a string",
            bytes: Array(#""lead""#.utf8),
            rendered: """
                file error #-: bad.json:1:1: error: expected a JSON object or an array of objects, found a string
                    1 | "lead"
                      | ^
                """
        ),
        FileCase(
            name: "syntax error late in an array rejects the whole file",
            bytes: Array("[{\"id\":1},\n {\"id\":2},\n {\"id\" 3}]".utf8),
            rendered: """
                file error #-: bad.json:3:8: error: unexpected '3', expected ':' after the key
                    3 |  {"id" 3}]
                      |        ^
                """
        ),
        FileCase(
            name: "truncated",
            bytes: Array("[{\"id\":1},\n {\"id\":".utf8),
            rendered: """
                file error #-: bad.json:2:8: error: unexpected end of input, expected a value
                    2 |  {"id":
                      |        ^
                """
        ),
        FileCase(
            name: "binary garbage",
            bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00],
            rendered: """
                file error #-: bad.json:1:1: error: unexpected byte 0x89, expected a value
                    1 | \u{FFFD}PNG
                      | ^
                """
        ),
        FileCase(
            name: "NUL bytes",
            bytes: [0x7B, 0x00, 0x7D],
            rendered: """
                file error #-: bad.json:1:2: error: unexpected byte 0x00, expected a string key
                    1 | {\u{FFFD}}
                      |  ^
                """
        ),
        FileCase(
            name: "trailing content",
            bytes: Array("{}\n{}".utf8),
            rendered: """
                file error #-: bad.json:2:1: error: unexpected content after the JSON value
                    2 | {}
                      | ^
                """
        ),
        FileCase(
            name: "nesting bomb",
            bytes: Array(String(repeating: "[", count: 1_000_000).utf8),
            rendered: "file error #-: bad.json:1:65: error: nesting deeper than 64 levels\n    1 | "
                + String(repeating: "[", count: 400) + "\n      | " + String(repeating: " ", count: 64) + "^"
        ),
    ]

    @Test(arguments: fileErrors)
    func fileErrorsYieldNoRecords(_ test: FileCase) throws {
        #expect(try readAll("bad.json", test.bytes) == [test.rendered])
    }

    @Test func fileOverTheSizeLimitIsRefusedBeforeReading() throws {
        let options = LeadReaderOptions(maxJSONFileBytes: 10)
        #expect(
            try readAll("big.json", #"{"id":"0123456789"}"#, options: options) == [
                "file error #-: big.json:1:1: error: file is larger than the limit of 10 bytes for .json files; "
                    + "send large batches as NDJSON"
            ]
        )
    }
}
