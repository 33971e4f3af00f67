import YAML

/// Streams a `.csv` file (RFC 4180): a header row, then one lead per record.
///
/// Quoted fields may hold delimiters, doubled quotes and line breaks; CRLF and LF both end records; a UTF-8 BOM is
/// skipped; a quote inside an unquoted field is kept as a character. Headers name fields by dotted paths
/// (`company.employees`), or through the `CSVMapping`. Empty cells are left out of the lead, so a rule sees them as
/// missing. Blank lines are skipped.
final class CSVReader {
    private struct Column {
        var name: String
        var path: [String]
        /// How the mapping reads it: its spec, or a string column's defaults when the mapping does not name it.
        var spec: CSVMapping.Column
    }

    private enum Scan {
        case needMore
        case blank(consumed: Int, lines: Int)
        case record(fields: [[UInt8]], starts: [Int], consumed: Int, lines: Int)
        case malformed(reason: String, at: Int, consumed: Int, lines: Int)
    }

    private let path: String
    private let file: ChunkedFile
    private let options: LeadReaderOptions
    /// The mapping of this file's columns (`CSVMappings.mapping(forFile:)`).
    let mapping: CSVMapping
    private var window: ReadWindow
    private var columns: [Column]?
    /// The header's column names, once it is read.
    var headerNames: [String]? { columns?.map(\.name) }
    private var line = 1
    private var record = 0
    private var done = false
    private var skipping = false
    private var bomChecked = false
    /// Whether the first line was looked at for Excel's `sep=;` line.
    private var separatorChecked = false
    /// The mapping's delimiter, or the one the header shows (`CSVMapping.detectDelimiter`), once the header's bytes
    /// are read.
    private var delimiter: UInt8?

    /// `tabSeparated` for a `.tsv` file: its fields are separated by tabs, whatever its header holds, unless the
    /// mapping or a `sep=` line says otherwise.
    init(path: String, file: ChunkedFile, options: LeadReaderOptions, mapping: CSVMapping, tabSeparated: Bool = false) {
        self.path = path
        self.file = file
        self.options = options
        self.mapping = mapping
        delimiter = mapping.delimiter ?? (tabSeparated ? 0x09 : nil)
        self.window = ReadWindow(capacity: 1 << 18)
    }

    func next() -> LeadReadResult? {
        while !done {
            if skipping {
                // After an over-long record: drop bytes up to the next line break.
                if let newline = window.storage[window.start..<window.end].firstIndex(of: UInt8(ascii: "\n")) {
                    window.start = newline + 1
                    line += 1
                    skipping = false
                    continue
                }
                line += window.storage[window.start..<window.end].count { $0 == UInt8(ascii: "\n") }
                window.discardAll()
                if window.eof {
                    done = true
                    return nil
                }
            } else if window.available > 0 || window.eof {
                switch scan() {
                case .needMore:
                    if window.eof {
                        done = true
                        if columns == nil { return .failure(.fileError(path, .emptyCSV)) }
                        return nil
                    }
                    if window.available > options.maxRecordBytes {
                        record += columns == nil ? 0 : 1
                        let error = LeadReadError(
                            scope: columns == nil ? .file : .record,
                            file: path,
                            line: line,
                            column: 1,
                            byteOffset: window.baseOffset + window.start,
                            record: columns == nil ? nil : record,
                            reason: LeadMessage.recordTooLong(options.maxRecordBytes).text
                        )
                        if columns == nil { done = true }
                        skipping = true
                        line += window.storage[window.start..<window.end].count { $0 == UInt8(ascii: "\n") }
                        window.discardAll()
                        return .failure(error)
                    }
                case .blank(let consumed, let lines):
                    window.start += consumed
                    line += lines
                    continue
                case .record(let fields, let starts, let consumed, let lines):
                    defer {
                        window.start += consumed
                        line += lines
                    }
                    if columns == nil {
                        if !separatorChecked {
                            separatorChecked = true
                            // Excel's `sep=;` line, before the header, names the delimiter (unless a mapping does).
                            if let separator = separatorLine(fields) {
                                if mapping.delimiter == nil { delimiter = separator }
                                continue
                            }
                        }
                        if let error = makeHeader(fields, starts) {
                            done = true
                            return .failure(error)
                        }
                        continue
                    }
                    record += 1
                    return makeRecord(fields, starts)
                case .malformed(let reason, let at, let consumed, let lines):
                    defer {
                        window.start += consumed
                        line += lines
                    }
                    if columns == nil {
                        done = true
                        // A header that is not text (a binary file, another encoding) says so, not where its bytes
                        // happen to break the quoting after that.
                        if let invalid = invalidUTF8(before: at) {
                            return .failure(error(.file, at: invalid, LeadMessage.invalidUTF8Header().text))
                        }
                    } else {
                        record += 1
                    }
                    return .failure(error(columns == nil ? .file : .record, at: at, reason))
                }
            }
            do {
                try window.fill(from: file, chunk: 1 << 18)
            } catch {
                done = true
                return .failure(.readFailure(path, error))
            }
            if !bomChecked && (window.available >= 3 || window.eof) {
                bomChecked = true
                let s = window.storage
                if window.available >= 3 && s[window.start] == 0xEF && s[window.start + 1] == 0xBB
                    && s[window.start + 2] == 0xBF
                {
                    window.start += 3
                }
            }
        }
        return nil
    }

