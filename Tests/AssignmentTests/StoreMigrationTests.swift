import Foundation
import GRDB
import Leads
import Rules
import TestSupport
import Testing

@testable import Assignment

/// A state file as an earlier leadd left it: WAL mode, SQLite's default pages, migrated up to `migration`.
func olderState(_ path: String, upTo migration: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.journalMode = .wal
    let old = try DatabaseQueue(path: path, configuration: configuration)
    try AssignmentStore.migrator.migrate(old, upTo: migration)
    return old
}

/// A state written by an earlier leadd opens in this one with every row kept.
@Suite("state migrations")
struct StoreMigrationTests {
    @Test("the ledger rebuilt without AUTOINCREMENT keeps its rows and their order; new rows come after")
    func ledgerWithoutAutoincrement() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/" + AssignmentStore.fileName
        do {
            // The state as the release before this migration left it.
            let old = try olderState(path, upTo: "v2")
            try old.write { db in
                for (lead, owner) in [("L-1", "ana"), ("L-2", "ben"), ("L-3", "ana")] {
                    try db.execute(
                        sql: """
                            INSERT INTO ledger (lead, at, team, owner, method, rules_version, record, due)
                            VALUES (?, 100, 'sales', ?, 'round_robin', 'v1', '{}', 200)
                            """,
                        arguments: [lead, owner]
                    )
                }
                try db.execute(sql: "INSERT INTO rotation (team, rep, last_seq, credit) VALUES ('sales', 'ana', 3, 0)")
                let schema = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'ledger'")
                #expect(schema?.contains("AUTOINCREMENT") == true)
            }
        }
        let store = try AssignmentStore(directory: directory.path)
        try store.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, lead, owner, due FROM ledger ORDER BY seq")
            #expect(rows.map { $0["seq"] as Int64 } == [1, 2, 3])
            #expect(rows.map { $0["lead"] as String } == ["L-1", "L-2", "L-3"])
            #expect(rows.map { $0["owner"] as String } == ["ana", "ben", "ana"])
            #expect(rows.allSatisfy { ($0["due"] as Double?) == 200 })
            // Rows without a decision (there was no `decisions` table then) stay in the ledger's own table.
            let schema = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'ledger_rows'")
            #expect(schema?.contains("AUTOINCREMENT") == false)
            let indexes = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'ledger_rows'"
            )
            // Its owners' index went when assignments came to be counted apart (`assignment_counts`); the lead's
            // stays.
            #expect(indexes.contains("sqlite_autoindex_ledger_rows_1") && !indexes.contains("ledger_owner_at"))
            #expect(try Int.fetchOne(db, sql: "SELECT last_seq FROM rotation WHERE rep = 'ana'") == 3)
        }
        try store.transaction { db in
            try db.execute(
                sql: """
                    INSERT INTO ledger_rows (lead, at, method, rules_version, record)
                    VALUES ('L-4', 101, 'fallback', 'v1', '{}')
                    """
            )
            #expect(db.lastInsertedRowID == 4)
            // The lead is still the ledger's key.
            #expect(throws: DatabaseError.self) {
                try db.execute(
                    sql:
                        "INSERT INTO ledger (lead, at, method, rules_version, record) VALUES ('L-1', 1, 'x', 'v1', '{}')"
                )
            }
        }
        #expect(try store.integrityCheck() == ["ok"])
    }
}

