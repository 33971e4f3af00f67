import TestSupport
import Testing

@testable import Leads

/// The document the parser makes, read back: the same tree, the same JSON, the same lookups as the tree it stands for.
@Suite("lead documents")
struct LeadDocumentTests {
    static let inputs = [
        #"{"a":1,"b":-2.5,"c":null,"d":true,"e":false}"#,
        #"{"s":"plain","t":"esc\"aped\\ \u00e9 \ud83d\ude00","u":""}"#,
        #"{"nested":{"deep":{"x":[1,[2,[3,{}]],{"y":"z"}]}},"after":"here"}"#,
        #"{"events":[{"type":"page_view","at":"2026-11-28T10:00:00Z"},{"type":"demo_request"},[],7]}"#,
        #"{"big":9223372036854775807,"small":-9223372036854775808,"huge":92233720368547758070,"e":1e3}"#,
        #"{"é":1,"e\u0301":2}"#,
        "{}",
    ]

    static func parse(_ text: String) throws -> LeadDocument {
        try Array(text.utf8).withUnsafeBufferPointer { buffer in
            try JSONParser.parseDocument(buffer, maxDepth: 64)
        }
    }

    /// Each node as text: its kind, then a string's text, a number's bits, or a container's count and end. Where
    /// a string's bytes sit is the document's business (a parsed one points into its input).
    static func shape(_ document: LeadDocument) -> [String] {
        document.withView { view in
            view.nodes.indices.map { index in
                let node = view.nodes[index]
                if node.kind == .string { return "string \(view.string(index) ?? "?")" }
                return "\(node.kind) \(node.a) \(node.b)"
            }
        }
    }

    @Test("a parsed document and one made from the same tree are alike, node for node", arguments: inputs)
    func parsedAndBuiltAgree(_ text: String) throws {
        let parsed = try Self.parse(text)
        let tree = parsed.value(LeadDocument.root)
        let built = LeadDocument(tree)
        #expect(parsed == built)
        #expect(Self.shape(parsed) == Self.shape(built))
        var fromDocument: [UInt8] = []
        parsed.writeJSON(into: &fromDocument)
        #expect(String(decoding: fromDocument, as: UTF8.self) == tree.jsonText)
    }

    @Test("items of a JSON array file are documents of their own, escaped strings included")
    func arrayItems() throws {
        let directory = try TemporaryDirectory()
        let items = [
            #"{"id":"a\"1","k\u0065y":"v\u00e9","plain":"text"}"#,
            #"{"id":"b","list":["x","y\n"],"n":2}"#,
            #"{"id":"c"}"#,
        ]
        let path = try directory.write("leads.json", "[\n  " + items.joined(separator: ",\n  ") + "\n]\n")
        let records = LeadFileReader(path: path).compactMap { result -> LeadRecord? in
            if case .record(let record) = result { return record }
            return nil
        }
        #expect(records.count == 3)
        for (record, item) in zip(records, items) {
            let expected = try Self.parse(item)
            #expect(record.document == expected)
            #expect(Self.shape(record.document) == Self.shape(expected))
        }
        #expect(records.first?.document.string(at: ["key"]) == "vé")
        #expect(records.first?.document.string(at: ["id"]) == "a\"1")
        #expect(records.first?.document.string(at: ["plain"]) == "text")
    }

    @Test("lookups find what the tree holds, and nothing else")
    func lookups() throws {
        let document = try Self.parse(Self.inputs[2])
        let root = LeadDocument.root
        let nested = try #require(document.member("nested", of: root))
        #expect(document.kind(nested) == .object)
        let x = try #require(document.member(at: ["nested", "deep", "x"]))
        #expect(document.count(x) == 3)
        #expect(
            document.withView { view in view.items(x).map { view.value($0) } } == [
                .int(1), .array([.int(2), .array([.int(3), .object(LeadObject())])]),
                .object(LeadObject(uniqueFields: [.init(key: "y", value: .string("z"))])),
            ]
        )
        #expect(document.string(at: ["after"]) == "here")
        #expect(document.member("after", of: nested) == nil)
        #expect(document.member(at: ["nested", "deep", "x", "y"]) == nil)
        #expect(document.member("nested", of: x) == nil)
        #expect(document.withView { view in view.members(root).map { view.string($0) } } == ["nested", "after"])
        #expect(document.withView { view in view.items(root).map { $0 } }.isEmpty)
        #expect(document.withView { view in view.members(x).map { $0 } }.isEmpty)
        #expect(document.int(x) == nil)
        #expect(document.string(nested) == nil)
    }

    @Test("numbers keep their kind and value")
    func numbers() throws {
        let document = try Self.parse(Self.inputs[4])
        #expect(document.member(at: ["big"]).flatMap(document.int) == Int.max)
        #expect(document.member(at: ["small"]).flatMap(document.int) == Int.min)
        #expect(document.member(at: ["huge"]).flatMap(document.double) == 92_233_720_368_547_758_070.0)
        #expect(document.member(at: ["e"]).flatMap(document.double) == 1000)
        #expect(document.member(at: ["e"]).flatMap(document.int) == nil)
    }

    @Test(
        "keys are compared as JSON text: escaped and plain spellings are the same key, composed and decomposed are not"
    )
    func duplicateKeys() throws {
        #expect(json(#"{"a":1,"\u0061":2}"#) == "7: duplicate key 'a'")
        #expect(json(#"{"é":1,"e\u0301":2}"#).hasPrefix("{"))
        let members = (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(json("{\(members),\"\\u006b3\":1}").hasSuffix("duplicate key 'k3'"))
    }
}
