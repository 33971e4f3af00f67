/// A regular expression made of literal texts and a few repeated classes, expanded to its alternatives: matched on
/// UTF-8 bytes with no allocation, many times faster than ICU for the patterns rules use most
/// (`(?i)\b(vp|head of|chief)\b`, `(revenue|sales) op(eration)?s`, `\d+k? leads`).
///
/// Understands a leading `(?i)`, literal characters and escapes of punctuation, `|`, groups `(...)` and `(?:...)`,
/// `?` after a character or group, character lists `[abc]`, `\b`, `^` and `$`, and the classes `\d`, `\w` and `\s`,
/// alone or with `+` or `*`. Anything else (`.`, ranges, counts, `+` after a character) returns nil, and the pattern
/// is left to `NSRegularExpression`. The classes are ASCII here, so a pattern with one decides only ASCII texts
/// (`matches` returns nil for the others, and ICU decides, with its Unicode classes).
/// A class: evaluation reaches it through a program's code, and a struct of this many arrays would be copied there
/// (a retain each) on every match.
final class LiteralRegex: Sendable {
    enum Atom: Sendable, Hashable {
        case byte(UInt8)
        case boundary
        case start
        case end
        /// `\d`, `\w` or `\s`, at least `min` times, at most once unless `unbounded`.
        case repeated(ByteClass, min: Int, unbounded: Bool)
    }

    /// The ASCII members of ICU's `\d`, `\w` and `\s`.
    enum ByteClass: Sendable, Hashable {
        case digit
        case word
        case space

        func contains(_ byte: UInt8) -> Bool {
            switch self {
            case .digit: byte >= 0x30 && byte <= 0x39
            case .word: LiteralRegex.isWord(byte) && byte < 0x80
            case .space: byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
            }
        }
    }

