internal import CLinux
import Glibc

/// One input file's way through the spool, each step durable before the next:
///
/// 1. **claim**: `inbox/NAME` is renamed (never replacing) to `processing/ID--NAME`, and its staging folder made;
/// 2. **stage**: outputs are written and synced in `processing/.ID.staged/`;
/// 3. **commit**: the input is renamed to `archive/ID--NAME` (or, when it cannot be read as leads, to
///    `rejected/ID--NAME` beside its `.error.json` sidecar);
/// 4. **publish**: each staged output is renamed into `outbox/ROUTE/` (and rejected records into `rejected/`), then
///    the staging folder is removed.
///
/// A crash before commit leaves the input in `processing/`: it is processed again (assignment is idempotent by lead,
/// so owners do not change). A crash after commit leaves staged outputs whose input is archived: they are published.
/// IDs sort by claim time and are unique per spool.
public struct ClaimedFile: Sendable {
    public let spool: Spool
    /// `ID--NAME`: the claimed name in `processing/`, and the stem of every output.
    public let claimedName: String
    /// The name it had in the inbox.
    public let originalName: String
    /// Whether `claim` made the (empty) staging folder, synced with the claim itself.
    var stagingMadeAtClaim = false

    public var id: String { String(claimedName.prefix { $0 != "-" }) }
    public var path: String { spool.processing + "/" + claimedName }
    public var stagingPath: String { spool.processing + "/." + id + ".staged" }
    /// The output file stem: the ID and the original name without its extension, anything unusual replaced by `_`.
    public var outputStem: String { Self.outputStem(id: id, originalName: originalName) }

    static func outputStem(id: String, originalName: String) -> String {
        var base = Substring(originalName)
        if let dot = base.lastIndex(of: "."), dot != base.startIndex { base = base[..<dot] }
        var name = base.unicodeScalars.prefix(96).map { scalar -> Character in
            let ok =
                scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || "._-".unicodeScalars.contains(scalar))
            return ok ? Character(scalar) : "_"
        }
        while name.first == "." { name.removeFirst() }
        return id + "--" + String(name)
    }

    init(spool: Spool, claimedName: String) {
        self.spool = spool
        self.claimedName = claimedName
        let scalars = Array(claimedName.utf8)
        if let index = scalars.indices.dropLast().first(where: { scalars[$0] == 0x2D && scalars[$0 + 1] == 0x2D }) {
            originalName = String(decoding: scalars[(index + 2)...], as: UTF8.self)
        } else {
            originalName = claimedName
        }
    }

    /// Claims `inbox/name`: nil when it is gone (another process took it, or its producer removed it).
    public static func claim(_ name: String, in spool: Spool, id: String) throws(FileSystemError) -> ClaimedFile? {
        guard let claimed = try move(name, in: spool, id: id) else { return nil }
        try syncClaims(in: spool)
        return claimed
    }

    /// The first half of a claim: `inbox/name` renamed into `processing/` and its staging folder made beside it,
    /// not yet durable. Nil when it is gone. Several files claimed together share one `syncClaims`.
    public static func move(_ name: String, in spool: Spool, id: String) throws(FileSystemError) -> ClaimedFile? {
        var claimed = ClaimedFile(spool: spool, claimedName: id + "--" + name)
        do {
            try DurableFiles.renameNoReplace(spool.inbox + "/" + name, claimed.path)
        } catch  where error.code == ENOENT {
            return nil
        }
        // The staging folder is made beside it, so that one sync of processing/ makes both durable.
        claimed.stagingMadeAtClaim = mkdir(claimed.stagingPath, 0o775) == 0
        return claimed
    }

    /// The second half of a claim, for every file `move` moved since the last one: `processing/`, then `inbox/`,
    /// synced.
    public static func syncClaims(in spool: Spool) throws(FileSystemError) {
        try DurableFiles.syncDirectory(spool.processing)
        try DurableFiles.syncDirectory(spool.inbox)
    }

    /// Makes an empty staging folder (removing a stale one from an earlier attempt). The one `claim` made and
    /// synced is used as it is while it is still empty.
    func prepareStaging() throws(FileSystemError) {
        if stagingMadeAtClaim, (try? DurableFiles.entries(stagingPath))?.isEmpty == true { return }
        DurableFiles.remove(stagingPath)
        try DurableFiles.makeDirectory(stagingPath)
    }

    /// Step 3 for a readable file: the input goes to `archive/`. Only `archive/` is synced: the name's removal from
    /// `processing/` need not be durable, since recovery takes an input found in both for committed (and the next
    /// claim syncs `processing/` anyway).
    func commit() throws(FileSystemError) {
        try moveToArchive()
        try DurableFiles.syncDirectory(spool.archive)
    }

    /// Step 3 without its last sync: the staging folder synced, the input renamed into `archive/`. Several files
    /// committed together share one sync of `archive/` after their renames.
    func moveToArchive() throws(FileSystemError) {
        try DurableFiles.syncDirectory(stagingPath)
        try DurableFiles.renameNoReplace(path, spool.archive + "/" + claimedName)
    }

    /// Step 3 for a file that cannot be read as leads: the sidecar is staged, the input goes to `rejected/`.
    func commitRejected(sidecar: [UInt8]) throws(FileSystemError) {
        try DurableFiles.writeNew(stagingPath + "/" + Self.sidecarStagedName, sidecar)
        try commitRejectedStaged()
    }

    static let sidecarStagedName = "error.json"

    private func commitRejectedStaged() throws(FileSystemError) {
        try DurableFiles.syncDirectory(stagingPath)
        try DurableFiles.renameNoReplace(path, spool.rejected + "/" + claimedName)
        try DurableFiles.syncDirectory(spool.rejected)
    }

    /// Step 4: every staged output into place, then the staging folder removed. Safe to run again after a crash.
    func publish() throws(FileSystemError) {
        try Self.publish([self])
    }

    /// Step 4 for several committed files at once: their outputs renamed into place, then each folder that received
    /// one synced once, then their staging folders removed.
    static func publish(_ files: [ClaimedFile]) throws(FileSystemError) {
        var touched: Set<String> = []
        for file in files { try file.moveOutputs(touching: &touched) }
        for folder in touched.sorted() { try DurableFiles.syncDirectory(folder) }
        // Not synced: if a crash brings an empty folder back, recovery finds its input archived, has nothing to
        // publish, and removes it. The next claim syncs `processing/` anyway.
        for file in files { DurableFiles.remove(file.stagingPath) }
    }

    /// Renames each staged output into its folder (not synced), adding the folder to `touched`.
    private func moveOutputs(touching touched: inout Set<String>) throws(FileSystemError) {
        let staged = (try? DurableFiles.entries(stagingPath)) ?? []
        for name in staged {
            let from = stagingPath + "/" + name
            let to: String
            let folder: String
            if name == Self.sidecarStagedName {
                folder = spool.rejected
                to = folder + "/" + claimedName + ".error.json"
            } else if name == Self.rejectedRecordsStagedName {
                folder = spool.rejected
                to = folder + "/" + outputStem + ".rejected.ndjson"
            } else if name.hasSuffix(".ndjson") {
                let route = String(name.dropLast(".ndjson".count))
                folder = spool.outbox + "/" + route
                try DurableFiles.makeDirectory(folder)
                to = folder + "/" + outputStem + ".ndjson"
            } else {
                continue
            }
            do {
                try DurableFiles.renameNoReplace(from, to)
            } catch  where error.code == EEXIST {
                // Published before a crash that left the staged copy: keep the published one.
                unlink(from)
            }
            touched.insert(folder)
        }
    }

    static let rejectedRecordsStagedName = "rejected-records"

    /// The staged file for a route's decisions.
    func stagedOutput(route: String) -> String { stagingPath + "/" + route + ".ndjson" }
    var stagedRejectedRecords: String { stagingPath + "/" + Self.rejectedRecordsStagedName }
}

