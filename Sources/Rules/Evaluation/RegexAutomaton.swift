/// A `LiteralRegex`'s alternatives as a deterministic automaton over the text's bytes, built once at load: a match
/// anywhere in a text costs one table lookup per byte, however many alternatives the pattern has (a title tried
/// against `(?i)\b(chief|c[eiortf]o|vp|vice president|head of|svp|evp)\b` walks its bytes once, instead of trying
/// each alternative that may start at each position).
///
/// It decides exactly as `LiteralRegex.backtrackingMatches` does (a test compares them on generated texts): the
/// alternatives' atoms become the items of a nondeterministic automaton (a class repeated any number of times
/// loops on itself), and each state of this one is the set of items waiting for the next byte, with whether the
/// byte before was a word character (for `\b`) and whether no byte was read yet (for `^`). The zero-width items
/// (`\b`, `^`, `$`) are passed when the next byte, or the text's end, is known. Bytes that every item treats alike
/// share a column of the table.
struct RegexAutomaton: Sendable {
    /// The state a text's first byte is read in.
    static let initial: UInt16 = 2
    /// Reached when a match is found (decided: true).
    static let matched: UInt16 = 1
    /// Reached on a byte beyond ASCII when the pattern has a class (decided by ICU: nil).
    static let undecided: UInt16 = 0
    /// Patterns whose automaton would be larger keep the backtracking matcher.
    static let defaultStateLimit = 2048

    /// By state and column (`state * columnCount + column`): the next state, times `columnCount` (where its row
    /// starts), so the walk does no multiplication.
    let table: [UInt32]
    /// By byte: its column.
    let columns: [UInt8]
    let columnCount: Int
    /// By state: whether a match ends at the text's end.
    let acceptsAtEnd: [Bool]

    private enum Item: Hashable {
        case byte(UInt8)
        case one(LiteralRegex.ByteClass)
        case many(LiteralRegex.ByteClass)
        case boundary
        case start
        case end
        case accept
    }

    private struct StateKey: Hashable {
        var waiting: [Int]
        var afterWord: Bool
        var atStart: Bool
    }