extension StoreMigrationTests {
    @Test("decisions keyed by claim text become keyed by the claim's number and the record; history and keys hold")
    func decisionsKeyedByNumber() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/" + AssignmentStore.fileName
        do {
            let old = try olderState(path, upTo: "v3")
            try old.write { db in
                // Two inputs; the later claim sorts first by text, so numbering must follow time, not text.
                for (claim, record, lead, at) in [
                    ("b-claim", 1, "L-1", 100.0), ("b-claim", 2, "L-2", 100.0), ("a-claim", 1, "L-3", 200.0),
                ] {
                    try db.execute(
                        sql: """
                            INSERT INTO decisions (claim, record, lead, at, file, line, rules_version, source, stage,
                                route, grade, score, scores, rules)
                            VALUES (?, ?, ?, ?, 'in.ndjson', ?, 'v1', 'web', 'mql', 'opportunities', 'B', 42,
                                '{"demographics":42}', '["fit.x"]')
                            """,
                        arguments: [claim, record, lead, at, record]
                    )
                }
            }
        }
        #expect(AssignmentStore.migrationPending(directory: directory.path))
        #expect(!AssignmentStore.migrationPending(directory: directory.path + "/nothing-here"))
        let store = try AssignmentStore(directory: directory.path)
        try store.read { db in
            let claims = try Row.fetchAll(db, sql: "SELECT id, claim FROM claims ORDER BY id")
            #expect(claims.map { $0["claim"] as String } == ["b-claim", "a-claim"])
            let rows = try Row.fetchAll(db, sql: "SELECT id, record, lead, score FROM decisions ORDER BY id")
            let keys: [Int64] = [1 << 32 | 1, 1 << 32 | 2, 2 << 32 | 1]
            #expect(rows.map { $0["id"] as Int64 } == keys)
            #expect(rows.map { $0["lead"] as String } == ["L-1", "L-2", "L-3"])
            #expect(rows.allSatisfy { ($0["score"] as Double) == 42 })
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'decisions'")
            #expect(indexes.contains("decisions_lead"))
        }
        #expect(!AssignmentStore.migrationPending(directory: directory.path), "migrated on opening")
        // The report's history names each decision by claim and record, as before.
        #expect(try store.history().decisions.map(\.key) == ["b-claim#1", "b-claim#2", "a-claim#1"])
        #expect(try store.integrityCheck() == ["ok"])
    }
}

