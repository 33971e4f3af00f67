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
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 48 && scalar.value <= 57 }
        func number(_ width: Int) -> Int? {
            guard i + width <= scalars.count else { return nil }
            var value = 0
            for k in i..<(i + width) {
                guard isDigit(scalars[k]) else { return nil }
                value = value * 10 + Int(scalars[k].value - 48)
            }
            i += width
            return value
        }
        func skip(_ character: Unicode.Scalar) -> Bool {
            guard i < scalars.count, scalars[i] == character else { return false }
            i += 1
            return true
        }
        guard let year = number(4), skip("-"), let month = number(2), skip("-"), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = year
        components.month = month
        components.day = day
        var fraction = 0.0
        var offsetSeconds = 0
        if i < scalars.count {
            guard skip("T") || skip("t") || skip(" ") else { return nil }
            guard let hour = number(2), skip(":"), let minute = number(2), skip(":"), let second = number(2),
                hour < 24, minute < 60, second < 61
            else { return nil }
            components.hour = hour
            components.minute = minute
            components.second = second
            if skip(".") {
                var digits = ""
                while i < scalars.count, isDigit(scalars[i]) {
                    digits.unicodeScalars.append(scalars[i])
                    i += 1
                }
                guard !digits.isEmpty, let value = Double("0." + digits) else { return nil }
                fraction = value
            }
            _ = skip(" ")
            if skip("Z") || skip("z") {
                // UTC
            } else if i < scalars.count {
                let sign = scalars[i] == "-" ? -1 : 1
                guard skip("+") || skip("-"), let hours = number(2) else { return nil }
                var minutes = 0
                if skip(":") {
                    guard let value = number(2) else { return nil }
                    minutes = value
                } else if let value = number(2) {
                    minutes = value
                }
                offsetSeconds = sign * (hours * 3600 + minutes * 60)
            }
            guard i == scalars.count else { return nil }
        }
        guard let calendar = components.calendar, let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day
        else { return nil }
        return date.addingTimeInterval(fraction - Double(offsetSeconds))
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
