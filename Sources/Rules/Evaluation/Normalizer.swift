import Leads
import YAML

/// Turns lead values into evaluation values by their catalog type, once per lead: e-mails lower-cased with the
/// `+tag` removed, countries to ISO codes, numbers written as text (`"1,100"`) to numbers, timestamps parsed.
/// Anything that does not fit its type becomes `missing`.
enum Normalizer {
    static func value(_ value: LeadValue?, _ type: FieldType) -> Value {
        guard let value else { return .missing }
        switch (type, value) {
        case (.string, .string(let text)):
            let trimmed = trim(text)
            return trimmed.isEmpty ? .missing : .string(trimmed)
        case (.string, .int(let number)):
            return .string(String(number))
        case (.email, .string(let text)):
            return email(text).map { .string($0) } ?? .missing
        case (.country, .string(let text)):
            let trimmed = trim(text)
            guard !trimmed.isEmpty else { return .missing }
            return .string(Countries.codes[trimmed.lowercased()] ?? trimmed)
        case (.number, .int(let number)):
            return .number(Double(number))
        case (.number, .double(let number)):
            return .number(number)
        case (.number, .string(let text)):
            let cleaned = text.filter { $0 != "," && $0 != "_" && $0 != " " }
            return Double(cleaned).map { .number($0) } ?? .missing
        case (.boolean, .bool(let flag)):
            return .boolean(flag)
        case (.timestamp, .string(let text)):
            return Timestamp.seconds(trim(text)).map { .timestamp($0) } ?? .missing
        case (.list, .array(let items)):
            return .list(
                items.compactMap { item in
                    if case .string(let text) = item {
                        let trimmed = trim(text)
                        return trimmed.isEmpty ? nil : trimmed
                    }
                    return nil
                }
            )
        case (.list, .string(let text)):
            // A list written as text: "routing, reporting".
            return .list(
                text.split(whereSeparator: { $0 == "," || $0 == ";" }).map { trim(String($0)) }.filter { !$0.isEmpty }
            )
        case (.events, .array):
            return .events(0)
        default:
            return .missing
        }
    }

    /// A timestamp field's seconds, as `value` reads it, without making a `Value`: the event times' fast path.
    static func timestamp(_ value: LeadValue, _ type: FieldType) -> Double? {
        guard type == .timestamp else {
            if case .timestamp(let time) = Self.value(value, type) { return time }
            return nil
        }
        guard case .string(let text) = value else { return nil }
        return FoldedText.withBytes(text) { Timestamp.seconds(utf8: FoldedText.trimmed($0)) }
    }

    static func trim(_ text: String) -> String {
        FoldedText.trimmed(text)
    }

    /// `Dana.Kowalski+promo@Brightpath-Edu.ORG ` -> `dana.kowalski@brightpath-edu.org`; nil if not an address.
    static func email(_ text: String) -> String? {
        // One pass over the bytes. Letters beyond ASCII are lower-cased as Unicode text first; `@`, `+` and `.` are
        // ASCII, so the byte positions found are character boundaries either way.
        let source = text.utf8.allSatisfy { $0 < 0x80 } ? text : trim(text).lowercased()
        return FoldedText.withBytes(source) { raw -> String? in
            let bytes = FoldedText.trimmed(raw)
            var at = -1
            var plus = -1
            var dot = false
            for i in 0..<bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "@"):
                    at = i
                    dot = false
                case UInt8(ascii: "+") where plus < 0: plus = i
                case UInt8(ascii: "."): dot = true
                default: break
                }
            }
            guard at > 0, at + 1 < bytes.count, dot else { return nil }
            // The first `+` cuts the local part (the text before the last `@`), unless the local part starts with it.
            let localEnd = plus > 0 && plus < at ? plus : at
            return String(unsafeUninitializedCapacity: localEnd + bytes.count - at) { buffer in
                for i in 0..<localEnd { buffer[i] = FoldedText.fold(bytes[i]) }
                for i in at..<bytes.count { buffer[localEnd + i - at] = FoldedText.fold(bytes[i]) }
                return localEnd + bytes.count - at
            }
        }
    }

    static func emailDomain(_ text: String) -> String? {
        let domain = FoldedText.withBytes(text) { bytes -> String? in
            guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at + 1 < bytes.count else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[(at + 1)...]), as: UTF8.self)
        }
        guard let domain else { return nil }
        let cleaned = FoldedText.lowered(FoldedText.trimmed(domain))
        return cleaned.isEmpty ? nil : cleaned
    }
}
