import CLinux
public import Foundation
public import YAML

/// How the columns of CSV files become lead fields: a small YAML file, documented in docs/leads.md.
///
/// ```yaml
/// version: 1
/// delimiter: ","          # optional: without it, taken from the header (comma, semicolon or tab)
/// encoding: windows-1252  # optional: utf-8 (the default), or windows-1252 as Excel saves "CSV"
/// decimal_mark: ","       # optional: "." (the default) or ",", for integer and number columns
/// time_zone: Europe/Berlin # optional: the zone of timestamp columns' local times (UTC by default)
/// files: ["hubspot-*.csv"] # optional: the files it is for, by name, when several sources have mappings
/// columns:
///   Employees: {field: company.employees, type: integer}
///   Interests: {field: interests, type: list, separator: ";"}
///   Create Date: {field: created_at, type: timestamp, format: "MM/DD/YYYY hh:mm A", time_zone: America/Chicago}
/// ```
///
/// A column not named here becomes a string field at the dotted path of its header.
public struct CSVMapping: Sendable {
    public enum ValueType: String, Sendable, CaseIterable {
        case string
        case integer
        case number
        case boolean
        case list
        case timestamp
    }

    public struct Column: Sendable {
        /// The field path the column fills, split at dots.
        public var field: [String]?
        public var type: ValueType
        /// Whether the mapping gave the type: for a JSON record's key, a column without one only renames.
        public var typeGiven = false
        /// The separator of a `list` column's items.
        public var separator: String
        /// How a `timestamp` column reads its cells (`format`, `time_zone`).
        public var timestamp: TimestampColumn
        /// The decimal mark of an `integer` or `number` column's cells, `.` or `,`; nil for the mapping's.
        public var decimalMark: Character?
        /// How an `integer` or `number` column reads a band (`51-200`, `10,000+`), as forms write sizes; nil when a
        /// band does not convert.
        public var range: RangeReading?

        public init(
            field: [String]? = nil,
            type: ValueType = .string,
            separator: String = ";",
            timestamp: TimestampColumn = TimestampColumn()
        ) {
            self.field = field
            self.type = type
            self.separator = separator
            self.timestamp = timestamp
        }
    }

    /// Which number of a band (`51-200`) a column reads: its lower bound, its upper bound, or the middle (rounded
    /// down in an `integer` column). An open band (`10,000+`) reads as its lower bound whichever is asked.
    public enum RangeReading: String, Sendable, CaseIterable {
        case lower
        case upper
        case middle
    }

    /// How the bytes of CSV files are text.
    public enum Encoding: Sendable {
        case utf8
        /// Windows-1252, as Excel saves "CSV (Comma delimited)" on Windows in western locales; the labels
        /// `latin-1` and `iso-8859-1` mean it too (as for browsers: WHATWG's encoding standard).
        case windows1252

        /// The encoding a mapping's `encoding` names (in any case).
        package static func named(_ label: String) -> Encoding? {
            switch label.lowercased() {
            case "utf-8", "utf8": .utf8
            case "windows-1252", "cp1252", "latin-1", "latin1", "iso-8859-1": .windows1252
            default: nil
            }
        }

        package static let labels = ["utf-8", "windows-1252", "latin-1", "iso-8859-1", "cp1252"]

        /// The characters of bytes 0x80 to 0x9F in Windows-1252; the five it leaves undefined stand for the C1
        /// controls of the same number, as browsers decode them.
        static let windows1252High: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
            0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161,
            0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
        ]

