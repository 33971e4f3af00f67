import Foundation
import GRDB
import TestSupport
import Testing

@testable import Assignment

/// A state written by an earlier leadd opens in this one with every row kept.
@Suite("state migrations")
struct StoreMigrationTests {
    @Test("the ledger rebuilt without AUTOINCREMENT keeps its rows, their order and its index; new rows come after")
    func ledgerWithoutAutoincrement() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/" + AssignmentStore.fileName
        do {
            // The state as the release before this migration left it.
            var configuration = Configuration()
            configuration.journalMode = .wal
            let old = try DatabaseQueue(path: path, configuration: configuration)
            try AssignmentStore.migrator.migrate(old, upTo: "v2")
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
            let schema = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'ledger'")
            #expect(schema?.contains("AUTOINCREMENT") == false)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'ledger'")
            #expect(indexes.contains("ledger_owner_at"))
            #expect(try Int.fetchOne(db, sql: "SELECT last_seq FROM rotation WHERE rep = 'ana'") == 3)
        }
        try store.transaction { db in
            try db.execute(
                sql: """
                    INSERT INTO ledger (lead, at, method, rules_version, record) VALUES ('L-4', 101, 'fallback', 'v1', '{}')
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

/// Commits are synced by leadd, outside SQLite's lock: the store commits without syncing and `sync()` syncs the log.
@Suite("state durability")
struct StoreSyncTests {
    @Test("commits are not synced by SQLite; sync() syncs the log after them, and is a no-op in memory")
    func syncOutsideTheLock() throws {
        let directory = try TemporaryDirectory()
        let store = try AssignmentStore(directory: directory.path)
        let level = try store.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 1, "synchronous = NORMAL")
        try store.transaction(sync: false) { db in
            try db.execute(sql: "INSERT INTO sticky (key, owner, team, at) VALUES ('email:a@b.c', 'ana', NULL, 1)")
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
