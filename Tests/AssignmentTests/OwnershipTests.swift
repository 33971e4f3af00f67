import Assignment
import Foundation
import Rules
import TestSupport
import Testing
import YAML

@Suite("Accounts, sticky owners, queues and the ledger")
struct OwnershipTests {
    static let config = """
        version: 1
        assign: {time_zone: UTC, hours: always, ignore_domains: free_mail}
        accounts: {file: accounts.csv, ambiguous: review}
        sticky: {window: 30d, by: [email, domain]}
        reps:
          - {id: ana}
          - {id: ben}
          - {id: cho}
          - {id: dan, active: false}
        teams:
          - {id: enterprise, when: company.employees >= 1000, strategy: round_robin, members: [ana, ben, cho]}
          - {id: smb, when: company.employees < 1000 and company.country == "US", strategy: round_robin, members: [ben, cho]}
        fallback: {queue: inbox, sla: 8h}
        """

    static let accounts = """
        domain,account,owner
        acme.com,Acme,ana
        globex.com,Globex,ben
        globex.com,Globex Services,ben
        initech.com,Initech,ana
        initech.com,Initech Europe,cho
        gone.example,Gone Inc,dan
        gmail.com,Nobody,cho
        """

    func fixture() throws -> AssignmentFixture {
        try AssignmentFixture(Self.config, accounts: Self.accounts)
    }