        /// Windows-1252 bytes as text.
        static func windows1252(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
            var text = String.UnicodeScalarView()
            for byte in bytes {
                let value = (0x80...0x9F).contains(byte) ? windows1252High[Int(byte) - 0x80] : UInt32(byte)
                text.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            }
            return String(text)
        }
    }

    /// The encoding of the CSV files; UTF-8 unless the mapping says otherwise.
    public var encoding: Encoding = .utf8
    /// The field delimiter; nil to take it from the header (`detectDelimiter`): a comma, unless the header has
    /// none and has semicolons (as spreadsheets write CSV where the comma is the decimal mark) or tabs.
    public var delimiter: UInt8?
    /// Columns by header name.
    public var columns: [String: Column]
    /// The zone of the local times of `timestamp` columns that do not name their own; nil for UTC.
    public var timeZone: TimeZone?
    /// The decimal mark of numbers in `integer` and `number` columns that do not name their own: `.` (the default)
    /// or `,` (as most of Europe writes numbers); the other, spaces and apostrophes may group digits.
    public var decimalMark: Character = "."
    /// Shell patterns (`hubspot-*.csv`) of the names of the files the mapping is for, when a folder receives files
    /// from several sources (`CSVMappings`); empty for a mapping of every file that no other mapping names.
    public var files: [String] = []
    /// For a `.json` file the mapping names: the dotted path of the array that holds its records, in an object that
    /// wraps them (an API response: `{"results": [...], "paging": ...}`); empty for a file that is its records.
    public var records: [String] = []
    /// For the JSON files the mapping names: an array of name and value pairs in each record (a form's answers, as
    /// HubSpot's form submissions and Facebook's lead ads give them), made an object of those names before the
    /// columns are read (`unpair`).
    public var pairs: Pairs?

    /// Where a record's name and value pairs are, and the keys of each pair.
    public struct Pairs: Sendable, Equatable {
        /// The dotted path of the array.
        public var path: [String]
        /// The dotted path, in each item, of its name.
        public var name = ["name"]
        /// The dotted path, in each item, of its value; nil for `value`, or else `values`.
        public var value: [String]?
        /// The dotted path, in each item, of the name of its key that holds the value (`type`, as Typeform's answers
        /// put an e-mail answer at `email` and a choice at `choice`), instead of `value`.
        public var valueNamedBy: [String]?

        public init(path: [String], name: [String] = ["name"], value: [String]? = nil) {
            self.path = path
            self.name = name
            self.value = value
        }
    }

    public init(delimiter: UInt8? = nil, columns: [String: Column] = [:], files: [String] = []) {
        self.delimiter = delimiter
        self.columns = columns
        self.files = files
    }

    /// Whether the mapping names a file by its name (the name as dropped, without folders): one of its `files`
    /// patterns matches it, without regard to case, as exports name their files in either (`Leads.CSV`).
    public func names(file name: String) -> Bool {
        files.contains { pattern in clinux_fnmatch_casefold(pattern, name) == 0 }
    }

    /// What a mapping tried on a file (`leadd parse`, `leadd score`) should say about its header: the columns the
    /// mapping names that the header lacks (most likely labelled otherwise in this export), each with the header's
    /// nearest name, and the header's columns the mapping does not name (they become fields named by their header).
    /// Nothing when every mapped column is there.
    public func unmatched(header: [String]) -> (missing: [(column: String, suggestion: String?)], unnamed: [String]) {
        let present = Set(header)
        let missing = columns.keys.filter { !present.contains($0) }.sorted()
        guard !missing.isEmpty else { return ([], []) }
        let unnamed = header.filter { columns[$0] == nil }
        return (missing.map { ($0, Suggestion.closest(to: $0, in: unnamed)) }, unnamed)
    }

    /// What to say of a file whose header lacks columns the mapping names (`unmatched`): those columns, each with the
    /// header's nearest name, then the header's columns the mapping does not name; nil when it has them all.
    public func headerWarning(header: [String]) -> String? {
        let (missing, unnamed) = unmatched(header: header)
        return Self.warning(
            missing,
            unnamed,
            lacking: "the CSV mapping names columns this file's header does not have: ",
            unnamed: "its columns the mapping does not name: "
        )
    }

    /// What to say of a JSON file whose records lack keys the mapping names (a form's field renamed, a typo in the
    /// mapping): `missing`, the keys no record has, each with the nearest of `keys` (the records' keys and dotted
    /// paths into their objects), then those of `leaves` (the paths to values that are no objects) the mapping does
    /// not name; nil when nothing is missing.
    public func keysWarning(missing: [String], keys: [String], leaves: [String]) -> String? {
        Self.warning(
            missing.sorted().map { ($0, Suggestion.closest(to: $0, in: keys.filter { columns[$0] == nil })) },
            leaves.filter { columns[$0] == nil },
            lacking: "the mapping names keys no record of this file has: ",
            unnamed: "keys of its records the mapping does not name: "
        )
    }

    private static func warning(
        _ missing: [(column: String, suggestion: String?)],
        _ unnamed: [String],
        lacking: String,
        unnamed unnamedText: String
    ) -> String? {
        guard !missing.isEmpty else { return nil }
        let names = missing.map { column, suggestion in
            "'\(column)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        }
        var text = lacking + names.joined(separator: ", ")
        if !unnamed.isEmpty {
            let shown = unnamed.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            text += "; \(unnamedText)\(shown)" + (unnamed.count > 8 ? ", ..." : "")
        }
        return text
    }

    /// The delimiter of a file whose first line (the header) is `header`, when no mapping names one: a comma if the
    /// line has one outside quotes, else a semicolon, else a tab, else a comma (a header of one column).
    public static func detectDelimiter(_ header: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var quoted = false
        var (semicolon, tab) = (false, false)
        for byte in header {
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if quoted { continue }
            if byte == 0x0A || byte == 0x0D { break }
            if byte == UInt8(ascii: ",") { return byte }
            if byte == UInt8(ascii: ";") { semicolon = true }
            if byte == 0x09 { tab = true }
        }
        return semicolon ? UInt8(ascii: ";") : tab ? 0x09 : UInt8(ascii: ",")
    }

    /// Loads a mapping file, reporting every problem at its position at once.
    public static func load(contentsOf path: String) throws(DiagnosticError) -> CSVMapping {
        try load(YAMLDocument.parse(contentsOf: path))
    }

    /// Reads a mapping from a parsed YAML document.
    public static func load(_ document: YAMLDocument) throws(DiagnosticError) -> CSVMapping {
        var diagnostics: [Diagnostic] = []
        var mapping = CSVMapping()
        guard let root = document.root else {
            let location = document.source.location(line: 1, column: 1)
            throw DiagnosticError([Diagnostic(at: location, .emptyMapping)])
        }
        do {
            let top = try root.mapping()
            try checkKeys(
                top,
                allowed: [
                    "version", "files", "records", "pairs", "delimiter", "encoding", "time_zone", "decimal_mark",
                    "columns",
                ],
                into: &diagnostics
            )
            if let version = top.entry("version") {
                let number = try version.value.scalar().int()
                if number != 1 {
                    diagnostics.append(version.value.diagnostic(.unknownVersion(number)))
                }
            } else {
                diagnostics.append(top.source.diagnostic(at: top.span.start, .missingVersion))
            }
            if let files = top["files"] {
                // One pattern, or a list of them.
                let nodes = if case .sequence(let list) = files { list.items } else { [files] }
                for node in nodes {
                    let pattern = try node.string()
                    if pattern.isEmpty || pattern.contains("/") {
                        diagnostics.append(node.diagnostic(.badFilePattern(pattern)))
                    } else {
                        mapping.files.append(pattern)
                    }
                }
                if nodes.isEmpty { diagnostics.append(files.diagnostic(.noFilePatterns)) }
            }
            if let records = top["records"] {
                if let parts = try dottedPath(records, into: &diagnostics) {
                    mapping.records = parts
                    if top["files"] == nil { diagnostics.append(records.diagnostic(.recordsWithoutFiles)) }
                }
            }
            if let pairs = top["pairs"] {
                mapping.pairs = try Self.pairs(pairs, into: &diagnostics)
                if top["files"] == nil { diagnostics.append(pairs.diagnostic(.pairsWithoutFiles)) }
            }
            if let delimiter = top["delimiter"] {
                let text = try delimiter.string()
                let bytes = Array(text.utf8)
                if bytes.count == 1, bytes[0] != UInt8(ascii: "\""), bytes[0] != 0x0A, bytes[0] != 0x0D {
                    mapping.delimiter = bytes[0]
                } else {
                    diagnostics.append(delimiter.diagnostic(.badDelimiter(text)))
                }
            }
            if let encoding = top["encoding"] {
                let label = try encoding.string()
                if let named = Encoding.named(label) {
                    mapping.encoding = named
                } else {
                    let suggestion = Suggestion.closest(to: label.lowercased(), in: Encoding.labels)
                    diagnostics.append(encoding.diagnostic(.unknownEncoding(label, suggestion)))
                }
            }
            if let zone = top["time_zone"] {
                mapping.timeZone = timeZone(zone, into: &diagnostics)
            }
            if let mark = top["decimal_mark"], let character = decimalMark(mark, into: &diagnostics) {
                mapping.decimalMark = character
            }
            if let columns = top["columns"] {
                for entry in try columns.mapping().entries {
                    if let column = column(entry.value, into: &diagnostics) {
                        mapping.columns[entry.key.value] = column
                    }
                }
            }
        } catch {
            diagnostics.append(error)
        }
        guard diagnostics.isEmpty else { throw DiagnosticError(diagnostics) }
        return mapping
    }

    /// `pairs: field_data`, or `pairs: {key: values, name: name, value: value}` (or `value_named_by: type` instead of
    /// `value`); each a dotted path.
    private static func pairs(_ node: YAMLNode, into diagnostics: inout [Diagnostic]) throws(Diagnostic) -> Pairs? {
        func path(_ node: YAMLNode) throws(Diagnostic) -> [String]? { try dottedPath(node, into: &diagnostics) }
        guard case .mapping(let spec) = node else { return try path(node).map { Pairs(path: $0) } }
        try checkKeys(spec, allowed: ["key", "name", "value", "value_named_by"], into: &diagnostics)
        guard let key = spec["key"] else {
            diagnostics.append(node.diagnostic(.pairsWithoutKey))
            return nil
        }
        var pairs = Pairs(path: try path(key) ?? [])
        for label in ["name", "value", "value_named_by"] {
            guard let item = spec[label] else { continue }
            if try item.string().isEmpty {
                diagnostics.append(item.diagnostic(.emptyPairKey(label)))
                continue
            }
            guard let parts = try path(item) else { continue }
            switch label {
            case "name": pairs.name = parts
            case "value": pairs.value = parts
            default: pairs.valueNamedBy = parts
            }
        }
        if let both = spec.entry("value_named_by"), spec["value"] != nil {
            diagnostics.append(both.key.diagnostic(.valueTwice))
        }
        return pairs.path.isEmpty ? nil : pairs
    }

    /// A dotted path (`data.items`) in a scalar; nil, with the problem, when a part of it is empty.
    private static func dottedPath(
        _ node: YAMLNode,
        into diagnostics: inout [Diagnostic]
    ) throws(Diagnostic) -> [String]? {
        let text = try node.string()
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else {
            diagnostics.append(node.diagnostic(.badFieldPath(text)))
            return nil
        }
        return parts
    }

    private static func column(_ node: YAMLNode, into diagnostics: inout [Diagnostic]) -> Column? {
        do {
            let spec = try node.mapping()
            try checkKeys(
                spec,
                allowed: ["field", "type", "separator", "format", "time_zone", "decimal_mark", "range"],
                into: &diagnostics
            )
            var column = Column()
            if let field = spec["field"] {
                let path = try field.string()
                let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                if parts.contains(where: \.isEmpty) {
                    diagnostics.append(field.diagnostic(.badFieldPath(path)))
                }
                column.field = parts
            }
            if let type = spec["type"] {
                let name = try type.string()
                if let valueType = ValueType(rawValue: name) {
                    column.type = valueType
                    column.typeGiven = true
                } else {
                    let names = ValueType.allCases.map(\.rawValue)
                    diagnostics.append(type.diagnostic(.unknownType(name, Suggestion.closest(to: name, in: names))))
                }
            }
            if let separator = spec["separator"] {
                let text = try separator.string()
                if column.type != .list {
                    diagnostics.append(separator.diagnostic(.separatorWithoutList))
                } else if text.isEmpty {
                    diagnostics.append(separator.diagnostic(.emptySeparator))
                }
                column.separator = text
            }
            if let format = spec["format"] {
                if column.type != .timestamp {
                    diagnostics.append(format.diagnostic(.onlyForTimestamps("format")))
                } else {
                    // One pattern, or a list of them tried in order (files from several tools).
                    let nodes = if case .sequence(let list) = format { list.items } else { [format] }
                    for node in nodes {
                        let scalar = try node.scalar()
                        do {
                            column.timestamp.formats.append(try TimestampFormat(scalar.value))
                        } catch {
                            let start = scalar.location(atValueOffset: error.offset)
                            diagnostics.append(
                                scalar.source.diagnostic(at: start, .init(error.message), length: error.length)
                            )
                        }
                    }
                }
            }
            if let mark = spec["decimal_mark"] {
                if column.type != .integer, column.type != .number {
                    diagnostics.append(mark.diagnostic(.decimalMarkWithoutNumber))
                } else {
                    column.decimalMark = decimalMark(mark, into: &diagnostics)
                }
            }
            if let range = spec["range"] {
                let name = try range.string()
                if column.type != .integer, column.type != .number {
                    diagnostics.append(range.diagnostic(.rangeWithoutNumber))
                } else if let reading = RangeReading(rawValue: name) {
                    column.range = reading
                } else {
                    let names = RangeReading.allCases.map(\.rawValue)
                    diagnostics.append(range.diagnostic(.unknownRange(name, Suggestion.closest(to: name, in: names))))
                }
            }
            if let zone = spec["time_zone"] {
                if column.type != .timestamp {
                    diagnostics.append(zone.diagnostic(.onlyForTimestamps("time_zone")))
                } else {
                    column.timestamp.timeZone = timeZone(zone, into: &diagnostics)
                }
            }
            return column
        } catch {
            diagnostics.append(error)
            return nil
        }
    }

    /// The decimal mark a `decimal_mark` names: `.` or `,`.
    private static func decimalMark(_ node: YAMLNode, into diagnostics: inout [Diagnostic]) -> Character? {
        do {
            let text = try node.string()
            if text == "." || text == "," { return Character(text) }
            diagnostics.append(node.diagnostic(.badDecimalMark(text)))
        } catch {
            diagnostics.append(error)
        }
        return nil
    }

    /// The zone an IANA name (`America/New_York`) names; nil, with the problem, for a name this system does not know.
    private static func timeZone(_ node: YAMLNode, into diagnostics: inout [Diagnostic]) -> TimeZone? {
        do {
            let name = try node.string()
            if let zone = TimeZone(identifier: name) { return zone }
            let suggestion = Suggestion.closest(to: name, in: TimeZone.knownTimeZoneIdentifiers)
            diagnostics.append(node.diagnostic(.unknownTimeZone(name, suggestion)))
        } catch {
            diagnostics.append(error)
        }
        return nil
    }

    private static func checkKeys(
        _ mapping: YAMLMapping,
        allowed: [String],
        into diagnostics: inout [Diagnostic]
    ) throws(Diagnostic) {
        for entry in mapping.entries where !allowed.contains(entry.key.value) {
            let key = entry.key.value
            diagnostics.append(entry.key.diagnostic(.unknownKey(key, Suggestion.closest(to: key, in: allowed))))
        }
    }
}

