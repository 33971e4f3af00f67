import Leads
import YAML

/// Turns lead values into evaluation values by their catalog type, once per lead: e-mails lower-cased with the
/// `+tag` removed, countries to ISO codes, numbers written as text (`"1,100"`) to numbers, timestamps parsed.
/// Anything that does not fit its type becomes `missing`.
enum Normalizer {
    /// The value of node `node` of `lead` as a field of catalog type `type`. Texts are read in place (`.text`): a
    /// text normalizing changes is written to `scratch`, a list of texts is the lead's array itself (`.items`).
    static func value(_ lead: LeadView, _ node: Int?, _ type: FieldType, scratch: inout [UInt8]) -> Value {
        guard let node else { return .missing }
        switch (type, lead.kind(node)) {
        case (.string, .string):
            let trimmed = FoldedText.trimmed(lead.bytes(node))
            return trimmed.isEmpty ? .missing : .text(reference(trimmed, in: lead))
        case (.string, .int):
            return lead.int(node).map { text(String($0), in: &scratch) } ?? .missing
        case (.email, .string):
            return email(lead, node, scratch: &scratch)
        case (.country, .string):
            return country(lead, node, scratch: &scratch)
        case (.domain, .string):
            return domain(lead, node, scratch: &scratch)
        case (.number, .int):
            return lead.int(node).map { .number(Double($0)) } ?? .missing
        case (.number, .double):
            return lead.double(node).map { .number($0) } ?? .missing
        case (.number, .string):
            return number(lead.string(node) ?? "").map { .number($0) } ?? .missing
        case (.boolean, .true):
            return .boolean(true)
        case (.boolean, .false):
            return .boolean(false)
        case (.timestamp, .string), (.timestamp, .int), (.timestamp, .double):
            return timestamp(lead, node).map { .timestamp($0) } ?? .missing
        case (.list, .array):
            return .items(node)
        case (.list, .string):
            // A list written as text: "routing, reporting".
            return .textList(reference(lead.bytes(node), in: lead))
        case (.events, .array):
            return .events(0)
        default:
            return .missing
        }
    }

