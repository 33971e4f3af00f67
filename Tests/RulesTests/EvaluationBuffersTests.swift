import Foundation
import Leads
import Testing

@testable import Rules

/// Evaluations reuse the arrays earlier ones filled (`EvaluationBuffers`, a pool per program). Nothing may carry over
/// from one lead to the next: a lead is decided the same whichever leads came before it, including a lead whose
/// e-mail was rewritten into the scratch bytes, a list written as text, and a lead large enough that its arrays are
/// not kept.
@Suite("evaluation buffers")
struct EvaluationBuffersTests {
    static let special: [LeadRecord] = {
        let manyEvents = (0..<5000).map { k in
            #"{"type":"page_view","url":"https://x.example/pricing","at":"2026-11-\#(String(format: "%02d", k % 28 + 1))T10:00:00Z"}"#
        }
        let texts = [
            #"{"id":"S-1","contact":{"email":"  Ana.Lopez+promo@Acme.IO ","title":"VP Sales"},"interests":"routing, API"}"#,
            #"{"id":"S-2","contact":{"email":"ÉVA@Exemple.FR","title":"Head of RevOps"},"company":{"domain":"Exemple.FR"}}"#,
            #"{"id":"S-3","contact":{"email":"x@y.io"},"events":[\#(manyEvents.joined(separator: ","))]}"#,
            #"{"id":"S-4","interests":["", "  lead scoring ", 7],"message":"Assigning 20k leads; migration from Marketo"}"#,
            #"{"id":"S-5"}"#,
        ]
        return texts.enumerated().map { index, json in
            let document = Array(json.utf8).withUnsafeBufferPointer { try? JSONParser.parseDocument($0, maxDepth: 64) }
            return LeadRecord(
                origin: LeadOrigin(file: "special.ndjson", line: index + 1, record: index + 1, byteOffset: 0),
                document: document ?? LeadDocument(LeadObject())
            )
        }
    }()

    @Test("a lead is decided the same whichever leads were decided before it")
    func orderDoesNotMatter() throws {
        let program = try ProgramPairTests.shipped()
        let leads = Self.special + ProgramPairTests.leads + Self.special
        let forward = leads.map { ProgramPairTests.line(program.evaluate($0, now: ProgramPairTests.now)) }
        let backward = leads.reversed().map { ProgramPairTests.line(program.evaluate($0, now: ProgramPairTests.now)) }
        #expect(forward == Array(backward.reversed()))
        // A program that has decided nothing yet, so starts from empty buffers.
        for index in stride(from: 0, to: leads.count, by: 23) {
            let fresh = try ProgramPairTests.shipped()
            #expect(ProgramPairTests.line(fresh.evaluate(leads[index], now: ProgramPairTests.now)) == forward[index])
        }
        // The rewritten e-mail and the list written as text are read as such.
        let first = program.evaluate(Self.special[0], now: ProgramPairTests.now, explain: true)
        let readings = (first.explanation ?? []).flatMap(\.leaves).flatMap(\.values)
        #expect(readings.contains { $0.name == "contact.email" && $0.value == "\"ana.lopez@acme.io\"" })
        #expect(readings.contains { $0.name == "interests" && $0.value == "[\"routing\", \"API\"]" })
    }
}
