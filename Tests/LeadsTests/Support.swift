import Leads
@_exported import TestSupport
import Testing
import YAML

/// What a reader made of a file, one line per result: `record LINE#N JSON` or the rendered error with its scope.
func readAll(_ name: String, _ bytes: [UInt8], options: LeadReaderOptions = LeadReaderOptions()) throws -> [String] {
    let directory = try TemporaryDirectory("leads")
    let path = try directory.write(name, bytes)
    return LeadFileReader(path: path, options: options).map { result in
        describe(result).replacingOccurrences(of: directory.path + "/", with: "")
    }
}

func readAll(_ name: String, _ text: String, options: LeadReaderOptions = LeadReaderOptions()) throws -> [String] {
    try readAll(name, Array(text.utf8), options: options)
}

func describe(_ result: LeadReadResult) -> String {
    switch result {
    case .record(let record):
        "record \(record.origin.line)#\(record.origin.record) \(LeadValue.object(record.fields).jsonText)"
    case .failure(let error):
        "\(error.scope.rawValue) error #\(error.record.map(String.init) ?? "-"): " + error.diagnostic.rendered()
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
typealias TestDirectory = TemporaryDirectory

/// A file's bytes and what reading it must report, for parameterized tests.
struct FileCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var rendered: String
    var testDescription: String { name }
}
