import Foundation
import TestSupport
import Testing
import YAML

@testable import Rules

/// Event functions (`count`, `exists`, `last`, `sum`, and `each` with `max` and `decay`) on random events, some
/// without a type, a time or a url, some in the future, at the window's very edge, or with times written as epoch
/// seconds or milliseconds, against the definitions in docs/rules.md: a `within` window runs from `now` minus the
/// duration up to `now` and the 5 minutes of clock skew after it, both ends included; an event later than that never
/// counts, with a window or without; one without a valid time counts only where there is no window; `last` is at most
/// `now`; types and texts compare trimmed and without regard to case; the sum of no events is 0.
struct EventFunctionsRandomTests {

    struct Event {
        var type: String?
        /// Seconds since 1970, or nil when the event has no valid time.
        var at: Double?
        var atJSON: String?
        var url: String?
        var value: Double?

        var json: String {
            var members: [String] = []
            if let type { members.append(#""type": "\#(type)""#) }
            if let atJSON { members.append(#""at": \#(atJSON)"#) }
            if let url { members.append(#""url": "\#(url)""#) }
            if let value { members.append(#""value": \#(value)"#) }
            return "{" + members.joined(separator: ", ") + "}"
        }
    }

    static let day = 86400.0

    static func event(_ g: inout TestRandom) -> Event {
        let types: [String?] = [nil, "page_view", "PAGE_VIEW", " page_view ", "demo_request", "webinar", "Page_View"]
        let urls: [String?] = [nil, "/pricing", "/PRICING/enterprise", "/docs", "https://x.example/pricing#a"]
        var event = Event(type: types[g.next() % types.count], url: urls[g.next() % urls.count])
        // Negative ages are in the future: 259 s and exactly 300 s (within the clock skew), 302 s, half a day, 3 days.
        let ages = [0.0, 1, 6.5, 7, 7.0001, 29, 30, 30.00002, 45, 59.9, 60, 90, -0.5, -3, -0.003, -300 / day, -0.0035]
        let age = ages[g.next() % ages.count] + Double(g.next() % 3) * (g.next() % 2 == 0 ? 0 : 0.25)
        let at = (testNow - age * day).rounded(.down)
        switch g.next() % 8 {
        case 0: (event.at, event.atJSON) = (nil, nil)
        case 1: (event.at, event.atJSON) = (nil, #""soon""#)
        case 2: (event.at, event.atJSON) = (at, String(Int(at)))
        case 3: (event.at, event.atJSON) = (at, String(Int(at) * 1000))
        default: (event.at, event.atJSON) = (at, "\"" + Timestamp.iso8601(at) + "\"")
        }
        if g.next() % 2 == 0 { event.value = [1, 2.5, 0, -1][g.next() % 4] }
        return event
    }

    /// Whether an event is in a window of `days` (nil: no window) before `now`.
    static func inWindow(_ event: Event, _ days: Double?) -> Bool {
        guard let at = event.at else { return days == nil }
        return at <= testNow + 300 && at >= testNow - (days ?? .infinity) * day
    }

    static func isPageView(_ event: Event) -> Bool {
        event.type?.trimmingCharacters(in: .whitespaces).lowercased() == "page_view"
    }

    static func isPricing(_ event: Event) -> Bool { event.url?.lowercased().contains("/pricing") == true }

    @Test("count, exists, last, sum and each agree with their definitions on random events")
    func eventFunctions() throws {
        var rules = "version: 1\ncategory: fit\nrules:\n"
        func rule(_ id: String, _ condition: String) {
            rules += "  - id: \(id)\n    when: '\(condition)'\n    points: 1\n"
        }
        for k in 0...15 {
            rule("views30-\(k)", #"count(events, type == "page_view", within 30d) == \#(k)"#)
            rule(
                "pricing7-\(k)",
                #"count(events, type == "page_view" and url contains "/pricing", within 7d) == \#(k)"#
            )
            rule("all-\(k)", "count(events) == \(k)")
            rule("timed60-\(k)", "count(events, within 60d) == \(k)")
        }
        rule("demo", #"exists(events, type == "demo_request")"#)
        rule("demo30", #"exists(events, type == "demo_request", within 30d)"#)
        for days in [0.0, 1, 7, 29.5, 30, 45] {
            rule("last-\(days)", #"days_since(last(events, type == "page_view", within 60d)) <= \#(days)"#)
        }
        for total in stride(from: 0.0, through: 12, by: 0.5) {
            rule("sum-\(total)", #"sum(events, value, type == "page_view", within 30d) == \#(total)"#)
        }
        rules += """
              - id: each
                each: events where type == "webinar" within 90d
                points: 4
                max: 10
                decay: {half_life: 30d}

            """
        let fixture = try RuleFixture(["q.yaml": qualification, "fit.yaml": rules])
        let program = try #require(fixture.result.program, "\(fixture.rendered)")
        var g = TestRandom()
        for _ in 0..<400 {
            let events = (0..<(g.next() % 16)).map { _ in Self.event(&g) }
            let json = #"{"events": ["# + events.map(\.json).joined(separator: ", ") + "]}"
            let decision = program.evaluate(try lead(json), now: testNow)
            let fired = Set(decision.firedIDs)
            func fires(_ id: String) -> Bool { fired.contains(id) }
            let views30 = events.filter { Self.isPageView($0) && Self.inWindow($0, 30) }
            let pricing7 = events.filter { Self.isPageView($0) && Self.isPricing($0) && Self.inWindow($0, 7) }
            let timed60 = events.filter { Self.inWindow($0, 60) }
            for k in 0...15 {
                #expect(fires("views30-\(k)") == (views30.count == k), "views in 30d == \(k): \(json)")
                #expect(fires("pricing7-\(k)") == (pricing7.count == k), "pricing in 7d == \(k): \(json)")
                let all = events.filter { Self.inWindow($0, nil) }
                #expect(fires("all-\(k)") == (all.count == k), "all == \(k): \(json)")
                #expect(fires("timed60-\(k)") == (timed60.count == k), "within 60d == \(k): \(json)")
            }
            let demo = events.filter { $0.type?.lowercased() == "demo_request" }
            #expect(fires("demo") == demo.contains { Self.inWindow($0, nil) }, "demo: \(json)")
            #expect(fires("demo30") == demo.contains { Self.inWindow($0, 30) }, "demo in 30d: \(json)")
            let lastView = events.filter { Self.isPageView($0) && Self.inWindow($0, 60) }.compactMap(\.at).max()
                .map { min($0, testNow) }
            for days in [0.0, 1, 7, 29.5, 30, 45] {
                // `days_since` has two decimals.
                let since = lastView.map { ((testNow - $0) / Self.day * 100).rounded() / 100 }
                #expect(fires("last-\(days)") == (since.map { $0 <= days } ?? false), "last <= \(days): \(json)")
            }
            let sum = views30.compactMap(\.value).reduce(0, +)
            for total in stride(from: 0.0, through: 12, by: 0.5) {
                #expect(fires("sum-\(total)") == (sum == total), "sum == \(total): \(json)")
            }
            let webinars = events.filter { $0.type == "webinar" && Self.inWindow($0, 90) }
            let weight = webinars.compactMap(\.at).map { pow(0.5, max(0, testNow - $0) / (30 * Self.day)) }
                .reduce(0, +)
            let points = decision.fired.first { decision.id($0) == "each" }?.points ?? 0
            #expect(abs(points - min(10, 4 * weight)) < 0.01, "each: \(points) for \(4 * weight): \(json)")
        }
    }
}
