import Foundation
import GRDB
import TestSupport
import Testing

@testable import Assignment

/// The order a batch writes its sticky owners in (the sticky table's own), and the statements of many rows it
/// writes them with, kept on the store's connection.
@Suite("sticky rows in the table's order")
struct StickyOrderTests {
    @Test("keys sort as SQLite sorts the sticky table's texts: byte by byte, then the shorter first; NUL bytes too")
    func precedesAsSQLite() throws {
        var random = TestRandom(seed: 20_261_205)
        // Short texts of few letters, so that many share a beginning (past the sixteen bytes compared first, too),
        // are one another's prefix, or are equal; bytes beyond ASCII, which compare above every ASCII byte; and NUL
        // bytes, which compare as a key's end does.
        let pieces = ["a", "b", "A", ".", "@", "é", "ß", "0", "email:", "domain:", "z", "\u{0}", "\u{7F}"]
        let arena = KeyArena(capacity: 4096)
        let db = try DatabaseQueue()
        try db.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, key TEXT NOT NULL)") }
        for round in 0..<TestRandom.rounds(50) {
            var texts: [String] = []
            for _ in 0..<random.int(0...60) {
                texts.append((0..<random.int(0...8)).map { _ in random.pick(pieces) }.joined())
            }
            let keys = texts.map { arena.key($0) }
            let sorted = keys.sorted(by: ArenaKey.precedes).map { Array($0.bytes) }
            // The same order, keys compared by their first sixteen bytes first.
            #expect(ArenaKey.sorted(keys).map { Array($0.bytes) } == sorted, "round \(round): \(texts)")
            // Bound as bytes and cast to text, as the sticky rows' keys are bound (by length, NUL bytes kept).
            let bySQLite = try db.write { db in
                try db.execute(sql: "DELETE FROM t")
                for text in texts {
                    try db.execute(sql: "INSERT INTO t (key) VALUES (CAST(? AS TEXT))", arguments: [Data(text.utf8)])
                }
                return try Data.fetchAll(db, sql: "SELECT CAST(key AS BLOB) FROM t ORDER BY key").map { Array($0) }
            }
            #expect(sorted == bySQLite, "round \(round): \(texts)")
        }
        withExtendedLifetime(arena) {}
    }

    @Test("rows are written by statements of 64 rows and one for the rest, every row once, in order")
    func statementsOfFourSizes() throws {
        let store = try AssignmentStore()
        var prepared: [Int] = []
        try store.transaction { db in
            try db.execute(sql: "CREATE TABLE t (n INTEGER NOT NULL)")
            for count in 0...150 {
                try db.execute(sql: "DELETE FROM t")
                try RowWriter.write(
                    0..<count,
                    perStatement: 64,
                    full: "INSERT INTO t (n) VALUES " + Array(repeating: "(?)", count: 64).joined(separator: ", "),
                    sql: { rows in
                        prepared.append(rows)
                        return "INSERT INTO t (n) VALUES "
                            + Array(repeating: "(?)", count: rows).joined(separator: ", ")
                    },
                    kind: .sticky,
                    statements: store.statements,
                    db
                ) { index, writer in writer.integer(1000 + index) }
                let rows = try Int.fetchAll(db, sql: "SELECT n FROM t ORDER BY rowid")
                #expect(rows == Array((0..<count).map { 1000 + $0 }), "\(count) rows")
            }
        }
        // Each count of rows left over prepared once (the full statement given, not made), for the store's
        // connection.
        #expect(prepared.sorted() == Array(1..<64))
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
