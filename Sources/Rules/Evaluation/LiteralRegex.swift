/// A regular expression that only ever matches a finite set of texts, compiled to those texts: matched on UTF-8
/// bytes with no allocation, many times faster than ICU for the patterns rules use most
/// (`(?i)\b(vp|head of|chief)\b`, `(revenue|sales) op(eration)?s`).
///
/// Understands a leading `(?i)`, literal characters and escapes of punctuation, `|`, groups `(...)` and `(?:...)`,
/// `?` after a character or group, character lists `[abc]`, `\b`, `^` and `$`. Anything else (`*`, `+`, `\d`,
/// `.`, ranges, counts) returns nil, and the pattern is left to `NSRegularExpression`.
struct LiteralRegex: Sendable, Hashable {
    enum Atom: Sendable, Hashable {
        case byte(UInt8)
        case boundary
        case start
        case end
    }

    let alternatives: [[Atom]]
    let ignoreCase: Bool
    /// Alternatives by the (folded) byte their first character must be, so each position tries only those.
    let byFirstByte: [[Int]]
    /// Alternatives with no character to start from (only anchors): tried everywhere.
    let unanchored: [Int]

    static let limit = 512

    init?(_ pattern: String) {
        var bytes = Array(pattern.utf8)
        var ignoreCase = false
        if bytes.starts(with: Array("(?i)".utf8)) {
            ignoreCase = true
            bytes.removeFirst(4)
        }
        // Case folding here is ASCII only: leave non-ASCII patterns that ignore case to ICU.
        if ignoreCase && bytes.contains(where: { $0 >= 0x80 }) { return nil }
        var parser = Parser(bytes: bytes)
        guard let alternatives = parser.alternation(), parser.index == bytes.count, alternatives.count <= Self.limit
        else { return nil }
        self.alternatives = alternatives
        self.ignoreCase = ignoreCase
        var byFirstByte = [[Int]](repeating: [], count: 256)
        var unanchored: [Int] = []
        for (index, atoms) in alternatives.enumerated() {
            var first: UInt8?
            for atom in atoms {
                if case .byte(let byte) = atom {
                    first = byte
                    break
                }
            }
            if let first {
                byFirstByte[Int(ignoreCase ? FoldedText.fold(first) : first)].append(index)
            } else {
                unanchored.append(index)
            }
        }
        self.byFirstByte = byFirstByte
        self.unanchored = unanchored
    }

    /// Whether the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        FoldedText.withBytes(text) { bytes in
            for start in 0...bytes.count {
                if start < bytes.count {
                    let byte = ignoreCase ? FoldedText.fold(bytes[start]) : bytes[start]
                    for index in byFirstByte[Int(byte)]
                    where Self.match(alternatives[index], in: bytes, at: start, ignoreCase: ignoreCase) {
                        return true
                    }
                }
                for index in unanchored
                where Self.match(alternatives[index], in: bytes, at: start, ignoreCase: ignoreCase) {
                    return true
                }
            }
            return false
        }
    }

    private static func match(
        _ atoms: [Atom],
        in bytes: UnsafeBufferPointer<UInt8>,
        at start: Int,
        ignoreCase: Bool
    ) -> Bool {
        var position = start
        for atom in atoms {
            switch atom {
            case .byte(let expected):
                guard position < bytes.count else { return false }
                let actual = bytes[position]
                let equal = ignoreCase ? FoldedText.fold(actual) == FoldedText.fold(expected) : actual == expected
                guard equal else { return false }
                position += 1
            case .boundary:
                let before = position > 0 && isWord(bytes[position - 1])
                let after = position < bytes.count && isWord(bytes[position])
                guard before != after else { return false }
            case .start:
                guard position == 0 else { return false }
            case .end:
                guard position == bytes.count else { return false }
            }
        }
        return true
    }

    /// Word characters for `\b`: ASCII letters, digits, `_`, and every non-ASCII byte (letters, as ICU sees most).
    private static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F || byte >= 0x80
    }

    /// Expands the pattern into every sequence of atoms it can match.
    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func alternation() -> [[Atom]]? {
            var result: [[Atom]] = []
            while true {
                guard let branch = sequence() else { return nil }
                result += branch
                guard result.count <= LiteralRegex.limit else { return nil }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "|") else { return result }
                index += 1
            }
        }

        mutating func sequence() -> [[Atom]]? {
            var result: [[Atom]] = [[]]
            while index < bytes.count, bytes[index] != UInt8(ascii: "|"), bytes[index] != UInt8(ascii: ")") {
                guard var piece = self.piece() else { return nil }
                if index < bytes.count, bytes[index] == UInt8(ascii: "?") {
                    index += 1
                    piece.append([])
                }
                var next: [[Atom]] = []
                for prefix in result {
                    for suffix in piece { next.append(prefix + suffix) }
                }
                guard next.count <= LiteralRegex.limit else { return nil }
                result = next
            }
            return result
        }

        mutating func piece() -> [[Atom]]? {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "("):
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "?"), bytes[index + 1] == UInt8(ascii: ":") {
                    index += 2
                } else if index < bytes.count, bytes[index] == UInt8(ascii: "?") {
                    return nil
                }
                guard let inner = alternation(), index < bytes.count, bytes[index] == UInt8(ascii: ")") else {
                    return nil
                }
                index += 1
                return inner
            case UInt8(ascii: "["):
                var choices: [[Atom]] = []
                while index < bytes.count, bytes[index] != UInt8(ascii: "]") {
                    let c = bytes[index]
                    guard c != UInt8(ascii: "\\"), c != UInt8(ascii: "^"), c != UInt8(ascii: "-"),
                        c != UInt8(ascii: "[")
                    else { return nil }
                    choices.append([.byte(c)])
                    index += 1
                }
                guard index < bytes.count, !choices.isEmpty else { return nil }
                index += 1
                return choices
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                if escaped == UInt8(ascii: "b") { return [[.boundary]] }
                // Escaped punctuation is itself; letters and digits are classes (\d, \w, \s): not finite.
                let isPunctuation =
                    (escaped >= 0x21 && escaped <= 0x2F) || (escaped >= 0x3A && escaped <= 0x40)
                    || (escaped >= 0x5B && escaped <= 0x60) || (escaped >= 0x7B && escaped <= 0x7E)
                return isPunctuation ? [[.byte(escaped)]] : nil
            case UInt8(ascii: "^"):
                return [[.start]]
            case UInt8(ascii: "$"):
                return [[.end]]
            case UInt8(ascii: "."), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{"), UInt8(ascii: "}"),
                UInt8(ascii: "?"), UInt8(ascii: "]"):
                return nil
            default:
                return [[.byte(byte)]]
            }
        }
    }
}
