import Foundation
import TestSupport
import Testing

@testable import Rules

/// Random patterns of the fast path's grammar against ICU, on random texts of the same pieces: ASCII, Latin-1,
/// line terminators, word and non-word characters beyond ASCII (a dash, no-break space, Arabic-Indic digit,
/// combining accent) and the characters ICU's case folding takes for ASCII letters (`ß`, `ſ`, `ﬁ`, Kelvin sign). The
/// same seed each run; `SEED=N ROUNDS=N swift test --filter LiteralRegexRandom` searches further.
struct LiteralRegexRandomTests {

    static let literals = [
        "a", "b", "A", "B", "ab", "ba", "1", " ", "-", #"\."#, "é", "x", "s", "ss", "k", "fi", #"\$"#, #"\("#, "/", "@",
        "&", "—",
    ]
    static let pieces = [
        "a", "b", "A", "B", "1", "12", " ", "  ", "\t", "-", ".", "é", "É", "x", "ab", "_", "\u{0B}", "\n", "\r\n",
        "\u{A0}", "—", "×", "٣", "ß", "\u{212A}", "ſ", "ﬁ", "s", "k", "\u{2028}", "\u{85}", "e\u{301}", "$", "(", "/",
        "@", "&",
    ]

    static func atom(_ g: inout TestRandom, depth: Int) -> String {
        switch g.int(0...9) {
        case 0, 1, 2: return g.pick(literals)
        case 3: return g.pick([#"\d"#, #"\w"#, #"\s"#]) + g.pick(["", "+", "*"])
        case 4: return #"\b"#
        case 5: return "[" + g.pick(["ab", "aB", "1a", "b-", "x.", "é"]) + "]"
        case 6 where depth < 2: return "(" + g.pick(["", "?:"]) + alternation(&g, depth: depth + 1) + ")"
        case 7: return g.pick(literals) + "?"
        case 8 where depth < 2: return "(" + alternation(&g, depth: depth + 1) + ")?"
        default: return g.pick(literals)
        }
    }

    static func sequence(_ g: inout TestRandom, depth: Int) -> String {
        (0..<g.int(1...4)).map { _ in atom(&g, depth: depth) }.joined()
    }

    static func alternation(_ g: inout TestRandom, depth: Int) -> String {
        (0..<g.int(1...3)).map { _ in sequence(&g, depth: depth) }.joined(separator: "|")
    }

    static func pattern(_ g: inout TestRandom) -> String {
        (g.int(0...2) == 0 ? "(?i)" : "") + (g.int(0...5) == 0 ? "^" : "") + alternation(&g, depth: 0)
            + (g.int(0...5) == 0 ? "$" : "")
    }

    @Test func agreesWithICUOnRandomPatterns() throws {
        var g = TestRandom()
        var tried = 0
        var failures: [String] = []
        for _ in 0..<TestRandom.rounds(4000) {
            let pattern = Self.pattern(&g)
            guard let literal = LiteralRegex(pattern), let icu = try? NSRegularExpression(pattern: pattern) else {
                continue
            }
            tried += 1
            for _ in 0..<30 {
                let text = (0..<g.int(0...6)).map { _ in g.pick(Self.pieces) }.joined()
                let expected =
                    icu.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
                let verdict = literal.matches(text)
                if verdict != expected && !(verdict == nil && !text.utf8.allSatisfy { $0 < 0x80 }) {
                    failures.append(
                        "\(pattern) on \(text.debugDescription): \(String(describing: verdict)) vs \(expected)"
                    )
                }
            }
        }
        // Most generated patterns are of the fast path's grammar: a generator that made none would test nothing.
        #expect(tried > 2000)
        #expect(
            failures.isEmpty,
            "\(tried) patterns, \(failures.count) disagreements:\n\(failures.prefix(20).joined(separator: "\n"))"
        )
    }
}
