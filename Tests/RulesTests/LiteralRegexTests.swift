import Foundation
import Testing

@testable import Rules

/// The fast regex path must agree with ICU on every pattern it takes.
struct LiteralRegexTests {
    static let patterns = [
        #"(?i)\b(student|intern|trainee)\b"#,
        #"(?i)\b(chief|c[eiortf]o|vp|vice president|head of|svp|evp)\b"#,
        #"(?i)\bdirector\b"#,
        #"(?i)(revenue|sales|marketing) op(eration)?s|revops|demand gen"#,
        #"(?i)\b(rout(e|ing)|assign(ment)?|round robin|territor(y|ies))\b"#,
        #"(?i)\b(price|pricing|cost|budget|quote)\b"#,
        #"^VP\b"#,
        #"^vp"#,
        #"(?i)^vp"#,
        #"sales$"#,
        #"(?:a|b)c\.d"#,
        #"colou?r"#,
        #"(?i)(\d+k? (inbound )?leads|migrat(e|ion)|hubspot|salesforce|marketo)"#,
        #"\d+ leads"#,
        #"^\d\d?$"#,
        #"x\d*y"#,
        #"\d+0"#,
        #"(?i)\bv\s*p\b"#,
        #"\w+@\w+"#,
        #"a\s+b|\d?z"#,
        // A `?` after a character beyond ASCII takes all of its bytes; a list's members beyond ASCII are whole.
        #"caf[ée]s?|naïve?"#,
        #"(?i)\bstrasse\b"#,
    ]

    static let texts = [
        "", "VP Sales", "vp", "Svp of Marketing", "Chief Revenue Officer", "CEO", "ceo & founder", "cfo", "C.E.O.",
        "Head of Growth", "Headcount planner", "IT Director", "Directorate", "director", "Revenue Operations",
        "sales ops lead", "Marketing Ops", "revops", "Demand Gen Manager", "We need routing for 3k leads",
        "routes and rerouting", "assignments", "Assign leads by territory", "territories", "pricing?", "Price list",
        "costly", "a budget-friendly quote", "Student", "internship", "trainee-ship", "Zoë student", "éintern",
        "ac.d", "bc.d", "acxd", "color", "colour", "colouur", "Sales", "VP", "xVP",
        "3k leads a month", "300 inbound leads", "12 Leads", "leads", "k leads", "Migration from HubSpot",
        "we migrate", "SALESFORCE", "5", "42", "420", "4200", "xy", "x1y", "x123y", "x12z", "10", "100",
        "v p", "V  P", "vp", "v\tp", "a@b", "@b", "a b", "a  b", "ab", "z", "9z", "a\u{0B}b", "a\u{1C}b", "a\u{0C}\rb",
        // Non-ASCII: classes are Unicode to ICU, so these go to ICU.
        "٣ leads", "１２ leads", "Zoë 3k leads", "é@ü", "v\u{A0}p",
        // `\b` beside characters beyond ASCII: a dash, a no-break space, a combining accent; `$` before a final
        // line break; characters ICU's case folding takes for ASCII letters.
        "VP—Sales", "vp\u{A0}", "vpe\u{301}", "Sales\n", "sales\r\n", "sales\n\n", "café", "cafés", "cafÉ", "caf",
        "naïv", "naïve", "na", "Straße", "STRASSE", "ſtrasse", "\u{212A}ey",
    ]

    @Test(arguments: patterns)
    func agreesWithICU(_ pattern: String) throws {
        let literal = try #require(LiteralRegex(pattern), "\(pattern) should be finite")
        let icu = try NSRegularExpression(pattern: pattern)
        for text in Self.texts {
            let expected = icu.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
            // Undecided (nil) is allowed only where ICU must decide, on a text beyond ASCII: with a class, or with
            // `(?i)` and a character that ICU's case folding takes for ASCII letters.
            let verdict = literal.matches(text)
            #expect(
                verdict == expected || (verdict == nil && !text.utf8.allSatisfy { $0 < 0x80 }),
                "\(pattern) on '\(text)'"
            )
            let folds = literal.ignoreCase && FoldedText.withBytes(text) { LiteralRegex.foldsToASCII($0) }
            #expect(verdict != nil || literal.hasClasses || folds, "\(pattern) on '\(text)'")
            #expect(CompiledRegex(pattern: pattern, regex: icu).matches(text) == expected, "\(pattern) on '\(text)'")
        }
    }

    /// The patterns whose alternatives are all plain texts (between optional `\b`s): matched by one automaton.
    static let automatonPatterns = [
        #"(?i)\b(student|intern|trainee)\b"#,
        #"(?i)\b(chief|c[eiortf]o|vp|vice president|head of|svp|evp)\b"#,
        #"(?i)(revenue|sales|marketing) op(eration)?s|revops|demand gen"#,
        #"(?i)\b(rout(e|ing)|assign(ment)?|round robin|territor(y|ies))\b"#,
        #"(?:a|b)c\.d"#,
        #"colou?r"#,
        #"(?i)\b(he|she|hers|his)\b"#,
        #"ab|b|bab|abab"#,
        // Ends found only through a shorter suffix: in "abce", "bc" ends where the automaton is inside "abcd".
        #"abcd|bc|xbd"#,
        #"(?i)\bhead of\b|\bof\b|ad"#,
    ]

    @Test("plain alternatives go to the automaton, and it agrees with ICU on texts made of their pieces")
    func automatonAgreesWithICU() throws {
        for pattern in Self.automatonPatterns {
            let literal = try #require(LiteralRegex(pattern))
            #expect(literal.automaton != nil, "\(pattern)")
        }
        for pattern in [#"^vp"#, #"sales$"#, #"(?i)(\d+k? (inbound )?leads|hubspot)"#, #"x\d*y"#] {
            #expect(LiteralRegex(pattern)?.automaton == nil, "\(pattern)")
        }
        // Texts of pieces of the alternatives, overlapping, in both cases, next to word and other characters.
        let pieces = [
            "he", "HERS", "she", "is", "s", "a", "b", "ab", "c.d", "col", "ou", "r", "vp", "VP", "c", "e", "o", "x",
            "head", " of", "rout", "ing", "e", "revenue", " ops", "op", "eration", "ops", "_", " ", "-", "é", "9",
            "abc", "bcd", "bd", "d", "HEAD O", "f",
        ]
        var generator = SystemRandomNumberGenerator()
        for pattern in Self.automatonPatterns {
            let literal = try #require(LiteralRegex(pattern))
            let icu = try NSRegularExpression(pattern: pattern)
            for _ in 0..<400 {
                let text = (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                    pieces.randomElement(using: &generator) ?? ""
                }.joined()
                let expected =
                    icu.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
                #expect(literal.matches(text) == expected, "\(pattern) on '\(text)'")
            }
        }
    }

    @Test(arguments: [
        "a*b", "a+", "x.y", "[a-z]", "a{2}", #"\d+?"#, #"\d*?"#, #"\d++"#, #"\D"#, #"\d{2}"#, "(?=a)", "(?i)é",
    ])
    func leavesTheRestToICU(_ pattern: String) {
        #expect(LiteralRegex(pattern) == nil)
    }

    @Test func tooManyAlternativesStayWithICU() {
        // 2^10 texts: over the limit.
        #expect(LiteralRegex(String(repeating: "(a|b)", count: 10)) == nil)
        #expect(LiteralRegex(String(repeating: "(a|b)", count: 8)) != nil)
    }
}
