extension Diagnostic {
    /// The first line of `rendered()`: `FILE:LINE:COLUMN: error: MESSAGE`, for logs.
    public var headline: String { "\(location): \(severity.rawValue): \(message.text)" }

    /// The line with control characters other than tab shown as U+FFFD, so an excerpt never drives a terminal.
    static func printable(_ line: String) -> String {
        guard line.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else {
            return line
        }
        var text = ""
        for scalar in line.unicodeScalars {
            let control = (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F
            text.unicodeScalars.append(control ? "\u{FFFD}" : scalar)
        }
        return text
    }

    /// The diagnostic as a compiler prints it:
    ///
    /// ```
    /// rules/demographics.yaml:14:11: error: unknown field 'company.employes'
    ///    14 |     when: company.employes >= 1000
    ///       |           ^~~~~~~~~~~~~~~~
    /// ```
    ///
    /// The caret line copies the tabs of the source line so the caret stays under the problem.
    public func rendered() -> String {
        var out = headline
        if let sourceLine {
            let number = String(location.line)
            let width = max(5, number.count)
            let gutter = String(repeating: " ", count: width - number.count) + number
            let blank = String(repeating: " ", count: width)
            var caretPad = ""
            var index = 1
            for scalar in sourceLine.unicodeScalars {
                guard index < location.column else { break }
                caretPad.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
                index += 1
            }
            if index < location.column {
                caretPad += String(repeating: " ", count: location.column - index)
            }
            out += "\n\(gutter) | \(Self.printable(sourceLine))"
            out += "\n\(blank) | \(caretPad)^" + String(repeating: "~", count: length - 1)
        }
        for note in notes {
            out += "\n" + note.rendered()
        }
        return out
    }
}

extension Sequence<Diagnostic> {
    /// Each diagnostic rendered, one after the other.
    public func rendered() -> String {
        map { $0.rendered() }.joined(separator: "\n")
    }
}
