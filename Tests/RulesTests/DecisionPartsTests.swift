import Testing

@testable import Rules

/// A decision's compact parts: its flags and a placement's unknown teams as `SmallIndexSet`s (bits below 64, an
/// array above), its points per category as `CategoryPoints` (four in place, more in an array).
@Suite("a decision's compact parts")
struct DecisionPartsTests {
    @Test("the same members, in ascending order, as a set of integers, below and above 64")
    func matchesASet() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var set = SmallIndexSet()
            var expected = Set<Int>()
            for _ in 0..<Int.random(in: 0...30, using: &generator) {
                let index = Int.random(in: 0..<150, using: &generator)
                set.insert(index)
                expected.insert(index)
            }
            #expect(Array(set) == expected.sorted())
            #expect(set.isEmpty == expected.isEmpty)
            for index in 0..<150 { #expect(set.contains(index) == expected.contains(index)) }
            #expect(SmallIndexSet(expected) == set)
        }
    }

    @Test("a rule set of 70 flags: each decision names the flags raised, past the 64th too, in the program's order")
    func seventyFlags() throws {
        // Rule i raises flag f<i> for a company of fewer than 5 employees when i is odd, of 5 or more when it is even.
        let rules = (0..<70).map { index in
            """
              - id: rule.\(index)
                when: company.employees \(index % 2 == 1 ? "<" : ">=") 5
                points: 1
                flag: f\(index)
            """
        }
        let fixture = try RuleFixture([
            "fit.yaml": "version: 1\ncategory: fit\nrules:\n" + rules.joined(separator: "\n"),
            "qualification.yaml": qualification,
        ])
        let program = try fixture.program()
        for employees in [3, 8] {
            let decision = program.evaluate(try lead(#"{"company": {"employees": \#(employees)}}"#), now: testNow)
            let raised = (0..<70).filter { ($0 % 2 == 1) == (employees < 5) }.map { "f\($0)" }
            #expect(Set(decision.flags) == Set(raised))
            #expect(decision.flags == program.flags.filter(Set(raised).contains))
            var json: [UInt8] = []
            decision.writeJSON(into: &json)
            let written = String(decoding: json, as: UTF8.self)
            #expect(written.contains(#""flags":["# + decision.flags.map { #""\#($0)""# }.joined(separator: ",") + "]"))
        }
    }

    @Test("one to seven categories: each decision's scores, named and in order, in the outbox line and the row")
    func categories() throws {
        for count in 1...7 {
            // Category c<i> has one rule of i + 1 points, which every lead with a company size gets.
            var files = ["qualification.yaml": qualification]
            for index in 0..<count {
                files["c\(index).yaml"] = """
                    version: 1
                    category: c\(index)
                    rules:
                      - id: rule.\(index)
                        when: company.employees >= 0
                        points: \(index + 1)
                    """
            }
            let program = try RuleFixture(files).program()
            let decision = program.evaluate(try lead(#"{"company": {"employees": 10}}"#), now: testNow)
            let names = program.categoryNames
            let points = Dictionary(uniqueKeysWithValues: (0..<count).map { ("c\($0)", $0 + 1) })
            #expect(Set(names) == Set((0..<count).map { "c\($0)" }))
            #expect(decision.scores.map(\.name) == names)
            #expect(decision.scores.map(\.points) == names.map { Double(points[$0] ?? 0) })
            #expect(Array(decision.categoryPoints) == decision.scores.map(\.points))
            var json: [UInt8] = []
            decision.writeJSON(into: &json)
            let score = names.map { #""\#($0)":\#(points[$0] ?? 0)"# }.joined(separator: ",")
            let total = count * (count + 1) / 2
            #expect(String(decoding: json, as: UTF8.self).contains(#""score":{"total":\#(total),\#(score)}"#))
        }
    }
}
