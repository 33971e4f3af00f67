import Foundation
import Leads
import Testing

@testable import Rules
@testable import YAML

struct PhaseTests {
    static let rules: [String: String] = [
        "fit.yaml": """
        version: 1
        category: fit
        cap: 30
        rules:
          - id: dq.gmail
            when: email_domain(contact.email) == "gmail.com"
            disqualify: personal email address
          - id: fit.big
            when: company.employees >= 1000
            points: 20
          - id: fit.software
            when: company.industry == "software"
            points: 15
          - id: fit.title
            when: contact.title contains "vp"
            unless: contact.title contains "intern"
            points: 5
        """,
        "engagement.yaml": """
        version: 1
        category: engagement
        rules:
          - id: engage.webinars
            each: events where type == "webinar" within 90d
            points: 10
            max: 15
            decay: {half_life: 30d}
          - id: engage.demo
            when: exists(events, type == "demo", within 30d)
            points: 20
            flag: hand_raiser
          - id: engage.quiet
            when: not exists(events, within 90d)
            points: -5
          - id: engage.bounces
            each: events where type == "bounce" within 90d
            points: -4
            max: 10
        """,
        "qualification.yaml": """
        version: 1
        grades:
          A: fit >= 30
          B: fit >= 15
          C: otherwise
        stages:
          - {stage: sql, when: score >= 50 or hand_raiser}
          - {stage: mql, when: score >= 20}
          - {stage: nurture, otherwise: true}
        routes: {sql: opportunities, mql: opportunities, nurture: nurture, disqualified: trash}
        """,
    ]

    func decide(_ json: String) throws -> Decision {
        let fixture = try RuleFixture(Self.rules)
        return try fixture.program().evaluate(try lead(json), now: testNow, explain: true)
    }

    @Test func capTrimsTheRuleThatCrossesIt() throws {
        let decision = try decide(
            #"{"id":"a","company":{"employees":5000,"industry":"software"},"contact":{"title":"VP Sales"}}"#
        )
        #expect(decision.scores.map(\.points) == [-5, 30])
        #expect(decision.scores.map(\.name) == ["engagement", "fit"])
        let fit = decision.fired.filter { decision.category($0) == "fit" }
        #expect(fit.map(decision.id) == ["fit.big", "fit.software", "fit.title"])
        #expect(fit.map(\.points) == [20, 10, 0])
        #expect(fit.map(\.capped) == [false, true, true])
        #expect(decision.total == 25)
        #expect(decision.grade == "A")
        #expect(decision.stage == "mql")
        #expect(decision.route == "opportunities")
    }

