/// Limits and settings of the lead readers; the defaults suit the daemon.
public struct LeadReaderOptions: Sendable {
    /// The longest NDJSON line or CSV record, in bytes; a longer one is a bad record, skipped without buffering it.
    public var maxRecordBytes: Int
    /// How deeply arrays and objects may nest in one record.
    public var maxDepth: Int
    /// The largest `.json` file, which is read whole; NDJSON and CSV files are streamed and have no such limit.
    public var maxJSONFileBytes: Int
    /// How CSV columns, and the keys of JSON records a mapping names by file, become fields (`CSVMappings`); without
    /// a mapping for a CSV file, every column is a string field named by its header.
    public var csvMappings: CSVMappings

    public init(
        maxRecordBytes: Int = 1 << 20,
        maxDepth: Int = 64,
        maxJSONFileBytes: Int = 256 << 20,
        csvMappings: CSVMappings = CSVMappings()
    ) {
        self.maxRecordBytes = maxRecordBytes
        self.maxDepth = maxDepth
        self.maxJSONFileBytes = maxJSONFileBytes
        self.csvMappings = csvMappings
    }

    /// Options with one mapping for every CSV file (and its `files`, if it has them).
    public init(csvMapping: CSVMapping) {
        self.init(csvMappings: CSVMappings([csvMapping]))
    }
}
