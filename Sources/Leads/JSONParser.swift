import YAML

/// A JSON syntax problem at a byte offset of the parsed buffer.
package struct JSONSyntaxError: Error, Sendable {
    package var offset: Int
    package var message: String
}

/// A strict RFC 8259 parser from UTF-8 bytes to a `LeadDocument` (or a `LeadValue` tree made from one), written for
/// the lead readers' hot path.
///
/// Chosen over Foundation's `JSONSerialization` because it is faster on lead-sized objects (see `make bench`),
/// keeps key order, rejects duplicate keys, and reports every problem at its byte offset. It never traps on input:
/// invalid UTF-8, control characters, NUL bytes, truncation and nesting past `maxDepth` are errors.
package struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int
    private let maxDepth: Int
    private let nodes: NodeBuffer
    /// Unescaped strings: those with escapes, which cannot point into the input.
    private var text: [UInt8] = []
    /// Whether a string read so far (a key or a value, after unescaping) holds a byte beyond ASCII.
    private var beyondASCII = false
    /// Where the value being parsed starts in the input: a string without escapes is its bytes there, at an offset
    /// from here, and the document's text is the input from here on, then the unescaped strings.
    private var base = 0
    /// A string node whose offset is into `text` (unescaped) rather than into the input: the high bit of its offset
    /// while parsing.
    private static let unescaped: UInt32 = 0x8000_0000

    /// `nodes`: room for that many nodes at first (a lead's line has about one per eight bytes).
    package init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, nodes: Int = 64) {
        self.bytes = bytes
        self.index = 0
        self.maxDepth = maxDepth
        self.nodes = NodeBuffer(capacity: max(nodes, 16))
    }

    /// The offset of the next byte to read.
    package var offset: Int { index }

    /// Parses a buffer that holds exactly one value, surrounded by optional whitespace.
    package static func parseDocument(
        _ bytes: UnsafeBufferPointer<UInt8>,
        maxDepth: Int
    ) throws(JSONSyntaxError) -> LeadDocument {
        guard bytes.count < Int(Self.unescaped) else {
            throw JSONSyntaxError(offset: 0, message: JSONMessage.tooLong.text)
        }
        var parser = JSONParser(bytes, maxDepth: maxDepth, nodes: bytes.count / 8)
        try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < bytes.count {
            throw parser.error(.trailingContent)
        }
        return parser.document()
    }

    /// Parses a buffer that holds exactly one value, surrounded by optional whitespace, to a tree.
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(JSONSyntaxError) -> LeadValue {
        try parseDocument(bytes, maxDepth: maxDepth).value(LeadDocument.root)
    }

    /// Parses the next value (after whitespace) into a document of its own.
    package mutating func parseDocument(depth: Int) throws(JSONSyntaxError) -> LeadDocument {
        nodes.removeAll()
        text = []
        beyondASCII = false
        skipWhitespace()
        base = index
        // Offsets are from the value's start: what is left of the input must fit them.
        guard bytes.count - base < Int(Self.unescaped) else { throw error(.tooLong) }
        try parseValue(depth: depth)
        return document()
    }

    /// The document of the value just parsed: the input it spans, in one copy, then the unescaped strings.
    private mutating func document() -> LeadDocument {
        var all = Array(UnsafeBufferPointer(rebasing: bytes[base..<index]))
        if !text.isEmpty {
            let offset = UInt32(all.count)
            all.append(contentsOf: text)
            for node in 0..<nodes.count where nodes[node].kind == .string && nodes[node].a & Self.unescaped != 0 {
                nodes[node].a = nodes[node].a & ~Self.unescaped + offset
            }
        }
        return LeadDocument(nodes: nodes.array(), text: all, asciiStrings: !beyondASCII)
    }

    /// Skips JSON whitespace and returns the next byte, or nil at the end.
    @discardableResult @inline(__always)
    package mutating func skipWhitespace() -> UInt8? {
        var position = index
        defer { index = position }
        while position < bytes.count {
            let byte = bytes[position]
            // Most bytes looked at here are not whitespace, and every byte above 0x20 is not.
            if byte > 0x20 { return byte }
            switch byte {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return byte
            }
        }
        return nil
    }

    /// Consumes `byte` if it comes next (after whitespace).
    @inline(__always)
    package mutating func consume(_ byte: UInt8) -> Bool {
        guard skipWhitespace() == byte else { return false }
        index += 1
        return true
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) {
        guard let byte = skipWhitespace() else { throw error(.unexpectedEnd("a value")) }
        switch byte {
        case UInt8(ascii: "{"):
            try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            try parseString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try parseNumber()
        case UInt8(ascii: "t"):
            try literal("true")
            nodes.append(LeadDocument.Node(kind: .true))
        case UInt8(ascii: "f"):
            try literal("false")
            nodes.append(LeadDocument.Node(kind: .false))
        case UInt8(ascii: "n"):
            try literal("null")
            nodes.append(LeadDocument.Node(kind: .null))
        default:
            throw error(.unexpected(byte, expected: "a value"))
        }
    }

    /// A member's or item's value: a string read here (most are), anything else by `parseValue`.
    @inline(__always)
    private mutating func parseMember(depth: Int) throws(JSONSyntaxError) {
        if skipWhitespace() == UInt8(ascii: "\"") {
            try parseString()
        } else {
            try parseValue(depth: depth)
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        let start = index
        for k in 0..<count {
            guard index < bytes.count else { throw error(.unexpectedEnd("'\(word)'")) }
            guard bytes[index] == word.utf8Start[k] else {
                throw error(.invalidLiteral("\(word)"), at: start)
            }
            index += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw error(.tooDeep(maxDepth)) }
        index += 1
        let object = nodes.count
        nodes.append(LeadDocument.Node(kind: .object))
        // The member count is kept here and written with the end: the earlier keys are walked by it.
        var members: UInt32 = 0
        defer {
            nodes[object].a = members
            nodes[object].b = UInt32(nodes.count)
        }
        if consume(UInt8(ascii: "}")) { return }
        var names: Set<[UInt8]>?
        // A bit per key seen, chosen by its length and first byte: a key whose bit is not set yet cannot repeat an
        // earlier one, so the earlier keys are walked only when the bit is set (a key with escapes always walks).
        var seen: UInt64 = 0
        while true {
            guard let byte = skipWhitespace() else { throw error(.unexpectedEnd("a string key")) }
            guard byte == UInt8(ascii: "\"") else { throw error(.unexpected(byte, expected: "a string key")) }
            let keyOffset = index
            let key = nodes.count
            try parseString()
            // Linear for lead-sized objects, a set past 16 keys. The object's earlier keys are found by walking its
            // members in the nodes: each value done is complete, so its end is known.
            let duplicate: Bool
            let keyNode = nodes.base[key]  // just appended by `parseString`
            let bit: UInt64 =
                keyNode.a & Self.unescaped != 0 || keyNode.b == 0
                ? ~0
                : 1 << ((UInt64(keyNode.b) &* 7 &+ UInt64(bytes[keyOffset + 1])) & 63)
            let unseen = seen & bit == 0
            seen |= bit
            if unseen && bit != ~0 {
                duplicate = false
                if names != nil { names?.insert(keyBytes(key)) }
            } else if members >= 16 {
                if names == nil { names = Set(memberKeys(object, members).map(keyBytes)) }
                duplicate = !(names?.insert(keyBytes(key)).inserted ?? true)
            } else {
                var earlier = object + 1
                var found = false
                for _ in 0..<members {
                    if sameText(earlier, key) {
                        found = true
                        break
                    }
                    earlier = nodes[earlier + 1].end(at: earlier + 1)
                }
                duplicate = found
            }
            if duplicate {
                index = keyOffset
                throw error(.duplicateKey(name(key)))
            }
            guard consume(UInt8(ascii: ":")) else {
                throw skipWhitespace().map { error(.unexpected($0, expected: "':' after the key")) }
                    ?? error(.unexpectedEnd("':'"))
            }
            try parseMember(depth: depth)
            members += 1
            guard let next = skipWhitespace() else { throw error(.unexpectedEnd("',' or '}'")) }
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "}") { return }
            index -= 1
            throw error(.unexpected(next, expected: "',' or '}' after a member"))
        }
    }

    private func name(_ key: Int) -> String {
        String(decoding: keyBytes(key), as: UTF8.self)
    }

    /// A string's bytes while parsing: in the input, or unescaped in `text`.
    private func withKey<R>(_ key: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let node = nodes[key]
        if node.a & Self.unescaped != 0 {
            let start = Int(node.a & ~Self.unescaped)
            return text.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<start + Int(node.b)])) }
        }
        return body(UnsafeBufferPointer(rebasing: bytes[base + Int(node.a)..<base + Int(node.a) + Int(node.b)]))
    }

    private func keyBytes(_ key: Int) -> [UInt8] {
        withKey(key) { Array($0) }
    }

    /// Whether two keys have the same bytes: keys are compared as JSON text, code point by code point.
    private func sameText(_ x: Int, _ y: Int) -> Bool {
        let (a, b) = (nodes[x], nodes[y])
        guard a.b == b.b else { return false }
        return withKey(x) { first in withKey(y) { second in first.elementsEqual(second) } }
    }

    /// The key nodes of the first `count` members of the object at `object`.
    private func memberKeys(_ object: Int, _ count: UInt32) -> [Int] {
        var keys: [Int] = []
        var key = object + 1
        for _ in 0..<count {
            keys.append(key)
            key = nodes[key + 1].end(at: key + 1)
        }
        return keys
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw error(.tooDeep(maxDepth)) }
        index += 1
        let array = nodes.count
        nodes.append(LeadDocument.Node(kind: .array))
        defer { nodes[array].b = UInt32(nodes.count) }
        if consume(UInt8(ascii: "]")) { return }
        while true {
            try parseMember(depth: depth)
            nodes[array].a += 1
            guard let next = skipWhitespace() else { throw error(.unexpectedEnd("',' or ']'")) }
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "]") { return }
            index -= 1
            throw error(.unexpected(next, expected: "',' or ']' after an item"))
        }
    }

    /// Parses a string and appends its node. The common string, ASCII without escapes and ending at least eight
    /// bytes before the buffer's end, is read here, in its caller (a call per string costs more than reading a
    /// short one); any other goes to `parseOtherString`.
    @inline(__always)
    private mutating func parseString() throws(JSONSyntaxError) {
        let start = index + 1
        if let pointer = bytes.baseAddress {
            let scan = Self.scanPlain(pointer, from: start, count: bytes.count)
            if scan.found && pointer[scan.position] == UInt8(ascii: "\"") && scan.bytes & 0x8080_8080_8080_8080 == 0 {
                index = scan.position + 1
                nodes.append(
                    // Offsets fit: the input from `base` is shorter than `unescaped` (checked before parsing).
                    LeadDocument.Node(
                        kind: .string,
                        a: UInt32(truncatingIfNeeded: start - base),
                        b: UInt32(truncatingIfNeeded: scan.position - start)
                    )
                )
                return
            }
        }
        try parseOtherString()
    }

    /// Parses any string: with escapes (unescaped into `text`), with non-ASCII bytes (checked to be UTF-8), or near
    /// the buffer's end; and reports an unterminated one or one with a control character.
    @inline(never)
    private mutating func parseOtherString() throws(JSONSyntaxError) {
        // The position in a local while scanning: the parser's own `index` is memory, written back once.
        var position = index + 1
        let start = position
        let count = bytes.count
        var high: UInt8 = 0
        // No escapes so far: eight bytes at a time, up to the first quote, backslash or control character.
        if let base = bytes.baseAddress {
            let scan = Self.scanPlain(base, from: position, count: count)
            position = scan.position
            if scan.bytes & 0x8080_8080_8080_8080 != 0 { high = 0x80 }
        }
        while position < count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<position])
                if high >= 0x80, let bad = UTF8Text.firstInvalidOffset(in: raw) {
                    index = position
                    throw error(.invalidUTF8(raw[bad]), at: start + bad)
                }
                index = position + 1
                if high >= 0x80 { beyondASCII = true }
                nodes.append(LeadDocument.Node(kind: .string, a: UInt32(start - base), b: UInt32(raw.count)))
                return
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 {
                index = position
                throw error(.controlCharacter(byte))
            }
            high |= byte
            position += 1
        }
        index = position
        guard index < bytes.count else { throw error(.unterminatedString, at: start - 1) }
        // Slow path: escapes, unescaped straight into `text`.
        let textStart = text.count
        text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                let bad = text.withUnsafeBufferPointer { all in
                    UTF8Text.firstInvalidOffset(in: UnsafeBufferPointer(rebasing: all[textStart...]))
                }
                // After escapes the offset points at the string's start.
                if let bad { throw error(.invalidUTF8(text[textStart + bad]), at: start) }
                if text[textStart...].contains(where: { $0 >= 0x80 }) { beyondASCII = true }
                nodes.append(
                    LeadDocument.Node(
                        kind: .string,
                        a: UInt32(textStart) | Self.unescaped,
                        b: UInt32(text.count - textStart)
                    )
                )
                return
            case UInt8(ascii: "\\"):
                try parseEscape()
            case 0..<0x20:
                throw error(.controlCharacter(byte))
            default:
                text.append(byte)
                index += 1
            }
        }
        throw error(.unterminatedString, at: start - 1)
    }

    /// Scans from `start` eight bytes at a time for the first quote, backslash or control character: its position
    /// (`found`), or where fewer than eight bytes were left (not `found`); and the bytes before it OR-ed together,
    /// whose high bits say whether any of them is not ASCII.
    @inline(__always)
    private static func scanPlain(
        _ base: UnsafePointer<UInt8>,
        from start: Int,
        count: Int
    ) -> (position: Int, bytes: UInt64, found: Bool) {
        var position = start
        var bytes: UInt64 = 0
        while position + 8 <= count {
            let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
            let special = specialBytes(word)
            if special != 0 {
                // The lowest flagged byte is the first special one; the bytes before it are the string's.
                let before = special.trailingZeroBitCount & ~7
                bytes |= before == 0 ? 0 : word & (~0 >> (64 - before))
                return (position + before >> 3, bytes, true)
            }
            bytes |= word
            position += 8
        }
        return (position, bytes, false)
    }

    /// The high bit of each byte of `word` (little-endian) that may be `"`, `\\` or below 0x20: zero when none is.
    /// The "has zero byte" bit trick: a borrow can flag a byte above a special one, never one below it, so the
    /// lowest flag is exact; the byte loop after it decides.
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote & highs
        let hasBackslash = (backslash &- ones) & ~backslash & highs
        let hasControl = (word &- ones &* 0x20) & ~word & highs
        return hasQuote | hasBackslash | hasControl
    }

    private mutating func parseEscape() throws(JSONSyntaxError) {
        let escapeStart = index
        index += 1
        guard index < bytes.count else { throw error(.unterminatedString, at: escapeStart) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var code = try hex4(escapeStart)
            if (0xD800...0xDBFF).contains(code) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw error(.loneSurrogate, at: escapeStart) }
                index += 2
                let low = try hex4(escapeStart)
                guard (0xDC00...0xDFFF).contains(low) else { throw error(.loneSurrogate, at: escapeStart) }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(code) {
                throw error(.loneSurrogate, at: escapeStart)
            }
            guard let scalar = Unicode.Scalar(code) else { throw error(.loneSurrogate, at: escapeStart) }
            text.append(contentsOf: UTF8.encode(scalar).map { Array($0) } ?? [])
        default:
            throw error(.invalidEscape(byte), at: escapeStart)
        }
    }

    private mutating func hex4(_ escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error(.invalidUnicodeEscape, at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidUnicodeEscape, at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONSyntaxError) {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error(.invalidNumber, at: start) }
        var integer = 0
        var overflow = false
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count && isDigit(bytes[index]) { throw error(.invalidNumber, at: start) }
        } else {
            while index < bytes.count && isDigit(bytes[index]) {
                let digit = Int(bytes[index] - UInt8(ascii: "0"))
                let (times, o1) = integer.multipliedReportingOverflow(by: 10)
                let (sum, o2) =
                    negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                overflow = overflow || o1 || o2
                integer = sum
                index += 1
            }
        }
        var isInteger = true
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error(.invalidNumber, at: start) }
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            isInteger = false
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error(.invalidNumber, at: start) }
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        }
        if isInteger && !overflow {
            nodes.append(LeadDocument.Node(kind: .int, bits: UInt64(bitPattern: Int64(integer))))
            return
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw error(.numberOutOfRange, at: start) }
        nodes.append(LeadDocument.Node(kind: .double, bits: value.bitPattern))
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    package func error(_ message: JSONMessage, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset ?? index, message: message.text)
    }
}

