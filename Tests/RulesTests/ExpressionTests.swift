import Foundation
import Leads
import Testing

@testable import Rules

/// The verdict of one expression on one lead, through a real compiled rule.
func verdict(_ expression: String, _ leadJSON: String) throws -> String {
    let escaped = expression.replacingOccurrences(of: "'", with: "''")
    let fixture = try RuleFixture([
        "q.yaml": qualification,
        "r.yaml": """
        version: 1
        category: fit
        lists:
          industries: [Software, healthcare]
        rules:
          - id: probe
            when: '\(escaped)'
            points: 1
          - id: keep-list-used
            when: company.industry in industries
            points: 0
        """,
    ])
    let program = try fixture.program()
    let decision = program.evaluate(try lead(leadJSON), now: testNow, explain: true)
    let trace = try #require(decision.explanation?.first { $0.rule == "probe" })
    let leaf = try #require(trace.leaves.first)
    return leaf.verdict.rawValue + (leaf.missingFields.isEmpty ? "" : " " + leaf.missingFields.joined(separator: ","))
}

struct ExpressionTests {
    static let lead = """
        {"id": "L-1", "contact": {"email": " Ana.Lopez+promo@Acme.IO ", "title": "VP Sales", "country": "Norway"},
         "company": {"name": "Acme", "domain": "acme.io", "employees": "1,200", "revenue": 50000000,
                     "industry": "software", "country": "usa"},
         "interests": ["Routing", "api"], "message": "We need routing for 3k leads",
         "created_at": "2026-11-19T00:00:00Z",
         "events": [
           {"type": "page_view", "url": "https://x.example/pricing", "at": "2026-11-28T00:00:00Z"},
           {"type": "page_view", "url": "https://x.example/pricing", "at": "2026-11-20T00:00:00Z"},
           {"type": "page_view", "url": "https://x.example/pricing", "at": "2026-09-01T00:00:00Z"},
           {"type": "purchase", "value": 120, "at": "2026-11-25T00:00:00Z"},
           {"type": "purchase", "value": 30, "at": "2026-11-26T00:00:00Z"},
           {"type": "demo_request", "at": "2026-12-05T00:00:00Z"}
         ]}
        """

    struct Case: Sendable, CustomTestStringConvertible {
        var expression: String
        var expected: String
        var testDescription: String { expression }
        init(_ expression: String, _ expected: String) {
            self.expression = expression
            self.expected = expected
        }
    }

