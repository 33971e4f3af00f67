import Assignment
import Foundation
import Testing

@Suite("Strategies")
struct StrategyTests {
    @Test("round robin gives each rep the same number of leads, in a fixed rotation")
    func roundRobin() throws {
        let fixture = try AssignmentFixture(
            teamConfig(strategy: "round_robin", members: "[ana, ben, cho]", reps: ["ana", "ben", "cho"])
        )
        let result = try fixture.assign(try leads(3000), at: monday + 10 * hour)
        #expect(tally(result) == ["ana": 1000, "ben": 1000, "cho": 1000])
        let owners = result.compactMap(\.owner)
        for index in 3..<owners.count { #expect(owners[index] == owners[index - 3]) }
        #expect(Set(owners.prefix(3)).count == 3)
        #expect(result.allSatisfy { $0.method == "round_robin" && $0.status == .assigned })
    }

    @Test("weighted round robin 2:1:1 gives 50/25/25 in every run of four, not in bursts")
    func weighted() throws {
        let fixture = try AssignmentFixture(
            teamConfig(
                strategy: "weighted_round_robin",
                members: "{ana: 2, ben: 1, cho: 1}",
                reps: ["ana", "ben", "cho"]
            )
        )
        let result = try fixture.assign(try leads(4000), at: monday + 10 * hour)
        #expect(tally(result) == ["ana": 2000, "ben": 1000, "cho": 1000])
        let owners = result.compactMap(\.owner)
        for start in stride(from: 0, to: owners.count, by: 4) {
            let window = owners[start..<start + 4]
            #expect(window.filter { $0 == "ana" }.count == 2)
            #expect(window.filter { $0 == "ben" }.count == 1)
        }
        // Smooth: never three in a row, so no burst to the heavy rep.
        for index in 2..<owners.count {
            #expect(!(owners[index] == owners[index - 1] && owners[index] == owners[index - 2]))
        }
    }

    @Test("weighted shares hold across many small batches as in one big one")
    func weightedAcrossBatches() throws {
        let fixture = try AssignmentFixture(
            teamConfig(strategy: "weighted_round_robin", members: "{ana: 3, ben: 1}", reps: ["ana", "ben"])
        )
        var all: [Opportunity] = []
        let batch = try leads(400)
        for start in stride(from: 0, to: 400, by: 7) {
            all += try fixture.assign(Array(batch[start..<min(start + 7, 400)]), at: monday + 10 * hour)
        }
        #expect(tally(all) == ["ana": 300, "ben": 100])
    }

    @Test("least loaded evens out existing load, then keeps loads within one")
    func leastLoaded() throws {
        let fixture = try AssignmentFixture(
            teamConfig(
                strategy: "least_loaded",
                members: "[ana, ben, cho]",
                reps: ["ana", "ben", "cho"],
                head: "accounts: {file: accounts.csv}"
            ),
            accounts: "domain,account,owner\nbig.example,Big,ana\n"
        )
        // Ana already owns six leads of the week through her account.
        let accountLeads = try (0..<6).map { try testLead("A-\($0)", domain: "big.example") }
        let first = try fixture.assign(accountLeads, at: monday + 9 * hour)
        #expect(tally(first) == ["ana": 6])
        let result = try fixture.assign(try leads(12), at: monday + 10 * hour)
        // Ben and Cho catch up to six each before Ana gets another.
        #expect(tally(result) == ["ben": 6, "cho": 6])
        let more = try fixture.assign(try leads(3000, prefix: "M"), at: monday + 11 * hour)
        #expect(tally(more) == ["ana": 1000, "ben": 1000, "cho": 1000])
        #expect(more[0].reasons.contains { $0.step == "strategy" && $0.detail.contains("least loaded") })
    }

    @Test("a batch of 10,000 leads in one transaction spreads exactly, not to one rep")
    func bigBatch() throws {
        let fixture = try AssignmentFixture(
            teamConfig(strategy: "round_robin", members: "[ana, ben, cho, dan]", reps: ["ana", "ben", "cho", "dan"])
        )
        let result = try fixture.assign(try leads(10_000), at: monday + 10 * hour)
        #expect(tally(result) == ["ana": 2500, "ben": 2500, "cho": 2500, "dan": 2500])
    }

    @Test("ties are broken by a hash of the team, not by list order, and the same way every time")
    func tieBreaks() throws {
        var firsts: Set<String> = []
        for team in ["sales", "emea", "apac", "smb", "enterprise", "north", "south", "east"] {
            let config = teamConfig(strategy: "round_robin", members: "[ana, ben, cho]", reps: ["ana", "ben", "cho"])
                .replacingOccurrences(of: "id: sales", with: "id: \(team)")
            let one = try AssignmentFixture(config).assign(try leads(3), at: monday + 10 * hour)
            let two = try AssignmentFixture(config).assign(try leads(3), at: monday + 10 * hour)
            #expect(one.map(\.owner) == two.map(\.owner))
            if let owner = one[0].owner { firsts.insert(owner) }
        }
        #expect(firsts.count >= 2, "the first pick of a new team is always \(firsts)")
    }

    @Test("least loaded ties go to the rep who waited longest")
    func leastLoadedTies() throws {
        let fixture = try AssignmentFixture(
            teamConfig(strategy: "least_loaded", members: "[ana, ben]", reps: ["ana", "ben"])
        )
        let owners = try fixture.assignEach(try leads(6).map { ($0, monday + 10 * hour) }).compactMap(\.owner)
        for index in 1..<owners.count { #expect(owners[index] != owners[index - 1]) }
    }
}
