import ArgumentParser
import Leads
import YAML

/// `leadd parse FILE...`: the records read from lead files, as NDJSON with their origin; problems on stderr.
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Read lead files and print their records as NDJSON, with where each came from.",
        discussion: """
            Each record is printed as {"origin":{"file":...,"line":...,"record":...},"lead":{...}}. \
            Problems are printed on standard error with their file, line and column; the exit status is 1 \
            if any record or file was bad.
            """
    )

    @Argument(help: "Lead files: .json, .ndjson, .jsonl, .csv or .tsv.")
    var files: [String]

    @OptionGroup var leadFiles: LeadFileOptions

    func run() throws {
        let errors = BufferedOutput(fd: 2)
        let options = try leadFiles.readerOptions(errors: errors)
        let output = BufferedOutput(fd: 1)
        var records = 0
        var failures = 0
        for path in files {
            let reader = LeadFileReader(path: path, options: options)
            for result in reader {
                switch result {
                case .record(let record):
                    records += 1
                    output.write { bytes in
                        Self.write(record, into: &bytes)
                    }
                case .failure(let failure):
                    failures += 1
                    errors.write(failure.diagnostic.rendered() + "\n")
                }
            }
            if let warning = reader.printedMappingWarning { errors.write(warning + "\n") }
        }
        output.flush()
        if failures > 0 {
            errors.write("leadd: \(records) record\(records == 1 ? "" : "s") read, \(failures) bad\n")
            throw ExitCode(1)
        }
    }

    static func write(_ record: LeadRecord, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: #"{"origin":{"file":"#.utf8)
        LeadValue.writeJSONString(record.origin.file, into: &bytes)
        bytes.append(contentsOf: #","line":\#(record.origin.line),"record":\#(record.origin.record)},"lead":"#.utf8)
        record.document.writeJSON(into: &bytes)
        bytes.append(contentsOf: "}\n".utf8)
    }
}
