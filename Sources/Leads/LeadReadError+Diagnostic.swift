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

extension Diagnostic {
    /// The diagnostic as JSON for programs: file, line, column, length, severity, message, and its notes.
    package var json: LeadObject {
        var object = LeadObject()
        object.set("file", .string(location.file))
        object.set("line", .int(location.line))
        object.set("column", .int(location.column))
        object.set("length", .int(length))
        object.set("severity", .string(severity.rawValue))
        object.set("message", .string(message.text))
        if !notes.isEmpty {
            object.set(
                "notes",
                .array(
                    notes.map { note in
                        var entry = LeadObject()
                        entry.set("file", .string(note.location.file))
                        entry.set("line", .int(note.location.line))
                        entry.set("column", .int(note.location.column))
                        entry.set("message", .string(note.message.text))
                        return .object(entry)
                    }
                )
            )
        }
        return object
    }
}
