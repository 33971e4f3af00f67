import Glibc
import YAML

/// Compact JSON written piece by piece into a byte array, for the writers that run once per lead (the decision's
/// outbox line, the opportunity record, the ledger's columns).
///
/// The bytes go to a buffer the writer owns, written through a pointer, so a piece costs a copy, not the
/// uniqueness and capacity checks of `Array.append(contentsOf:)` on every key and value; `finish` appends the
/// whole to an array in one copy.
public struct JSONWriter: ~Copyable {
    /// Written bytes, then spare room up to `capacity`. The small writes are inlinable, so a decision's or a
    /// record's dozens of keys and strings are not a call each.
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var written = 0

    /// How many bytes are written.
    public var count: Int { written }

    public init(capacity: Int = 1024) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Appends what was written to `bytes`.
    public consuming func finish(into bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
    }

    /// The written bytes, as an array.
    public consuming func finish() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }

    /// Makes room for `extra` more bytes and runs `body` on the room's start; `body` returns how many it wrote.
    @inlinable @inline(__always)
    mutating func write(_ extra: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if written + extra > capacity { grow(extra) }
        written += body(base + written)
    }

    @usableFromInline @inline(never)
    mutating func grow(_ extra: Int) {
        let larger = max(capacity * 2, written + extra)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.initialize(from: base, count: written)
        base.deallocate()
        base = moved
        capacity = larger
    }

    @inlinable
    public mutating func byte(_ value: UInt8) {
        write(1) { out in
            out.pointee = value
            return 1
        }
    }

    /// Bytes as they are (no escaping).
    @inlinable
    public mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        write(bytes.count) { out in
            UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: bytes.count)
            return bytes.count
        }
    }

    public mutating func raw(_ text: StaticString) {
        raw(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A string's UTF-8 as it is (numbers, texts known to need no escaping).
    public mutating func raw(_ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { raw(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(text.utf8).withUnsafeBytes { raw($0) } }
    }

    public mutating func null() { raw("null") }

    public mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    public mutating func integer(_ value: Int) {
        guard value >= 0 && value < 1_000_000_000_000_000_000 else { return raw(String(value)) }
        write(19) { out in
            var digits = 1
            var rest = value / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            var value = value
            for index in stride(from: digits - 1, through: 0, by: -1) {
                out[index] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                value /= 10
            }
            return digits
        }
    }

    /// A scalar as `LeadValue.writeJSON` writes it; arrays and objects through it.
    public mutating func value(_ value: LeadValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .int(let number): integer(number)
        case .double(let number): number.isFinite ? raw(number.description) : null()
        case .string(let text): string(text)
        case .array, .object:
            var bytes: [UInt8] = []
            value.writeJSON(into: &bytes)
            bytes.withUnsafeBytes { raw($0) }
        }
    }

    /// A number rounded to hundredths, as scores are written: a whole number as an integer, the rest with one or
    /// two decimals (`19.06`, `0.5`), as `value(.double(rounded))` would write it, without formatting a `Double`.
    public mutating func hundredths(_ number: Double) {
        let scaled = (number * 100).rounded()
        let rounded = scaled / 100
        guard abs(scaled) < 1e15 else {
            // Beyond a cent's precision in a Double: the general path.
            return rounded == rounded.rounded() && abs(rounded) < 1e15
                ? integer(Int(rounded)) : value(.double(rounded))
        }
        let cents = Int(scaled)
        guard cents % 100 != 0 else { return integer(cents / 100) }
        if cents < 0 { byte(UInt8(ascii: "-")) }
        let magnitude = cents.magnitude
        integer(Int(magnitude / 100))
        let fraction = Int(magnitude % 100)
        write(3) { out in
            out[0] = UInt8(ascii: ".")
            out[1] = UInt8(ascii: "0") + UInt8(fraction / 10)
            guard fraction % 10 != 0 else { return 2 }
            out[2] = UInt8(ascii: "0") + UInt8(fraction % 10)
            return 3
        }
    }

    /// A JSON array: `element` writes each item, the commas go between. Inlinable, so each use is specialized for
    /// its items and its closure.
    @inlinable
    public mutating func array<Items: Sequence>(_ items: Items, _ element: (inout JSONWriter, Items.Element) -> Void) {
        byte(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            element(&self, item)
        }
        byte(UInt8(ascii: "]"))
    }

    /// `,"name":`, without the comma for an object's first key.
    @inlinable
    public mutating func key(_ name: StaticString, first: Bool = false) {
        let length = name.utf8CodeUnitCount
        let source = name.utf8Start
        write(length + 4) { out in
            var at = 0
            if !first {
                out[0] = UInt8(ascii: ",")
                at = 1
            }
            out[at] = UInt8(ascii: "\"")
            (out + at + 1).initialize(from: source, count: length)
            out[at + 1 + length] = UInt8(ascii: "\"")
            out[at + 2 + length] = UInt8(ascii: ":")
            return at + 3 + length
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    @inlinable
    public mutating func string(_ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { string(bytes: $0) }
        if done == nil { string(bytes: Array(text.utf8)) }
    }

    public mutating func string(bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { string(bytes: $0) }
    }

    /// A JSON string, or `null` for nil.
    public mutating func string(orNull text: String?) {
        if let text { string(text) } else { null() }
    }

    /// UTF-8 bytes as a JSON string.
    @inlinable
    public mutating func string(bytes: UnsafeBufferPointer<UInt8>) {
        guard let first = LeadValue.firstToEscape(bytes) else {
            // Most strings need no escape: copied whole between their quotes.
            let count = bytes.count
            write(count + 2) { out in
                out[0] = UInt8(ascii: "\"")
                if let source = bytes.baseAddress { (out + 1).initialize(from: source, count: count) }
                out[count + 1] = UInt8(ascii: "\"")
                return count + 2
            }
            return
        }
        escaped(bytes, from: first)
    }

    /// The string whose first byte to escape is at `first`, escaped.
    @usableFromInline
    mutating func escaped(_ bytes: UnsafeBufferPointer<UInt8>, from first: Int) {
        byte(UInt8(ascii: "\""))
        raw(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[..<first])))
        for byte in bytes[first...] {
            write(6) { out in LeadValue.writeEscaped(byte, to: out) }
        }
        self.byte(UInt8(ascii: "\""))
    }

    /// A time as a JSON string: `"2026-11-29T10:30:00Z"`.
    public mutating func timestamp(_ seconds: Double) {
        var done = false
        write(22) { out in
            guard Timestamp.writeISO8601(seconds, to: out + 1) else { return 0 }
            out[0] = UInt8(ascii: "\"")
            out[21] = UInt8(ascii: "\"")
            done = true
            return 22
        }
        if !done { string(Timestamp.iso8601(seconds)) }
    }
}
