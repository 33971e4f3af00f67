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

    func replay(candidateFit: String) throws -> ReplayReport {
        let current = try SmallRules.program(try SmallRules.directory())
        var files = SmallRules.files
        files["fit.yaml"] = candidateFit
        let candidate = try SmallRules.program(try SmallRules.directory(rules: files))
        let folder = try TemporaryDirectory("replay")
        try folder.write("leads.ndjson", Self.leads.joined(separator: "\n") + "\n")
        let source = ReplaySource(path: folder.path + "/leads.ndjson", now: 1_795_910_400)
        return try Replay(current: current, candidate: candidate, owners: false).run([source])
    }

    static let reordered = """
        version: 1
        category: fit
        rules:
          - id: fit.us
            when: company.country == "US"
            points: 5
          - id: dq.gmail
            when: email_domain(contact.email) == "gmail.com"
            disqualify: personal address
          - id: fit.senior
            when: contact.title matches "(?i)\\\\bvp\\\\b"
            points: 20
          - id: fit.big
            when: company.employees >= 1000
            points: 30
        """

    @Test("the same rules in another order change nothing")
    func sameRulesReordered() throws {
        let report = try replay(candidateFit: Self.reordered)
        #expect(report.leads == 4)
        #expect(report.changedLeads == 0)
        #expect(report.rankedDrivers.isEmpty)
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
