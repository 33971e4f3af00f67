import GRDB
internal import GRDBSQLite
import Leads

/// One execution of a prepared statement through SQLite's own calls: each value bound in order, then one step
/// (a write) or a step per row (a query). For the rows written or read once per lead, where binding through `StatementArguments` (a boxed value per
/// column) costs more than the insert itself. Text is copied by SQLite when bound.
struct RowWriter {
    private let statement: SQLiteStatement
    private var column: Int32 = 1
    private var code = SQLITE_OK

    /// SQLite's "copy the bytes now" destructor.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement) {
        self.statement = statement.sqliteStatement
        code = sqlite3_reset(self.statement)
    }

    mutating func text(_ value: String?) {
        guard var value else { return null() }
        let (statement, column) = (self.statement, self.column)
        bound(
            value.withUTF8 { bytes in
                sqlite3_bind_text(statement, column, bytes.baseAddress, Int32(bytes.count), Self.transient)
            }
        )
    }

    mutating func text(_ bytes: [UInt8]) {
        let (statement, column) = (self.statement, self.column)
        bound(
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    sqlite3_bind_text(statement, column, chars.baseAddress, Int32(chars.count), Self.transient)
                }
            }
        )
    }

    /// Binds bytes without copying them: valid only until `execute` returns, after which `unbind` must run
    /// before the bytes go (see `PackedTexts.insert`). Nil binds NULL.
    mutating func text(borrowing bytes: UnsafeBufferPointer<UInt8>?) {
        guard let bytes else { return null() }
        let (statement, column) = (self.statement, self.column)
        bound(
            bytes.withMemoryRebound(to: CChar.self) { chars in
                // An empty text still needs a pointer: SQLite binds a null pointer as NULL.
                guard let base = chars.baseAddress else {
                    return sqlite3_bind_text(statement, column, "", 0, Self.transient)
                }
                return sqlite3_bind_text(statement, column, base, Int32(chars.count), nil)
            }
        )
    }

    /// Drops every binding (pointers to bytes bound with `text(borrowing:)` included).
    func unbind() {
        sqlite3_clear_bindings(statement)
    }

    /// Drops the binding of one column (1-based), as `unbind` does every one: for a statement with one text bound
    /// with `text(borrowing:)`, cheaper than clearing every column.
    func unbind(column: Int32) {
        sqlite3_bind_null(statement, column)
    }

    mutating func integer(_ value: Int) {
        bound(sqlite3_bind_int64(statement, column, sqlite3_int64(value)))
    }

    mutating func real(_ value: Double?) {
        guard let value else { return null() }
        bound(sqlite3_bind_double(statement, column, value))
    }

    mutating func null() {
        bound(sqlite3_bind_null(statement, column))
    }

    /// Keeps the first failure; the next value goes to the next column.
    private mutating func bound(_ result: Int32) {
        if code == SQLITE_OK { code = result }
        column += 1
    }

    /// Steps a query through its rows, handing each to `row` (read with the `column` functions); throws SQLite's
    /// error if a bind or a step failed.
    func rows(_ db: Database, _ row: (SQLiteStatement) throws -> Void) throws {
        var result = code
        if result == SQLITE_OK {
            result = sqlite3_step(statement)
            while result == SQLITE_ROW {
                try row(statement)
                result = sqlite3_step(statement)
            }
        }
        guard result == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: result),
                message: String(cString: sqlite3_errmsg(db.sqliteConnection))
            )
        }
    }

    /// A row's text column, nil for NULL.
    static func text(_ statement: SQLiteStatement, _ column: Int32) -> String? {
        borrowedText(statement, column).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A row's text column as bytes, nil for NULL.
    static func bytes(_ statement: SQLiteStatement, _ column: Int32) -> [UInt8]? {
        borrowedText(statement, column).map(Array.init)
    }

    /// A row's text column as SQLite holds it (valid until the next step), nil for NULL: read in place, where
    /// `text` and `bytes` copy it.
    static func borrowedText(_ statement: SQLiteStatement, _ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL, let text = sqlite3_column_text(statement, column)
        else { return nil }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
    }

    /// A row's real column, nil for NULL.
    static func real(_ statement: SQLiteStatement, _ column: Int32) -> Double? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_double(statement, column)
    }

    /// Writes rows `rows` through statements of up to `perStatement` rows each, so a statement's own cost (its
    /// start, its end) is paid once per statement, not per row: `full` is the statement for `perStatement` rows
    /// (made once by the caller), `sql(count)` the one for fewer; `bind` binds row `index`. Texts bound with
    /// `text(borrowing:)` need to live only until the statement's step: every binding is dropped after it. The
    /// statements are kept in `statements`, the store's, under `kind` and their count of rows.
    static func write(
        _ rows: Range<Int>,
        perStatement: Int,
        full: String,
        sql: (Int) -> String,
        kind: PreparedStatements.Kind,
        statements: PreparedStatements,
        _ db: Database,
        bind: (_ index: Int, _ writer: inout RowWriter) -> Void
    ) throws {
        for start in stride(from: rows.lowerBound, to: rows.upperBound, by: perStatement) {
            let count = min(perStatement, rows.upperBound - start)
            let statement = try statements.statement(kind, rows: count, db) {
                count == perStatement ? full : sql(count)
            }
            var writer = RowWriter(statement)
            defer { writer.unbind() }
            for index in start..<(start + count) { bind(index, &writer) }
            try writer.execute(db)
        }
    }

    /// Steps the statement once; throws SQLite's error if a bind or the step failed.
    func execute(_ db: Database) throws {
        let result = code == SQLITE_OK ? sqlite3_step(statement) : code
        guard result == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: result),
                message: String(cString: sqlite3_errmsg(db.sqliteConnection))
            )
        }
    }
}

