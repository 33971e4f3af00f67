import Testing

@testable import Leads

/// Parses one JSON value, or returns the error as `offset: message`.
func json(_ text: String, maxDepth: Int = 64) -> String {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { buffer in
        do throws(JSONSyntaxError) {
            return try JSONParser.parse(buffer, maxDepth: maxDepth).jsonText
        } catch {
            return "\(error.offset): \(error.message)"
        }
    }
}

struct JSONParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var output: String
        var testDescription: String { input }
    }

    static let valid: [Case] = [
        Case(input: #"{"a":1,"b":-2,"c":0}"#, output: #"{"a":1,"b":-2,"c":0}"#),
        Case(input: #" { "b" : [ true , false , null ] } "#, output: #"{"b":[true,false,null]}"#),
        Case(input: "[1.5,-0.25,1e3,2E-2,-0]", output: "[1.5,-0.25,1000.0,0.02,0]"),
        Case(input: "9223372036854775807", output: "9223372036854775807"),
        Case(input: "-9223372036854775808", output: "-9223372036854775808"),
        Case(input: "92233720368547758070", output: "9.223372036854776e+19"),
        Case(input: #""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#, output: #""a\"b\\c/d\n\té😀""#),
        Case(input: #""héllo wörld""#, output: #""héllo wörld""#),
        Case(input: #"{"z":1,"a":2,"m":3}"#, output: #"{"z":1,"a":2,"m":3}"#),
        Case(input: "\"\\u0000\"", output: "\"\\u0000\""),
    ]

    @Test(arguments: valid)
    func parsesAndWritesBack(_ test: Case) {
        #expect(json(test.input) == test.output)
    }

    static let invalid: [Case] = [
        Case(input: "", output: "0: unexpected end of input, expected a value"),
        Case(input: "{", output: "1: unexpected end of input, expected a string key"),
        Case(input: #"{"a" 1}"#, output: "5: unexpected '1', expected ':' after the key"),
        Case(input: #"{"a":1 "b":2}"#, output: "7: unexpected '\"', expected ',' or '}' after a member"),
        Case(input: "[1,]", output: "3: unexpected ']', expected a value"),
        Case(input: "[1 2]", output: "3: unexpected '2', expected ',' or ']' after an item"),
        Case(input: "{'a':1}", output: "1: unexpected ''', expected a string key"),
        Case(input: "tru", output: "3: unexpected end of input, expected 'true'"),
        Case(input: "nul1", output: "0: invalid literal; expected 'null'"),
        Case(input: "01", output: "0: invalid number"),
        Case(input: "-", output: "0: invalid number"),
        Case(input: "1.", output: "0: invalid number"),
        Case(input: "1e", output: "0: invalid number"),
        Case(input: "1e999", output: "0: number out of range"),
        Case(input: #""abc"#, output: "0: unterminated string"),
        Case(input: "\"a\tb\"", output: "2: control character byte 0x09 in a string; escape it"),
        Case(input: #""\q""#, output: #"1: invalid escape '\q'"#),
        Case(input: #""\u12""#, output: #"1: invalid \u escape; expected four hex digits"#),
        Case(input: #""\ud83d""#, output: #"1: invalid \u escape: an unpaired UTF-16 surrogate"#),
        Case(input: #""\ude00x""#, output: #"1: invalid \u escape: an unpaired UTF-16 surrogate"#),
        Case(input: #"{"a":1,"a":2}"#, output: "7: duplicate key 'a'"),
        Case(input: "{} x", output: "3: unexpected content after the JSON value"),
        Case(input: "\u{7F}", output: "0: unexpected byte 0x7f, expected a value"),
    ]

    @Test(arguments: invalid)
    func rejectsWithOffset(_ test: Case) {
        #expect(json(test.input) == test.output)
    }

    @Test func invalidUTF8InAString() {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]
        let message = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) {
                return try JSONParser.parse(buffer, maxDepth: 8).jsonText
            } catch {
                return "\(error.offset): \(error.message)"
            }
        }
        #expect(message == "2: invalid UTF-8 in a string (byte 0xc3)")
    }

    @Test func nestingBombStopsAtTheLimit() {
        let bomb = String(repeating: "[", count: 100_000)
        #expect(json(bomb) == "64: nesting deeper than 64 levels")
        #expect(json(String(repeating: "[", count: 3) + String(repeating: "]", count: 3), maxDepth: 3) == "[[[]]]")
        #expect(json("[[[[]]]]", maxDepth: 3) == "3: nesting deeper than 3 levels")
    }

    /// Keys of the same length and first byte share a bit of the seen-keys mask: they are compared, not taken for
    /// duplicates; a key whose bit is new is never compared.
    @Test func keysAlikeAreComparedNotConfused() {
        #expect(json(#"{"ab":1,"ac":2,"ad":{"x":1,"y":2}}"#) == #"{"ab":1,"ac":2,"ad":{"x":1,"y":2}}"#)
        #expect(json(#"{"ab":1,"ac":2,"ab":3}"#) == "15: duplicate key 'ab'")
        #expect(json(#"{"":1,"a":2,"":3}"#) == "12: duplicate key ''")
    }

    @Test func manyKeysStillRejectDuplicates() {
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(json("{\(members)}").hasPrefix("{\"k0\":0,"))
        #expect(json("{\(members),\"k7\":1}").hasSuffix("duplicate key 'k7'"))
    }
}

/// Strings are scanned eight bytes at a time: a quote, backslash, control character or bad UTF-8 byte must be found
/// at every position in and across those words.
@Suite("JSON strings across words")
struct JSONStringWordTests {
    static func parse(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) {
                return try JSONParser.parse(buffer, maxDepth: 8).jsonText
            } catch {
                return "\(error.offset): \(error.message)"
            }
        }
    }

    @Test("every special byte at every position", arguments: 0..<20)
    func everyPosition(_ length: Int) {
        let prefix = Array(repeating: UInt8(ascii: "a"), count: length)
        let text = String(repeating: "a", count: length)
        let quote = UInt8(ascii: "\"")
        // A plain string, then one followed by other members that the scan must not read as its own.
        #expect(Self.parse([quote] + prefix + [quote]) == "\"\(text)\"")
        #expect(Self.parse(Array("[\"".utf8) + prefix + Array("\",\"é\\u0001\"]".utf8)) == "[\"\(text)\",\"é\\u0001\"]")
        // An escape, a control character, a bad UTF-8 byte and a good two-byte letter at the position.
        #expect(Self.parse([quote] + prefix + Array("\\n".utf8) + [quote]) == "\"\(text)\\n\"")
        #expect(
            Self.parse([quote] + prefix + [0x01, quote])
                == "\(length + 1): control character byte 0x01 in a string; escape it"
        )
        #expect(Self.parse([quote] + prefix + [0xC3, quote]) == "\(length + 1): invalid UTF-8 in a string (byte 0xc3)")
        // The same with more of the document after the string, as most strings are read.
        let after = Array("\",\"tail of the document\"]".utf8)
        #expect(
            Self.parse(Array("[\"".utf8) + prefix + [0xC3] + after)
                == "\(length + 2): invalid UTF-8 in a string (byte 0xc3)"
        )
        #expect(
            Self.parse(Array("[\"".utf8) + prefix + [0xC3, 0xA9] + after) == "[\"\(text)é\",\"tail of the document\"]"
        )
        #expect(
            Self.parse(Array("[\"".utf8) + prefix + [0x1F] + after)
                == "\(length + 2): control character byte 0x1f in a string; escape it"
        )
        #expect(
            Self.parse(Array("[\"".utf8) + prefix + Array("\\\"".utf8) + after)
                == "[\"\(text)\\\"\",\"tail of the document\"]"
        )
        #expect(Self.parse([quote] + prefix + [0xC3, 0xA9, quote]) == "\"\(text)é\"")
        #expect(Self.parse([quote] + prefix + [0xC3, 0xA9]) == "0: unterminated string")
    }
}
