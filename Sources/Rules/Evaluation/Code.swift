import YAML

/// A program's conditions and expressions as evaluation walks them: flat arrays of plain nodes, referring to each
/// other by index. The `Condition` and `Expression` trees stay what the checker makes and what programs are compared
/// by (`ProgramPair`); walking them on every lead costs a reference count for each node bound, which these nodes do
/// not.
///
/// Constant texts live in `bytes`, so a constant is a `.text` value as plain as a lead's.
///
/// Made by `CodeBuilder`. A class that owns its nodes in memory it allocated, so evaluation reads them through
/// plain pointers: a Swift array read on every node costs a reference count on its buffer each time.
final class Code: @unchecked Sendable {
    enum Kind: UInt8, Sendable {
        /// `a`: the constant's index.
        case constant
        /// `a`: the slot, event slot, category, flag, event function or derived value.
        case field, eventField, category, flag, aggregate, derived
        case totalScore
        /// `mode`: grade 0, stage 1, route 2.
        case outcome
        /// `a`: the operand.
        case not, exists
        /// `a`, `b`: the operands.
        case and, or, coalesce
        /// `mode`: the comparison; `a`, `b`: the operands.
        case compare
        /// `a`: the operand; `b`: the set; `mode`: 1 when negated.
        case inSet
        /// `a`: the operand; `b`: the range, `ranges[2b]...ranges[2b + 1]`; `mode`: 1 when negated.
        case inRange
        /// `mode`: the operator; `a`, `b`: the operands.
        case text
        /// `a`: the operand; `b`: the regex.
        case matches
        /// `mode`: the function; `a`: the operand; `b`: when the operand is a lead field, 1 + the slot of
        /// `callCacheCount` its value is kept in for the lead (a function of the same field is called once), else 0.
        case call
    }

    struct Op: Sendable {
        var kind: Kind
        var mode: UInt8 = 0
        var a: Int32 = 0
        var b: Int32 = 0
    }

    enum ConditionKind: UInt8, Sendable {
        /// `a`: the expression; `b`: the leaf's number (its text and line in `leafTexts`, `leafLines`).
        case leaf
        /// `a`: where its items start in `children`; `b`: how many.
        case all, any
        /// `a`: the condition negated.
        case not
    }

    struct ConditionOp: Sendable {
        var kind: ConditionKind
        var a: Int32
        var b: Int32
    }

    // Immutable after `init`, freed in `deinit`.
    let ops: UnsafeBufferPointer<Op>
    /// Plain values: constant texts are `.text` values in `bytes`.
    let constants: UnsafeBufferPointer<Value>
    /// The constant texts' bytes.
    let bytes: UnsafeBufferPointer<UInt8>
    let sets: UnsafeBufferPointer<TextLookup>
    let ranges: UnsafeBufferPointer<Double>
    let regexes: UnsafeBufferPointer<CompiledRegex>
    /// The same regexes, unretained, for matching: a regex read from `regexes` is retained and released around each
    /// match (two atomic operations), one used through its `Unmanaged` reference is not. `regexes` keeps them alive.
    let regexReferences: UnsafeBufferPointer<Unmanaged<CompiledRegex>>
    /// The groups of literal regexes tested on one lead field, read once per lead for all (`RegexGroup`).
    let regexGroups: [RegexGroup]
    /// Unretained, for matching (`regexGroups` keeps them).
    let groupReferences: UnsafeBufferPointer<Unmanaged<RegexGroup>>
    /// By regex: its group, or -1; and its bit in the group's matches.
    let regexGroupOf: UnsafeBufferPointer<Int32>
    let regexBits: UnsafeBufferPointer<UInt64>
    let conditions: UnsafeBufferPointer<ConditionOp>
    let children: UnsafeBufferPointer<Int32>
    let leafTexts: [String]
    let leafLines: [Int]
    /// How many calls on lead fields keep their values for the lead.
    let callCacheCount: Int

    init(_ builder: CodeBuilder) {
        ops = UnsafeBufferPointer.copying(builder.ops)
        constants = UnsafeBufferPointer.copying(builder.constants)
        bytes = UnsafeBufferPointer.copying(builder.bytes)
        sets = UnsafeBufferPointer.copying(builder.sets.map(TextLookup.allocate))
        ranges = UnsafeBufferPointer.copying(builder.ranges)
        regexes = UnsafeBufferPointer.copying(builder.regexes)
        regexReferences = UnsafeBufferPointer.copying(builder.regexes.map { Unmanaged.passUnretained($0) })
        let grouping = RegexGroup.grouping(builder.regexes, fields: builder.regexFields)
        regexGroups = grouping.groups
        groupReferences = UnsafeBufferPointer.copying(grouping.groups.map { Unmanaged.passUnretained($0) })
        regexGroupOf = UnsafeBufferPointer.copying(grouping.groupOf)
        regexBits = UnsafeBufferPointer.copying(grouping.bits)
        conditions = UnsafeBufferPointer.copying(builder.conditions)
        children = UnsafeBufferPointer.copying(builder.children)
        leafTexts = builder.leafTexts
        leafLines = builder.leafLines
        callCacheCount = builder.callCache.count
    }

    deinit {
        ops.freeCopy()
        constants.freeCopy()
        bytes.freeCopy()
        for set in sets { set.deallocate() }
        sets.freeCopy()
        ranges.freeCopy()
        regexReferences.freeCopy()
        groupReferences.freeCopy()
        regexGroupOf.freeCopy()
        regexBits.freeCopy()
        regexes.freeCopy()
        conditions.freeCopy()
        children.freeCopy()
    }

