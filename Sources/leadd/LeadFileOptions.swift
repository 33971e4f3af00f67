import ArgumentParser
import Assignment
import Leads
import Rules
import YAML

/// The options of the commands that read lead files.
struct LeadFileOptions: ParsableArguments {
    @Option(help: "A YAML file that gives CSV columns a type or another field name (see docs/leads.md).")
    var csvMapping: String?

    @Option(help: "The longest NDJSON line or CSV record, in bytes.")
    var maxRecordBytes: Int = LeadReaderOptions().maxRecordBytes

    @Option(help: "How deeply arrays and objects may nest in one record.")
    var maxDepth: Int = LeadReaderOptions().maxDepth

    /// The reader options, with the CSV mapping loaded; its diagnostics go to `errors` and end the command.
    func readerOptions(errors: BufferedOutput) throws -> LeadReaderOptions {
        var options = LeadReaderOptions(maxRecordBytes: maxRecordBytes, maxDepth: maxDepth)
        if let csvMapping {
            do {
                options.csvMapping = try CSVMapping.load(contentsOf: csvMapping)
            } catch {
                errors.write(error.diagnostics.rendered() + "\n")
                throw ExitCode(1)
            }
        }
        return options
    }
}

extension Program {
    /// Why `record` is not a lead `leadd score` and `leadd assign` decide: an outcome update (the daemon applies
    /// those), or a record of another shape (`shapeProblem`); nil for a lead.
    func notALead(_ record: LeadRecord) -> String? {
        if OutcomeUpdate.isOutcome(record.document) {
            return "an outcome update, not a lead: the daemon applies outcome updates dropped into its inbox "
                + "(docs/analytics.md)"
        }
        return shapeProblem(record)
    }
}

extension LeadReaderOptions {
    /// A warning for a CSV file `reader` read whose header lacks columns the mapping names, as `leadd parse` and
    /// `leadd score` print it; nil when there is nothing to say (no mapping, not CSV, every column there).
    func mappingWarning(_ reader: LeadFileReader) -> String? {
        guard !csvMapping.columns.isEmpty, let header = reader.csvHeader else { return nil }
        let (missing, unnamed) = csvMapping.unmatched(header: header)
        guard !missing.isEmpty else { return nil }
        let names = missing.map { column, suggestion in
            "'\(column)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        }
        var text =
            "\(reader.path):1:1: warning: the CSV mapping names columns this file's header does not have: "
            + names.joined(separator: ", ")
        if !unnamed.isEmpty {
            let shown = unnamed.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            text += "; its columns the mapping does not name: \(shown)" + (unnamed.count > 8 ? ", ..." : "")
        }
        return text
    }
}
