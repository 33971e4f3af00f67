public import Assignment
internal import CLinux
import Glibc
public import Leads
public import Rules
import YAML

/// Processes one claimed file with one rules snapshot: every record decided (and assigned when qualified), the
/// decisions staged per route, outcome updates (`"kind": "outcome"`) applied to their opportunities and staged as
/// `outcomes`, bad records and refused updates staged as rejected, then committed and published. Every decision
/// and update is recorded in the ledger.
///
/// Records in = decisions and updates out + records rejected, always. A file that cannot be read as leads at all (wrong format,
/// unreadable, not a regular file, a file-level syntax error) goes to `rejected/` whole, with a sidecar.
public struct FileProcessor: Sendable {
    public let program: Program
    /// Records decisions, assigns opportunities, applies outcome updates.
    public let ledger: Ledger
    public let readerOptions: LeadReaderOptions
    /// Leads per assignment transaction; up to twice as many while another writer holds the state.
    public let batchSize: Int
    /// Larger files are rejected before a byte of them is read.
    public let maxFileBytes: Int64

    public init(
        program: Program,
        ledger: Ledger,
        readerOptions: LeadReaderOptions = LeadReaderOptions(),
        batchSize: Int = 1000,
        maxFileBytes: Int64 = .max
    ) {
        self.program = program
        self.ledger = ledger
        self.readerOptions = readerOptions
        self.batchSize = batchSize
        self.maxFileBytes = maxFileBytes
    }

    /// What happened to one file.
    public struct Outcome: Sendable, Hashable {
        public var file: String
        public var claimedName: String
        /// Decisions written, per route (and outcome updates applied, as `outcomes`).
        public var decisions: [String: Int] = [:]
        public var rejectedRecords = 0
        /// Why the whole file was rejected, if it was.
        public var rejection: String?
        /// Stopped part-way because the daemon is shutting down: the file stays in `processing/` and is processed
        /// again, from its start, at the next start (owners already recorded do not change).
        public var abandoned = false
        /// Staged with `deferCommit`: its commit and publication are left to `finish`, with the other files of its
        /// group.
        public var awaitsCommit = false
        /// For a file whose mapping names it (`CSVMapping.files`), and which lacks what the mapping names (a CSV
        /// export whose labels changed, JSON records without a key): what to say of it (`mappingWarning`).
        public var headerWarning: String?
        public var records: Int { decisions.values.reduce(0, +) + rejectedRecords }
    }

