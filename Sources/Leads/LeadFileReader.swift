import YAML

/// The formats a lead file can have, known by its extension.
public enum LeadFileFormat: String, Sendable, CaseIterable {
    /// One object, or an array of objects; read whole, up to `LeadReaderOptions.maxJSONFileBytes`.
    case json
    /// One object per line (`.ndjson`, `.jsonl`); streamed.
    case ndjson
    /// A header row, then one lead per record (RFC 4180); streamed.
    case csv
    /// Tab-separated values, as spreadsheets save them: read as CSV, fields separated by tabs.
    case tsv

    /// The format of a path by its extension, case-insensitively; nil for any other extension.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "json": self = .json
        case "ndjson", "jsonl": self = .ndjson
        case "csv": self = .csv
        case "tsv": self = .tsv
        default: return nil
        }
    }
}

/// Turns one lead file into records, one at a time: the lead's entry point into leadd.
///
/// Never throws and never traps on input: every problem is yielded as a `LeadReadError`. After an error of
/// `.file` scope the reader yields nothing more; after a `.record` error it goes on with the next record.
public final class LeadFileReader: Sequence, IteratorProtocol {
    private enum Source {
        case json(JSONFileReader)
        case ndjson(NDJSONReader)
        case csv(CSVReader)
        case failed(LeadReadError?)
    }

    private var source: Source
    public let path: String
    /// For a JSON or NDJSON file, the mapping whose `files` name it: each record goes through it (`mapJSON`).
    private var jsonMapping: CSVMapping?
    /// The keys the JSON mapping names that no record read so far has, and the records' keys and dotted paths, and
    /// those of them to values that are no objects (from their first `keySample` records), for `mappingWarning`.
    private var unseenKeys: Set<String> = []
    private var recordKeys: [String] = []
    private var recordLeaves: [String] = []
    private var recordKeySet: Set<String> = []
    private var recordsLooked = 0
    private static let keySample = 100

    /// A reader of the file at `path`; `name` is the file's name as it was dropped (the daemon's claimed files have
    /// another), whose last part picks its mapping (`CSVMappings`): `path`'s without it.
    public init(path: String, name: String? = nil, options: LeadReaderOptions = LeadReaderOptions()) {
        self.path = path
        guard let format = LeadFileFormat(path: path) else {
            source = .failed(.fileError(path, .unsupportedExtension(path)))
            return
        }
        let file: ChunkedFile
        do {
            file = try ChunkedFile(path: path)
        } catch {
            switch error {
            case .system(let code):
                var failure = LeadReadError.fileError(path, .cannotOpen(error.reason))
                failure.errorNumber = code
                source = .failed(failure)
            case .notRegular(let kind): source = .failed(.fileError(path, .notRegular(kind)))
            }
            return
        }
        let named = name ?? path
        let fileName = named.split(separator: "/").last.map(String.init) ?? named
        if format == .json || format == .ndjson {
            jsonMapping = options.csvMappings.mapping(naming: fileName)
            unseenKeys = Set(jsonMapping?.columns.keys ?? [:].keys)
        }
        switch format {
        case .json:
            let records = jsonMapping?.records ?? []
            source = .json(JSONFileReader(path: path, file: file, options: options, records: records))
        case .ndjson:
            source = .ndjson(NDJSONReader(path: path, file: file, options: options))
        case .csv, .tsv:
            let mapping = options.csvMappings.mapping(forFile: fileName)
            source = .csv(
                CSVReader(path: path, file: file, options: options, mapping: mapping, tabSeparated: format == .tsv)
            )
        }
    }

    /// A CSV file's column names, once its header is read (after the first `next()`); nil for other formats.
    public var csvHeader: [String]? {
        if case .csv(let reader) = source { return reader.headerNames }
        return nil
    }

    /// What to say when the file's mapping names what the file lacks: a CSV file's header without columns it names
    /// (`CSVMapping.headerWarning`), or a JSON file none of whose records has keys it names (`keysWarning`). Nil when
    /// there is nothing to say, or no record was read. Read once the file is done.
    public var mappingWarning: String? {
        if let header = csvHeader { return csvMapping?.headerWarning(header: header) }
        guard let jsonMapping, recordsLooked > 0, !unseenKeys.isEmpty else { return nil }
        return jsonMapping.keysWarning(missing: Array(unseenKeys), keys: recordKeys, leaves: recordLeaves)
    }

