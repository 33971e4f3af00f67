/// The lower-cased texts of an `in` list, looked up by UTF-8 bytes: a lead's text is found without making a `String`
/// of it or hashing one (a list of industries is tested on every lead).
///
/// Members are kept one after another in `bytes`, and found through an open-addressing table of their FNV-1a hashes.
/// Equal and hashable by its members, as the expression it is part of is.
struct TextSet: Sendable, Hashable {
    let members: Set<String>
    private let bytes: [UInt8]
    private let starts: [Int]
    /// By hash slot: the index of the member there, or -1.
    private let table: [Int32]
    private let mask: UInt64

    init(_ members: Set<String>) {
        self.members = members
        let sorted = members.sorted()
        var bytes: [UInt8] = []
        var starts = [0]
        for member in sorted {
            bytes += member.utf8
            starts.append(bytes.count)
        }
        var size = 8
        while size < sorted.count * 2 { size *= 2 }
        var table = [Int32](repeating: -1, count: size)
        let mask = UInt64(size - 1)
        for (index, member) in sorted.enumerated() {
            var slot = Self.hash(Array(member.utf8), fold: false) & mask
            while table[Int(slot)] >= 0 { slot = (slot + 1) & mask }
            table[Int(slot)] = Int32(index)
        }
        self.bytes = bytes
        self.starts = starts
        self.table = table
        self.mask = mask
    }

    static func == (lhs: TextSet, rhs: TextSet) -> Bool { lhs.members == rhs.members }
    func hash(into hasher: inout Hasher) { hasher.combine(members) }

    /// Whether the text, lower-cased (ASCII letters folded; any other text as `String.lowercased()` does), is a
    /// member.
    func contains(lowering text: UnsafeBufferPointer<UInt8>) -> Bool {
        if text.contains(where: { $0 >= 0x80 }) {
            let lowered = FoldedText.lowercased(text)
            return FoldedText.withBytes(lowered) { find($0, fold: false) }
        }
        return find(text, fold: true)
    }

    private func find(_ text: UnsafeBufferPointer<UInt8>, fold: Bool) -> Bool {
        var slot = Self.hash(text, fold: fold) & mask
        return table.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { bytes in
                starts.withUnsafeBufferPointer { starts in
                    while true {
                        let index = Int(table[Int(slot)])
                        if index < 0 { return false }
                        let start = starts[index]
                        if starts[index + 1] - start == text.count {
                            var k = 0
                            while k < text.count && (fold ? FoldedText.fold(text[k]) : text[k]) == bytes[start + k] {
                                k += 1
                            }
                            if k == text.count { return true }
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    private static func hash<C: Collection<UInt8>>(_ text: C, fold: Bool) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text {
            hash = (hash ^ UInt64(fold ? FoldedText.fold(byte) : byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
