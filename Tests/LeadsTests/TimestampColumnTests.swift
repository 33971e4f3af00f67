import Foundation
import Testing
import YAML

@testable import Leads

/// CSV columns of `type: timestamp`: dates as exports in users' locales write them, read in the file's time zone.
struct TimestampColumnTests {
    private func read(_ format: String?, _ cell: String, zone: String? = nil) throws -> String? {
        let column = TimestampColumn(
            formats: try format.map { pattern throws in [try TimestampFormat(pattern)] } ?? [],
            timeZone: zone.flatMap(TimeZone.init(identifier:))
        )
        return column.read(cell, defaultZone: nil)
    }

    @Test(arguments: [
        ("MM/DD/YYYY hh:mm A", "11/20/2026 2:03 PM", "2026-11-20T14:03:00Z"),
        ("MM/DD/YYYY hh:mm A", "11/20/2026 12:03 am", "2026-11-20T00:03:00Z"),
        ("MM/DD/YYYY hh:mm A", "11/20/2026 12:03 p.m.", "2026-11-20T12:03:00Z"),
        ("M/D/YYYY h:mm a", "1/5/2026  9:07 AM", "2026-01-05T09:07:00Z"),
        ("MM/DD/YYYY hh:mm A", "11/20/2026", "2026-11-20T00:00:00Z"),
        ("DD.MM.YYYY HH:mm", "20.11.2026 14:03", "2026-11-20T14:03:00Z"),
        ("DD.MM.YYYY HH:mm:ss", "20.11.2026 14:03:09.25", "2026-11-20T14:03:09.250Z"),
        ("DD/MM/YYYY", "29/02/2028", "2028-02-29T00:00:00Z"),
        ("YYYY-MM-DDTHH:mm", "2026-11-20t14:03", "2026-11-20T14:03:00Z"),
        ("MMM D, YYYY", "Nov 20, 2026", "2026-11-20T00:00:00Z"),
        ("MMM D, YYYY", "SEPT 3, 2026", "2026-09-03T00:00:00Z"),
        ("D MMMM YYYY", "3 september 2026", "2026-09-03T00:00:00Z"),
        // Weekdays (they must be the date's), and words in brackets, letters in any case.
        ("ddd, MMM D, YYYY", "Fri, Nov 20, 2026", "2026-11-20T00:00:00Z"),
        ("dddd, MMMM D, YYYY", "THURSDAY, January 1, 1970", "1970-01-01T00:00:00Z"),
        ("ddd D.M.YYYY", "Tues 1.12.2026", "2026-12-01T00:00:00Z"),
        ("ddd D.M.YYYY", "sun 29.11.2026", "2026-11-29T00:00:00Z"),
        ("MMM D, YYYY [at] h:mm A", "Nov 20, 2026 at 2:03 PM", "2026-11-20T14:03:00Z"),
        ("MMM D, YYYY [at] h:mm A", "Nov 20, 2026 AT 2:03 PM", "2026-11-20T14:03:00Z"),
        ("D.M.YYYY [um] HH:mm [Uhr]", "20.11.2026 um 14:03 Uhr", "2026-11-20T14:03:00Z"),
        ("[le] D/MM/YYYY [à] HH[h]mm", "le 20/11/2026 à 14h03", "2026-11-20T14:03:00Z"),
        ("[Day] DD[, ]MM[-]YYYY[]", "Day 20,  11-2026", "2026-11-20T00:00:00Z"),
        // Excel's serial dates: days since 1899-12-30, the time of day as the fraction.
        ("excel", "46346", "2026-11-20T00:00:00Z"), ("excel", "46346.5", "2026-11-20T12:00:00Z"),
        ("excel", "46346.25", "2026-11-20T06:00:00Z"), ("excel", "61", "1900-03-01T00:00:00Z"),
        ("excel", "2958465.5", "9999-12-31T12:00:00Z"),
        // ISO 8601 is read beside any format.
        ("excel", "2026-11-20", "2026-11-20T00:00:00Z"),
    ])
    func formats(_ format: String, _ cell: String, _ expected: String) throws {
        #expect(try read(format, cell) == expected)
    }

