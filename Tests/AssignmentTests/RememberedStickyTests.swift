import GRDB
import Leads
import Rules
import TestSupport
import Testing
import YAML

@testable import Assignment

/// A daemon's state remembers the sticky owners its last batches read or wrote (`RememberedSticky`), and the next
/// batch takes a key's owner from there: it must be the state's, whoever wrote to it, so leads go where they would
/// without it.
@Suite("remembered sticky owners")
struct RememberedStickyTests {
    /// Sticky by e-mail and domain over two days; caps that pass sticky owners over now and then, so keys change
    /// owner; a rep who is away on Wednesdays.
    static let config = """
        version: 1
        assign: {time_zone: UTC, hours: always, caps: {day: 4}}
        sticky: {window: 2d, by: [email, domain]}
        reps:
          - {id: ana}
          - {id: ben, away: [2026-12-02]}
          - {id: cho}
          - {id: dev, caps: {day: 2}}
        teams:
          - {id: big, when: company.employees >= 1000, strategy: round_robin, members: [ana, ben, cho]}
          - {id: all, strategy: round_robin, members: [cho, dev, ana]}
        fallback: {queue: inbox}
        """

    /// A batch through `ledger` at `now`: each lead's owner (or queue), method and team.
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
            "\($0.lead) \($0.owner ?? $0.queue ?? "?") \($0.method) \($0.team ?? "-")"
        }
    }

    /// The state's sticky rows, in key order.
    func stickyRows(_ store: AssignmentStore) throws -> [String] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT key, owner, at FROM sticky ORDER BY key").map {
                "\($0["key"] as String) \($0["owner"] as String) \($0["at"] as Double)"
            }
        }
    }

    @Test(
        "batches on a remembering state decide as on one that looks every key up, beside another connection",
        arguments: [AssignmentStore.stickyCapacity, 12]
    )
    func sameDecisions(capacity: Int) throws {
        let fixture = try AssignmentFixture(Self.config)
        let program = try fixture.program()
        let twin = try TemporaryDirectory("leadd-twin")
        let remembering = try AssignmentStore(
            directory: fixture.state.path,
            remembersKeys: true,
            stickyCapacity: capacity
        )
        let looking = try AssignmentStore(directory: twin.path)
        let daemon = Ledger(store: remembering, plan: program.assignment)
        let plain = Ledger(store: looking, plan: program.assignment)
        // Another connection to each state (a `leadd assign` beside the daemon), writing the same leads to both.
        let others = [
            Ledger(store: try AssignmentStore(directory: fixture.state.path), plan: program.assignment),
            Ledger(store: try AssignmentStore(directory: twin.path), plan: program.assignment),
        ]
        var random = TestRandom(seed: 20_261_205)
        /// Leads of a few people at a few companies: the same addresses and domains come back again and again.
        func leads(_ prefix: String, _ count: Int) throws -> [LeadRecord] {
            try (0..<count).map { index in
                let company = random.int(0...5)
                return try testLead(
                    "\(prefix)-\(index)",
                    email: "p\(random.int(0...7))@c\(company).example",
                    employees: company < 3 ? 5000 : 50,
                    line: index + 1
                )
            }
        }
        var now = monday
        var decisions: [String] = []
        var remembered = 0
        for batch in 0..<48 {
            // Batches hours apart, now and then two at the same time, a late one, or a gap past the window.
            now += [5 * hour, 0, 9 * hour, -3 * hour, 0, 50 * hour][batch % 6]
            let batchLeads = try leads("L\(batch)", random.int(1...9))
            if batch % 7 == 3 {
                let outside = try leads("X\(batch)", 3)
                let written = try others.map { try record($0, program, outside, at: now, claim: "other-\(batch)") }
                #expect(written[0] == written[1])
            }
            let expected = try record(plain, program, batchLeads, at: now, claim: "batch-\(batch)")
            let got = try record(daemon, program, batchLeads, at: now, claim: "batch-\(batch)")
            #expect(got == expected, "batch \(batch) at \(Timestamp.iso8601(now))")
            decisions += got
            let kept = try remembering.read { db in
                remembering.rememberedSticky?.count(
                    at: try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'ledger'") ?? 0,
                    version: try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
                ) ?? 0
            }
            #expect(kept <= max(capacity, 2 * 9))
            if kept > 0 { remembered += 1 }
        }
        #expect(try stickyRows(remembering) == stickyRows(looking))
        // Sticky owners held, and were passed over or expired, and most batches left owners the next could use.
        #expect(decisions.filter { $0.contains(" sticky ") }.count > 60)
        #expect(decisions.filter { $0.contains(" round_robin ") }.count > 30)
        #expect(remembered > 30, "\(remembered) of 48 batches left sticky owners the next could use")
    }

    @Test("a sticky row changed by another connection, the ledger untouched (a hand edit), is read again")
    func editedElsewhere() throws {
        let fixture = try AssignmentFixture(Self.config)
        let program = try fixture.program()
        let remembering = try AssignmentStore(directory: fixture.state.path, remembersKeys: true)
        let daemon = Ledger(store: remembering, plan: program.assignment)
        let lead = { (id: String) in try testLead(id, email: "kim@c9.example", employees: 5000) }
        let first = try record(daemon, program, [try lead("A")], at: monday, claim: "one")
        let owner = try #require(first.first?.split(separator: " ")[1])
        let again = try record(daemon, program, [try lead("B")], at: monday + hour, claim: "two")
        #expect(again == ["B \(owner) sticky big"])
        let other = try AssignmentStore(directory: fixture.state.path)
        let newOwner = owner == "cho" ? "ana" : "cho"
        try other.transaction { db in
            try db.execute(sql: "UPDATE sticky SET owner = ?", arguments: [newOwner])
        }
        let edited = try record(daemon, program, [try lead("C")], at: monday + 2 * hour, claim: "three")
        #expect(edited == ["C \(newOwner) sticky big"], "the owner remembered before the edit")
    }
}
