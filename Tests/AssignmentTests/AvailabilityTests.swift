import Foundation
import Rules
import Testing
import YAML

@testable import Assignment

@Suite("Capacity and availability")
struct AvailabilityTests {
    @Test("day and week caps: a capped rep is skipped with the reason, and counts reset with the rep's day and week")
    func caps() throws {
        let fixture = try AssignmentFixture(
            """
            version: 1
            assign: {time_zone: UTC, hours: always}
            reps:
              - {id: ana, caps: {day: 2, week: 3}}
              - {id: ben, caps: {day: 2, week: 10}}
            teams:
              - {id: sales, strategy: round_robin, members: [ana, ben], overflow: {queue: overflow-inbox}}
            fallback: {queue: inbox}
            """
        )
        // Monday: four leads fill both day caps; the fifth overflows.
        let first = try fixture.assign(try leads(5, prefix: "MON"), at: monday + 10 * hour)
        #expect(tally(first) == ["ana": 2, "ben": 2, "queue:overflow-inbox": 1])
        let overflow = try #require(first.last)
        #expect(overflow.status == .queued)
        #expect(overflow.reasons.contains(Opportunity.Reason(step: "skipped", detail: "day cap 2 reached", rep: "ana")))
        #expect(overflow.reasons.contains(Opportunity.Reason(step: "skipped", detail: "day cap 2 reached", rep: "ben")))
        #expect(
            overflow.reasons.contains {
                $0.step == "overflow" && $0.detail.contains("overflow to queue overflow-inbox")
            }
        )
        // Tuesday: the day caps reset; Ana reaches her week cap of three after one more.
        let second = try fixture.assign(try leads(4, prefix: "TUE"), at: monday + day + 10 * hour)
        #expect(tally(second) == ["ana": 1, "ben": 2, "queue:overflow-inbox": 1])
        let third = try fixture.assign(try leads(2, prefix: "WED"), at: monday + 2 * day + 10 * hour)
        #expect(tally(third) == ["ben": 2])
        #expect(
            third[0].reasons.contains(Opportunity.Reason(step: "skipped", detail: "week cap 3 reached", rep: "ana"))
        )
        // Next Monday: a new week.
        let next = try fixture.assign(try leads(2, prefix: "NEXT"), at: monday + 7 * day + 10 * hour)
        #expect(tally(next) == ["ana": 1, "ben": 1])
    }

    @Test("a cap never overshoots, even inside one batch")
    func capInBatch() throws {
        let fixture = try AssignmentFixture(
            """
            version: 1
            assign: {time_zone: UTC, hours: always}
            reps:
              - {id: ana, caps: {day: 7}}
              - {id: ben, caps: {day: 5}}
            teams:
              - {id: sales, strategy: least_loaded, members: [ana, ben]}
            fallback: {queue: inbox}
            """
        )
        let result = try fixture.assign(try leads(20), at: monday + 10 * hour)
        #expect(tally(result) == ["ana": 7, "ben": 5, "queue:inbox": 8])
        #expect(
            result.last?.reasons.contains { $0.step == "queue" && $0.detail.contains("fallback queue inbox") } == true
        )
        // Once every member is capped, each later lead of the batch says so in full, as the first one did.
        let queued = result.filter { $0.status == .queued }
        for lead in queued {
            #expect(lead.reasons == queued[0].reasons)
            #expect(lead.reasons.contains(Opportunity.Reason(step: "skipped", detail: "day cap 7 reached", rep: "ana")))
            #expect(lead.reasons.contains(Opportunity.Reason(step: "skipped", detail: "day cap 5 reached", rep: "ben")))
        }
    }

    static let worldTeam = """
        version: 1
        reps:
          - {id: nyc, time_zone: America/New_York, hours: {mon-fri: "09:00-17:00"}}
          - {id: tokyo, time_zone: Asia/Tokyo, hours: {mon-fri: "09:00-17:00"}}
          - {id: kiritimati, time_zone: Pacific/Kiritimati, hours: {mon-fri: "09:00-17:00"}}
          - {id: pago, time_zone: Pacific/Pago_Pago, hours: {mon-fri: "09:00-17:00"}}
        teams:
          - {id: world, strategy: round_robin, members: [nyc, tokyo, kiritimati, pago], sla: 4h}
        fallback: {queue: inbox}
        """

    @Test("working hours in each rep's time zone decide who can take a lead now")
    func timeZones() throws {
        let fixture = try AssignmentFixture(Self.worldTeam)
        // Monday 14:30 UTC: 09:30 in New York; Tokyo is at 23:30, Kiritimati at 04:30 Tuesday, Pago Pago at 03:30.
        let morning = try fixture.assign([try testLead("A")], at: monday + 14.5 * hour)
        #expect(morning[0].owner == "nyc")
        let skipped = morning[0].reasons.filter { $0.step == "skipped" }
        #expect(skipped.map(\.rep) == ["tokyo", "kiritimati", "pago"])
        #expect(skipped[0].detail == "outside working hours (Mon 23:30 Asia/Tokyo)")
        #expect(skipped[1].detail == "outside working hours (Tue 04:30 Pacific/Kiritimati)")
        // Tuesday 05:00 UTC: 14:00 in Tokyo; 19:00 in Kiritimati, 18:00 Monday in Pago Pago, midnight in New York.
        let tokyo = try fixture.assign([try testLead("B")], at: monday + 29 * hour)
        #expect(tokyo[0].owner == "tokyo")
    }

    @Test("across the date line: the same instant is Monday in Kiritimati and Sunday in Pago Pago")
    func dateLine() throws {
        let fixture = try AssignmentFixture(Self.worldTeam)
        // Sunday 2026-11-29 20:00 UTC: Monday 10:00 in Kiritimati (UTC+14), Sunday 09:00 in Pago Pago (UTC-11).
        let sunday = monday - 4 * hour
        let first = try fixture.assign([try testLead("A")], at: sunday)
        #expect(first[0].owner == "kiritimati")
        #expect(
            first[0].reasons.contains(
                Opportunity.Reason(
                    step: "skipped",
                    detail: "outside working hours (Sun 09:00 Pacific/Pago_Pago)",
                    rep: "pago"
                )
            )
        )
        // Friday 2026-12-04 20:00 UTC: Saturday 10:00 in Kiritimati, Friday 09:00 in Pago Pago.
        let friday = monday + 4 * day + 20 * hour
        let second = try fixture.assign([try testLead("B")], at: friday)
        #expect(second[0].owner == "pago")
        // The SLA runs in the owner's hours: Friday 09:00 + 4h in Pago Pago is 13:00 there, 00:00 UTC Saturday.
        #expect(second[0].firstContactDue == friday + 4 * hour)
    }

    @Test("the SLA is counted in the owner's working hours, over the weekend and the date line")
    func slaClock() throws {
        let kiritimati = RepClock(
            timeZone: "Pacific/Kiritimati",
            hours: WeeklyHours(days: [[540..<1020], [540..<1020], [540..<1020], [540..<1020], [540..<1020], [], []])
        )
        // Friday 2026-12-04 16:00 in Kiritimati is 02:00 UTC Friday; 4 working hours: 1 on Friday, 3 on Monday,
        // due Monday 12:00 there, which is Sunday 22:00 UTC.
        let start = monday + 4 * day + 2 * hour
        #expect(kiritimati.describe(start) == "Fri 16:00 Pacific/Kiritimati")
        #expect(kiritimati.due(from: start, after: 4 * hour) == monday + 6 * day + 22 * hour)
        // Before hours: the clock starts at 09:00.
        let newYork = RepClock(
            timeZone: "America/New_York",
            hours: WeeklyHours(days: Array(repeating: [540..<1020], count: 5) + [[], []])
        )
        #expect(newYork.due(from: monday + 6 * hour, after: 2 * hour) == monday + 16 * hour)
        // Across the end of daylight saving time (2026-11-01, Sunday): Friday 16:00 EDT + 2h -> Monday 10:00 EST.
        let fridayBefore = 1_793_318_400.0 + 20 * hour  // 2026-10-30T20:00:00Z = 16:00 EDT
        #expect(newYork.due(from: fridayBefore, after: 2 * hour) == 1_793_318_400.0 + 3 * day + 15 * hour)
        // Out of office days do not count.
        let away = RepClock(timeZone: "UTC", hours: .always, away: [DateRange(first: 20787, last: 20787)])
        #expect(away.due(from: monday - hour, after: 2 * hour) == monday + day + hour)
    }

    /// The clock reads offsets from its own table of transitions; the time zone database must agree everywhere,
    /// around every transition and across the years the table covers, and outside them.
    @Test("the clock's table of offsets gives the time zone database's offset at any instant")
    func offsetTable() throws {
        let zones = [
            "UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Kiritimati",
            "Pacific/Pago_Pago", "Asia/Kolkata", "America/Santiago", "Africa/Casablanca", "Pacific/Chatham",
        ]
        for name in zones {
            let zone = try #require(TimeZone(identifier: name))
            let clock = RepClock(timeZone: name, hours: .always, offsetsAround: monday)
            func database(_ time: Double) -> Double {
                Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: time)))
            }
            #expect(clock.offsetsCover.contains(monday))
            #expect(clock.offsetsCover.contains(monday + 3 * 365 * day))
            if name != "UTC" && name != "Asia/Kolkata" && name != "Pacific/Kiritimati" && name != "Pacific/Pago_Pago" {
                #expect(clock.offsets.count > 4, "\(name) has daylight saving time")
            }
            var instants: [Double] = []
            for entry in clock.offsets {
                instants += [entry.from - 1800, entry.from - 1, entry.from, entry.from + 1, entry.from + 1800]
            }
            var time = clock.offsetsCover.lowerBound - 2 * day
            while time < clock.offsetsCover.upperBound + 2 * day {
                instants.append(time)
                time += 7 * hour
            }
            for instant in instants {
                #expect(clock.offset(instant) == database(instant), "\(name) at \(instant)")
            }
        }
    }

    @Test("no member in working hours: the lead still gets an owner, and the SLA starts at their next working hour")
    func nightLead() throws {
        let fixture = try AssignmentFixture(Self.worldTeam)
        // Saturday 2026-12-05 12:00 UTC: nobody works.
        let saturday = monday + 5 * day + 12 * hour
        let result = try fixture.assign([try testLead("A")], at: saturday)
        let opportunity = result[0]
        #expect(opportunity.status == .assigned)
        #expect(opportunity.reasons.contains { $0.step == "hours" })
        let owner = try #require(opportunity.owner)
        let plan = try #require(try fixture.program().assignment)
        let clock = RepClock(rep: plan.reps[try #require(plan.rep(owner))])
        let due = try #require(opportunity.firstContactDue)
        #expect(due == clock.due(from: saturday, after: 4 * hour))
        #expect(due > saturday + 36 * hour)
    }

    @Test("out of office and inactive reps are skipped, with the reason; a rep is back the day after")
    func outOfOffice() throws {
        let fixture = try AssignmentFixture(
            """
            version: 1
            assign: {time_zone: UTC, hours: always}
            reps:
              - {id: ana, away: [{from: 2026-11-30, to: 2026-12-01}, 2026-12-03]}
              - {id: ben}
              - {id: cho, active: false}
            teams:
              - {id: sales, strategy: round_robin, members: [ana, ben, cho]}
            fallback: {queue: inbox}
            """
        )
        let away = try fixture.assign(try leads(4, prefix: "MON"), at: monday + 10 * hour)
        #expect(tally(away) == ["ben": 4])
        #expect(
            away[0].reasons.contains(
                Opportunity.Reason(step: "skipped", detail: "out of office until 2026-12-01", rep: "ana")
            )
        )
        #expect(away[0].reasons.contains(Opportunity.Reason(step: "skipped", detail: "inactive", rep: "cho")))
        let back = try fixture.assign(try leads(4, prefix: "WED"), at: monday + 2 * day + 10 * hour)
        #expect(tally(back) == ["ana": 2, "ben": 2])
        let again = try fixture.assign(try leads(2, prefix: "THU"), at: monday + 3 * day + 10 * hour)
        #expect(tally(again) == ["ben": 2])
    }

    @Test(
        "a rep back from absence is not flooded to catch up",
        arguments: ["round_robin", "least_loaded", "weighted_round_robin"]
    )
    func noCatchUp(strategy: String) throws {
        let fixture = try AssignmentFixture(
            """
            version: 1
            assign: {time_zone: UTC, hours: always}
            reps:
              - {id: ana}
              - {id: ben}
              - {id: cho, away: [2026-11-30]}
            teams:
              - {id: sales, strategy: \(strategy), members: [ana, ben, cho], window: 7d}
            fallback: {queue: inbox}
            """
        )
        // Monday, Cho is away: 300 leads.
        _ = try fixture.assignEach(try leads(300, prefix: "MON").map { ($0, monday + 10 * hour) })
        // Tuesday, Cho is back: of the next 30 leads, Cho gets a fair third, not all of them.
        let tuesday = try fixture.assignEach(try leads(30, prefix: "TUE").map { ($0, monday + day + 10 * hour) })
        let counts = tally(tuesday)
        #expect((9...11).contains(counts["cho"] ?? 0), "\(strategy): \(counts)")
    }
}