/// The JSON parser's message catalog.
package struct JSONMessage {
    package var text: String

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        let digits = Array("0123456789abcdef")
        return "byte 0x" + String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    static func unexpected(_ byte: UInt8, expected: String) -> Self {
        .init(text: "unexpected \(describe(byte)), expected \(expected)")
    }
    static func unexpectedEnd(_ expected: String) -> Self {
        .init(text: "unexpected end of input, expected \(expected)")
    }
    static func invalidLiteral(_ word: String) -> Self { .init(text: "invalid literal; expected '\(word)'") }
    static let trailingContent = Self(text: "unexpected content after the JSON value")
    static func tooDeep(_ limit: Int) -> Self { .init(text: "nesting deeper than \(limit) levels") }
    static func duplicateKey(_ key: String) -> Self { .init(text: "duplicate key '\(key)'") }
    static func controlCharacter(_ byte: UInt8) -> Self {
        .init(text: "control character \(describe(byte)) in a string; escape it")
    }
    static let unterminatedString = Self(text: "unterminated string")
    static func invalidUTF8(_ byte: UInt8) -> Self { .init(text: "invalid UTF-8 in a string (\(describe(byte)))") }
    static func invalidEscape(_ byte: UInt8) -> Self {
        .init(text: "invalid escape '\\\(describe(byte).trimmingQuotes)'")
    }
    static let invalidUnicodeEscape = Self(text: "invalid \\u escape; expected four hex digits")
    static let loneSurrogate = Self(text: "invalid \\u escape: an unpaired UTF-16 surrogate")
    static let invalidNumber = Self(text: "invalid number")
    static let numberOutOfRange = Self(text: "number out of range")
    static let tooLong = Self(text: "a JSON value of 2 GiB or more")
    static func notAnObject(_ value: LeadValue) -> Self {
        .init(text: "expected a JSON object for a lead, found \(value.kindDescription)")
    }
}

