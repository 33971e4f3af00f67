internal import CYAML

extension YAMLDocument {
    /// Parses one YAML document from a file.
    ///
    /// I/O failures are reported as a diagnostic at the file's first position.
    public static func parse(contentsOf path: String) throws(DiagnosticError) -> YAMLDocument {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch {
            let location = SourceLocation(file: path, line: 1, column: 1)
            throw DiagnosticError([Diagnostic(at: location, .init(error.reason))])
        }
        return try parse(bytes, path: path)
    }

    /// Parses one YAML document with libyaml's event API into a node tree with positions.
    ///
    /// Collects every problem it can in one pass (duplicate keys, anchors, aliases, tags, tab indentation) and
    /// throws them together; a libyaml syntax error ends the pass, since nothing after it can be trusted.
    public static func parse(_ bytes: [UInt8], path: String) throws(DiagnosticError) -> YAMLDocument {
        // A byte order mark (editors on Windows write one) is not part of the text: libyaml, told the text is
        // UTF-8, would read it as a character; left out, line 1's columns are the ones an editor shows.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return try parse(Array(bytes.dropFirst(3)), path: path) }
        if let bad = bytes.withUnsafeBufferPointer({ UTF8Text.firstInvalidOffset(in: $0) }) {
            let diagnostic = bytes.withUnsafeBufferPointer { buffer in
                let position = UTF8Text.position(ofOffset: bad, in: buffer, breaks: .yaml)
                return Diagnostic(
                    at: SourceLocation(file: path, line: position.line, column: position.column),
                    .invalidUTF8(buffer[bad]),
                    sourceLine: UTF8Text.excerpt(UnsafeBufferPointer(rebasing: buffer[position.lineRange]))
                )
            }
            throw DiagnosticError([diagnostic])
        }
        let source = SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self))
        var builder = TreeBuilder(source: source)
        bytes.withUnsafeBufferPointer { buffer in
            builder.run(buffer)
        }
        if builder.diagnostics.isEmpty {
            builder.checkTabIndentation()
        }
        guard builder.diagnostics.isEmpty else {
            throw DiagnosticError(builder.diagnostics)
        }
        return YAMLDocument(source: source, root: builder.root)
    }
}

/// Turns libyaml's events into nodes, one container frame at a time.
private struct TreeBuilder {
    enum PendingKey {
        case none
        case key(YAMLScalar)
        case invalid
    }

    /// An open sequence or mapping, filled in place (so appending never copies what came before).
    struct Frame {
        var isMapping: Bool
        var start: SourceLocation
        var flow: Bool
        var items: [YAMLNode] = []
        var entries: [YAMLMapping.Entry] = []
        var pending = PendingKey.none
        var seen: [String: SourceLocation] = [:]
    }

    let source: SourceFile
    var diagnostics: [Diagnostic] = []
    var root: YAMLNode?
    var stack: [Frame] = []
    /// Lines whose leading whitespace belongs to a multi-line scalar or flow collection, not to indentation.
    var continuationLines: [ClosedRange<Int>] = []
    var documentStart: SourceLocation?

