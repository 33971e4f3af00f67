internal import CLinux
import Glibc
import Synchronization

/// The inbox as leadd sees it: which names are lead files to take, and whether a file has stopped changing.
public enum Inbox {
    /// Names producers use while writing: dot-names, `*.tmp`, `*.part`, `*.swp`, `*~`. Never taken.
    public static func isIgnored(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix(".tmp") || name.hasSuffix(".part") || name.hasSuffix(".swp")
            || name.hasSuffix("~")
    }

    /// What identifies a file's content for settling: inode, size and modification time.
    public struct Signature: Sendable, Hashable {
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var modifiedNanos: Int64
    }

    /// The signature of `inbox/name`, without following a symlink; nil when it is gone.
    public static func signature(_ path: String) -> Signature? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Signature(
            inode: UInt64(info.st_ino),
            size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec),
            modifiedNanos: Int64(info.st_mtim.tv_nsec)
        )
    }

    /// The names in the inbox to consider, in name order.
    public static func candidates(_ spool: Spool) throws(FileSystemError) -> [String] {
        try DurableFiles.entries(spool.inbox).filter { !isIgnored($0) }
    }
}

/// Claim IDs: the claim time in nanoseconds (19 digits, so they sort by time), the process id and a counter.
public struct ClaimIDs: Sendable {
    let pid = getpid()
    let counter = Counter()

    public init() {}

    final class Counter: Sendable {
        private let value = Atomic<Int>(0)

        func next() -> Int { value.add(1, ordering: .relaxed).newValue }
    }

    public func next() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let nanos = String(Int(time.tv_sec) * 1_000_000_000 + Int(time.tv_nsec))
        return String(repeating: "0", count: max(0, 19 - nanos.count)) + nanos + ".\(pid).\(counter.next())"
    }
}
