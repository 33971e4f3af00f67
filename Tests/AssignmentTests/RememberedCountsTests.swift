import GRDB
import Leads
import Rules
import TestSupport
import Testing
import YAML

@testable import Assignment

/// A daemon's state remembers the counts its last batch made (`RememberedCounts`), and the next batch derives its
/// own from them: the counts must be the state's, whoever wrote to it, so caps and loads decide as without them.
@Suite("remembered counts")
struct RememberedCountsTests {
    /// Caps per day and week in two time zones, a least-loaded team over a two-day window, a round robin team,
    /// and an account owner (taken without counting), all always at work.
    static let config = """
        version: 1
        assign: {time_zone: UTC, hours: always, caps: {day: 3, week: 8}}
        accounts: {file: accounts.csv}
        reps:
          - {id: ana, time_zone: America/New_York}
          - {id: ben, time_zone: Asia/Tokyo}
          - {id: cho, caps: {day: 2}}
          - {id: dev}
        teams:
          - {id: us, when: company.country == "US", strategy: least_loaded, window: 2d, members: [ana, ben, cho],
             overflow: {team: all}}
          - {id: all, strategy: round_robin, members: [dev, cho]}
        fallback: {queue: inbox}
        """

    @Test("a count derived from another range counts only the rows between the two")
    func derived() throws {
        let rows: [Double] = [1, 2, 3, 5, 8, 13, 21]
        func count(_ from: Double, _ until: Double) -> Int { rows.count { from <= $0 && $0 < until } }
        let known = AssignmentSession.RangeCount(from: 2, until: 9, count: count(2, 9))
        for (from, until) in [(2.0, 9.0), (3, 14), (0, 9), (5, 6), (1, 30), (8, 22)] {
            var counted: [(Double, Double)] = []
            let derived = known.derived(from: from, until: until) { from, until in
                counted.append((from, until))
                return count(from, until)
            }
            #expect(derived == count(from, until), "[\(from), \(until))")
            #expect(counted.allSatisfy { $0.0 < $0.1 })
        }
        #expect(known.derived(from: 9, until: 20, count) == nil, "ranges that do not meet")
        #expect(known.derived(from: 0, until: 2, count) == nil)
    }

    static let accounts = "domain,account,owner\nowned.example,Owned,dev\n"

    /// The leads of batch `batch`: some in the US team's countries, some not, now and then one of dev's account.
    func leads(_ batch: Int) throws -> [LeadRecord] {
        try (0..<(1 + batch % 4)).map { index in
            let domain = batch % 7 == 3 && index == 0 ? "owned.example" : nil
            return try testLead(
                "L-\(batch)-\(index)",
                domain: domain,
                country: index % 3 == 2 ? "DE" : "US",
                line: index + 1
            )
        }
    }

    func record(
        _ ledger: Ledger,
        _ program: Program,
        _ leads: [LeadRecord],
        at now: Double,
        claim: String
    ) throws
        -> [String]
    {
        try recordedOpportunities(ledger, program, leads, at: now, claim: claim).map {
            "\($0.owner ?? $0.queue ?? "?") \($0.method)"
        }
    }

    @Test("batches on a remembering state decide as on one that counts every time, beside another connection")
    func sameDecisions() throws {
        let fixture = try AssignmentFixture(Self.config, accounts: Self.accounts)
        let program = try fixture.program()
        let twin = try TemporaryDirectory("leadd-twin")
        let remembering = try AssignmentStore(directory: fixture.state.path, remembersKeys: true)
        let counting = try AssignmentStore(directory: twin.path)
        let daemon = Ledger(store: remembering, plan: program.assignment)
        let plain = Ledger(store: counting, plan: program.assignment)
        // Another connection to each state (a `leadd assign` beside the daemon), writing the same leads to both.
        let others = [
            Ledger(store: try AssignmentStore(directory: fixture.state.path), plan: program.assignment),
            Ledger(store: try AssignmentStore(directory: twin.path), plan: program.assignment),
        ]
        var now = monday
        var decisions: [String] = []
        var kept = 0
        for batch in 0..<60 {
            // Batches 7 hours apart on average, now and then two at the same time, or a late one.
            now += [7 * hour, 0, 11 * hour, 3 * hour, -2 * hour][batch % 5]
            let leads = try leads(batch)
            if batch % 9 == 4 {
                let outside = try leads.map { try testLead("X-\(batch)-\($0.origin.line)", line: $0.origin.line) }
                let written = try others.map { try record($0, program, outside, at: now, claim: "other-\(batch)") }
                #expect(written[0] == written[1])
            }
            let expected = try record(plain, program, leads, at: now, claim: "batch-\(batch)")
            let got = try record(daemon, program, leads, at: now, claim: "batch-\(batch)")
            #expect(got == expected, "batch \(batch) at \(Timestamp.iso8601(now))")
            decisions += got
            if try remembering.read({ db in
                try remembering.rememberedCounts?.counts(
                    at: Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'ledger'") ?? 0,
                    version: Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
                )
            }) != nil {
                kept += 1
            }
        }
        // The caps and the overflow were reached, and most batches found counts to start from.
        for method in ["least_loaded", "round_robin", "account", "fallback"] {
            #expect(decisions.contains { $0.hasSuffix(method) }, "no lead assigned by \(method)")
        }
        #expect(kept > 40, "\(kept) of 60 batches left counts the next could use")
    }

    @Test("a rep given a lead without being counted (its account's) is counted again in the next batch")
    func uncountedAssignment() throws {
        let fixture = try AssignmentFixture(
            """
            version: 1
            assign: {time_zone: UTC, hours: always, caps: {day: 2}}
            accounts: {file: accounts.csv}
            reps:
              - {id: dev}
              - {id: eve}
            teams:
              - {id: us, when: company.country == "US", strategy: round_robin, members: [dev]}
              - {id: rest, strategy: round_robin, members: [eve]}
            fallback: {queue: inbox}
            """,
            accounts: Self.accounts
        )
        let program = try fixture.program()
        let daemon = Ledger(
            store: try AssignmentStore(directory: fixture.state.path, remembersKeys: true),
            plan: program.assignment
        )
        // Counted, then taken as the account's owner (no cap applies to it) in a batch that counts eve only, then
        // capped: two that day.
        let first = try record(daemon, program, [try testLead("A")], at: monday, claim: "one")
        let owned = try record(
            daemon,
            program,
            [try testLead("B", country: "DE"), try testLead("C", domain: "owned.example", country: "DE", line: 2)],
            at: monday,
            claim: "two"
        )
        let third = try record(daemon, program, [try testLead("D")], at: monday + hour, claim: "three")
        #expect(first == ["dev round_robin"] && owned == ["eve round_robin", "dev account"])
        #expect(third == ["inbox fallback"], "dev's day cap of 2 was not seen")
    }
}