    @Test func unlessIsAnException() throws {
        let decision = try decide(#"{"contact":{"title":"VP intern"}}"#)
        #expect(!decision.firedIDs.contains("fit.title"))
        let trace = try #require(decision.explanation?.first { $0.rule == "fit.title" })
        #expect(trace.leaves.map(\.part) == ["when", "unless"])
        #expect(trace.leaves.map(\.verdict) == [.true, .true])
    }

    @Test func eachRuleDecaysByAgeAndStopsAtMax() throws {
        // Webinars 0, 30 and 60 days before now: weights 1, 0.5, 0.25; one 100 days ago is outside the window.
        let events = [0, 30, 60, 100].map { days in
            #"{"type":"webinar","at":"\#(isoTime(testNow - Double(days) * 86400))"}"#
        }
        let decision = try decide(#"{"events":[\#(events.joined(separator: ","))]}"#)
        let webinars = try #require(decision.fired.first { decision.id($0) == "engage.webinars" })
        #expect(webinars.events == 3)
        #expect(webinars.points == 15)  // 10 * 1.75 = 17.5, capped by max 15
        let two = try decide(#"{"events":[\#(events[1]),\#(events[2])]}"#)
        #expect(two.fired.first { two.id($0) == "engage.webinars" }?.points == 7.5)
    }

    @Test func maxCapsWhatANegativeEachRuleTakesAway() throws {
        let bounce = #"{"type":"bounce","at":"2026-11-28T00:00:00Z"}"#
        let two = try decide(#"{"events":[\#(bounce),\#(bounce)]}"#)
        #expect(two.fired.first { two.id($0) == "engage.bounces" }?.points == -8)
        let four = try decide(#"{"events":[\#(bounce),\#(bounce),\#(bounce),\#(bounce)]}"#)
        #expect(four.fired.first { four.id($0) == "engage.bounces" }?.points == -10)
    }

    @Test func eventTimesInEpochSecondsAndMilliseconds() throws {
        // A demo 2 days ago in seconds, in milliseconds, and as text: each within the 30 days; 40 days ago is not.
        for at in [
            "\(Int(testNow) - 2 * 86400)", "\(Int(testNow) - 2 * 86400)000", #""\#(isoTime(testNow - 2 * 86400))""#,
        ] {
            let decision = try decide(#"{"events":[{"type":"demo","at":\#(at)}]}"#)
            #expect(decision.flags == ["hand_raiser"], "\(at)")
        }
        let old = try decide(#"{"events":[{"type":"demo","at":\#(Int(testNow) - 40 * 86400)}]}"#)
        #expect(old.flags.isEmpty)
    }

    @Test func flagsReachTheStageTable() throws {
        let decision = try decide(#"{"events":[{"type":"demo","at":"2026-11-28T12:00:00Z"}]}"#)
        #expect(decision.flags == ["hand_raiser"])
        #expect(decision.stage == "sql")
        #expect(decision.grade == "C")
    }

    @Test func negativePointsAndOtherwise() throws {
        let decision = try decide(#"{"id":"x"}"#)
        #expect(decision.firedIDs == ["engage.quiet"])
        #expect(decision.total == -5)
        #expect(decision.stage == "nurture")
        #expect(decision.route == "nurture")
    }

    @Test func disqualifiedLeadsSkipTheStageTable() throws {
        let decision = try decide(
            #"{"contact":{"email":"Someone@GMAIL.com"},"events":[{"type":"demo","at":"2026-11-28T00:00:00Z"}]}"#
        )
        #expect(
            decision.disqualifications == [
                Decision.Disqualification(rule: "dq.gmail", reason: "personal email address")
            ]
        )
        #expect(decision.stage == "disqualified")
        #expect(decision.route == "trash")
        // Points are still counted, for the record.
        #expect(decision.firedIDs.contains("engage.demo"))
    }

    @Test func decisionRecordsNowAndVersion() throws {
        let fixture = try RuleFixture(Self.rules)
        let program = try fixture.program()
        let decision = program.evaluate(try lead(#"{"id":"L-9"}"#), now: testNow)
        #expect(decision.leadID == "L-9")
        #expect(decision.rulesVersion == program.version)
        #expect(decision.rulesVersion.count == 16)
        #expect(decision.explanation == nil)
        let json = LeadValue.object(decision.json).jsonText
        #expect(
            json.hasPrefix(
                #"{"lead":"L-9","origin":{"file":"test.json","line":1,"record":1},"now":"2026-11-29T00:00:00Z","rules_version":""#
            )
        )
        #expect(
            json.contains(
                #""stage":"nurture","route":"nurture","grade":"C","score":{"total":-5,"engagement":-5,"fit":0}"#
            )
        )
    }

    @Test func versionChangesWithAnyRuleOrListFile() throws {
        let a = try RuleFixture(Self.rules).program().version
        let b = try RuleFixture(Self.rules).program().version
        var changed = Self.rules
        changed["fit.yaml"] = changed["fit.yaml"]?.replacingOccurrences(of: "points: 20", with: "points: 21")
        let c = try RuleFixture(changed).program().version
        #expect(a == b)
        #expect(a != c)
    }

    @Test func evaluationIsDeterministicWhateverTheRuleOrder() throws {
        var reordered = Self.rules
        reordered["fit.yaml"] = """
            version: 1
            category: fit
            cap: 30
            rules:
              - id: fit.title
                when: contact.title contains "vp"
                unless: contact.title contains "intern"
                points: 5
              - id: fit.software
                when: company.industry == "software"
                points: 15
              - id: fit.big
                when: company.employees >= 1000
                points: 20
              - id: dq.gmail
                when: email_domain(contact.email) == "gmail.com"
                disqualify: personal email address
            """
        let json = #"{"company":{"employees":5000,"industry":"software"},"contact":{"title":"VP Sales"}}"#
        let first = try decide(json)
        let second = try RuleFixture(reordered).program().evaluate(try lead(json), now: testNow)
        #expect(first.total == second.total)
        #expect(first.stage == second.stage)
        #expect(first.grade == second.grade)
        #expect(Set(first.firedIDs) == Set(second.firedIDs))
    }
}

/// An ISO timestamp for seconds since 1970.
func isoTime(_ seconds: Double) -> String {
    YAML.Timestamp.iso8601(seconds)
}

struct DerivedValueTests {
    static let rules: [String: String] = [
        "a.yaml": """
        version: 1
        category: fit
        derived:
          headcount: company.employees ?? 0
          enterprise: headcount >= 1000
          pricing_views: count(events, type == "page_view" and url contains "/pricing", within 30d)
        rules:
          - id: fit.enterprise
            when: enterprise
            points: 20
          - id: engage.pricing
            when: pricing_views >= 2
            points: 10
        """,
        "q.yaml": """
        version: 1
        stages:
          - {stage: big, when: enterprise and score >= 20}
          - {stage: other, otherwise: true}
        routes: {big: a, other: b, disqualified: c}
        """,
    ]

    @Test func derivedValuesChainAndReachTables() throws {
        let program = try RuleFixture(Self.rules).program()
        let json = """
            {"company":{"employees":5000},"events":[
              {"type":"page_view","url":"/pricing","at":"2026-11-20T00:00:00Z"},
              {"type":"page_view","url":"/pricing#x","at":"2026-11-21T00:00:00Z"}]}
            """
        let decision = program.evaluate(try lead(json), now: testNow, explain: true)
        #expect(decision.firedIDs == ["fit.enterprise", "engage.pricing"])
        #expect(decision.stage == "big")
        let leaf = try #require(decision.explanation?.first { $0.rule == "engage.pricing" }?.leaves.first)
        #expect(leaf.values == [LeafTrace.Reading(name: "pricing_views", value: "2")])
        let small = program.evaluate(try lead(#"{"id":"x"}"#), now: testNow)
        #expect(small.fired.isEmpty)
        #expect(small.stage == "other")
    }

    @Test func derivedNamesAreChecked() throws {
        var rules = Self.rules
        rules["a.yaml"] = """
            version: 1
            category: fit
            derived:
              interests: company.employees >= 10
              later: earlier_one > 1
            rules:
              - id: r
                when: enterpris
                points: 1
            """
        let fixture = try RuleFixture(rules)
        #expect(
            fixture.rendered == """
                a.yaml:4:3: error: 'interests' is already a field, list, category, flag or value
                    4 |   interests: company.employees >= 10
                      |   ^~~~~~~~~
                a.yaml:5:10: error: unknown field 'earlier_one'
                    5 |   later: earlier_one > 1
                      |          ^~~~~~~~~~~
                a.yaml:8:11: error: unknown field 'enterpris'
                    8 |     when: enterpris
                      |           ^~~~~~~~~
                q.yaml:3:24: error: unknown field 'enterprise'
                    3 |   - {stage: big, when: enterprise and score >= 20}
                      |                        ^~~~~~~~~~
                """
        )
    }
}
