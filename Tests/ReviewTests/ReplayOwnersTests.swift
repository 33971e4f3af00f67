import Assignment
import Rules
import TestSupport
import Testing

@testable import Review

/// Replay simulates assignment with only the leads each rule set places (`Replay.owners`): the others change no
/// assignment state, so each placed lead gets the owner it gets when the assigner is fed every lead, as the daemon
/// feeds it.
@Suite("replay's owner simulation")
struct ReplayOwnersTests {
    static let now = 1_795_910_400.0

    @Test("only placed leads reach the assigner, and each gets the owner it gets among all the leads")
    func placedLeadsOnly() throws {
        var files = SmallRules.files
        files["assignment.yaml"] = SmallRules.assignment
        let program = try SmallRules.program(try SmallRules.directory(rules: files))
        let plan = try #require(program.assignment)
        // Placed leads (mql, on the assigned `sales` route) between nurtured and disqualified ones; every tenth lead
        // comes again, which the ledger answers with its first assignment.
        var items: [Assigner.Item] = []
        for index in 0..<60 {
            let id = index % 10 == 9 ? "L-\(index - 9)" : "L-\(index)"
            let json =
                switch index % 4 {
                case 0, 1:
                    #"{"id": "\#(id)", "contact": {"email": "\#(id)@big.example", "title": "VP Sales"}, "company": {"employees": 5000, "country": "US"}}"#
                case 2: #"{"id": "\#(id)", "contact": {"email": "\#(id)@small.example"}, "company": {"employees": 20}}"#
                default: #"{"id": "\#(id)", "contact": {"email": "\#(id)@gmail.com", "title": "VP"}}"#
                }
            let record = try LeadFixture.record(json, file: "leads.ndjson", line: index + 1)
            items.append(Assigner.Item(decision: program.evaluate(record, now: Self.now), lead: record))
        }
        #expect(Set(items.map(\.decision.stage)) == ["mql", "nurture", "disqualified"])
        let simulated = Assigner(plan: plan, store: try AssignmentStore())
        let fed = Assigner(plan: plan, store: try AssignmentStore())
        var owners: [String: Int] = [:]
        for batch in [Array(items[0..<25]), Array(items[25...])] {
            let fromPlaced = try Replay.owners(simulated, batch)
            let fromAll = try fed.assign(batch)
            #expect(fromPlaced.map { $0 != nil } == batch.map { $0.decision.placement != nil })
            #expect(fromPlaced.map { $0?.owner } == fromAll.map { $0?.owner })
            #expect(fromPlaced.map { $0?.replayed } == fromAll.map { $0?.replayed })
            for opportunity in fromPlaced.compactMap({ $0 }) { owners[opportunity.owner ?? "-", default: 0] += 1 }
        }
        // Both reps took turns (a lead given to the assigner out of place would take the other's turn).
        #expect(owners.keys.sorted() == ["r1", "r2"])
        #expect(owners.values.allSatisfy { $0 >= 10 })
        #expect(try Replay.owners(nil, items).allSatisfy { $0 == nil })
    }
}
