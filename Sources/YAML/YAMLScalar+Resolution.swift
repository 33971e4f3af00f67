public import Foundation

/// Typed reads of scalars, only when the consumer asks.
///
/// Quoted and block scalars are always strings. A plain scalar is read as a number, boolean, null or timestamp
/// only by the method for that type; a mismatch is a diagnostic at the scalar ("expected a number, found 'ten'").
/// YAML 1.1's `yes`, `no`, `on`, `off` are booleans only when a boolean is asked for.
extension YAMLScalar {
    /// A diagnostic pointing at this scalar, underlining it on its first line.
    public func diagnostic(_ message: Diagnostic.Message, severity: Diagnostic.Severity = .error) -> Diagnostic {
        let length = span.end.line == span.start.line ? span.end.column - span.start.column : value.count
        return source.diagnostic(severity, at: location, message, length: length)
    }

    /// True for a plain empty scalar, `~` and `null` (any case YAML allows).
    public var isNull: Bool {
        style.isPlain && (value.isEmpty || value == "~" || value == "null" || value == "Null" || value == "NULL")
    }

    /// The scalar as a boolean: `true`/`false`, and YAML 1.1's `yes`/`no`/`on`/`off`, in YAML's three cases.
    public func bool() throws(Diagnostic) -> Bool {
        if style.isPlain {
            switch value {
            case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
            case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
            default: break
            }
        }
        throw diagnostic(.expected("a boolean", found: self))
    }

    /// The scalar as an integer: decimal with optional sign and `_` separators, or `0x`/`0o` prefixed.
    public func int() throws(Diagnostic) -> Int {
        if style.isPlain, let number = Self.integer(value) {
            return number
        }
        throw diagnostic(.expected("an integer", found: self))
    }

    /// The scalar as a number: an integer or a decimal with optional fraction and exponent, `.inf`, `.nan`.
    public func double() throws(Diagnostic) -> Double {
        if style.isPlain {
            if let number = Self.integer(value) { return Double(number) }
            if let number = Self.decimal(value) { return number }
        }
        throw diagnostic(.expected("a number", found: self))
    }

    /// The scalar as a number that is neither infinite nor NaN (YAML writes those `.inf` and `.nan`): for points,
    /// caps and ceilings, where either would make every score that reads it meaningless.
    public func finiteDouble() throws(Diagnostic) -> Double {
        let number = try double()
        guard number.isFinite else { throw diagnostic(.expected("a finite number", found: self)) }
        return number
    }

    /// The scalar as a timestamp: `2026-11-29`, or `2026-11-29T10:30:00Z` with optional fraction and offset
    /// (`+01:00`); a date-time without an offset is UTC, as YAML says.
    public func timestamp() throws(Diagnostic) -> Date {
        if style.isPlain, let date = Self.timestamp(value) {
            return date
        }
        throw diagnostic(.expected("a timestamp", found: self))
    }

    static func integer(_ text: String) -> Int? {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        var radix = 10
        if digits.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0o") {
            radix = 8
            digits = digits.dropFirst(2)
        }
        guard let first = digits.first, first != "_", digits.last != "_" else { return nil }
        let cleaned = digits.filter { $0 != "_" }
        guard let magnitude = Int(cleaned, radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    static func decimal(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let allowed = Set("0123456789+-.eE_")
        guard !text.isEmpty, text.allSatisfy({ allowed.contains($0) }), text.contains(where: \.isNumber) else {
            return nil
        }
        return Double(text.filter { $0 != "_" })
    }

    static func timestamp(_ text: String) -> Date? {
        Timestamp.seconds(text).map { Date(timeIntervalSince1970: $0) }
    }
}

/// Shape checks with positioned errors: "expected a mapping, found a sequence".
extension YAMLNode {
    public func diagnostic(_ message: Diagnostic.Message, severity: Diagnostic.Severity = .error) -> Diagnostic {
        if case .scalar(let scalar) = self {
            return scalar.diagnostic(message, severity: severity)
        }
        return source.diagnostic(severity, at: location, message)
    }

    public func mapping() throws(Diagnostic) -> YAMLMapping {
        if case .mapping(let mapping) = self { return mapping }
        throw diagnostic(.expected("a mapping", found: self))
    }

    public func sequence() throws(Diagnostic) -> YAMLSequence {
        if case .sequence(let sequence) = self { return sequence }
        throw diagnostic(.expected("a sequence", found: self))
    }

    public func scalar() throws(Diagnostic) -> YAMLScalar {
        if case .scalar(let scalar) = self { return scalar }
        throw diagnostic(.expected("a scalar", found: self))
    }

    /// The node as a string; any scalar is one, whatever its style.
    public func string() throws(Diagnostic) -> String {
        if case .scalar(let scalar) = self { return scalar.value }
        throw diagnostic(.expected("a string", found: self))
    }
}