    @Test("account owners: exact e-mail domain, company domain, parent domain, in that order")
    func accountMatch() throws {
        let fixture = try fixture()
        let result = try fixture.assign(
            [
                try testLead("E", email: "pat@acme.com"),
                try testLead("C", email: "pat@consultant.example", domain: "globex.com"),
                try testLead("P", email: "pat@eu.acme.com"),
                try testLead("W", email: "pat@other.example", domain: "https://www.globex.com/about"),
                // The e-mail's exact domain beats the company's: the person works at Acme.
                try testLead("B", email: "pat@acme.com", domain: "globex.com"),
            ],
            at: monday + 10 * hour
        )
        #expect(result.map(\.owner) == ["ana", "ben", "ana", "ben", "ana"])
        #expect(result.allSatisfy { $0.method == "account" })
        #expect(
            result[0].reasons.last?.detail
                == "e-mail domain acme.com matches account Acme (accounts line 2), owned by ana"
        )
        #expect(result[2].reasons.last?.detail.contains("acme.com (parent domain)") == true)
        // Two accounts with one owner: that owner.
        #expect(result[1].reasons.last?.detail.contains("Globex") == true)
    }

    @Test("account domains written as websites are read as leads' domains are; a row without a domain is left out")
    func accountDomainsAsWebsites() throws {
        let accounts = """
            domain,account,owner
            https://www.Initrode.com/about,Initrode,ana
            WWW.Globex.com.,Globex,ben
            N/A,Nobody,cho
            """
        let fixture = try AssignmentFixture(Self.config, accounts: accounts)
        #expect(
            fixture.rendered.contains(
                "accounts.csv:4:1: warning: 'N/A' is not a domain such as acme.com: this account row is left out"
            ),
            "\(fixture.rendered)"
        )
        let result = try fixture.assign(
            [try testLead("I", email: "pat@initrode.com"), try testLead("G", email: "pat@eu.globex.com")],
            at: monday + 10 * hour
        )
        #expect(result.map(\.owner) == ["ana", "ben"])
        #expect(result.allSatisfy { $0.method == "account" })
    }

    @Test("domains with letters beyond ASCII match in any case: the accounts file, company domains and addresses")
    func accentedDomainsInAnyCase() throws {
        let accounts = """
            domain,account,owner
            https://www.BÄCKEREI.de/,Bäckerei Kunz,cho
            école.fr,École Nord,ben
            """
        let fixture = try AssignmentFixture(Self.config, accounts: accounts)
        let result = try fixture.assign(
            [
                try testLead("A", email: "ana@bäckerei.de"),
                try testLead("B", email: "bo@consultant.example", domain: "Bäckerei.DE"),
                try testLead("C", email: "cy@ÉCOLE.FR"),
                try testLead("D", email: "di@other.example", domain: "https://ÉCOLE.fr/contact"),
            ],
            at: monday + 10 * hour
        )
        #expect(result.map(\.owner) == ["cho", "cho", "ben", "ben"], "\(result.map(\.reasons))")
        #expect(result.allSatisfy { $0.method == "account" })
        #expect(result[1].reasons.last?.detail.contains("company domain bäckerei.de") == true, "\(result[1].reasons)")
    }

    @Test("an accounts file Excel saved in Windows-1252 is read with accounts' encoding; without it, rows are errors")
    func accountsInWindows1252() throws {
        let rules = try TemporaryDirectory("rules")
        try rules.write("scoring.yaml", AssignmentFixture.scoring)
        let bytes = Array("domain,account,owner\nacme.com,Soci".utf8) + [0xE9, 0x74, 0xE9] + Array(" Acme,ana\n".utf8)
        _ = try rules.write("accounts.csv", bytes)
        try rules.write("assignment.yaml", Self.config)
        let refused = RuleCompiler.compile(directory: rules.path)
        #expect(refused.program == nil)
        #expect(refused.diagnostics.rendered().contains("invalid UTF-8 in column 'account'"))
        try rules.write(
            "assignment.yaml",
            Self.config.replacingOccurrences(
                of: "ambiguous: review}",
                with: "ambiguous: review, encoding: windows-1252}"
            )
        )
        let result = RuleCompiler.compile(directory: rules.path)
        let program = try #require(result.program, "\(result.diagnostics.rendered())")
        let account = try #require(program.assignment?.accounts.byDomain["acme.com"]?.first)
        #expect(account.name == "Société Acme")
    }

    @Test("several owners for one account: the don't-guess queue, with the candidates named")
    func ambiguous() throws {
        let result = try fixture().assign([try testLead("I", email: "pat@initech.com")], at: monday + 10 * hour)
        #expect(result[0].status == .queued)
        #expect(result[0].queue == "review")
        #expect(result[0].owner == nil)
        #expect(
            result[0].reasons.contains {
                $0.detail == "e-mail domain initech.com matches accounts with different owners: "
                    + "Initech (ana, line 5), Initech Europe (cho, line 6)"
            }
        )
    }

    @Test("free-mail domains never match an account; an inactive account owner is passed over")
    func passedOver() throws {
        let result = try fixture().assign(
            [try testLead("G", email: "pat@gmail.com"), try testLead("D", email: "pat@gone.example")],
            at: monday + 10 * hour
        )
        #expect(result[0].method == "round_robin")
        #expect(result[1].method == "round_robin")
        #expect(result[1].reasons.contains { $0.detail.contains("owned by dan; passed over: inactive") })
    }

    @Test("an account owner at a day cap is passed over: caps hold for leads from every source")
    func accountOwnerCapped() throws {
        let config = Self.config.replacingOccurrences(of: "  - {id: ana}", with: "  - {id: ana, caps: {day: 2}}")
        let fixture = try AssignmentFixture(config, accounts: Self.accounts)
        let result = try fixture.assign(
            (1...4).map { try testLead("A\($0)", email: "p\($0)@acme.com", employees: 10) },
            at: monday + 10 * hour
        )
        // The third goes to the team; the fourth, of the same domain, sticks to the third's owner.
        #expect(result.map(\.method) == ["account", "account", "round_robin", "sticky"])
        #expect(result[2].owner != "ana" && result[3].owner == result[2].owner)
        #expect(
            result[2].reasons.contains {
                $0.detail == "e-mail domain acme.com matches account Acme (accounts line 2), owned by ana; "
                    + "passed over: day cap 2 reached"
            }
        )
        // The next day, ana takes her account's leads again.
        let next = try fixture.assign([try testLead("A5", email: "p5@acme.com")], at: monday + 34 * hour)
        #expect(next[0].owner == "ana")
    }

    @Test("sticky owners: the same e-mail or company domain within the window goes to the same rep")
    func sticky() throws {
        let fixture = try fixture()
        let first = try fixture.assign([try testLead("S1", email: "lee@newco.example", employees: 5000)], at: monday)
        let owner = try #require(first[0].owner)
        // Ten more leads move the rotation; the same person comes back a week later.
        _ = try fixture.assign(try leads(10, prefix: "X").map { $0 }, at: monday + hour)
        let again = try fixture.assign(
            [
                try testLead("S2", email: "LEE+webinar@NewCo.example", employees: 5000),
                try testLead("S3", email: "kim@newco.example", employees: 5000),
            ],
            at: monday + 7 * day
        )
        #expect(again.map(\.owner) == [owner, owner])
        #expect(again[0].method == "sticky")
        #expect(
            again[0].reasons.last?.detail.hasPrefix("same e-mail lee@newco.example went to \(owner) on 2026-11-30")
                == true
        )
        #expect(again[1].reasons.last?.detail.hasPrefix("same domain newco.example went to \(owner)") == true)
        // After the window: the rotation again.
        let late = try fixture.assign(
            [try testLead("S4", email: "lee@newco.example", employees: 5000)],
            at: monday + 40 * day
        )
        #expect(late[0].method == "round_robin")
    }

    @Test(
        "sticky steps in one batch follow the owner: capped mid-batch it is passed over, and the next goes sticky to the new one"
    )
    func stickyStepsInABatch() throws {
        let fixture = try AssignmentFixture(
            teamConfig(
                strategy: "round_robin",
                members: "[ana, ben]",
                reps: [],
                extraReps: "  - {id: ana, caps: {day: 2}}\n  - {id: ben, caps: {day: 2}}",
                head: "sticky: {window: 30d, by: [domain]}"
            )
        )
        let first = try fixture.assign([try testLead("D1", domain: "capco.example", employees: 10)], at: monday)
        let owner = try #require(first[0].owner)
        let other = owner == "ana" ? "ben" : "ana"
        let batch = try (2...4).map { try testLead("D\($0)", domain: "capco.example", employees: 10) }
        let later = try fixture.assign(batch, at: monday + hour)
        #expect(later.map(\.owner) == [owner, other, other])
        #expect(later.map(\.method) == ["sticky", "round_robin", "sticky"])
        let steps = later.map { $0.reasons.first { $0.step == "sticky" }?.detail ?? "" }
        #expect(steps[0] == "same domain capco.example went to \(owner) on 2026-11-30, within the sticky window")
        #expect(steps[1] == steps[0] + "; passed over: day cap 2 reached")
        #expect(steps[2] == "same domain capco.example went to \(other) on 2026-11-30, within the sticky window")
    }

    @Test("sticky steps in one batch of several times: the owner away at the later one is passed over, with why")
    func stickyStepsAcrossTimes() throws {
        // Both reps are out of office on Tuesday, whichever of them owns the domain.
        let fixture = try AssignmentFixture(
            teamConfig(
                strategy: "round_robin",
                members: "[ana, ben]",
                reps: [],
                extraReps: "  - {id: ana, away: [2026-12-01]}\n  - {id: ben, away: [2026-12-01]}",
                head: "sticky: {window: 30d, by: [domain]}"
            )
        )
        let first = try fixture.assign([try testLead("A1", domain: "awayco.example", employees: 10)], at: monday)
        let owner = try #require(first[0].owner)
        // One batch: Monday afternoon, Tuesday, Monday evening again (as a file of leads with their own times).
        let program = try fixture.program()
        let times = [monday + 5 * hour, monday + day + hour, monday + 6 * hour]
        let items = try times.enumerated().map { index, now in
            let lead = try testLead("A\(index + 2)", domain: "awayco.example", employees: 10)
            return Assigner.Item(decision: program.evaluate(lead, now: now), lead: lead)
        }
        let later = try fixture.assigner().assign(items).map { try #require($0) }
        #expect(later.map(\.owner) == [owner, nil, owner])
        let steps = later.map { $0.reasons.first { $0.step == "sticky" }?.detail ?? "" }
        let held = "same domain awayco.example went to \(owner) on 2026-11-30, within the sticky window"
        #expect(steps == [held, held + "; passed over: out of office until 2026-12-01", held])
    }

    @Test("free-mail addresses are sticky by e-mail only, never by domain")
    func stickyFreeMail() throws {
        let fixture = try fixture()
        let first = try fixture.assign([try testLead("F1", email: "one@gmail.com", employees: 5000)], at: monday)
        let second = try fixture.assign(
            [try testLead("F2", email: "two@gmail.com", employees: 5000)],
            at: monday + hour
        )
        #expect(second[0].method == "round_robin")
        #expect(first[0].owner != second[0].owner)
    }

    @Test("no team takes the lead: the fallback queue, with the teams' verdicts and its SLA")
    func fallback() throws {
        let result = try fixture().assign([try testLead("N", country: "DE", employees: 50)], at: monday + 10 * hour)
        let opportunity = result[0]
        #expect(opportunity.status == .queued)
        #expect(opportunity.queue == "inbox")
        #expect(opportunity.team == nil)
        #expect(opportunity.method == "fallback")
        #expect(opportunity.firstContactDue == monday + 18 * hour)
        #expect(
            opportunity.reasons.map(\.detail).prefix(3) == [
                "team enterprise: condition false", "team smb: condition false", "no team's condition holds",
            ]
        )
    }

    @Test("a team whose condition reads a missing field is unknown, not false, in the reasons and the rule tests' view")
    func unknownTeamCondition() throws {
        let fixture = try fixture()
        // No country: smb's `company.country == "US"` cannot be told, so neither can its condition.
        let lead = try record(#"{"id": "U", "contact": {"email": "u@u.example"}, "company": {"employees": 50}}"#)
        let decision = try fixture.program().evaluate(lead, now: monday + 10 * hour)
        let placement = try #require(decision.placement)
        #expect(placement.team == nil)
        #expect(placement.tried == 2)
        #expect([placement.verdict(0), placement.verdict(1)] == [.false, .missing])
        #expect(decision.checkedTeams.map(\.team) == ["enterprise", "smb"])
        #expect(decision.checkedTeams.map(\.verdict) == [.false, .missing])
        let opportunity = try fixture.assign([lead], at: monday + 10 * hour)[0]
        #expect(
            opportunity.reasons.map(\.detail).prefix(3) == [
                "team enterprise: condition false", "team smb: condition unknown (a field it reads is missing)",
                "no team's condition holds",
            ]
        )
    }

    @Test("the e-mail and domain fields the configuration names are the ones read, at any depth")
    func configuredKeyFields() throws {
        let config = Self.config.replacingOccurrences(
            of: "assign: {time_zone: UTC, hours: always, ignore_domains: free_mail}",
            with:
                "assign: {time_zone: UTC, hours: always, ignore_domains: free_mail, email: contact.work.mail, domain: [company.site]}"
        )
        let fixture = try AssignmentFixture(config, accounts: Self.accounts)
        let leads = try [
            // The configured company field names Acme's domain: ana's account.
            #"{"id": "S", "contact": {"work": {"mail": "pat@consultant.example"}}, "company": {"employees": 5, "site": "https://www.acme.com/"}}"#,
            // The configured e-mail field is at globex.com: ben's account.
            #"{"id": "M", "contact": {"work": {"mail": "kim@globex.com"}}, "company": {"employees": 5}}"#,
            // The default fields are not read: no account, the smb team's rotation.
            #"{"id": "D", "contact": {"email": "lee@acme.com"}, "company": {"employees": 5, "domain": "globex.com", "country": "US"}}"#,
        ].map { try record($0) }
        let result = try fixture.assign(leads, at: monday + 10 * hour)
        #expect(result.map(\.method) == ["account", "account", "round_robin"])
        #expect(result.map(\.owner).prefix(2) == ["ana", "ben"])
    }

    @Test("leads not on an assigned route get no opportunity")
    func notAssigned() throws {
        let fixture = try fixture()
        let program = try fixture.program()
        let lead = try record(#"{"id": "Z", "contact": {"email": "z@z.example"}}"#)
        let decision = program.evaluate(lead, now: monday)
        #expect(decision.route == "nurture")
        let result = try fixture.assigner().assign([Assigner.Item(decision: decision, lead: lead)])
        #expect(result == [nil])
    }

    @Test("reprocessing the same leads returns the same owners and counts nothing twice")
    func idempotent() throws {
        let fixture = try fixture()
        let batch =
            try leads(30).map { $0 } + [
                try record(#"{"company": {"employees": 5000}, "contact": {"email": "noid@x.example"}}"#)
            ]
        let first = try fixture.assign(batch, at: monday + 10 * hour)
        let second = try fixture.assign(batch, at: monday + 12 * hour)
        #expect(first.map(\.owner) == second.map(\.owner))
        #expect(first.map(\.queue) == second.map(\.queue))
        #expect(second.allSatisfy { $0.replayed })
        #expect(!first.contains { $0.replayed })
        #expect(first.last?.lead.hasPrefix("content:") == true)
        // The rotation did not move: the next lead goes where it would have gone without the replay.
        let fresh = try AssignmentFixture(Self.config, accounts: Self.accounts)
        _ = try fresh.assign(batch, at: monday + 10 * hour)
        let next = try fixture.assign([try testLead("NEXT")], at: monday + 13 * hour)
        let expected = try fresh.assign([try testLead("NEXT")], at: monday + 13 * hour)
        #expect(next[0].owner == expected[0].owner)
        let report = try AssignmentReport(
            store: try AssignmentStore(directory: fixture.state.path),
            plan: try fixture.program().assignment,
            since: nil
        )
        #expect(report.entries.count == 32)  // 31 once each, and NEXT
    }

    @Test("ids and addresses with quotes, backslashes, control and non-ASCII characters are found again next batch")
    func oddKeys() throws {
        // The batch's keys reach SQLite as one JSON array (json_each): each must come back exactly as written.
        let fixture = try fixture()
        let ids = [#"Q\"uote"#, #"back\\slash"#, #"tab\there"#, "Zoë-ü-日本", #"nul\u0000byte"#, "[1,2]", "12", ""]
        let batch = try ids.enumerated().map { index, id in
            try record(
                #"{"id": "\#(id)", "contact": {"email": "o\#(index)\"x@odd\#(index).example"}, "company": {"employees": 5000, "country": "US"}}"#
            )
        }
        let first = try fixture.assign(batch, at: monday + 10 * hour)
        #expect(!first.contains { $0.replayed })
        let second = try fixture.assign(batch, at: monday + 11 * hour)
        #expect(second.allSatisfy { $0.replayed }, "\(second.map(\.lead))")
        #expect(first.map(\.owner) == second.map(\.owner))
        #expect(first.map(\.lead) == second.map(\.lead))
        // Sticky by e-mail: the same odd addresses under new ids go to the same reps.
        let renamed = try ids.indices.map { index in
            try record(
                #"{"id": "new-\#(index)", "contact": {"email": "o\#(index)\"x@odd\#(index).example"}, "company": {"employees": 5000, "country": "US"}}"#
            )
        }
        let third = try fixture.assign(renamed, at: monday + 12 * hour)
        #expect(third.map(\.method) == Array(repeating: "sticky", count: ids.count))
        #expect(third.map(\.owner) == first.map(\.owner))
    }

    @Test("a lead twice in one batch: the second gets the first's opportunity, marked replayed, counted once")
    func twiceInOneBatch() throws {
        let fixture = try fixture()
        let lead = try testLead("TWICE")
        let results = try fixture.assign([lead, try testLead("OTHER"), lead], at: monday + 10 * hour)
        #expect(!results[0].replayed)
        #expect(results[2].replayed)
        var replayed = results[2]
        replayed.replayed = false
        #expect(replayed == results[0])
        let report = try AssignmentReport(
            store: try AssignmentStore(directory: fixture.state.path),
            plan: try fixture.program().assignment,
            since: nil
        )
        #expect(report.entries.count == 2)
    }

    @Test("leadd assignments' figures: each rep's share of the strategy's picks against the promised share")
    func report() throws {
        let fixture = try AssignmentFixture(
            teamConfig(
                strategy: "weighted_round_robin",
                members: "{ana: 2, ben: 1, cho: 1}",
                reps: ["ana", "ben", "cho"]
            )
        )
        _ = try fixture.assign(try leads(400), at: monday + 10 * hour)
        let report = try AssignmentReport(
            store: try AssignmentStore(directory: fixture.state.path),
            plan: try fixture.program().assignment,
            since: monday
        )
        let team = try #require(report.teams.first)
        #expect(team.reps.map(\.rep) == ["ana", "ben", "cho"])
        #expect(team.reps.map(\.assigned) == [200, 100, 100])
        #expect(team.reps.map(\.share) == [0.5, 0.25, 0.25])
        #expect(team.reps.map(\.promised) == [0.5, 0.25, 0.25])
        let later = try AssignmentReport(
            store: try AssignmentStore(directory: fixture.state.path),
            plan: nil,
            since: monday + day
        )
        #expect(later.entries.isEmpty)
    }
}

@Suite("State file")
struct StateFileTests {
    @Test("many openers of a new state at once: none fails (WAL switch and tables are set up once)")
    func concurrentFirstOpen() async throws {
        for _ in 0..<10 {
            let directory = try TemporaryDirectory("state")
            let path = directory.path
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask { _ = try AssignmentStore(directory: path) }
                }
                try await group.waitForAll()
            }
            #expect(try AssignmentStore(directory: path).integrityCheck() == ["ok"])
        }
    }
}
