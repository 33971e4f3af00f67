import Assignment
import Foundation
import Leads
import TestSupport
import Testing

/// Outcome update records as files hold them, through the real readers.
@Suite("outcome updates")
struct OutcomeUpdateTests {
    /// The records of a file, each parsed as an update at a fixed default time.
    func parse(_ name: String, _ text: String) throws -> [Result<OutcomeUpdate, OutcomeError>] {
        let folder = try TemporaryDirectory("outcomes")
        let path = try folder.write(name, text)
        var results: [Result<OutcomeUpdate, OutcomeError>] = []
        for case .record(let record) in LeadFileReader(path: path) {
            if OutcomeUpdate.isOutcome(record.document) {
                results.append(OutcomeUpdate.parse(record, now: 1_800_000_000))
            }
        }
        return results
    }

    @Test("a CSV export: text amounts, empty cells and the leads' own columns are read as an update would be")
    func csv() throws {
        let results = try parse(
            "mixed.csv",
            """
            kind,id,contact.email,lead,stage,at,amount,currency,reason
            ,L-1,ana@acme.example,,,,,,
            outcome,,,L-1,won,2026-12-04T10:00:00Z,"48,000",EUR,
            outcome,,,L-2,won,2026-12-04T10:00:00Z, 1200.50 ,usd,
            outcome,,,L-3,Lost,,,,no budget
            outcome,,,L-4,won,,,,
            """
        )
        #expect(results.count == 4)
        if case .failure(let error) = results[0] {
            #expect(error.reason == "outcome update for L-1: 'amount' must be a number")
        } else {
            Issue.record("'48,000' is not a number")
        }
        let usd = try results[1].get()
        #expect(usd.amount == 1200.5)
        #expect(usd.currency == "USD")
        #expect(usd.stage == .won)
        let lost = try results[2].get()
        #expect(lost.stage == .lost)
        #expect(lost.reason == "no budget")
        #expect(lost.at == 1_800_000_000)
        if case .failure(let error) = results[3] {
            #expect(error.reason == "outcome update for L-4: 'won' needs an amount and a currency")
        } else {
            Issue.record("a win without an amount was accepted")
        }
    }

    @Test("JSON updates: misspelt fields and stages, bad times and currencies are refused with a reason")
    func refusals() throws {
        let results = try parse(
            "updates.ndjson",
            """
            {"kind":"outcome","lead":"L-1","stage":"won","ammount":5,"currency":"EUR"}
            {"kind":"outcome","lead":"L-1","stage":"negotation"}
            {"kind":"outcome","lead":"L-1","stage":"delivery","at":"yesterday"}
            {"kind":"outcome","lead":"L-1","stage":"won","amount":5,"currency":"EURO"}
            {"kind":"outcome","stage":"won"}
            {"kind":"outcome","lead":"L-1","stage":"negotiation","amount":5,"currency":"EUR"}
            {"kind":"outcome","lead":"L-1","stage":"lost","reason":"timing","amount":5}
            {"kind":"outcome","lead":"L-1","stage":"delivery","at":"2026-12-04T10:00:00+01:00"}
            """
        )
        let reasons = results.map { result -> String in
            if case .failure(let error) = result { return error.reason }
            return "applied"
        }
        #expect(
            reasons == [
                "outcome update: unknown field 'ammount' (did you mean 'amount'?); expected kind, lead, stage, at, amount, currency, reason",
                "outcome update for L-1: unknown stage 'negotation'; expected discovery, negotiation, delivery, won, lost",
                "outcome update for L-1: 'at' is not a time such as 2026-11-29T10:00:00Z: 'yesterday'",
                "outcome update for L-1: 'currency' must be a three-letter ISO 4217 code such as EUR",
                "outcome update: 'lead' (the lead's id, a string) is missing",
                "outcome update for L-1: an amount and currency go with 'won' only",
                "outcome update for L-1: a lost deal has no amount",
                "applied",
            ]
        )
        #expect(try results[7].get().at == 1_796_374_800)
    }
}
