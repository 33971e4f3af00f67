import Testing

@testable import Rules

/// `in` lists look a lead's text up by its bytes, hashed and compared eight at a time with ASCII letters folded: every
/// length around a word's, every position of a changed byte, and every case must find a member exactly when the
/// lower-cased text is one.
@Suite("in-list lookups")
struct TextLookupTests {
    @Test("a text is found exactly when it is a member, lower-cased, whatever its length and case")
    func lookups() {
        let letters = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        // Members of every length from 0 to 25, and a few beyond ASCII.
        var members = Set((0...25).map { String(decoding: letters[0..<$0], as: UTF8.self) })
        members.formUnion(["münchen", "zürich-nord-ost", "straße"])
        let lookup = TextLookup.allocate(TextSet(members))
        defer { lookup.deallocate() }
        func found(_ text: String) -> Bool { FoldedText.withBytes(text) { lookup.contains(lowering: $0) } }
        for member in members {
            #expect(found(member), "\(member)")
            #expect(found(member.uppercased()) == members.contains(member.uppercased().lowercased()), "\(member)")
            // Each byte changed, one at a time: no longer a member (no member has a digit).
            let bytes = Array(member.utf8)
            for position in bytes.indices {
                var changed = bytes
                changed[position] = UInt8(ascii: "0")
                #expect(!found(String(decoding: changed, as: UTF8.self)), "\(member) at \(position)")
            }
            // One byte more or less.
            #expect(!found(member + "0"))
            if !member.isEmpty {
                #expect(found(String(member.dropLast())) == members.contains(String(member.dropLast())))
            }
        }
        #expect(found("MÜNCHEN") && found("Zürich-Nord-Ost") && found("STRASSE") == members.contains("strasse"))
        #expect(!found("münchen ") && !found("m"))
    }
}
