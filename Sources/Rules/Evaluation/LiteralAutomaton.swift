/// The alternatives of a `LiteralRegex` that are only bytes (between optional `\b`s), as one Aho-Corasick automaton:
/// a text is read once, byte by byte, one table lookup each, and every place where an alternative ends comes out,
/// where trying each alternative at each position reads the same bytes again for each of them.
///
/// The bytes are those the regex compares: with `(?i)`, ASCII letters folded on both sides (`FoldedText.fold`). The
/// caller checks the word boundaries of each alternative found.
///
/// A class whose tables are allocated once and never change: a struct of arrays would be copied, a retain and a
/// release per array, on every match. Sendable: its tables are written only in `init`.
final class LiteralAutomaton: @unchecked Sendable {
    /// By byte of the text, as is: its column in `next` (0 for the bytes no alternative has; with `(?i)`, both cases
    /// of a letter have the folded letter's column).
    let columns: UnsafeBufferPointer<UInt8>
    let columnCount: Int
    /// The move on a byte: `next[row + column]`, where `row` is the current state's number times `columnCount` (state
    /// 0, row 0, is the start). An entry is the next state's row, or the row's complement (below zero) when
    /// alternatives end at that state: a byte costs one lookup and one sign test.
    let next: UnsafeBufferPointer<Int32>
    /// By state: the alternatives that end when it is reached, `ends[endStarts[s]..<endStarts[s + 1]]`.
    let endStarts: UnsafeBufferPointer<Int32>
    let ends: UnsafeBufferPointer<Int32>

    /// The largest table built: past it, the regex tries its alternatives one by one.
    static let limit = 1 << 16

    /// The automaton of `alternatives` (each non-empty, folded when `ignoreCase`), or nil when its table would be
    /// larger than `limit` entries.
    init?(_ alternatives: [[UInt8]], ignoreCase: Bool) {
        var columnOf = [Int](repeating: 0, count: 256)
        var columnCount = 1
        for alternative in alternatives {
            for byte in alternative where columnOf[Int(byte)] == 0 {
                guard columnCount < 256 else { return nil }
                columnOf[Int(byte)] = columnCount
                columnCount += 1
            }
        }
        // The trie: by state, its children by column; the alternatives ending at each state.
        var children: [[Int: Int]] = [[:]]
        var own: [[Int32]] = [[]]
        for (index, alternative) in alternatives.enumerated() {
            var state = 0
            for byte in alternative {
                let column = columnOf[Int(byte)]
                if let child = children[state][column] {
                    state = child
                } else {
                    children.append([:])
                    own.append([])
                    children[state][column] = children.count - 1
                    state = children.count - 1
                }
            }
            own[state].append(Int32(index))
        }
        let stateCount = children.count
        guard stateCount * columnCount <= Self.limit else { return nil }
        // Breadth first: each state's fallback (the longest proper suffix of its text that is a state) is done
        // before the state, and so are its moves and its ends.
        var next = [Int32](repeating: 0, count: stateCount * columnCount)
        var fallback = [Int](repeating: 0, count: stateCount)
        var allEnds = own
        var queue: [Int] = []
        for column in 0..<columnCount {
            if let child = children[0][column] {
                next[column] = Int32(child)
                queue.append(child)
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            allEnds[state] += allEnds[fallback[state]]
            for column in 0..<columnCount {
                let moved = Int(next[fallback[state] * columnCount + column])
                if let child = children[state][column] {
                    next[state * columnCount + column] = Int32(child)
                    fallback[child] = moved
                    queue.append(child)
                } else {
                    next[state * columnCount + column] = Int32(moved)
                }
            }
        }
        // Rows instead of states, marked where alternatives end.
        for entry in next.indices {
            let state = Int(next[entry])
            let row = Int32(state * columnCount)
            next[entry] = allEnds[state].isEmpty ? row : ~row
        }
        columns = UnsafeBufferPointer.copying(
            (0..<256).map { byte in UInt8(columnOf[Int(ignoreCase ? FoldedText.fold(UInt8(byte)) : UInt8(byte))]) }
        )
        self.columnCount = columnCount
        self.next = UnsafeBufferPointer.copying(next)
        endStarts = UnsafeBufferPointer.copying(
            allEnds.reduce(into: [0]) { starts, ends in starts.append(starts[starts.count - 1] + Int32(ends.count)) }
        )
        ends = UnsafeBufferPointer.copying(allEnds.flatMap { $0 })
    }

    deinit {
        columns.freeCopy()
        next.freeCopy()
        endStarts.freeCopy()
        ends.freeCopy()
    }

    /// Reads `bytes` and calls `found(alternative, end)` wherever an alternative ends (`end` just past its last byte),
    /// in the order of the ends, until it returns true; whether it did.
    @inline(__always)
    func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, _ found: (_ alternative: Int, _ end: Int) -> Bool) -> Bool {
        var row = 0
        for index in 0..<bytes.count {
            let entry = Int(next[row &+ Int(columns[Int(bytes[index])])])
            guard entry < 0 else {
                row = entry
                continue
            }
            row = ~entry
            let state = row / columnCount
            for end in Int(endStarts[state])..<Int(endStarts[state + 1])
            where found(Int(ends[end]), index + 1) {
                return true
            }
        }
        return false
    }
}
