import Glibc

/// A copy of the last rules directory that compiled, kept in the state directory, so a restart with broken rules
/// still runs (loudly) on the rules that ran before.
public enum LastGoodRules {
    public static func path(state: String) -> String { state + "/rules-last-good" }

    /// Copies every file of `rules` (and of its subfolders) to the state directory, replacing the previous copy
    /// only once the new one is complete and synced.
    public static func save(rules: String, state: String) throws(FileSystemError) {
        let target = path(state: state)
        let staging = state + "/.rules-last-good.new"
        removeTree(staging)
        try copyTree(rules, staging, depth: 0)
        try DurableFiles.syncDirectory(staging)
        let old = state + "/.rules-last-good.old"
        removeTree(old)
        if DurableFiles.exists(target) {
            guard rename(target, old) == 0 else { throw DurableFiles.fail("rename", target) }
        }
        guard rename(staging, target) == 0 else { throw DurableFiles.fail("rename", staging) }
        try DurableFiles.syncDirectory(state)
        removeTree(old)
    }

    static func copyTree(_ from: String, _ to: String, depth: Int) throws(FileSystemError) {
        try DurableFiles.makeDirectory(to)
        guard depth < 4 else { return }
        for name in try DurableFiles.entries(from) where !name.hasPrefix(".") {
            var info = stat()
            guard stat(from + "/" + name, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                try copyTree(from + "/" + name, to + "/" + name, depth: depth + 1)
            } else if info.st_mode & S_IFMT == S_IFREG {
                try DurableFiles.writeNew(to + "/" + name, try read(from + "/" + name))
            }
        }
        try DurableFiles.syncDirectory(to)
    }

    static func read(_ path: String) throws(FileSystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFiles.fail("open", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw DurableFiles.fail("read", path)
            }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }

    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? DurableFiles.entries(path)) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
