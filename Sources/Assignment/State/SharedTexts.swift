import GRDB
internal import GRDBSQLite
import Glibc
import Leads
import Synchronization

/// A text that many opportunity records carry word for word (a team's reason steps, a rep's name and address, a
/// playbook): the ledger keeps it once, in the `fragments` table, keyed by a hash of its bytes, and each record
/// refers to it there.
///
/// A record in the ledger is its JSON with each such text replaced by a reference: the byte 0x01, then the
/// text's hash as 16 lower-case hex digits. JSON written by leadd never holds a raw control byte (they are
/// escaped inside strings), so a record without 0x01 is plain JSON, as every record was before (they are read as
/// they are). A kilobyte of record becomes about 400 bytes, which the state writes twice (log, then database
/// file).
struct SharedText: @unchecked Sendable {
    /// The text's bytes, kept in the arena that made it (`KeyArena`): the plan's texts in their `Texts`', a batch's
    /// in its session's, which outlive every use. Copied and read without a reference count: every lead's reasons
    /// read several of these.
    let bytes: UnsafeBufferPointer<UInt8>
    /// `hash(_:)` of `bytes`; 0 for a text that is not `shareable`, whose hash nothing reads.
    let hash: UInt64

    /// False for a text written whole in each record (its hash is taken by another text, or records are stored
    /// whole): `ReasonChain.append` then copies it without marking it.
    let shareable: Bool

    /// `bytes`, copied to `arena`.
    init(_ bytes: UnsafeBufferPointer<UInt8>, shareable: Bool = true, in arena: KeyArena) {
        self.bytes = arena.copy(bytes)
        self.shareable = shareable
        hash = shareable ? Self.hash(bytes) : 0
    }

    init(_ bytes: [UInt8], shareable: Bool = true, in arena: KeyArena) {
        self = bytes.withUnsafeBufferPointer { SharedText($0, shareable: shareable, in: arena) }
    }