    /// The domain at `node` (`https://www.Acme.com/about` is `acme.com`, `DomainName`): the lead's own bytes when
    /// they need no lower-casing, else written to `scratch`. A text that is no domain stays as written, trimmed.
    static func domain(_ lead: LeadView, _ node: Int, scratch: inout [UInt8]) -> Value {
        let bytes = FoldedText.trimmed(lead.bytes(node))
        guard !bytes.isEmpty else { return .missing }
        guard let span = DomainName.span(bytes) else { return .text(reference(bytes, in: lead)) }
        let domain = UnsafeBufferPointer(rebasing: bytes[span])
        guard domain.contains(where: { $0 &- 0x41 < 26 || $0 >= 0x80 }) else {
            return .text(reference(domain, in: lead))
        }
        let start = scratch.count
        if domain.contains(where: { $0 >= 0x80 }) {
            scratch.append(contentsOf: DomainName.lowered(domain).utf8)
        } else {
            scratch.append(contentsOf: domain.lazy.map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 })
        }
        return .text(TextRef(start: UInt32(start), count: UInt32(scratch.count - start), arena: .scratch))
    }

    /// The country at `node` as its ISO code, when `Countries` knows its name or code in any case; else the text
    /// itself, trimmed. A code already written as the code is read in place.
    static func country(_ lead: LeadView, _ node: Int, scratch: inout [UInt8]) -> Value {
        let bytes = FoldedText.trimmed(lead.bytes(node))
        guard !bytes.isEmpty else { return .missing }
        guard let packed = packedCountry(bytes) else {
            let trimmed = String(decoding: bytes, as: UTF8.self)
            return text(Countries.code(trimmed) ?? trimmed, in: &scratch)
        }
        guard let code = countryTable.code(packed) else {
            // Not a name or code as the table holds it: maybe written loosely ("the UK", "St Lucia").
            let written = String(decoding: bytes, as: UTF8.self)
            if let code = Countries.code(written) { return text(code, in: &scratch) }
            return .text(reference(bytes, in: lead))
        }
        let (first, second) = (UInt8(truncatingIfNeeded: code), UInt8(truncatingIfNeeded: code >> 8))
        if bytes.count == 2 && bytes[0] == first && bytes[1] == second { return .text(reference(bytes, in: lead)) }
        let start = scratch.count
        scratch.append(first)
        scratch.append(second)
        return .text(TextRef(start: UInt32(start), count: 2, arena: .scratch))
    }

    /// Up to eight ASCII bytes, letters lower-cased, packed first byte lowest; nil for longer text or text beyond
    /// ASCII (looked up as a `String`).
    private static func packedCountry(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard bytes.count <= 8 else { return nil }
        var packed: UInt64 = 0
        for index in 0..<bytes.count {
            guard bytes[index] < 0x80 else { return nil }
            packed |= UInt64(FoldedText.fold(bytes[index])) << (8 * index)
        }
        return packed
    }

    /// The keys of `Countries.codes` that `packedCountry` packs, in a table by their hash: a lead's country is found
    /// in a probe or two, where a binary search over the thousand keys took ten steps, each a branch the processor
    /// could not foresee.
    private static let countryTable = CountryTable()

    /// Packed keys (`packedCountry`; never 0, which marks an empty entry) and their codes' two bytes (first byte
    /// lowest), by hash slot, open addressing with linear probing, at most a quarter full.
    private struct CountryTable {
        let keys: [UInt64]
        let codes: [UInt16]
        let mask: Int

        init() {
            let entries: [(key: UInt64, code: UInt16)] = Countries.codes.compactMap { name, code in
                let key = FoldedText.withBytes(name) { packedCountry($0) }
                let bytes = Array(code.utf8)
                guard let key, key != 0, bytes.count == 2 else { return nil }
                return (key, UInt16(bytes[0]) | UInt16(bytes[1]) << 8)
            }
            var size = 16
            while size < entries.count * 4 { size *= 2 }
            var keys = [UInt64](repeating: 0, count: size)
            var codes = [UInt16](repeating: 0, count: size)
            for entry in entries {
                var slot = Self.slot(entry.key, mask: size - 1)
                while keys[slot] != 0 { slot = (slot + 1) & (size - 1) }
                keys[slot] = entry.key
                codes[slot] = entry.code
            }
            self.keys = keys
            self.codes = codes
            mask = size - 1
        }

        @inline(__always)
        private static func slot(_ key: UInt64, mask: Int) -> Int {
            Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        }

        /// The code of a packed key, or nil when the table does not hold it.
        func code(_ key: UInt64) -> UInt16? {
            guard key != 0 else { return nil }
            return keys.withUnsafeBufferPointer { keys in
                var slot = Self.slot(key, mask: mask)
                while keys[slot] != 0 {
                    if keys[slot] == key { return codes[slot] }
                    slot = (slot + 1) & mask
                }
                return nil
            }
        }
    }

    /// A text made here, written to the scratch bytes.
    static func text(_ text: String, in scratch: inout [UInt8]) -> Value {
        let start = scratch.count
        scratch += text.utf8
        return .text(TextRef(start: UInt32(start), count: UInt32(scratch.count - start), arena: .scratch))
    }

    /// The items of a list written as text: the parts between commas and semicolons, trimmed, the empty ones left
    /// out.
    static func items(ofText bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "," || $0 == ";" }).map {
            trim(String($0))
        }
        .filter { !$0.isEmpty }
    }

    /// The texts of a list read in place (`.items`): its items that are texts, trimmed, the empty ones left out.
    static func items(_ lead: LeadView, _ node: Int) -> [String] {
        lead.items(node).compactMap { item in
            guard lead.kind(item) == .string else { return nil }
            let trimmed = String(decoding: FoldedText.trimmed(lead.bytes(item)), as: UTF8.self)
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// A number written as text: an optional sign, digits, an optional decimal point and exponent, surrounding
    /// spaces allowed (`" -3.5 "`, `"1.5e3"`), the whole digits optionally grouped by threes with commas, underscores
    /// or spaces (`"1,100"`, `"2_500"`, `"1 000 000"`). Nil for anything else: `"NaN"`, `"inf"` and hex (which
    /// `Double(_:)` reads), and groupings that are not by threes, so a decimal comma (`"1,5"`) is missing rather than
    /// read as 15.
    static func number(_ text: String) -> Double? {
        var digits: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while bytes.first == 0x20 { bytes = bytes.dropFirst() }
        while bytes.last == 0x20 { bytes = bytes.dropLast() }
        if let sign = bytes.first, sign == 0x2B || sign == 0x2D {
            digits.append(sign)
            bytes = bytes.dropFirst()
        }
        // The whole digits: one group, or groups of three after the first (of one to three) between separators.
        var group = 0
        var groups = 0
        var separator: UInt8?
        while let byte = bytes.first, byte &- 0x30 < 10 || byte == 0x2C || byte == 0x5F || byte == 0x20 {
            bytes = bytes.dropFirst()
            if byte &- 0x30 < 10 {
                digits.append(byte)
                group += 1
                continue
            }
            // A separator: the same one throughout, after a first group of one to three digits or a group of three.
            guard separator == nil || separator == byte, group >= 1, groups == 0 ? group <= 3 : group == 3 else {
                return nil
            }
            separator = byte
            groups += 1
            group = 0
        }
        guard group >= 1 || (groups == 0 && bytes.first == 0x2E), groups == 0 || group == 3 else { return nil }
        // The fraction and the exponent, plain.
        guard bytes.allSatisfy(NumberText.isPlainByte) else { return nil }
        digits += bytes
        guard digits.contains(where: { $0 &- 0x30 < 10 }),
            let number = Double(String(decoding: digits, as: UTF8.self)), number.isFinite
        else { return nil }
        return number
    }

    /// Where `bytes`, a slice of the lead's text, are.
    static func reference(_ bytes: UnsafeBufferPointer<UInt8>, in lead: LeadView) -> TextRef {
        guard let base = lead.allText.baseAddress, let first = bytes.baseAddress else {
            return TextRef(start: 0, count: 0, arena: .lead)
        }
        let start = first - base
        return TextRef(start: UInt32(start), count: UInt32(bytes.count), arena: .lead)
    }

    /// The e-mail at `node`, normalized as `email(_:)` does: the lead's own bytes when they need no change, else
    /// written to `scratch`.
    static func email(_ lead: LeadView, _ node: Int, scratch: inout [UInt8]) -> Value {
        let raw = lead.bytes(node)
        // `@`, `+` and `.` are ASCII: found in the bytes as they are, whatever else the address holds. Lower-casing
        // keeps every byte where it is when the letters beyond ASCII are all Latin-1 (two bytes led by 0xC2 or
        // 0xC3, as in `Tomás` or `Zoë`): then the address is made here, in the scratch bytes. Any other letter goes
        // through Unicode's lower-casing, as a string.
        func throughUnicode() -> Value { email(raw).map { text($0, in: &scratch) } ?? .missing }
        guard let parts = asciiEmailParts(raw) else {
            return raw.contains(where: { $0 >= 0x80 }) ? throughUnicode() : .missing
        }
        let bytes = parts.bytes
        if let ascii = asciiEmail(parts, in: lead, scratch: &scratch) { return ascii }
        var changes = parts.localEnd != parts.at
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte &- 65 < 26 { changes = true }
                index += 1
                continue
            }
            guard byte == 0xC2 || byte == 0xC3, index + 1 < bytes.count, bytes[index + 1] & 0xC0 == 0x80 else {
                return throughUnicode()
            }
            if FoldedText.latin1Upper(byte, bytes[index + 1]) { changes = true }
            index += 2
        }
        if !changes { return .text(reference(bytes, in: lead)) }
        // The kept parts are appended whole, then lower-cased where they lie: an append per byte checks the array's
        // uniqueness and capacity each time.
        let start = scratch.count
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<parts.localEnd]))
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[parts.at...]))
        scratch.withUnsafeMutableBufferPointer { scratch in
            var index = start
            while index < scratch.count {
                let byte = scratch[index]
                if byte < 0x80 {
                    scratch[index] = FoldedText.fold(byte)
                    index += 1
                } else {
                    if FoldedText.latin1Upper(byte, scratch[index + 1]) { scratch[index + 1] += 0x20 }
                    index += 2
                }
            }
        }
        return .text(TextRef(start: UInt32(start), count: UInt32(scratch.count - start), arena: .scratch))
    }

    /// The address of `parts` when all of it is ASCII (nearly every address), read eight bytes at a time: whether
    /// it has a capital letter or is all ASCII is one test per word, and its letters are lower-cased a word at a time
    /// in the scratch bytes. Nil when some byte is beyond ASCII.
    @inline(__always)
    private static func asciiEmail(
        _ parts: (bytes: UnsafeBufferPointer<UInt8>, localEnd: Int, at: Int),
        in lead: LeadView,
        scratch: inout [UInt8]
    ) -> Value? {
        let bytes = parts.bytes
        guard let base = bytes.baseAddress else { return nil }
        var all: UInt64 = 0
        var changes = parts.localEnd != parts.at
        var index = 0
        while index + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            all |= word
            changes = changes || FoldedText.fold(word: word) != word
            index += 8
        }
        if index < bytes.count {
            let word = FoldedText.tailWord(base, count: bytes.count)
            all |= word
            changes = changes || FoldedText.fold(word: word) != word
        }
        guard all & 0x8080_8080_8080_8080 == 0 else { return nil }
        if !changes { return .text(reference(bytes, in: lead)) }
        let start = scratch.count
        if parts.localEnd == parts.at {
            scratch.append(contentsOf: bytes)
        } else {
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<parts.localEnd]))
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[parts.at...]))
        }
        scratch.withUnsafeMutableBufferPointer { scratch in
            guard let base = scratch.baseAddress.map({ $0 + start }) else { return }
            FoldedText.copyFolded(base, count: scratch.count - start, to: base)
        }
        return .text(TextRef(start: UInt32(start), count: UInt32(scratch.count - start), arena: .scratch))
    }

    /// The seconds of a timestamp at `node`: text (ISO 8601, surrounding spaces allowed), or a number of seconds
    /// since 1970 from 10^9 (2001), or of milliseconds (as marketing tools export them: a number from 10^11, which in
    /// seconds would be after the year 5000); nil for anything else.
    static func timestamp(_ lead: LeadView, _ node: Int) -> Double? {
        switch lead.kind(node) {
        case .string:
            return Timestamp.seconds(utf8: FoldedText.trimmed(lead.bytes(node)))
        case .int:
            return lead.int(node).flatMap { Timestamp.epoch(Double($0)) }
        case .double:
            return lead.double(node).flatMap(Timestamp.epoch)
        default:
            return nil
        }
    }

    static func trim(_ text: String) -> String {
        FoldedText.trimmed(text)
    }

    /// `Dana.Kowalski+promo@Brightpath-Edu.ORG ` -> `dana.kowalski@brightpath-edu.org`; nil if not an address.
    static func email(_ text: String) -> String? {
        FoldedText.withBytes(text) { email($0) }
    }

    /// `email` on the address's UTF-8 bytes.
    static func email(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        // One pass over the bytes. Letters beyond ASCII are lower-cased as Unicode text first; `@`, `+` and `.` are
        // ASCII, so the byte positions found are character boundaries either way.
        guard raw.allSatisfy({ $0 < 0x80 }) else {
            let lowered = FoldedText.lowercased(FoldedText.trimmed(raw))
            return FoldedText.withBytes(lowered) { asciiEmail($0) }
        }
        return asciiEmail(raw)
    }

    private static func asciiEmail(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        guard let parts = asciiEmailParts(raw) else { return nil }
        let bytes = parts.bytes
        return String(unsafeUninitializedCapacity: parts.localEnd + bytes.count - parts.at) { buffer in
            for i in 0..<parts.localEnd { buffer[i] = FoldedText.fold(bytes[i]) }
            for i in parts.at..<bytes.count { buffer[parts.localEnd + i - parts.at] = FoldedText.fold(bytes[i]) }
            return parts.localEnd + bytes.count - parts.at
        }
    }

    /// An ASCII address, trimmed and out of `Name <...>` or `mailto:` (`EmailAddress`), and where its local part's kept text ends and its last `@` is: the address is
    /// `bytes[..<localEnd] + bytes[at...]`, lower-cased. Nil if it is not an address.
    private static func asciiEmailParts(
        _ raw: UnsafeBufferPointer<UInt8>
    ) -> (bytes: UnsafeBufferPointer<UInt8>, localEnd: Int, at: Int)? {
        let bytes = EmailAddress.bytes(raw)
        var at = -1
        var plus = -1
        var dot = false
        for i in 0..<bytes.count {
            // Letters and most else: none of the three, all below 0x41 ("A").
            guard bytes[i] < 0x41 else { continue }
            switch bytes[i] {
            case UInt8(ascii: "@"):
                at = i
                dot = false
            case UInt8(ascii: "+") where plus < 0: plus = i
            case UInt8(ascii: "."): dot = true
            default: break
            }
        }
        guard at > 0, at + 1 < bytes.count, dot else { return nil }
        // The first `+` cuts the local part (the text before the last `@`), unless the local part starts with it.
        let localEnd = plus > 0 && plus < at ? plus : at
        return (bytes, localEnd, at)
    }
}
