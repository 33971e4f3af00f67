import Leads
import YAML

/// Text values read where their bytes are: a constant's `String`, or a `.text` in the lead's document or the
/// evaluation's scratch bytes; and `.items` lists in the lead's document. The text operators of the rule language
/// work here on bytes, so a lead's texts are never copied into `String`s to be compared, looked up or matched.
///
/// Holds only pointers, valid during one evaluation (`EvaluationState.texts`).
struct Texts {
    let lead: LeadView
    let scratch: UnsafeBufferPointer<UInt8>
    /// The program's constant texts.
    let constants: UnsafeBufferPointer<UInt8>

    /// The bytes of a text value, lent to `body`; nil for any other value.
    @inline(__always)
    func withText<R>(_ value: Value, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        if case .text(let reference) = value { return body(bytes(reference)) }
        return nil
    }

    @inline(__always)
    func bytes(_ reference: TextRef) -> UnsafeBufferPointer<UInt8> {
        let range = Int(reference.start)..<Int(reference.start + reference.count)
        let arena =
            switch reference.arena {
            case .lead: lead.allText
            case .scratch: scratch
            case .program: constants
            }
        return UnsafeBufferPointer(rebasing: arena[range])
    }

    /// Whether a text value is known to be ASCII without reading it: the lead's texts, when its document says
    /// every string of it is. Others (constants, normalized texts) are read, when they must be, by the comparison.
    @inline(__always)
    func isASCII(_ value: Value) -> Bool {
        if case .text(let reference) = value { return reference.arena == .lead && lead.asciiStrings }
        return false
    }

    /// Whether a text value is ASCII: the lead's from its document, others read (constants and normalized texts
    /// are short).
    @inline(__always)
    func readASCII(_ value: Value) -> Bool {
        guard case .text(let reference) = value else { return false }
        if reference.arena == .lead { return lead.asciiStrings }
        return !FoldedText.beyondASCII(bytes(reference))
    }

    /// A text value as a `String`; nil for any other value.
    func string(_ value: Value) -> String? {
        withText(value) { String(decoding: $0, as: UTF8.self) }
    }

    /// A list value's texts; nil for any other value.
    func list(_ value: Value) -> [String]? {
        switch value {
        case .textList(let reference): Normalizer.items(ofText: bytes(reference))
        case .items(let node): Normalizer.items(lead, node)
        default: nil
        }
    }

    /// Whether any text of a list value passes `test`, on its bytes.
    func anyItem(_ value: Value, _ test: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        switch value {
        case .textList:
            return (list(value) ?? []).contains { FoldedText.withBytes($0, test) }
        case .items(let node):
            for item in lead.items(node) where lead.kind(item) == .string {
                let text = FoldedText.trimmed(lead.bytes(item))
                if !text.isEmpty && test(text) { return true }
            }
            return false
        default:
            return false
        }
    }

    /// Whether two text values are equal, ASCII letters in any case; false when either is not a text.
    func equal(_ lhs: Value, _ rhs: Value) -> Bool {
        let ascii = readASCII(lhs) && readASCII(rhs)
        return withText(lhs) { a in withText(rhs) { b in FoldedText.equal(a, b, ascii: ascii) } ?? false } ?? false
    }

    /// `VALUE in LIST`: a text lower-cased, a number as its digits, a list when any of its texts is in.
    func inSet(_ value: Value, _ set: TextLookup, negated: Bool) -> Value {
        let found: Bool
        switch value {
        case .text: found = withText(value) { set.contains(lowering: $0) } ?? false
        case .number(let number):
            found = FoldedText.withBytes(ExpressionChecker.key(number)) { set.contains(lowering: $0) }
        case .textList, .items: found = anyItem(value) { set.contains(lowering: $0) }
        default: return .missing
        }
        return .boolean(found != negated)
    }

    /// `contains`, `starts_with`, `ends_with`: on a text, ASCII letters in any case; on a list, whether an item
    /// equals the text.
    func text(_ op: Expression.TextOperator, _ left: Value, _ right: Value) -> Value {
        // Both ASCII (the lead's known so, the constant read): only ASCII letters to fold.
        let leftASCII =
            switch left {
            case .items: lead.asciiStrings
            case .textList(let reference):
                reference.arena == .lead ? lead.asciiStrings : !FoldedText.beyondASCII(bytes(reference))
            default: readASCII(left)
            }
        let ascii = leftASCII && readASCII(right)
        let verdict = withText(right) { needle -> Bool? in
            switch left {
            case .text:
                withText(left) { text in
                    switch op {
                    case .contains: FoldedText.contains(text, needle, foldNeedle: true, ascii: ascii)
                    case .startsWith: FoldedText.hasPrefix(text, needle, ascii: ascii)
                    case .endsWith: FoldedText.hasSuffix(text, needle, ascii: ascii)
                    }
                }
            case .textList, .items:
                anyItem(left) { FoldedText.equal($0, needle, ascii: ascii) }
            default:
                nil
            }
        }
        return (verdict ?? nil).map { .boolean($0) } ?? .missing
    }

    /// `len(x)`: a text's characters, a list's items.
    func length(_ value: Value) -> Value {
        switch value {
        case .text:
            let count = withText(value) { bytes in
                bytes.allSatisfy { $0 < 0x80 } ? bytes.count : String(decoding: bytes, as: UTF8.self).count
            }
            return .number(Double(count ?? 0))
        case .textList, .items:
            return .number(Double(list(value)?.count ?? 0))
        default:
            return .missing
        }
    }

    /// `email_domain(text)`: the text after its last `@`, trimmed, read in place, or lower-cased when it has an
    /// upper-case letter or a character beyond ASCII; nil when there is none.
    func emailDomain(_ reference: TextRef) -> (Value?, lowered: String?) {
        let bytes = bytes(reference)
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at + 1 < bytes.count else { return (nil, nil) }
        let domain = FoldedText.trimmed(UnsafeBufferPointer(rebasing: bytes[(at + 1)...]))
        guard !domain.isEmpty, let base = bytes.baseAddress, let start = domain.baseAddress else { return (nil, nil) }
        if domain.contains(where: { $0 &- 65 < 26 || $0 >= 0x80 }) {
            return (nil, FoldedText.lowercased(domain))
        }
        let value = Value.text(
            TextRef(
                start: reference.start + UInt32(start - base),
                count: UInt32(domain.count),
                arena: reference.arena
            )
        )
        return (value, nil)
    }

    /// A value as an explanation shows it.
    func display(_ value: Value) -> String {
        switch value {
        case .missing: "missing"
        case .boolean(let flag): flag ? "true" : "false"
        case .number(let number): Decision.format(number)
        case .text: "\"\(string(value) ?? "")\""
        case .timestamp(let time): Timestamp.iso8601(time)
        case .duration(let seconds): Decision.format(seconds / 86400) + "d"
        case .textList, .items: "[" + (list(value) ?? []).map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        case .events: "events"
        }
    }
}
