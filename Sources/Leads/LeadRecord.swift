/// Where a record came from: its file, the line it starts on, and its ordinal in the file.
public struct LeadOrigin: Sendable, Hashable {
    public var file: String
    /// The 1-based line the record starts on.
    public var line: Int
    /// The 1-based ordinal of the record in its file: the NDJSON record, the JSON array item, the CSV data record.
    public var record: Int
    /// The byte offset of the record's first byte.
    public var byteOffset: Int

    public init(file: String, line: Int, record: Int, byteOffset: Int) {
        self.file = file
        self.line = line
        self.record = record
        self.byteOffset = byteOffset
    }
}

/// One lead read from a file: always a JSON object, with its origin.
public struct LeadRecord: Sendable, Hashable {
    public var origin: LeadOrigin
    /// The lead as the parser made it: what the evaluator reads.
    public var document: LeadDocument

    public init(origin: LeadOrigin, fields: LeadObject) {
        self.origin = origin
        self.document = LeadDocument(fields)
    }

    /// A record of a document whose root is an object.
    public init(origin: LeadOrigin, document: LeadDocument) {
        self.origin = origin
        self.document = document
    }

    /// The lead as a tree, made on each call: for the readers of a few leads, not for hot paths.
    public var fields: LeadObject {
        get { document.object }
        set { document = LeadDocument(newValue) }
    }
}

/// A problem reading leads: a bad record (the reader goes on) or a bad file (the reader stops).
public struct LeadReadError: Error, Sendable, Hashable {
    public enum Scope: String, Sendable, Hashable {
        /// The file cannot be read as leads; no record of it is to be trusted.
        case file
        /// One record is bad; the others before and after it are fine.
        case record
    }

    public var scope: Scope
    public var file: String
    public var line: Int
    public var column: Int
    public var byteOffset: Int
    /// The ordinal of the bad record, for record errors.
    public var record: Int?
    public var reason: String
    /// The text of the line, cut short, for the excerpt under the message.
    public var sourceLine: String?
    /// The errno when a system call failed (open, read): the processor tells environment faults, which keep the
    /// file for another attempt, from problems of the file itself.
    public var errorNumber: Int32?

    public init(
        scope: Scope,
        file: String,
        line: Int,
        column: Int,
        byteOffset: Int,
        record: Int?,
        reason: String,
        sourceLine: String? = nil
    ) {
        self.scope = scope
        self.file = file
        self.line = line
        self.column = column
        self.byteOffset = byteOffset
        self.record = record
        self.reason = reason
        self.sourceLine = sourceLine
    }

    /// A record that was read but cannot be used (a refused outcome update, a lead of another shape): a bad record at
    /// its first line.
    public init(_ record: LeadRecord, reason: String) {
        self.init(
            scope: .record,
            file: record.origin.file,
            line: record.origin.line,
            column: 1,
            byteOffset: record.origin.byteOffset,
            record: record.origin.record,
            reason: reason
        )
    }
}

/// What a reader yields: the next record, or the next problem.
public enum LeadReadResult: Sendable, Hashable {
    case record(LeadRecord)
    case failure(LeadReadError)
}
