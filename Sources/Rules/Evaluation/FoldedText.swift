import Foundation

/// Case-insensitive text operations on UTF-8 bytes: texts compare as `String.lowercased()` makes them (each
/// character's lower-case mapping, as `in` lists compare too), by their bytes. ASCII letters are folded in place,
/// without allocating; only when that finds no match and a text holds a character beyond ASCII are both sides
/// lower-cased whole (`MÜNCHEN` contains `münchen`). A match found with ASCII letters folded is one with both
/// lower-cased: other characters then matched byte for byte, and lower-case the same.
public enum FoldedText {
    @usableFromInline @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    /// `fold` of eight bytes packed in a word, all at once: a byte from `A` to `Z` (below 0x80) gains the 0x20 bit.
    @inlinable @inline(__always)
    public static func fold(word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low = word & (ones &* 0x7F)
        let atLeastA = low &+ ones &* (0x80 - 0x41)
        let aboveZ = low &+ ones &* (0x80 - 0x5B)
        let upper = atLeastA & ~aboveZ & ~word & (ones &* 0x80)
        return word | (upper >> 2)
    }

    /// Copies `count` bytes from `source` to `destination` with ASCII letters lower-cased (`fold`): eight at a time
    /// as one word while eight are left, the rest one by one. `destination` may be `source`, lower-casing in place.
    @inlinable @inline(__always)
    public static func copyFolded(
        _ source: UnsafePointer<UInt8>,
        count: Int,
        to destination: UnsafeMutablePointer<UInt8>
    ) {
        var index = 0
        while index + 8 <= count {
            let word = fold(word: UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self))
            UnsafeMutableRawPointer(destination + index).storeBytes(of: word, as: UInt64.self)
            index += 8
        }
        while index < count {
            destination[index] = fold(source[index])
            index += 1
        }
    }

    /// The last `count % 8` bytes of `bytes` (1 to 7 of them, after the whole words), packed as a word is, zeros
    /// above: when `bytes` has eight or more, its last eight read as one word and shifted down (a text's first byte
    /// is lowest in a word), otherwise a byte at a time (reading eight could go past the end of its memory).
    @inlinable @inline(__always)
    public static func tailWord(_ base: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        let tail = count & 7
        if count >= 8 { return UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self) >> (8 * (8 - tail)) }
        var word: UInt64 = 0
        for offset in 0..<tail { word |= UInt64(base[offset]) << (8 * offset) }
        return word
    }

    /// A hash of `bytes` for this process's tables and filters (never stored), ASCII letters folded or not: their
    /// count, then eight bytes at a time, each word mixed in with a multiply, the last (shorter) word zero-padded,
    /// and the result mixed again (MurmurHash3's finalizer) so that every bit depends on every byte. A hash taking a
    /// byte at a time (FNV-1a) waits for a multiply per byte, about four cycles a byte. And whether some byte is
    /// beyond ASCII.
    @inlinable @inline(__always)
    public static func wordHash(_ bytes: UnsafeBufferPointer<UInt8>, folding: Bool) -> (hash: UInt64, beyondASCII: Bool)
    {
        let count = bytes.count
        var hash = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        var all: UInt64 = 0
        @inline(__always) func add(_ word: UInt64) {
            all |= word
            hash = (hash ^ (folding ? fold(word: word) : word)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
        }
        if let base = bytes.baseAddress {
            var index = 0
            while index + 8 <= count {
                add(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                index += 8
            }
            if index < count { add(tailWord(base, count: count)) }
        }
        hash ^= hash >> 33
        hash = hash &* 0xC4CE_B9FE_1A85_EC53
        return (hash ^ (hash >> 33), all & 0x8080_8080_8080_8080 != 0)
    }

    static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    /// The text with its ASCII letters lower-cased, as `equal` compares.
    static func folded(_ text: String) -> String {
        withBytes(text) { bytes in String(decoding: bytes.map(fold), as: UTF8.self) }
    }

    /// Whether `x` contains `n`, without regard to case; `foldNeedle: false` when `n`'s ASCII letters are folded
    /// already. `ascii` when both are known to be ASCII (a lead's texts, from its document): then only their ASCII
    /// letters are folded, as lower-casing them would do, and they are not read again to find out.
    static func contains(
        _ x: UnsafeBufferPointer<UInt8>,
        _ n: UnsafeBufferPointer<UInt8>,
        foldNeedle: Bool,
        ascii: Bool = false
    ) -> Bool {
        asciiContains(x, n, foldNeedle: foldNeedle) || (!ascii && unicode(.contains, x, n))
    }

    /// Whether `x` contains `n`, ASCII letters in any case, other bytes exactly.
    private static func asciiContains(
        _ x: UnsafeBufferPointer<UInt8>,
        _ n: UnsafeBufferPointer<UInt8>,
        foldNeedle: Bool
    ) -> Bool {
        guard n.count <= x.count else { return false }
        guard let first = n.first.map(fold) else { return true }
        let last = x.count - n.count
        @inline(__always) func matches(at position: Int) -> Bool {
            var k = 0
            while k < n.count && fold(x[position + k]) == (foldNeedle ? fold(n[k]) : n[k]) { k += 1 }
            return k == n.count
        }
        var i = 0
        if n.count >= 2, let base = x.baseAddress {
            // Candidates by the first two bytes, eight positions at a time: a byte is compared with a letter in
            // either case by setting its 0x20 bit first (only the two cases of the letter then give it), with any
            // other byte exactly. A position where both bytes match has a zero byte in the OR of the two words
            // XORed with the wanted bytes; the zero-byte test flags the lowest exactly and may flag higher ones
            // falsely (a borrow), so each candidate is checked.
            let second = fold(n[1])
            let ones: UInt64 = 0x0101_0101_0101_0101
            @inline(__always) func caseBit(_ byte: UInt8) -> UInt64 { byte &- 97 < 26 ? ones &* 0x20 : 0 }
            let (firstBit, secondBit) = (caseBit(first), caseBit(second))
            let (firstPattern, secondPattern) = (ones &* UInt64(first), ones &* UInt64(second))
            while i + 9 <= x.count && i <= last {
                let raw = UnsafeRawPointer(base + i)
                let both =
                    ((raw.loadUnaligned(as: UInt64.self) | firstBit) ^ firstPattern)
                    | ((raw.loadUnaligned(fromByteOffset: 1, as: UInt64.self) | secondBit) ^ secondPattern)
                var flags = (both &- ones) & ~both & (ones &* 0x80)
                while flags != 0 {
                    let position = i + flags.trailingZeroBitCount >> 3
                    if position > last { return false }
                    if matches(at: position) { return true }
                    flags &= flags &- 1
                }
                i += 8
            }
        }
        while i <= last {
            if fold(x[i]) == first && matches(at: i) { return true }
            i += 1
        }
        return false
    }

    /// `equal`, `hasPrefix` and `hasSuffix` on UTF-8 bytes, neither side folded.
    static func equal(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>, ascii: Bool = false) -> Bool {
        (x.count == y.count && matches(x, at: 0, y, fold: true)) || (!ascii && unicode(.equal, x, y))
    }

    static func hasPrefix(_ x: UnsafeBufferPointer<UInt8>, _ p: UnsafeBufferPointer<UInt8>, ascii: Bool = false) -> Bool
    {
        (p.count <= x.count && matches(x, at: 0, p, fold: true))
            || (!ascii && unicode(.hasPrefix, x, p))
    }

    static func hasSuffix(_ x: UnsafeBufferPointer<UInt8>, _ s: UnsafeBufferPointer<UInt8>, ascii: Bool = false) -> Bool
    {
        (s.count <= x.count && matches(x, at: x.count - s.count, s, fold: true))
            || (!ascii && unicode(.hasSuffix, x, s))
    }

    /// `x` and `n` with its ASCII letters folded, compared as `equal`, `hasPrefix` and `hasSuffix` do.
    static func equal(
        _ x: UnsafeBufferPointer<UInt8>,
        folded n: UnsafeBufferPointer<UInt8>,
        ascii: Bool = false
    ) -> Bool {
        (x.count == n.count && matches(x, at: 0, n, fold: false))
            || (!ascii && unicode(.equal, x, n))
    }

    static func hasPrefix(
        _ x: UnsafeBufferPointer<UInt8>,
        folded n: UnsafeBufferPointer<UInt8>,
        ascii: Bool = false
    ) -> Bool {
        (n.count <= x.count && matches(x, at: 0, n, fold: false))
            || (!ascii && unicode(.hasPrefix, x, n))
    }

    static func hasSuffix(
        _ x: UnsafeBufferPointer<UInt8>,
        folded n: UnsafeBufferPointer<UInt8>,
        ascii: Bool = false
    ) -> Bool {
        (n.count <= x.count && matches(x, at: x.count - n.count, n, fold: false))
            || (!ascii && unicode(.hasSuffix, x, n))
    }

    /// Whether `x` from `offset` starts with `n`, ASCII letters folded (in `n` too when `fold`).
    @inline(__always)
    private static func matches(
        _ x: UnsafeBufferPointer<UInt8>,
        at offset: Int,
        _ n: UnsafeBufferPointer<UInt8>,
        fold foldNeedle: Bool
    ) -> Bool {
        var k = 0
        while k < n.count && fold(x[offset + k]) == (foldNeedle ? fold(n[k]) : n[k]) { k += 1 }
        return k == n.count
    }

    enum Comparison {
        case equal
        case contains
        case hasPrefix
        case hasSuffix
    }

    /// A comparison that found no match by folding ASCII letters, made again with both texts lower-cased whole when
    /// either holds a byte beyond ASCII. Apart from the comparisons, which stay small enough to inline in the loops
    /// that call them.
    @inline(never)
    static func unicode(
        _ comparison: Comparison,
        _ x: UnsafeBufferPointer<UInt8>,
        _ y: UnsafeBufferPointer<UInt8>
    )
        -> Bool
    {
        guard beyondASCII(x, y) else { return false }
        return lowered(x, y) { x, y in
            switch comparison {
            case .equal: x.elementsEqual(y)
            case .contains: asciiContains(x, y, foldNeedle: false)
            case .hasPrefix: y.count <= x.count && matches(x, at: 0, y, fold: false)
            case .hasSuffix: y.count <= x.count && matches(x, at: x.count - y.count, y, fold: false)
            }
        }
    }

    /// Whether either text holds a byte beyond ASCII: only then can lower-casing them whole find what folding their
    /// ASCII letters did not. Eight bytes at a time.
    @inline(__always)
    static func beyondASCII(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        beyondASCII(x) || beyondASCII(y)
    }

    @inlinable
    public static func beyondASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var index = 0
        while index + 8 <= bytes.count {
            if UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                return true
            }
            index += 8
        }
        // The last one to seven bytes as one word (`tailWord`), not a loop whose end the processor must guess.
        return index < bytes.count && tailWord(base, count: bytes.count) & 0x8080_8080_8080_8080 != 0
    }

    /// `body` on both texts lower-cased whole (`lowercased`): the comparisons' way for texts beyond ASCII. False
    /// when either is not UTF-8 (lower-casing would make every broken sequence the same replacement character).
    static func lowered(
        _ x: UnsafeBufferPointer<UInt8>,
        _ y: UnsafeBufferPointer<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        guard String(validating: x, as: UTF8.self) != nil, String(validating: y, as: UTF8.self) != nil else {
            return false
        }
        let (a, b) = (lowercased(x), lowercased(y))
        return withBytes(a) { a in withBytes(b) { b in body(a, b) } }
    }

    /// `bytes` without leading and trailing ASCII whitespace.
    @inline(__always)
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        // Nearly every text has nothing to trim: two tests say so.
        if let first = bytes.first, let last = bytes.last, !isSpace(first), !isSpace(last) { return bytes }
        var start = 0
        var end = bytes.count
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// The text of these UTF-8 bytes lower-cased, as `String.lowercased()` does it (each scalar's lower-case
    /// mapping), with ASCII letters folded directly: the standard library makes a `String` for each scalar's
    /// mapping, which costs thousands of instructions for one e-mail address with an accent in it.
    public static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard beyondASCII(bytes) else {
            return String(unsafeUninitializedCapacity: bytes.count) { buffer in
                for index in 0..<bytes.count { buffer[index] = fold(bytes[index]) }
                return bytes.count
            }
        }
        if let lowered = latin1Lowercased(bytes) { return lowered }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 8)
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if scalar.isASCII {
                result.append(fold(UInt8(scalar.value)))
            } else {
                result += scalar.properties.lowercaseMapping.utf8
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `lowercased` for text whose scalars beyond ASCII are all in Latin-1 (U+0080 to U+00FF: two bytes, led by
    /// 0xC2 or 0xC3), as names in Western European addresses are; nil for any other text. There, the lower case of
    /// U+00C0 to U+00DE (U+00D7, `×`, aside) is the scalar 0x20 above it, and every other scalar is its own.
    private static func latin1Lowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard latin1(bytes, lowerCaseOnly: false) else { return nil }
        return String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte < 0x80 {
                    buffer[index] = fold(byte)
                    index += 1
                    continue
                }
                let next = bytes[index + 1]
                buffer[index] = byte
                buffer[index + 1] = latin1Upper(byte, next) ? next + 0x20 : next
                index += 2
            }
            return bytes.count
        }
    }

    /// Whether lower-casing these bytes (`lowercased`) changes nothing but their ASCII letters: every scalar beyond
    /// ASCII is in Latin-1 (two bytes led by 0xC2 or 0xC3) and not an upper-case letter, as in `José.García@x.es`.
    /// Folding the ASCII letters (`fold`, `copyFolded`) then makes the bytes `lowercased` makes, without a text of
    /// their own. False for bytes that are not UTF-8, which `lowercased` reads with replacement characters.
    public static func lowersAsASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        latin1(bytes, lowerCaseOnly: true)
    }

    /// Whether every scalar of these bytes beyond ASCII is a Latin-1 one (two bytes, led by 0xC2 or 0xC3), and with
    /// `lowerCaseOnly`, none of them an upper-case letter (`latin1Upper`).
    private static func latin1(_ bytes: UnsafeBufferPointer<UInt8>, lowerCaseOnly: Bool) -> Bool {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                index += 1
                continue
            }
            guard byte == 0xC2 || byte == 0xC3, index + 1 < bytes.count, bytes[index + 1] & 0xC0 == 0x80,
                !(lowerCaseOnly && latin1Upper(byte, bytes[index + 1]))
            else { return false }
            index += 2
        }
        return true
    }

    /// The text without leading and trailing ASCII whitespace; the text itself when there is none.
    static func trimmed(_ text: String) -> String {
        withBytes(text) { bytes in
            let kept = trimmed(bytes)
            return kept.count == bytes.count ? text : String(decoding: kept, as: UTF8.self)
        }
    }

    /// Whether the Latin-1 letter of these two bytes (led by 0xC2 or 0xC3) is an upper-case one, U+00C0 to U+00DE
    /// but U+00D7 (`×`): its lower case is the same bytes with 0x20 added to the second.
    @inline(__always)
    static func latin1Upper(_ lead: UInt8, _ next: UInt8) -> Bool {
        lead == 0xC3 && next <= 0x9E && next != 0x97
    }

    /// A space, tab, line feed, vertical tab, form feed or carriage return: for any byte past the space (nearly every
    /// byte tested, the first and last of a text), one comparison.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte <= 0x20 && (0x1_0000_3E00 as UInt64) >> UInt64(byte) & 1 != 0
    }
}
