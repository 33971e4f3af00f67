import Testing
import YAML

@testable import Leads

@Suite("JSON writing")
struct JSONWriterTests {
    /// Every byte JSON strings escape, at every position of texts shorter and longer than two blocks of sixteen
    /// bytes.
    @Test("the first byte to escape is found wherever it is")
    func firstToEscape() {
        let special: [UInt8] = Array(0x00..<0x20) + [0x22, 0x5C, 0x7F]
        let plain: [UInt8] = Array(0x20...0x7E).filter { $0 != 0x22 && $0 != 0x5C } + [0x80, 0xC3, 0xA9, 0xFF]
        for length in 0...40 {
            let clean = (0..<length).map { plain[$0 * 7 % plain.count] }
            #expect(clean.withUnsafeBufferPointer { LeadValue.firstToEscape($0) } == nil)
            for position in 0..<length {
                for byte in special {
                    var bytes = clean
                    bytes[position] = byte
                    // A second one later does not matter.
                    if position + 2 < length { bytes[position + 2] = 0x22 }
                    let found = bytes.withUnsafeBufferPointer { LeadValue.firstToEscape($0) }
                    #expect(found == position, "byte \(byte) at \(position) of \(length)")
                }
            }
        }
    }

    @Test("strings are written with exactly the escapes JSON needs")
    func escapes() {
        var out: [UInt8] = []
        LeadValue.writeJSONString("plain text, long enough for words: ok", into: &out)
        LeadValue.writeJSONString("tab\there \"quoted\" back\\slash\u{7F}\u{01}é", into: &out)
        #expect(
            String(decoding: out, as: UTF8.self)
                == #""plain text, long enough for words: ok""tab\there \"quoted\" back\\slash\u007f\u0001é""#
        )
    }
}

@Suite("JSON writer")
struct JSONBytesWriterTests {
    /// What `LeadValue`'s writer gives, the reference the writer must match byte for byte.
    func reference(_ text: String) -> String {
        var out: [UInt8] = []
        LeadValue.writeJSONString(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("strings, keys and scalars come out as LeadValue writes them, past the first buffer's end")
    func matchesLeadValue() {
        let texts = [
            "", "a", "plain text, long enough for words: ok", "tab\there \"quoted\" back\\slash\u{7F}\u{01}é",
            "line\nbreak\r", String(repeating: "ü€𝄞", count: 400), "\u{1F}" + String(repeating: "x", count: 3000),
        ]
        var json = JSONWriter(capacity: 16)
        var expected = ""
        json.byte(UInt8(ascii: "{"))
        expected += "{"
        for (index, text) in texts.enumerated() {
            json.key("text", first: index == 0)
            json.string(text)
            expected += (index == 0 ? "" : ",") + "\"text\":" + reference(text)
        }
        let values: [LeadValue] = [
            .null, .bool(true), .bool(false), .int(0), .int(9), .int(10), .int(-42), .int(Int.max), .int(Int.min),
            .double(2.5), .double(-0.25), .double(.infinity), .string("s\"q"), .array([.int(1), .string("x")]),
        ]
        for value in values {
            json.key("value")
            json.value(value)
            expected += ",\"value\":" + value.jsonText
        }
        json.key("missing")
        json.string(orNull: nil)
        expected += ",\"missing\":null"
        json.byte(UInt8(ascii: "}"))
        expected += "}"
        var out = Array("prefix:".utf8)
        json.finish(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "prefix:" + expected)
    }

    @Test("integers are written as their decimal text")
    func integers() {
        for number in [0, 1, 9, 10, 99, 100, 12345, 999_999_999_999_999_999, 1_000_000_000_000_000_000, -1, Int.max] {
            var json = JSONWriter(capacity: 1)
            json.integer(number)
            #expect(String(decoding: json.finish(), as: UTF8.self) == String(number))
        }
    }

    /// The reference: round to hundredths, a whole number as an integer, else the `Double`'s own shortest text.
    static func hundredthsByValue(_ number: Double) -> String {
        let rounded = (number * 100).rounded() / 100
        var json = JSONWriter(capacity: 1)
        if rounded == rounded.rounded() && abs(rounded) < 1e15 {
            json.integer(Int(rounded))
        } else {
            json.value(.double(rounded))
        }
        return String(decoding: json.finish(), as: UTF8.self)
    }

    @Test("numbers rounded to hundredths come out as the rounded Double's own text, whole ones as integers")
    func hundredths() {
        var numbers: [Double] = [
            0, -0.0, 0.004, 0.005, -0.005, 0.01, 0.05, -0.05, 0.1, 0.5, 1, 1.5, 3.06, 19.06, 19.1, 66.06, 100.1,
            -3.06, 99.995, 869784.3, 1234567.89, 9.99e12, 1e13 + 0.5, 1e13 - 0.01, 5e14, 1e15, 2e15, -7.25e13,
            .nan, .infinity, -.infinity, .pi, 1 / 3, 2 / 3,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20000 {
            numbers.append(Double.random(in: -1000...1000, using: &generator))
            numbers.append(Double(Int.random(in: -100_000...100_000, using: &generator)) / 100)
            numbers.append(Double.random(in: -1e14...1e14, using: &generator))
        }
        for number in numbers {
            var json = JSONWriter(capacity: 1)
            json.hundredths(number)
            #expect(String(decoding: json.finish(), as: UTF8.self) == Self.hundredthsByValue(number), "\(number)")
        }
    }

    @Test("times are written as ISO 8601 UTC strings, in and out of the four-digit years")
    func timestamps() {
        for seconds in [0.0, 1_795_910_400, 1_795_910_400.9, -1, -86_401, 253_402_300_799, 253_402_300_800] {
            var json = JSONWriter()
            json.timestamp(seconds)
            #expect(String(decoding: json.finish(), as: UTF8.self) == "\"\(Timestamp.iso8601(seconds))\"")
        }
        var json = JSONWriter()
        json.timestamp(1_795_910_400)
        #expect(String(decoding: json.finish(), as: UTF8.self) == "\"2026-11-29T00:00:00Z\"")
    }
}
