/// One node of a parsed YAML document: a scalar, a sequence or a mapping, each with its source span.
///
/// Scalars keep their text and style; nothing is resolved to a number, boolean, null or timestamp until a consumer
/// asks for that type (see `YAMLScalar+Resolution.swift`), so a plain `no` stays the string "no".
public enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case sequence(YAMLSequence)
    case mapping(YAMLMapping)

    /// Where the node's text starts and ends.
    public var span: SourceSpan {
        switch self {
        case .scalar(let scalar): scalar.span
        case .sequence(let sequence): sequence.span
        case .mapping(let mapping): mapping.span
        }
    }

    /// Where the node starts.
    public var location: SourceLocation { span.start }

    /// The file the node was read from.
    public var source: SourceFile {
        switch self {
        case .scalar(let scalar): scalar.source
        case .sequence(let sequence): sequence.source
        case .mapping(let mapping): mapping.source
        }
    }

    /// "a scalar", "a sequence", "a mapping": for messages.
    public var kindDescription: String {
        switch self {
        case .scalar: "a scalar"
        case .sequence: "a sequence"
        case .mapping: "a mapping"
        }
    }
}

/// How a scalar was written.
public enum ScalarStyle: String, Sendable, Hashable {
    case plain
    case singleQuoted = "single-quoted"
    case doubleQuoted = "double-quoted"
    case literal
    case folded

    /// Quoted and block scalars are always strings; only plain ones may be read as other types.
    public var isPlain: Bool { self == .plain }
}

/// A scalar: its text after YAML's unescaping and folding, its style and where it was written.
public struct YAMLScalar: Sendable {
    public var value: String
    public var style: ScalarStyle
    public var span: SourceSpan
    public var source: SourceFile

    public init(value: String, style: ScalarStyle, span: SourceSpan, source: SourceFile) {
        self.value = value
        self.style = style
        self.span = span
        self.source = source
    }

    public var location: SourceLocation { span.start }
}

/// A sequence of nodes, in file order.
public struct YAMLSequence: Sendable {
    public var items: [YAMLNode]
    public var span: SourceSpan
    public var source: SourceFile

    public init(items: [YAMLNode], span: SourceSpan, source: SourceFile) {
        self.items = items
        self.span = span
        self.source = source
    }
}

/// A mapping with scalar keys, in file order; keys are unique (the parser rejects duplicates).
public struct YAMLMapping: Sendable {
    public struct Entry: Sendable {
        public var key: YAMLScalar
        public var value: YAMLNode

        public init(key: YAMLScalar, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    public var entries: [Entry]
    public var span: SourceSpan
    public var source: SourceFile

    public init(entries: [Entry], span: SourceSpan, source: SourceFile) {
        self.entries = entries
        self.span = span
        self.source = source
    }

    /// The value under a key, if the key is present.
    public subscript(key: String) -> YAMLNode? {
        entries.first { $0.key.value == key }?.value
    }

    /// The entry whose key is `key`, if present.
    public func entry(_ key: String) -> Entry? {
        entries.first { $0.key.value == key }
    }
}

/// A parsed YAML file: its source and its single document's root, nil when the file holds no document.
public struct YAMLDocument: Sendable {
    public var source: SourceFile
    public var root: YAMLNode?

    public init(source: SourceFile, root: YAMLNode?) {
        self.source = source
        self.root = root
    }
}