    /// In the order `EvaluationState.compare(mode:_:_:)` reads for numbers.
    static let comparisons: [Expression.Comparison] = [
        .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual,
    ]
    static let textOperators: [Expression.TextOperator] = [.contains, .startsWith, .endsWith]
    static let builtins = Expression.Builtin.allCases
    static let outcomes: [Expression.Outcome] = [.grade, .stage, .route]
}

/// Builds a program's `Code` from its conditions and expressions.
struct CodeBuilder {
    typealias Op = Code.Op
    typealias ConditionOp = Code.ConditionOp
    typealias Kind = Code.Kind
    typealias ConditionKind = Code.ConditionKind

    var ops: [Op] = []
    var constants: [Value] = []
    var bytes: [UInt8] = []
    var sets: [TextSet] = []
    var ranges: [Double] = []
    var regexes: [CompiledRegex] = []
    /// By regex: the lead field slot it is tested on, or -1 when its operand is anything else.
    var regexFields: [Int] = []
    var conditions: [ConditionOp] = []
    var children: [Int32] = []
    var leafTexts: [String] = []
    var leafLines: [Int] = []
    /// By function and lead field slot: the cache slot of calls of that function on that field.
    var callCache: [Int: Int32] = [:]

    /// A text as a constant value: its bytes in `bytes`.
    mutating func text(_ text: String) -> Value {
        let start = bytes.count
        bytes += text.utf8
        return .text(TextRef(start: UInt32(start), count: UInt32(bytes.count - start), arena: .program))
    }

    /// Adds an expression; the index of its node.
    mutating func add(_ expression: Expression) -> Int32 {
        var op: Op
        switch expression {
        case .constant(let value):
            switch value {
            case .boolean(let flag): constants.append(.boolean(flag))
            case .number(let number): constants.append(.number(number))
            case .string(let string): constants.append(text(string))
            case .timestamp(let time): constants.append(.timestamp(time))
            case .duration(let seconds): constants.append(.duration(seconds))
            }
            op = Op(kind: .constant, a: Int32(constants.count - 1))
        case .field(let slot): op = Op(kind: .field, a: Int32(slot))
        case .eventField(let slot): op = Op(kind: .eventField, a: Int32(slot))
        case .category(let index): op = Op(kind: .category, a: Int32(index))
        case .totalScore: op = Op(kind: .totalScore)
        case .flag(let index): op = Op(kind: .flag, a: Int32(index))
        case .outcome(let outcome):
            op = Op(kind: .outcome, mode: UInt8(Code.outcomes.firstIndex(of: outcome) ?? 0))
        case .aggregate(let index): op = Op(kind: .aggregate, a: Int32(index))
        case .derived(let index): op = Op(kind: .derived, a: Int32(index))
        case .not(let inner): op = Op(kind: .not, a: add(inner))
        case .exists(let inner): op = Op(kind: .exists, a: add(inner))
        case .and(let lhs, let rhs): op = Op(kind: .and, a: add(lhs), b: add(rhs))
        case .or(let lhs, let rhs): op = Op(kind: .or, a: add(lhs), b: add(rhs))
        case .coalesce(let lhs, let rhs): op = Op(kind: .coalesce, a: add(lhs), b: add(rhs))
        case .compare(let comparison, let lhs, let rhs):
            op = Op(
                kind: .compare,
                mode: UInt8(Code.comparisons.firstIndex(of: comparison) ?? 0),
                a: add(lhs),
                b: add(rhs)
            )
        case .inSet(let operand, let set, let negated):
            let a = add(operand)
            sets.append(set)
            op = Op(kind: .inSet, mode: negated ? 1 : 0, a: a, b: Int32(sets.count - 1))
        case .inRange(let operand, let low, let high, let negated):
            let a = add(operand)
            ranges += [low, high]
            op = Op(kind: .inRange, mode: negated ? 1 : 0, a: a, b: Int32(ranges.count / 2 - 1))
        case .text(let textOperator, let lhs, let rhs):
            op = Op(
                kind: .text,
                mode: UInt8(Code.textOperators.firstIndex(of: textOperator) ?? 0),
                a: add(lhs),
                b: add(rhs)
            )
        case .matches(let operand, let regex):
            let a = add(operand)
            regexes.append(regex)
            if case .field(let slot) = operand { regexFields.append(slot) } else { regexFields.append(-1) }
            op = Op(kind: .matches, a: a, b: Int32(regexes.count - 1))
        case .call(let builtin, let operand):
            let mode = Code.builtins.firstIndex(of: builtin) ?? 0
            var cache: Int32 = 0
            if case .field(let slot) = operand {
                let key = slot * Code.builtins.count + mode
                if callCache[key] == nil { callCache[key] = Int32(callCache.count) }
                cache = (callCache[key] ?? 0) + 1
            }
            op = Op(kind: .call, mode: UInt8(mode), a: add(operand), b: cache)
        }
        ops.append(op)
        return Int32(ops.count - 1)
    }

    /// Adds a condition; the index of its node.
    mutating func add(_ condition: Condition) -> Int32 {
        let op: ConditionOp
        switch condition {
        case .leaf(let expression, let text, let location):
            let root = add(expression)
            leafTexts.append(text)
            leafLines.append(location.line)
            op = ConditionOp(kind: .leaf, a: root, b: Int32(leafTexts.count - 1))
        case .all(let items), .any(let items):
            let added = items.map { add($0) }
            let start = children.count
            children += added
            let kind: ConditionKind
            if case .all = condition { kind = .all } else { kind = .any }
            op = ConditionOp(kind: kind, a: Int32(start), b: Int32(added.count))
        case .not(let inner):
            op = ConditionOp(kind: .not, a: add(inner), b: 0)
        }
        conditions.append(op)
        return Int32(conditions.count - 1)
    }

    /// Adds an optional condition; -1 for none.
    mutating func add(_ condition: Condition?) -> Int32 {
        condition.map { add($0) } ?? -1
    }
}
