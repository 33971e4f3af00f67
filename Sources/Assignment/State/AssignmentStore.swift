internal import CLinux
internal import CSQLite
import Foundation
import GRDB
internal import GRDBSQLite
import Glibc
import Synchronization

/// The assignment state: one SQLite file (`assignments.sqlite` in the state directory), in write-ahead-log mode.
///
/// Tables: `decisions` (every decision, and on the decision that made one, its opportunity: `ledger` is the view of
/// those, every assignment keyed by lead, in assignment order), `assignment_counts` (per rep and time, the
/// assignments it got then: what caps and loads count), `rotation` (per team and rep: the last ledger number it got
/// and its weighted-round-robin credit), `sticky` (recent owners by e-mail and domain) and `presence` (per team and
/// rep: whether it was away when last considered, and the load it rejoined at).
/// Each batch is one `BEGIN IMMEDIATE` transaction, so concurrent writers, in this process or another, take turns
/// and never see the same rotation state.
///
/// Durability: SQLite commits without syncing (`synchronous = NORMAL`: a crash of the process loses nothing, a
/// power cut can lose only the last commits, and the file stays sound), and `sync()` makes every commit so far
/// durable by syncing the log, outside the lock, so the next writer does not wait for the disk. `transaction`
/// syncs after each commit unless told not to; the daemon syncs once per input file, before the file is committed
/// (docs/protocol.md).
///
/// Checkpoints (copying the log's pages into the database file, then syncing it) are made by `sync()` too, on a
/// second connection, once the log has grown past `checkpointBytes`: SQLite's own checkpoint runs inside a commit,
/// holding the lock while it syncs the database file. SQLite's automatic checkpoint stays, at a larger log, for
/// writers that never call `sync()`.
public struct AssignmentStore: Sendable {
    let queue: DatabaseQueue
    /// The connection that checkpoints, outside the write lock (nil in memory).
    private let checkpointer: DatabaseQueue?
    /// Whether a checkpoint is running: a second caller of `sync()` does not wait for it.
    private let checkpointing = Box()
    /// The database file, or nil for a throw-away in-memory state (previews).
    public let path: String?
    /// Whether `sync()` has synced the state directory since the store was opened: once is enough, because the
    /// log it names stays while this store's connection is open.
    private let directorySynced = Box()

    final class Box: Sendable {
        let done = Mutex(false)
    }

    /// The number of pages in the log after the last commit of this store's connection, as SQLite reports it to
    /// the log hook (`walHook`): what `sync()` checkpoints by. The log file's size cannot tell, because a log started
    /// again after a checkpoint is overwritten from its beginning and keeps its size.
    final class LogPages: Sendable {
        let pages = Atomic(0)
    }

    private let logPages = LogPages()

    /// How many callers of `transaction` are in it or waiting for it (`isWriting`), and how many calls there were.
    final class Writers: Sendable {
        let count = Atomic(0)
        let calls = Atomic(0)
    }

    let writers = Writers()

    /// Whether a caller of this store is writing a batch, or waiting to: one with other work at hand (a daemon
    /// worker, which can read on) need not queue behind it. Writers in other processes are not seen.
    public var isWriting: Bool { writers.count.load(ordering: .relaxed) > 0 }

    /// The keys the state holds, remembered between batches (`KnownKeys`), when opened to remember them.
    let knownKeys: KnownKeys?
    /// The reps' counts of its last batch, remembered with the keys (`RememberedCounts`).
    let rememberedCounts: RememberedCounts?
    /// The sticky owners its last batches read or wrote, remembered with the keys (`RememberedSticky`).
    let rememberedSticky: RememberedSticky?
    /// The shared texts this process's batches wrote to `fragments` (`KnownFragments`).
    let knownFragments = KnownFragments()
    /// The statements its batches run many times, prepared once on its connection (`PreparedStatements`).
    let statements = PreparedStatements()
    /// The state file's page size (an older file may have other pages than `pageSize`).
    private let filePageSize: Int