extension String {
    fileprivate var trimmingQuotes: Substring {
        hasPrefix("'") && hasSuffix("'") && count >= 2 ? dropFirst().dropLast() : Substring(self)
    }
}

/// The nodes a parse makes, in memory it manages itself: appending to a Swift array checks, on every node, that the
/// array's storage is not shared. A class, so the parser (a struct) holds it by reference and frees it once.
private final class NodeBuffer {
    private(set) var base: UnsafeMutablePointer<LeadDocument.Node>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deallocate()
    }

    private func grow(to wanted: Int) {
        let larger = UnsafeMutablePointer<LeadDocument.Node>.allocate(capacity: wanted)
        larger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = larger
        capacity = wanted
    }

    @inline(__always)
    func append(_ node: LeadDocument.Node) {
        if count == capacity { grow(to: capacity * 2) }
        (base + count).initialize(to: node)
        count += 1
    }

    @inline(__always)
    subscript(index: Int) -> LeadDocument.Node {
        get {
            precondition(index >= 0 && index < count)
            return base[index]
        }
        set {
            precondition(index >= 0 && index < count)
            base[index] = newValue
        }
    }

    func removeAll() {
        count = 0
    }

    /// The nodes, as the document keeps them.
    func array() -> [LeadDocument.Node] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }
}