    /// Processes `file` at `now`: stage, commit, publish. `shouldStop` is asked between batches; when it says yes,
    /// the file is abandoned before commit. An environment fault (disk full, I/O error, too many open files) throws,
    /// leaving the file in `processing/` for another attempt: it never rejects the input.
    ///
    /// With `deferCommit`, a file that was read stops once staged (`Outcome.awaitsCommit`): `finish` commits and
    /// publishes it with others, sharing their syncs. A file rejected whole is committed and published at once.
    public func process(
        _ file: ClaimedFile,
        now: Double,
        deferCommit: Bool = false,
        shouldStop: () -> Bool = { false }
    ) throws(FileSystemError) -> Outcome {
        var outcome = Outcome(file: file.originalName, claimedName: file.claimedName)
        try file.prepareStaging()
        if let reason = Self.unreadable(file.path, maxFileBytes: maxFileBytes) {
            outcome.rejection = reason.reason
            try file.commitRejected(sidecar: sidecar(file, reason))
            try file.publish()
            return outcome
        }
        var outputs: [String: OutputFile] = [:]
        /// Each route's folder name, made once per route rather than once per lead.
        var safeRoutes: [String: String] = [:]
        /// The route of the batch's last decision written, its file, and the decisions written to it since it
        /// became the last (counted into `outcome.decisions` when another route comes, and at the batch's end).
        var lastRoute: (route: String, file: OutputFile, count: Int)?
        var rejectedRecords: OutputFile?
        var batch: [Ledger.Entry] = []
        var firstBadRecord: LeadReadError?
        func output(_ route: String) throws(FileSystemError) -> OutputFile {
            if let existing = outputs[route] { return existing }
            let output = try OutputFile(path: file.stagedOutput(route: route))
            outputs[route] = output
            return output
        }
        /// A bad record or a refused update: a line of the rejected records, with its reason.
        func reject(_ object: LeadObject) throws(FileSystemError) {
            if rejectedRecords == nil { rejectedRecords = try OutputFile(path: file.stagedRejectedRecords) }
            try rejectedRecords?.line { object.writeJSON(into: &$0) }
            outcome.rejectedRecords += 1
        }
        /// Whether a batch went to the state: its commits are synced once, before the file is committed.
        var recorded = false
        func syncState() throws(FileSystemError) {
            guard recorded else { return }
            do {
                try ledger.store.sync()
            } catch {
                throw FileSystemError(operation: "sync", path: file.path, code: EIO)
            }
        }
        func flushBatch() throws(FileSystemError) {
            guard !batch.isEmpty else { return }
            let results: [Ledger.Result]
            do {
                recorded = true
                results = try ledger.record(batch, claim: file.id, sync: false)
            } catch {
                // The state could not be written (disk full, I/O): keep the file for another attempt.
                throw FileSystemError(operation: "record", path: file.path, code: EIO)
            }
            // By index: pairing the arrays' elements would copy each entry and each result.
            for index in batch.indices {
                switch (batch[index], results[index]) {
                case (.lead(let decided), .decided(let opportunity)):
                    let route = decided.decision.route
                    // Leads of a batch mostly go one route after another: the last one's file and count are kept,
                    // and the route's name is looked up (hashed) only when it changes.
                    if lastRoute?.route != route {
                        if let last = lastRoute { outcome.decisions[last.route, default: 0] += last.count }
                        let folder = safeRoutes[route] ?? Self.safeRoute(route)
                        safeRoutes[route] = folder
                        lastRoute = (route, try output(folder), 0)
                    }
                    lastRoute?.count += 1
                    try lastRoute?.file.line { out in
                        decided.decision.writeJSON(into: &out)
                        // The opportunity record goes last, as the ledger wrote it.
                        guard let json = opportunity?.json else { return }
                        out.removeLast()
                        out.append(bytesOf: Self.assignmentKey)
                        out.append(bytesOf: json)
                        out.append(UInt8(ascii: "}"))
                    }
                case (_, .applied(let update, let previous)):
                    let object = update.json(previous: previous)
                    try output(Self.outcomesRoute).line { object.writeJSON(into: &$0) }
                    outcome.decisions[Self.outcomesRoute, default: 0] += 1
                case (_, .refused(let update, let reason)):
                    try reject(Self.rejectedUpdate(update, reason: reason, rulesVersion: program.version))
                default:
                    break
                }
            }
            batch.removeAll(keepingCapacity: true)
            if let last = lastRoute { outcome.decisions[last.route, default: 0] += last.count }
            lastRoute = nil
        }
        let reader = LeadFileReader(path: file.path, name: file.originalName, options: readerOptions)
        for result in reader {
            switch result {
            case .record(var record):
                record.origin.file = file.originalName
                if OutcomeUpdate.isOutcome(record.document) {
                    switch OutcomeUpdate.parse(record, now: now) {
                    case .success(let update):
                        batch.append(.outcome(update))
                    case .failure(let error):
                        let bad = LeadReadError(record, reason: error.reason)
                        try reject(Self.rejectedRecord(bad, file: file, rulesVersion: program.version))
                        continue
                    }
                } else if let problem = program.shapeProblem(record) {
                    // Not a lead the rules can judge (a file of another shape): a bad record, not a decision.
                    let error = LeadReadError(record, reason: problem)
                    if firstBadRecord == nil { firstBadRecord = error }
                    try reject(
                        Self.rejectedRecord(error, file: file, rulesVersion: program.version, lead: record.fields)
                    )
                    continue
                } else {
                    // The entry keeps what the state and the outbox need, not the lead's document.
                    batch.append(
                        ledger.entry(decision: program.evaluate(record, now: now), lead: record)
                    )
                }
                if batch.count >= batchSize {
                    if shouldStop() {
                        outcome.abandoned = true
                        return outcome
                    }
                    // Another worker is writing its batch to the state: read on rather than queue behind it, up to
                    // twice the batch.
                    if batch.count < 2 * batchSize, ledger.store.isWriting { continue }
                    try flushBatch()
                }
            case .failure(let error)
            where error.scope == .file
                && error.errorNumber.map({ FileSystemError(operation: "read", path: file.path, code: $0) })?
                    .isEnvironmental == true:
                throw FileSystemError(operation: "read", path: file.path, code: error.errorNumber ?? EIO)
            case .failure(let error) where error.scope == .file:
                // The whole file is unusable: nothing of it is published, the input goes to rejected/.
                outputs.removeAll()
                rejectedRecords = nil
                try file.prepareStaging()
                outcome = Outcome(file: file.originalName, claimedName: file.claimedName)
                outcome.rejection = error.reason
                try syncState()
                try file.commitRejected(sidecar: sidecar(file, Reason(error: error, originalName: file.originalName)))
                try file.publish()
                return outcome
            case .failure(let error):
                if firstBadRecord == nil { firstBadRecord = error }
                try reject(Self.rejectedRecord(error, file: file, rulesVersion: program.version))
            }
        }
        try flushBatch()
        // A mapping for every other file meets files of many sources: only one that names this file says more (a
        // JSON file's mapping always does).
        if reader.csvMapping.map({ !$0.files.isEmpty }) ?? true {
            outcome.headerWarning = reader.mappingWarning
        }
        for output in outputs.values { try output.close() }
        try rejectedRecords?.close()
        // Not one record could be read as a lead (garbage, a binary file): the file is quarantined whole, with a
        // sidecar naming the first problem, beside the per-record reasons.
        if outcome.decisions.isEmpty, let first = firstBadRecord {
            var reason = Reason(error: first, originalName: file.originalName)
            reason.reason =
                "no record could be read as a lead (\(outcome.rejectedRecords) bad); the first: \(first.reason)"
                + (outcome.headerWarning.map { "; \($0)" } ?? "")
            outcome.rejection = reason.reason
            try syncState()
            try file.commitRejected(sidecar: sidecar(file, reason))
            try file.publish()
            return outcome
        }
        if deferCommit {
            outcome.awaitsCommit = true
            return outcome
        }
        // The state's commits are on disk before the input is: a file in archive/ never has assignments that a
        // power cut could take back.
        try syncState()
        try file.commit()
        try file.publish()
        return outcome
    }

