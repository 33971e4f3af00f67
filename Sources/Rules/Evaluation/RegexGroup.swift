/// The literal regexes that rules test on one lead field (`contact.title matches "..."` in several rules), as one
/// automaton: the field's text is read once per lead for all of them, where each regex read it again. Evaluation
/// keeps, per lead, which of the group's regexes matched (`EvaluationState.regexMatches`).
///
/// Only regexes whose every alternative is bytes between optional `\b`s (those with their own `LiteralAutomaton`),
/// with the same `(?i)`. A regex matches exactly when it would alone: every place where one of its alternatives ends
/// comes out, and is checked for that alternative's boundaries.
///
/// A class whose tables are allocated once and never change; Sendable as its regexes and automaton are.
final class RegexGroup: @unchecked Sendable {
    /// Every alternative of every member, one after another.
    let automaton: LiteralAutomaton
    /// The members, by bit: bit `i` of a lead's matches is `members[i]`.
    let members: [LiteralRegex]
    /// The members unretained, for matching (`members` keeps them).
    private let references: UnsafeBufferPointer<Unmanaged<LiteralRegex>>
    /// By alternative of the automaton: its member's bit, and its index among that member's alternatives.
    private let owners: UnsafeBufferPointer<Int32>
    private let locals: UnsafeBufferPointer<Int32>
    /// Every member's bit set.
    let all: UInt64
    /// Whether the members ignore case (all or none do).
    let ignoreCase: Bool

    /// At most this many members: a lead's matches are one word, whose top bits say they were read, and whether the
    /// group could decide them.
    static let limit = 62
    /// Set in a lead's matches once the field was read: a word of matches is never zero once read.
    static let read: UInt64 = 1 << 63
    /// Set, with `read`, when the text is one the members leave to ICU (`LiteralRegex.foldsToASCII`): each member
    /// then decides as it does alone.
    static let undecided: UInt64 = 1 << 62

    /// The group of `members` (each with an automaton, at most `limit`, all with the same `(?i)`), or nil when their
    /// automaton together would be too large.
    init?(_ members: [LiteralRegex]) {
        guard members.count >= 2, members.count <= Self.limit, let first = members.first,
            members.allSatisfy({ $0.automaton != nil && $0.ignoreCase == first.ignoreCase })
        else { return nil }
        var alternatives: [[UInt8]] = []
        var owners: [Int32] = []
        var locals: [Int32] = []
        for (bit, member) in members.enumerated() {
            for local in member.literalCounts.indices {
                let start = member.literalStarts[local]
                alternatives.append(Array(member.literalBytes[start..<(start + member.literalCounts[local])]))
                owners.append(Int32(bit))
                locals.append(Int32(local))
            }
        }
        guard let automaton = LiteralAutomaton(alternatives, ignoreCase: first.ignoreCase) else { return nil }
        self.automaton = automaton
        self.members = members
        references = UnsafeBufferPointer.copying(members.map { Unmanaged.passUnretained($0) })
        self.owners = UnsafeBufferPointer.copying(owners)
        self.locals = UnsafeBufferPointer.copying(locals)
        all = (1 << UInt64(members.count)) &- 1
        ignoreCase = first.ignoreCase
    }

    deinit {
        references.freeCopy()
        owners.freeCopy()
        locals.freeCopy()
    }

    /// The groups of a program's regexes, and by regex its group (or -1) and its bit in that group's matches.
    struct Grouping {
        var groups: [RegexGroup] = []
        var groupOf: [Int32]
        var bits: [UInt64]
    }

    /// The groups of `regexes` (by index, tested on the lead field slot `fields[index]`, or -1 for another operand):
    /// per field and case rule, its literal regexes, each pattern once, when there are two or more.
    static func grouping(_ regexes: [CompiledRegex], fields: [Int]) -> Grouping {
        // Per field (and case rule), its literal regexes, each pattern once.
        var byField: [Int: [String]] = [:]
        var fieldOrder: [Int] = []
        for (index, slot) in fields.enumerated() {
            guard slot >= 0, let literal = regexes[index].literal, literal.automaton != nil else { continue }
            let key = slot * 2 + (literal.ignoreCase ? 1 : 0)
            if byField[key] == nil { fieldOrder.append(key) }
            let pattern = regexes[index].pattern
            if byField[key]?.contains(pattern) != true { byField[key, default: []].append(pattern) }
        }
        var grouping = Grouping(
            groupOf: [Int32](repeating: -1, count: regexes.count),
            bits: [UInt64](repeating: 0, count: regexes.count)
        )
        for key in fieldOrder {
            guard let patterns = byField[key]?.prefix(RegexGroup.limit), patterns.count >= 2 else { continue }
            let members = patterns.compactMap { pattern in
                regexes.first { $0.pattern == pattern }?.literal
            }
            guard let group = RegexGroup(members) else { continue }
            for (index, slot) in fields.enumerated() where slot >= 0 {
                let regex = regexes[index]
                guard let literal = regex.literal, slot * 2 + (literal.ignoreCase ? 1 : 0) == key,
                    let bit = patterns.firstIndex(of: regex.pattern)
                else { continue }
                grouping.groupOf[index] = Int32(grouping.groups.count)
                grouping.bits[index] = 1 << UInt64(bit - patterns.startIndex)
            }
            grouping.groups.append(group)
        }
        return grouping
    }

    /// Which members match `bytes`, by bit, with `read` set. The text is read to its end, or until every member
    /// matched.
    func matches(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool = false) -> UInt64 {
        if ignoreCase && !ascii && LiteralRegex.foldsToASCII(bytes) { return Self.read | Self.undecided }
        var found: UInt64 = 0
        let all = all
        _ = automaton.firstMatch(in: bytes) { alternative, end in
            let bit = UInt64(1) << UInt64(owners[alternative])
            guard found & bit == 0 else { return false }
            let local = Int(locals[alternative])
            let matched = references[Int(owners[alternative])]._withUnsafeGuaranteedRef { member in
                member.bounded(local, in: bytes, from: end - member.literalCounts[local], to: end)
            }
            if matched { found |= bit }
            return found == all
        }
        return found | Self.read
    }
}
