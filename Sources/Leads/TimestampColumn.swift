public import Foundation
import YAML

/// How a CSV column of `type: timestamp` reads its cells: by a `format` such as `MM/DD/YYYY hh:mm A` (as CRM and
/// spreadsheet exports write dates in their users' locales), or several tried in order, then as ISO 8601; without a
/// format, as ISO 8601 or a number of seconds or milliseconds since 1970. A time without an offset is in `time_zone`
/// (UTC by default). The cell becomes an ISO 8601 text in UTC (`2026-11-20T19:03:00Z`), which rules read as a date.
public struct TimestampColumn: Sendable {
    /// The formats of the cells, tried in order; none for ISO 8601 or an epoch number.
    public var formats: [TimestampFormat]
    /// The zone of the cells' local times; nil for the mapping's `time_zone`, or UTC.
    public var timeZone: TimeZone?

    public init(formats: [TimestampFormat] = [], timeZone: TimeZone? = nil) {
        self.formats = formats
        self.timeZone = timeZone
    }

    /// The cell `text` (trimmed) as an ISO 8601 text in UTC; nil when it is not a time this column reads.
    func read(_ text: String, defaultZone: TimeZone?) -> String? {
        let zone = timeZone ?? defaultZone
        var text = text
        let seconds: Double? = text.withUTF8 { bytes in
            for format in formats {
                if let local = format.localSeconds(bytes) { return Self.utc(fromLocal: local, in: zone) }
            }
            // An epoch number only without a format: with one, digits are more likely a date it cannot read.
            if formats.isEmpty, !bytes.isEmpty, bytes.allSatisfy({ (0x30...0x39).contains($0) }) {
                return Double(String(decoding: bytes, as: UTF8.self)).flatMap(Timestamp.epoch)
            }
            guard let reading = Timestamp.reading(utf8: bytes) else { return nil }
            return reading.zoned ? reading.seconds : Self.utc(fromLocal: reading.seconds, in: zone)
        }
        return seconds.flatMap(Self.iso8601)
    }

    /// Why `text` does not read, when a format would read it but for its weekday (one of the two is wrong, and the
    /// cell does not say which): "'Sat' is not the weekday of 2026-11-20, a Friday".
    func weekdayMismatch(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes in formats.lazy.compactMap { $0.weekdayMismatch(bytes) }.first }
    }

    /// What the column reads, for an error: `a date as MM/DD/YYYY or DD.MM.YYYY, or ISO 8601`.
    var expected: String {
        guard !formats.isEmpty else { return "an ISO 8601 date (2026-11-20T14:03:00Z)" }
        return "a date as " + formats.map(\.pattern).joined(separator: " or ") + ", or ISO 8601"
    }

    /// `2026-11-20T19:03:00Z`, or with milliseconds when the time has a fraction of a second; nil outside the years
    /// 1 to 9999.
    static func iso8601(_ seconds: Double) -> String? {
        let whole = seconds.rounded(.down)
        guard whole >= firstSecond, whole <= lastSecond else { return nil }
        let text = Timestamp.iso8601(whole)
        let milliseconds = Int(((seconds - whole) * 1000).rounded())
        guard milliseconds > 0, milliseconds < 1000 else { return text }
        let digits = String(milliseconds)
        return text.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    static let firstSecond = Double(Timestamp.daysFromCivil(year: 1, month: 1, day: 1) * 86400)
    static let lastSecond = Double(Timestamp.daysFromCivil(year: 9999, month: 12, day: 31) * 86400 + 86399)

    /// The instant at which clocks in `zone` show `local` (seconds since 1970 as if the local time were UTC). A local
    /// time that occurs twice (clocks go back) is its first instant; one that clocks skip (they go forward) is read
    /// with the offset before the change, which puts it as far past the change as it is past the skipped hour's
    /// start (02:30 is 03:30, as most calendars do).
    static func utc(fromLocal local: Double, in zone: TimeZone?) -> Double {
        guard let zone else { return local }
        func offset(_ instant: Double) -> Double {
            Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: instant)))
        }
        // The offsets a day before and after (no offset is more than a day): the local time is read with one of
        // them, the one that holds at the instant it gives; with both (clocks went back), the earlier instant.
        let before = offset(local - 86400)
        let after = offset(local + 86400)
        let candidates = [local - before, local - after].filter { local - offset($0) == $0 }
        // Neither holds: the local time is in the hour clocks skip, read with the offset before they went forward.
        return candidates.min() ?? local - before
    }
}

