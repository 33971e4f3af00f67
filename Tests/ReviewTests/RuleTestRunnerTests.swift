import Foundation
import FoundationXML
import Review
import Rules
import TestSupport
import Testing
import YAML

extension SmallRules {
    static func program(_ directory: TemporaryDirectory) throws -> Program {
        let result = RuleCompiler.compile(directory: directory.path)
        return try #require(result.program, "\(result.diagnostics.rendered())")
    }
}

@Suite("rule tests")
struct RuleTestRunnerTests {
    static let header = """
        version: 1
        now: 2026-11-18T12:00:00Z
        fixtures:
          big-vp:
            id: L-1
            contact: {email: pat@bigco.com, title: VP Sales}
            company: {employees: 2000, country: US}
          big-vp-demo:
            extends: big-vp
            events: [{type: demo_request, at: -2d}]
        cases:

        """

    func run(_ cases: String) throws -> (RuleTestReport, TemporaryDirectory) {
        let directory = try SmallRules.directory(tests: ["cases.yaml": Self.header + cases])
        let program = try SmallRules.program(directory)
        return (RuleTestRunner(program: program).run(rules: directory.path), directory)
    }

    @Test("passing cases: fixtures, extends with dotted overrides, relative event times, every kind of expectation")
    func passing() throws {
        let (report, _) = try run(
            """
              - name: a big VP who asked for a demo
                lead: big-vp-demo
                expect:
                  stage: sql
                  route: sales
                  grade: A
                  score: 95
                  scores: {fit: 55, engagement: {min: 40, max: 40}}
                  fired: [fit.big, fit.senior, fit.us, engage.demo]
                  flags: [hand_raiser]
                  disqualified: []
              - name: the demo eight days ago is outside the 7-day window
                lead:
                  extends: big-vp
                  events: [{type: demo_request, at: -8d}]
                expect:
                  stage: mql
                  score: {min: 50, max: 60}
                  fired: [fit.big, fit.senior, fit.us]
              - name: a dotted override changes one field and keeps the others
                lead:
                  extends: big-vp-demo
                  company.employees: 10
                expect:
                  fired: [fit.senior, fit.us, engage.demo]
                  stage: mql
                  grade: B
              - name: a nested mapping overrides only the keys it names
                lead:
                  extends: big-vp-demo
                  company: {employees: 10}
                expect:
                  scores: {fit: 25}
              - name: disqualified by reason or by rule id
                lead:
                  extends: big-vp-demo
                  contact.email: pat@gmail.com
                now: 2026-11-19T12:00:00Z
                expect:
                  stage: disqualified
                  route: trash
                  disqualified: [dq.gmail]
            """
        )
        let rendered = report.text()
        #expect(report.passed == 5, "\(rendered)")
        #expect(report.failed == 0)
        #expect(report.succeeded)
        #expect(rendered.hasSuffix("5 passed, 0 failed\n"))
        // engage.webinar-fan fires in no case.
        #expect(report.uncovered == ["engage.webinar-fan"])
        #expect(rendered.contains("coverage: 5 of 6 rules fired by some case; never fired: engage.webinar-fan"))
    }

