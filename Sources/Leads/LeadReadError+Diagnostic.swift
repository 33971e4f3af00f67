public import YAML

extension LeadReadError {
    /// The error as a positioned diagnostic, rendered like every other one.
    public var diagnostic: Diagnostic {
        Diagnostic(
            at: SourceLocation(file: file, line: line, column: column),
            .init(reason),
            sourceLine: sourceLine
        )
    }
}
