/// A constant written in a rule: what the checker makes of a literal.
enum Constant: Sendable, Hashable {
    case boolean(Bool)
    case number(Double)
    case string(String)
    /// Seconds since 1970.
    case timestamp(Double)
    /// Seconds.
    case duration(Double)
}

/// A value during evaluation. `missing` stands for absent, null or wrong-typed data: comparisons on it are unknown.
///
/// Plain data, copied without reference counting: a text is where its bytes are (`TextRef`), in the lead, in the
/// evaluation's scratch bytes or in the program's constants; a list is where its items are.
enum Value: Sendable, Hashable {
    case missing
    case boolean(Bool)
    case number(Double)
    /// Seconds since 1970.
    case timestamp(Double)
    /// Seconds.
    case duration(Double)
    /// An index into the lead's event collections.
    case events(Int)
    case text(TextRef)
    /// A list read in place: the lead's array at this node, its non-empty texts the items.
    case items(Int)
    /// A list written as one text ("routing, reporting"): its items are the non-empty parts between commas and
    /// semicolons, trimmed.
    case textList(TextRef)

    var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }

    /// A timestamp's seconds; nil for anything else.
    var seconds: Double? {
        if case .timestamp(let time) = self { return time }
        return nil
    }
}

/// The static types the checker gives expressions.
enum ValueType: String, Sendable {
    case boolean = "a boolean"
    case number = "a number"
    case string = "a string"
    case timestamp = "a timestamp"
    case duration = "a duration"
    case list = "a list"
    case events = "events"
    case set = "a named list"
    case range = "a range"
}

/// Where a text value's bytes are: `count` bytes from `start` of the lead's document text, of the evaluation's
/// scratch bytes, or of the program's constant texts.
struct TextRef: Sendable, Hashable {
    enum Arena: UInt8, Sendable, Hashable {
        case lead
        case scratch
        case program
    }

    var start: UInt32
    var count: UInt32
    var arena: Arena
}
