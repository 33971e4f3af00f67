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
    ]

    static let texts = [
        "", "VP Sales", "vp", "Svp of Marketing", "Chief Revenue Officer", "CEO", "ceo & founder", "cfo", "C.E.O.",
        "Head of Growth", "Headcount planner", "IT Director", "Directorate", "director", "Revenue Operations",
        "sales ops lead", "Marketing Ops", "revops", "Demand Gen Manager", "We need routing for 3k leads",
        "routes and rerouting", "assignments", "Assign leads by territory", "territories", "pricing?", "Price list",
        "costly", "a budget-friendly quote", "Student", "internship", "trainee-ship", "Zoë student", "éintern",
        "ac.d", "bc.d", "acxd", "color", "colour", "colouur", "Sales", "VP", "xVP",
    ]

    @Test(arguments: patterns)
    func agreesWithICU(_ pattern: String) throws {
        let literal = try #require(LiteralRegex(pattern), "\(pattern) should be finite")
        let icu = try NSRegularExpression(pattern: pattern)
        for text in Self.texts {
            let expected = icu.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
            #expect(literal.matches(text) == expected, "\(pattern) on '\(text)'")
        }
    }

    @Test(arguments: [#"\d+ leads"#, "a*b", "a+", "x.y", "[a-z]", "a{2}", #"\w"#, "(?=a)", "(?i)é"])
    func leavesTheRestToICU(_ pattern: String) {
        #expect(LiteralRegex(pattern) == nil)
    }

    @Test func tooManyAlternativesStayWithICU() {
        // 2^10 texts: over the limit.
        #expect(LiteralRegex(String(repeating: "(a|b)", count: 10)) == nil)
        #expect(LiteralRegex(String(repeating: "(a|b)", count: 8)) != nil)
    }
}
