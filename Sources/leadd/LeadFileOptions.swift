import ArgumentParser
import Assignment
import Leads
import Rules
import YAML

/// The options of the commands that read lead files.
struct LeadFileOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A YAML file that gives CSV columns a type or another field name (see docs/leads.md).",
            discussion: "Repeat it for files from several sources: each mapping's 'files' patterns name its files."
        )
    )
    var csvMapping: [String] = []

    @Option(help: "The longest NDJSON line or CSV record, in bytes.")
    var maxRecordBytes: Int = LeadReaderOptions().maxRecordBytes

    @Option(help: "How deeply arrays and objects may nest in one record.")
    var maxDepth: Int = LeadReaderOptions().maxDepth

    /// The reader options, with the CSV mappings loaded; its diagnostics go to `errors` and end the command.
    func readerOptions(errors: BufferedOutput) throws -> LeadReaderOptions {
        var options = LeadReaderOptions(maxRecordBytes: maxRecordBytes, maxDepth: maxDepth)
        if !csvMapping.isEmpty {
            do {
                options.csvMappings = try CSVMappings.load(contentsOf: csvMapping)
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

extension LeadFileReader {
    /// A warning for a file read whose mapping names what it lacks (`LeadFileReader.mappingWarning`), as `leadd
    /// parse` and `leadd score` print it; nil when there is nothing to say.
    var printedMappingWarning: String? {
        mappingWarning.map { "\(path):1:1: warning: " + $0 }
    }
}
