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

    /// Local seconds since 1970 (as if the local wall clock were UTC).
    func local(_ time: Double) -> Double { time + offset(time) }

    /// The UTC instant of a local wall-clock time.
    func utc(fromLocal local: Double) -> Double {
        let guess = local - offset(local)
        return local - offset(guess)
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

    /// `seconds` of working time after `time`: when an SLA that starts at `time` is due. Days out of office do
    /// not count. Without any working hours, the clock runs around the clock.
    public func due(from time: Double, after seconds: Double) -> Double {
        guard !hours.isEmpty else { return time + seconds }
        var remaining = seconds
        let start = local(time)
        var day = Int((start / 86400).rounded(.down))
        var minute = (start - Double(day) * 86400) / 60
        for _ in 0..<800 {
            if !away.contains(where: { $0.contains(day) }) {
                for range in hours.days[Self.weekday(day)] where Double(range.upperBound) > minute {
                    let from = max(Double(range.lowerBound), minute)
                    let available = (Double(range.upperBound) - from) * 60
                    if remaining <= available {
                        return utc(fromLocal: Double(day) * 86400 + from * 60 + remaining)
                    }
                    remaining -= available
                }
            }
            day += 1
            minute = 0
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
