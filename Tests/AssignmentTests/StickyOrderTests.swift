import Foundation
import GRDB
import TestSupport
import Testing

@testable import Assignment

/// The order a batch writes its sticky owners in (the sticky table's own), and the statements of many rows it
/// writes them with, kept on the store's connection.
@Suite("sticky rows in the table's order")
struct StickyOrderTests {
    @Test("keys sort as SQLite sorts the sticky table's texts: byte by byte, then the shorter first")
    func precedesAsSQLite() throws {
        var random = TestRandom(seed: 20_261_205)
        // Short texts of few letters, so that many share a beginning, are one another's prefix, or are equal; and
        // bytes beyond ASCII, which compare above every ASCII byte.
        let pieces = ["a", "b", "A", ".", "@", "é", "ß", "0", "email:", "domain:", "z"]
        let arena = KeyArena(capacity: 4096)
        let db = try DatabaseQueue()
        try db.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, key TEXT NOT NULL)") }
        for round in 0..<TestRandom.rounds(50) {
            var texts: [String] = []
            for _ in 0..<random.int(0...60) {
                texts.append((0..<random.int(0...5)).map { _ in random.pick(pieces) }.joined())
            }
            let sorted = texts.map { arena.key($0) }.sorted(by: ArenaKey.precedes).map(\.text)
            let bySQLite = try db.write { db in
                try db.execute(sql: "DELETE FROM t")
                for text in texts { try db.execute(sql: "INSERT INTO t (key) VALUES (?)", arguments: [text]) }
                return try String.fetchAll(db, sql: "SELECT key FROM t ORDER BY key")
            }
            #expect(sorted == bySQLite, "round \(round): \(texts)")
        }
        withExtendedLifetime(arena) {}
    }

    @Test("a statement of many rows is prepared once per connection and count of rows, and found again by them")
    func statementsKept() throws {
        let statements = PreparedStatements()
        let first = try DatabaseQueue()
        let second = try DatabaseQueue()
        var prepared = 0
        func sql(_ rows: Int) -> () -> String {
            {
                prepared += 1
                return "SELECT " + Array(repeating: "?", count: rows).joined(separator: ", ")
            }
        }
        let two = try first.read { db in
            let two = try statements.statement(.sticky, rows: 2, db, sql: sql(2))
            #expect(try statements.statement(.sticky, rows: 2, db, sql: sql(2)) === two)
            let three = try statements.statement(.sticky, rows: 3, db, sql: sql(3))
            #expect(three !== two && three.sql == "SELECT ?, ?, ?")
            #expect(try statements.statement(.decisions, rows: 2, db, sql: sql(2)) !== two)
            #expect(prepared == 3)
            return two
        }
        // Another connection gets its own statement, and that one is kept in turn.
        let other = try second.read { db in try statements.statement(.sticky, rows: 2, db, sql: sql(2)) }
        #expect(prepared == 4 && other !== two)
        let again = try second.read { db in try statements.statement(.sticky, rows: 2, db, sql: sql(2)) }
        #expect(again === other)
        #expect(prepared == 4)
    }
}
