/// A rule expression as written: the parser's output, before names and types are checked.
///
/// Every node keeps the range of characters (Unicode scalar offsets into the expression's text) it was read from,
/// so a diagnostic can point at the exact token inside a YAML scalar.
indirect enum ExpressionSyntax: Sendable {
    case number(Double, Range<Int>)
    case string(String, Range<Int>)
    case boolean(Bool, Range<Int>)
    /// A duration literal (`30d`, `12h`, `15m`, `2w`), in seconds.
    case duration(Double, Range<Int>)
    /// A date or date-time literal (`2026-11-29`, `2026-11-29T10:00:00Z`), in seconds since 1970.
    case date(Double, Range<Int>)
    /// A dotted name: a lead field, a named list, a category, a flag, or `score`.
    case name([String], Range<Int>)
    case list([ExpressionSyntax], Range<Int>)
    /// `low..high`, for `in`.
    case range(ExpressionSyntax, ExpressionSyntax, Range<Int>)
    case not(ExpressionSyntax, Range<Int>)
    case binary(BinaryOperator, ExpressionSyntax, ExpressionSyntax, operatorRange: Range<Int>)
    /// `f(a, b, within 30d)`.
    case call(name: String, nameRange: Range<Int>, arguments: [ExpressionSyntax], within: ExpressionSyntax?, Range<Int>)

    var range: Range<Int> {
        switch self {
        case .number(_, let r), .string(_, let r), .boolean(_, let r), .duration(_, let r), .date(_, let r),
            .name(_, let r), .list(_, let r), .range(_, _, let r), .not(_, let r), .call(_, _, _, _, let r):
            r
        case .binary(_, let lhs, let rhs, _):
            lhs.range.lowerBound..<rhs.range.upperBound
        }
    }
}

enum BinaryOperator: String, Sendable {
    case and
    case or
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case `in`
    case notIn = "not in"
    case contains
    case startsWith = "starts_with"
    case endsWith = "ends_with"
    case matches
    case coalesce = "??"
}

/// `events where PREDICATE within 30d`: the subject of an `each` rule.
struct EachSyntax: Sendable {
    var collection: ExpressionSyntax
    var predicate: ExpressionSyntax?
    var within: ExpressionSyntax?
}
