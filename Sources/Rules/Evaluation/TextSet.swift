/// The lower-cased texts of an `in` list. Equal and hashable by its members, as the expression it is part of is;
/// evaluation looks a lead's text up in its `TextLookup`, by UTF-8 bytes, without making a `String` of it or hashing
/// one (a list of industries is tested on every lead).
struct TextSet: Sendable, Hashable {
    let members: Set<String>

    init(_ members: Set<String>) {
        self.members = members
    }
}

/// A `TextSet` as evaluation looks it up: its members one after another in `bytes`, found through an
/// open-addressing table of their hashes.
///
/// Plain pointers into memory its program's `Code` allocated (`allocate`) and frees (`deallocate`): reading one costs
/// no reference count, where a struct of arrays costs one per array each time it is read.
struct TextLookup: @unchecked Sendable {
    private let bytes: UnsafeMutablePointer<UInt8>
    /// By member, in sorted order: where its bytes start; one more for the end of the last.
    private let starts: UnsafeMutablePointer<Int>
    /// By hash slot: the index of the member there, or -1.
    private let table: UnsafeMutablePointer<Int32>
    private let mask: UInt64

    private init(
        bytes: UnsafeMutablePointer<UInt8>,
        starts: UnsafeMutablePointer<Int>,
        table: UnsafeMutablePointer<Int32>,
        mask: UInt64
    ) {
        self.bytes = bytes
        self.starts = starts
        self.table = table
        self.mask = mask
    }

    /// The lookup of `set`'s members, in memory allocated for it.
    static func allocate(_ set: TextSet) -> TextLookup {
        let sorted = set.members.sorted()
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
            var slot = FoldedText.withBytes(member) { hash($0, fold: false).hash } & mask
            while table[Int(slot)] >= 0 { slot = (slot + 1) & mask }
            table[Int(slot)] = Int32(index)
        }
        func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
            let memory = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(array.count, 1))
            memory.initialize(from: array, count: array.count)
            return memory
        }
        return TextLookup(bytes: copy(bytes), starts: copy(starts), table: copy(table), mask: mask)
    }

    /// Frees the lookup's memory: it is not used after.
    func deallocate() {
        bytes.deallocate()
        starts.deallocate()
        table.deallocate()
    }

    /// Whether the text, lower-cased (ASCII letters folded; any other text as `String.lowercased()` does), is a
    /// member.
    func contains(lowering text: UnsafeBufferPointer<UInt8>) -> Bool {
        // One pass hashes the text folded and finds whether it is all ASCII.
        let (hash, bytes) = Self.hash(text, fold: true)
        if bytes >= 0x80 {
            let lowered = FoldedText.lowercased(text)
            return FoldedText.withBytes(lowered) { find($0, hash: Self.hash($0, fold: false).hash, fold: false) }
        }
        return find(text, hash: hash, fold: true)
    }

    private func find(_ text: UnsafeBufferPointer<UInt8>, hash: UInt64, fold: Bool) -> Bool {
        var slot = hash & mask
        while true {
            let index = Int(table[Int(slot)])
            if index < 0 { return false }
            let start = starts[index]
            if starts[index + 1] - start == text.count && Self.same(text, bytes + start, fold: fold) { return true }
            slot = (slot + 1) & mask
        }
    }

    /// Whether `text` (ASCII letters folded, with `fold`) is the `text.count` bytes at `member`: eight at a time,
    /// then the rest.
    @inline(__always)
    private static func same(_ text: UnsafeBufferPointer<UInt8>, _ member: UnsafePointer<UInt8>, fold: Bool) -> Bool {
        guard let base = text.baseAddress else { return true }
        let count = text.count
        @inline(__always) func folded(_ word: UInt64) -> UInt64 { fold ? FoldedText.fold(word: word) : word }
        var index = 0
        while index + 8 <= count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            guard folded(word) == UnsafeRawPointer(member + index).loadUnaligned(as: UInt64.self) else { return false }
            index += 8
        }
        return index == count
            || folded(FoldedText.tailWord(base, count: count)) == FoldedText.tailWord(member, count: count)
    }

    /// `FoldedText.wordHash` of the text, ASCII letters folded or not; and whether some byte is beyond ASCII (0x80,
    /// or 0).
    @inline(__always)
    private static func hash(_ text: UnsafeBufferPointer<UInt8>, fold: Bool) -> (hash: UInt64, bytes: UInt8) {
        let (hash, beyondASCII) = FoldedText.wordHash(text, folding: fold)
        return (hash, beyondASCII ? 0x80 : 0)
    }
}
