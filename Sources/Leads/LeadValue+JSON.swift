/// Compact JSON text of lead values, keys in their order, for NDJSON output.
extension LeadValue {
    /// The value as compact JSON.
    public var jsonText: String {
        var bytes: [UInt8] = []
        writeJSON(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the value as compact JSON. Non-finite numbers, which JSON cannot hold, are written as null.
    public func writeJSON(into out: inout [UInt8]) {
        switch self {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let value):
            out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value):
            out.append(contentsOf: String(value).utf8)
        case .double(let value):
            if value.isFinite {
                out.append(contentsOf: value.description.utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let value):
            Self.writeJSONString(value, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.writeJSON(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            object.writeJSON(into: &out)
        }
    }

    /// Appends `,"name":` (without the comma for an object's first key): for writers that know their keys.
    package static func writeJSONKey(_ name: StaticString, first: Bool = false, into out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    /// Appends a JSON string literal, or `null` for nil.
    package static func writeJSONString(orNull string: String?, into out: inout [UInt8]) {
        if let string {
            writeJSONString(string, into: &out)
        } else {
            out.append(contentsOf: "null".utf8)
        }
    }

    /// Appends a JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
    public static func writeJSONString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let written: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            appendEscaped(bytes, into: &out)
        }
        if written == nil {
            Array(string.utf8).withUnsafeBufferPointer { appendEscaped($0, into: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends UTF-8 bytes as a JSON string literal, as `writeJSONString(_:into:)` does a text.
    public static func writeJSONString(bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendEscaped(bytes, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    package static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        // Most strings need no escape: copy them whole.
        guard let first = firstToEscape(bytes) else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<first]))
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6) { escape in
            guard let base = escape.baseAddress else { return }
            for byte in bytes[first...] {
                out.append(contentsOf: UnsafeBufferPointer(start: base, count: writeEscaped(byte, to: base)))
            }
        }
    }

    /// Writes `byte` as it goes inside a JSON string at `out`: `\"`, `\\`, `\n`, `\r`, `\t`, `\u00XX` for the other
    /// bytes `firstToEscape` finds, the byte itself otherwise. At most six bytes; returns how many.
    static func writeEscaped(_ byte: UInt8, to out: UnsafeMutablePointer<UInt8>) -> Int {
        guard needsEscape(byte) else {
            out[0] = byte
            return 1
        }
        out[0] = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out[1] = byte
        case UInt8(ascii: "\n"): out[1] = UInt8(ascii: "n")
        case UInt8(ascii: "\r"): out[1] = UInt8(ascii: "r")
        case UInt8(ascii: "\t"): out[1] = UInt8(ascii: "t")
        default:
            let digits: StaticString = "0123456789abcdef"
            out[1] = UInt8(ascii: "u")
            out[2] = UInt8(ascii: "0")
            out[3] = UInt8(ascii: "0")
            out[4] = digits.utf8Start[Int(byte >> 4)]
            out[5] = digits.utf8Start[Int(byte & 0x0F)]
            return 6
        }
        return 2
    }

    /// A control character, `"`, `\\` or DEL: the bytes a JSON string escapes.
    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F
    }
}

extension LeadValue {
    /// The index of the first byte a JSON string must escape (a control character, `"`, `\\` or DEL), or nil.
    /// Sixteen bytes at a time: the tests below are nonzero when some byte of a word is below 0x20, or equals the
    /// byte given (the classic "has zero byte" test on the word XOR that byte); only sixteen bytes that fail are
    /// looked at byte by byte.
    @usableFromInline
    package static func firstToEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        /// High bits set where a byte needs escaping (exact for ASCII bytes; a byte from 0x80 can set a false
        /// alarm, which the byte loop then clears). One test for the four kinds, without a branch each.
        @inline(__always) func flags(_ word: UInt64) -> UInt64 {
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let delete = word ^ (ones &* 0x7F)
            return
                ((word &- ones &* 0x20) & ~word | (quote &- ones) & ~quote | (backslash &- ones) & ~backslash
                | (delete &- ones) & ~delete) & highs
        }
        var index = 0
        // Sixteen bytes a round: two words, one branch.
        while index + 16 <= bytes.count {
            let first = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let second = raw.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
            if flags(first) | flags(second) != 0 {
                for at in index..<(index + 16) where needsEscape(bytes[at]) { return at }
            }
            index += 16
        }
        // The last bytes: a word or two that end at the last byte (overlapping bytes already checked), so a short
        // string or a tail is not looked at byte by byte.
        let rest = bytes.count - index
        if rest >= 8 {
            let last = bytes.count - 8
            let words =
                flags(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                | flags(raw.loadUnaligned(fromByteOffset: last, as: UInt64.self))
            guard words != 0 else { return nil }
        } else if rest > 0 && bytes.count >= 8 {
            guard flags(raw.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self)) != 0 else { return nil }
        }
        while index < bytes.count {
            if needsEscape(bytes[index]) { return index }
            index += 1
        }
        return nil
    }
}

extension LeadObject {
    /// Appends the object as compact JSON, keys in order.
    public func writeJSON(into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            LeadValue.writeJSONString(field.key, into: &out)
            out.append(UInt8(ascii: ":"))
            field.value.writeJSON(into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension LeadObject {
    /// The object a JSON writer writes, read back: the tree form of a record written directly as bytes.
    package init(writtenBy write: (inout [UInt8]) -> Void) {
        var bytes: [UInt8] = []
        write(&bytes)
        let document = bytes.withUnsafeBufferPointer { try? JSONParser.parseDocument($0, maxDepth: 64) }
        self = document?.object ?? LeadObject()
    }
}

extension LeadDocument {
    /// Appends the root value as compact JSON, as `LeadValue.writeJSON` writes the same value.
    public func writeJSON(into out: inout [UInt8]) {
        withView { $0.writeJSON(Self.root, into: &out) }
    }
}

extension LeadView {
    /// Appends the value at `index` as compact JSON, as `LeadValue.writeJSON` writes the same value.
    func writeJSON(_ index: Int, into out: inout [UInt8]) {
        switch kind(index) {
        case .null, .true, .false, .int, .double:
            value(index).writeJSON(into: &out)
        case .string:
            out.append(UInt8(ascii: "\""))
            LeadValue.appendEscaped(bytes(index), into: &out)
            out.append(UInt8(ascii: "\""))
        case .array:
            out.append(UInt8(ascii: "["))
            for (position, item) in items(index).enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                writeJSON(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object:
            out.append(UInt8(ascii: "{"))
            for (position, key) in members(index).enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                writeJSON(key, into: &out)
                out.append(UInt8(ascii: ":"))
                writeJSON(key + 1, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
