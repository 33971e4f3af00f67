import Assignment
import Foundation
import Rules
import TestSupport
import Testing
import YAML

@Suite("Assignment configuration diagnostics")
struct ConfigurationTests {
    static let good = """
        version: 1
        reps:
          - {id: ana, time_zone: Europe/Berlin, hours: {mon-thu: "08:00-12:00", fri: ["09:00-11:00", "13:00-15:00"], sat: off}}
          - {id: ben, hours: {daily: "22:00-06:00"}}
        teams:
          - {id: night, when: stage == "sql" and route == "opportunities" or grade == "A", members: [ben]}
          - {id: rest, strategy: least_loaded, members: [ana, ben], window: 14d, sla: 2h, overflow: {team: night}}
        fallback: {queue: inbox}
        """

    @Test("a good configuration compiles: hours, overnight ranges, the tables' results in team conditions")
    func good() throws {
        let fixture = try AssignmentFixture(Self.good)
        let plan = try #require(try fixture.program().assignment)
        #expect(plan.reps[0].hours.days[0] == [480..<720])
        #expect(plan.reps[0].hours.days[4] == [540..<660, 780..<900])
        #expect(plan.reps[0].hours.days[5] == [])
        #expect(plan.reps[1].hours.days[0] == [0..<360, 1320..<1440])
        #expect(plan.teams[1].window == 14 * 86400)
        #expect(plan.teams[1].overflow == .team(0))
        let result = try fixture.assign([try testLead("A")], at: monday + 23 * hour)
        #expect(result[0].team == "night")
    }

    func errors(_ text: String, accounts: String? = nil) throws -> String {
        try AssignmentFixture(text, accounts: accounts).errors
    }

    @Test("each mistake is reported at its line and column, all at once")
    func mistakes() throws {
        let text = """
            version: 1
            assign: {routes: [oportunities], time_zone: Mars/Olympus}
            reps:
              - {id: ana, hours: {mon-fry: "09:00-17:00"}}
              - {id: ben, hours: {mon: "9-17"}, caps: {day: -1}}
              - {id: ana}
            teams:
              - {id: a, when: company.employes > 10, members: [ana, bne]}
              - {id: b, strategy: round_robbin, members: [ana]}
              - {id: c, members: [ana], overflow: {team: d}}
              - {id: d, members: [ana], overflow: {team: c}}
            fallback: {sla: 4h}
            accounts: {file: accounts.csv}
            """
        let rendered = try errors(text, accounts: "domain,account,owner\nacme.com,Acme,zed\n")
        let lines = rendered.split(separator: "\n").filter { $0.contains(": error: ") }.map(String.init)
        #expect(
            lines == [
                "accounts.csv:2:1: error: unknown rep 'zed'",
                "assignment.yaml:2:19: error: no stage routes to 'oportunities' (did you mean 'opportunities'?)",
                "assignment.yaml:2:45: error: unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin",
                "assignment.yaml:4:23: error: expected a weekday (mon ... sun), a range such as mon-fri, or daily",
                "assignment.yaml:5:28: error: expected working hours such as \"09:00-17:00\", or off",
                "assignment.yaml:5:49: error: a cap is a whole number, 0 or more",
                "assignment.yaml:6:10: error: duplicate rep 'ana'",
                "assignment.yaml:8:19: error: unknown field 'company.employes' (did you mean 'company.employees'?)",
                "assignment.yaml:8:57: error: unknown rep 'bne' (did you mean 'ben'?)",
                "assignment.yaml:9:23: error: unknown strategy 'round_robbin'; expected round_robin, weighted_round_robin, least_loaded (did you mean 'round_robin'?)",
                "assignment.yaml:10:10: error: unreachable: team 'b' has no 'when' and takes every lead before it",
                "assignment.yaml:10:10: error: the overflow of team 'c' leads back to itself",
                "assignment.yaml:11:10: error: unreachable: team 'b' has no 'when' and takes every lead before it",
                "assignment.yaml:11:10: error: the overflow of team 'd' leads back to itself",
                "assignment.yaml:12:11: error: missing 'queue'",
            ],
            "\(rendered)"
        )
    }

    @Test("assignment needs reps, teams and a fallback queue")
    func required() throws {
        let rendered = try errors("version: 1\nreps:\n  - {id: ana}\n")
        #expect(
            rendered.hasPrefix(
                "assignment.yaml:2:1: error: assignment needs 'reps', 'teams' and 'fallback'; missing teams, fallback"
            )
        )
    }

    @Test("grade, stage and route are known in team conditions only")
    func phases() throws {
        let errors = try AssignmentFixture(Self.good).errors
        #expect(errors.isEmpty, "\(errors)")
        let rules = try RuleFixtureText.errors(rule: "stage == \"sql\"")
        #expect(rules.contains("error: unknown field 'stage'"))
    }
}

/// A scoring file whose rule uses `when`, compiled alone.
enum RuleFixtureText {
    static func errors(rule when: String) throws -> String {
        let fixture = try AssignmentFixture(ConfigurationTests.good)
        try fixture.rules.write(
            "scoring.yaml",
            AssignmentFixture.scoring.replacingOccurrences(of: "company.employees >= 0", with: when)
        )
        return RuleCompiler.compile(directory: fixture.rules.path).diagnostics.rendered()
    }
}
