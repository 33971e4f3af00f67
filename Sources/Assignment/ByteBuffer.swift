import Leads

/// Bytes written by plain copies into room made ahead: the records and reason chains of assignment, which append a
/// dozen small pieces per lead. `Array.append(contentsOf:)` costs some 80 instructions a call besides its copy (its
/// capacity and uniqueness checks, the source's iterator, the generic path a call too large to inline takes), which
/// made a tenth of what assignment adds per lead (callgrind, 2026-12-05).
///
/// `storage` holds the bytes, then room: bytes written before and dropped, or zeros. `count` says where the bytes
/// end; a range below it is read in `storage` as in an array of the bytes alone.
struct ByteBuffer: Sendable {
    /// The bytes, then room.
    private(set) var storage: [UInt8] = []
    /// How many bytes there are.
    private(set) var count = 0

    init() {}

    init(capacity: Int) {
        storage.reserveCapacity(capacity)
    }

    var isEmpty: Bool { count == 0 }

    /// The bytes, as a slice of `storage` (no copy).
    var bytes: ArraySlice<UInt8> { storage[..<count] }

    /// Calls `body` with the bytes.
    func withBytes<Result, Failure>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let count = count
        return try storage.withUnsafeBufferPointer { buffer throws(Failure) in
            try body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    mutating func append(_ source: UnsafeBufferPointer<UInt8>) {
        guard let from = source.baseAddress, !source.isEmpty else { return }
        let at = count
        let end = at + source.count
        if end > storage.count { makeRoom(end) }
        storage.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { ($0 + at).update(from: from, count: source.count) }
        }
        count = end
    }

    mutating func append(_ source: [UInt8]) {
        source.withUnsafeBufferPointer { append($0) }
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(_ byte: UInt8) {
        if count == storage.count { makeRoom(count + 1) }
        storage[count] = byte
        count += 1
    }

    /// Appends UTF-8 bytes escaped as inside a JSON string (`LeadValue.appendEscaped`), without the quotes.
    mutating func appendEscaped(_ source: UnsafeBufferPointer<UInt8>) {
        // Most texts need no escape: copied whole.
        guard LeadValue.firstToEscape(source) != nil else { return append(source) }
        var escaped: [UInt8] = []
        LeadValue.appendEscaped(source, into: &escaped)
        append(escaped)
    }

    /// Appends UTF-8 bytes as a JSON string, quoted and escaped (`LeadValue.writeJSONString(bytes:into:)`).
    mutating func appendJSONString(_ source: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        appendEscaped(source)
        append(UInt8(ascii: "\""))
    }

    /// Writes up to `room` bytes at the end by `body`, given where to write them, which returns how many it wrote:
    /// room made once, and no copy through an array of their own.
    mutating func append(room: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        let at = count
        if at + room > storage.count { makeRoom(at + room) }
        let written = storage.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { body($0 + at) } ?? 0
        }
        count = at + Swift.min(written, room)
    }

    /// Capacity for `room` more bytes, made now (their room is made as they come).
    mutating func reserve(_ room: Int) {
        storage.reserveCapacity(count + room)
    }

    /// Drops every byte, keeping the room.
    mutating func removeAll() {
        count = 0
    }

    /// Room for at least `needed` bytes in all. The array's capacity grows by doubling (appends stay a copy each, on
    /// average); its elements, zeros, by blocks of `zeros` as the bytes reach them, each copied in just before the
    /// bytes that replace it, while its lines are in the processor's cache: zeroed whole up front, a batch's megabyte
    /// of records was written twice to memory (callgrind counted some 1,900 instructions a lead of `memset`).
    private mutating func makeRoom(_ needed: Int) {
        if needed > storage.capacity { storage.reserveCapacity(Swift.max(needed, 2 * storage.capacity, 256)) }
        let target = Swift.max(needed, Swift.min(storage.capacity, storage.count + Self.zeros.count))
        while storage.count < target {
            let block = Swift.min(target - storage.count, Self.zeros.count)
            Self.zeros.withUnsafeBufferPointer {
                storage.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<block]))
            }
        }
    }

    private static let zeros = [UInt8](repeating: 0, count: 2048)
}

extension ByteBuffer: Hashable {
    // Two buffers are the same bytes, whatever room each has.
    static func == (a: ByteBuffer, b: ByteBuffer) -> Bool { a.bytes == b.bytes }

    func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}
