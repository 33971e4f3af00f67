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

    static func trim(_ text: String) -> String {
        FoldedText.trimmed(text)
    }

    /// `Dana.Kowalski+promo@Brightpath-Edu.ORG ` -> `dana.kowalski@brightpath-edu.org`; nil if not an address.
    static func email(_ text: String) -> String? {
        let lowered = trim(text).lowercased()
        guard let at = lowered.lastIndex(of: "@"), at != lowered.startIndex else { return nil }
        var local = lowered[..<at]
        let domain = lowered[lowered.index(after: at)...]
        guard !domain.isEmpty, domain.contains(".") else { return nil }
        if let plus = local.firstIndex(of: "+"), plus != local.startIndex { local = local[..<plus] }
        return "\(local)@\(domain)"
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
