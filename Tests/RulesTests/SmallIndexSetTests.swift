import Testing

@testable import Rules

/// A decision's flags and a placement's unknown teams are kept as `SmallIndexSet`s: bits below 64, an array above.
@Suite("small index sets")
struct SmallIndexSetTests {
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
}
