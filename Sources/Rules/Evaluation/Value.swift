/// A value during evaluation. `missing` stands for absent, null or wrong-typed data: comparisons on it are unknown.
enum Value: Sendable, Hashable {
    case missing
    case boolean(Bool)
    case number(Double)
    case string(String)
    /// Seconds since 1970.
    case timestamp(Double)
    /// Seconds.
    case duration(Double)
    case list([String])
    /// An index into the lead's event collections.
    case events(Int)
    /// A lead's text, read in place: bytes of the lead's document, or of the evaluation's scratch bytes where
    /// normalizing changed them. Only during an evaluation (`EvaluationState.withText`); never a constant.
    case text(TextRef)
    /// A list read in place: the lead's array at this node, its non-empty texts the items.
    case items(Int)

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
