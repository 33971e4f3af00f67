/// The text of one source file, split into lines, shared by every node read from it.
///
/// Immutable, so nodes can point into it from any task; diagnostics copy the one line they show.
public final class SourceFile: Sendable {
    public let path: String
    public let text: String
    /// Each line without its line break: `\n`, `\r\n`, `\r`, or NEL, LS or PS, the breaks libyaml counts lines by
    /// (a file saved with Windows line breaks has the same lines as with Unix ones).
    public let lines: [Substring]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        // By Unicode scalars: as characters, `\r\n` is one, and not `\n`.
        let scalars = text.unicodeScalars
        var lines: [Substring] = []
        var start = scalars.startIndex
        var index = start
        while index < scalars.endIndex {
            let scalar = scalars[index]
            guard scalar == "\n" || scalar == "\r" || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}"
            else {
                index = scalars.index(after: index)
                continue
            }
            lines.append(Substring(scalars[start..<index]))
            index = scalars.index(after: index)
            if scalar == "\r", index < scalars.endIndex, scalars[index] == "\n" { index = scalars.index(after: index) }
            start = index
        }
        lines.append(Substring(scalars[start..<scalars.endIndex]))
        self.lines = lines
    }

    /// The text of a 1-based line, or nil past the end.
    public func line(_ number: Int) -> Substring? {
        lines.indices.contains(number - 1) ? lines[number - 1] : nil
    }

    /// The location of a 1-based line and column in this file.
    public func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }

    /// A diagnostic at a position of this file, with the source line for its excerpt.
    public func diagnostic(
        _ severity: Diagnostic.Severity = .error,
        at location: SourceLocation,
        _ message: Diagnostic.Message,
        length: Int = 1,
        notes: [Diagnostic] = []
    ) -> Diagnostic {
        Diagnostic(
            severity,
            at: location,
            message,
            length: length,
            sourceLine: line(location.line).map(String.init),
            notes: notes
        )
    }
}
