/// ISO 8601 dates and date-times to seconds since 1970, with no calendar objects: fast enough for every event
/// timestamp of every lead.
///
/// Accepts `2026-11-29`, and `2026-11-29T10:30:00` (or a space or lower-case `t` for the `T`), optional fractional
/// seconds, then `Z`, `+01:00`, `+0100`, `+01`, or nothing (UTC).
public enum Timestamp {
    package static func seconds(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { seconds(utf8: $0) }
    }

    package static func seconds(utf8 b: UnsafeBufferPointer<UInt8>) -> Double? {
        if b.count == 20, let base = b.baseAddress, let canonical = canonicalSeconds(base) { return canonical }
        return reading(utf8: b)?.seconds
    }

    /// The seconds of an ISO 8601 text (as `seconds`), and whether it gave its offset (`Z` or `+01:00`): a text
    /// without one is read as UTC, and a reader that knows the zone it was written in can read it there instead.
    package static func reading(utf8 b: UnsafeBufferPointer<UInt8>) -> (seconds: Double, zoned: Bool)? {
        var c = Cursor(bytes: b)
        guard let year = c.digits(4), c.skip(0x2D), let month = c.digits(2), c.skip(0x2D), let day = c.digits(2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        var total = Double(daysFromCivil(year: year, month: month, day: day)) * 86400
        guard !c.atEnd else { return (total, false) }
        guard c.skip(0x54) || c.skip(0x74) || c.skip(0x20) else { return nil }
        guard let hour = c.digits(2), c.skip(0x3A), let minute = c.digits(2), hour < 24, minute < 60 else { return nil }
        var second = 0
        if c.skip(0x3A) {
            guard let value = c.digits(2), value < 61 else { return nil }
            second = value
        }
        total += Double(hour * 3600 + minute * 60 + second)
        if c.skip(0x2E) {
            var scale = 0.1
            var any = false
            while let digit = c.digit() {
                total += Double(digit) * scale
                scale /= 10
                any = true
            }
            guard any else { return nil }
        }
        _ = c.skip(0x20)
        if c.atEnd { return (total, false) }
        if c.skip(0x5A) || c.skip(0x7A) {
            return c.atEnd ? (total, true) : nil
        }
        let sign: Double
        if c.skip(0x2B) {
            sign = 1
        } else if c.skip(0x2D) {
            sign = -1
        } else {
            return nil
        }
        guard let hours = c.digits(2) else { return nil }
        var minutes = 0
        if c.skip(0x3A) {
            guard let value = c.digits(2) else { return nil }
            minutes = value
        } else if !c.atEnd {
            guard let value = c.digits(2) else { return nil }
            minutes = value
        }
        guard c.atEnd, hours < 24, minutes < 60 else { return nil }
        return (total - sign * Double(hours * 3600 + minutes * 60), true)
    }

    /// Seconds since 1970 from an epoch number in seconds or milliseconds (as marketing tools export them: a number
    /// from 10^11, which in seconds would be after the year 5000); nil below 10^9 (2001 in seconds: a smaller number
    /// is more likely a year or a `YYYYMMDD` date than a lead's time) and when not finite.
    package static func epoch(_ number: Double) -> Double? {
        guard number.isFinite, number >= 1e9 else { return nil }
        return number >= 1e11 ? number / 1000 : number
    }

    /// The month of the last canonical timestamp read: the events of one lead nearly always share a few months, so
    /// the year and month (the first eight bytes, `YYYY-MM-`) are checked and turned into days once per month.
    public struct Month {
        /// The eight bytes `YYYY-MM-` as a word, or zero (which no timestamp has) when none was read yet.
        @usableFromInline var word: UInt64 = 0
        /// Days from 1970-01-01 to the month's first day, and the month's length.
        @usableFromInline var firstDay = 0
        @usableFromInline var length = 0

        @inlinable
        public init() {}
    }

    /// `2026-11-28T10:00:00Z`, the form nearly every event time takes, read from the twenty bytes at `base` without
    /// the general parser's steps: nil when they are not exactly that form or not a valid time (the general parser
    /// then decides).
    @inline(__always)
    package static func canonicalSeconds(_ base: UnsafePointer<UInt8>) -> Double? {
        var month = Month()
        return canonicalSeconds(base, month: &month)
    }

    /// `canonicalSeconds`, with the month of the previous call: a timestamp in the same month skips its checks.
    /// Public, and inlinable, so the event loop (in another module) reads its times without a call: this toolchain
    /// inlines no `package` function into another module, `@inlinable` or not.
    @inlinable @inline(__always)
    public static func canonicalSeconds(_ base: UnsafePointer<UInt8>, month: inout Month) -> Double? {
        let raw = UnsafeRawPointer(base)
        let w1 = raw.loadUnaligned(as: UInt64.self)
        if w1 != month.word {
            guard let read = Self.month(w1) else { return nil }
            month = read
        }
        // The other twelve bytes as two words that overlap: "DDTHH:MM" (bytes 8 to 15) and "H:MM:SSZ" (12 to 19),
        // little-endian (byte i of a word is bits 8i to 8i+7), each exclusive-ored with its form: a digit's byte
        // becomes its value (0 to 9 only for "0" to "9"), and a separator's byte zero only for that separator. Then
        // each byte is checked against its limit (9 or 0) at once: adding 0x7F minus the limit sets a byte's high
        // bit exactly when it is past the limit, and no byte below 0x80 carries into the next.
        let d2 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ 0x3030_3A30_3054_3030
        let d3 = raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self) ^ 0x5A30_303A_3030_3A30
        let high: UInt64 = 0x8080_8080_8080_8080
        guard (d2 | (d2 &+ 0x7676_7F76_767F_7676)) & high == 0, (d3 | (d3 &+ 0x7F76_767F_7676_7F76)) & high == 0
        else { return nil }
        // At each byte i: 10 x value(i) + value(i + 1), the two-digit number starting there (at most 99).
        let p2 = d2 &* 10 &+ (d2 >> 8)
        let p3 = d3 &* 10 &+ (d3 >> 8)
        let day = Int(truncatingIfNeeded: p2 & 0xFF)
        let hour = Int(truncatingIfNeeded: (p2 >> 24) & 0xFF)
        let minute = Int(truncatingIfNeeded: (p2 >> 48) & 0xFF)
        let second = Int(truncatingIfNeeded: (p3 >> 40) & 0xFF)
        guard day >= 1, day <= month.length, hour < 24, minute < 60, second < 61 else { return nil }
        // Wrapping arithmetic, without overflow checks: a four-digit year's days times 86,400 is far inside 64 bits.
        return Double((month.firstDay &+ day &- 1) &* 86400 &+ hour &* 3600 &+ minute &* 60 &+ second)
    }

