import TestSupport
import Testing

@testable import Assignment
@testable import Leads

/// `ByteBuffer` against a plain array of bytes doing the same things: random appends of every kind (small pieces,
/// pieces longer than a block of its room, bytes to escape), writes in place, drops, and copies written to after
/// they were made. After each step, the buffer's bytes must be the array's.
@Suite("ByteBuffer: the same bytes as an array doing the same")
struct ByteBufferRandomTests {
    @Test("random appends, writes in place, drops and copies", arguments: [1, 2, 3, 4, 5, 6])
    func randomOperations(seed: UInt64) {
        var random = TestRandom(seed: 20_261_205 + seed)
        var buffer = seed.isMultiple(of: 2) ? ByteBuffer() : ByteBuffer(capacity: Int(seed) * 100)
        var model: [UInt8] = []
        var copies: [(ByteBuffer, [UInt8])] = []
        func bytes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in
                // Mostly letters; now and then a quote, a backslash, a control byte or a byte beyond ASCII.
                switch random.next() % 20 {
                case 0: 0x22
                case 1: 0x5C
                case 2: UInt8(random.next() % 32)
                case 3: 0x80 + UInt8(random.next() % 128)
                default: 0x61 + UInt8(random.next() % 26)
                }
            }
        }
        for step in 0..<3000 {
            switch random.next() % 10 {
            case 0, 1, 2:
                // Mostly short pieces; one in ten longer than a block of zeros (2 KiB), some of them much longer.
                let length = random.next() % 10 == 0 ? random.next() % 9000 : random.next() % 40
                let piece = bytes(length)
                piece.withUnsafeBufferPointer { buffer.append($0) }
                model += piece
            case 3:
                let byte = UInt8(random.next() % 256)
                buffer.append(byte)
                model.append(byte)
            case 4:
                buffer.append(#"{"step":""#)
                model += Array(#"{"step":""#.utf8)
            case 5:
                let piece = bytes(random.next() % 30)
                piece.withUnsafeBufferPointer { buffer.appendJSONString($0) }
                piece.withUnsafeBufferPointer { LeadValue.writeJSONString(bytes: $0, into: &model) }
            case 6:
                // Room for some bytes, fewer written.
                let room = random.next() % 3000
                let piece = bytes(Int(random.next() % (room + 1)))
                buffer.append(room: room) { out in
                    for (index, byte) in piece.enumerated() { out[index] = byte }
                    return piece.count
                }
                model += piece
            case 7, 8:
                if random.next() % 8 == 0 {
                    buffer.removeAll()
                    model.removeAll()
                } else {
                    copies.append((buffer, model))
                }
            default:
                // A copy made earlier, written to now: its bytes are its own, and the buffer's stay as they were.
                guard !copies.isEmpty else { continue }
                let index = Int(random.next() % copies.count)
                let piece = bytes(random.next() % 100)
                piece.withUnsafeBufferPointer { copies[index].0.append($0) }
                copies[index].1 += piece
                guard Array(copies[index].0.bytes) == copies[index].1 else {
                    Issue.record("seed \(seed), step \(step): a copy's bytes are not the array's")
                    return
                }
            }
            // The first step that goes wrong stops the run: the next thousands would differ too.
            guard buffer.count == model.count, Array(buffer.bytes) == model, buffer.withBytes({ Array($0) }) == model
            else {
                Issue.record(
                    "seed \(seed), step \(step): \(buffer.count) bytes, not the array's \(model.count), or not its bytes"
                )
                return
            }
        }
        for (copy, bytes) in copies { #expect(Array(copy.bytes) == bytes, "seed \(seed): a copy at the end") }
    }

    @Test("two buffers are equal when their bytes are, whatever room each has")
    func equalityIgnoresRoom() {
        var short = ByteBuffer()
        var long = ByteBuffer(capacity: 5000)
        for _ in 0..<100 { long.append(UInt8(ascii: "x")) }
        long.removeAll()
        short.append("abc")
        long.append("abc")
        #expect(short == long)
        #expect(short.hashValue == long.hashValue)
        long.append(UInt8(ascii: "d"))
        #expect(short != long)
    }
}