/// Statements a batch runs many times, prepared once on a store's connection and found again by what they do and
/// the rows they write. GRDB's cache finds a statement by its SQL, which it hashes and compares whole: for the 64
/// decision rows of one statement (some 4,500 characters of SQL), some 20,000 instructions each time; for a short
/// statement, some 800.
final class PreparedStatements: @unchecked Sendable {
    enum Kind: Hashable {
        /// `RowWriter.write`'s statements: decision rows, sticky owners.
        case decisions
        case sticky
        /// A shared text written to `fragments`, and one read back by its hash (`SharedText.register`).
        case fragmentInsert
        case fragmentLookup
        /// A rep's assignments at one time added to `assignment_counts` (`AssignmentSession.writeCounts`).
        case assignmentCount
    }

    struct Key: Hashable {
        var kind: Kind
        var rows: Int
    }

    // Unchecked: used only inside the store's database queue, which runs one block at a time.
    private var prepared: [Key: Statement] = [:]

    /// The statement `kind` for `rows` rows on `db`'s connection, prepared from `sql()` the first time.
    func statement(_ kind: Kind, rows: Int = 1, _ db: Database, sql: () -> String) throws -> Statement {
        let key = Key(kind: kind, rows: rows)
        // Made on this connection (a store has one; the check costs a call).
        if let statement = prepared[key], sqlite3_db_handle(statement.sqliteStatement) == db.sqliteConnection {
            return statement
        }
        let statement = try db.makeStatement(sql: sql())
        prepared[key] = statement
        return statement
    }
}

/// A row's texts in one buffer, made before a transaction and bound inside it without a copy per column.
struct PackedTexts {
    private(set) var bytes: [UInt8] = []
    /// Per text: where it starts in `bytes`, and its length (-1 for nil).
    private(set) var spans: [(start: Int, count: Int)] = []

    init(capacity: Int, texts: Int = 12) {
        bytes.reserveCapacity(capacity)
        spans.reserveCapacity(texts)
    }

    mutating func append(_ text: String?) {
        guard let text else { return spans.append((bytes.count, -1)) }
        spans.append((bytes.count, text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(_ text: [UInt8]) {
        spans.append((bytes.count, text.count))
        bytes.append(bytesOf: text)
    }

    /// Bytes of a lead's document as a text; nil appends a nil text.
    mutating func append(_ text: UnsafeBufferPointer<UInt8>?) {
        guard let text else { return spans.append((bytes.count, -1)) }
        spans.append((bytes.count, text.count))
        bytes.append(contentsOf: text)
    }

    /// JSON written by `body` as a text.
    mutating func appendJSON(capacity: Int, _ body: (inout JSONWriter) -> Void) {
        var json = JSONWriter(capacity: capacity)
        body(&json)
        spans.append((bytes.count, json.count))
        json.finish(into: &bytes)
    }

    /// The first `count` texts of `other`, after these.
    mutating func append(_ other: PackedTexts, texts count: Int) {
        let shift = bytes.count
        let spans = other.spans.prefix(count)
        let end = spans.last.map { $0.start + max($0.count, 0) } ?? 0
        other.bytes.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<end])) }
        for span in spans { self.spans.append((span.count < 0 ? shift : span.start + shift, span.count)) }
    }

    /// No texts, their room kept.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
    }

    /// Text `index` within `buffer` (`bytes`' storage), nil for a nil text.
    func text(_ index: Int, in buffer: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let span = spans[index]
        guard span.count >= 0 else { return nil }
        return UnsafeBufferPointer(rebasing: buffer[span.start..<(span.start + span.count)])
    }
}