    @Test(arguments: [
        ("MM/DD/YYYY hh:mm A", "13/20/2026 2:03 PM"),  // no month 13
        ("MM/DD/YYYY hh:mm A", "11/20/2026 13:03 PM"),  // no 13 o'clock on a 12-hour clock
        ("MM/DD/YYYY hh:mm A", "11/20/2026 2:03"),  // no AM or PM
        ("MM/DD/YYYY hh:mm A", "11/20/2026 2"),  // cut inside the time
        ("MM/DD/YYYY hh:mm A", "11/20"),  // cut inside the date
        ("DD.MM.YYYY", "29.02.2026"),  // not a leap year
        ("DD.MM.YYYY", "20.11.2026 14:03"),  // more than the format
        ("DD.MM.YYYY HH:mm", "20.11.2026 24:00"),
        ("DD.MM.YYYY HH:mm", "20.11.2026 14:3"),  // minutes are two digits
        ("DD.MM.YYYY", "20.11.26"),
        ("MMM D, YYYY", "Nev 20, 2026"),
        ("ddd, MMM D, YYYY", "Sat, Nov 20, 2026"),  // 2026-11-20 is a Friday
        ("ddd, MMM D, YYYY", "Fr, Nov 20, 2026"),  // too short to be sure
        ("ddd, MMM D, YYYY", "Nov 20, 2026"),
        ("MMM D, YYYY [at] h:mm A", "Nov 20, 2026 on 2:03 PM"),
        ("MMM D, YYYY [at] h:mm A", "Nov 20, 2026 2:03 PM"),
        ("DD.MM.YYYY", "20-11-2026"),
        // Excel's day 60 is 1900-02-29, which never was; negative, past 9999, or not a number.
        ("excel", "60"), ("excel", "-5"), ("excel", "2958466"), ("excel", "4.6e4"), ("excel", "1.2.3"),
    ])
    func notDates(_ format: String, _ cell: String) throws {
        #expect(try read(format, cell) == nil)
    }

    /// Without a format: ISO 8601 (an offset, or the column's zone), or seconds or milliseconds since 1970.
    @Test func isoAndEpoch() throws {
        #expect(try read(nil, "2026-11-20T14:03:00Z") == "2026-11-20T14:03:00Z")
        #expect(try read(nil, "2026-11-20 14:03", zone: "America/New_York") == "2026-11-20T19:03:00Z")
        #expect(try read(nil, "2026-11-20T14:03:00+01:00", zone: "America/New_York") == "2026-11-20T13:03:00Z")
        #expect(try read(nil, "2026-11-20", zone: "Asia/Tokyo") == "2026-11-19T15:00:00Z")
        #expect(try read(nil, "1763650000") == "2025-11-20T14:46:40Z")
        #expect(try read(nil, "1763650000123", zone: "Asia/Tokyo") == "2025-11-20T14:46:40.123Z")
        #expect(try read(nil, "2026") == nil)
        #expect(try read(nil, "11/20/2026") == nil)
    }

    /// Local times in zones: standard and summer time, a time clocks skip (read past the change), a time that
    /// comes twice (its first instant), and the day Samoa skipped when it crossed the date line.
    @Test func zones() throws {
        let format = "DD.MM.YYYY HH:mm"
        #expect(try read(format, "20.11.2026 14:03", zone: "Europe/Berlin") == "2026-11-20T13:03:00Z")
        #expect(try read(format, "20.07.2026 14:03", zone: "Europe/Berlin") == "2026-07-20T12:03:00Z")
        #expect(try read(format, "29.03.2026 02:30", zone: "Europe/Berlin") == "2026-03-29T01:30:00Z")
        #expect(try read(format, "25.10.2026 02:30", zone: "Europe/Berlin") == "2026-10-25T00:30:00Z")
        #expect(try read(format, "08.03.2026 02:30", zone: "America/New_York") == "2026-03-08T07:30:00Z")
        #expect(try read(format, "01.11.2026 01:30", zone: "America/New_York") == "2026-11-01T05:30:00Z")
        #expect(try read(format, "30.12.2011 12:00", zone: "Pacific/Apia") == "2011-12-30T22:00:00Z")
        #expect(try read(format, "31.12.2011 12:00", zone: "Pacific/Apia") == "2011-12-30T22:00:00Z")
        #expect(try read(format, "29.12.2011 12:00", zone: "Pacific/Apia") == "2011-12-29T22:00:00Z")
        #expect(try read("excel", "46346.5", zone: "Europe/Berlin") == "2026-11-20T11:00:00Z")
    }

