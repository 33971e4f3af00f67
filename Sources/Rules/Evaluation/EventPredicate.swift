import Leads

/// An event function's predicate when it is only text tests on the event's own text fields, joined by `and`
/// (`url contains "/pricing" and form == "contact-sales"`): run on the event's bytes, without making values.
///
/// It decides as the expression would: an event passes when every test holds; a test on a field that is absent,
/// empty or not text does not hold. A field holding a number, which the expression reads as its digits, is left to
/// the expression (`decide` returns nil).
struct EventPredicate: Sendable {
    struct Test: Sendable {
        enum Operation: Sendable {
            case equal
            case notEqual
            case contains
            case startsWith
            case endsWith
        }

        /// The event field's name, as UTF-8 bytes.
        var key: [UInt8]
        var operation: Operation
        /// The constant's UTF-8 bytes, ASCII letters lower-cased.
        var needle: [UInt8]
    }

    let tests: [Test]

    /// The predicate's tests, or nil when it is anything else.
    init?(_ predicate: Expression, eventSlots: [FieldSlot]) {
        var tests: [Test] = []
        func collect(_ expression: Expression) -> Bool {
            let operation: Test.Operation
            let slot: Int
            let constant: String
            switch expression {
            case .and(let lhs, let rhs):
                return collect(lhs) && collect(rhs)
            case .text(let op, .eventField(let field), .constant(.string(let text))):
                switch op {
                case .contains: operation = .contains
                case .startsWith: operation = .startsWith
                case .endsWith: operation = .endsWith
                }
                (slot, constant) = (field, text)
            case .compare(.equal, .eventField(let field), .constant(.string(let text))):
                (operation, slot, constant) = (.equal, field, text)
            case .compare(.notEqual, .eventField(let field), .constant(.string(let text))):
                (operation, slot, constant) = (.notEqual, field, text)
            default:
                return false
            }
            // Plain text fields only: e-mails and countries are normalized first, and slot 0 is the event's time.
            guard slot > 0, slot < eventSlots.count, eventSlots[slot].type == .string else { return false }
            tests.append(
                Test(
                    key: Array(eventSlots[slot].path[0].utf8),
                    operation: operation,
                    needle: Array(FoldedText.folded(constant).utf8)
                )
            )
            return true
        }
        guard collect(predicate), !tests.isEmpty else { return nil }
        self.tests = tests
    }

    /// Whether the event at node `event` of `lead` passes; nil when a field holds a number and the expression must
    /// decide.
    func decide(_ lead: LeadView, _ event: Int) -> Bool? {
        for test in tests {
            guard let value = test.key.withUnsafeBufferPointer({ lead.member($0, of: event) }) else { return false }
            switch lead.kind(value) {
            case .string:
                let bytes = FoldedText.trimmed(lead.bytes(value))
                // An empty text is missing: no test on it holds, `!=` included.
                guard !bytes.isEmpty else { return false }
                let holds = test.needle.withUnsafeBufferPointer { needle in
                    switch test.operation {
                    case .equal: FoldedText.equal(bytes, folded: needle)
                    case .notEqual: !FoldedText.equal(bytes, folded: needle)
                    case .contains: FoldedText.contains(bytes, needle, foldNeedle: false)
                    case .startsWith: FoldedText.hasPrefix(bytes, folded: needle)
                    case .endsWith: FoldedText.hasSuffix(bytes, folded: needle)
                    }
                }
                if !holds { return false }
            case .int:
                return nil
            default:
                return false
            }
        }
        return true
    }
}
