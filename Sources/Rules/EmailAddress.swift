/// Where an e-mail address lies in a field as exports and mail tools write it: `Ana Lee <ana@acme.com>` (a display
/// name, as a `From:` line holds it) and `mailto:ana@acme.com` (a link's target) are `ana@acme.com`, so that rules
/// and assignment read the same address as from a plain field. Shared by the rules' normalization and the lead's keys.
package enum EmailAddress {
    /// The range of `bytes` the address is in, without white space around it: inside the last `<...>` when the text
    /// ends with `>`, and after `mailto:` (in any case). The whole trimmed text otherwise.
    @inline(__always)
    package static func span(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var start = 0
        var end = bytes.count
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        while start < end && isSpace(bytes[start]) { start += 1 }
        // Nearly every address is plain: neither test passes.
        if end > start, bytes[end - 1] == 0x3E, let open = (start..<end - 1).last(where: { bytes[$0] == 0x3C }) {
            start = open + 1
            end -= 1
        } else if end - start > 7, bytes[start + 6] == 0x3A, isMailto(bytes, start) {
            start += 7
        } else {
            return start..<end
        }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        while start < end && isSpace(bytes[start]) { start += 1 }
        if end - start > 7, bytes[start + 6] == 0x3A, isMailto(bytes, start) { start += 7 }
        return start..<end
    }

    /// `span` as the bytes themselves.
    @inline(__always)
    package static func bytes(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[span(bytes)])
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    /// Whether `mailto:` (any case) starts at `start`.
    private static func isMailto(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        let mailto: StaticString = "mailto"
        return mailto.withUTF8Buffer { mailto in
            (0..<6).allSatisfy { bytes[start + $0] | 0x20 == mailto[$0] }
        }
    }
}
