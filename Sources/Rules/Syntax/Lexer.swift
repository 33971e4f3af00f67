import YAML

/// Splits an expression into tokens, each with its character range.
struct Lexer {
    enum Kind: Equatable {
        case number(Double)
        case string(String)
        case duration(Double)
        case date(Double)
        case name(String)
        case symbol(String)
        case end
    }

    struct Token {
        var kind: Kind
        var range: Range<Int>
    }

    struct Failure: Error {
        var message: String
        var range: Range<Int>
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static func tokens(_ text: String) throws(Failure) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    /// Operators and punctuation, two-character ones first.
    private static let symbols: [([Unicode.Scalar], String)] = [
        "==", "!=", "<=", ">=", "??", "..", "<", ">", "(", ")", "[", "]", ",",
    ].map { (Array($0.unicodeScalars), $0) }

    private static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122)
    }

    private static func isNamePart(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || isDigit(c)
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c.value >= 48 && c.value <= 57
    }

    mutating func next() throws(Failure) -> Token {
        while let c = peek(), c == " " || c == "\t" || c == "\n" || c == "\r" { index += 1 }
        let start = index
        guard let c = peek() else { return Token(kind: .end, range: start..<start) }
        if c == "\"" || c == "'" {
            return try string(quote: c)
        }
        if Self.isDigit(c) {
            return try numberDurationOrDate()
        }
        // A negative number: the language has no subtraction, so a minus before a digit can only be its sign.
        if c == "-", let d = peek(1), Self.isDigit(d) {
            index += 1
            let token = try numberDurationOrDate()
            guard case .number(let value) = token.kind else {
                throw Failure(message: "unexpected character '-'", range: start..<start + 1)
            }
            return Token(kind: .number(-value), range: start..<token.range.upperBound)
        }
        if Self.isNameStart(c) {
            while let d = peek(), Self.isNamePart(d) || (d == "." && peek(1).map(Self.isNameStart) == true) {
                index += 1
            }
            return Token(kind: .name(String(String.UnicodeScalarView(scalars[start..<index]))), range: start..<index)
        }
        for (symbol, text) in Self.symbols {
            let width = symbol.count
            if index + width <= scalars.count && scalars[index] == symbol[0]
                && (width == 1 || scalars[index + 1] == symbol[1])
            {
                index += width
                return Token(kind: .symbol(text), range: start..<index)
            }
        }
        if c == "=" {
            throw Failure(message: "unexpected '='; compare with '=='", range: start..<start + 1)
        }
        throw Failure(message: "unexpected character '\(c)'", range: start..<start + 1)
    }

    private mutating func string(quote: Unicode.Scalar) throws(Failure) -> Token {
        let start = index
        index += 1
        var text = ""
        while let c = peek() {
            index += 1
            if c == quote {
                return Token(kind: .string(text), range: start..<index)
            }
            if c == "\\" {
                guard let e = peek() else { break }
                index += 1
                switch e {
                case "n": text.unicodeScalars.append("\n")
                case "t": text.unicodeScalars.append("\t")
                case "\\", "\"", "'": text.unicodeScalars.append(e)
                default:
                    // Keep other escapes as written, so regexes like "\\b" read naturally.
                    text.unicodeScalars.append("\\")
                    text.unicodeScalars.append(e)
                }
                continue
            }
            text.unicodeScalars.append(c)
        }
        throw Failure(message: "unterminated string", range: start..<start + 1)
    }

    private mutating func numberDurationOrDate() throws(Failure) -> Token {
        let start = index
        // A date: 4 digits, '-', 2 digits, '-', 2 digits, optionally a time.
        if index + 10 <= scalars.count, scalars[index + 4] == "-", scalars[index + 7] == "-",
            (0..<10).allSatisfy({ [4, 7].contains($0) || Self.isDigit(scalars[index + $0]) })
        {
            var end = index + 10
            if end < scalars.count, scalars[end] == "T" {
                end += 1
                while end < scalars.count, Self.isNamePart(scalars[end]) || [":", ".", "+", "-"].contains(scalars[end])
                {
                    end += 1
                }
            }
            let text = String(String.UnicodeScalarView(scalars[index..<end]))
            guard let seconds = Timestamp.seconds(text) else {
                throw Failure(message: "invalid date '\(text)'", range: start..<end)
            }
            index = end
            return Token(kind: .date(seconds), range: start..<end)
        }
        while let c = peek(), Self.isDigit(c) || c == "_" { index += 1 }
        if peek() == ".", let next = peek(1), Self.isDigit(next) {
            index += 1
            while let c = peek(), Self.isDigit(c) { index += 1 }
        }
        let digits = String(String.UnicodeScalarView(scalars[start..<index])).filter { $0 != "_" }
        guard let value = Double(digits) else {
            throw Failure(message: "invalid number", range: start..<index)
        }
        if let unit = peek(), Self.isNameStart(unit) {
            let unitStart = index
            while let c = peek(), Self.isNamePart(c) { index += 1 }
            let name = String(String.UnicodeScalarView(scalars[unitStart..<index]))
            guard let seconds = Duration.unitSeconds[name] else {
                throw Failure(
                    message: "invalid duration unit '\(name)'; use m, h, d or w (as in 15m, 12h, 30d, 2w)",
                    range: start..<index
                )
            }
            return Token(kind: .duration(value * seconds), range: start..<index)
        }
        return Token(kind: .number(value), range: start..<index)
    }

    enum Duration {
        static let unitSeconds: [String: Double] = ["m": 60, "h": 3600, "d": 86400, "w": 604_800]
    }
}