    /// Every alternative's atoms one after another: alternative `i` is `atoms[starts[i]..<starts[i + 1]]`. Flat
    /// arrays, read through pointers while matching: no reference counting per alternative tried.
    let atoms: [Atom]
    let starts: [Int]
    let ignoreCase: Bool
    /// Alternatives by the (folded) byte their first character must be, so each position tries only those: for byte
    /// `b`, `firstMembers[firstStarts[b]..<firstStarts[b + 1]]`.
    let firstStarts: [Int]
    let firstMembers: [Int]
    /// Alternatives with no character to start from (only anchors, or a class that may be absent): tried everywhere.
    let unanchored: [Int]
    /// By byte of the text, as is: 0 when no alternative starts with it, 1 when one may start with it anywhere, 2
    /// when all that start with it must start a word (`\b` first): a position inside a word tries none of them.
    let startKinds: [UInt8]
    /// Whether the pattern has a class: then only ASCII texts are decided here.
    let hasClasses: Bool
    /// By alternative, when it is only bytes between optional `\b`s (most are): where its bytes (folded with `(?i)`)
    /// are in `literalBytes`, how many, and whether `\b` comes before and after them. A count of -1 for the others,
    /// which `match` walks atom by atom.
    let literalStarts: [Int]
    let literalCounts: [Int]
    let literalBytes: [UInt8]
    let boundaryBefore: [Bool]
    let boundaryAfter: [Bool]
    /// When every alternative is only bytes between optional `\b`s (as most patterns rules use are): all of them in
    /// one automaton, which reads the text once.
    let automaton: LiteralAutomaton?

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
        self.ignoreCase = ignoreCase
        atoms = alternatives.flatMap { $0 }
        starts = alternatives.reduce(into: [0]) { starts, atoms in starts.append(starts[starts.count - 1] + atoms.count)
        }
        var byFirstByte = [[Int]](repeating: [], count: 256)
        var unanchored: [Int] = []
        var hasClasses = false
        var anywhere = [Bool](repeating: false, count: 256)
        for (index, atoms) in alternatives.enumerated() {
            // The bytes a match of this alternative can start with: its first character, or its first class's.
            var first: [UInt8]?
            // `\b` then a word character: a match starts only where a word does.
            var wordStart = false
            if atoms.count >= 2, case .boundary = atoms[0], case .byte(let byte) = atoms[1], byte < 0x80,
                Self.isWord(byte)
            {
                wordStart = true
            }
            for atom in atoms {
                if case .byte(let byte) = atom {
                    first = [ignoreCase ? FoldedText.fold(byte) : byte]
                    break
                }
                if case .repeated(let byteClass, let min, _) = atom {
                    if min > 0 { first = (0...127).filter { byteClass.contains($0) }.map { UInt8($0) } }
                    break
                }
            }
            if atoms.contains(where: { if case .repeated = $0 { true } else { false } }) { hasClasses = true }
            if let first {
                // Folded: with `(?i)` the text's byte is folded before the lookup.
                for byte in Set(first.map { ignoreCase ? FoldedText.fold($0) : $0 }) {
                    byFirstByte[Int(byte)].append(index)
                    if !wordStart { anywhere[Int(byte)] = true }
                }
            } else {
                unanchored.append(index)
            }
        }
        firstStarts = byFirstByte.reduce(into: [0]) { starts, members in
            starts.append(starts[starts.count - 1] + members.count)
        }
        firstMembers = byFirstByte.flatMap { $0 }
        // By the text's byte: with `(?i)`, both cases of a letter lead to the folded byte's alternatives.
        startKinds = (0..<256).map { byte in
            let folded = Int(ignoreCase ? FoldedText.fold(UInt8(byte)) : UInt8(byte))
            return byFirstByte[folded].isEmpty ? 0 : anywhere[folded] ? 1 : 2
        }
        self.unanchored = unanchored
        self.hasClasses = hasClasses
        var literalStarts: [Int] = []
        var literalCounts: [Int] = []
        var literalBytes: [UInt8] = []
        var boundaryBefore: [Bool] = []
        var boundaryAfter: [Bool] = []
        for atoms in alternatives {
            var inner = atoms[...]
            let before = inner.first == .boundary
            if before { inner = inner.dropFirst() }
            let after = inner.last == .boundary
            if after { inner = inner.dropLast() }
            let bytes = inner.compactMap { atom -> UInt8? in
                if case .byte(let byte) = atom { return ignoreCase ? FoldedText.fold(byte) : byte }
                return nil
            }
            literalStarts.append(literalBytes.count)
            boundaryBefore.append(before)
            boundaryAfter.append(after)
            if bytes.count == inner.count && !bytes.isEmpty {
                literalCounts.append(bytes.count)
                literalBytes += bytes
            } else {
                literalCounts.append(-1)
            }
        }
        self.literalStarts = literalStarts
        self.literalCounts = literalCounts
        self.literalBytes = literalBytes
        self.boundaryBefore = boundaryBefore
        self.boundaryAfter = boundaryAfter
        automaton =
            literalCounts.allSatisfy { $0 > 0 }
            ? LiteralAutomaton(
                literalStarts.indices.map {
                    Array(literalBytes[literalStarts[$0]..<(literalStarts[$0] + literalCounts[$0])])
                },
                ignoreCase: ignoreCase
            ) : nil
    }

    /// Whether the pattern matches anywhere in `text`; nil when the pattern has a class and the text is not ASCII.
    func matches(_ text: String) -> Bool? {
        FoldedText.withBytes(text) { matches($0) }
    }

    /// `matches` on the text's UTF-8 bytes; `ascii` when they are known to be ASCII (a lead's, from its document).
    func matches(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool = false) -> Bool? {
        if ignoreCase && !ascii && Self.foldsToASCII(bytes) { return nil }
        if let automaton {
            // Each alternative found, checked for its boundaries.
            return automaton.firstMatch(in: bytes) { alternative, end in
                bounded(alternative, in: bytes, from: end - literalCounts[alternative], to: end)
            }
        }
        if hasClasses && bytes.contains(where: { $0 >= 0x80 }) { return nil }
        return atoms.withUnsafeBufferPointer { atoms in
            starts.withUnsafeBufferPointer { starts in
                firstStarts.withUnsafeBufferPointer { firstStarts in
                    firstMembers.withUnsafeBufferPointer { firstMembers in
                        unanchored.withUnsafeBufferPointer { unanchored in
                            startKinds.withUnsafeBufferPointer { startKinds -> Bool in
                                let ignoreCase = ignoreCase
                                @inline(__always) func tryAlternative(_ index: Int, at start: Int) -> Bool {
                                    if literalCounts[index] >= 0 { return literal(index, in: bytes, at: start) }
                                    return Self.match(
                                        UnsafeBufferPointer(rebasing: atoms[starts[index]..<starts[index + 1]]),
                                        in: bytes,
                                        at: start,
                                        ignoreCase: ignoreCase
                                    )
                                }
                                if unanchored.isEmpty {
                                    // Most positions start no alternative: one table lookup skips them. The same
                                    // steps as the loop below, without its end position and unanchored
                                    // alternatives: a local function shared by both, not inlined, cost 6,000
                                    // instructions per evaluated lead.
                                    for start in 0..<bytes.count {
                                        let kind = startKinds[Int(bytes[start])]
                                        guard kind != 0 && (kind == 1 || !Self.wordBefore(bytes, start))
                                        else { continue }
                                        let byte = Int(ignoreCase ? FoldedText.fold(bytes[start]) : bytes[start])
                                        for member in firstStarts[byte]..<firstStarts[byte + 1]
                                        where tryAlternative(firstMembers[member], at: start) {
                                            return true
                                        }
                                    }
                                    return false
                                }
                                for start in 0...bytes.count {
                                    if start < bytes.count {
                                        let kind = startKinds[Int(bytes[start])]
                                        if kind != 0 && (kind == 1 || !Self.wordBefore(bytes, start)) {
                                            let byte = Int(ignoreCase ? FoldedText.fold(bytes[start]) : bytes[start])
                                            for member in firstStarts[byte]..<firstStarts[byte + 1]
                                            where tryAlternative(firstMembers[member], at: start) {
                                                return true
                                            }
                                        }
                                    }
                                    for index in unanchored where tryAlternative(index, at: start) { return true }
                                }
                                return false
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether literal alternative `index` matches at `start`: its bytes, then its boundaries.
    @inline(__always)
    private func literal(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        let count = literalCounts[index]
        let end = start + count
        guard end <= bytes.count else { return false }
        let matched = literalBytes.withUnsafeBufferPointer { literal in
            let first = literalStarts[index]
            var offset = 0
            if ignoreCase {
                while offset < count && FoldedText.fold(bytes[start + offset]) == literal[first + offset] {
                    offset += 1
                }
            } else {
                while offset < count && bytes[start + offset] == literal[first + offset] { offset += 1 }
            }
            return offset == count
        }
        guard matched else { return false }
        return bounded(index, in: bytes, from: start, to: end)
    }

    /// Whether literal alternative `index`, found at `start..<end`, has the word boundaries it asks for there.
    @inline(__always)
    func bounded(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        if boundaryBefore[index] && !Self.isBoundary(bytes, at: start) { return false }
        if boundaryAfter[index] && !Self.isBoundary(bytes, at: end) { return false }
        return true
    }

    private static func match(
        _ atoms: UnsafeBufferPointer<Atom>,
        from first: Int = 0,
        in bytes: UnsafeBufferPointer<UInt8>,
        at start: Int,
        ignoreCase: Bool
    ) -> Bool {
        var position = start
        for index in first..<atoms.count {
            switch atoms[index] {
            case .repeated(let byteClass, let min, let unbounded):
                // Longest first, then shorter: backtracking, for what follows may need the class's bytes.
                var count = 0
                while position + count < bytes.count, unbounded || count < 1,
                    byteClass.contains(bytes[position + count])
                {
                    count += 1
                }
                guard count >= min else { return false }
                for length in stride(from: count, through: min, by: -1)
                where match(atoms, from: index + 1, in: bytes, at: position + length, ignoreCase: ignoreCase) {
                    return true
                }
                return false
            case .byte(let expected):
                guard position < bytes.count else { return false }
                let actual = bytes[position]
                let equal = ignoreCase ? FoldedText.fold(actual) == FoldedText.fold(expected) : actual == expected
                guard equal else { return false }
                position += 1
            case .boundary:
                guard isBoundary(bytes, at: position) else { return false }
            case .start:
                guard position == 0 else { return false }
            case .end:
                guard position == bytes.count || endsLine(bytes, from: position) else { return false }
            }
        }
        return true
    }

    /// The ASCII word characters: letters, digits and `_`.
    fileprivate static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F
    }

    /// Whether `\b` holds at `position`, as ICU decides: a word character on one side and not on the other, where
    /// word characters are `[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\u200C\u200D]`, combining marks (and format characters)
    /// belong to the character before them, and there is no boundary just before one. Between ASCII bytes, one test.
    @inline(__always)
    static func isBoundary(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
        let before = position > 0 ? bytes[position - 1] : 0x20
        let after = position < bytes.count ? bytes[position] : 0x20
        if before < 0x80 && after < 0x80 { return isWord(before) != isWord(after) }
        return unicodeBoundary(bytes, at: position)
    }

    /// `isBoundary` beside a byte beyond ASCII: the characters there decoded.
    @inline(never)
    static func unicodeBoundary(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
        let after = position < bytes.count ? bytes[position] : 0x20
        if after >= 0x80, let scalar = scalar(bytes, at: position), extendsCharacter(scalar) { return false }
        return wordBefore(bytes, position)
            != (after < 0x80 ? isWord(after) : scalar(bytes, at: position).map(isWord) == true)
    }

    /// Whether the character before `position` (past any combining marks) is a word character.
    @inline(__always)
    static func wordBefore(_ bytes: UnsafeBufferPointer<UInt8>, _ position: Int) -> Bool {
        guard position > 0 else { return false }
        if bytes[position - 1] < 0x80 { return isWord(bytes[position - 1]) }
        return unicodeWordBefore(bytes, position)
    }

    /// `wordBefore` after a byte beyond ASCII.
    @inline(never)
    static func unicodeWordBefore(_ bytes: UnsafeBufferPointer<UInt8>, _ position: Int) -> Bool {
        var end = position
        while end > 0 {
            if bytes[end - 1] < 0x80 { return isWord(bytes[end - 1]) }
            // The start of the scalar that ends at `end`: back over continuation bytes to its lead byte.
            var start = end - 1
            while start > 0 && bytes[start] & 0xC0 == 0x80 && end - start < 4 { start -= 1 }
            guard let scalar = scalar(bytes, at: start) else { return false }
            if !extendsCharacter(scalar) { return isWord(scalar) }
            end = start
        }
        return false
    }

    /// The Unicode scalar whose UTF-8 starts at `position`, or nil when the bytes there are not one.
    static func scalar(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Unicode.Scalar? {
        guard position < bytes.count else { return nil }
        var iterator = bytes[position...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return nil
    }

    /// ICU's word characters: `[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\u200C\u200D]`.
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return isWord(UInt8(scalar.value)) }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return properties.isAlphabetic || scalar.value == 0x200C || scalar.value == 0x200D
        }
    }

    /// Whether `scalar` belongs to the character before it for `\b` (Grapheme_Extend, or a format character).
    static func extendsCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isGraphemeExtend || scalar.properties.generalCategory == .format
    }

    /// Whether the text has a character beyond ASCII that ICU's case-insensitive matching takes for ASCII letters:
    /// one whose case folding or case mappings hold one (`ß` as `ss`, `ſ` as `s`, the Kelvin sign as `k`, `ﬁ` as
    /// `fi`, `İ` and `ı`, 20 in all). With `(?i)`, such a text is left to ICU (`(?i)strasse` finds `Straße`).
    static func foldsToASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var index = 0
        // Past the ASCII bytes (a whole title, usually) eight at a time.
        while index + 8 <= bytes.count
            && UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
        {
            index += 8
        }
        while index + 1 < bytes.count {
            let lead = bytes[index]
            index += 1
            guard lead >= 0xC3 else { continue }
            let second = bytes[index]
            switch lead {
            case 0xC3: if second == 0x9F { return true }  // ß
            case 0xC4: if second == 0xB0 || second == 0xB1 { return true }  // İ ı
            case 0xC5: if second == 0x89 || second == 0xBF { return true }  // ŉ ſ
            case 0xC7: if second == 0xB0 { return true }  // ǰ
            case 0xE1, 0xE2, 0xEF:
                guard index + 1 < bytes.count else { return false }
                let third = bytes[index + 1]
                if lead == 0xE1 && second == 0xBA && ((0x96...0x9A).contains(third) || third == 0x9E) { return true }
                if lead == 0xE2 && second == 0x84 && third == 0xAA { return true }  // Kelvin sign
                if lead == 0xEF && second == 0xAC && third <= 0x86 && third >= 0x80 { return true }  // ﬀ to ﬆ
            default: break
            }
        }
        return false
    }

    /// Whether the bytes from `position` are one line terminator and the end: where ICU's `$` also matches (LF, VT,
    /// FF, CR, CR LF, NEL, LS, PS). Not between the CR and the LF of a CR LF, which is one terminator.
    static func endsLine(_ bytes: UnsafeBufferPointer<UInt8>, from position: Int) -> Bool {
        let rest = UnsafeBufferPointer(rebasing: bytes[position...])
        switch rest.count {
        case 1:
            if rest[0] == 0x0A { return position == 0 || bytes[position - 1] != 0x0D }
            return rest[0] >= 0x0B && rest[0] <= 0x0D
        case 2: return (rest[0] == 0x0D && rest[1] == 0x0A) || (rest[0] == 0xC2 && rest[1] == 0x85)
        case 3: return rest[0] == 0xE2 && rest[1] == 0x80 && (rest[2] == 0xA8 || rest[2] == 0xA9)
        default: return false
        }
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
                    // Each member whole: a character beyond ASCII is all of its UTF-8 bytes.
                    var member: [Atom] = [.byte(c)]
                    index += 1
                    while c >= 0xC0, index < bytes.count, bytes[index] & 0xC0 == 0x80 {
                        member.append(.byte(bytes[index]))
                        index += 1
                    }
                    choices.append(member)
                }
                guard index < bytes.count, !choices.isEmpty else { return nil }
                index += 1
                return choices
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                if escaped == UInt8(ascii: "b") { return [[.boundary]] }
                let classes: [UInt8: ByteClass] = [
                    UInt8(ascii: "d"): .digit, UInt8(ascii: "w"): .word, UInt8(ascii: "s"): .space,
                ]
                if let byteClass = classes[escaped] {
                    // `+` or `*` after it, but not a lazy `+?` or `*?` (which `sequence` would read as optional).
                    var min = 1
                    var unbounded = false
                    if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "*") {
                        min = bytes[index] == UInt8(ascii: "+") ? 1 : 0
                        unbounded = true
                        index += 1
                        if index < bytes.count, bytes[index] == UInt8(ascii: "?") || bytes[index] == UInt8(ascii: "+") {
                            return nil
                        }
                    }
                    return [[.repeated(byteClass, min: min, unbounded: unbounded)]]
                }
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
                // A character beyond ASCII is its UTF-8 bytes together, so that a `?` after it takes it whole.
                var character: [Atom] = [.byte(byte)]
                while byte >= 0xC0, index < bytes.count, bytes[index] & 0xC0 == 0x80 {
                    character.append(.byte(bytes[index]))
                    index += 1
                }
                return [character]
            }
        }
    }
}
