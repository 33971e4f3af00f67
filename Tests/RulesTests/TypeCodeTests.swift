import Testing

@testable import Rules

/// Event types become codes by their first eight bytes, case folded eight at a time: every byte must fold as
/// `FoldedText.fold` folds it, in every position.
@Suite("event type codes")
struct TypeCodeTests {
    static func packed(_ bytes: [UInt8]) -> UInt64 {
        bytes.prefix(8).enumerated().reduce(0) { $0 | UInt64(FoldedText.fold($1.element)) << (8 * $1.offset) }
    }

    @Test("every byte value folds as FoldedText.fold does, in every position of the word")
    func everyByteEveryPosition() {
        for value in 0...255 {
            for position in 0..<9 {
                var bytes = Array("Page_VIEW".utf8)
                bytes[position] = UInt8(value)
                let head = bytes.withUnsafeBufferPointer { AggregatePlan.head($0) }
                #expect(head == Self.packed(bytes), "byte \(value) at \(position)")
                let short = Array(bytes.prefix(position + 1))
                #expect(short.withUnsafeBufferPointer { AggregatePlan.head($0) } == Self.packed(short))
            }
        }
    }

    @Test("a type is found by its code whatever its length, case and surrounding spaces; anything else is -1")
    func codes() {
        let names = [
            "a", "visit", "email_op", "page_view", "email_open", "email_click", "demo_request", "webinar_attended",
            "webinar_attendee", "webinar_attended_live", "webinar_attended_late",
        ]
        let codes = TypeCodes(names)
        func expected(_ text: String) -> Int {
            let folded = FoldedText.folded(FoldedText.trimmed(text))
            return names.firstIndex(of: folded) ?? -1
        }
        func code(_ text: String) -> Int { FoldedText.withBytes(text) { codes.code(of: $0) } }
        for (index, name) in names.enumerated() {
            #expect(code(name) == index)
            #expect(code(" \(name.uppercased())\t") == index)
            // Every byte changed, every length cut short or made longer: another type or none.
            let bytes = Array(name.utf8)
            for position in bytes.indices {
                for replacement in [UInt8(ascii: "x"), UInt8(ascii: "_"), 0xC3] {
                    var changed = bytes
                    changed[position] = replacement
                    let text = String(decoding: changed, as: UTF8.self)
                    #expect(code(text) == expected(text), "\(text)")
                }
                let prefix = String(decoding: bytes[..<position], as: UTF8.self)
                #expect(code(prefix) == expected(prefix), "\(prefix)")
            }
            #expect(code(name + "s") == expected(name + "s"))
        }
        #expect(code("") == -1)
        #expect(code("   ") == -1)
    }

    @Test(
        "many types, of every length up to sixteen bytes and beyond: each is found, in one probe or, past thousands, by probing",
        arguments: [300, 5000]
    )
    func manyTypes(_ count: Int) {
        // Types that share their first or last eight bytes and differ only in length, in one table.
        let names = (0..<count).map { index in
            String(repeating: "e", count: index % 20) + "_\(index)"
        }
        let codes = TypeCodes(names)
        for (index, name) in names.enumerated() {
            #expect(FoldedText.withBytes(name.uppercased()) { codes.code(of: $0) } == index, "\(name)")
            #expect(FoldedText.withBytes(name + "x") { codes.code(of: $0) } == -1, "\(name)x")
        }
    }
}
