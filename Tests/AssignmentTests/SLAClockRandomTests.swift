import Foundation
import Rules
import TestSupport
import Testing
import YAML

@testable import Assignment

/// The SLA clock and working hours against their definition, minute by minute: a rep works at an instant when the
/// local wall-clock time (the time zone database's offset at that instant) falls in one of the day's ranges and the
/// local day is not a day away; an SLA of `s` seconds is due at the instant when `s` seconds of working time have
/// passed since the start. Random zones (daylight saving time, half-hour and 45-minute offsets, the date line),
/// random hours (around the clock, past midnight, about the hours clocks change at), starts near the transitions.
@Suite("SLA clock, random cases against minute-by-minute counting")
struct SLAClockRandomTests {
    static let zones = [
        "UTC", "America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago",
        "Pacific/Chatham", "Asia/Kolkata", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Havana",
        "Africa/Casablanca", "Asia/Tehran",
    ]

    struct Case: CustomStringConvertible {
        var zone: String
        var hours: WeeklyHours
        var away: [DateRange]
        var start: Double
        var seconds: Double
        var description: String {
            "\(zone) hours \(hours.days) away \(away.map { "\($0.first)...\($0.last)" }) start \(start) sla \(seconds)"
        }
    }

    static func randomHours(_ random: inout TestRandom) -> WeeklyHours {
        switch random.int(0...5) {
        case 0: return .always
        case 1:
            // The same hours each day, about the hours clocks change at (01:00 to 03:00).
            let from = random.int(0...4) * 30
            let to = from + random.int(1...8) * 30
            return WeeklyHours(days: Array(repeating: [from..<min(to, 1440)], count: 7))
        default:
            var days: [[Range<Int>]] = []
            for _ in 0..<7 {
                var ranges: [Range<Int>] = []
                var minute = random.pick([0, 0, 60, 90, 120, 150, 480, 540])
                for _ in 0..<random.int(0...3) {
                    let length = random.pick([30, 60, 90, 180, 240, 480, 1440])
                    let end = min(minute + length, 1440)
                    if end > minute { ranges.append(minute..<end) }
                    minute = end + random.pick([0, 15, 60, 120])
                    if minute >= 1440 { break }
                }
                days.append(ranges)
            }
            return WeeklyHours(days: days)
        }
    }

    /// Seconds east of UTC at `time`, from the time zone database.
    static func offset(_ zone: TimeZone, _ time: Double) -> Double {
        Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: time)))
    }

    static func isWorking(_ item: Case, _ zone: TimeZone, at time: Double) -> Bool {
        let local = time + offset(zone, time)
        let day = Int((local / 86400).rounded(.down))
        if item.away.contains(where: { $0.contains(day) }) { return false }
        let minute = Int(((local - Double(day) * 86400) / 60).rounded(.down))
        let weekday = ((day + 3) % 7 + 7) % 7
        return item.hours.days[weekday].contains { $0.contains(minute) }
    }

    /// Minute by minute from `start` (on a minute) until `seconds` (whole minutes) of working time have passed.
    static func due(_ item: Case, _ zone: TimeZone) -> Double? {
        var remaining = item.seconds
        var time = item.start
        for _ in 0..<(60 * 24 * 60) {
            if isWorking(item, zone, at: time) {
                remaining -= 60
                if remaining <= 0 { return time + 60 }
            }
            time += 60
        }
        return nil
    }

    @Test("due times and working instants agree with counting minute by minute")
    func agree() throws {
        var random = TestRandom(seed: 20_261_203)
        let rounds = TestRandom.rounds(1000)
        // 2026-01-01 to 2028-12-31, around the instants zones change their offsets.
        let from = 1_767_225_600.0
        var transitions: [String: [Double]] = [:]
        for name in Self.zones {
            let zone = try #require(TimeZone(identifier: name))
            var date = Date(timeIntervalSince1970: from)
            var list: [Double] = []
            while let next = zone.nextDaylightSavingTimeTransition(after: date),
                next.timeIntervalSince1970 < from + 3 * 365 * 86400
            {
                list.append(next.timeIntervalSince1970)
                date = next
            }
            transitions[name] = list
        }
        var failures = 0
        for _ in 0..<rounds {
            let name = random.pick(Self.zones)
            let zone = try #require(TimeZone(identifier: name))
            let hours = Self.randomHours(&random)
            var start: Double
            if let list = transitions[name], !list.isEmpty, random.int(0...3) > 0 {
                start = random.pick(list) - Double(random.int(0...(3 * 24 * 60))) * 60
            } else {
                start = from + Double(random.int(0...(3 * 360 * 24 * 60))) * 60
            }
            start = (start / 60).rounded(.down) * 60
            var away: [DateRange] = []
            if random.int(0...3) == 0 {
                let first = Int((start / 86400).rounded(.down)) + random.int(-1...3)
                away.append(DateRange(first: first, last: first + random.int(0...3)))
            }
            let item = Case(
                zone: name,
                hours: hours,
                away: away,
                start: start,
                seconds: Double(random.pick([1, 15, 30, 60, 90, 120, 240, 480, 600, 1440])) * 60
            )
            let clock = RepClock(timeZone: name, hours: hours, away: away, offsetsAround: start)
            guard !hours.isEmpty else { continue }
            if let expected = Self.due(item, zone) {
                let actual = clock.due(from: start, after: item.seconds)
                if actual != expected {
                    failures += 1
                    if failures <= 10 {
                        Issue.record(
                            "due \(Timestamp.iso8601(actual)), expected \(Timestamp.iso8601(expected)): \(item)"
                        )
                    }
                }
            }
            // The bounds of the local day and week: their first instant is the first whose local time is at or
            // past midnight (a change of clocks may skip midnight, or show it twice).
            let probe = start + Double(random.int(-3 * 60...3 * 60)) * 60 + Double(random.int(0...59))
            func local(_ time: Double) -> Double { time + Self.offset(zone, time) }
            let today = Int((local(probe) / 86400).rounded(.down))
            let monday = Int((Double(today + 3) / 7).rounded(.down)) * 7 - 3
            for (bounds, first, last) in [
                (clock.bounds(ofDay: clock.day(probe)), today, today + 1),
                (clock.bounds(ofWeek: clock.week(probe)), monday, monday + 7),
            ] {
                for (instant, midnight) in [(bounds.0, first), (bounds.1, last)] {
                    let target = Double(midnight) * 86400
                    if !(local(instant) >= target && local(instant - 1) < target) {
                        failures += 1
                        if failures <= 10 {
                            Issue.record(
                                "bounds \(bounds) of day \(today) at \(probe): midnight \(midnight) in \(name)"
                            )
                        }
                    }
                }
                if !(bounds.0 <= probe && probe < bounds.1) {
                    failures += 1
                    Issue.record("bounds \(bounds) do not hold \(probe) in \(name)")
                }
            }
            // Working instants, minute by minute over the next two days (days away aside: `isWorking` is the hours).
            var plain = item
            plain.away = []
            for step in stride(from: 0.0, to: 2 * 86400, by: 60 * Double(random.int(1...37))) {
                let time = start + step
                if clock.isWorking(at: time) != Self.isWorking(plain, zone, at: time) {
                    failures += 1
                    if failures <= 10 {
                        Issue.record("isWorking at \(Timestamp.iso8601(time)): \(item)")
                    }
                }
            }
        }
        #expect(failures == 0)
    }
}
