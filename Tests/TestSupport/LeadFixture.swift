public import Leads

/// Lead records made from JSON text, as a reader makes one from a line of a file.
public enum LeadFixture {
    /// The record of the JSON object `json`, as line and record `line` of `file`.
    public static func record(_ json: String, file: String = "test.json", line: Int = 1) throws -> LeadRecord {
        let bytes = Array(json.utf8)
        let value = try bytes.withUnsafeBufferPointer { try JSONParser.parse($0, maxDepth: 64) }
        guard case .object(let object) = value else { throw TestFailure("not an object: \(json)") }
        return LeadRecord(origin: LeadOrigin(file: file, line: line, record: line, byteOffset: 0), fields: object)
    }
}

/// A test's own failure, with what went wrong.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