    static let cases: [Case] = [
        // Comparisons, numbers written as text, case-insensitive strings.
        Case("company.employees >= 1000", "true"),
        Case("company.employees > 1200", "false"),
        Case("company.employees == 1200", "true"),
        Case("company.employees != 1200", "false"),
        Case("company.revenue < 60000000", "true"),
        Case("company.revenue <= 50000000", "true"),
        Case(#"company.name == "ACME""#, "true"),
        Case(#"company.name != "acme""#, "false"),
        // Negative numbers (no subtraction in the language: a minus before a digit is a sign).
        Case("company.revenue > -1", "true"),
        Case("sum(events, value, type == \"purchase\") >= -150.5", "true"),
        Case("company.employees in -5..5", "false"),
        // Boolean operators.
        Case(#"company.employees > 10 and company.name == "acme""#, "true"),
        Case("company.employees > 10000 or company.revenue > 1", "true"),
        Case("not company.employees > 10000", "true"),
        Case("(company.employees > 10000 or company.revenue > 1) and not company.revenue > 1", "false"),
        // Membership.
        Case("company.industry in industries", "true"),
        Case(#"company.industry in ["Finance", "SOFTWARE"]"#, "true"),
        Case(#"company.industry not in ["software"]"#, "false"),
        Case("company.employees in 1000..5000", "true"),
        Case("company.employees not in 1000..5000", "false"),
        Case(#"interests in ["api", "x"]"#, "true"),
        // Text.
        Case(#"message contains "ROUTING""#, "true"),
        Case(#"company.domain starts_with "acme""#, "true"),
        Case(#"company.domain ends_with ".io""#, "true"),
        Case(#"interests contains "routing""#, "true"),
        Case(#"contact.title matches "^VP\\b""#, "true"),
        Case(#"contact.title matches "^vp""#, "false"),
        Case(#"contact.title matches "(?i)^vp""#, "true"),
        // Helpers and normalization.
        Case(#"lower(company.name) == "acme""#, "true"),
        Case("len(interests) == 2", "true"),
        Case("len(events) == 6", "true"),
        Case(#"email_domain(contact.email) == "acme.io""#, "true"),
        Case(#"contact.email == "ana.lopez@acme.io""#, "true"),
        Case(#"contact.country == "NO""#, "true"),
        Case(#"company.country == "US""#, "true"),
        // A name compared with a country field is read as its code, as the field's value is.
        Case(#"contact.country == "Norway""#, "true"),
        Case(#"company.country == "United States""#, "true"),
        Case(#""united states of america" == company.country"#, "true"),
        Case(#"company.country != "USA""#, "false"),
        Case(#"company.country in ["Germany", "U.S."]"#, "true"),
        Case(#"contact.country not in ["norway"]"#, "false"),
        Case(#"company.country == "Canada""#, "false"),
        // An address compared with an e-mail field is normalized as the field's value is.
        Case(#"contact.email == "Ana.Lopez+newsletter@ACME.io""#, "true"),
        Case(#"contact.email in ["bo@acme.io", " ana.lopez@acme.io "]"#, "true"),
        Case(#"contact.email != "ana.lopez+x@acme.io""#, "false"),
        Case("days_since(created_at) == 10", "true"),
        Case("created_at < 2026-11-20", "true"),
        // Event aggregates, windows relative to now (events after now never count).
        Case(#"count(events, type == "page_view") == 3"#, "true"),
        Case(#"count(events, type == "page_view", within 30d) == 2"#, "true"),
        Case(#"count(events, type == "page_view" and url contains "/pricing", within 7d) == 1"#, "true"),
        Case(#"exists(events, type == "demo_request", within 30d)"#, "false"),
        Case(#"exists(events, type == "purchase")"#, "true"),
        Case(#"sum(events, value, type == "purchase", within 30d) == 150"#, "true"),
        Case("days_since(last(events, within 30d)) == 1", "true"),
        Case(#"count(events, within 12h) == 0"#, "true"),
        // Missing data: unknown, negated or not; exists and ?? opt in.
        Case("company.state == \"CA\"", "missing company.state"),
        Case("not company.state == \"CA\"", "missing company.state"),
        Case("company.state != \"CA\"", "missing company.state"),
        Case("contact.seniority in [\"vp\"] or company.employees > 1", "true"),
        Case("contact.seniority in [\"vp\"] and company.employees > 1", "missing contact.seniority"),
        Case("exists(company.state)", "false"),
        Case("not exists(company.state)", "true"),
        Case("(company.state ?? \"none\") == \"none\"", "true"),
        Case("(contact.phone ?? \"\") == \"\"", "true"),
    ]

    @Test(arguments: cases)
    func evaluates(_ test: Case) throws {
        #expect(try verdict(test.expression, Self.lead) == test.expected)
    }

    @Test("a named list of country names matches a country field by code; the same list stays text elsewhere")
    func countryNamesInNamedList() throws {
        let fixture = try RuleFixture([
            "q.yaml": qualification,
            "r.yaml": """
            version: 1
            category: fit
            lists:
              markets: [Germany, "St. Lucia", United States]
            rules:
              - id: market
                when: company.country in markets
                points: 10
              - id: named-after-market
                when: company.name in markets
                points: 1
            """,
        ])
        let program = try fixture.program()
        #expect(fixture.result.diagnostics.isEmpty, "\(fixture.rendered)")
        func points(_ json: String) throws -> Double {
            program.evaluate(try RulesTests.lead(json), now: testNow).total
        }
        #expect(try points(#"{"company": {"country": "DE"}}"#) == 10)
        #expect(try points(#"{"company": {"country": "saint lucia"}}"#) == 10)
        #expect(try points(#"{"company": {"country": "usa"}}"#) == 10)
        #expect(try points(#"{"company": {"country": "FR"}}"#) == 0)
        #expect(try points(#"{"company": {"name": "germany"}}"#) == 1)
        #expect(try points(#"{"company": {"name": "DE"}}"#) == 0)
    }

    @Test("a list file: one item a line, comments and blank lines left out, CR LF and a byte order mark allowed")
    func listFile() throws {
        let fixture = try RuleFixture([
            "q.yaml": qualification,
            "r.yaml": """
            version: 1
            category: fit
            lists:
              free_mail: {file: lists/free.txt}
            rules:
              - id: free
                when: email_domain(contact.email) in free_mail
                points: 10
            """,
            "lists/free.txt": "\u{FEFF}gmail.com\r\n# the big ones\r\n\r\n  yahoo.com  # and this\r\nGMX.de\r\n",
        ])
        let program = try fixture.program()
        #expect(fixture.result.diagnostics.isEmpty, "\(fixture.rendered)")
        for (address, points) in [("a@gmail.com", 10.0), ("a@yahoo.com", 10), ("a@gmx.de", 10), ("a@acme.com", 0)] {
            let decision = program.evaluate(
                try RulesTests.lead(#"{"contact": {"email": "\#(address)"}}"#),
                now: testNow
            )
            #expect(decision.total == points, "\(address)")
        }
    }

    @Test("rule files end in .yaml or .yml in any case; hidden files and others are not rule files")
    func ruleFileNames() throws {
        let fixture = try RuleFixture([
            "q.yml": qualification,
            "fit.YAML": "version: 1\ncategory: fit\nrules:\n  - {id: a, when: company.employees > 1, points: 10}\n",
            "behavior.Yml":
                "version: 1\ncategory: behavior\nrules:\n  - {id: b, when: company.employees > 1, points: 5}\n",
            ".fit.yaml.swp": "not yaml: [",
            "fit.yaml.bak": "not yaml: [",
            "notes.txt": "not yaml: [",
        ])
        let program = try fixture.program()
        let decision = program.evaluate(try RulesTests.lead(#"{"company": {"employees": 5}}"#), now: testNow)
        #expect(decision.total == 15)
    }

    @Test func wrongTypedFieldIsMissing() throws {
        #expect(
            try verdict("company.employees > 5", #"{"company": {"employees": "many"}}"#) == "missing company.employees"
        )
        #expect(
            try verdict("company.employees > 5", #"{"company": {"employees": null}}"#) == "missing company.employees"
        )
        #expect(try verdict("company.employees > 5", #"{"company": "Acme"}"#) == "missing company.employees")
    }
}
