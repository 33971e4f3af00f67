internal import CLinux
import Glibc

/// Notices edits to the rules directory, whatever way an editor saves (rename over, truncate and write, delete and
/// create): a signature of every file in it and in its subfolders (name, inode, size, modification time).
public struct RulesWatch: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public struct Signature: Sendable, Hashable {
        var entries: [Entry]

        struct Entry: Sendable, Hashable {
            var path: String
            var inode: UInt64
            var size: Int64
            var seconds: Int64
            var nanoseconds: Int64
        }
    }

    /// The signature now; files that vanish while it is taken are left out (the next look sees the new state).
    public func signature() -> Signature {
        var entries: [Signature.Entry] = []
        func walk(_ path: String, depth: Int) {
            guard depth < 4, let names = try? DurableFiles.entries(path) else { return }
            for name in names {
                let full = path + "/" + name
                var info = stat()
                guard stat(full, &info) == 0 else { continue }
                if info.st_mode & S_IFMT == S_IFDIR {
                    walk(full, depth: depth + 1)
                } else {
                    entries.append(
                        Signature.Entry(
                            path: full,
                            inode: UInt64(info.st_ino),
                            size: Int64(info.st_size),
                            seconds: Int64(info.st_mtim.tv_sec),
                            nanoseconds: Int64(info.st_mtim.tv_nsec)
                        )
                    )
                }
            }
        }
        walk(directory, depth: 0)
        return Signature(entries: entries)
    }

    /// Waits until the signature has stayed the same for `quiet` seconds (an editor's save is several steps), at
    /// most `limit` seconds, and returns it.
    public func settled(quiet: Double = 0.1, limit: Double = 5) -> Signature {
        var last = signature()
        var waited = 0.0
        while waited < limit {
            usleep(useconds_t(quiet * 1_000_000))
            waited += quiet
            let now = signature()
            if now == last { return now }
            last = now
        }
        return last
    }
}
