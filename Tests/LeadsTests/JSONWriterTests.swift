import Testing

@testable import Leads

@Suite("JSON writing")
struct JSONWriterTests {
    /// Every byte JSON strings escape, at every position of texts longer and shorter than a word of eight bytes.
    @Test("the first byte to escape is found wherever it is")
    func firstToEscape() {
        let special: [UInt8] = Array(0x00..<0x20) + [0x22, 0x5C, 0x7F]
        let plain: [UInt8] = Array(0x20...0x7E).filter { $0 != 0x22 && $0 != 0x5C } + [0x80, 0xC3, 0xA9, 0xFF]
        for length in 0...19 {
            let clean = (0..<length).map { plain[$0 * 7 % plain.count] }
            #expect(clean.withUnsafeBufferPointer { LeadValue.firstToEscape($0) } == nil)
            for position in 0..<length {
                for byte in special {
                    var bytes = clean
                    bytes[position] = byte
                    // A second one later does not matter.
                    if position + 2 < length { bytes[position + 2] = 0x22 }
                    let found = bytes.withUnsafeBufferPointer { LeadValue.firstToEscape($0) }
                    #expect(found == position, "byte \(byte) at \(position) of \(length)")
                }
            }
        }
    }

    @Test("strings are written with exactly the escapes JSON needs")
    func escapes() {
        var out: [UInt8] = []
        LeadValue.writeJSONString("plain text, long enough for words: ok", into: &out)
        LeadValue.writeJSONString("tab\there \"quoted\" back\\slash\u{7F}\u{01}é", into: &out)
        #expect(
            String(decoding: out, as: UTF8.self)
                == #""plain text, long enough for words: ok""tab\there \"quoted\" back\\slash\u007f\u0001é""#
        )
    }
}
