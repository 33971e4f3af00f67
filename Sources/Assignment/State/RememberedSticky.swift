import Synchronization

/// The sticky owners a process's last batches read from the state or wrote to it, remembered between batches by a
/// long-running process (the daemon): a batch takes a key's owner from here, where it would look it up in the state.
/// A contact who comes back (a second form, a scan at an event after a web form, a file's leads that share a
/// domain) costs a lookup in memory.
///
/// They hold for the state as the batch that kept them left it, tagged as `RememberedCounts` are: with the ledger's
/// last number after that batch (`counters`) and the state's `PRAGMA data_version` on this process's connection.
/// A batch that writes a sticky row makes an opportunity, so moves that number on; a batch rolled back leaves it
/// where it was; another connection's commit (a `leadd assign` beside the daemon, a hand edit) moves the version on.
/// A batch takes them, so they are its alone, and keeps them back with its own keys once its rows are written; a
/// batch that fails before then keeps none, and the next one looks its keys up in the state. Batches rolled back on
/// purpose (previews) neither take nor keep them.
final class RememberedSticky: Sendable {
    /// A key's owner (an index in `Owners.reps`) and when it was last assigned to them.
    struct Entry {
        var rep: Int32
        var at: Double
    }

    /// The owners of keys, as the state held them at `tag` and `version`. The keys' bytes are in `arena`, which
    /// lives as long as the value does; the value moves whole from batch to batch, under the lock.
    struct Owners: @unchecked Sendable {
        var tag: Int64
        var version: Int64
        /// The owners' ids (a rep's index in the plan may change when the rules are reloaded; its id does not).
        var reps: [String] = []
        var repIndex: [String: Int32] = [:]
        var keys: [ArenaKey: Entry] = [:]
        let arena = KeyArena(capacity: 1 << 16)

        init(tag: Int64, version: Int64) {
            self.tag = tag
            self.version = version
        }

        /// The index of the owner `id` in `reps`, added when new.
        mutating func rep(_ id: String) -> Int32 {
            if let index = repIndex[id] { return index }
            reps.append(id)
            repIndex[id] = Int32(reps.count - 1)
            return Int32(reps.count - 1)
        }

        /// Sets `key`'s owner, its bytes copied into the arena when it is new here.
        mutating func set(_ key: ArenaKey, _ entry: Entry) {
            if let index = keys.index(forKey: key) {
                keys.values[index] = entry
            } else {
                keys[arena.copy(key)] = entry
            }
        }
    }

    private let kept = Mutex<Owners?>(nil)
    /// The most keys remembered: a batch that would take them past it starts them again from its own keys.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The owners kept for the state as it is at `tag` and `version`, taken: nil when none are kept, or when they
    /// were kept for another state (they are then dropped).
    func take(at tag: Int64, version: Int64) -> Owners? {
        kept.withLock { kept in
            let owners = kept.take()
            guard let owners, owners.tag == tag, owners.version == version else { return nil }
            return owners
        }
    }

    /// How many keys' owners are kept for the state as it is at `tag` and `version` (none when they were kept for
    /// another state).
    func count(at tag: Int64, version: Int64) -> Int {
        kept.withLock { kept in kept.map { $0.tag == tag && $0.version == version ? $0.keys.count : 0 } ?? 0 }
    }

    /// Keeps owners for the next batch; called inside the batch's transaction (the tag tells whether it committed).
    func keep(_ owners: Owners) {
        kept.withLock { $0 = owners }
    }
}