    /// The mapping a CSV file is read with (`CSVMappings.mapping(forFile:)`); nil for other formats.
    public var csvMapping: CSVMapping? {
        if case .csv(let reader) = source { return reader.mapping }
        return nil
    }

    /// The next record or problem, or nil when the file is done.
    public func next() -> LeadReadResult? {
        switch source {
        case .json(let reader): return mapped(reader.next())
        case .ndjson(let reader): return mapped(reader.next())
        case .csv(let reader): return reader.next()
        case .failed(let error):
            source = .failed(nil)
            return error.map { .failure($0) }
        }
    }
}

extension LeadFileReader {
    /// A JSON record through the file's mapping, when it has one: a value that does not convert makes it a bad record.
    private func mapped(_ result: LeadReadResult?) -> LeadReadResult? {
        guard let jsonMapping, case .record(var record) = result else { return result }
        if jsonMapping.pairs != nil {
            switch jsonMapping.unpair(record.fields) {
            case .success(let fields): record.fields = fields
            case .failure(let error): return .failure(LeadReadError(record, reason: error.reason))
            }
        }
        if !unseenKeys.isEmpty { lookAtKeys(record.fields) }
        switch jsonMapping.mapJSON(record.fields) {
        case .success(let fields):
            record.fields = fields
            return .record(record)
        case .failure(let error):
            return .failure(LeadReadError(record, reason: error.reason))
        }
    }
}

extension LeadFileReader {
    /// Notes which keys the mapping names this record has, and (from the first records) every key path it has.
    private func lookAtKeys(_ fields: LeadObject) {
        recordsLooked += 1
        if recordsLooked <= Self.keySample {
            func visit(_ object: LeadObject, _ prefix: String) {
                for field in object.fields {
                    let path = prefix + field.key
                    let child: LeadObject? = if case .object(let child) = field.value { child } else { nil }
                    if recordKeySet.insert(path).inserted {
                        recordKeys.append(path)
                        if child == nil { recordLeaves.append(path) }
                    }
                    if let child, prefix.count < 200 { visit(child, path + ".") }
                }
            }
            visit(fields, "")
        }
        for key in unseenKeys where Self.has(fields, key) { unseenKeys.remove(key) }
    }

    /// Whether `fields` has the key `name` at the top, or the dotted path `name` into its objects.
    private static func has(_ fields: LeadObject, _ name: String) -> Bool {
        fields[name] != nil
            || CSVMapping.value(at: name.split(separator: ".").map(String.init)[...], in: fields) != nil
    }
}

extension LeadReadError {
    /// A read that failed: a file-scope error carrying the errno.
    static func readFailure(_ path: String, _ error: ChunkedFile.OpenError) -> LeadReadError {
        var failure = LeadReadError.fileError(path, .readFailed(error.reason))
        failure.errorNumber = error.errorNumber
        return failure
    }

    /// A file-scope error at the start of the file.
    static func fileError(_ path: String, _ message: LeadMessage) -> LeadReadError {
        LeadReadError(scope: .file, file: path, line: 1, column: 1, byteOffset: 0, record: nil, reason: message.text)
    }

    /// An error at a byte offset of a buffer, with the line and column computed from the buffer.
    static func at(
        _ scope: Scope,
        _ path: String,
        offset: Int,
        in buffer: UnsafeBufferPointer<UInt8>,
        firstLine: Int,
        bufferOffset: Int,
        record: Int?,
        reason: String,
        breaks: UTF8Text.LineBreaks = .newline
    ) -> LeadReadError {
        let position = UTF8Text.position(ofOffset: offset, in: buffer, breaks: breaks)
        return LeadReadError(
            scope: scope,
            file: path,
            line: firstLine + position.line - 1,
            column: position.column,
            byteOffset: bufferOffset + offset,
            record: record,
            reason: reason,
            sourceLine: UTF8Text.excerpt(UnsafeBufferPointer(rebasing: buffer[position.lineRange]))
        )
    }
}
