import Leads
import Testing

@testable import Rules

/// A lead's fields are found in one pass over the objects they are in: the node of each must be the one a search
/// from the root for its path finds.
@Suite("slot tree")
struct SlotTreeTests {
    static let paths: [[String]] = [
        ["id"], ["contact", "email"], ["contact", "title"], ["company"], ["company", "domain"],
        ["company", "address", "country"], ["contact", "email"], ["missing"], ["contact", "missing", "deeper"],
        ["a_key_longer_than_eight"], ["events"], [],
    ]

    @Test(
        "each slot's node is the one a search by path finds",
        arguments: [
            #"{"id": 1, "contact": {"email": "a@b.io", "title": "VP"}, "company": {"domain": "b.io"}}"#,
            #"{"contact": "not an object", "id": "x", "company": ["domain"]}"#,
            #"{"x": {"contact": {"email": "nested@b.io"}}, "contact": {"title": "CEO", "email": null}}"#,
            #"{"company": {"address": {"country": "FR"}, "domain": "c.io"}, "events": []}"#,
            #"{"company": {"address": "Paris", "name": "Acme"}, "events": {"not": "a list"}}"#,
            #"{"a_key_longer_than_eight": 1, "a_key_longer_than_eighT": 2, "a_key_longer_than_nine": 3}"#,
            #"{"emai": 1, "contact": {"emails": 1, "emai": 2, "title ": 3, "Title": 4, "title": 5}}"#,
            #"{"": 1, "contact": {"": {"deeper": 2}, "missing": {"deeper": 3}}}"#,
            #"[1, 2, 3]"#,
            #""text""#,
            #"{}"#,
        ]
    )
    func sameAsSearch(_ json: String) throws {
        let document = try Array(json.utf8).withUnsafeBufferPointer { bytes throws(JSONSyntaxError) in
            try JSONParser.parseDocument(bytes, maxDepth: 64)
        }
        let tree = SlotTree(paths: Self.paths)
        document.withView { lead in
            var nodes = [Int](repeating: 7, count: Self.paths.count)
            nodes.withUnsafeMutableBufferPointer { tree.resolve(lead, into: $0) }
            for (slot, path) in Self.paths.enumerated() {
                #expect(nodes[slot] == lead.member(at: path) ?? -1, "\(path) in \(json)")
            }
        }
    }
}