    /// Scans one record from the window's start; `needMore` when it may continue past the bytes read so far.
    private func scan() -> Scan {
        if delimiter == nil {
            delimiter =
                mapping.delimiter
                ?? window.storage.withUnsafeBufferPointer { bytes in
                    CSVMapping.detectDelimiter(UnsafeBufferPointer(rebasing: bytes[window.start..<window.end]))
                }
        }
        let delimiter = delimiter ?? UInt8(ascii: ",")
        return window.storage.withUnsafeBufferPointer { b -> Scan in
            let base = window.start
            let end = window.end
            let eof = window.eof
            var i = base
            var fields: [[UInt8]] = []
            var starts: [Int] = []
            var current: [UInt8] = []
            var fieldStart = base
            var atFieldStart = true
            var quoted = false
            var afterQuote = false
            var lines = 0
            func finishField() {
                fields.append(current)
                starts.append(fieldStart - base)
                current = []
            }
            while true {
                guard i < end else {
                    if !eof { return .needMore }
                    if quoted {
                        return .malformed(
                            reason: LeadMessage.unterminatedQuote.text,
                            at: fieldStart - base,
                            consumed: i - base,
                            lines: lines
                        )
                    }
                    if i == base { return .needMore }
                    finishField()
                    return .record(fields: fields, starts: starts, consumed: i - base, lines: lines)
                }
                let c = b[i]
                if quoted {
                    if c == UInt8(ascii: "\"") {
                        if i + 1 == end && !eof { return .needMore }
                        if i + 1 < end && b[i + 1] == UInt8(ascii: "\"") {
                            current.append(c)
                            i += 2
                        } else {
                            quoted = false
                            afterQuote = true
                            i += 1
                        }
                        continue
                    }
                    // A line break inside quotes: `\n`, `\r\n` or `\r`, as between records.
                    if c == UInt8(ascii: "\n") {
                        lines += 1
                    } else if c == UInt8(ascii: "\r") {
                        if i + 1 == end && !eof { return .needMore }
                        if i + 1 == end || b[i + 1] != UInt8(ascii: "\n") { lines += 1 }
                    }
                    current.append(c)
                    i += 1
                    continue
                }
                if atFieldStart && c == UInt8(ascii: "\"") {
                    quoted = true
                    atFieldStart = false
                    i += 1
                    continue
                }
                if c == delimiter {
                    finishField()
                    i += 1
                    fieldStart = i
                    atFieldStart = true
                    afterQuote = false
                    continue
                }
                if c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") {
                    if c == UInt8(ascii: "\r") {
                        if i + 1 == end && !eof { return .needMore }
                        if i + 1 < end && b[i + 1] == UInt8(ascii: "\n") { i += 1 }
                    }
                    i += 1
                    lines += 1
                    if fields.isEmpty && current.isEmpty && !afterQuote && fieldStart == base {
                        return .blank(consumed: i - base, lines: lines)
                    }
                    finishField()
                    return .record(fields: fields, starts: starts, consumed: i - base, lines: lines)
                }
                if afterQuote {
                    // Resynchronise at the end of the line.
                    var j = i
                    while j < end && b[j] != UInt8(ascii: "\n") && b[j] != UInt8(ascii: "\r") { j += 1 }
                    if j + 1 >= end && !eof { return .needMore }
                    if j + 1 < end && b[j] == UInt8(ascii: "\r") && b[j + 1] == UInt8(ascii: "\n") { j += 1 }
                    let consumed = min(j + 1, end) - base
                    return .malformed(
                        reason: LeadMessage.textAfterQuote.text,
                        at: i - base,
                        consumed: consumed,
                        lines: lines + (j < end ? 1 : 0)
                    )
                }
                atFieldStart = false
                current.append(c)
                i += 1
            }
        }
    }

    /// The offset of the first byte that is not UTF-8 among the first `count` bytes at the window's start, if the
    /// mapping reads UTF-8 (every byte is a Windows-1252 character).
    private func invalidUTF8(before count: Int) -> Int? {
        guard mapping.encoding == .utf8 else { return nil }
        return window.storage.withUnsafeBufferPointer { storage in
            UTF8Text.firstInvalidOffset(in: UnsafeBufferPointer(rebasing: storage[window.start..<window.start + count]))
        }
    }

    /// The delimiter a first line such as `sep=;` names (as split by the delimiter guessed from it), if it is one.
    private func separatorLine(_ fields: [[UInt8]]) -> UInt8? {
        var text: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { text.append(delimiter ?? UInt8(ascii: ",")) }
            text += field
        }
        guard text.count == 5, text.starts(with: Array("sep=".utf8)) || text.starts(with: Array("SEP=".utf8)) else {
            return nil
        }
        return text[4]
    }

    /// An error at a byte offset of the record at the window's start.
    private func error(_ scope: LeadReadError.Scope, at offset: Int, _ reason: String) -> LeadReadError {
        window.storage.withUnsafeBufferPointer { storage in
            .at(
                scope,
                path,
                offset: offset,
                in: UnsafeBufferPointer(rebasing: storage[window.start..<window.end]),
                firstLine: line,
                bufferOffset: window.baseOffset + window.start,
                record: scope == .record ? record : nil,
                reason: reason,
                breaks: .newlineOrReturn
            )
        }
    }

    private func makeHeader(_ fields: [[UInt8]], _ starts: [Int]) -> LeadReadError? {
        var result: [Column] = []
        var names: Set<String> = []
        for (index, bytes) in fields.enumerated() {
            guard let raw = text(bytes) else {
                return error(.file, at: starts[index], LeadMessage.invalidUTF8Header().text)
            }
            let name = raw.trimmingSpaces
            guard !name.isEmpty else { return error(.file, at: starts[index], LeadMessage.emptyHeader(index + 1).text) }
            guard names.insert(name).inserted else {
                return error(.file, at: starts[index], LeadMessage.duplicateHeader(name).text)
            }
            let spec = mapping.columns[name]
            let path = spec?.field ?? name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            result.append(Column(name: name, path: path, spec: spec ?? CSVMapping.Column()))
        }
        // One path may not be both a value and an object.
        for (i, a) in result.enumerated() {
            for (j, b) in result.enumerated() where i != j && b.path.count > a.path.count {
                if Array(b.path.prefix(a.path.count)) == a.path || a.path == b.path {
                    return error(.file, at: starts[j], LeadMessage.conflictingColumns(a.name, b.name).text)
                }
            }
        }
        columns = result
        return nil
    }

    private func makeRecord(_ fields: [[UInt8]], _ starts: [Int]) -> LeadReadResult {
        guard let columns else { return .failure(error(.record, at: 0, LeadMessage.emptyCSV.text)) }
        guard fields.count == columns.count else {
            return .failure(error(.record, at: 0, LeadMessage.fieldCount(columns.count, fields.count).text))
        }
        var object = LeadObject()
        for (index, column) in columns.enumerated() {
            let bytes = fields[index]
            if bytes.isEmpty { continue }
            guard let value = text(bytes) else {
                return .failure(error(.record, at: starts[index], LeadMessage.invalidUTF8(inColumn: column.name).text))
            }
            if value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" && $0 != "\n" && $0 != "\r" }) {
                return .failure(
                    error(.record, at: starts[index], LeadMessage.controlCharacter(inColumn: column.name).text)
                )
            }
            switch mapping.convert(value, column.spec) {
            case .some(.some(let converted)):
                object.set(path: column.path[...], converted)
            case .some(.none):
                continue
            case .none:
                let message = LeadMessage.badValue(column.name, CSVMapping.typeDescription(column.spec), value)
                let note = CSVMapping.valueNote(column.spec, value).map { "; " + $0 } ?? ""
                return .failure(error(.record, at: starts[index], message.text + note))
            }
        }
        let origin = LeadOrigin(file: path, line: line, record: record, byteOffset: window.baseOffset + window.start)
        return .record(LeadRecord(origin: origin, fields: object))
    }

    /// A cell's or header name's bytes as text in the mapping's encoding; nil for invalid UTF-8.
    private func text(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            if mapping.encoding == .windows1252 { return CSVMapping.Encoding.windows1252(buffer) }
            return UTF8Text.firstInvalidOffset(in: buffer) == nil ? String(decoding: buffer, as: UTF8.self) : nil
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(scalars[first...last])
    }
}