/// What recovery found and did at start, for the log.
public struct Recovery: Sendable, Hashable {
    /// Inputs left in `processing/`: to process again.
    public var unfinished: [String] = []
    /// Committed inputs whose outputs were staged but not all published: published now.
    public var published: [String] = []
    /// Staging folders without an input anywhere: removed.
    public var orphans: [String] = []
    /// Inputs found both in `processing/` and in `archive/` or `rejected/`: committed, their rename made durable
    /// but not yet its removal from `processing/` (a crash on a file system that does not keep a rename whole, or
    /// `link` and `unlink` where `renameat2` is missing). The name left in `processing/` is removed.
    public var committed: [String] = []

    /// Finishes what a crash interrupted: publishes committed outputs, removes orphans, and returns the claimed
    /// inputs to process again (their stale staging is removed when they are processed).
    public static func run(_ spool: Spool) throws(FileSystemError) -> (Recovery, [ClaimedFile]) {
        var recovery = Recovery()
        var unfinished: [ClaimedFile] = []
        let names = try DurableFiles.entries(spool.processing)
        let inputs = names.filter { !$0.hasPrefix(".") }
        let stagings = names.filter { $0.hasPrefix(".") && $0.hasSuffix(".staged") }
        // What was committed, listed once: every name in archive/ and rejected/, and by claim id, the input each
        // holds (an archived one first; in rejected/, not a sidecar or rejected records).
        var done: Set<String> = []
        var committedByID: [String: String] = [:]
        if !inputs.isEmpty || !stagings.isEmpty {
            let archived = try DurableFiles.entries(spool.archive)
            let rejected = try DurableFiles.entries(spool.rejected)
            done = Set(archived).union(rejected)
            func claimID(_ name: String) -> String? {
                let id = name.prefix { $0 != "-" }
                return name.dropFirst(id.count).hasPrefix("--") ? String(id) : nil
            }
            for name in rejected where !name.hasSuffix(".error.json") && !name.hasSuffix(".rejected.ndjson") {
                if let id = claimID(name) { committedByID[id] = name }
            }
            for name in archived {
                if let id = claimID(name) { committedByID[id] = name }
            }
        }
        for name in inputs {
            if done.contains(name) {
                // A file's second name goes. A folder (an input rejected as one) is left alone: with two names it
                // would be one folder, and removing its contents would empty the rejected copy too.
                var info = stat()
                let path = spool.processing + "/" + name
                if lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFDIR { unlink(path) }
                recovery.committed.append(name)
                continue
            }
            unfinished.append(ClaimedFile(spool: spool, claimedName: name))
            recovery.unfinished.append(name)
        }
        let unfinishedIDs = Set(unfinished.map(\.id))
        for name in stagings {
            let id = String(name.dropFirst().dropLast(".staged".count))
            if unfinishedIDs.contains(id) { continue }
            if let committed = committedByID[id] {
                try ClaimedFile(spool: spool, claimedName: committed).publish()
                recovery.published.append(committed)
            } else {
                DurableFiles.remove(spool.processing + "/" + name)
                recovery.orphans.append(name)
            }
        }
        if !recovery.orphans.isEmpty || !recovery.committed.isEmpty { try DurableFiles.syncDirectory(spool.processing) }
        return (recovery, unfinished)
    }
}