    /// Random instants in zones with clock changes, written as their local time in a random format, read back: the
    /// instant, or, where the local time comes twice, its first instant.
    @Test func randomLocalTimes() throws {
        var random = TestRandom()
        let zones = [
            "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata",
            "Pacific/Chatham", "America/St_Johns", "Europe/London", "Pacific/Apia", "UTC",
        ]
        let formats = ["MM/DD/YYYY hh:mm:ss A", "DD.MM.YYYY HH:mm:ss", "YYYY-MM-DD HH:mm:ss", "MMM D, YYYY h:mm:ss a"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var failures: [String] = []
        for _ in 0..<TestRandom.rounds(3000) {
            let zoneName = random.pick(zones)
            guard let zone = TimeZone(identifier: zoneName) else { continue }
            // 2000 to 2037, and half the cases within a day of a change of clocks.
            var instant = Double(946_684_800 + random.int(0...1_200_000_000))
            if random.int(0...1) == 0,
                let change = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: instant))
            {
                instant = change.timeIntervalSince1970.rounded() + Double(random.int(-86400...86400))
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let parts = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .second],
                from: Date(timeIntervalSince1970: instant)
            )
            guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
                let minute = parts.minute, let second = parts.second
            else { continue }
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            let format = random.pick(formats)
            let hour12 = "\(hour % 12 == 0 ? 12 : hour % 12):\(two(minute)):\(two(second)) \(hour < 12 ? "AM" : "PM")"
            let cell =
                switch format {
                case formats[0]: "\(two(month))/\(two(day))/\(year) \(hour12)"
                case formats[1]: "\(two(day)).\(two(month)).\(year) \(two(hour)):\(two(minute)):\(two(second))"
                case formats[2]: "\(year)-\(two(month))-\(two(day)) \(two(hour)):\(two(minute)):\(two(second))"
                default: "\(months[month - 1]) \(day), \(year) \(hour12.lowercased())"
                }
            let column = TimestampColumn(formats: [try TimestampFormat(format)], timeZone: zone)
            let expected: Double
            // The local time's first instant: the same local time an offset change earlier, if there is one.
            let earlier = [1800.0, 3600, 7200, 86400].map { instant - $0 }.filter { candidate in
                calendar.dateComponents(
                    [.year, .month, .day, .hour, .minute, .second],
                    from: Date(timeIntervalSince1970: candidate)
                ) == parts
            }
            expected = earlier.min() ?? instant
            guard let read = column.read(cell, defaultZone: nil), let seconds = Timestamp.seconds(read) else {
                failures.append("\(zoneName) \(format) '\(cell)': not read")
                continue
            }
            if seconds != expected {
                failures.append("\(zoneName) '\(cell)': \(read), expected \(Timestamp.iso8601(expected))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
    }

    /// A CSV file through a mapping: the file's zone and a column's own, a bad cell named by its column and format.
    @Test func throughTheMapping() throws {
        let mapping = try CSVMapping.load(
            YAMLDocument.parse(
                """
                version: 1
                time_zone: America/Chicago
                columns:
                  Create Date: {field: created_at, type: timestamp, format: "MM/DD/YYYY hh:mm A"}
                  Last Visit: {field: last_visit, type: timestamp, format: DD.MM.YYYY HH:mm, time_zone: Europe/Paris}
                  Modified: {type: timestamp}
                  Seen: {type: timestamp, format: ["MM/DD/YYYY hh:mm A", "MMM D, YYYY", DD.MM.YYYY]}
                """.utf8.map { $0 },
                path: "mapping.yaml"
            )
        )
        let text =
            "id,Create Date,Last Visit,Modified,Seen\n"
            + "L-1,11/20/2026 2:03 PM,20.11.2026 14:03,2026-11-20 08:00,11/20/2026 2:03 PM\n"
            + "L-2,,,1763650000,\"Nov 21, 2026\"\n"
            // ISO 8601 is read in a column with formats too; an epoch number is not (digits are more likely a date).
            + "L-3,2026-11-20,,,22.11.2026\n"
            + "L-4,21/11/2026,,,\n"
            + "L-5,,,,1763650000\n"
        #expect(
            try readAll("crm.csv", text, options: LeadReaderOptions(csvMapping: mapping)) == [
                #"record 2#1 {"id":"L-1","created_at":"2026-11-20T20:03:00Z","last_visit":"2026-11-20T13:03:00Z","Modified":"2026-11-20T14:00:00Z","Seen":"2026-11-20T20:03:00Z"}"#,
                #"record 3#2 {"id":"L-2","Modified":"2025-11-20T14:46:40Z","Seen":"2026-11-21T06:00:00Z"}"#,
                #"record 4#3 {"id":"L-3","created_at":"2026-11-20T06:00:00Z","Seen":"2026-11-22T06:00:00Z"}"#,
                """
                record error #4: crm.csv:5:5: error: column 'Create Date': expected a date as MM/DD/YYYY hh:mm A, or \
                ISO 8601, found '21/11/2026'
                    5 | L-4,21/11/2026,,,
                      |     ^
                """,
                """
                record error #5: crm.csv:6:8: error: column 'Seen': expected a date as MM/DD/YYYY hh:mm A or MMM D, \
                YYYY or DD.MM.YYYY, or ISO 8601, found '1763650000'
                    6 | L-5,,,,1763650000
                      |        ^
                """,
            ]
        )
    }

