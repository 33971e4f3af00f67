import Foundation
import TestSupport
import Testing

@testable import Rules

/// Text operators compare without regard to case, beyond ASCII too: as both sides lower-cased by
/// `String.lowercased()` and compared by their bytes, the way `in` lists compare. Random texts of pieces with and
/// without case, and with lower-case mappings of another length (`İ`), on a lead field and on events' fields and
/// types (the events' own fast path), against that reference.
struct TextCaseTests {
    static let pieces = [
        "a", "B", "x", "é", "É", "ü", "Ü", "ß", "SS", "ẞ", "Σ", "σ", "ς", "İ", "i", "ı", "I", "\u{212A}", "k", "K",
        "e\u{301}", "Ω", "ω", "ﬁ", "FI", "ǅ", "Ǆ", "ǆ", "-", "1", "MÜNCHEN", "münchen",
    ]

    /// A text of `count` pieces.
    static func text(_ g: inout TestRandom, _ count: ClosedRange<Int>) -> String {
        (0..<g.int(count)).map { _ in g.pick(pieces) }.joined()
    }

    static func lowered(_ text: String) -> [UInt8] { Array(text.lowercased().utf8) }

    static func contains(_ text: [UInt8], _ part: [UInt8]) -> Bool {
        guard part.count <= text.count else { return false }
        return (0...(text.count - part.count)).contains { Array(text[$0..<($0 + part.count)]) == part }
    }

    /// What each operator says of `text` and `constant`, as both lower-cased.
    static func expected(_ operation: String, _ text: String, _ constant: String) -> Bool {
        let (t, c) = (lowered(text), lowered(constant))
        switch operation {
        case "==": return t == c
        case "!=": return t != c
        case "contains": return contains(t, c)
        case "starts_with": return t.starts(with: c)
        default: return t.count >= c.count && Array(t.suffix(c.count)) == c
        }
    }

    static let operations = ["==", "!=", "contains", "starts_with", "ends_with"]

    @Test("==, !=, contains, starts_with, ends_with and event types compare as both sides lower-cased")
    func operatorsAgreeWithLowercased() throws {
        var g = TestRandom()
        let constants = (0..<24).map { _ in Self.text(&g, 1...3) }
        var rules = "version: 1\ncategory: fit\nrules:\n"
        for (index, constant) in constants.enumerated() {
            for (number, operation) in Self.operations.enumerated() {
                rules += "  - id: name-\(index)-\(number)\n    when: company.name \(operation) \"\(constant)\"\n"
                rules += "    points: 1\n"
                rules += "  - id: event-\(index)-\(number)\n"
                rules += "    when: exists(events, form \(operation) \"\(constant)\")\n    points: 1\n"
            }
            rules += "  - id: list-\(index)\n    when: company.name in [\"\(constant)\"]\n    points: 1\n"
            rules += "  - id: type-\(index)\n    when: exists(events, type == \"\(constant)\")\n    points: 1\n"
        }
        let program = try RuleFixture(["q.yaml": qualification, "fit.yaml": rules]).program()
        var checked = 0
        for number in 0..<300 {
            // Every third lead's texts are made of one constant's pieces in another case: more of them match.
            let base = constants[number % constants.count]
            let name =
                number % 3 == 0 ? (number % 2 == 0 ? base.uppercased() : base.lowercased()) : Self.text(&g, 1...4)
            let form = number % 3 == 1 ? base.uppercased() + Self.text(&g, 0...1) : Self.text(&g, 1...4)
            let type = number % 3 == 2 ? base.uppercased() : Self.text(&g, 1...2)
            let json = """
                {"company": {"name": "\(name)"}, "events": [{"type": "\(type)", "form": "\(form)", \
                "at": "2026-11-28T00:00:00Z"}]}
                """
            let fired = Set(program.evaluate(try lead(json), now: testNow).firedIDs)
            for (index, constant) in constants.enumerated() {
                for (operation, op) in Self.operations.enumerated() {
                    #expect(
                        fired.contains("name-\(index)-\(operation)") == Self.expected(op, name, constant),
                        "\(name.debugDescription) \(op) \(constant.debugDescription)"
                    )
                    #expect(
                        fired.contains("event-\(index)-\(operation)") == Self.expected(op, form, constant),
                        "event form \(form.debugDescription) \(op) \(constant.debugDescription)"
                    )
                }
                #expect(fired.contains("list-\(index)") == Self.expected("==", name, constant), "\(name) in list")
                #expect(
                    fired.contains("type-\(index)") == Self.expected("==", type, constant),
                    "event type \(type.debugDescription) == \(constant.debugDescription)"
                )
                checked += 12
            }
        }
        #expect(checked == 300 * 24 * 12)
    }
}
