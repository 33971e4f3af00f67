/// Byte-level helpers shared by the readers: UTF-8 validation and byte offsets to line and column.
package enum UTF8Text {
    /// The offset of the first byte that is not part of valid UTF-8, or nil when all of it is valid.
    package static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let width: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: width = 2
            case 0xE0:
                width = 3
                lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: width = 3
            case 0xED:
                width = 3
                upper = 0x9F
            case 0xF0:
                width = 4
                lower = 0x90
            case 0xF1...0xF3: width = 4
            case 0xF4:
                width = 4
                upper = 0x8F
            default: return i
            }
            guard i + width <= n else { return i }
            let b1 = bytes[i + 1]
            guard b1 >= lower && b1 <= upper else { return i }
            for k in 2..<width where bytes[i + k] & 0xC0 != 0x80 {
                return i
            }
            i += width
        }
        return nil
    }

    /// What ends a line: `\n` (JSON and NDJSON), also `\r\n` and `\r` (CSV), or also NEL, LS and PS (YAML, as
    /// libyaml counts lines).
    package enum LineBreaks: Sendable {
        case newline
        case newlineOrReturn
        case yaml
    }

    /// The length of the line break at `i`, or 0 when none starts there; `\r\n` is one break.
    @inline(__always)
    static func lineBreak(at i: Int, in bytes: UnsafeBufferPointer<UInt8>, _ breaks: LineBreaks) -> Int {
        let byte = bytes[i]
        if byte == UInt8(ascii: "\n") { return 1 }
        if breaks == .newline { return 0 }
        if byte == UInt8(ascii: "\r") { return i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n") ? 2 : 1 }
        if breaks == .yaml {
            if byte == 0xC2 && i + 1 < bytes.count && bytes[i + 1] == 0x85 { return 2 }
            if byte == 0xE2 && i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] | 1) == 0xA9 { return 3 }
        }
        return 0
    }

    /// The 1-based line and column (counted in Unicode scalars) of a byte offset, and the byte range of its line
    /// (without its break).
    package static func position(
        ofOffset offset: Int,
        in bytes: UnsafeBufferPointer<UInt8>,
        breaks: LineBreaks = .newline
    ) -> (line: Int, column: Int, lineRange: Range<Int>) {
        let offset = min(max(0, offset), bytes.count)
        var line = 1
        var lineStart = 0
        var i = 0
        while i < offset {
            let length = lineBreak(at: i, in: bytes, breaks)
            if length == 0 {
                i += 1
            } else if i + length > offset {
                // The offset is inside a break (`\r` | `\n`): on the line the break ends.
                break
            } else {
                i += length
                line += 1
                lineStart = i
            }
        }
        var column = 1
        for i in lineStart..<offset where bytes[i] & 0xC0 != 0x80 {
            column += 1
        }
        var lineEnd = offset
        while lineEnd < bytes.count && lineBreak(at: lineEnd, in: bytes, breaks) == 0 {
            lineEnd += 1
        }
        if breaks == .newline && lineEnd > lineStart && bytes[lineEnd - 1] == UInt8(ascii: "\r") {
            lineEnd -= 1
        }
        return (line, column, lineStart..<max(lineStart, lineEnd))
    }

    /// A line's bytes as text for an excerpt: invalid UTF-8 and control characters other than tab shown as U+FFFD,
    /// cut to `limit` scalars so a megabyte-long line never floods a terminal.
    package static func excerpt(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = 400) -> String {
        var text = ""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars.prefix(limit) {
            if scalar.value < 0x20 && scalar != "\t" || scalar.value == 0x7F {
                text.unicodeScalars.append("\u{FFFD}")
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