/// Commits are synced by leadd, outside SQLite's lock: the store commits without syncing and `sync()` syncs the log.
@Suite("state durability")
struct StoreSyncTests {
    @Test("a new state file has 16 KiB pages; a file made with other pages keeps them and its rows")
    func pageSize() throws {
        let directory = try TemporaryDirectory()
        let store = try AssignmentStore(directory: directory.path)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == 16384)
        let older = try TemporaryDirectory()
        do {
            let old = try olderState(older.path + "/" + AssignmentStore.fileName, upTo: "v3")
            try old.write { db in
                try db.execute(sql: "INSERT INTO sticky (key, owner, team, at) VALUES ('email:a@b.c', 'ana', NULL, 1)")
            }
        }
        let reopened = try AssignmentStore(directory: older.path)
        let (pageSize, owner) = try reopened.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_size"), try String.fetchOne(db, sql: "SELECT owner FROM sticky"))
        }
        #expect(pageSize == 4096)
        #expect(owner == "ana")
        #expect(try reopened.integrityCheck() == ["ok"])
    }

    @Test(
        "sync() checkpoints a log past 16 MiB into the database file, outside the write lock; a smaller log waits, and so does one started again"
    )
    func checkpointOutsideTheLock() throws {
        let directory = try TemporaryDirectory()
        let store = try AssignmentStore(directory: directory.path)
        let file = directory.path + "/" + AssignmentStore.fileName
        func size(_ path: String) -> Int {
            (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        }
        let record = String(repeating: "x", count: 4000)
        func write(_ range: Range<Int>) throws {
            try store.transaction(sync: false) { db in
                for index in range {
                    try db.execute(
                        sql:
                            "INSERT INTO ledger_rows (lead, at, method, rules_version, record) VALUES (?, 1, 'm', 'v', ?)",
                        arguments: ["L-\(index)", record]
                    )
                }
            }
        }
        try write(0..<1000)
        try store.sync()
        let small = size(file)
        #expect(size(file + "-wal") < AssignmentStore.checkpointBytes)
        #expect(small < 1 << 20, "a 4 MB log is not checkpointed yet")
        try write(1000..<5000)
        #expect(size(file) == small, "SQLite's own checkpoint did not run inside the commits")
        try store.sync()
        #expect(size(file) > 16 << 20, "the log's pages are in the database file")
        // The next commit starts the log from its beginning: it stays the size it was, and holding few pages, it is
        // not checkpointed again (its size is no measure).
        let log = size(file + "-wal")
        try write(5000..<5100)
        #expect(size(file + "-wal") == log)
        let checkpointed = size(file)
        try store.sync()
        #expect(size(file) == checkpointed, "a log started again is not checkpointed at each sync")
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger") } == 5100)
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test("the conversion docs/assignment.md gives turns an older state's pages into 16 KiB, every row kept")
    func documentedPageConversion() throws {
        let document = try String(
            contentsOfFile: ProcessRunner.packageRoot + "/docs/assignment.md",
            encoding: .utf8
        )
        let command = try #require(document.range(of: "sqlite3 assignments.sqlite '"))
        let end = try #require(document[command.upperBound...].firstIndex(of: "'"))
        let sql = document[command.upperBound..<end].split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(sql.contains("page_size = 16384"))
        let directory = try TemporaryDirectory()
        let path = directory.path + "/" + AssignmentStore.fileName
        do {
            let old = try olderState(path, upTo: "v3")
            try old.write { db in
                try db.execute(sql: "INSERT INTO sticky (key, owner, team, at) VALUES ('email:a@b.c', 'ana', NULL, 1)")
            }
        }
        // As the sqlite3 shell runs it: the statements one after another, outside a transaction.
        try DatabaseQueue(path: path).writeWithoutTransaction { db in try db.execute(sql: sql) }
        let store = try AssignmentStore(directory: directory.path)
        let (pageSize, journal, owner) = try store.read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA page_size"), try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try String.fetchOne(db, sql: "SELECT owner FROM sticky")
            )
        }
        #expect(pageSize == 16384)
        #expect(journal == "wal")
        #expect(owner == "ana")
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test("commits are not synced by SQLite; sync() syncs the log after them, and is a no-op in memory")
    func syncOutsideTheLock() throws {
        let directory = try TemporaryDirectory()
        let store = try AssignmentStore(directory: directory.path)
        let level = try store.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 1, "synchronous = NORMAL")
        try store.transaction(sync: false) { db in
            try db.execute(sql: "INSERT INTO sticky (key, owner, at) VALUES ('email:a@b.c', 'ana', 1)")
        }
        let log = directory.path + "/" + AssignmentStore.fileName + "-wal"
        let size = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0
        #expect(size > 0, "the commit is in the write-ahead log")
        try store.sync()
        // Committed: another connection sees it.
        let other = try DatabaseQueue(path: directory.path + "/" + AssignmentStore.fileName)
        #expect(try other.read { db in try String.fetchOne(db, sql: "SELECT owner FROM sticky") } == "ana")
        try AssignmentStore().sync()
    }
}