    init(source: SourceFile) {
        self.source = source
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        let line = Int(mark.line) + 1
        // At the end of a text without a final line break, libyaml counts the line break it adds itself: a mark
        // there is on a line after the last, and is shown at the end of the last instead, where the text stops.
        if line > source.lines.count, let last = source.lines.last {
            return SourceLocation(file: source.path, line: source.lines.count, column: last.unicodeScalars.count + 1)
        }
        return SourceLocation(file: source.path, line: line, column: Int(mark.column) + 1)
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            diagnostics.append(Diagnostic(at: source.location(line: 1, column: 1), .init("out of memory")))
            return
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                reportParserError(parser, buffer)
                return
            }
            defer { yaml_event_delete(&event) }
            let start = location(event.start_mark)
            let end = location(event.end_mark)
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                if let first = documentStart {
                    diagnostics.append(
                        source.diagnostic(
                            at: start,
                            .secondDocument,
                            length: max(1, end.column - start.column),
                            notes: [source.diagnostic(.note, at: first, .firstDocumentHere)]
                        )
                    )
                    return
                }
                documentStart = start
            case YAML_SCALAR_EVENT:
                let data = event.data.scalar
                checkAnchorAndTag(anchor: data.anchor, tag: data.tag, at: start)
                let value =
                    data.value.map {
                        String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self)
                    } ?? ""
                let scalar = YAMLScalar(
                    value: value,
                    style: Self.style(data.style),
                    span: SourceSpan(start: start, end: end),
                    source: source
                )
                if end.line > start.line {
                    continuationLines.append((start.line + 1)...end.line)
                }
                add(.scalar(scalar))
            case YAML_ALIAS_EVENT:
                let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                diagnostics.append(source.diagnostic(at: start, .alias(name), length: name.count + 1))
                add(.scalar(YAMLScalar(value: "", style: .plain, span: .init(start: start, end: end), source: source)))
            case YAML_SEQUENCE_START_EVENT:
                let data = event.data.sequence_start
                checkAnchorAndTag(anchor: data.anchor, tag: data.tag, at: start)
                stack.append(Frame(isMapping: false, start: start, flow: data.style == YAML_FLOW_SEQUENCE_STYLE))
            case YAML_SEQUENCE_END_EVENT:
                guard let frame = stack.popLast(), !frame.isMapping else { continue }
                if frame.flow && end.line > frame.start.line {
                    continuationLines.append((frame.start.line + 1)...end.line)
                }
                let span = SourceSpan(start: frame.start, end: end)
                add(.sequence(YAMLSequence(items: frame.items, span: span, source: source)))
            case YAML_MAPPING_START_EVENT:
                let data = event.data.mapping_start
                checkAnchorAndTag(anchor: data.anchor, tag: data.tag, at: start)
                stack.append(Frame(isMapping: true, start: start, flow: data.style == YAML_FLOW_MAPPING_STYLE))
            case YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast(), frame.isMapping else { continue }
                if frame.flow && end.line > frame.start.line {
                    continuationLines.append((frame.start.line + 1)...end.line)
                }
                let span = SourceSpan(start: frame.start, end: end)
                add(.mapping(YAMLMapping(entries: frame.entries, span: span, source: source)))
            case YAML_STREAM_END_EVENT:
                return
            default:
                break
            }
        }
    }

    /// Places a finished node in its parent: the next item, a key, a value, or the root.
    mutating func add(_ node: YAMLNode) {
        guard !stack.isEmpty else {
            root = node
            return
        }
        let top = stack.count - 1
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            return
        }
        switch stack[top].pending {
        case .none:
            guard case .scalar(let key) = node else {
                diagnostics.append(source.diagnostic(at: node.location, .nonScalarKey))
                stack[top].pending = .invalid
                return
            }
            if let first = stack[top].seen[key.value] {
                diagnostics.append(
                    source.diagnostic(
                        at: key.location,
                        .duplicateKey(key.value),
                        length: key.value.count,
                        notes: [source.diagnostic(.note, at: first, .firstDefinedHere, length: key.value.count)]
                    )
                )
            } else {
                stack[top].seen[key.value] = key.location
            }
            stack[top].pending = .key(key)
        case .key(let key):
            stack[top].entries.append(YAMLMapping.Entry(key: key, value: node))
            stack[top].pending = .none
        case .invalid:
            stack[top].pending = .none
        }
    }

    mutating func checkAnchorAndTag(
        anchor: UnsafeMutablePointer<yaml_char_t>?,
        tag: UnsafeMutablePointer<yaml_char_t>?,
        at start: SourceLocation
    ) {
        if let anchor {
            let name = String(cString: anchor)
            diagnostics.append(source.diagnostic(at: start, .anchor(name), length: name.count + 1))
        }
        if let tag {
            var name = String(cString: tag)
            if name.hasPrefix("tag:yaml.org,2002:") {
                name = "!!" + name.dropFirst("tag:yaml.org,2002:".count)
            }
            diagnostics.append(source.diagnostic(at: start, .tag(name)))
        }
    }

    mutating func reportParserError(_ parser: yaml_parser_t, _ buffer: UnsafeBufferPointer<UInt8>) {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        if parser.error == YAML_READER_ERROR {
            let position = UTF8Text.position(ofOffset: parser.problem_offset, in: buffer, breaks: .yaml)
            let at = source.location(line: position.line, column: position.column)
            diagnostics.append(source.diagnostic(at: at, .readerProblem(problem, parser.problem_value)))
            return
        }
        let at = location(parser.problem_mark)
        if let tab = tabInIndentation(line: at.line) {
            diagnostics.append(source.diagnostic(at: source.location(line: at.line, column: tab), .tabIndentation))
            return
        }
        var notes: [Diagnostic] = []
        if let context = parser.context.map({ String(cString: $0) }) {
            notes.append(source.diagnostic(.note, at: location(parser.context_mark), .syntaxContext(context)))
        }
        diagnostics.append(source.diagnostic(at: at, .syntax(problem + hint(problem, at: at)), notes: notes))
    }

    /// What most often causes libyaml's terse errors in hand-edited files, told from the lines around the error:
    /// a line indented more than the one above (read as more of its value), a value with `: ` in it, a value that
    /// starts with a character YAML reserves. Empty when none fits.
    func hint(_ problem: String, at location: SourceLocation) -> String {
        guard let line = source.line(location.line) else { return "" }
        let characters = Array(line.unicodeScalars)
        func indent(_ text: some Collection<Unicode.Scalar>) -> Int { text.prefix { $0 == " " }.count }
        /// The previous line with content (not blank, not only a comment).
        func previous() -> [Unicode.Scalar]? {
            var number = location.line - 1
            while number >= 1, let text = source.line(number) {
                let trimmed = text.drop { $0 == " " }
                if !trimmed.isEmpty, trimmed.first != "#" { return Array(text.unicodeScalars) }
                number -= 1
            }
            return nil
        }
        switch problem {
        case "mapping values are not allowed in this context":
            // A `key: ` before the colon libyaml stopped at: the value itself has `: ` in it.
            let before = String(String.UnicodeScalarView(characters.prefix(max(0, location.column - 1))))
            if let above = previous(), indent(characters) > indent(above), !before.contains(": ") {
                return "; this line is indented more than the line above, so YAML reads it as more of that line's "
                    + "value: indent it as the line above"
            }
            if before.contains(": ") || before.hasSuffix(":") {
                return "; a value with ': ' in it must be quoted, as in key: \"a: b\""
            }
            return ""
        case "did not find expected key", "did not find expected '-' indicator":
            return "; check this line's indentation against the lines above it"
        case "found character that cannot start any token",
            "did not find expected alphabetic or numeric character":
            // An alias or anchor's name is read after its indicator: the error is past it.
            let index = location.column - (problem.hasPrefix("did not") ? 2 : 1)
            guard characters.indices.contains(index) else { return "" }
            let character = characters[index]
            guard "@`*&!%|>".unicodeScalars.contains(character) else { return "" }
            return "; a value that starts with '\(character)' must be quoted"
        default:
            return ""
        }
    }

    /// The column of the first tab in a line's leading whitespace, if the line has content after it.
    func tabInIndentation(line: Int) -> Int? {
        guard let text = source.line(line) else { return nil }
        var column = 1
        var tab: Int?
        for character in text.unicodeScalars {
            if character == "\t" {
                tab = tab ?? column
            } else if character != " " {
                return tab
            }
            column += 1
        }
        return nil
    }

    /// Reports lines indented with tabs that libyaml accepted (it allows them in some places where a reader's eye
    /// and libyaml disagree about the structure).
    mutating func checkTabIndentation() {
        for line in 1...max(1, source.lines.count) {
            guard let column = tabInIndentation(line: line) else { continue }
            if continuationLines.contains(where: { $0.contains(line) }) { continue }
            diagnostics.append(source.diagnostic(at: source.location(line: line, column: column), .tabIndentation))
        }
    }

    static func style(_ style: yaml_scalar_style_t) -> ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }
}