    /// FNV-1a's steps over `bytes` eight at a time (each eight a little-endian number), then over the last few one
    /// by one, then mixed (so that every bit of the result depends on every byte): 64 bits. A run of steps (some 700
    /// bytes) costs a multiply per eight bytes, where FNV-1a byte by byte, which leadd used before, waited on one
    /// per byte. Stored (the key of `fragments`, in every reference), so it stays as it is; texts stored under the
    /// byte-wise hash keep it, and their records find them by it.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let raw = UnsafeRawBufferPointer(bytes)
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        let words = raw.count / 8
        for index in 0..<words {
            hash ^= UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            hash = hash &* 0x0000_0100_0000_01B3
        }
        for index in (words * 8)..<raw.count {
            hash ^= UInt64(raw[index])
            hash = hash &* 0x0000_0100_0000_01B3
        }
        hash ^= UInt64(raw.count)
        hash ^= hash >> 33
        hash = hash &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        return hash
    }

    /// What marks a reference in a stored record.
    static let marker: UInt8 = 0x01
    /// A reference's length: the marker and 16 hex digits.
    static let referenceLength = 17

    /// Appends a reference to the text hashed `hash`.
    static func appendReference(_ hash: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: referenceLength) { reference in
            guard let base = reference.baseAddress else { return }
            writeReference(hash, to: base)
            out.append(contentsOf: UnsafeBufferPointer(reference))
        }
    }

    /// Writes a reference's `referenceLength` bytes at `out`.
    @inline(__always)
    static func writeReference(_ hash: UInt64, to out: UnsafeMutablePointer<UInt8>) {
        out[0] = marker
        // Each half's eight nibbles spread to eight bytes, most significant first (the first byte in memory is the
        // lowest), then made digits: a nibble of 10 or more gets 'a' - 10, the others '0'.
        func digits(_ half: UInt64) -> UInt64 {
            var spread = half & 0xFFFF_FFFF
            spread = (spread | (spread << 16)) & 0x0000_FFFF_0000_FFFF
            spread = (spread | (spread << 8)) & 0x00FF_00FF_00FF_00FF
            spread = (spread | (spread << 4)) & 0x0F0F_0F0F_0F0F_0F0F
            // Most significant nibble in the lowest byte.
            spread = spread.byteSwapped
            let letters = ((spread &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
            return spread &+ 0x3030_3030_3030_3030 &+ letters &* 0x27
        }
        let raw = UnsafeMutableRawPointer(out + 1)
        raw.storeBytes(of: digits(hash >> 32).littleEndian, as: UInt64.self)
        raw.storeBytes(of: digits(hash).littleEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// The hashes a stored record refers to, in order; empty for plain JSON. Nil when a reference is cut short or
    /// not hex.
    static func references(in stored: [UInt8]) -> [UInt64]? {
        var hashes: [UInt64] = []
        var index = 0
        while index < stored.count {
            guard stored[index] == marker else {
                index += 1
                continue
            }
            guard let hash = hexHash(stored, at: index + 1) else { return nil }
            hashes.append(hash)
            index += referenceLength
        }
        return hashes
    }

    /// The stored record with each reference replaced by its text from `texts`; nil when one is not there.
    static func expand(_ stored: [UInt8], texts: [UInt64: [UInt8]]) -> [UInt8]? {
        guard stored.contains(marker) else { return stored }
        var out: [UInt8] = []
        out.reserveCapacity(stored.count * 3)
        var index = 0
        while index < stored.count {
            guard stored[index] == marker else {
                out.append(stored[index])
                index += 1
                continue
            }
            guard let hash = hexHash(stored, at: index + 1), let text = texts[hash] else { return nil }
            out.append(contentsOf: text)
            index += referenceLength
        }
        return out
    }

    private static func hexHash(_ bytes: [UInt8], at start: Int) -> UInt64? {
        guard start + 16 <= bytes.count else { return nil }
        var hash: UInt64 = 0
        for byte in bytes[start..<(start + 16)] {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            hash = hash << 4 | UInt64(digit)
        }
        return hash
    }

    /// Writes `texts` to the state's `fragments` table (those already there stay) and says whether every one of
    /// them is there with its own bytes: false when another text has the same hash (two texts of one plan, or a
    /// text already stored), and records must then be stored whole.
    static func register(_ texts: [SharedText], _ db: Database) throws -> Bool {
        var seen: [UInt64: [UInt8]] = [:]
        for text in texts {
            if let other = seen[text.hash] {
                if !other.elementsEqual(text.bytes) { return false }
                continue
            }
            seen[text.hash] = Array(text.bytes)
        }
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO fragments (hash, text) VALUES (?, ?)")
        let select = try db.cachedStatement(sql: "SELECT text FROM fragments WHERE hash = ?")
        for (hash, bytes) in seen {
            var row = RowWriter(insert)
            row.integer(Int(bitPattern: UInt(hash)))
            row.text(bytes)
            try row.execute(db)
            // Inserted: the row holds these bytes. Ignored: a row with this hash was there, and is read to compare.
            if sqlite3_changes(db.sqliteConnection) == 1 { continue }
            var query = RowWriter(select)
            query.integer(Int(bitPattern: UInt(hash)))
            var same = false
            try query.rows(db) { row in same = RowWriter.bytes(row, 0) == bytes }
            if !same { return false }
        }
        return true
    }

    /// `register` of one text (a batch's step that many records will carry, `AssignmentSession.sharedStep`), through
    /// the store's prepared statements: what it does for an array, without the array, the dictionary of the texts
    /// seen, or GRDB's cache.
    static func register(_ text: SharedText, statements: PreparedStatements, _ db: Database) throws -> Bool {
        var insert = RowWriter(
            try statements.statement(.fragmentInsert, db) {
                "INSERT OR IGNORE INTO fragments (hash, text) VALUES (?, ?)"
            }
        )
        defer { insert.unbind() }
        insert.integer(Int(bitPattern: UInt(text.hash)))
        insert.text(borrowing: text.bytes)
        try insert.execute(db)
        // Inserted: the row holds these bytes. Ignored: a row with this hash was there, and is read to compare.
        if sqlite3_changes(db.sqliteConnection) == 1 { return true }
        var query = RowWriter(
            try statements.statement(.fragmentLookup, db) { "SELECT text FROM fragments WHERE hash = ?" }
        )
        query.integer(Int(bitPattern: UInt(text.hash)))
        var same = false
        try query.rows(db) { row in same = RowWriter.bytes(row, 0)?.elementsEqual(text.bytes) == true }
        return same
    }

    /// The stored texts with these hashes (those found).
    static func fetch(_ hashes: some Sequence<UInt64>, _ db: Database) throws -> [UInt64: [UInt8]] {
        var texts: [UInt64: [UInt8]] = [:]
        let select = try db.cachedStatement(sql: "SELECT text FROM fragments WHERE hash = ?")
        for hash in hashes where texts[hash] == nil {
            var query = RowWriter(select)
            query.integer(Int(bitPattern: UInt(hash)))
            try query.rows(db) { row in
                if let bytes = RowWriter.bytes(row, 0) { texts[hash] = bytes }
            }
        }
        return texts
    }
}

extension SharedText {
    /// Whether `a` and `b` are the same bytes, compared with `memcmp`: element by element, a run of steps costs
    /// thousands of instructions. Keys compare with `memcmp` too (`ArenaKey`).
    static func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return a.isEmpty }
        return memcmp(x, y, a.count) == 0
    }
}

/// The shared texts a process's committed batches wrote to the state's `fragments` table (or found there with the
/// same bytes), with their bytes: a batch that makes the same text again (a company's sticky step, a run of steps,
/// every day's heads) refers to it without writing it again and reading it back. Learnt only after the batch that
/// wrote them committed (`Ledger.record`), so a batch rolled back leaves no text the state does not hold. Nothing
/// removes a row of `fragments`. Made empty again past `limit` texts.
final class KnownFragments: Sendable {
    private let texts = Mutex<[UInt64: [UInt8]]>([:])
    static let limit = 1 << 16

    /// Whether `text` is in the state, with its bytes.
    func contains(_ text: SharedText) -> Bool {
        texts.withLock { texts in
            guard let known = texts[text.hash] else { return false }
            return known.withUnsafeBufferPointer { SharedText.sameBytes($0, text.bytes) }
        }
    }

    /// Texts a committed batch wrote, by hash (copies: the batch's own texts go with its session).
    func learn(_ learnt: [(hash: UInt64, bytes: [UInt8])]) {
        guard !learnt.isEmpty else { return }
        texts.withLock { texts in
            if texts.count + learnt.count > Self.limit { texts.removeAll() }
            for text in learnt { texts[text.hash] = text.bytes }
        }
    }
}
