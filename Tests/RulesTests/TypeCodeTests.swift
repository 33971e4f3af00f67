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
}