    /// Commits and publishes files that `process(_:now:deferCommit:shouldStop:)` staged, making the syncs each
    /// would make alone once for all: the state's log, then (after every input is renamed into `archive/`)
    /// `archive/`, then each outbox folder. Per file, nil when it went through, or the error that stopped it: a file
    /// not committed stays in `processing/` for another attempt; one committed but not published has its outputs
    /// published by the next start's recovery, as when a single file's publication fails.
    public func finish(_ files: [ClaimedFile]) -> [FileSystemError?] {
        var errors = [FileSystemError?](repeating: nil, count: files.count)
        guard let first = files.first else { return errors }
        do {
            try ledger.store.sync()
        } catch {
            let fault = FileSystemError(operation: "sync", path: first.spool.processing, code: EIO)
            return errors.map { _ in fault }
        }
        var moved: [Int] = []
        for index in files.indices {
            do {
                try files[index].moveToArchive()
                moved.append(index)
            } catch {
                errors[index] = error
            }
        }
        guard !moved.isEmpty else { return errors }
        do {
            try DurableFiles.syncDirectory(first.spool.archive)
            try ClaimedFile.publish(moved.map { files[$0] })
        } catch {
            for index in moved { errors[index] = error }
        }
        return errors
    }

    /// What joins a decision's JSON and its opportunity's record in an outbox line.
    static let assignmentKey = Array(#","assignment":"#.utf8)

    /// The outbox folder of applied outcome updates.
    public static let outcomesRoute = "outcomes"

    /// Route names become folder names: anything but letters, digits, `_`, `-` and `.` is replaced.
    static func safeRoute(_ route: String) -> String {
        let mapped = String(route.map { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) ? $0 : "_" })
        return mapped.isEmpty || mapped.hasPrefix(".") ? "_" + mapped : mapped
    }

