import GRDB
import Leads
import Rules
import TestSupport
import Testing

@testable import Assignment

/// A daemon's state remembers the leads and sticky keys it holds (`KnownKeys`), so that its batches look up only
/// those it may hold: it must never miss one, whoever wrote it.
@Suite("known keys")
struct KnownKeysTests {
    static let config = """
        version: 1
        assign: {time_zone: UTC, hours: always}
        sticky: {window: 30d, by: [email]}
        reps:
          - {id: ana}
          - {id: ben}
          - {id: cho}
        teams:
          - {id: sales, strategy: round_robin, members: [ana, ben, cho]}
        fallback: {queue: inbox}
        """

    @Test("the filter holds every key put in it, and passes few others")
    func filter() {
        var filter = KnownKeys.Filter(capacity: 10_000, version: 0)
        var generator = SystemRandomNumberGenerator()
        let held = (0..<10_000).map { _ in UInt64.random(in: .min ... .max, using: &generator) }
        for hash in held { filter.insert(hash) }
        #expect(held.allSatisfy(filter.mayContain))
        let others = (0..<100_000).filter { _ in filter.mayContain(UInt64.random(in: .min ... .max, using: &generator))
        }
        #expect(others.count < 100, "\(others.count) of 100,000 keys never put in passed")
        // Texts, hashed as the state's keys are.
        var texts = KnownKeys.Filter(capacity: 100, version: 0)
        for index in 0..<100 { texts.insert(HashedKey.hash("L-\(index)")) }
        #expect((0..<100).allSatisfy { texts.mayContain(HashedKey.hash("L-\($0)")) })
    }

    /// A batch of leads recorded through `ledger`, each its own record of `claim`.
    func record(_ ledger: Ledger, _ program: Program, _ leads: [LeadRecord], claim: String) throws -> [Opportunity] {
        try recordedOpportunities(ledger, program, leads, at: monday, claim: claim)
    }

    @Test("a remembering state misses no lead or sticky key: its own batches', nor another connection's")
    func missesNothing() throws {
        let fixture = try AssignmentFixture(Self.config)
        let program = try fixture.program()
        let remembering = try AssignmentStore(directory: fixture.state.path, remembersKeys: true)
        let daemon = Ledger(store: remembering, plan: program.assignment)
        // Its own batch: the leads come back, and the address's sticky owner holds.
        let first = try record(
            daemon,
            program,
            [try testLead("A-1", line: 1), try testLead("A-2", line: 2)],
            claim: "one"
        )
        let known = try #require(remembering.knownKeys)
        let again = try record(
            daemon,
            program,
            [try testLead("A-1", line: 1), try testLead("A-9", email: "a-2@a-2.example", line: 2)],
            claim: "two"
        )
        #expect(again[0].replayed && again[0].owner == first[0].owner)
        #expect(again[1].method == "sticky" && again[1].owner == first[1].owner)
        // Another connection (a `leadd assign` beside the daemon) assigns a lead and an address the daemon's filter
        // has never seen.
        let other = Ledger(store: try AssignmentStore(directory: fixture.state.path), plan: program.assignment)
        let outside = try record(other, program, [try testLead("B-1", line: 1)], claim: "three")
        // The state changed under the daemon's filter: it is made again, with what the other connection wrote.
        let made = try remembering.read { db in try known.current(db) }
        #expect(made.mayContain(HashedKey.hash("B-1")) && made.mayContain(HashedKey.hash("email:b-1@b-1.example")))
        let seen = try record(
            daemon,
            program,
            [try testLead("B-1", line: 1), try testLead("B-9", email: "b-1@b-1.example", line: 2)],
            claim: "four"
        )
        #expect(seen[0].replayed && seen[0].owner == outside[0].owner, "the other connection's lead was assigned again")
        #expect(seen[1].method == "sticky" && seen[1].owner == outside[0].owner)
        // Every opportunity once.
        let leads = try remembering.read { db in try String.fetchAll(db, sql: "SELECT lead FROM ledger ORDER BY seq") }
        #expect(leads == ["A-1", "A-2", "A-9", "B-1", "B-9"])
    }

