import Foundation
import Review
import Rules
import TestSupport
import Testing

/// Replay compares the rules two decisions fired by the rules' positions in their programs, mapped by id: a candidate
/// that lists the same rules in another order changes nothing, and one rule scoring differently changes exactly the
/// leads that fire it.
@Suite("replay's rule comparison")
struct ReplayRuleComparisonTests {
    static let leads = [
        #"{"id": "L-1", "contact": {"email": "a@big.com", "title": "VP Sales"}, "company": {"employees": 5000, "country": "US"}}"#,
        #"{"id": "L-2", "contact": {"email": "b@small.com", "title": "Engineer"}, "company": {"employees": 20, "country": "US"}}"#,
        #"{"id": "L-3", "contact": {"email": "c@mid.com", "title": "vp"}, "company": {"employees": 300, "country": "DE"}}"#,
        #"{"id": "L-4", "contact": {"email": "d@gmail.com", "title": "VP"}, "company": {"employees": 2000}}"#,
    ]

    func replay(candidateFit: String, leads: [String] = leads) throws -> ReplayReport {
        let current = try SmallRules.program(try SmallRules.directory())
        var files = SmallRules.files
        files["fit.yaml"] = candidateFit
        let candidate = try SmallRules.program(try SmallRules.directory(rules: files))
        let folder = try TemporaryDirectory("replay")
        try folder.write("leads.ndjson", leads.joined(separator: "\n") + "\n")
        let source = ReplaySource(path: folder.path + "/leads.ndjson", now: 1_795_910_400)
        return try Replay(current: current, candidate: candidate, owners: false).run([source])
    }

    /// `SmallRules`' fit rules, in the reverse order.
    static var reordered: String {
        let text = SmallRules.files["fit.yaml"] ?? ""
        let parts = text.components(separatedBy: "\n  - id: ")
        return ([parts[0]] + parts.dropFirst().reversed()).joined(separator: "\n  - id: ")
    }

    @Test("the same rules in another order change nothing")
    func sameRulesReordered() throws {
        #expect(Self.reordered.hasPrefix(SmallRules.files["fit.yaml"]?.prefix(40) ?? "x"))
        #expect(Self.reordered != SmallRules.files["fit.yaml"])
        let report = try replay(candidateFit: Self.reordered)
        #expect(report.leads == 4)
        #expect(report.changedLeads == 0)
        #expect(report.rankedDrivers.isEmpty)
    }

    /// The daemon rejects a record of another shape as a bad record (`Program.shapeProblem`): replay skips it too,
    /// rather than deciding a lead with every field missing.
    @Test("records of another shape are skipped, not decided")
    func recordsOfAnotherShape() throws {
        let leads = Self.leads + [#"{"id": "L-5", "email": "e@flat.com", "company": "Flat"}"#]
        let report = try replay(candidateFit: Self.reordered, leads: leads)
        #expect(report.leads == 4)
        #expect(report.skippedRecords == 1)
    }

    @Test("one rule scoring differently changes the leads that fire it, and only those")
    func oneRuleRepointed() throws {
        let report = try replay(
            candidateFit: Self.reordered.replacingOccurrences(of: "points: 5", with: "points: 6")
        )
        // L-1 and L-2 are in the US; L-4 is disqualified, L-3 is not in the US.
        #expect(report.changedLeads == 2)
        #expect(report.rankedDrivers.map(\.rule) == ["fit.us"])
        #expect(report.rankedDrivers.first?.repointed == 2)
    }
}
