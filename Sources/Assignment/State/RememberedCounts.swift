import Synchronization

/// The counts of each rep's assignments in the ranges a process's last batch counted (its day and week for caps,
/// its load window), remembered between batches by a long-running process: the next batch derives its counts from
/// them, counting in the state only the rows between the old range and the new one, instead of every row of the
/// range (a week of a busy rep's leads, per rep and batch).
///
/// They hold for the state as the batch that kept them left it: they are tagged with the ledger's last number
/// after that batch (`counters`) and the state's `PRAGMA data_version` on this process's connection. Every batch
/// that makes an opportunity moves that number on, and a batch that rolled back leaves it where it was; another
/// connection's commit (a `leadd assign` beside the daemon) moves the version on. A batch that finds another
/// number or version counts in the state, as without them. Batches that are rolled back on purpose (previews)
/// keep none.
final class RememberedCounts: Sendable {
    struct Counts: Sendable {
        /// The ledger's last number and the state's data version they hold for.
        var tag: Int64
        var version: Int64
        /// Per rep (by index in the plan), the ranges counted and their counts.
        var ranges: [[AssignmentSession.RangeCount]]
    }

    private let kept = Mutex<Counts?>(nil)

    /// The counts kept for the ledger as it is at `tag` and `version`, if any.
    func counts(at tag: Int64, version: Int64) -> Counts? {
        kept.withLock { kept in kept?.tag == tag && kept?.version == version ? kept : nil }
    }

    /// Keeps counts for the next batch; called inside the batch's transaction (the tag tells whether it committed).
    func keep(_ counts: Counts) {
        kept.withLock { $0 = counts }
    }
}

extension AssignmentSession.RangeCount {
    /// The count of [from, until) from this one, counting only the rows between the two ranges (`count` gives the
    /// rows of a range in the state): nil when the ranges do not overlap.
    func derived(from: Double, until: Double, _ count: (Double, Double) throws -> Int) rethrows -> Int? {
        guard from < self.until, self.from < until else { return nil }
        var total = self.count
        if from < self.from { total += try count(from, self.from) }
        if self.from < from { total -= try count(self.from, from) }
        if self.until < until { total += try count(self.until, until) }
        if until < self.until { total -= try count(until, self.until) }
        return total
    }
}
