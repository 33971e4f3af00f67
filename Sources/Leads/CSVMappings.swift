public import YAML

/// The CSV mappings of an inbox that receives files from several sources (a CRM's exports, a spreadsheet's, an
/// event scanner's), each export with its own column names: which mapping reads which file, by its name.
///
/// A mapping with `files` patterns reads the files they name; the first such mapping in the given order wins. A
/// mapping without `files` (at most one) reads every CSV file that no other mapping names, wherever it stands in the
/// list; without one, such files are read with no mapping (each column a string field named by its header).
public struct CSVMappings: Sendable {
    /// In the order given.
    public var mappings: [CSVMapping]

    public init(_ mappings: [CSVMapping] = []) {
        self.mappings = mappings
    }

    /// The mapping that reads the file named `name` (as dropped, without folders).
    public func mapping(forFile name: String) -> CSVMapping {
        mapping(naming: name) ?? mappings.first { $0.files.isEmpty } ?? CSVMapping()
    }

    /// The mapping whose `files` name the file named `name`, if one does: the one that reads a JSON or NDJSON file's
    /// records (a mapping of every other file reads only CSV files).
    public func mapping(naming name: String) -> CSVMapping? {
        mappings.first { !$0.files.isEmpty && $0.names(file: name) }
    }

    /// Loads the mapping files at `paths`, reporting every problem of every file at once, each at its position: a
    /// second mapping without `files` is one (only one can read every other file).
    public static func load(contentsOf paths: [String]) throws(DiagnosticError) -> CSVMappings {
        var diagnostics: [Diagnostic] = []
        var mappings: [CSVMapping] = []
        var everyOther: String?
        for path in paths {
            do {
                let document = try YAMLDocument.parse(contentsOf: path)
                let mapping = try CSVMapping.load(document)
                if mapping.files.isEmpty {
                    if let everyOther {
                        let start = document.root?.span.start ?? document.source.location(line: 1, column: 1)
                        diagnostics.append(document.source.diagnostic(at: start, .secondMappingOfEveryFile(everyOther)))
                    }
                    everyOther = everyOther ?? path
                }
                mappings.append(mapping)
            } catch {
                diagnostics.append(contentsOf: error.diagnostics)
            }
        }
        guard diagnostics.isEmpty else { throw DiagnosticError(diagnostics) }
        return CSVMappings(mappings)
    }
}

extension Diagnostic.Message {
    static func secondMappingOfEveryFile(_ first: String) -> Self {
        .init(
            "this mapping has no 'files', nor has \(first): only one mapping can read every file the others do not"
                + " name; give this one 'files' patterns (such as hubspot-*.csv)"
        )
    }
}