    public static let fileName = "assignments.sqlite"
    /// The page size of a new state file, in bytes.
    static let pageSize = 16384
    /// How large the log may grow before `sync()` checkpoints it (16 MiB: a thousand pages of a new file).
    static let checkpointBytes = 16 << 20
    /// SQLite's automatic checkpoint, in pages: past `sync()`'s threshold, for writers that do not sync.
    static let automaticCheckpointPages = 8192
    /// The fewest keys the filter of the keys a state holds is made for (`KnownKeys`): 131,072, 256 KiB of bits. The
    /// filter is made again from every row of the state each time its keys double; from the 4,096 it was first made
    /// for, a new state's first hundred thousand leads cost some two reads of a row each (about 500 instructions a
    /// lead), to save a few hundred kilobytes.
    public static let keyCapacity = 1 << 17
    /// The most sticky owners a long-running process remembers between batches (`RememberedSticky`): 32,768, some
    /// 3 MiB (a key's bytes, its entry and the table's room for it).
    public static let stickyCapacity = 1 << 15

    /// Opens (creating if needed) the state in `directory`. A long-running process that records many batches (the
    /// daemon) asks it to remember the keys it holds (`KnownKeys`): its batches then look up only the leads and
    /// sticky keys the state may hold. Remembering costs a read of every lead and key the state holds, at the first
    /// batch. It also remembers each batch's counts and sticky owners for the next (`RememberedCounts`,
    /// `RememberedSticky`). `keyCapacity`: the fewest keys the remembered keys' filter is made for, and
    /// `stickyCapacity` the most sticky owners remembered (unless a test makes them smaller).
    public init(
        directory: String,
        remembersKeys: Bool = false,
        keyCapacity: Int = AssignmentStore.keyCapacity,
        stickyCapacity: Int = AssignmentStore.stickyCapacity
    ) throws {
        knownKeys = remembersKeys ? KnownKeys(minimumCapacity: keyCapacity) : nil
        rememberedCounts = remembersKeys ? RememberedCounts() : nil
        rememberedSticky = remembersKeys ? RememberedSticky(capacity: stickyCapacity) : nil
        _ = Self.configured
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            // Commits are synced by `sync()`, after the lock is released (see above).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A new file gets pages of 16 KiB (SQLite's default is 4 KiB): a batch's commit writes a quarter as
            // many frames to the log, each a system call or two made while holding the lock, and checkpoints come
            // a quarter as often. An existing file keeps its page size (docs/assignment.md says how to convert it).
            try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        // Every commit reports the log's pages to `walHook` (which also stands in for SQLite's automatic checkpoint,
        // whose hook it replaces). Retained for good: the connection may outlive this value.
        let logPages = self.logPages
        configuration.prepareDatabase { db in
            sqlite3_wal_hook(db.sqliteConnection, walHook, Unmanaged.passRetained(logPages).toOpaque())
        }
        // Opening a new file switches it to WAL and creates the tables; two processes doing that at once could see
        // SQLITE_BUSY (changing the journal mode does not wait), so opening is serialized with a lock file.
        let lockPath = (directory as NSString).appendingPathComponent(".assignments.open.lock")
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o664)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer {
            if lock >= 0 {
                flock(lock, LOCK_UN)
                close(lock)
            }
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        self.path = path
        try Self.migrator.migrate(queue)
        filePageSize = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? Self.pageSize
        var checkpointConfiguration = Configuration()
        checkpointConfiguration.busyMode = .timeout(30)
        checkpointer = try DatabaseQueue(path: path, configuration: checkpointConfiguration)
    }