/// Every decision is recorded once per input and record: the same input again writes nothing twice, another input
/// writes its own rows.
@Suite("the decisions ledger")
struct DecisionLedgerTests {
    @Test("a batch recorded again under its claim adds no row; under another claim it adds its own")
    func decisionsOncePerClaimAndRecord() throws {
        let fixture = try AssignmentFixture(
            teamConfig(strategy: "round_robin", members: "[ana, ben]", reps: ["ana", "ben"])
        )
        let program = try fixture.program()
        let ledger = Ledger(store: try AssignmentStore(directory: fixture.state.path), plan: program.assignment)
        let records = try (1...3).map {
            try record("{\"id\": \"L-\($0)\", \"company\": {\"employees\": 10}}", line: $0)
        }
        let items = records.map { Assigner.Item(decision: program.evaluate($0, now: monday), lead: $0) }
        func rows() throws -> [String] {
            try ledger.store.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT claim, record, lead FROM decisions JOIN claims ON claims.id = decisions.id >> 32 ORDER BY decisions.id"
                ).map { "\($0["claim"] as String)#\($0["record"] as Int) \($0["lead"] as String)" }
            }
        }
        let first = try ledger.record(items.map { ledger.entry($0) }, claim: "first")
        _ = try ledger.record(items.map { ledger.entry($0) }, claim: "first")
        #expect(try rows() == ["first#1 L-1", "first#2 L-2", "first#3 L-3"])
        let again = try ledger.record(items.prefix(1).map { ledger.entry($0) }, claim: "second")
        #expect(try rows() == ["first#1 L-1", "first#2 L-2", "first#3 L-3", "second#1 L-1"])
        // The lead itself was assigned once: the second input gets its recorded owner back.
        guard case .decided(let record?) = again.first, let opportunity = record.opportunity else {
            Issue.record("no opportunity for L-1")
            return
        }
        #expect(record.replayed)
        #expect(opportunity.replayed)
        guard case .decided(let recorded?) = first.first, let original = recorded.opportunity else {
            Issue.record("L-1 was not assigned the first time")
            return
        }
        #expect(!recorded.replayed)
        #expect(opportunity.owner != nil && opportunity.owner == original.owner)
        #expect(opportunity.reasons == original.reasons)
    }

    @Test(
        "a decision recorded again that now makes an opportunity keeps it on its row; a record twice in a batch is an error"
    )
    func opportunityOnARecordedDecision() throws {
        let fixture = try AssignmentFixture(
            teamConfig(strategy: "round_robin", members: "[ana, ben]", reps: ["ana", "ben"])
        )
        let program = try fixture.program()
        let ledger = Ledger(store: try AssignmentStore(directory: fixture.state.path), plan: program.assignment)
        // The same input (claim and record) read again, the lead now with the company size it lacked.
        let before = try record(#"{"id": "L-1", "contact": {"email": "a@x.example"}}"#, line: 1)
        let after = try record(#"{"id": "L-1", "company": {"employees": 10}}"#, line: 1)
        func recorded(_ lead: LeadRecord, claim: String) throws -> Ledger.OpportunityRecord? {
            let item = Assigner.Item(decision: program.evaluate(lead, now: monday), lead: lead)
            guard case .decided(let record) = try ledger.record([ledger.entry(item)], claim: claim).first else {
                return nil
            }
            return record
        }
        #expect(try recorded(before, claim: "file") == nil, "not on an assigned route")
        let made = try #require(try recorded(after, claim: "file"))
        #expect(!made.replayed)
        let owner = try #require(made.opportunity?.owner)
        try ledger.store.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT lead, owner, opportunity_seq FROM decisions")
            #expect(
                rows.map { "\($0["lead"] as String) \($0["owner"] as String) \($0["opportunity_seq"] as Int)" }
                    == ["L-1 \(owner) 1"]
            )
            #expect(try String.fetchAll(db, sql: "SELECT owner FROM ledger") == [owner])
        }
        // Once an opportunity, the lead keeps it: the same input again gives it back.
        let again = try #require(try recorded(after, claim: "file"))
        #expect(again.replayed)
        #expect(again.opportunity?.owner == owner)
        // Two decisions of one batch under one record number: an error, and nothing recorded.
        let twice = try ["T-1", "T-2"].map {
            try record("{\"id\": \"\($0)\", \"company\": {\"employees\": 10}}", line: 7)
        }
        do {
            _ = try ledger.record(
                twice.map { ledger.entry(Assigner.Item(decision: program.evaluate($0, now: monday), lead: $0)) },
                claim: "other"
            )
            Issue.record("a record number twice in one batch was accepted")
        } catch let error as DatabaseError {
            #expect(error.message == "record 7 appears twice in one batch of decisions")
        }
        #expect(try ledger.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decisions") } == 1)
    }

    @Test("a record number past a decision key's 32 bits is a clear error, and its batch leaves nothing behind")
    func recordBeyondTheKey() throws {
        let fixture = try AssignmentFixture(teamConfig(strategy: "round_robin", members: "[ana]", reps: ["ana"]))
        let program = try fixture.program()
        let ledger = Ledger(store: try AssignmentStore(directory: fixture.state.path), plan: program.assignment)
        var records = try (1...2).map {
            try record("{\"id\": \"L-\($0)\", \"company\": {\"employees\": 10}}", line: $0)
        }
        records[1].origin.record = 1 << 32
        let items = records.map { Assigner.Item(decision: program.evaluate($0, now: monday), lead: $0) }
        do {
            _ = try ledger.record(items.map { ledger.entry($0) }, claim: "huge")
            Issue.record("a record number of 2^32 was accepted")
        } catch {
            #expect("\(error)".contains("record 4294967296 is beyond the 4294967296 records of a file"), "\(error)")
        }
        let counts = try ledger.store.read { db in
            try ["decisions", "ledger", "claims"].map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1 }
        }
        #expect(counts == [0, 0, 0], "the batch was rolled back whole")
    }
}