    @Test func mistakesInTheMapping() throws {
        let text = """
            version: 1
            time_zone: Amercia/New_York
            columns:
              A: {type: timestamp, format: "dd/MM/YYYY"}
              B: {type: timestamp, format: "DD/mm/YYYY"}
              C: {type: timestamp, format: "MM/DD/YY"}
              D: {type: timestamp, format: MM/DD/YYYY hh:mm}
              E: {type: string, format: "MM/DD/YYYY"}
              F: {type: timestamp, time_zone: Europe/Berln}
              G: {type: timestamp, format: "HH:mm DD.MM.YYYY"}
              H: {type: timestamp, format: "MM/DD/YYYY HH:mm A"}
              I: {type: timestamp, format: "DD.MM.YYYY DD"}
              J: {type: timestamp, format: "HH:mm"}
              K: {type: timestamp, format: "MMM D, YYYY [at h:mm A"}
              L: {type: timestamp, format: "D.M.YYYY à HH:mm"}
              M: {type: timestamp, format: "ddd D.M.YYYY ddd"}
            """
        #expect(throws: DiagnosticError.self) {
            try CSVMapping.load(YAMLDocument.parse(Array(text.utf8), path: "m.yaml"))
        }
        do {
            _ = try CSVMapping.load(YAMLDocument.parse(Array(text.utf8), path: "m.yaml"))
        } catch {
            let lines = error.diagnostics.map { "\($0.location.line):\($0.location.column) \($0.message.text)" }
            #expect(
                lines == [
                    "2:12 unknown time zone 'Amercia/New_York' (did you mean 'America/New_York'?); use an IANA name "
                        + "such as America/New_York or Europe/Berlin",
                    "4:33 unknown 'dd' in the format (did you mean 'DD'?); expected YYYY, MM, MMM, DD, ddd, HH, hh, "
                        + "mm, ss or A, words in brackets ([at]), or excel alone",
                    "5:36 'mm' is minutes, and the format has no hour (HH); months are 'MM'",
                    "6:39 two-digit years are ambiguous: write 'YYYY' and a four-digit year",
                    "7:43 'hh' is the hour from 1 to 12 and needs AM or PM (A); 'HH' is the hour from 0 to 23",
                    "8:29 'format' applies only to columns of type 'timestamp'",
                    "9:35 unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?); use an IANA name such as "
                        + "America/New_York or Europe/Berlin",
                    "10:33 the time of day comes after the date",
                    "11:50 AM or PM (A) goes with the hour from 1 to 12 (hh), not with HH",
                    "12:44 the format reads this part of the date twice",
                    "13:33 the format has no year (YYYY)",
                    "14:45 '[' starts text that stands for itself, and needs its ']'",
                    "15:42 only ASCII characters may stand for themselves outside brackets: write '[à]'",
                    "16:46 the format reads this part of the date twice",
                ]
            )
        }
    }
}
