import Assignment
import Foundation
import TestSupport
import Testing

@testable import Review
@testable import Rules

/// Replay simulates assignment in memory (`OwnerSimulation`): each placed lead gets the owner it gets when the
/// assigner is fed every lead, as the daemon feeds it, with its state in SQLite.
@Suite("replay's owner simulation")
struct ReplayOwnersTests {
    static let now = 1_795_910_400.0

    @Test("each placed lead gets the owner the assigner gives it among all the leads; the others get none")
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
        var simulation = OwnerSimulation(plan: plan)
        let fed = Assigner(plan: plan, store: try AssignmentStore())
        var owners: [String: Int] = [:]
        for batch in [Array(items[0..<25]), Array(items[25...])] {
            let simulated = try simulation.assign(batch)
            let fromAll = try fed.assign(batch)
            #expect(simulated.map { $0 != nil } == batch.map { $0.decision.placement != nil })
            #expect(simulated.map { $0?.owner } == fromAll.map { $0?.owner })
            #expect(simulated.map { $0?.team } == fromAll.map { $0?.team })
            for owner in simulated.compactMap({ $0 }) { owners[owner.owner ?? "-", default: 0] += 1 }
        }
        // Both reps took turns (a lead counted out of place would take the other's turn), and the leads seen again
        // kept their first owners.
        #expect(owners.keys.sorted() == ["r1", "r2"])
        #expect(owners.values.allSatisfy { $0 >= 10 })
    }

    /// Six files of 21 leads decided an hour apart: 11 big US VPs (55 points, mql, placed on `sales`), small US
    /// engineers (5, nurture) and gmail addresses (disqualified); from the fourth file on, big companies' staff
    /// outside the US (30 points: mql at the shipped threshold, exactly) instead of the engineers. An odd number of
    /// placed leads a file: after three files, the rotation's next rep is not the one an empty state starts with.
    static func archive() throws -> (TemporaryDirectory, [ReplaySource]) {
        let folder = try TemporaryDirectory("archive")
        var sources: [ReplaySource] = []
        for file in 0..<6 {
            var lines: [String] = []
            for index in 0..<21 {
                let id = "L-\(file)-\(index)"
                switch index % 4 {
                case 0, 1:
                    lines.append(
                        #"{"id": "\#(id)", "contact": {"email": "\#(id)@big\#(index).example", "title": "VP Sales"}, "company": {"employees": 5000, "country": "US"}}"#
                    )
                case 2 where file >= 3:
                    lines.append(
                        #"{"id": "\#(id)", "contact": {"email": "\#(id)@global.example", "title": "Analyst"}, "company": {"employees": 3000, "country": "FR"}}"#
                    )
                case 2:
                    lines.append(
                        #"{"id": "\#(id)", "contact": {"email": "\#(id)@small.example", "title": "Engineer"}, "company": {"employees": 20, "country": "US"}}"#
                    )
                default:
                    lines.append(#"{"id": "\#(id)", "contact": {"email": "\#(id)@gmail.com", "title": "VP"}}"#)
                }
            }
            try folder.write("leads-\(file).ndjson", lines.joined(separator: "\n") + "\n")
            sources.append(ReplaySource(path: folder.path + "/leads-\(file).ndjson", now: now + Double(file) * 3600))
        }
        return (folder, sources)
    }

    /// The replay of the archive against a candidate whose files differ from the current ones' by `changes`, with
    /// one simulation shared while the sets place leads alike, and with two all along; their texts checked to be the
    /// same as with two simulations that share no keys either.
    func replays(_ changes: [String: String]) throws -> (shared: ReplayReport, apart: ReplayReport) {
        var files = SmallRules.files
        files["assignment.yaml"] = SmallRules.assignment
        let current = try SmallRules.program(try SmallRules.directory(rules: files))
        let candidate = try SmallRules.program(try SmallRules.directory(rules: files.merging(changes) { $1 }))
        let (folder, sources) = try Self.archive()
        let shared = try Replay(current: current, candidate: candidate).run(sources)
        var apart = Replay(current: current, candidate: candidate)
        apart.sharesSimulation = false
        let report = try apart.run(sources)
        var alone = apart
        alone.sharesKeys = false
        #expect(try alone.run(sources).text() == report.text())
        withExtendedLifetime(folder) {}
        return (shared, report)
    }

    @Test(
        "one simulation serves both rule sets until they place a lead differently; the owners are the same as two give"
    )
    func sharedSimulation() throws {
        let qualification = SmallRules.files["qualification.yaml"] ?? ""
        // Scores move (US leads get a point more), placements do not: every batch shares the current set's owners.
        let rescored = try replays(
            ["fit.yaml": (SmallRules.files["fit.yaml"] ?? "").replacingOccurrences(of: "points: 5", with: "points: 6")]
        )
        #expect(rescored.shared.sharedBatches == 6)
        #expect(rescored.apart.sharedBatches == 0)
        // Changed: the US leads, 11 big ones a file and 5 small ones in each of the first three.
        #expect(rescored.shared.changedLeads == 81)
        #expect(rescored.shared.ownerChanges == 0)
        #expect(rescored.shared.text() == rescored.apart.text())
        // A lead needs 31 points for mql: from the fourth file on, the 30-point leads go to nurture instead of
        // sales. The first three batches share; then the candidate's state is the current one's copy, and it goes
        // its own way: the rotation no longer gives those leads a turn, so later owners change.
        let stricter = try replays(
            ["qualification.yaml": qualification.replacingOccurrences(of: "score >= 30", with: "score >= 31")]
        )
        #expect(qualification.contains("score >= 30"))
        #expect(stricter.shared.sharedBatches == 3)
        #expect(stricter.shared.ownerChanges > 0)
        #expect(stricter.shared.text() == stricter.apart.text())
        // A lead needs 5 points: the small US engineers go to sales too, from the first file (placed under the
        // candidate only, their keys its own), and take turns from the others.
        let looser = try replays(
            ["qualification.yaml": qualification.replacingOccurrences(of: "score >= 30", with: "score >= 5")]
        )
        #expect(looser.shared.sharedBatches == 0)
        #expect(looser.shared.ownerChanges > 0)
        #expect(looser.shared.text() == looser.apart.text())
        // Another assignment plan (a third rep): nothing is shared, from the first batch.
        let thirdRep = try replays(
            [
                "assignment.yaml": SmallRules.assignment
                    .replacingOccurrences(
                        of: "  - {id: r2, name: Rep Two}",
                        with: "  - {id: r2, name: Rep Two}\n  - {id: r3, name: Rep Three}"
                    )
                    .replacingOccurrences(of: "members: [r1, r2]", with: "members: [r1, r2, r3]")
            ]
        )
        #expect(thirdRep.shared.sharedBatches == 0)
        #expect(thirdRep.shared.ownerChanges > 0)
        #expect(thirdRep.shared.text() == thirdRep.apart.text())
    }

    @Test("plans assign alike when only their folders differ; every stored property of a plan is compared")
    func plansAssignAlike() throws {
        var files = SmallRules.files
        files["assignment.yaml"] = SmallRules.assignment
        let one = try #require(try SmallRules.program(try SmallRules.directory(rules: files)).assignment)
        let two = try #require(try SmallRules.program(try SmallRules.directory(rules: files)).assignment)
        #expect(one.assignsLike(two))
        files["assignment.yaml"] = SmallRules.assignment.replacingOccurrences(of: "sla: 4h", with: "sla: 5h")
        let slower = try #require(try SmallRules.program(try SmallRules.directory(rules: files)).assignment)
        #expect(!one.assignsLike(slower))
        // A property added to the plan must be compared too (or be a team condition's, whose verdicts decisions
        // hold).
        let stored = Set(Mirror(reflecting: one).children.compactMap(\.label))
        #expect(stored.subtracting(["conditions"]) == AssignmentPlan.comparedProperties)
    }
}
