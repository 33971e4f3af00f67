import Testing

@testable import Leads

struct NDJSONReaderTests {
    @Test func oneObjectPerLineBlankLinesSkipped() throws {
        let text = "{\"id\":1}\n\n  \n{\"id\":2}\r\n{\"id\":3}"
        #expect(
            try readAll("a.ndjson", text) == [
                #"record 1#1 {"id":1}"#, #"record 4#2 {"id":2}"#, #"record 5#3 {"id":3}"#,
            ]
        )
        #expect(try readAll("a.jsonl", "{\"x\":true}\n") == [#"record 1#1 {"x":true}"#])
    }

    @Test func badLinesAreBadRecordsAndReadingGoesOn() throws {
        let bytes: [UInt8] =
            Array("{\"id\":1}\n[1,2]\n{\"id\":\"a\" \"b\"}\n".utf8) + [
                0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D, 0x0A,
            ]
            + [0x00, 0x01, 0x02, 0x0A] + Array("{\"id\":6}\n{\"id\":".utf8)
        #expect(
            try readAll("mixed.ndjson", bytes) == [
                #"record 1#1 {"id":1}"#,
                """
                record error #2: mixed.ndjson:2:1: error: expected a JSON object for a lead, found an array
                    2 | [1,2]
                      | ^
                """,
                """
                record error #3: mixed.ndjson:3:11: error: unexpected '"', expected ',' or '}' after a member
                    3 | {"id":"a" "b"}
                      |           ^
                """,
                """
                record error #4: mixed.ndjson:4:7: error: invalid UTF-8 in a string (byte 0xff)
                    4 | {"a":"\u{FFFD}"}
                      |       ^
                """,
                """
                record error #5: mixed.ndjson:5:1: error: unexpected byte 0x00, expected a value
                    5 | \u{FFFD}\u{FFFD}\u{FFFD}
                      | ^
                """,
                #"record 6#6 {"id":6}"#,
                """
                record error #7: mixed.ndjson:7:7: error: unexpected end of input, expected a value
                    7 | {"id":
                      |       ^
                """,
            ]
        )
    }

    @Test func emptyFileIsAFileError() throws {
        let expected = ["file error #-: e.ndjson:1:1: error: empty file; expected one JSON object per line"]
        #expect(try readAll("e.ndjson", "") == expected)
        #expect(try readAll("e.ndjson", "\n  \n\r\n") == expected)
    }

    @Test func overLongLineIsSkippedWithoutBufferingIt() throws {
        let options = LeadReaderOptions(maxRecordBytes: 1000)
        let long = "{\"pad\":\"" + String(repeating: "x", count: 2_000_000) + "\"}"
        let results = try readAll("long.ndjson", "{\"id\":1}\n\(long)\n{\"id\":3}\n", options: options)
        #expect(
            results == [
                #"record 1#1 {"id":1}"#,
                "record error #2: long.ndjson:2:1: error: record longer than the limit of 1000 bytes",
                #"record 3#3 {"id":3}"#,
            ]
        )
    }

    @Test func byteOrderMarkIsSkipped() throws {
        #expect(try readAll("bom.ndjson", [0xEF, 0xBB, 0xBF] + Array("{\"a\":1}\n".utf8)) == [#"record 1#1 {"a":1}"#])
    }

    @Test func linesAcrossReadChunksKeepTheirNumbersAndOffsets() throws {
        // 20,000 lines of varying length cross many 256 KiB chunk boundaries.
        var text = ""
        var offsets: [Int] = []
        for i in 1...20_000 {
            offsets.append(text.utf8.count)
            text += "{\"id\":\(i),\"pad\":\"" + String(repeating: "é", count: i % 97) + "\"}\n"
        }
        let directory = try TestDirectory()
        let path = try directory.write("many.ndjson", text)
        var count = 0
        for result in LeadFileReader(path: path) {
            guard case .record(let record) = result else {
                Issue.record("unexpected \(result)")
                continue
            }
            count += 1
            #expect(record.origin.line == count)
            #expect(record.origin.byteOffset == offsets[count - 1])
            #expect(record.fields["id"] == .int(count))
        }
        #expect(count == 20_000)
    }
}
