import Foundation
import Leads
import Testing

@testable import Rules

/// A function of a lead field that several rules call (`email_domain(contact.email)`) is computed once per lead and
/// kept: every rule must still see the value of its own call, explained or not, lead after lead, and a pair's
/// candidate its own program's calls.
@Suite("calls on lead fields")
struct CallCacheTests {
    static let rules = """
        version: 1
        category: fit
        lists:
          free: [gmail.com, yahoo.fr]
        rules:
          - id: free
            when: email_domain(contact.email) in free
            points: 1
          - id: acme
            when: email_domain(contact.email) == "acme.io"
            points: 2
          - id: same-domain
            when: email_domain(contact.email) == lower(company.domain)
            points: 4
          - id: long
            when: len(email_domain(contact.email)) > 8
            points: 8
          - id: domain-upper
            when: lower(company.domain) == "acme.io"
            points: 16
        """

    static let leads: [(json: String, fired: [String])] = [
        (
            #"{"contact": {"email": "ana@acme.io"}, "company": {"domain": "ACME.io"}}"#,
            ["acme", "same-domain", "domain-upper"]
        ),
        (#"{"contact": {"email": "Zoë@Gmail.com"}, "company": {"domain": "x.org"}}"#, ["free", "long"]),
        (#"{"contact": {"email": "bo@yahoo.fr"}}"#, ["free"]),
        (#"{"contact": {"email": "not an address"}, "company": {"domain": "acme.io"}}"#, ["domain-upper"]),
        (
            #"{"contact": {"email": "li@longer-domain.example"}, "company": {"domain": "Longer-Domain.example"}}"#,
            ["same-domain", "long"]
        ),
    ]

    @Test("each rule sees its own call's value, lead after lead, explained or not")
    func sameValues() throws {
        let fixture = try RuleFixture(["q.yaml": qualification, "fit.yaml": Self.rules])
        let program = try fixture.program()
        // Twice over, so a kept value from one lead would show in the next.
        for _ in 0..<2 {
            for item in Self.leads {
                let record = try lead(item.json)
                for explain in [false, true] {
                    let decision = program.evaluate(record, now: testNow, explain: explain)
                    #expect(decision.firedIDs == item.fired, "\(item.json), explain: \(explain)")
                }
            }
        }
    }

    @Test("a pair's candidate calls its own functions")
    func pairs() throws {
        // The candidate calls other functions of the same field, in another order.
        let candidateRules = Self.rules.replacingOccurrences(
            of: "len(email_domain(contact.email)) > 8",
            with: "len(lower(contact.email)) > 14"
        )
        let current = try RuleFixture(["q.yaml": qualification, "fit.yaml": Self.rules]).program()
        let candidate = try RuleFixture(["q.yaml": qualification, "fit.yaml": candidateRules]).program()
        let pair = ProgramPair(current: current, candidate: candidate)
        for item in Self.leads {
            let record = try lead(item.json)
            let (before, after) = pair.evaluate(record, now: testNow)
            #expect(before.firedIDs == current.evaluate(record, now: testNow).firedIDs)
            #expect(after.firedIDs == candidate.evaluate(record, now: testNow).firedIDs)
        }
    }
}