    /// The month of a canonical timestamp's first eight bytes, `YYYY-MM-`: nil when they are not that form or not a
    /// valid month.
    @usableFromInline
    static func month(_ w1: UInt64) -> Month? {
        // Separators exactly: "-" at 4 and 7.
        let separators1: UInt64 = 0xFF00_00FF_0000_0000
        guard w1 & separators1 == 0x2D00_002D_0000_0000, digits(w1, separators1) else { return nil }
        let p1 = pairs(w1)
        let year = at(p1, 0) * 100 + at(p1, 2)
        let month = at(p1, 5)
        guard month >= 1, month <= 12 else { return nil }
        var read = Month()
        read.word = w1
        read.firstDay = daysFromCivil(year: year, month: month, day: 1)
        read.length = daysIn(month: month, year: year)
        return read
    }

    /// Whether every byte of `word` outside `separators` is an ASCII digit: a byte is one when its high nibble is 3,
    /// and still is after adding 6 (its low nibble is at most 9). With every digit byte's high nibble 3 and the
    /// separators known, adding 6 carries into no other byte.
    @inline(__always)
    private static func digits(_ word: UInt64, _ separators: UInt64) -> Bool {
        let nibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        let threes: UInt64 = 0x3030_3030_3030_3030
        let sixes: UInt64 = 0x0606_0606_0606_0606
        let mask = nibbles & ~separators
        return word & mask == threes & mask && (word &+ sixes) & mask == threes & mask
    }

    /// Each byte's value (separators give values never read), then at each byte i: 10 x value(i) + value(i + 1), the
    /// two-digit number starting there (at most 165: no byte overflows into the next).
    @inline(__always)
    private static func pairs(_ word: UInt64) -> UInt64 {
        let values = word & 0x0F0F_0F0F_0F0F_0F0F
        return values &* 10 &+ (values >> 8)
    }

    @inline(__always)
    private static func at(_ word: UInt64, _ byte: Int) -> Int {
        Int(truncatingIfNeeded: (word >> (8 * byte)) & 0xFF)
    }

    /// A read position in the bytes of a timestamp.
    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func digit() -> Int? {
            guard index < bytes.count else { return nil }
            let d = Int(bytes[index]) - 48
            guard d >= 0 && d <= 9 else { return nil }
            index += 1
            return d
        }

        mutating func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                guard let d = digit() else { return nil }
                value = value * 10 + d
            }
            return value
        }

        mutating func skip(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    package static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `2026-11-29T10:30:00Z` for seconds since 1970 (whole seconds, UTC).
    package static func iso8601(_ seconds: Double) -> String {
        // Twenty ASCII bytes, written in place: this runs for every decision and record.
        var written = true
        let text = String(unsafeUninitializedCapacity: 20) { buffer in
            guard let base = buffer.baseAddress, writeISO8601(seconds, to: base) else {
                written = false
                return 0
            }
            return 20
        }
        if written { return text }
        let (year, month, day, secondOfDay) = civil(seconds)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):"
            + "\(two(secondOfDay % 60))Z"
    }

    /// Writes `iso8601(seconds)`'s twenty bytes at `out`, for the years 0 to 9999; false (nothing written) for
    /// other years, whose text is longer.
    package static func writeISO8601(_ seconds: Double, to out: UnsafeMutablePointer<UInt8>) -> Bool {
        let (year, month, day, secondOfDay) = civil(seconds)
        guard (0...9999).contains(year) else { return false }
        @inline(__always) func digits(_ value: Int, _ count: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + count - 1, through: offset, by: -1) {
                out[index] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                value /= 10
            }
        }
        digits(year, 4, at: 0)
        out[4] = 0x2D
        digits(month, 2, at: 5)
        out[7] = 0x2D
        digits(day, 2, at: 8)
        out[10] = 0x54
        digits(secondOfDay / 3600, 2, at: 11)
        out[13] = 0x3A
        digits(secondOfDay % 3600 / 60, 2, at: 14)
        out[16] = 0x3A
        digits(secondOfDay % 60, 2, at: 17)
        out[19] = 0x5A
        return true
    }

    /// The UTC calendar date and second of the day of a time (H. Hinnant's civil from days).
    static func civil(_ seconds: Double) -> (year: Int, month: Int, day: Int, secondOfDay: Int) {
        let total = Int(seconds.rounded(.down))
        let days = total >= 0 ? total / 86400 : (total - 86399) / 86400
        let secondOfDay = total - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, secondOfDay)
    }
}
