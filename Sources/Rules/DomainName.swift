/// Company domains as leads and the accounts file write them: `https://www.Acme.com/about` is `acme.com`. Lower-cased,
/// without scheme, user, path, query, port, `www.` or a final dot; nil for text that is no domain (no dot, or a
/// space inside).
package enum DomainName {
    /// `https://www.Acme.com/about` -> `acme.com`.
    package static func normalized(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes in span(bytes).map { lowered(UnsafeBufferPointer(rebasing: bytes[$0])) } }
    }

    /// A domain's bytes lower-cased: ASCII letters in place; a domain with letters beyond ASCII (`BÄCKEREI.de`, an
    /// internationalized name not written in punycode) as the rules lower-case text (`FoldedText.lowercased`), so
    /// that the accounts file, a lead's company domain and its address's domain agree.
    package static func lowered(_ domain: UnsafeBufferPointer<UInt8>) -> String {
        guard !FoldedText.beyondASCII(domain) else { return FoldedText.lowercased(domain) }
        return String(unsafeUninitializedCapacity: domain.count) { out in
            for index in domain.indices {
                out[index] = domain[index] &- 0x41 < 26 ? domain[index] | 0x20 : domain[index]
            }
            return domain.count
        }
    }

    /// Where the domain lies in `bytes` (before lower-casing).
    package static func span(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        plainSpan(bytes) ?? generalSpan(bytes)
    }

    /// The whole of `bytes` when they are a domain as nearly every lead writes it (`acme.com`): letters, digits,
    /// `-` and `.` only, a dot among them, not ending with one nor starting with `www.`; found in one pass, where
    /// `generalSpan` gives the same in seven. Nil for anything else, which `generalSpan` then reads.
    @inline(__always)
    static func plainSpan(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var dot = false
        for byte in bytes {
            if byte == 0x2E {
                dot = true
            } else if !(byte | 0x20 &- 0x61 < 26 || byte &- 0x30 < 10 || byte == 0x2D) {
                return nil
            }
        }
        guard dot, let last = bytes.last, last != 0x2E else { return nil }
        if bytes.count >= 4, bytes[0] | 0x20 == 0x77, bytes[1] | 0x20 == 0x77, bytes[2] | 0x20 == 0x77,
            bytes[3] == 0x2E
        {
            return nil
        }
        return 0..<bytes.count
    }

    /// `span` of any text: trimmed, then without scheme, path, query, fragment, user, port, `www.` and final dots.
    static func generalSpan(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        var end = bytes.count
        while end > 0 && isSpace(bytes[end - 1]) { end -= 1 }
        var start = 0
        while start < end && isSpace(bytes[start]) { start += 1 }
        // A scheme: `://`.
        if let colon = (start..<end).first(where: { bytes[$0] == 0x3A }), colon + 2 < end, bytes[colon + 1] == 0x2F,
            bytes[colon + 2] == 0x2F
        {
            start = colon + 3
        }
        end = (start..<end).first { bytes[$0] == 0x2F || bytes[$0] == 0x3F || bytes[$0] == 0x23 } ?? end
        if let at = (start..<end).last(where: { bytes[$0] == 0x40 }) { start = at + 1 }
        if let colon = (start..<end).first(where: { bytes[$0] == 0x3A }) { end = colon }
        if end - start >= 4, lower(bytes[start]) == 0x77, lower(bytes[start + 1]) == 0x77,
            lower(bytes[start + 2]) == 0x77, bytes[start + 3] == 0x2E
        {
            start += 4
        }
        while end > start && bytes[end - 1] == 0x2E { end -= 1 }
        guard (start..<end).contains(where: { bytes[$0] == 0x2E }),
            !(start..<end).contains(where: { isSpace(bytes[$0]) })
        else { return nil }
        return start..<end
    }
}
