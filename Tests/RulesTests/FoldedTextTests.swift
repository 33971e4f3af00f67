import TestSupport
import Testing

@testable import Rules

/// `contains` finds candidates by their first two bytes, eight positions at a time, then checks each: it must agree
/// with the plain definition (a case-folded substring) for texts and needles of every length, every alignment, and
/// bytes that only differ from a letter by its case bit.
@Suite("text search and event keys, against their plain definitions")
struct FoldedTextTests {
    static func naive(_ text: [UInt8], _ needle: [UInt8]) -> Bool {
        let x = text.map(FoldedText.fold)
        let n = needle.map(FoldedText.fold)
        guard n.count <= x.count else { return false }
        if n.isEmpty { return true }
        return (0...(x.count - n.count)).contains { start in Array(x[start..<(start + n.count)]) == n }
    }

    @Test("contains agrees with a plain substring search on folded bytes")
    func agreesWithPlainSearch() {
        // Letters in both cases, their case-bit twins (`@` and `` ` ``, `[` and `{`), the digit, slash and
        // bytes beyond ASCII.
        let alphabet: [UInt8] = Array("pPrR/-@`[{0".utf8) + [0xC3, 0xA9, 0x80, 0xF0, 0x50 | 0x80]
        var generator = SystemRandomNumberGenerator()
        var found = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator)!
            }
            var needle = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator)!
            }
            // Often a piece of the text itself, so that matches are common, at every alignment.
            if Bool.random(using: &generator), !text.isEmpty {
                let start = Int.random(in: 0..<text.count, using: &generator)
                let end = Swift.min(text.count, start + Int.random(in: 1...5, using: &generator))
                needle = Array(text[start..<end])
            }
            let expected = Self.naive(text, needle)
            if expected { found += 1 }
            let folded = needle.map(FoldedText.fold)
            let got = text.withUnsafeBufferPointer { x in
                needle.withUnsafeBufferPointer { FoldedText.contains(x, $0, foldNeedle: true) }
            }
            let gotFolded = text.withUnsafeBufferPointer { x in
                folded.withUnsafeBufferPointer { FoldedText.contains(x, $0, foldNeedle: false) }
            }
            #expect(got == expected, "\(text) contains \(needle)")
            #expect(gotFolded == expected, "\(text) contains folded \(folded)")
        }
        #expect(found > 5_000, "the cases include many matches")
    }

    @Test("an event's key matches by its packed bytes, wherever it lies in the lead's text")
    func keyWords() {
        let text = Array("typeurlat_a_b_longer_key_xyz".utf8)
        text.withUnsafeBufferPointer { text in
            for start in 0..<text.count {
                for count in 0...Swift.min(8, text.count - start) {
                    let slice = UnsafeBufferPointer(rebasing: text[start..<(start + count)])
                    let expected = slice.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
                    #expect(AggregatePlan.keyWord(slice) == expected)
                    #expect(AggregatePlan.keyWord(text, start: start, count: count) == expected, "\(start) \(count)")
                }
            }
        }
    }

    @Test("a byte beyond ASCII is found at every position of texts of every length, the last partial word included")
    func beyondASCIIEveryPosition() {
        for count in 0...25 {
            let plain = [UInt8](repeating: UInt8(ascii: "a"), count: count)
            #expect(!plain.withUnsafeBufferPointer { FoldedText.beyondASCII($0) }, "\(count) ASCII bytes")
            for position in 0..<count {
                for byte: UInt8 in [0x80, 0xC3, 0xFF] {
                    var text = plain
                    text[position] = byte
                    #expect(
                        text.withUnsafeBufferPointer { FoldedText.beyondASCII($0) },
                        "\(byte) at \(position) of \(count)"
                    )
                    // Only the bytes in the buffer count: one beyond its end, in the same memory, does not.
                    #expect(
                        !text.withUnsafeBufferPointer {
                            FoldedText.beyondASCII(UnsafeBufferPointer(rebasing: $0[..<position]))
                        },
                        "\(byte) just past \(position) bytes"
                    )
                }
            }
        }
    }

    @Test("lowersAsASCII says yes only when folding ASCII letters lower-cases the whole text")
    func lowersAsASCII() {
        func says(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { FoldedText.lowersAsASCII($0) } }
        func ascii(_ bytes: [UInt8]) -> [UInt8] { bytes.map { $0 &- 65 < 26 ? $0 | 0x20 : $0 } }
        func lowered(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.withUnsafeBufferPointer(FoldedText.lowercased).utf8) }
        #expect(says(Array("José.García@X.es".utf8)))
        #expect(says(Array("× ß ÿ ¡ plain".utf8)))
        #expect(!says(Array("JOSÉ@x.es".utf8)))
        #expect(!says(Array("Œuvre".utf8)))
        #expect(!says([0x61, 0xC3]))
        #expect(!says([0xC3, 0x28]))
        // Random texts of ASCII letters, Latin-1 letters of both cases, other scalars and broken bytes: whenever it
        // says yes, the rules' lower case is the ASCII letters folded.
        let pieces: [[UInt8]] =
            ["a", "Q", "@", ".", "é", "É", "ß", "×", "Þ", "þ", "ÿ", "Ÿ", "Ω", "ω", "İ"].map { Array($0.utf8) } + [
                [0xC3], [0x80], [0xC3, 0x41],
            ]
        var random = TestRandom(seed: 20_261_205)
        var yes = 0
        for round in 0..<3000 {
            var text: [UInt8] = []
            for _ in 0..<random.int(0...8) { text += random.pick(pieces) }
            guard says(text) else { continue }
            yes += 1
            #expect(ascii(text) == lowered(text), "round \(round): \(text)")
        }
        #expect(yes > 100, "only \(yes) texts were said to lower-case as ASCII")
    }
}
