import Foundation
import TestSupport
import Testing

@testable import Rules

/// Random conditions (`all`, `any`, `not` and `unless` in YAML; `and`, `or`, `not` and parentheses in expressions)
/// over leaves that are true, false or unknown as a lead's fields are present, absent, empty, null or of the wrong
/// type, against three-valued logic as docs/rules.md states it: an unknown leaf makes `all` (or `and`) unknown unless
/// another item is false, `any` (or `or`) holds when one item is true, `not` of unknown is unknown, a rule fires only
/// when its condition is true, and `unless` stops it only when true.
struct MissingDataRandomTests {

    /// True, false or unknown (nil).
    typealias Truth = Bool?

    static func and(_ values: [Truth]) -> Truth {
        if values.contains(false) { return false }
        return values.contains(nil) ? nil : true
    }

    static func or(_ values: [Truth]) -> Truth {
        if values.contains(true) { return true }
        return values.contains(nil) ? nil : false
    }

    static func not(_ value: Truth) -> Truth { value.map { !$0 } }

    /// A lead's fields, each in one of its states: the JSON of the member (nil when absent).
    struct Lead {
        var employees: String?
        var state: String?
        var title: String?
        var revenue: String?

        var json: String {
            var company: [String] = []
            if let employees { company.append(#""employees": \#(employees)"#) }
            if let state { company.append(#""state": \#(state)"#) }
            if let revenue { company.append(#""revenue": \#(revenue)"#) }
            let contact = title.map { #", "contact": {"title": \#($0)}"# } ?? ""
            return #"{"company": {\#(company.joined(separator: ", "))}\#(contact)}"#
        }
    }

    static let employees: [(json: String?, atLeast100: Truth)] = [
        (nil, nil), ("50", false), ("500", true), (#""many""#, nil), (#""1,200""#, true), ("null", nil), ("true", nil),
    ]
    static let states: [(json: String?, isCA: Truth, exists: Bool)] = [
        (nil, nil, false), (#""CA""#, true, true), (#""ca""#, true, true), (#""NY""#, false, true),
        (#""""#, nil, false),
        ("null", nil, false), (#""  ""#, nil, false),
    ]
    static let titles: [(json: String?, hasVP: Truth)] = [
        (nil, nil), (#""VP Sales""#, true), (#""Engineer""#, false), ("null", nil), (#""""#, nil),
    ]
    static let revenues: [(json: String?, inRange: Truth)] = [
        (nil, nil), ("500", true), ("5000000", false), (#""lots""#, nil),
    ]

    /// A leaf: its expression text, and its truth for a lead given by the indices of its fields' states.
    static let leaves: [(text: String, truth: @Sendable ([Int]) -> Truth)] = [
        ("company.employees >= 100", { employees[$0[0]].atLeast100 }),
        (#"company.state == "CA""#, { states[$0[1]].isCA }),
        (#"company.state != "CA""#, { not(states[$0[1]].isCA) }),
        ("exists(company.state)", { states[$0[1]].exists }),
        (
            #"(company.state ?? "none") == "none""#,
            { states[$0[1]].exists ? states[$0[1]].isCA.map { _ in false } : true }
        ),
        (#"contact.title contains "vp""#, { titles[$0[2]].hasVP }),
        ("company.revenue in 1..1000000", { revenues[$0[3]].inRange }),
    ]

    /// An expression of leaves joined by `and`, `or` and `not`, in parentheses: its text and truth.
    static func expression(_ g: inout TestRandom, depth: Int) -> (String, ([Int]) -> Truth) {
        switch depth >= 2 ? 0 : g.next() % 4 {
        case 1:
            let (a, b) = (expression(&g, depth: depth + 1), expression(&g, depth: depth + 1))
            return ("(\(a.0) and \(b.0))", { and([a.1($0), b.1($0)]) })
        case 2:
            let (a, b) = (expression(&g, depth: depth + 1), expression(&g, depth: depth + 1))
            return ("(\(a.0) or \(b.0))", { or([a.1($0), b.1($0)]) })
        case 3:
            let a = expression(&g, depth: depth + 1)
            return ("not (\(a.0))", { not(a.1($0)) })
        default:
            let leaf = leaves[g.next() % leaves.count]
            return (leaf.text, leaf.truth)
        }
    }

    /// A condition in YAML at `indent`: an expression, or `all`, `any` or `not` of conditions.
    static func condition(_ g: inout TestRandom, indent: String, depth: Int) -> (String, ([Int]) -> Truth) {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        switch depth >= 2 ? 0 : g.next() % 5 {
        case 1, 2:
            let items = (0..<(1 + g.next() % 3)).map { _ in condition(&g, indent: indent + "    ", depth: depth + 1) }
            let key = g.next() % 2 == 0 ? "all" : "any"
            let text = "\(key):" + items.map { "\n\(indent)  - " + $0.0 }.joined()
            return (text, { lead in key == "all" ? and(items.map { $0.1(lead) }) : or(items.map { $0.1(lead) }) })
        case 3:
            let inner = condition(&g, indent: indent + "  ", depth: depth + 1)
            return ("not:\n\(indent)  " + inner.0, { not(inner.1($0)) })
        default:
            let e = expression(&g, depth: 0)
            return (quoted(e.0), e.1)
        }
    }

    @Test("conditions on missing, empty, null and wrong-typed fields fire as three-valued logic says")
    func threeValuedLogic() throws {
        var g = TestRandom()
        var rules = "version: 1\ncategory: fit\nrules:\n"
        var truths: [(when: ([Int]) -> Truth, unless: (([Int]) -> Truth)?)] = []
        for index in 0..<80 {
            let when = Self.condition(&g, indent: "      ", depth: 0)
            rules += "  - id: r\(index)\n    when:\n      \(when.0)\n"
            var unless: (([Int]) -> Truth)?
            if g.next() % 4 == 0 {
                let condition = Self.condition(&g, indent: "      ", depth: 1)
                rules += "    unless:\n      \(condition.0)\n"
                unless = condition.1
            }
            rules += "    points: 1\n"
            truths.append((when.1, unless))
        }
        let fixture = try RuleFixture(["q.yaml": qualification, "fit.yaml": rules])
        let program = try #require(fixture.result.program, "\(fixture.rendered)\n\(rules)")
        var fired = 0
        for _ in 0..<300 {
            let states = [
                g.next() % Self.employees.count, g.next() % Self.states.count, g.next() % Self.titles.count,
                g.next() % Self.revenues.count,
            ]
            let lead = Lead(
                employees: Self.employees[states[0]].json,
                state: Self.states[states[1]].json,
                title: Self.titles[states[2]].json,
                revenue: Self.revenues[states[3]].json
            )
            let decision = program.evaluate(try RulesTests.lead(lead.json), now: testNow)
            let ids = Set(decision.firedIDs)
            for (index, truth) in truths.enumerated() {
                let expected = truth.when(states) == true && truth.unless?(states) != true
                if expected { fired += 1 }
                #expect(ids.contains("r\(index)") == expected, "r\(index) on \(lead.json)")
            }
        }
        #expect(fired > 1000, "rules fire often enough to test both outcomes")
    }
}