/// A pattern of a date and time, such as `DD.MM.YYYY HH:mm` or `MMM D, YYYY`: its tokens are those of Moment.js and
/// Day.js (case matters), and every other character stands for itself.
///
/// | token | reads |
/// | --- | --- |
/// | `YYYY` | the year, four digits |
/// | `MM`, `M` | the month, one or two digits |
/// | `MMM`, `MMMM` | the month's English name or its first three letters, in any case |
/// | `DD`, `D` | the day of the month, one or two digits |
/// | `HH`, `H` | the hour from 0 to 23, one or two digits |
/// | `hh`, `h` | the hour from 1 to 12, one or two digits, with `A` |
/// | `mm` | the minutes, two digits |
/// | `ss` | the seconds, two digits, and a fraction if there is one (`05.250`) |
/// | `A`, `a` | `AM` or `PM`, in any case |
/// | `ddd`, `dddd` | the weekday's English name or its first three letters, in any case, which must be the date's |
/// | `[text]` | `text` itself (letters in any case), as Moment.js escapes words: `MMM D, YYYY [at] h:mm A` |
///
/// A space stands for one or more spaces. A cell may end before the time of day, which is then midnight.
///
/// The pattern `excel` reads Excel's serial dates instead, as a spreadsheet writes a date cell formatted as a number:
/// days since 1899-12-30, with the time of day as the fraction (`46346.5` is 2026-11-20 12:00).
public struct TimestampFormat: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case year, month, monthName, day, hour, hour12, minute, second, meridiem, weekday
        case space
        case literal(UInt8)

        var isDate: Bool { self == .year || self == .month || self == .monthName || self == .day }
        var isHour: Bool { self == .hour || self == .hour12 }
    }

    let pieces: [Piece]
    /// The pattern as written.
    public let pattern: String
    /// `excel`: the cell is a serial date.
    let excelSerial: Bool

    /// A mistake in a pattern: where (in characters of the pattern) and what.
    package struct Problem: Error, Equatable {
        package let offset: Int
        package let length: Int
        package let message: String
    }

    /// The tokens, longest first, with what they read.
    private static let tokens: [(String, Piece)] = [
        ("YYYY", .year), ("MMMM", .monthName), ("MMM", .monthName), ("MM", .month), ("M", .month), ("DD", .day),
        ("D", .day), ("HH", .hour), ("H", .hour), ("hh", .hour12), ("h", .hour12), ("mm", .minute), ("ss", .second),
        ("A", .meridiem), ("a", .meridiem), ("dddd", .weekday), ("ddd", .weekday),
    ]

    package init(_ pattern: String) throws(Problem) {
        self.pattern = pattern
        excelSerial = pattern.lowercased() == "excel"
        if excelSerial {
            pieces = []
            return
        }
        let characters = Array(pattern.unicodeScalars)
        var pieces: [Piece] = []
        var offsets: [Range<Int>] = []
        var index = 0
        while index < characters.count {
            if characters[index] == "[" {
                // Text in brackets stands for itself, letters and all (Moment.js's escape): `[at]`, `[Uhr]`.
                guard let close = characters[index...].firstIndex(of: "]") else {
                    throw Problem(
                        offset: index,
                        length: characters.count - index,
                        message: "'[' starts text that stands for itself, and needs its ']'"
                    )
                }
                for position in index + 1..<close {
                    let character = characters[position]
                    if character == " " {
                        if pieces.last != .space {
                            pieces.append(.space)
                            offsets.append(position..<position + 1)
                        }
                        continue
                    }
                    for byte in String(character).utf8 {
                        pieces.append(.literal(byte))
                        offsets.append(position..<position + 1)
                    }
                }
                index = close + 1
                continue
            }
            let rest = String(String.UnicodeScalarView(characters[index...]))
            if let (token, piece) = Self.tokens.first(where: { rest.hasPrefix($0.0) }) {
                pieces.append(piece)
                offsets.append(index..<index + token.unicodeScalars.count)
                index += token.unicodeScalars.count
                continue
            }
            let character = characters[index]
            if character == " " {
                if pieces.last != .space {
                    pieces.append(.space)
                    offsets.append(index..<index + 1)
                }
                index += 1
                continue
            }
            guard character.isASCII else {
                throw Problem(
                    offset: index,
                    length: 1,
                    message: "only ASCII characters may stand for themselves outside brackets: write '[\(character)]'"
                )
            }
            if character.properties.isAlphabetic, character != "T" {
                var end = index
                while end < characters.count, characters[end] == character { end += 1 }
                let run = String(String.UnicodeScalarView(characters[index..<end]))
                throw Problem(offset: index, length: end - index, message: Self.unknownToken(run))
            }
            pieces.append(.literal(UInt8(character.value)))
            offsets.append(index..<index + 1)
            index += 1
        }
        self.pieces = pieces
        try check(offsets: offsets, count: characters.count)
    }

    private static func unknownToken(_ run: String) -> String {
        let known: [String: String] = [
            "yyyy": "YYYY", "YY": "YYYY", "yy": "YYYY", "Y": "YYYY", "y": "YYYY", "dd": "DD", "d": "D",
            "SS": "ss", "S": "ss", "s": "ss", "m": "mm", "SSS": "ss",
        ]
        if run == "YY" || run == "yy" {
            return "two-digit years are ambiguous: write 'YYYY' and a four-digit year"
        }
        let hint = known[run].map { " (did you mean '\($0)'?)" } ?? ""
        return "unknown '\(run)' in the format\(hint); expected YYYY, MM, MMM, DD, ddd, HH, hh, mm, ss or A, words "
            + "in brackets ([at]), or excel alone"
    }

    private func check(offsets: [Range<Int>], count: Int) throws(Problem) {
        func first(_ piece: Piece) -> Int? { pieces.firstIndex(of: piece) }
        func at(_ position: Int, _ message: String) -> Problem {
            Problem(offset: offsets[position].lowerBound, length: offsets[position].count, message: message)
        }
        let whole = Problem(offset: 0, length: max(count, 1), message: "")
        for (position, piece) in pieces.enumerated() where piece != .space {
            if case .literal = piece { continue }
            let earlier = pieces[..<position]
            let again =
                piece == .month || piece == .monthName
                ? earlier.contains { $0 == .month || $0 == .monthName }
                : piece.isHour ? earlier.contains(where: \.isHour) : earlier.contains(piece)
            if again { throw at(position, "the format reads this part of the date twice") }
        }
        if let minute = first(.minute), pieces.firstIndex(where: \.isHour) == nil {
            throw at(minute, "'mm' is minutes, and the format has no hour (HH); months are 'MM'")
        }
        for (name, present) in [
            ("year (YYYY)", first(.year)), ("month (MM or MMM)", first(.month) ?? first(.monthName)),
            ("day (DD)", first(.day)),
        ] where present == nil {
            throw Problem(offset: whole.offset, length: whole.length, message: "the format has no \(name)")
        }
        if let second = first(.second), first(.minute) == nil {
            throw at(second, "the format has seconds (ss) but no minutes (mm)")
        }
        if let hour = first(.hour12), first(.meridiem) == nil {
            throw at(hour, "'hh' is the hour from 1 to 12 and needs AM or PM (A); 'HH' is the hour from 0 to 23")
        }
        if let meridiem = first(.meridiem), first(.hour12) == nil {
            throw at(meridiem, "AM or PM (A) goes with the hour from 1 to 12 (hh), not with HH")
        }
        if let hour = pieces.firstIndex(where: \.isHour), pieces[hour...].contains(where: \.isDate) {
            throw at(hour, "the time of day comes after the date")
        }
    }

    /// Seconds since 1970 of the local date and time in `bytes`, as if UTC; nil when they do not follow the format or
    /// are no date (31 February, 25:00, or a weekday that is not the date's).
    func localSeconds(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        if excelSerial { return Self.excelSeconds(bytes) }
        guard let reading = read(bytes) else { return nil }
        if let weekday = reading.weekday, weekday != Self.weekday(ofDay: reading.day) { return nil }
        return reading.seconds
    }

    /// Why `bytes` do not read when they follow the format but for their weekday: "'Sat' is not the weekday of
    /// 2026-11-20, a Friday". Nil otherwise.
    func weekdayMismatch(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard !excelSerial, let reading = read(bytes), let weekday = reading.weekday else { return nil }
        let actual = Self.weekday(ofDay: reading.day)
        guard weekday != actual else { return nil }
        let date = Timestamp.iso8601(Double(reading.day) * 86400).prefix(10)
        let name = Self.weekdayNames[actual]
        return
            "'\(reading.weekdayText)' is not the weekday of \(date), a \(name.prefix(1).uppercased() + name.dropFirst())"
    }

    /// Monday is 0 (1970-01-01, day 0, was a Thursday).
    static func weekday(ofDay day: Int) -> Int { ((day + 3) % 7 + 7) % 7 }

    /// The date and time `bytes` give by the format: seconds since 1970 as if UTC, the day, and the weekday they
    /// name (Monday is 0), if the format reads one, unchecked.
    private func read(
        _ bytes: UnsafeBufferPointer<UInt8>
    ) -> (seconds: Double, day: Int, weekday: Int?, weekdayText: String)? {
        var position = 0
        var year = 0
        var month = 0
        var day = 0
        var hour = 0
        var minute = 0
        var second = 0.0
        var pm: Bool?
        var hour12 = false
        var weekday: Int?
        var weekdayText = ""
        func digits(_ least: Int, _ most: Int) -> Int? {
            var value = 0
            var count = 0
            while count < most, position < bytes.count, (0x30...0x39).contains(bytes[position]) {
                value = value * 10 + Int(bytes[position] - 0x30)
                position += 1
                count += 1
            }
            return count >= least ? value : nil
        }
        for (index, piece) in pieces.enumerated() {
            if position == bytes.count {
                // The cell ends before the time of day: midnight, if nothing of the date is left to read.
                let rest = pieces[index...]
                guard !rest.contains(where: \.isDate), rest.contains(where: \.isHour) else { return nil }
                break
            }
            switch piece {
            case .year:
                guard let value = digits(4, 4) else { return nil }
                year = value
            case .month:
                guard let value = digits(1, 2) else { return nil }
                month = value
            case .day:
                guard let value = digits(1, 2) else { return nil }
                day = value
            case .hour, .hour12:
                guard let value = digits(1, 2) else { return nil }
                hour = value
                hour12 = piece == .hour12
            case .minute:
                guard let value = digits(2, 2) else { return nil }
                minute = value
            case .second:
                guard let value = digits(2, 2) else { return nil }
                second = Double(value)
                if position + 1 < bytes.count, bytes[position] == 0x2E, (0x30...0x39).contains(bytes[position + 1]) {
                    position += 1
                    var scale = 0.1
                    while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
                        second += Double(bytes[position] - 0x30) * scale
                        scale /= 10
                        position += 1
                    }
                }
            case .monthName:
                let start = position
                while position < bytes.count, Self.isLetter(bytes[position]) { position += 1 }
                var name = String(decoding: bytes[start..<position], as: UTF8.self).lowercased()
                // "Sept", as some exports abbreviate September.
                if name == "sept" { name = "sep" }
                guard let number = Self.monthNames.firstIndex(where: { $0 == name || $0.prefix(3) == name }) else {
                    return nil
                }
                month = number + 1
            case .weekday:
                let start = position
                while position < bytes.count, Self.isLetter(bytes[position]) { position += 1 }
                weekdayText = String(decoding: bytes[start..<position], as: UTF8.self)
                let name = weekdayText.lowercased()
                // "Tues", "Thurs", as some exports abbreviate them.
                guard name.count >= 3,
                    let number = Self.weekdayNames.firstIndex(where: { $0 == name || $0.hasPrefix(name) })
                else { return nil }
                weekday = number
            case .meridiem:
                let start = position
                while position < bytes.count, Self.isLetter(bytes[position]) || bytes[position] == 0x2E {
                    position += 1
                }
                switch String(decoding: bytes[start..<position], as: UTF8.self).lowercased() {
                case "am", "a.m.": pm = false
                case "pm", "p.m.": pm = true
                default: return nil
                }
            case .space:
                let start = position
                while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
                guard position > start else { return nil }
            case .literal(let byte):
                let found = bytes[position]
                // Letters in any case (`T` or `t`, `at` or `AT`).
                guard found == byte || (Self.isLetter(byte) && found | 0x20 == byte | 0x20) else { return nil }
                position += 1
            }
        }
        guard position == bytes.count else { return nil }
        if hour12 {
            guard (1...12).contains(hour), let pm else { return nil }
            hour = hour % 12 + (pm ? 12 : 0)
        }
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= Timestamp.daysIn(month: month, year: year), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        return (Double(days * 86400 + hour * 3600 + minute * 60) + second, days, weekday, weekdayText)
    }

    /// Seconds since 1970 of an Excel serial date (local time, as if UTC): days since 1899-12-30 (Excel's day 1 is
    /// 1900-01-01; its day 60, 1900-02-29, never was, and serial dates before 61 are refused), a fraction for the
    /// time of day, rounded to the millisecond. Nil outside 61 (1900-03-01) to 2958465 (9999-12-31).
    static func excelSeconds(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard !bytes.isEmpty, bytes.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2E }),
            let days = Double(String(decoding: bytes, as: UTF8.self)), days >= 61, days < 2_958_466
        else { return nil }
        let epoch = Double(Timestamp.daysFromCivil(year: 1899, month: 12, day: 30)) * 86400
        return epoch + (days * 86_400_000).rounded() / 1000
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte & 0xDF) }

    /// Monday first, as `weekday(ofDay:)` counts them.
    private static let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    private static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december",
    ]
}
