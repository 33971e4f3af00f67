import Glibc
public import Rules

/// One pass over a spool: recover what a crash left, then take every settled file in the inbox and process it.
/// `leadd run --once` is this; the daemon runs the same steps as files arrive.
public struct SpoolRun: Sendable {
    public let spool: Spool
    public let processor: FileProcessor
    /// How long a file's size and modification time must stay the same, from when it was first seen.
    public let settle: Double
    let ids = ClaimIDs()

    public init(spool: Spool, processor: FileProcessor, settle: Double = 0.5) {
        self.spool = spool
        self.processor = processor
        self.settle = settle
    }

    /// The outcome of each file processed, recovered ones first.
    public func once(now: () -> Double) throws(FileSystemError) -> (Recovery, [FileProcessor.Outcome]) {
        let (recovery, unfinished) = try Recovery.run(spool)
        var outcomes: [FileProcessor.Outcome] = []
        for file in unfinished { outcomes.append(try processor.process(file, now: now())) }
        // Settle: a name is taken only when its signature is the same after `settle` seconds.
        var seen: [String: Inbox.Signature] = [:]
        for name in try Inbox.candidates(spool) {
            if let signature = Inbox.signature(spool.inbox + "/" + name) { seen[name] = signature }
        }
        if !seen.isEmpty && settle > 0 { usleep(useconds_t(settle * 1_000_000)) }
        for name in seen.keys.sorted() {
            guard Inbox.signature(spool.inbox + "/" + name) == seen[name] else { continue }
            guard let file = try ClaimedFile.claim(name, in: spool, id: ids.next()) else { continue }
            outcomes.append(try processor.process(file, now: now()))
        }
        return (recovery, outcomes)
    }
}
