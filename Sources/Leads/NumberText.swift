/// Numbers written as text, as lead files hold them.
package enum NumberText {
    /// Whether `byte` may appear in a plain decimal number: a digit, `.`, a sign, or an exponent's `e` or `E`. What
    /// `Double(_:)` reads besides (`nan`, `inf`, hex such as `0x10`) has other bytes.
    @inline(__always)
    package static func isPlainByte(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10 || byte == 0x2E || byte == 0x2B || byte == 0x2D || byte | 0x20 == 0x65
    }
}

extension NumberText {
    /// The plain text (`1200000.5`) of a number written with digit groups and a decimal mark, as spreadsheets and
    /// CRM exports write them: `1,200,000.50` for the mark `.`, `1.200.000,50` for `,`, and in both `1 200` or
    /// `1'200` (spaces, no-break spaces, apostrophes). Groups after the first have three digits each, and one text
    /// uses one kind of separator; nil for a text that breaks that (`1,2` for the mark `.`: most likely written for
    /// the other mark). A text without separators is returned with its mark made `.`.
    package static func plain(_ text: String, decimalMark: Character) -> String? {
        let separators: Set<Character> = [decimalMark == "," ? "." : ",", " ", "\u{00A0}", "\u{202F}", "'", "’"]
        let whole: Substring
        let fraction: Substring?
        if let mark = text.firstIndex(of: decimalMark) {
            whole = text[..<mark]
            fraction = text[text.index(after: mark)...]
        } else {
            (whole, fraction) = (text[...], nil)
        }
        if let fraction, fraction.contains(where: { separators.contains($0) || $0 == decimalMark }) { return nil }
        guard let separator = whole.first(where: separators.contains) else {
            return fraction.map { whole + "." + $0 } ?? text
        }
        var digits = whole
        var sign = ""
        if let first = digits.first, first == "-" || first == "+" {
            sign = String(first)
            digits = digits.dropFirst()
        }
        let groups = digits.split(separator: separator, omittingEmptySubsequences: false)
        guard let head = groups.first, (1...3).contains(head.count),
            groups.dropFirst().allSatisfy({ $0.count == 3 }),
            groups.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return nil }
        if let fraction {
            guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        }
        return sign + groups.joined() + (fraction.map { "." + $0 } ?? "")
    }
}