    struct Reason {
        var reason: String
        var line: Int?
        var column: Int?
        var byteOffset: Int?

        init(reason: String, line: Int? = nil, column: Int? = nil, byteOffset: Int? = nil) {
            self.reason = reason
            self.line = line
            self.column = column
            self.byteOffset = byteOffset
        }

        init(error: LeadReadError, originalName: String) {
            reason = error.reason
            line = error.line > 0 ? error.line : nil
            column = error.column > 0 ? error.column : nil
            byteOffset = error.byteOffset
        }
    }

    /// Why a file cannot be opened as leads before any byte is read: a symlink (never followed), not a regular file,
    /// over the size limit, an unknown extension.
    static func unreadable(_ path: String, maxFileBytes: Int64 = .max) -> Reason? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return Reason(reason: "cannot read the file: \(String(cString: strerror(errno)))")
        }
        if info.st_mode & S_IFMT == S_IFREG && Int64(info.st_size) > maxFileBytes {
            return Reason(
                reason: "the file is \(info.st_size) bytes, over the limit of \(maxFileBytes) (inbox.max_file_size)"
            )
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: return Reason(reason: "a symbolic link: its target is never read")
        case S_IFDIR: return Reason(reason: "a directory, not a lead file")
        case S_IFIFO: return Reason(reason: "a FIFO, not a lead file")
        default: return Reason(reason: "a device or socket, not a lead file")
        }
        if LeadFileFormat(path: path) == nil {
            return Reason(reason: "unknown file type; lead files end in .json, .ndjson, .jsonl, .csv or .tsv")
        }
        return nil
    }

    func sidecar(_ file: ClaimedFile, _ reason: Reason) -> [UInt8] {
        var object = LeadObject()
        object.set("file", .string(file.originalName))
        object.set("claimed_as", .string(file.claimedName))
        object.set("reason", .string(reason.reason))
        object.set("line", reason.line.map { .int($0) } ?? .null)
        object.set("column", reason.column.map { .int($0) } ?? .null)
        object.set("byte_offset", reason.byteOffset.map { .int($0) } ?? .null)
        object.set("rules_version", .string(program.version))
        var bytes: [UInt8] = []
        object.writeJSON(into: &bytes)
        bytes.append(0x0A)
        return bytes
    }

    static func rejectedUpdate(_ update: OutcomeUpdate, reason: String, rulesVersion: String) -> LeadObject {
        var object = LeadObject()
        object.set("file", .string(update.origin.file))
        object.set("line", .int(update.origin.line))
        object.set("column", .int(1))
        object.set("byte_offset", .int(update.origin.byteOffset))
        object.set("record", .int(update.origin.record))
        object.set("reason", .string(reason))
        object.set("update", .object(update.json(previous: nil)))
        object.set("rules_version", .string(rulesVersion))
        return object
    }

    /// A bad record's line in `rejected/`: where it is, why, and, for a record that was read (`lead`), the record
    /// itself, to be fixed and dropped again.
    static func rejectedRecord(
        _ error: LeadReadError,
        file: ClaimedFile,
        rulesVersion: String,
        lead: LeadObject? = nil
    ) -> LeadObject {
        var object = LeadObject()
        object.set("file", .string(file.originalName))
        object.set("line", .int(error.line))
        object.set("column", .int(error.column))
        object.set("byte_offset", .int(error.byteOffset))
        object.set("record", error.record.map { .int($0) } ?? .null)
        object.set("reason", .string(error.reason))
        if let source = error.sourceLine { object.set("source", .string(source)) }
        if let lead { object.set("lead", .object(lead)) }
        object.set("rules_version", .string(rulesVersion))
        return object
    }
}
