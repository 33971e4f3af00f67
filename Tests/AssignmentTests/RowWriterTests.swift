import GRDB
import TestSupport
import Testing

@testable import Assignment

/// Rows bound through SQLite's own calls read back as written, and a refused row is an error with SQLite's reason.
@Suite("row writer")
struct RowWriterTests {
    @Test("text, bytes, integers, reals and nulls read back as written; a constraint failure throws")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let store = try AssignmentStore(directory: directory.path)
        try store.transaction { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT NOT NULL, b INTEGER, c REAL, d TEXT, e TEXT)")
            let statement = try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?)")
            for index in 0..<3 {
                var row = RowWriter(statement)
                row.text("ünïcode \(index)")
                row.integer(-index)
                row.real(index == 1 ? nil : 2.5)
                row.text(Array("{\"x\":\(index)}".utf8))
                row.text(nil as String?)
                try row.execute(db)
            }
            var bad = RowWriter(statement)
            bad.text(nil as String?)
            bad.integer(1)
            bad.real(1)
            bad.text([])
            bad.null()
            #expect(throws: DatabaseError.self) { try bad.execute(db) }
            do {
                try bad.execute(db)
            } catch let error as DatabaseError {
                #expect(error.message?.contains("NOT NULL constraint failed: t.a") == true)
            }
        }
        let rows = try store.read { db in try Row.fetchAll(db, sql: "SELECT a, b, c, d, e FROM t ORDER BY rowid") }
        #expect(rows.count == 3)
        #expect(rows.map { $0[0] as String } == ["ünïcode 0", "ünïcode 1", "ünïcode 2"])
        #expect(rows.map { $0[1] as Int } == [0, -1, -2])
        #expect(rows.map { $0[2] as Double? } == [2.5, nil, 2.5])
        #expect(rows.map { $0[3] as String } == [#"{"x":0}"#, #"{"x":1}"#, #"{"x":2}"#])
        #expect(rows.allSatisfy { ($0[4] as String?) == nil })
    }

    @Test("packed texts are bound where they lie, read back as written, and unbound after the step")
    func borrowedTexts() throws {
        let directory = try TemporaryDirectory()
        let store = try AssignmentStore(directory: directory.path)
        var texts = PackedTexts(capacity: 8)
        texts.append("claim-1")
        texts.append(nil as String?)
        texts.append("")
        texts.append(Array("ünïcode {\"x\":1}".utf8))
        try store.transaction { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT, b TEXT, c TEXT, d TEXT, n INTEGER)")
            let statement = try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?)")
            try texts.bytes.withUnsafeBufferPointer { buffer in
                var row = RowWriter(statement)
                defer { row.unbind() }
                for index in 0..<4 { row.text(borrowing: texts.text(index, in: buffer)) }
                row.integer(1)
                try row.execute(db)
            }
            // Unbound: a step with nothing bound writes nulls, not the bytes of the row before.
            try RowWriter(statement).execute(db)
            // A row of only empty and nil texts has no bytes at all.
            var empty = PackedTexts(capacity: 0)
            empty.append("")
            try empty.bytes.withUnsafeBufferPointer { buffer in
                var row = RowWriter(statement)
                defer { row.unbind() }
                row.text(borrowing: empty.text(0, in: buffer))
                try row.execute(db)
            }
        }
        let rows = try store.read { db in try Row.fetchAll(db, sql: "SELECT a, b, c, d, n FROM t ORDER BY rowid") }
        #expect(rows.count == 3)
        #expect(rows[0][0] as String? == "claim-1")
        #expect(rows[0][1] as String? == nil)
        #expect(rows[0][2] as String? == "")
        #expect(rows[0][3] as String? == #"ünïcode {"x":1}"#)
        #expect(rows[0][4] as Int? == 1)
        #expect((0..<5).allSatisfy { rows[1][$0] as String? == nil })
        #expect(rows[2][0] as String? == "")
    }
}