    @Test("a batch that fails after taking the filter leaves none: the next makes it again and misses nothing")
    func failedBatchLeavesNoFilter() throws {
        let fixture = try AssignmentFixture(Self.config)
        let program = try fixture.program()
        let store = try AssignmentStore(directory: fixture.state.path, remembersKeys: true)
        let ledger = Ledger(store: store, plan: program.assignment)
        let first = try record(ledger, program, [try testLead("A-1", line: 1)], claim: "one")
        // Record numbers past a decision key's 32 bits fail the batch inside its transaction, after its keys were
        // looked up through the filter.
        var bad = try testLead("X-1", line: 1)
        bad.origin.record = 1 << 32
        do {
            _ = try ledger.record(
                [ledger.entry(Assigner.Item(decision: program.evaluate(bad, now: monday), lead: bad))],
                claim: "bad"
            )
            Issue.record("a record number of 2^32 was accepted")
        } catch {
            #expect("\(error)".contains("is beyond the"), "\(error)")
        }
        // The lead and its address are still known: its recorded owner comes back, and the address's sticky owner
        // holds.
        let again = try record(
            ledger,
            program,
            [try testLead("A-1", line: 1), try testLead("A-9", email: "a-1@a-1.example", line: 2)],
            claim: "two"
        )
        #expect(again[0].replayed && again[0].owner == first[0].owner)
        #expect(again[1].method == "sticky" && again[1].owner == first[0].owner)
        let leads = try store.read { db in try String.fetchAll(db, sql: "SELECT lead FROM ledger ORDER BY seq") }
        #expect(leads == ["A-1", "A-9"])
    }

    @Test("a new state's filter is made for the state's key capacity, however few keys it holds")
    func madeForKeyCapacity() throws {
        let fixture = try AssignmentFixture(Self.config)
        let program = try fixture.program()
        let store = try AssignmentStore(directory: fixture.state.path, remembersKeys: true)
        let ledger = Ledger(store: store, plan: program.assignment)
        let known = try #require(store.knownKeys)
        _ = try record(ledger, program, [try testLead("D-1", line: 1)], claim: "first")
        let filter = try store.read { db in try known.current(db) }
        #expect(filter.capacity == AssignmentStore.keyCapacity)
        #expect(filter.mayContain(HashedKey.hash("D-1")) && filter.mayContain(HashedKey.hash("email:d-1@d-1.example")))
    }

    @Test("a filter full past its capacity is made again from the state, larger")
    func madeAgainWhenFull() throws {
        let fixture = try AssignmentFixture(Self.config)
        let program = try fixture.program()
        // Made for the fewest keys a filter holds (4,096), not the daemon's 131,072: a test of that many leads would
        // take minutes.
        let store = try AssignmentStore(directory: fixture.state.path, remembersKeys: true, keyCapacity: 0)
        let ledger = Ledger(store: store, plan: program.assignment)
        let known = try #require(store.knownKeys)
        _ = try record(ledger, program, [try testLead("C-0", line: 1)], claim: "first")
        let small = try store.read { db in try known.current(db) }
        // More leads than the first filter was made for, over several batches: each comes back afterwards.
        let many = try (1...(small.capacity + 10)).map { try testLead("C-\($0)", line: $0) }
        for (index, start) in stride(from: 0, to: many.count, by: 2000).enumerated() {
            _ = try record(ledger, program, Array(many[start..<min(start + 2000, many.count)]), claim: "batch-\(index)")
        }
        let larger = try store.read { db in try known.current(db) }
        #expect(larger.capacity > small.capacity)
        let again = try record(ledger, program, [try testLead("C-0", line: 1)] + many.suffix(3), claim: "again")
        #expect(again.allSatisfy { $0.replayed })
    }
}
