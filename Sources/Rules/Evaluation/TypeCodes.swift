/// The event types an `AggregatePlan`'s type filters want, and the code of each (its index): an event's type text
/// is read once, as its code.
///
/// A type of up to sixteen bytes is known by its length and two words, its first eight bytes and its last eight
/// (zeros after the end of a shorter one), ASCII letters lower-cased (`AggregatePlan.head`): the words are hashed
/// into a table where no two types share a slot (the hash's seed is chosen so), so a type is found in one probe and
/// one comparison of three integers, with no loop whose length the processor must guess. Rules name a few types; for
/// very many, when no seed spreads them over a table of at most 64 slots per type, types that share a slot take the
/// next free one, and a lookup probes on. A longer type is compared byte by byte.
struct TypeCodes: Sendable {
    struct Words: Equatable, Sendable {
        var count: Int
        var first: UInt64
        var last: UInt64
    }

    /// By code: the type's words, and its bytes (ASCII letters lower-cased).
    private let words: [Words]
    private let names: [[UInt8]]
    /// By hash slot: the code of the type there, or -1. Types longer than sixteen bytes are not in it.
    private let table: [Int32]
    private let mask: Int
    /// The hash's seed: one with which every type has a slot of its own, unless `probes`.
    private let seed: UInt64
    /// Whether some types share a slot: a lookup then goes on to the next slots until it finds the type or an empty
    /// one.
    private let probes: Bool
    /// Whether some type is longer than sixteen bytes.
    private let hasLong: Bool

    /// The codes of `names`, which are trimmed, lower-cased (`FoldedText.lowercased`), and distinct.
    init(_ names: [String]) {
        let names = names.map { Array($0.utf8) }
        self.names = names
        words = names.map { name in name.withUnsafeBufferPointer { Self.words($0) } }
        // A table four times the types' number or larger, and the first seed that gives each type its own slot;
        // a table twice as large after every 64 seeds that do not, up to 64 slots per type.
        var size = 8
        while size < names.count * 4 { size *= 2 }
        let largest = Swift.max(size, names.count * 64)
        var seed: UInt64 = 0
        var table: [Int32] = []
        var probes = false
        while true {
            table = [Int32](repeating: -1, count: size)
            var distinct = true
            for code in names.indices where names[code].count <= 16 {
                var slot = Self.hash(words[code], seed: seed) & (size - 1)
                if table[slot] >= 0 {
                    guard probes else {
                        distinct = false
                        break
                    }
                    while table[slot] >= 0 { slot = (slot + 1) & (size - 1) }
                }
                table[slot] = Int32(code)
            }
            if distinct { break }
            seed += 1
            if seed % 64 == 0 {
                if size * 2 > largest {
                    // No seed found: the table of four slots per type, shared slots probed.
                    probes = true
                    size = 8
                    while size < names.count * 4 { size *= 2 }
                } else {
                    size *= 2
                }
            }
        }
        self.table = table
        self.seed = seed
        self.probes = probes
        mask = size - 1
        hasLong = names.contains { $0.count > 16 }
    }

    var count: Int { names.count }

    /// The code of an event's type text (trimmed, in any case), or -1 when it is none of them.
    @inline(__always)
    func code(of raw: UnsafeBufferPointer<UInt8>) -> Int {
        // Nearly every event writes its type as the rules name it, trimmed and in lower case: its bytes as they are
        // (nine to sixteen of them, all in its two words) are then a name's words, found without trimming or folding.
        // Bytes equal to a name's are that name; any other text is looked up as below.
        if raw.count > 8, raw.count <= 16, let base = raw.baseAddress {
            let bytes = UnsafeRawPointer(base)
            let exact = lookup(
                Words(
                    count: raw.count,
                    first: bytes.loadUnaligned(as: UInt64.self),
                    last: bytes.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self)
                )
            )
            if exact >= 0 { return exact }
        }
        return foldedCode(of: raw)
    }

    /// `code(of:)` for a type not written exactly as a name: trimmed, its ASCII letters folded, then looked up.
    @inline(never)
    private func foldedCode(of raw: UnsafeBufferPointer<UInt8>) -> Int {
        let type = FoldedText.trimmed(raw)
        guard type.count <= 16 else {
            let code = longCode(of: type)
            return code >= 0 || !FoldedText.beyondASCII(type) ? code : unicodeCode(of: type)
        }
        let key = Self.words(type)
        let code = lookup(key)
        // None: the words hold every byte of the type, high bits kept, and one beyond ASCII may differ from a name
        // in the case of such a letter.
        return code >= 0 || (key.first | key.last) & 0x8080_8080_8080_8080 == 0 ? code : unicodeCode(of: type)
    }

    /// The code of a type of up to sixteen bytes by its words, or -1.
    @inline(__always)
    private func lookup(_ key: Words) -> Int {
        table.withUnsafeBufferPointer { table in
            words.withUnsafeBufferPointer { words in
                var slot = Self.hash(key, seed: seed) & mask
                var code = Int(table[slot])
                if code >= 0 && words[code] == key { return code }
                while probes && code >= 0 {
                    slot = (slot + 1) & mask
                    code = Int(table[slot])
                    if code >= 0 && words[code] == key { return code }
                }
                return -1
            }
        }
    }

    /// The code of a type beyond ASCII, lower-cased whole as the names are (`FoldedText.lowercased`).
    @inline(never)
    private func unicodeCode(of type: UnsafeBufferPointer<UInt8>) -> Int {
        FoldedText.withBytes(FoldedText.lowercased(type)) { lowered in
            lowered.count > 16 ? longCode(of: lowered) : lookup(Self.words(lowered))
        }
    }

    /// A type longer than sixteen bytes (or lower-cased already), compared with each name of its length, exactly
    /// but for ASCII letters' case.
    private func longCode(of type: UnsafeBufferPointer<UInt8>) -> Int {
        for code in names.indices where names[code].count == type.count {
            if names[code].withUnsafeBufferPointer({ FoldedText.equal(type, folded: $0, ascii: true) }) { return code }
        }
        return -1
    }

    /// The length and the two words of a text of up to sixteen bytes (only the length counts beyond that).
    @inline(__always)
    static func words(_ text: UnsafeBufferPointer<UInt8>) -> Words {
        guard text.count > 8 else { return Words(count: text.count, first: AggregatePlan.head(text), last: 0) }
        let count = Swift.min(text.count, 16)
        return Words(
            count: text.count,
            first: AggregatePlan.head(text),
            last: AggregatePlan.head(UnsafeBufferPointer(rebasing: text[(count - 8)..<count]))
        )
    }

    @inline(__always)
    private static func hash(_ words: Words, seed: UInt64) -> Int {
        let mixed =
            (words.first &+ words.last &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(words.count) &+ seed &* 0xC2B2_AE3D_27D4_EB4F)
            &* 0xFF51_AFD7_ED55_8CCD
        return Int(truncatingIfNeeded: mixed >> 40)
    }
}