extension StoreMigrationTests {
    @Test("each rep's assignments are counted by time from the ledger, its own rows included; the owners' indexes go")
    func assignmentCounts() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/" + AssignmentStore.fileName
        do {
            let old = try olderState(path, upTo: "v4")
            try old.write { db in
                for (index, owner) in ["ana", nil, "ben", nil, "ana", nil].enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO ledger (lead, at, owner, queue, method, rules_version, record)
                            VALUES (?, ?, ?, ?, 'round_robin', 'v1', '{}')
                            """,
                        arguments: ["L-\(index)", 100 + index, owner, owner == nil ? "inbox" : nil]
                    )
                }
            }
            // The state as the release before counts left it: rows on decisions as well as the ledger's own
            // (these, from before decisions held them).
            try AssignmentStore.migrator.migrate(old, upTo: "v7")
            try old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO decisions (id, record, lead, at, file, line, rules_version, stage, route, score,
                            scores, rules, owner, queue, method, opportunity, opportunity_seq)
                        VALUES (4294967297, 1, 'D-1', 102, 'in.ndjson', 1, 'v1', 'sql', 'opportunities', 80, '{}',
                            '[]', 'ana', NULL, 'round_robin', '{}', 7),
                        (4294967298, 2, 'D-2', 102, 'in.ndjson', 2, 'v1', 'sql', 'opportunities', 80, '{}', '[]',
                            NULL, 'inbox', 'fallback', '{}', 8),
                        (4294967299, 3, 'D-3', 102, 'in.ndjson', 3, 'v1', 'nurture', 'nurture', 10, '{}', '[]',
                            NULL, NULL, NULL, NULL, NULL)
                        """
                )
            }
        }
        let store = try AssignmentStore(directory: directory.path)
        try store.read { db in
            let counts = try Row.fetchAll(db, sql: "SELECT owner, at, count FROM assignment_counts ORDER BY owner, at")
                .map { "\($0["owner"] as String) \($0["at"] as Double) \($0["count"] as Int)" }
            #expect(counts == ["ana 100.0 1", "ana 102.0 1", "ana 104.0 1", "ben 102.0 1"])
            let sum = "SELECT coalesce(sum(count), 0) FROM assignment_counts WHERE owner = ? AND at >= ? AND at < ?"
            #expect(try Int.fetchOne(db, sql: sum, arguments: ["ana", 100, 105]) == 3)
            #expect(try Int.fetchOne(db, sql: sum, arguments: ["ana", 101, 105]) == 2)
            #expect(try Int.fetchOne(db, sql: sum, arguments: ["ben", 100, 200]) == 1)
            // The same as counting the ledger's rows, which the owners' indexes did.
            let rows = "SELECT COUNT(*) FROM ledger WHERE owner = ? AND at >= ? AND at < ?"
            #expect(try Int.fetchOne(db, sql: rows, arguments: ["ana", 101, 105]) == 2)
            let indexes = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE name IN ('decisions_owner_at', 'ledger_owner_at')"
            )
            #expect(indexes.isEmpty)
        }
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test("v9 drops the sticky rows' team: every key keeps its owner and time, and a lead of it goes to that owner")
    func stickyWithoutTeam() throws {
        let fixture = try AssignmentFixture(
            Self.ledgerConfig.replacingOccurrences(of: "reps:", with: "sticky: {window: 30d}\nreps:")
        )
        let now = 1_800_000_000.0
        do {
            let old = try olderState(fixture.state.path + "/" + AssignmentStore.fileName, upTo: "v8")
            try old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO sticky (key, owner, team, at) VALUES
                            ('email:kim@newco.example', 'ben', 'sales', ?), ('email:lee@other.example', 'ana', NULL, ?)
                        """,
                    arguments: [now - 3600, now - 60]
                )
            }
        }
        let store = try AssignmentStore(directory: fixture.state.path)
        try store.read { db in
            let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(sticky)").map { $0["name"] as String }
            #expect(columns == ["key", "owner", "at"])
            let rows = try Row.fetchAll(db, sql: "SELECT key, owner, at FROM sticky ORDER BY key")
                .map { "\($0["key"] as String) \($0["owner"] as String) \(Int(now - ($0["at"] as Double)))" }
            #expect(rows == ["email:kim@newco.example ben 3600", "email:lee@other.example ana 60"])
        }
        #expect(try store.integrityCheck() == ["ok"])
        let result = try fixture.assign(
            [try testLead("K", email: "kim@newco.example"), try testLead("L", email: "lee@other.example")],
            at: now
        )
        #expect(result.map(\.owner) == ["ben", "ana"])
        #expect(result.map(\.method) == ["sticky", "sticky"])
    }

    @Test("a batch's assignments are added to the counts once, by rep and time; leads assigned again add none")
    func countsOfBatches() throws {
        let fixture = try AssignmentFixture(Self.ledgerConfig)
        let now = 1_800_000_000.0
        let batch = try leads(7, prefix: "C")
        let first = try fixture.assign(batch, at: now)
        _ = try fixture.assign(batch, at: now + 60)
        let later = try fixture.assign([try testLead("C-8")], at: now + 3600)
        let store = try AssignmentStore(directory: fixture.state.path)
        let counts = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT owner, at, count FROM assignment_counts ORDER BY at, owner")
                .map { "\($0["owner"] as String) \(Int($0["at"] as Double - now)) \($0["count"] as Int)" }
        }
        let firstCounts = tally(first)
        let expected =
            ["ana", "ben"].compactMap { owner in firstCounts[owner].map { "\(owner) 0 \($0)" } }
            + ["\(later[0].owner ?? "-") 3600 1"]
        #expect(counts == expected)
        #expect(firstCounts.values.sorted() == [3, 4])
        let assigned = try store.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE owner IS NOT NULL")
        }
        #expect(assigned == 8)
    }
}

extension StoreMigrationTests {
    static let ledgerConfig = """
        version: 1
        assign:
          time_zone: UTC
          hours: always
        reps:
          - {id: ana}
          - {id: ben}
        teams:
          - id: sales
            strategy: round_robin
            members: [ana, ben]
        fallback: {queue: inbox}
        """

    /// An opportunity record as an earlier leadd stored it: whole.
    static func oldRecord(_ lead: String, owner: String?, at: Double) -> String {
        var opportunity = Opportunity(
            lead: lead,
            status: owner == nil ? .queued : .assigned,
            method: owner == nil ? "fallback" : "round_robin",
            stage: "discovery",
            assignedAt: at,
            reasons: Opportunity.ReasonChain([Opportunity.Reason(step: "team", detail: "from before")])
        )
        opportunity.owner = owner
        opportunity.team = owner == nil ? nil : "sales"
        opportunity.queue = owner == nil ? "inbox" : nil
        var bytes: [UInt8] = []
        opportunity.writeJSON(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("ledger rows move onto their decisions, keeping their order; rows without one stay; every lead comes back")
    func opportunitiesOnDecisions() throws {
        let fixture = try AssignmentFixture(Self.ledgerConfig)
        let path = fixture.state.path + "/" + AssignmentStore.fileName
        do {
            let old = try olderState(path, upTo: "v6")
            try old.write { db in
                try db.execute(sql: "INSERT INTO claims (id, claim) VALUES (1, 'old-file')")
                // L-1 decided twice (its opportunity is its first decision's), L-2 once, L-3 not an opportunity.
                for (record, lead, at, route) in [
                    (1, "L-1", 100.0, "opportunities"), (2, "L-2", 100.0, "opportunities"),
                    (3, "L-3", 100.0, "nurture"),
                    (4, "L-1", 200.0, "opportunities"),
                ] {
                    try db.execute(
                        sql: """
                            INSERT INTO decisions (id, record, lead, at, file, line, rules_version, stage, route,
                                score, scores, rules)
                            VALUES (?, ?, ?, ?, 'old.ndjson', ?, 'v1', 'sql', ?, 80, '{}', '[]')
                            """,
                        arguments: [1 << 32 | record, record, lead, at, record, route]
                    )
                }
                // L-9's row has no decision (a state from before decisions were kept).
                for (seq, lead, owner, at) in [
                    (5, "L-1", "ana", 100.0), (9, "L-2", nil, 100.0), (11, "L-9", "ben", 50.0),
                ] {
                    try db.execute(
                        sql: """
                            INSERT INTO ledger (seq, lead, at, team, owner, queue, method, rules_version, record, due)
                            VALUES (?, ?, ?, ?, ?, ?, ?, 'v1', ?, ?)
                            """,
                        arguments: [
                            seq, lead, at, owner == nil ? nil : "sales", owner, owner == nil ? "inbox" : nil,
                            owner == nil ? "fallback" : "round_robin", Self.oldRecord(lead, owner: owner, at: at),
                            at + 3600,
                        ]
                    )
                }
            }
        }
        let program = try fixture.program()
        let ledger = Ledger(store: try AssignmentStore(directory: fixture.state.path), plan: program.assignment)
        try ledger.store.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT record, opportunity_seq, owner, queue, due FROM decisions WHERE opportunity IS NOT NULL"
            )
            #expect(rows.map { $0["record"] as Int } == [1, 2])
            #expect(rows.map { $0["opportunity_seq"] as Int } == [5, 9])
            #expect(rows.map { $0["owner"] as String? } == ["ana", nil])
            #expect(rows.map { $0["queue"] as String? } == [nil, "inbox"])
            #expect(rows.map { $0["due"] as Double } == [3700, 3700])
            #expect(try String.fetchAll(db, sql: "SELECT lead FROM ledger_rows") == ["L-9"])
            let view = try Row.fetchAll(db, sql: "SELECT seq, lead, owner FROM ledger ORDER BY seq")
            #expect(view.map { $0["seq"] as Int } == [5, 9, 11])
            #expect(view.map { $0["lead"] as String } == ["L-1", "L-2", "L-9"])
            #expect(try Int.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'ledger'") == 11)
        }
        // Each lead of the ledger, old row or moved, comes back as it was; a new lead is numbered after them all.
        let batch = try ["L-1", "L-2", "L-9", "N-1"].enumerated().map { index, id in
            try testLead(id, line: index + 1)
        }
        let entries = batch.map { ledger.entry(Assigner.Item(decision: program.evaluate($0, now: monday), lead: $0)) }
        let results = try ledger.record(entries, claim: "new-file").map { result -> Opportunity? in
            guard case .decided(let record) = result else { return nil }
            return record?.opportunity
        }
        #expect(results.map { $0?.replayed } == [true, true, true, false])
        #expect(results.map { $0?.owner } == ["ana", nil, "ben", results[3]?.owner])
        #expect(results[3]?.owner != nil)
        try ledger.store.read { db in
            let view = try Row.fetchAll(db, sql: "SELECT seq, lead FROM ledger ORDER BY seq")
            #expect(view.map { $0["seq"] as Int } == [5, 9, 11, 12])
            #expect(view.map { $0["lead"] as String } == ["L-1", "L-2", "L-9", "N-1"])
            #expect(try Int.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'ledger'") == 12)
        }
        #expect(try ledger.store.integrityCheck() == ["ok"])
    }
}
