internal import CLinux
import Glibc
import YAML

/// A copy of the last rules directory that compiled, kept in the state directory, so a restart with broken rules
/// still runs (loudly) on the rules that ran before.
public enum LastGoodRules {
    public static func path(state: String) -> String { state + "/rules-last-good" }

    /// Copies every file of `rules` (and of its subfolders) to the state directory, replacing the previous copy
    /// only once the new one is complete and synced.
    public static func save(rules: String, state: String) throws {
        let target = path(state: state)
        let staging = state + "/.rules-last-good.new"
        DurableFiles.remove(staging)
        try copyTree(rules, staging, depth: 0)
        try DurableFiles.syncDirectory(staging)
        let old = state + "/.rules-last-good.old"
        DurableFiles.remove(old)
        if DurableFiles.exists(target) {
            guard rename(target, old) == 0 else { throw DurableFiles.fail("rename", target) }
        }
        guard rename(staging, target) == 0 else { throw DurableFiles.fail("rename", staging) }
        try DurableFiles.syncDirectory(state)
        DurableFiles.remove(old)
    }

    static func copyTree(_ from: String, _ to: String, depth: Int) throws {
        try DurableFiles.makeDirectory(to)
        guard depth < 4 else { return }
        for name in try DurableFiles.entries(from) where !name.hasPrefix(".") {
            var info = stat()
            guard stat(from + "/" + name, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                try copyTree(from + "/" + name, to + "/" + name, depth: depth + 1)
            } else if info.st_mode & S_IFMT == S_IFREG {
                try DurableFiles.writeNew(to + "/" + name, try FileBytes.read(from + "/" + name))
            }
        }
        try DurableFiles.syncDirectory(to)
    }
}
