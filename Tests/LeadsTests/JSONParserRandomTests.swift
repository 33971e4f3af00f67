import Foundation
import TestSupport
import Testing

@testable import Leads

/// Random JSON texts, valid and broken by a byte or two, against Foundation's `JSONSerialization`: both accept the
/// same texts and read the same values, but where Foundation is lax (a comma before `]`, NUL bytes, two equal keys).
/// Out-of-range numbers are left to `JSONParserTests` (with two equal keys, Foundation drops the first before it
/// would refuse it). `SEED=N ROUNDS=N swift test --filter JSONParserRandom` searches further.
struct JSONParserRandomTests {

    static let strings = [
        "", "a", "é", "\\u00e9", "\\ud83d\\ude00", "\\n", "\\\"", "\\\\", "\\/", "😀", "x y", "\\u0000", "\\ud800",
        "\\udc00x", "\\u12", "\t", "\\x", "\u{7F}", "key",
    ]
    static let numbers = [
        "0", "-0", "1", "-1", "12", "1.5", "-0.25", "1e3", "1E+2", "2e-2", "01", "1.", ".5", "-", "1e", "+1",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
        "0.1e1", "NaN", "Infinity", "0x10",
    ]

    static func value(_ g: inout TestRandom, depth: Int) -> String {
        switch g.next() % (depth > 3 ? 4 : 6) {
        case 0: return "\"" + g.pick(strings) + "\""
        case 1: return g.pick(numbers)
        case 2: return g.pick(["true", "false", "null", "tru", "nul"])
        case 3: return "\"" + g.pick(strings) + g.pick(strings) + "\""
        case 4:
            let items = (0..<(g.next() % 4)).map { _ in value(&g, depth: depth + 1) }
            return "[" + items.joined(separator: g.pick([",", ",", ", ", " ,"])) + "]"
        default:
            let members = (0..<(g.next() % 4)).map { _ in
                "\"" + g.pick(strings) + "\"" + g.pick([":", " : ", ":"]) + value(&g, depth: depth + 1)
            }
            return "{" + members.joined(separator: g.pick([",", ",", ", "])) + "}"
        }
    }

    /// A text: a value, sometimes with one of its bytes removed, doubled or replaced.
    static func text(_ g: inout TestRandom) -> [UInt8] {
        var bytes = Array(value(&g, depth: 0).utf8)
        if g.next() % 3 == 0, !bytes.isEmpty {
            let at = g.next() % bytes.count
            switch g.next() % 3 {
            case 0: bytes.remove(at: at)
            case 1: bytes.insert(bytes[at], at: at)
            default: bytes[at] = g.pick(Array("{}[]\",:\\ 0aé".utf8) + [0x80, 0xFF, 0x00, 0x1F])
            }
        }
        if g.next() % 5 == 0 { bytes = Array(" \n".utf8) + bytes + Array("\t ".utf8) }
        return bytes
    }

    /// Foundation's value as leadd's, for comparing.
    static func foundationValue(_ any: Any) -> LeadValue? {
        switch any {
        case is NSNull: return .null
        case let number as NSNumber:
            return .double(number.doubleValue)
        case let text as String: return .string(text)
        case let array as [Any]:
            var items: [LeadValue] = []
            for item in array {
                guard let value = foundationValue(item) else { return nil }
                items.append(value)
            }
            return .array(items)
        default: return nil
        }
    }

    /// Whether leadd's value and Foundation's agree: numbers as doubles, objects by their members.
    static func same(_ ours: LeadValue, _ theirs: Any) -> Bool {
        switch (ours, theirs) {
        case (.object(let object), let dictionary as [String: Any]):
            guard object.count == dictionary.count else { return false }
            return object.fields.allSatisfy { field in dictionary[field.key].map { same(field.value, $0) } ?? false }
        case (.array(let items), let array as [Any]):
            return items.count == array.count && zip(items, array).allSatisfy { same($0, $1) }
        case (.int(let int), let number as NSNumber):
            return Double(int) == number.doubleValue || number.int64Value == Int64(int)
        case (.double(let double), let number as NSNumber):
            // Foundation keeps a long integer as a decimal: its digits, read as the nearest double.
            return double == number.doubleValue || double == Double(number.stringValue)
        case (.bool(let bool), let value as Bool): return bool == value
        case (.null, is NSNull): return true
        case (.string(let text), let other as String): return text.unicodeScalars.elementsEqual(other.unicodeScalars)
        default: return false
        }
    }

    @Test func agreesWithFoundation() throws {
        var g = TestRandom()
        var disagreements: [String] = []
        var accepted = 0
        for _ in 0..<TestRandom.rounds(20_000) {
            let bytes = Self.text(&g)
            let ours: Result<LeadValue, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
                do throws(JSONSyntaxError) {
                    return .success(try JSONParser.parse(buffer, maxDepth: 64))
                } catch {
                    return .failure(error)
                }
            }
            let theirs = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            let shown = String(decoding: bytes, as: UTF8.self).debugDescription
            switch (ours, theirs) {
            case (.success(let value), let theirs?):
                accepted += 1
                if !Self.same(value, theirs) { disagreements.append("\(shown): \(value.jsonText) vs \(theirs)") }
            case (.success(let value), nil):
                disagreements.append("\(shown): leadd reads \(value.jsonText), Foundation refuses")
            case (.failure(let error), let theirs?):
                // Foundation also reads what RFC 8259 does not allow: a comma before `]` or `}`, and NUL bytes
                // before a value. leadd refuses them, and two equal keys in an object (Foundation keeps the last).
                let text = String(decoding: bytes, as: UTF8.self)
                let lax =
                    text.contains(/,\s*[\]}]/) || bytes.contains(0) || error.message.contains("duplicate")
                if !lax {
                    disagreements.append("\(shown): leadd refuses (\(error.message)), Foundation reads \(theirs)")
                }
            case (.failure, nil):
                break
            }
        }
        #expect(accepted > 1000)
        #expect(disagreements.isEmpty, "\(disagreements.count):\n\(disagreements.prefix(30).joined(separator: "\n"))")
    }
}
