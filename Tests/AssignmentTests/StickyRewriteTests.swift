import Foundation
import GRDB
import TestSupport
import Testing

@testable import Assignment

/// A sticky row says who a key belongs to and since when (its last assignment). A lead that leaves both as they
/// are (the same key met again among leads decided at one time, as a file's are) does not write the row again.
@Suite("sticky rows written when they change")
struct StickyRewriteTests {
    /// The state's sticky rows, and how many rows were written to the table since `countWrites` (a trigger counts
    /// every insert, a replacing one too).
    struct StickyTable {
        let store: AssignmentStore

        init(_ fixture: AssignmentFixture) throws {
            store = try AssignmentStore(directory: fixture.state.path)
            try store.transaction { db in
                try db.execute(
                    sql: """
                        CREATE TABLE sticky_writes (key TEXT NOT NULL);
                        CREATE TRIGGER sticky_written AFTER INSERT ON sticky
                        BEGIN INSERT INTO sticky_writes (key) VALUES (new.key); END;
                        """
                )
            }
        }

        var writes: [String] {
            get throws { try store.read { db in try String.fetchAll(db, sql: "SELECT key FROM sticky_writes") } }
        }

        var rows: [String: (owner: String, at: Double)] {
            get throws {
                try store.read { db in
                    var rows: [String: (owner: String, at: Double)] = [:]
                    for row in try Row.fetchAll(db, sql: "SELECT key, owner, at FROM sticky") {
                        rows[row["key"]] = (row["owner"], row["at"])
                    }
                    return rows
                }
            }
        }
    }

    @Test("the same owner at the same time, through another team too, leaves the row; a later time writes it")
    func sameOwnerSameTime() throws {
        let fixture = try AssignmentFixture(OwnershipTests.config, accounts: OwnershipTests.accounts)
        let table = try StickyTable(fixture)
        let first = try fixture.assign([try testLead("S1", email: "lee@newco.example", employees: 5000)], at: monday)
        let owner = try #require(first[0].owner)
        let keys = ["domain:newco.example", "email:lee@newco.example"]
        #expect(try table.writes.sorted() == keys)
        // Leads with the same address at the same time, one of them of another team: the same owner, by sticky.
        let again = try fixture.assign(
            [
                try testLead("S2", email: "lee@newco.example", employees: 5000),
                try testLead("S3", email: "lee@newco.example", employees: 20),
            ],
            at: monday
        )
        #expect(again.map(\.owner) == [owner, owner])
        #expect(again.map(\.method) == ["sticky", "sticky"])
        #expect(again.map(\.team) == ["enterprise", "smb"])
        #expect(try table.writes.count == 2, "rows that would not change were written again")
        // An hour later the same owner again: the rows' time moves, so they are written.
        let later = try fixture.assign(
            [try testLead("S4", email: "lee@newco.example", employees: 5000)],
            at: monday + hour
        )
        #expect(later[0].owner == owner)
        #expect(try table.writes.sorted() == (keys + keys).sorted())
        let rows = try table.rows
        for key in keys {
            #expect(rows[key]?.owner == owner)
            #expect(rows[key]?.at == monday + hour, "\(key): the row keeps the earlier time")
        }
    }

    @Test("another owner at the same time (the sticky one passed over at its cap) writes the row")
    func otherOwnerSameTime() throws {
        let fixture = try AssignmentFixture(
            teamConfig(
                strategy: "round_robin",
                members: "[ana, ben]",
                reps: [],
                extraReps: "  - {id: ana, caps: {day: 1}}\n  - {id: ben, caps: {day: 1}}",
                head: "sticky: {window: 30d, by: [domain]}"
            )
        )
        let table = try StickyTable(fixture)
        let first = try fixture.assign([try testLead("D1", domain: "capco.example", employees: 10)], at: monday)
        let owner = try #require(first[0].owner)
        let other = owner == "ana" ? "ben" : "ana"
        let next = try fixture.assign([try testLead("D2", domain: "capco.example", employees: 10)], at: monday)
        #expect(next[0].owner == other)
        #expect(try table.writes == ["domain:capco.example", "domain:capco.example"])
        #expect(try table.rows["domain:capco.example"]?.owner == other)
    }
}
