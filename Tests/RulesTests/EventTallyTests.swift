import Foundation
import Leads
import Testing

@testable import Rules

/// The one pass over a lead's events (`AggregatePlan.tallyAll`) counts the functions that test only an event's time
/// in loops of their own, and the `each` functions with the others (their weights after decay included): each must
/// find what the general way finds, an expression per event (`not not (1 == 1)` holds for every event, and is not a
/// predicate the fast path takes).
@Suite("event tallies")
struct EventTallyTests {
    /// Pairs of rules, `fast.NAME` and `general.NAME`, the second's function written to take the general way.
    static let functions: [(name: String, each: String, decay: String?)] = [
        ("recent", "events within 30d", nil),
        ("all", "events", nil),
        ("recent-decayed", "events within 90d", "30d"),
        ("old-decayed", "events within 400d", "10d"),
        ("webinars", #"events where type == "webinar" within 60d"#, "30d"),
        ("webinars-plain", #"events where type == "webinar" within 45d"#, nil),
        ("views-decayed", #"events where type == "page_view""#, "10d"),
    ]

    /// The rules, their functions written the fast way or the general way: in two programs, since one function that
    /// needs an expression sends every function of its collection the general way.
    static func rules(general: Bool) -> String {
        let always = general ? "not not (1 == 1)" : ""
        func events(_ function: String) -> String {
            guard general else { return function }
            return function.contains(" where ")
                ? function.replacingOccurrences(of: " where ", with: " where \(always) and ")
                : function.replacingOccurrences(of: "events", with: "events where \(always)")
        }
        var text = "version: 1\ncategory: behavior\nrules:\n"
        for function in functions {
            text += "  - id: \(function.name)\n    each: '\(events(function.each))'\n    points: 1\n"
            if let decay = function.decay { text += "    decay: {half_life: \(decay)}\n" }
        }
        // Two half-lives for one function: it is tallied apart, once per rule.
        let webinars = events(#"events where type == "webinar" within 90d"#)
        let all = general ? "events, \(always)" : "events"
        text += """
              - id: mixed.short
                each: '\(webinars)'
                points: 1
                decay: {half_life: 5d}
              - id: mixed.long
                each: '\(webinars)'
                points: 1
                decay: {half_life: 60d}
              - id: last
                when: days_since(last(\(all))) <= 3
                points: 1
              - id: quiet
                when: exists(\(all)) and not exists(\(all), within 20d)
                points: 1

            """
        return text
    }

    /// Events at these ages in days (negative: in the future), with a few without a usable time.
    static func leadJSON(ages: [Double], webinars: Set<Int>, untimed: Int) -> String {
        var events = ages.enumerated().map { index, days in
            let type = webinars.contains(index) ? (index % 2 == 0 ? "webinar" : " Webinar") : "page_view"
            return #"{"type":"\#(type)","at":"\#(isoTime(testNow - days * 86400))"}"#
        }
        // Without a time, of both types: no time at all, and one that is not a time.
        for index in 0..<untimed {
            let type = index % 2 == 0 ? "webinar" : "page_view"
            events.append(index < 2 ? #"{"type":"\#(type)"}"# : #"{"type":"\#(type)","at":"last tuesday"}"#)
        }
        return #"{"id":"t","events":[\#(events.joined(separator: ","))]}"#
    }

    @Test("time-only and each functions tallied in one pass agree with the general way")
    func onePassMatchesExpressions() throws {
        let fast = try RuleFixture(["q.yaml": qualification, "b.yaml": Self.rules(general: false)]).program()
        let general = try RuleFixture(["q.yaml": qualification, "b.yaml": Self.rules(general: true)]).program()
        // The fast ways are really taken: one pass (`allFast`), with the time-only functions in loops of their own
        // and the `each` functions of one half-life in it; the general program takes none of them.
        let plan = try #require(fast.aggregatePlans.values.first)
        #expect(plan.allFast)
        #expect(try #require(general.aggregatePlans.values.first).allFast == false)
        let timeOnly = Set(plan.timeOnlyOthers.map { fast.aggregateLabels[$0] })
        #expect(
            timeOnly.isSuperset(of: [
                "each events within 30d", "each events", "last(events)", "exists(events)",
                "exists(events, within 20d)",
            ])
        )
        let fused = Set(plan.fusedEach.map { fast.aggregateLabels[$0] })
        #expect(!fused.contains(#"each events where type == "webinar" within 90d"#))
        #expect(fused.contains(#"each events where type == "webinar" within 60d"#))
        #expect(fused.contains(#"each events where type == "webinar" within 45d"#))
        #expect(fused.contains(#"each events where type == "page_view""#))
        #expect(fused.contains("each events within 90d"))

        var seed: UInt64 = 42
        func random(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        var compared = 0
        for _ in 0..<300 {
            let count = random(12)
            // Ages on the windows' edges (exactly 20, 30, 45, 60, 90 and 400 days, now, just in the future), and
            // others.
            let edges: [Double] = [0, 20, 30, 45, 60, 90, 400, -0.05, 30.05, 89.95]
            let ages = (0..<count).map { _ in
                random(2) == 0 ? edges[random(edges.count)] : Double(random(2400) - 100) / 20 + Double(random(3) * 30)
            }
            let webinars = Set((0..<count).filter { _ in random(2) == 0 })
            let record = try lead(Self.leadJSON(ages: ages, webinars: webinars, untimed: random(5)))
            func fired(_ program: Program) -> [String: String] {
                let decision = program.evaluate(record, now: testNow)
                var found: [String: String] = [:]
                for rule in decision.fired { found[decision.id(rule)] = "\(rule.points) \(rule.events ?? -1)" }
                return found
            }
            let expected = fired(general)
            #expect(fired(fast) == expected, "\(ages) \(webinars)")
            compared += expected.count
        }
        // Most comparisons are of rules that fired.
        #expect(compared > 1000)
    }
}
