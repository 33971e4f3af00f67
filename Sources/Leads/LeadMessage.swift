/// The lead readers' message catalog (file and record problems other than JSON syntax).
struct LeadMessage {
    var text: String

    init(_ text: String) {
        self.text = text
    }

    static func unsupportedExtension(_ path: String) -> Self {
        .init("unsupported file type; expected a .json, .ndjson, .jsonl, .csv or .tsv file")
    }
    static func cannotOpen(_ reason: String) -> Self { .init("cannot read the file: \(reason)") }
    static func notRegular(_ kind: String) -> Self { .init("not a regular file (\(kind))") }
    static func readFailed(_ reason: String) -> Self { .init("read failed: \(reason)") }
    static func tooLarge(_ limit: Int) -> Self {
        .init("file is larger than the limit of \(limit) bytes for .json files; send large batches as NDJSON")
    }
    static let emptyJSON = Self("empty file; expected a JSON object or an array of objects")
    static func notObjectOrArray(_ value: String) -> Self {
        .init("expected a JSON object or an array of objects, found \(value)")
    }
    static func noRecordsArray(_ path: String, keys: [String]) -> Self {
        let has = keys.isEmpty ? "it is not an object, or an empty one" : "its keys: " + keys.joined(separator: ", ")
        return .init("no array of records at '\(path)', where the file's mapping says they are (\(has))")
    }
    static let emptyNDJSON = Self("empty file; expected one JSON object per line")
    static func recordTooLong(_ limit: Int) -> Self { .init("record longer than the limit of \(limit) bytes") }
    static let emptyCSV = Self("empty file; expected a header row")
    static func emptyHeader(_ column: Int) -> Self { .init("column \(column) of the header has no name") }
    static func duplicateHeader(_ name: String) -> Self { .init("duplicate column '\(name)' in the header") }
    static func conflictingColumns(_ a: String, _ b: String) -> Self {
        .init("column '\(b)' conflicts with column '\(a)': one field cannot be both a value and an object")
    }
    static func fieldCount(_ expected: Int, _ found: Int) -> Self {
        .init("expected \(expected) fields as in the header, found \(found)")
    }
    static let unterminatedQuote = Self("unterminated quoted field")
    static let textAfterQuote = Self("unexpected character after a closing quote; double a quote inside a quoted field")
    static func invalidUTF8(inColumn name: String) -> Self {
        .init("invalid UTF-8 in column '\(name)'" + windows1252Hint)
    }
    static func invalidUTF8Header() -> Self { .init("invalid UTF-8 in the header") }
    private static let windows1252Hint =
        "; a file Excel saved as \"CSV\" is Windows-1252: say so with encoding: windows-1252 (in the CSV mapping; "
        + "for the accounts file, under accounts)"
    static func controlCharacter(inColumn name: String) -> Self {
        .init("control character in column '\(name)'")
    }
    static func badValue(_ column: String, _ type: String, _ value: String) -> Self {
        .init("column '\(column)': expected \(type), found '\(value)'")
    }
}
