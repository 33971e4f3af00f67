import Leads

/// An event function's predicate when it is only text tests on the event's own text fields, joined by `and`
/// (`url contains "/pricing" and form == "contact-sales"`): run on the event's bytes, without making values.
///
/// It decides as the expression would: an event passes when every test holds; a test on a field that is absent,
/// empty or not text does not hold. A field holding a number, which the expression reads as its digits, is left to
/// the expression (`decide` returns nil).
///
/// Its tests live in its `AggregatePlan` (`tests`, `needles`), and the fields they read are found once per event,
/// with its time and type (`EventTable.fields`).
struct EventPredicate: Sendable {
    struct Test: Sendable {
        enum Operation: Sendable {
            case equal
            case notEqual
            case contains
            case startsWith
            case endsWith
        }

        /// The event field read: an index into the plan's `fieldKeys`.
        var field: Int
        var operation: Operation
        /// The constant's UTF-8 bytes, ASCII letters lower-cased: where they are in the plan's `needles`.
        var needleStart: Int
        var needleCount: Int
        /// Whether the constant is ASCII: with a lead whose texts are too, only ASCII letters need folding.
        var needleASCII: Bool
    }

    /// The predicate's tests in the plan's `tests`.
    let tests: Range<Int>

    /// The predicate's tests, added to a plan's, or nil when it is anything else (and nothing is added).
    init?(
        _ predicate: Expression,
        eventSlots: [FieldSlot],
        fieldKeys: inout [[UInt8]],
        tests: inout [Test],
        needles: inout [UInt8]
    ) {
        var found: [(key: [UInt8], operation: Test.Operation, needle: [UInt8])] = []
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
            found.append((Array(eventSlots[slot].path[0].utf8), operation, Array(FoldedText.folded(constant).utf8)))
            return true
        }
        guard collect(predicate), !found.isEmpty else { return nil }
        let start = tests.count
        for test in found {
            let field = fieldKeys.firstIndex(of: test.key) ?? fieldKeys.count
            if field == fieldKeys.count { fieldKeys.append(test.key) }
            tests.append(
                Test(
                    field: field,
                    operation: test.operation,
                    needleStart: needles.count,
                    needleCount: test.needle.count,
                    needleASCII: test.needle.allSatisfy { $0 < 0x80 }
                )
            )
            needles += test.needle
        }
        self.tests = start..<tests.count
    }

    /// Whether an event passes, given the node of each of the plan's fields in the event (-1 when absent); nil when a
    /// field holds a number and the expression must decide.
    static func decide(
        _ tests: Range<Int>,
        _ plan: AggregatePlan,
        lead: LeadView,
        fields: UnsafeBufferPointer<Int32>
    ) -> Bool? {
        plan.tests.withUnsafeBufferPointer { planTests in
            plan.needles.withUnsafeBufferPointer { needles in
                decide(tests, planTests, needles, lead: lead, fields: fields)
            }
        }
    }

    /// `decide` with the plan's tests and needles in hand: for a loop over events, which takes them once.
    @inline(__always)
    static func decide(
        _ tests: Range<Int>,
        _ planTests: UnsafeBufferPointer<Test>,
        _ needles: UnsafeBufferPointer<UInt8>,
        lead: LeadView,
        fields: UnsafeBufferPointer<Int32>
    ) -> Bool? {
        for index in tests {
            let test = planTests[index]
            let value = Int(fields[test.field])
            guard value >= 0 else { return false }
            switch lead.kind(value) {
            case .string:
                let bytes = FoldedText.trimmed(lead.bytes(value))
                // An empty text is missing: no test on it holds, `!=` included.
                guard !bytes.isEmpty else { return false }
                let needle = UnsafeBufferPointer(
                    rebasing: needles[test.needleStart..<(test.needleStart + test.needleCount)]
                )
                let ascii = test.needleASCII && lead.asciiStrings
                let holds =
                    switch test.operation {
                    case .equal: FoldedText.equal(bytes, folded: needle, ascii: ascii)
                    case .notEqual: !FoldedText.equal(bytes, folded: needle, ascii: ascii)
                    case .contains: FoldedText.contains(bytes, needle, foldNeedle: false, ascii: ascii)
                    case .startsWith: FoldedText.hasPrefix(bytes, folded: needle, ascii: ascii)
                    case .endsWith: FoldedText.hasSuffix(bytes, folded: needle, ascii: ascii)
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
