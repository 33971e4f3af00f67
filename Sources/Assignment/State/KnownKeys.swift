internal import CSQLite
import GRDB
internal import GRDBSQLite
import Synchronization

/// The keys a state holds, remembered between batches by a long-running process: the leads of its ledger and the
/// keys of its sticky owners, as a Bloom filter of their hashes (`HashedKey.hash`). A batch then looks up in the state
/// only the keys the filter may hold: a new lead (nearly every lead) costs no lookup of the ledger and none of the
/// sticky table.
///
/// The filter never misses a key the state holds: it is made from the state's tables, and every batch adds the
/// keys it writes. A key it holds that the state does not (another key with the same bits, or a batch rolled back)
/// only costs a lookup. Another connection's commit (a `leadd assign` beside the daemon) makes the state's
/// `PRAGMA data_version` change: the filter is then made again, as it is when it fills up.
final class KnownKeys: Sendable {
    private let filter = Mutex<Filter?>(nil)
    /// The fewest keys a filter is made for (`made`; `AssignmentStore.keyCapacity` unless a test says otherwise).
    let minimumCapacity: Int

    init(minimumCapacity: Int) {
        self.minimumCapacity = minimumCapacity
    }

    struct Filter: Sendable {
        var words: [UInt64]
        /// The number of bits less one (a power of two).
        var mask: UInt64
        var count = 0
        /// How many keys it holds before it is made again, larger: 16 bits per key, at most about a fifth of them
        /// set, so that a key it never saw passes for a known one (and is looked up) at most about once in 370.
        var capacity: Int
        /// The state's `PRAGMA data_version` it was made or last kept at, on this process's connection.
        var version: Int64

        init(capacity: Int, version: Int64) {
            var bits = 1 << 16
            while bits < 16 * capacity { bits <<= 1 }
            words = Array(repeating: 0, count: bits / 64)
            mask = UInt64(bits - 1)
            self.capacity = bits / 16
            self.version = version
        }

        /// Four bits per key, all in one block of 512 (a cache line): a key costs one read from memory, not four (the
        /// filter is large, and a batch's other work pushes it out of the caches between lookups). The key's hash
        /// is mixed again, so that the filter's bits do not depend on how well it spreads: its low bits pick the
        /// block, 36 of its high bits the four bits in it.
        @inline(__always)
        static func mixed(_ hash: UInt64) -> UInt64 {
            var mixed = hash ^ (hash >> 33)
            mixed = mixed &* 0xFF51_AFD7_ED55_8CCD
            mixed ^= mixed >> 33
            mixed = mixed &* 0xC4CE_B9FE_1A85_EC53
            mixed ^= mixed >> 33
            return mixed
        }

        /// The first word of `hash`'s block, and the hash mixed again, whose bits 28 to 63 are the bits in it.
        @inline(__always)
        func block(_ hash: UInt64) -> (first: Int, mixed: UInt64) {
            let mixed = Self.mixed(hash)
            return (Int(truncatingIfNeeded: (mixed & mask) >> 9) << 3, mixed)
        }

        func mayContain(_ hash: UInt64) -> Bool {
            let (first, mixed) = block(hash)
            return words.withUnsafeBufferPointer { words in
                for probe in 0..<UInt64(4) {
                    let bit = (mixed >> (28 + 9 * probe)) & 511
                    if words[first + Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
                }
                return true
            }
        }

        mutating func insert(_ hash: UInt64) {
            let (first, mixed) = block(hash)
            for probe in 0..<UInt64(4) {
                let bit = (mixed >> (28 + 9 * probe)) & 511
                words[first + Int(bit >> 6)] |= 1 << (bit & 63)
            }
            count += 1
        }
    }

    /// The filter for the state as `db` sees it, made from its tables when there is none yet, when another
    /// connection changed the state since, or when the last one filled up. Taken, not copied: the batch holds the
    /// only copy, so that adding its keys does not copy the whole filter, and gives it back (`keep`). A batch that
    /// fails before it does leaves none, and the next makes it again.
    func current(_ db: Database) throws -> Filter {
        let version = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? -1
        let kept = filter.withLock { filter in
            defer { filter = nil }
            return filter
        }
        if let kept, kept.version == version, kept.count <= kept.capacity {
            return kept
        }
        return try Self.made(db, version: version, minimumCapacity: minimumCapacity)
    }

    /// Keeps `updated` (the filter a batch took, with the keys it wrote) for the next batch. Called inside the
    /// batch's transaction: should it roll back, the keys stay in the filter, which only costs lookups.
    func keep(_ updated: Filter) {
        filter.withLock { $0 = updated }
    }

    /// The filter of every lead in `decisions` (those with an opportunity among them) and `ledger_rows`, and of
    /// every key of `sticky`, sized for twice as many, and for at least `minimumCapacity`.
    static func made(_ db: Database, version: Int64, minimumCapacity: Int) throws -> Filter {
        var hashes: [UInt64] = []
        for query in [
            "SELECT lead FROM decisions WHERE lead IS NOT NULL", "SELECT lead FROM ledger_rows",
            "SELECT key FROM sticky",
        ] {
            try RowWriter(db.cachedStatement(sql: query)).rows(db) { row in
                guard let text = sqlite3_column_text(row, 0) else { return }
                hashes.append(
                    HashedKey.hash(UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(row, 0))))
                )
            }
        }
        var filter = Filter(capacity: max(2 * hashes.count, minimumCapacity), version: version)
        for hash in hashes { filter.insert(hash) }
        return filter
    }
}