    @Test("a failing case shows expected and actual values, the explanation and its line; later cases still run")
    func failing() throws {
        let (report, directory) = try run(
            """
              - name: wrong stage
                lead: big-vp
                expect:
                  stage: sql
                  fired: [fit.big, fit.senior, fit.us, engage.demo]
                  score: {min: 70}
              - name: passes after a failure
                lead: big-vp-demo
                expect: {stage: sql}
            """
        )
        #expect(report.passed == 1)
        #expect(report.failed == 1)
        #expect(!report.succeeded)
        let failed = try #require(report.files.first?.cases.first)
        #expect(failed.location.line == 12)
        #expect(failed.failures.map(\.key) == ["stage", "fired", "score"])
        let stage = failed.failures[0]
        #expect(stage.expected == "sql")
        #expect(stage.actual == "mql")
        #expect(stage.line == 15)
        #expect(
            stage.explanation == [
                "stage sql: does not hold", "  score >= 70  -> false", "stage mql: holds", "  score >= 30  -> true",
                "score 55 (engagement 0, fit 55), flags: (none)",
            ]
        )
        let fired = failed.failures[1]
        #expect(fired.actual.contains("not fired: engage.demo"))
        #expect(
            fired.explanation.contains { $0.hasPrefix("not fired  engage.demo  (\(directory.path)/engagement.yaml:4)") }
        )
        #expect(
            fired.explanation.contains { $0.contains("exists(events, type == \"demo_request\", within 7d)  -> false") }
        )
        #expect(failed.failures[2].expected == "at least 70")
        #expect(failed.failures[2].actual == "55")
        let text = report.text()
        #expect(
            text.contains(
                "FAIL \(directory.path)/tests/cases.yaml:12: wrong stage\n  stage (line 15): expected sql, got mql\n"
            )
        )
        #expect(text.hasSuffix("1 passed, 1 failed\n"))
    }

    @Test("a case naming a rule, field, stage, fixture or key that does not exist is an error at its position")
    func unknownNames() throws {
        let (report, directory) = try run(
            """
              - name: misspelt rule
                lead: big-vp
                expect: {fired: [fit.bigg]}
              - name: misspelt field
                lead: {extends: big-vp, company.employes: 5}
                expect: {stage: mql}
              - name: misspelt event field
                lead: {extends: big-vp, events: [{typ: demo_request}]}
                expect: {stage: mql}
              - name: unknown stage
                lead: big-vp
                expect: {stage: sqll}
              - name: unknown fixture
                lead: big-cp
                expect: {stage: mql}
              - name: unknown expectation
                lead: big-vp
                expect: {stag: mql}
              - name: no team without assignment
                lead: big-vp
                expect: {team: enterprise}
              - name: still runs
                lead: big-vp
                expect: {stage: mql}
            """
        )
        let cases = try #require(report.files.first?.cases)
        let messages = cases.map { $0.errors.map { "\($0.location.line):\($0.location.column): \($0.message.text)" } }
        #expect(messages[0] == ["14:22: no rule named 'fit.bigg'; did you mean 'fit.big'?"])
        #expect(messages[1] == ["16:29: unknown field 'company.employes'; did you mean 'company.employees'?"])
        #expect(messages[2] == ["19:39: unknown field 'events.typ'; did you mean 'events.type'?"])
        #expect(messages[3] == ["23:21: no stage named 'sqll'; did you mean 'sql'?"])
        #expect(messages[4] == ["25:11: no fixture named 'big-cp'; did you mean 'big-vp'?"])
        #expect(messages[5] == ["29:14: unknown key 'stag' in expect; did you mean 'stage'?"])
        #expect(messages[6] == ["32:14: 'team' needs an assignment configuration in the rules"])
        #expect(cases[7].passed)
        #expect(report.passed == 1)
        #expect(report.failed == 7)
        #expect(cases.allSatisfy { $0.errors.allSatisfy { $0.location.file == directory.path + "/tests/cases.yaml" } })
        #expect(report.text().contains("FAIL \(directory.path)/tests/cases.yaml:12: misspelt rule\n"))
    }

    @Test("a score bound that is not a finite number, or that no score is within, is an error at its position")
    func badBounds() throws {
        let (report, _) = try run(
            """
              - name: not a number
                lead: big-vp
                expect: {score: .nan}
              - name: min above max
                lead: big-vp
                expect: {score: {min: 60, max: 50}}
              - name: infinite ceiling
                lead: big-vp
                expect: {scores: {fit: {max: .inf}}}
              - name: still runs
                lead: big-vp
                expect: {stage: mql}
            """
        )
        let cases = try #require(report.files.first?.cases)
        let messages = cases.map { $0.errors.map { "\($0.location.line):\($0.location.column): \($0.message.text)" } }
        #expect(messages[0] == ["14:21: expected a finite number, found '.nan'"])
        #expect(messages[1] == ["17:21: this bound's min is above its max: no score is within it"])
        #expect(messages[2] == ["20:34: expected a finite number, found '.inf'"])
        #expect(cases[3].passed)
        #expect(report.failed == 3)
    }

    @Test("a test file that is not valid YAML, or lacks now, fails as a whole with its position")
    func brokenFile() throws {
        let directory = try SmallRules.directory(tests: [
            "a-broken.yaml": "version: 1\nnow: 2026-11-18\ncases:\n  - name: x\n    lead: {\n",
            "b-no-now.yaml": "version: 1\ncases: []\n",
        ])
        let report = RuleTestRunner(program: try SmallRules.program(directory)).run(rules: directory.path)
        #expect(report.failed == 2)
        #expect(report.files[0].errors.first?.location.line == 6 || report.files[0].errors.first?.location.line == 5)
        #expect(report.files[1].errors.map(\.message.text).contains { $0.hasPrefix("'now' missing") })
        #expect(report.text().contains("ERROR \(directory.path)/tests/b-no-now.yaml"))
    }

    @Test("JUnit output: one suite per file, failures and errors counted, positions kept")
    func junit() throws {
        let (report, _) = try run(
            """
              - name: passes
                lead: big-vp-demo
                expect: {stage: sql}
              - name: fails <with> "markup" & more
                lead: big-vp
                expect: {stage: sql}
              - name: errors
                lead: big-vp
                expect: {fired: [nope]}
            """
        )
        let xml = report.junit()
        #expect(xml.contains(#"<testsuites name="leadd rule tests" tests="3" failures="1" errors="1">"#))
        #expect(xml.contains(#"name="fails &lt;with&gt; &quot;markup&quot; &amp; more""#))
        #expect(xml.contains(#"<failure message="stage: expected sql, got mql" type="expectation">"#))
        // Foundation's XML parser reads it.
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }
}