    /// Whether the state file in `directory` exists and was made by an earlier leadd: opening it migrates it, which
    /// rewrites tables (about a second per 100,000 decisions), so a service manager may need to wait longer.
    public static func migrationPending(directory: String) -> Bool {
        _ = configured
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else { return false }
        var configuration = Configuration()
        configuration.readonly = true
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration) else { return false }
        return (try? queue.read { db in try !migrator.hasCompletedMigrations(db) }) ?? false
    }

    /// Whether SQLite was configured before the process's first connection (false when it was already in use):
    /// - to keep no statistics of its memory: it then takes no process-wide lock around each of its allocations
    ///   (about thirty per lead recorded, most inside the state's write lock); leadd reads none of them;
    /// - to keep statement journals in memory. Each multi-row insert inside a batch's transaction keeps the pages
    ///   it changes, to undo that statement alone should it fail; past 64 KiB (four pages) SQLite spilled them to a
    ///   temporary file in /var/tmp: some 110 MB written per 70,000 leads recorded, over 500 MB with every lead
    ///   assigned, for nothing (a failed statement fails its whole batch); and with no temporary folder writable, a
    ///   batch failed.
    static let configured =
        csqlite_memory_statistics_off() == SQLITE_OK && csqlite_statement_journals_in_memory() == SQLITE_OK

    /// An empty state in memory, for previews that must change nothing.
    public init() throws {
        knownKeys = nil
        rememberedCounts = nil
        rememberedSticky = nil
        _ = Self.configured
        queue = try DatabaseQueue()
        path = nil
        checkpointer = nil
        filePageSize = Self.pageSize
        try Self.migrator.migrate(queue)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ledger (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        lead TEXT NOT NULL UNIQUE,
                        at REAL NOT NULL,
                        team TEXT,
                        owner TEXT,
                        queue TEXT,
                        method TEXT NOT NULL,
                        rules_version TEXT NOT NULL,
                        record TEXT NOT NULL
                    );
                    CREATE INDEX ledger_owner_at ON ledger(owner, at);
                    CREATE TABLE rotation (
                        team TEXT NOT NULL,
                        rep TEXT NOT NULL,
                        last_seq INTEGER,
                        credit REAL NOT NULL DEFAULT 0,
                        PRIMARY KEY (team, rep)
                    ) WITHOUT ROWID;
                    CREATE TABLE sticky (
                        key TEXT PRIMARY KEY,
                        owner TEXT NOT NULL,
                        team TEXT,
                        at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE presence (
                        team TEXT NOT NULL,
                        rep TEXT NOT NULL,
                        away INTEGER NOT NULL,
                        returned_at REAL,
                        offset REAL NOT NULL DEFAULT 0,
                        PRIMARY KEY (team, rep)
                    ) WITHOUT ROWID;
                    """
            )
        }
        // Every decision and every outcome update, for reports and history (`leadd report`), and the first-contact
        // due time of each opportunity as a column.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE decisions (
                        claim TEXT NOT NULL,
                        record INTEGER NOT NULL,
                        lead TEXT,
                        at REAL NOT NULL,
                        file TEXT NOT NULL,
                        line INTEGER NOT NULL,
                        rules_version TEXT NOT NULL,
                        source TEXT,
                        stage TEXT NOT NULL,
                        route TEXT NOT NULL,
                        grade TEXT,
                        score REAL NOT NULL,
                        scores TEXT NOT NULL,
                        rules TEXT NOT NULL,
                        PRIMARY KEY (claim, record)
                    ) WITHOUT ROWID;
                    CREATE INDEX decisions_lead ON decisions(lead);
                    CREATE TABLE outcomes (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        lead TEXT NOT NULL,
                        stage TEXT NOT NULL,
                        at REAL NOT NULL,
                        amount REAL,
                        currency TEXT,
                        reason TEXT,
                        claim TEXT NOT NULL,
                        record INTEGER NOT NULL,
                        UNIQUE (lead, stage)
                    );
                    ALTER TABLE ledger ADD COLUMN due REAL;
                    """
            )
        }
        // The ledger without AUTOINCREMENT, which read and wrote `sqlite_sequence` on every insert. Rows are never
        // deleted from the ledger, so a new row's `seq` is still one more than any before it; rows keep theirs.
        migrator.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ledger_v3 (
                        seq INTEGER PRIMARY KEY,
                        lead TEXT NOT NULL UNIQUE,
                        at REAL NOT NULL,
                        team TEXT,
                        owner TEXT,
                        queue TEXT,
                        method TEXT NOT NULL,
                        rules_version TEXT NOT NULL,
                        record TEXT NOT NULL,
                        due REAL
                    );
                    INSERT INTO ledger_v3 (seq, lead, at, team, owner, queue, method, rules_version, record, due)
                        SELECT seq, lead, at, team, owner, queue, method, rules_version, record, due
                        FROM ledger ORDER BY seq;
                    DROP TABLE ledger;
                    ALTER TABLE ledger_v3 RENAME TO ledger;
                    CREATE INDEX ledger_owner_at ON ledger(owner, at);
                    DELETE FROM sqlite_sequence WHERE name = 'ledger';
                    """
            )
        }
        // Decisions keyed by one integer, the claim's number in `claims` times 2^32 plus the record number, so
        // that a batch's rows are appended at the end of the table rather than inserted into a tree sorted by
        // claim text: cheaper per row, and the (claim, record) key still makes reprocessing write nothing twice.
        migrator.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    CREATE TABLE claims (
                        id INTEGER PRIMARY KEY,
                        claim TEXT NOT NULL UNIQUE
                    );
                    INSERT INTO claims (claim) SELECT claim FROM decisions GROUP BY claim ORDER BY min(at), claim;
                    CREATE TABLE decisions_v4 (
                        id INTEGER PRIMARY KEY,
                        record INTEGER NOT NULL,
                        lead TEXT,
                        at REAL NOT NULL,
                        file TEXT NOT NULL,
                        line INTEGER NOT NULL,
                        rules_version TEXT NOT NULL,
                        source TEXT,
                        stage TEXT NOT NULL,
                        route TEXT NOT NULL,
                        grade TEXT,
                        score REAL NOT NULL,
                        scores TEXT NOT NULL,
                        rules TEXT NOT NULL
                    );
                    INSERT INTO decisions_v4
                        (id, record, lead, at, file, line, rules_version, source, stage, route, grade, score, scores,
                         rules)
                        SELECT (claims.id << 32) + decisions.record, decisions.record, lead, at, file, line,
                            rules_version, source, stage, route, grade, score, scores, rules
                        FROM decisions JOIN claims USING (claim) ORDER BY 1;
                    DROP TABLE decisions;
                    ALTER TABLE decisions_v4 RENAME TO decisions;
                    CREATE INDEX decisions_lead ON decisions(lead);
                    """
            )
        }
        // The owners' index without the queued leads: only assignments with an owner are ever counted (caps, load
        // windows), and a bulk import that fills every cap queues most of its leads, each of which cost an entry.
        migrator.registerMigration("v5") { db in
            try db.execute(
                sql: """
                    DROP INDEX ledger_owner_at;
                    CREATE INDEX ledger_owner_at ON ledger(owner, at) WHERE owner IS NOT NULL;
                    """
            )
        }
        // Texts shared by many opportunity records, stored once: a record in the ledger refers to each by its hash
        // (`SharedText`). Records stored before stay whole.
        migrator.registerMigration("v6") { db in
            try db.execute(
                sql: """
                    CREATE TABLE fragments (
                        hash INTEGER PRIMARY KEY,
                        text TEXT NOT NULL
                    );
                    """
            )
        }
        // An opportunity kept on its lead's decision row: `decisions` gains the ledger's columns, and `ledger`
        // becomes a view of the decisions that made an opportunity. A decided lead then costs one row and one
        // index entry for its lead, where it cost two of each. The ledger's rows move onto their decisions (the
        // lead's first decision at the same time), keeping their `seq`; those without one (states from before
        // `decisions`, leads without an id) stay in `ledger_rows`, which the view also reads and nothing writes any
        // more. A decision's key orders decisions by input, not by time across inputs decided at once, so the
        // ledger's order is its own `opportunity_seq`, numbered from `counters`.
        migrator.registerMigration("v7") { db in
            try db.execute(
                sql: """
                    ALTER TABLE decisions ADD COLUMN team TEXT;
                    ALTER TABLE decisions ADD COLUMN owner TEXT;
                    ALTER TABLE decisions ADD COLUMN queue TEXT;
                    ALTER TABLE decisions ADD COLUMN method TEXT;
                    ALTER TABLE decisions ADD COLUMN due REAL;
                    ALTER TABLE decisions ADD COLUMN opportunity TEXT;
                    ALTER TABLE decisions ADD COLUMN opportunity_seq INTEGER;
                    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO counters (name, value) SELECT 'ledger', coalesce(max(seq), 0) FROM ledger;
                    UPDATE decisions
                        SET team = l.team, owner = l.owner, queue = l.queue, method = l.method, due = l.due,
                            opportunity = l.record, opportunity_seq = l.seq
                        FROM ledger AS l
                        WHERE decisions.id = (SELECT min(d.id) FROM decisions AS d WHERE d.lead = l.lead AND d.at = l.at);
                    DELETE FROM ledger WHERE lead IN (SELECT lead FROM decisions WHERE opportunity IS NOT NULL);
                    ALTER TABLE ledger RENAME TO ledger_rows;
                    CREATE INDEX decisions_owner_at ON decisions(owner, at) WHERE owner IS NOT NULL;
                    CREATE VIEW ledger (seq, lead, at, team, owner, queue, method, rules_version, record, due) AS
                        SELECT seq, lead, at, team, owner, queue, method, rules_version, record, due FROM ledger_rows
                        UNION ALL
                        SELECT opportunity_seq, lead, at, team, owner, queue, method, rules_version, opportunity, due
                        FROM decisions WHERE opportunity IS NOT NULL;
                    """
            )
        }
        // Each rep's assignments counted by the time they were made, which caps and loads count
        // (`AssignmentSession.recorded`): a batch adds a row per rep and time (a batch is decided at one time), where
        // the owners' indexes took an entry per assigned lead, some 6,000 instructions each and a page of the log
        // for every few hundred. Counted here from the ledger, its rows from before decisions held them included;
        // the indexes that counted them go.
        migrator.registerMigration("v8") { db in
            try db.execute(
                sql: """
                    CREATE TABLE assignment_counts (
                        owner TEXT NOT NULL,
                        at REAL NOT NULL,
                        count INTEGER NOT NULL,
                        PRIMARY KEY (owner, at)
                    ) WITHOUT ROWID;
                    INSERT INTO assignment_counts (owner, at, count)
                        SELECT owner, at, COUNT(*) FROM ledger WHERE owner IS NOT NULL GROUP BY owner, at;
                    DROP INDEX IF EXISTS decisions_owner_at;
                    DROP INDEX IF EXISTS ledger_owner_at;
                    """
            )
        }
        // A sticky key is its owner's since the time of its last assignment: the team that assignment came through
        // is not part of it (nothing reads it), and a lead of another team given to the same owner at the same time
        // would write the row again only to change it.
        migrator.registerMigration("v9") { db in
            try db.execute(sql: "ALTER TABLE sticky DROP COLUMN team")
        }
        return migrator
    }

    /// The largest record number a decision's key holds (its low 32 bits).
    static let recordLimit = 1 << 32

    /// Runs `body` in one immediate write transaction: committed when it returns, rolled back when it throws or
    /// when `commit` is false. A commit is synced to disk before this returns, unless `sync` is false (the caller
    /// then calls `sync()` before it relies on the commit).
    func transaction<T>(commit: Bool = true, sync: Bool = true, _ body: (Database) throws -> T) throws -> T {
        var result: T?
        writers.count.add(1, ordering: .relaxed)
        writers.calls.add(1, ordering: .relaxed)
        defer { writers.count.subtract(1, ordering: .relaxed) }
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                result = try body(db)
                return commit ? .commit : .rollback
            }
        }
        // `inTransaction` ran the body, or threw.
        guard let result else { throw DatabaseError(message: "the transaction did not run") }
        if commit {
            if sync { try self.sync() } else { startWritingBack() }
        }
        return result
    }

    /// Asks the disk to start writing the log back, and returns without waiting: commits left for a later `sync()`
    /// are then mostly written by the time it comes, while the caller goes on working. A hint, which makes nothing
    /// durable; when the log cannot be opened, `sync()` finds out.
    func startWritingBack() {
        guard let path else { return }
        let log = open(path + "-wal", O_RDONLY | O_CLOEXEC)
        guard log >= 0 else { return }
        _ = clinux_start_writeback(log, 0, 0)
        close(log)
    }

    /// Makes every commit so far durable: syncs the write-ahead log (where commits go until a checkpoint, which
    /// syncs the database file itself), and the first time, the state directory (the log's name). Runs outside the
    /// database's lock. Nothing to do for an in-memory state, or when there is no log (everything is in the database file).
    public func sync() throws {
        guard let path else { return }
        let log = open(path + "-wal", O_RDONLY | O_CLOEXEC)
        if log < 0 {
            if errno == ENOENT { return }
            throw DatabaseError(message: "cannot open \(path)-wal to sync it: \(String(cString: strerror(errno)))")
        }
        defer { close(log) }
        // Data and size, as SQLite syncs its log itself: not the modification time, which would cost a journal
        // commit each time.
        guard fdatasync(log) == 0 else {
            throw DatabaseError(message: "cannot sync \(path)-wal: \(String(cString: strerror(errno)))")
        }
        // Each page is a frame of the log, with a 24-byte header.
        if logPages.pages.load(ordering: .relaxed) * (filePageSize + 24) >= Self.checkpointBytes { try checkpoint() }
        guard !directorySynced.done.withLock({ $0 }) else { return }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return }
        defer { close(directory) }
        guard fsync(directory) == 0 else {
            throw DatabaseError(message: "cannot sync the state directory: \(String(cString: strerror(errno)))")
        }
        directorySynced.done.withLock { $0 = true }
    }

    /// Copies the log's committed pages into the database file and syncs it, on the checkpoint connection, without
    /// the write lock: writers go on meanwhile (a passive checkpoint takes what is committed and waits for no one).
    /// Skipped while another caller is checkpointing. Once every page is copied, the next commit starts the log
    /// from its beginning again.
    func checkpoint() throws {
        guard let checkpointer else { return }
        let claimed = checkpointing.done.withLock { running in
            if running { return false }
            running = true
            return true
        }
        guard claimed else { return }
        defer { checkpointing.done.withLock { $0 = false } }
        do {
            _ = try checkpointer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            // Another process is checkpointing: it does the same work.
        }
    }

    /// SQLite's own check of the file: `["ok"]` when the database is sound.
    public func integrityCheck() throws -> [String] {
        try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// Reads without writing.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.read(body)
    }
}

/// SQLite's log hook, called after each commit with the number of pages in the log: records it for `sync()`, and
/// checkpoints as SQLite's automatic checkpoint would (past `automaticCheckpointPages`) for writers that never sync.
private func walHook(
    _ context: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ name: UnsafePointer<CChar>?,
    _ pages: Int32
) -> Int32 {
    if let context {
        Unmanaged<AssignmentStore.LogPages>.fromOpaque(context).takeUnretainedValue().pages.store(
            Int(pages),
            ordering: .relaxed
        )
    }
    if pages >= AssignmentStore.automaticCheckpointPages { sqlite3_wal_checkpoint(connection, name) }
    return SQLITE_OK
}
