import Foundation

/// A checked, compiled expression: names resolved to slots, literals typed, regexes compiled, lists hashed.
indirect enum Expression: Sendable, Hashable {
    case constant(Constant)
    /// A lead field, by slot.
    case field(Int)
    /// A field of the event under test, by event slot (inside aggregate predicates only).
    case eventField(Int)
    case category(Int)
    case totalScore
    case flag(Int)
    /// The grade, stage or route the tables gave (team conditions only).
    case outcome(Outcome)
    case aggregate(Int)
    /// A derived value, by index.
    case derived(Int)
    case not(Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case compare(Comparison, Expression, Expression)
    /// Membership in a set of lower-cased strings; a list value is in when any item is.
    case inSet(Expression, TextSet, negated: Bool)
    case inRange(Expression, Double, Double, negated: Bool)
    case text(TextOperator, Expression, Expression)
    case matches(Expression, CompiledRegex)
    case coalesce(Expression, Expression)
    case exists(Expression)
    case call(Builtin, Expression)

    enum Outcome: String, Sendable, Hashable, CaseIterable {
        case grade
        case stage
        case route
    }

    enum Comparison: String, Sendable, Hashable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    enum TextOperator: String, Sendable, Hashable {
        case contains
        case startsWith = "starts_with"
        case endsWith = "ends_with"
    }

    enum Builtin: String, Sendable, Hashable, CaseIterable {
        case lower
        case upper
        case len
        case emailDomain = "email_domain"
        case daysSince = "days_since"
    }
}

/// A regular expression compiled once at load, compared by its pattern. A class, for the same reason as
/// `LiteralRegex`.
final class CompiledRegex: Sendable, Hashable {
    let pattern: String
    let regex: NSRegularExpression
    /// The same pattern as a set of texts, when it only matches finitely many: the fast path.
    let literal: LiteralRegex?

    init(pattern: String, regex: NSRegularExpression) {
        self.pattern = pattern
        self.regex = regex
        self.literal = LiteralRegex(pattern)
    }

    /// Whether the pattern matches anywhere in the text with these UTF-8 bytes.
    func matches(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool = false) -> Bool {
        // Called through the optional, not bound: binding would copy the matcher's arrays (a retain each).
        if let verdict = literal?.matches(bytes, ascii: ascii) { return verdict }
        let text = String(decoding: bytes, as: UTF8.self)
        let range = NSRange(location: 0, length: text.utf16.count)
        return regex.rangeOfFirstMatch(in: text, range: range).location != NSNotFound
    }

    /// Whether the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        if let literal, let verdict = literal.matches(text) { return verdict }
        let range = NSRange(location: 0, length: text.utf16.count)
        return regex.rangeOfFirstMatch(in: text, range: range).location != NSNotFound
    }

    static func == (lhs: CompiledRegex, rhs: CompiledRegex) -> Bool { lhs.pattern == rhs.pattern }
    func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
}
