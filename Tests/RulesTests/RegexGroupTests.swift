import Foundation
import Leads
import Testing

@testable import Rules

/// Literal regexes tested on one lead field are matched together, the field's text read once per lead
/// (`RegexGroup`): each must still decide exactly as it does alone, lead after lead, explained or not, and in a pair
/// whose candidate tests other regexes on the same field.
@Suite("regexes grouped by field")
struct RegexGroupTests {
    static let caseless = [
        #"(?i)\b(student|intern|trainee)\b"#,
        #"(?i)\b(chief|c[eiortf]o|vp|vice president|head of|svp|evp)\b"#,
        #"(?i)\bdirector\b"#,
        #"(?i)(revenue|sales|marketing) op(eration)?s|revops|demand gen"#,
        #"(?i)\b(he|she|hers|his)\b"#,
        #"(?i)\bhead of\b|\bof\b|ad"#,
    ]
    static let exact = [#"(?:a|b)c\.d"#, #"colou?r"#, #"ab|b|bab|abab"#, #"abcd|bc|xbd"#]

    @Test("a group's matches are each member's own verdict, on every text")
    func groupAgreesWithMembers() throws {
        for patterns in [Self.caseless, Self.exact] {
            let members = try patterns.map { try #require(LiteralRegex($0)) }
            let group = try #require(RegexGroup(members))
            for text in LiteralRegexTests.texts + ["abce", "he said ushers", "VP, head of revops", "ad of", "ſhe"] {
                let found = FoldedText.withBytes(text) { group.matches($0) }
                #expect(found & RegexGroup.read != 0)
                // A text the members leave to ICU: the group decides none of them either.
                if found & RegexGroup.undecided != 0 {
                    #expect(members.allSatisfy { $0.matches(text) == nil }, "\(text)")
                    continue
                }
                for (bit, member) in members.enumerated() {
                    #expect(
                        (found >> UInt64(bit)) & 1 == (member.matches(text) == true ? 1 : 0),
                        "\(patterns[bit]) on '\(text)'"
                    )
                }
            }
        }
    }

    @Test("members of another case rule, or without an automaton, make no group")
    func onlyLikeMembers() throws {
        let mixed = try [#"(?i)\bvp\b"#, #"VP"#].map { try #require(LiteralRegex($0)) }
        #expect(RegexGroup(mixed) == nil)
        let classes = try [#"(?i)\bvp\b"#, #"(?i)\d+ leads"#].map { try #require(LiteralRegex($0)) }
        #expect(RegexGroup(classes) == nil)
        #expect(RegexGroup([try #require(LiteralRegex(#"(?i)\bvp\b"#))]) == nil)
    }

    static func rules(_ title: [String], extra: String = "") -> String {
        var text = """
            version: 1
            category: fit
            rules:

            """
        for (index, pattern) in title.enumerated() {
            text += """
                  - id: title-\(index)
                    when: contact.title matches "\(pattern.replacingOccurrences(of: "\\", with: "\\\\"))"
                    points: \(1 << index)

                """
        }
        return text + extra
    }

    /// Beside the title's regexes: one on another field, one on a function of the title (not a field: alone), and
    /// one that repeats a title pattern.
    static let extra = """
          - id: message
            when: message matches "(?i)\\\\b(price|pricing|cost|budget|quote)\\\\b"
            points: 1000
          - id: lowered
            when: lower(contact.title) matches "(?i)\\\\bdirector\\\\b"
            points: 2000
          - id: again
            when:
              all:
                - contact.title matches "(?i)\\\\bdirector\\\\b"
                - not: contact.title matches "(?i)\\\\b(student|intern|trainee)\\\\b"
            points: 4000

        """

    static let titles = [
        "VP Sales", "Director of Revenue Operations", "Student", "internship", "Head of Growth", "ceo & founder",
        "Directorate", "IT director, ex-intern", "Zoë, Director", "", "marketing ops", "SVP of Marketing, director",
        // A word boundary at a dash beyond ASCII; a long s that ICU's case folding takes for an s.
        "VP—Sales", "ſales ops", "Director·EMEA", "Directeur\u{A0}Général",
    ]

    func expected(_ title: String, _ patterns: [String], message: String) throws -> Set<String> {
        func icu(_ pattern: String, _ text: String) throws -> Bool {
            try NSRegularExpression(pattern: pattern)
                .firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
        }
        var fired: Set<String> = []
        for (index, pattern) in patterns.enumerated() where try icu(pattern, title) { fired.insert("title-\(index)") }
        if try icu(#"(?i)\b(price|pricing|cost|budget|quote)\b"#, message) { fired.insert("message") }
        if try icu(#"(?i)\bdirector\b"#, title.lowercased()) { fired.insert("lowered") }
        if try icu(#"(?i)\bdirector\b"#, title), try !icu(#"(?i)\b(student|intern|trainee)\b"#, title) {
            fired.insert("again")
        }
        return fired
    }

    @Test("each rule decides as its regex alone would, lead after lead, explained or not")
    func rulesDecideAlike() throws {
        let patterns = Array(Self.caseless.prefix(4))
        let fixture = try RuleFixture(["q.yaml": qualification, "fit.yaml": Self.rules(patterns, extra: Self.extra)])
        let program = try fixture.program()
        // The title's five patterns (one repeated) in one group; the message's one regex and the lowered title's
        // are alone.
        #expect(program.code.regexGroups.count == 1)
        #expect(program.code.regexGroups.first?.members.count == 4)
        for _ in 0..<2 {
            for (index, title) in Self.titles.enumerated() {
                let message = index % 3 == 0 ? "What does it cost?" : "Call me"
                let json = #"{"contact": {"title": "\#(title)"}, "message": "\#(message)"}"#
                let want = try expected(title, patterns, message: message)
                for explain in [false, true] {
                    let decision = program.evaluate(try lead(json), now: testNow, explain: explain)
                    #expect(Set(decision.firedIDs) == want, "\(title), explain: \(explain)")
                }
            }
            // A lead without a title: no regex on it fires, and the next lead's title is read anew.
            let decision = program.evaluate(try lead(#"{"message": "pricing"}"#), now: testNow)
            #expect(Set(decision.firedIDs) == ["message"])
        }
    }

    @Test("a pair's candidate reads the field with its own group")
    func pairUsesEachGroup() throws {
        let currentPatterns = Array(Self.caseless.prefix(3))
        let candidatePatterns = Array(Self.caseless.suffix(3))
        let current = try RuleFixture(["q.yaml": qualification, "fit.yaml": Self.rules(currentPatterns)]).program()
        let candidate = try RuleFixture(["q.yaml": qualification, "fit.yaml": Self.rules(candidatePatterns)])
            .program()
        let pair = ProgramPair(current: current, candidate: candidate)
        #expect(pair.sharesReading)
        for title in Self.titles {
            let record = try lead(#"{"contact": {"title": "\#(title)"}}"#)
            let (before, after) = pair.evaluate(record, now: testNow)
            #expect(
                Set(before.firedIDs)
                    == (try expected(title, currentPatterns, message: "")).subtracting(["lowered", "again"])
            )
            #expect(
                Set(after.firedIDs)
                    == (try expected(title, candidatePatterns, message: "")).subtracting(["lowered", "again"])
            )
            #expect(after.firedIDs == candidate.evaluate(record, now: testNow).firedIDs, "\(title)")
        }
    }
}
