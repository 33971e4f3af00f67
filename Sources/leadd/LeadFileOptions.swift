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
