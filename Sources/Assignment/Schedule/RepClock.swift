import Foundation
public import Rules
import YAML

/// A rep's local time: working hours, days off, and the SLA clock, in the rep's own time zone.
///
/// Days are local calendar days counted from 1970-01-01; weeks start on Monday. Offsets come from the time zone at
/// each instant, so daylight saving changes and zones across the date line work the same.
public struct RepClock: Sendable {
    let zone: TimeZone
    public let hours: WeeklyHours
    let away: [DateRange]
    /// The zone's offsets over the years around the clock's making: the offset from each transition on, read
    /// here instead of asking the time zone database (ICU) every time; instants outside `offsetsCover` ask it.
    let offsets: [(from: Double, seconds: Double)]
    let offsetsCover: Range<Double>

    public init(rep: AssignmentPlan.Rep) {
        self.init(timeZone: rep.timeZone, hours: rep.hours, away: rep.away)
    }

    public init(
        timeZone: String,
        hours: WeeklyHours,
        away: [DateRange] = [],
        offsetsAround now: Double? = nil
    ) {
        // The compiler checked the name.
        zone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0) ?? .current
        self.hours = hours
        self.away = away
        (offsets, offsetsCover) = Self.offsets(of: zone, around: now ?? Date().timeIntervalSince1970)
    }

    /// The zone's offsets from two years before `now` to four years after it, transition by transition.
    static func offsets(
        of zone: TimeZone,
        around now: Double
    ) -> (offsets: [(from: Double, seconds: Double)], cover: Range<Double>) {
        let start = now - 2 * 366 * 86400
        let end = now + 4 * 366 * 86400
        var date = Date(timeIntervalSince1970: start)
        var offsets = [(from: start, seconds: Double(zone.secondsFromGMT(for: date)))]
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next.timeIntervalSince1970 < end {
            // Far more transitions than any zone has in six years: not a table worth keeping.
            guard offsets.count < 64 else { return ([], 0..<0) }
            offsets.append((next.timeIntervalSince1970, Double(zone.secondsFromGMT(for: next))))
            date = next
        }
        return (offsets, start..<end)
    }

    /// Seconds east of UTC at `time`.
    func offset(_ time: Double) -> Double {
        guard offsetsCover.contains(time) else {
            return Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: time)))
        }
        var index = offsets.count - 1
        while index > 0 && offsets[index].from > time { index -= 1 }
        return offsets[index].seconds
    }

    /// The first instant after `time` at which the offset may change: the next transition, the end of the table,
    /// or infinity.
    func nextChange(after time: Double) -> Double {
        guard offsetsCover.contains(time) else {
            return zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: time))?
                .timeIntervalSince1970 ?? .infinity
        }
        for entry in offsets where entry.from > time { return entry.from }
        return offsetsCover.upperBound
    }

    /// Local seconds since 1970 (as if the local wall clock were UTC).
    func local(_ time: Double) -> Double { time + offset(time) }

    /// The first instant whose local time is `local` or later: that local time's instant, the earlier of two when
    /// clocks turned back over it, or the instant clocks turned forward when they skipped it.
    func firstInstant(atLocal local: Double) -> Double {
        // No zone is more than 14 hours ahead of UTC: local time is earlier than `local` at this instant.
        var time = local - 15 * 3600
        for _ in 0..<16 {
            let offset = offset(time)
            let candidate = local - offset
            if candidate <= time { return time }
            let end = nextChange(after: time)
            if candidate < end { return candidate }
            time = end
        }
        return local - offset(local - offset(local))
    }

    /// The first and the last instant (excluded) of the local day `day`.
    public func bounds(ofDay day: Int) -> (Double, Double) {
        (firstInstant(atLocal: Double(day) * 86400), firstInstant(atLocal: Double(day + 1) * 86400))
    }

    /// The first and the last instant (excluded) of the local week `week` (from Monday).
    public func bounds(ofWeek week: Int) -> (Double, Double) {
        let monday = week * 7 - 3
        return (firstInstant(atLocal: Double(monday) * 86400), firstInstant(atLocal: Double(monday + 7) * 86400))
    }

    /// The local day (days since 1970-01-01) at `time`.
    public func day(_ time: Double) -> Int { Int((local(time) / 86400).rounded(.down)) }

    /// The local week at `time`: weeks since the Monday before 1970-01-01.
    public func week(_ time: Double) -> Int { Self.week(ofDay: day(time)) }

    static func week(ofDay day: Int) -> Int { Int((Double(day + 3) / 7).rounded(.down)) }

    /// Monday is 0.
    static func weekday(_ day: Int) -> Int { ((day + 3) % 7 + 7) % 7 }

    /// The out-of-office period covering `time`'s local day, if any.
    public func absence(at time: Double) -> DateRange? {
        let today = day(time)
        return away.first { $0.contains(today) }
    }

    public func isWorking(at time: Double) -> Bool {
        let local = local(time)
        let day = Int((local / 86400).rounded(.down))
        let minute = (local - Double(day) * 86400) / 60
        return hours.days[Self.weekday(day)].contains {
            Double($0.lowerBound) <= minute && minute < Double($0.upperBound)
        }
    }

    /// `seconds` of working time after `time`: when an SLA that starts at `time` is due. Working time is time
    /// that passes while the local clock shows working hours, so a day clocks turn forward on has an hour less of
    /// it if the hours cover the change, and the day they turn back an hour more. Days out of office do not count.
    /// Without any working hours, the clock runs around the clock.
    public func due(from time: Double, after seconds: Double) -> Double {
        guard !hours.isEmpty else { return time + seconds }
        var remaining = seconds
        var start = time
        var days = 0
        // Stretch by stretch of one offset; in each, local time runs with real time.
        while days < 800 {
            let offset = offset(start)
            let end = nextChange(after: start)
            let localEnd = end + offset
            var local = start + offset
            while local < localEnd && days < 800 {
                let day = Int((local / 86400).rounded(.down))
                let midnight = Double(day) * 86400
                let minute = (local - midnight) / 60
                if !away.contains(where: { $0.contains(day) }) {
                    for range in hours.days[Self.weekday(day)] where Double(range.upperBound) > minute {
                        let from = midnight + max(Double(range.lowerBound), minute) * 60
                        if from >= localEnd { break }
                        let available = min(midnight + Double(range.upperBound) * 60, localEnd) - from
                        if remaining <= available { return from + remaining - offset }
                        remaining -= available
                    }
                }
                local = midnight + 86400
                days += 1
            }
            start = end
        }
        return time + seconds
    }

    /// Local weekday and time at `time`, as people read it: `Sat 02:10 Pacific/Kiritimati`.
    public func describe(_ time: Double) -> String {
        let local = local(time)
        let day = Int((local / 86400).rounded(.down))
        let minute = Int(((local - Double(day) * 86400) / 60).rounded(.down))
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let hh = minute / 60
        let mm = minute % 60
        return "\(names[Self.weekday(day)]) \(hh < 10 ? "0" : "")\(hh):\(mm < 10 ? "0" : "")\(mm) \(zone.identifier)"
    }

    /// A local day as `2026-12-24`.
    public static func date(_ day: Int) -> String {
        String(Timestamp.iso8601(Double(day) * 86400).prefix(10))
    }
}
