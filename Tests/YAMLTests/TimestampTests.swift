import Testing

@testable import YAML

/// Timestamps in the common `YYYY-MM-DDTHH:MM:SSZ` form take a short path; it must read exactly what the general
/// parser reads, valid or not. The general parser reads the same text with a lower-case `z`, which the short path
/// does not take.
@Suite("timestamps")
struct TimestampTests {
    static let texts = [
        "2026-11-28T10:00:00Z", "1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "1900-02-29T00:00:00Z",
        "2024-02-29T12:30:45Z", "2023-02-29T12:30:45Z", "2026-12-31T23:59:60Z", "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-28T24:00:00Z",
        "2026-11-28T10:60:00Z", "2026-11-28T10:00:61Z", "2026-1a-28T10:00:00Z", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "2026-11-28 10:00:00Z", "2026-11-28T10:00:0/Z", "2026-11-28T10:0:00ZZ",
    ]

    @Test("the short path agrees with the general parser", arguments: texts)
    func shortPathAgrees(_ text: String) {
        let general = Timestamp.seconds(String(text.dropLast()) + "z")
        #expect(Timestamp.seconds(text) == general)
    }

    @Test("a month carried from one timestamp to the next gives what each alone gives")
    func monthCarriedOver() {
        // The general parser's answer (a lower-case z keeps it off the short path) for each text, against the short
        // path with the month of the text before: days past the month's end, leap days, a new month, bad bytes.
        let texts = [
            "2026-11-30T10:00:00Z", "2026-11-31T10:00:00Z", "2026-11-01T00:00:00Z", "2026-11-00T00:00:00Z",
            "2024-02-29T23:59:59Z", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2023-02-28T00:00:00Z",
            "2023-02-28T24:00:00Z", "2023-02-28T23:60:00Z", "2023-02-2xT00:00:00Z", "2023-02-28T00:00:00+",
            "2023-13-01T00:00:00Z", "2023-12-31T23:59:60Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        ]
        var month = Timestamp.Month()
        for text in texts + texts.reversed() {
            var bytes = Array(text.utf8)
            let short = bytes.withUnsafeBufferPointer { Timestamp.canonicalSeconds($0.baseAddress!, month: &month) }
            bytes[bytes.count - 1] = bytes[bytes.count - 1] == UInt8(ascii: "Z") ? UInt8(ascii: "z") : 0x00
            let general = bytes.withUnsafeBufferPointer { Timestamp.seconds(utf8: $0) }
            #expect(short == general, "\(text)")
        }
    }

    @Test("the short path agrees with the general parser for every byte value at every position")
    func shortPathAgreesEverywhere() {
        let valid = Array("2024-02-29T23:59:59Z".utf8)
        for position in valid.indices.dropLast() {
            for byte in [
                0x00, 0x20, 0x2D, 0x2F, 0x30, 0x31, 0x35, 0x39, 0x3A, 0x41, 0x54, 0x5A, 0x74, 0x7F, 0x80, 0xB9, 0xFF,
            ] {
                var bytes = valid
                bytes[position] = UInt8(byte)
                let short = bytes.withUnsafeBufferPointer { Timestamp.seconds(utf8: $0) }
                bytes[bytes.count - 1] = UInt8(ascii: "z")
                let general = bytes.withUnsafeBufferPointer { Timestamp.seconds(utf8: $0) }
                #expect(short == general, "byte \(byte) at \(position)")
            }
        }
    }

    @Test("valid times read as the calendar says, invalid ones are nil")
    func values() {
        #expect(Timestamp.seconds("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.seconds("2026-11-28T10:00:00Z") == 1_795_860_000)
        #expect(Timestamp.seconds("2024-02-29T00:00:00Z") == 1_709_164_800)
        #expect(Timestamp.seconds("2023-02-29T00:00:00Z") == nil)
        #expect(Timestamp.seconds("2026-11-28T24:00:00Z") == nil)
    }
}
