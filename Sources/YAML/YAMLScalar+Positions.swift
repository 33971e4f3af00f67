extension YAMLScalar {
    /// The source position of the character at `offset` (counted in Unicode scalars) of `value`.
    ///
    /// Lets later stages point inside a scalar, for example at the misspelt field of a rule expression. Exact for
    /// plain and quoted scalars (escapes and doubled quotes included) and for block scalars' content lines; where
    /// folding makes the source ambiguous it is the nearest position found, and never outside the scalar.
    public func location(atValueOffset offset: Int) -> SourceLocation {
        let raw = rawScalars()
        var r = 0
        // Skip what is not content: the opening quote, or a block scalar's header line.
        switch style {
        case .singleQuoted, .doubleQuoted:
            r = 1
        case .literal, .folded:
            while r < raw.count && raw[r].scalar != "\n" { r += 1 }
            r += 1
        case .plain:
            break
        }
        var k = 0
        var last: RawScalar?
        for character in value.unicodeScalars {
            guard r < raw.count else { break }
            // Find where this value character was written.
            if style == .doubleQuoted && raw[r].scalar == "\\" {
                let escape = raw[r]
                let next = r + 1 < raw.count ? raw[r + 1].scalar : " "
                if next == "\n" {
                    // An escaped line break: skip it and the next line's indentation, then match again.
                    r += 2
                    while r < raw.count && (raw[r].scalar == " " || raw[r].scalar == "\t") { r += 1 }
                    guard r < raw.count else { break }
                    if k == offset { return raw[r].location(in: self) }
                    r += 1
                    k += 1
                    continue
                }
                if k == offset { return escape.location(in: self) }
                let width: Int
                switch next {
                case "x": width = 4
                case "u": width = 6
                case "U": width = 10
                default: width = 2
                }
                r += width
                // A surrogate pair written as two \u escapes is one value character.
                k += 1
                continue
            }
            if style == .singleQuoted && raw[r].scalar == "'" && character == "'" {
                if k == offset { return raw[r].location(in: self) }
                r += 2
                k += 1
                continue
            }
            while r < raw.count && raw[r].scalar != character && !(character == " " && raw[r].scalar == "\n") {
                r += 1
            }
            guard r < raw.count else { break }
            if k == offset { return raw[r].location(in: self) }
            last = raw[r]
            r += 1
            k += 1
        }
        // Just past the end of the value: after its last character.
        if k == offset, let last {
            return source.location(line: last.line, column: last.column + 1)
        }
        return location
    }

    private struct RawScalar {
        var scalar: Unicode.Scalar
        var line: Int
        var column: Int

        func location(in scalar: YAMLScalar) -> SourceLocation {
            scalar.source.location(line: line, column: column)
        }
    }

    /// The scalar's source text, character by character, with positions.
    private func rawScalars() -> [RawScalar] {
        var result: [RawScalar] = []
        for line in span.start.line...max(span.start.line, span.end.line) {
            guard let text = source.line(line) else { break }
            var column = 1
            for scalar in text.unicodeScalars {
                defer { column += 1 }
                if line == span.start.line && column < span.start.column { continue }
                if line == span.end.line && column >= span.end.column { break }
                result.append(RawScalar(scalar: scalar, line: line, column: column))
            }
            if line < span.end.line {
                result.append(RawScalar(scalar: "\n", line: line, column: column))
            }
        }
        return result
    }
}