extension Diagnostic.Message {
    static let emptyMapping = Self("the CSV mapping file is empty; expected 'version: 1' and 'columns'")
    static let missingVersion = Self("missing 'version: 1'")
    static func unknownVersion(_ number: Int) -> Self {
        .init("unknown version \(number); this build reads version 1")
    }
    static func badDelimiter(_ text: String) -> Self {
        .init("the delimiter must be one character other than a quote or a line break, found '\(text)'")
    }
    static func badFieldPath(_ path: String) -> Self { .init("invalid field path '\(path)'") }
    package static func unknownEncoding(_ label: String, _ suggestion: String?) -> Self {
        let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
        return .init("unknown encoding '\(label)'\(hint); expected utf-8 or windows-1252 (also latin-1)")
    }
    static func unknownType(_ name: String, _ suggestion: String?) -> Self {
        let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
        return .init("unknown type '\(name)'\(hint); expected string, integer, number, boolean, list or timestamp")
    }
    static let separatorWithoutList = Self("'separator' applies only to columns of type 'list'")
    static let rangeWithoutNumber = Self("'range' applies only to columns of type 'integer' or 'number'")
    static func unknownRange(_ name: String, _ suggestion: String?) -> Self {
        let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
        return .init("unknown range reading '\(name)'\(hint); expected lower, upper or middle")
    }
    static let decimalMarkWithoutNumber = Self("'decimal_mark' applies only to columns of type 'integer' or 'number'")
    static func badDecimalMark(_ text: String) -> Self {
        .init("the decimal mark is '.' or ',', found '\(text)'")
    }
    static func onlyForTimestamps(_ key: String) -> Self {
        .init("'\(key)' applies only to columns of type 'timestamp'")
    }
    static func unknownTimeZone(_ name: String, _ suggestion: String?) -> Self {
        let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
        return .init("unknown time zone '\(name)'\(hint); use an IANA name such as America/New_York or Europe/Berlin")
    }
    static let emptySeparator = Self("the separator must not be empty")
    static func badFilePattern(_ pattern: String) -> Self {
        .init(
            "'\(pattern)' is not a file name pattern; expected a name with * and ?, such as hubspot-*.csv (no folders)"
        )
    }
    static let recordsWithoutFiles = Self(
        "'records' applies to the JSON files the mapping names; give it 'files' patterns (such as contacts-*.json)"
    )
    static let pairsWithoutFiles = Self(
        "'pairs' applies to the JSON files the mapping names; give it 'files' patterns (such as hubspot-forms-*.json)"
    )
    static let pairsWithoutKey = Self(
        "'pairs' needs 'key', the array of name and value pairs (such as 'key: values'); 'name' and 'value' are optional"
    )
    static let valueTwice = Self(
        "'value_named_by' and 'value' both say where a pair's value is; keep one"
    )
    static func emptyPairKey(_ label: String) -> Self {
        .init("'\(label)' is empty; it names a key in each pair")
    }
    static let noFilePatterns = Self("'files' names no pattern; leave it out for a mapping of every other file")
    static func unknownKey(_ key: String, _ suggestion: String?) -> Self {
        .init("unknown key '\(key)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? ""))
    }
}
