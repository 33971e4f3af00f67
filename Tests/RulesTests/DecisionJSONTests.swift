import Leads
import Testing

@testable import Rules

/// The outbox line of a decision, written directly: every part, in its place, escaped.
@Suite("decision JSON")
struct DecisionJSONTests {
    static func decision(
        explained: Bool,
        categories: [(name: String, points: Double)] = [("fit", 35), ("engagement", 7.456)]
    ) -> Decision {
        Decision(
            leadID: "L-\"7\"",
            origin: LeadOrigin(file: "in box/leads.ndjson", line: 12, record: 9, byteOffset: 400),
            now: 1_795_824_000,
            rulesVersion: "0123456789abcdef",
            categoryPoints: CategoryPoints(categories.map(\.points)),
            total: 42.456,
            grade: nil,
            stage: "mql",
            route: "opportunities",
            disqualifications: [.init(rule: "dq.test", reason: "a \\ reason\n")],
            flagSet: SmallIndexSet([0, 1]),
            fired: [
                .init(rule: 1, points: 35, events: nil, capped: true),
                .init(rule: 2, points: 7.456, events: 3, capped: false),
                .init(rule: 3, points: -10, events: nil, capped: false),
            ],
            ruleNames: RuleNames(
                ids: ["dq.test", "fit.size", "engage.webinars", "bonus"],
                categories: [nil, "fit", "engagement", nil],
                categoryNames: categories.map(\.name),
                flags: ["hand_raiser", "éclair"]
            ),
            explanation: explained
                ? [
                    RuleTrace(
                        rule: "fit.size",
                        fired: true,
                        leaves: [
                            LeafTrace(
                                part: "when",
                                expression: "company.employees >= 1000",
                                line: 4,
                                verdict: .true,
                                missingFields: [],
                                values: [.init(name: "company.employees", value: "1200")]
                            )
                        ]
                    )
                ] : nil,
            tableExplanation: nil,
            placement: nil
        )
    }

    @Test("every field, in order, numbers as people write them, text escaped")
    func wholeLine() {
        var bytes: [UInt8] = []
        Self.decision(explained: false).writeJSON(into: &bytes)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #"{"lead":"L-\"7\"","origin":{"file":"in box/leads.ndjson","line":12,"record":9},"#
                + #""now":"2026-11-28T00:00:00Z","rules_version":"0123456789abcdef","stage":"mql","#
                + #""route":"opportunities","grade":null,"score":{"total":42.46,"fit":35,"engagement":7.46},"#
                + #""disqualified":[{"rule":"dq.test","reason":"a \\ reason\n"}],"flags":["hand_raiser","éclair"],"#
                + #""rules":[{"id":"fit.size","category":"fit","points":35,"capped":true},"#
                + #"{"id":"engage.webinars","category":"engagement","points":7.46,"events":3},"#
                + #"{"id":"bonus","category":null,"points":-10}]}"#
        )
    }

    @Test("the explanation goes last; the tree form reads the same line back")
    func explanationAndTree() {
        var bytes: [UInt8] = []
        let decision = Self.decision(explained: true)
        decision.writeJSON(into: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(
            text.hasSuffix(
                #""explanation":[{"rule":"fit.size","fired":true,"leaves":[{"part":"when","#
                    + #""expression":"company.employees >= 1000","line":4,"verdict":"true","#
                    + #""values":{"company.employees":"1200"}}]}]}"#
            )
        )
        #expect(LeadValue.object(decision.json).jsonText == text)
    }

    @Test("a category called total takes the total's place")
    func categoryCalledTotal() {
        let decision = Self.decision(
            explained: false,
            categories: [("fit", 35), ("engagement", 7.456), ("total", 3)]
        )
        var bytes: [UInt8] = []
        decision.writeJSON(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""score":{"total":3,"fit":35,"engagement":7.46}"#))
    }
}
