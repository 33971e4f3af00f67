import Foundation
import Leads
import Testing

@testable import Rules

/// Event-function predicates made only of text tests run on the events' bytes (`EventPredicate`); these check they
/// count exactly what the expression counts, written so it takes the general way (`not not (...)` is the same
/// test, three-valued, but not one the fast path takes).
@Suite("event predicates")
struct EventPredicateTests {
    static let cases: [(predicate: String, count: Int)] = [
        (#"url contains "/pricing""#, 2),
        (#"url starts_with "/PRICING""#, 1),
        (#"url ends_with "/a""#, 1),
        (#"url == "/docs""#, 1),
        // "42" is text to `!=`; empty, null and absent URLs are missing, so they are not "!=" anything.
        (#"url != "/docs""#, 3),
        (#"url contains "4""#, 1),
        (#"url contains """#, 4),
        (#"form == "contact-sales" and url != "x""#, 0),
        (#"type == "form_submit" and form starts_with "contact""#, 2),
        (#"type == "form_submit" and form == "CONTACT-sales""#, 1),
        // Keys of eight bytes and of more than eight, which events are matched on differently.
        (#"campaign starts_with "spring-""#, 1),
        (#"landing_page_url contains "PROMO""#, 2),
    ]

    static let eventsLead = """
        {"events": [
          {"type": "page_view", "url": "https://x.example/PRICING/a", "at": "2026-11-20T00:00:00Z",
           "campaign": "Spring-Promo", "landing_page_url": "/promo/a"},
          {"type": "page_view", "url": "  /pricing  ", "at": "2026-11-20T00:00:00Z", "landing_page_url": "https://x/Promo"},
          {"type": "page_view", "url": "", "at": "2026-11-20T00:00:00Z"},
          {"type": "page_view", "url": 42, "at": "2026-11-20T00:00:00Z"},
          {"type": "page_view", "at": "2026-11-20T00:00:00Z"},
          {"type": "page_view", "url": "/docs", "at": "2026-11-20T00:00:00Z"},
          {"type": "page_view", "url": null, "at": "2026-11-20T00:00:00Z"},
          {"type": " Form_Submit", "form": "Contact-Sales ", "at": "2026-11-20T00:00:00Z"},
          {"type": "form_submit", "form": "contact", "at": "2026-11-20T00:00:00Z"}
        ]}
        """

    @Test("text tests on event fields count what the expression counts")
    func fastPathMatchesExpressions() throws {
        var rules = "version: 1\ncategory: behavior\nfields:\n  events.landing_page_url: string\nrules:\n"
        for (index, test) in Self.cases.enumerated() {
            let escaped = test.predicate.replacingOccurrences(of: "'", with: "''")
            rules += """
                  - id: fast.\(index)
                    when: 'count(events, \(escaped), within 30d) == \(test.count)'
                    points: 1
                  - id: general.\(index)
                    when: 'count(events, not not (\(escaped)), within 30d) == \(test.count)'
                    points: 1

                """
        }
        let fixture = try RuleFixture(["q.yaml": qualification, "b.yaml": rules])
        let program = try fixture.program()
        // The fast path is really taken for the plain predicates, and not for the others.
        let plan = try #require(program.aggregatePlans.values.first)
        let fastLabels = program.aggregates.indices.filter { plan.predicates[$0] != nil }.map {
            program.aggregateLabels[$0]
        }
        // All but `url == "/docs"`, which is a filter (a leading `FIELD == "text"`), with no predicate left.
        let expected = Self.cases.map(\.predicate).filter { $0 != #"url == "/docs""# }.map {
            "count(events, \($0), within 30d)"
        }
        #expect(fastLabels.sorted() == expected.sorted())

        let decision = program.evaluate(try lead(Self.eventsLead), now: testNow, explain: true)
        let fired = Set(decision.firedIDs)
        for index in Self.cases.indices {
            let counts = decision.explanation?.filter { $0.rule.hasSuffix(".\(index)") }
                .flatMap(\.leaves).flatMap(\.values).map(\.value)
            #expect(fired.contains("fast.\(index)"), "\(Self.cases[index].predicate): \(counts ?? [])")
            #expect(fired.contains("general.\(index)"), "\(Self.cases[index].predicate): \(counts ?? [])")
        }
    }
}

/// `FoldedText.contains` finds a needle of two bytes or more by its first two, eight positions at a time, and a
/// one-byte needle byte by byte: both must agree with a plain search, at every position and length.
@Suite("folded text search")
struct FoldedContainsTests {
    /// The plain search: at some position, every byte equal, ASCII letters in any case.
    static func reference(_ text: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= text.count else { return false }
        guard !needle.isEmpty else { return true }
        return (0...(text.count - needle.count)).contains { start in
            needle.indices.allSatisfy { FoldedText.fold(text[start + $0]) == FoldedText.fold(needle[$0]) }
        }
    }

    @Test(
        "every needle at every position of texts up to 40 bytes, and near misses",
        arguments: ["/pricing", "pr", "/", "-x/"]
    )
    func everyPosition(_ needle: String) {
        let needle = Array(needle.utf8)
        for length in 0...40 {
            // Filler with many candidate first bytes, so flags above a true one are tried too.
            let filler = (0..<length).map {
                [UInt8(ascii: "/"), UInt8(ascii: "a"), 0x01, 0xC3, UInt8(ascii: "P")][$0 % 5]
            }
            var texts = [filler]
            for position in 0...max(0, length - needle.count) where needle.count <= length {
                var text = filler
                text.replaceSubrange(
                    position..<(position + needle.count),
                    with: needle.map { $0 &- 97 < 26 ? $0 - 32 : $0 }
                )
                texts.append(text)
                // The needle cut short by the end, or with its last byte changed.
                var missing = text
                missing[position + needle.count - 1] = UInt8(ascii: "#")
                texts.append(missing)
            }
            for text in texts {
                let found = text.withUnsafeBufferPointer { x in
                    needle.withUnsafeBufferPointer { n in FoldedText.contains(x, n, foldNeedle: true) }
                }
                #expect(found == Self.reference(text, needle), "\(needle) in \(text)")
            }
        }
    }
}
