/// A problem found in an input, at a position, with a message a person can act on.
///
/// Every stage reports through this one type, so the CLI, the daemon's logs and editors all show the same text:
/// `file:line:column: error: message`, then the source line and a caret under the problem.
public struct Diagnostic: Error, Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
        case note
    }

    /// A message from a module's catalog: lowercase, no trailing period, user tokens in quotes.
    public struct Message: Sendable, Hashable, CustomStringConvertible {
        public var text: String

        public init(_ text: String) {
            self.text = text
        }

        public var description: String { text }
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: Message
    /// How many characters from `location` the caret line underlines (at least one).
    public var length: Int
    /// The text of the source line, without its line break, when the reporter had it.
    public var sourceLine: String?
    /// Further positions that explain this one ("first defined here").
    public var notes: [Diagnostic]

    public init(
        _ severity: Severity = .error,
        at location: SourceLocation,
        _ message: Message,
        length: Int = 1,
        sourceLine: String? = nil,
        notes: [Diagnostic] = []
    ) {
        self.severity = severity
        self.location = location
        self.message = message
        self.length = max(1, length)
        self.sourceLine = sourceLine
        self.notes = notes
    }
}

/// Every diagnostic of one load or check, sorted by position, thrown once.
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted { $0.location < $1.location }
    }

    public var description: String { diagnostics.rendered() }
}