    /// The automaton of these alternatives (`atoms[starts[i]..<starts[i + 1]]` each), or nil when it would have more
    /// than `stateLimit` states.
    init?(
        atoms: [LiteralRegex.Atom],
        starts: [Int],
        ignoreCase: Bool,
        hasClasses: Bool,
        stateLimit: Int = defaultStateLimit
    ) {
        var items: [Item] = []
        var firsts: [Int] = []
        for alternative in 0..<(starts.count - 1) {
            firsts.append(items.count)
            for atom in atoms[starts[alternative]..<starts[alternative + 1]] {
                switch atom {
                case .byte(let byte): items.append(.byte(ignoreCase ? FoldedText.fold(byte) : byte))
                case .boundary: items.append(.boundary)
                case .start: items.append(.start)
                case .end: items.append(.end)
                case .repeated(let byteClass, let min, let unbounded):
                    // The parser makes one (`\d`), one or more (`\d+`) and any number (`\d*`).
                    guard min <= 1, unbounded || min == 1 else { return nil }
                    if min == 1 { items.append(.one(byteClass)) }
                    if unbounded { items.append(.many(byteClass)) }
                }
            }
            items.append(.accept)
        }
        // A byte's column: the items it passes, whether it is a word character, and whether it is undecided.
        let literals = Set(items.compactMap { item -> UInt8? in if case .byte(let byte) = item { byte } else { nil } })
        func passes(_ item: Item, _ byte: UInt8) -> Bool {
            switch item {
            case .byte(let expected): (ignoreCase ? FoldedText.fold(byte) : byte) == expected
            case .one(let byteClass), .many(let byteClass): byteClass.contains(byte)
            default: false
            }
        }
        struct Signature: Hashable {
            var literal: Int
            var classes: [Bool]
            var word: Bool
            var undecided: Bool
        }
        var columnOf: [Signature: Int] = [:]
        var columns = [UInt8](repeating: 0, count: 256)
        var representatives: [UInt8] = []
        for byte in 0...255 {
            let value = UInt8(byte)
            let folded = ignoreCase ? FoldedText.fold(value) : value
            let signature = Signature(
                literal: literals.contains(folded) ? Int(folded) : -1,
                classes: [.digit, .word, .space].map { (byteClass: LiteralRegex.ByteClass) in
                    byteClass.contains(value)
                },
                word: LiteralRegex.isWord(value),
                undecided: hasClasses && value >= 0x80
            )
            if let column = columnOf[signature] {
                columns[byte] = UInt8(column)
            } else {
                guard representatives.count < 256 else { return nil }
                columnOf[signature] = representatives.count
                columns[byte] = UInt8(representatives.count)
                representatives.append(value)
            }
        }
        let columnCount = representatives.count

        /// The items a state's waiting items reach without reading a byte, given what is around the position: those
        /// that read a byte, and whether a match ends here.
        func closure(_ waiting: [Int], afterWord: Bool, atStart: Bool, next: UInt8?) -> (reading: [Int], accepts: Bool)
        {
            var seen = Set<Int>()
            var reading: [Int] = []
            var accepts = false
            var stack = waiting + firsts
            let beforeWord = next.map { LiteralRegex.isWord($0) } ?? false
            while let item = stack.popLast() {
                guard seen.insert(item).inserted else { continue }
                switch items[item] {
                case .byte, .one:
                    reading.append(item)
                case .many:
                    reading.append(item)
                    stack.append(item + 1)
                case .boundary:
                    if afterWord != beforeWord { stack.append(item + 1) }
                case .start:
                    if atStart { stack.append(item + 1) }
                case .end:
                    if next == nil { stack.append(item + 1) }
                case .accept:
                    accepts = true
                }
            }
            return (reading.sorted(), accepts)
        }

        // States 0 and 1 are the undecided and matched ends; the initial state is 2.
        var keys: [StateKey] = [
            StateKey(waiting: [], afterWord: false, atStart: false),
            StateKey(waiting: [], afterWord: false, atStart: false),
            StateKey(waiting: [], afterWord: false, atStart: true),
        ]
        var ids: [StateKey: Int] = [keys[2]: 2]
        var table = [UInt16](repeating: 0, count: 3 * columnCount)
        var acceptsAtEnd = [false, true, false]
        for column in 0..<columnCount {
            table[column] = Self.undecided
            table[columnCount + column] = Self.matched
        }
        var state = 2
        while state < keys.count {
            let key = keys[state]
            acceptsAtEnd[state] =
                closure(key.waiting, afterWord: key.afterWord, atStart: key.atStart, next: nil).accepts
            for column in 0..<columnCount {
                let byte = representatives[column]
                if hasClasses && byte >= 0x80 {
                    table[state * columnCount + column] = Self.undecided
                    continue
                }
                let (reading, accepts) = closure(
                    key.waiting,
                    afterWord: key.afterWord,
                    atStart: key.atStart,
                    next: byte
                )
                if accepts {
                    table[state * columnCount + column] = Self.matched
                    continue
                }
                var waiting: [Int] = []
                for item in reading where passes(items[item], byte) {
                    if case .many = items[item] { waiting.append(item) } else { waiting.append(item + 1) }
                }
                let next = StateKey(
                    waiting: Array(Set(waiting)).sorted(),
                    afterWord: LiteralRegex.isWord(byte),
                    atStart: false
                )
                let id: Int
                if let known = ids[next] {
                    id = known
                } else {
                    guard keys.count < stateLimit else { return nil }
                    id = keys.count
                    ids[next] = id
                    keys.append(next)
                    acceptsAtEnd.append(false)
                    table += repeatElement(0, count: columnCount)
                }
                table[state * columnCount + column] = UInt16(id)
            }
            state += 1
        }
        self.table = table.map { UInt32($0) * UInt32(columnCount) }
        self.columns = columns
        self.columnCount = columnCount
        self.acceptsAtEnd = acceptsAtEnd
    }

    var stateCount: Int { acceptsAtEnd.count }

    /// Whether the pattern matches anywhere in `bytes`; nil when the pattern has a class and the text is not ASCII.
    @inline(__always)
    func matches(_ bytes: UnsafeBufferPointer<UInt8>, hasClasses: Bool) -> Bool? {
        table.withUnsafeBufferPointer { table in
            columns.withUnsafeBufferPointer { columns -> Bool? in
                let columnCount = columnCount
                var row = Int(Self.initial) &* columnCount
                for index in 0..<bytes.count {
                    row = Int(table[row &+ Int(columns[Int(bytes[index])])])
                    if row <= columnCount {
                        if row == 0 { return nil }
                        // Matched; with a class, a byte beyond ASCII later still leaves the text to ICU.
                        if hasClasses {
                            for rest in (index + 1)..<bytes.count where bytes[rest] >= 0x80 { return nil }
                        }
                        return true
                    }
                }
                return acceptsAtEnd[row / columnCount]
            }
        }
    }
}
