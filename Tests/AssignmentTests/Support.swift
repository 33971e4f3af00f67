import Assignment
import Foundation
import Rules
import TestSupport
import Testing
import YAML

@testable import Leads

/// Monday 2026-11-30T00:00:00Z.
let monday = 1_795_996_800.0
let hour = 3600.0
let day = 86400.0

/// A rules directory with a minimal scoring file (every lead with `company.employees` is `sql`, routed to
/// `opportunities`) and the given assignment configuration; a state directory with a real SQLite file.
struct AssignmentFixture {
    let rules: TemporaryDirectory
    let state: TemporaryDirectory
    let result: RuleCompiler.Result

    static let scoring = """
        version: 1
        category: fit
        lists:
          free_mail: [gmail.com, yahoo.com]
        rules:
          - id: fit.company
            when: company.employees >= 0
            points: 10
        stages:
          - {stage: sql, when: score >= 10}
          - {stage: nurture, otherwise: true}
        routes: {sql: opportunities, nurture: nurture, disqualified: disqualified}
        """

    init(_ assignment: String, accounts: String? = nil) throws {
        rules = try TemporaryDirectory("rules")
        state = try TemporaryDirectory("state")
        try rules.write("scoring.yaml", Self.scoring)
        try rules.write("assignment.yaml", assignment)
        if let accounts { try rules.write("accounts.csv", accounts) }
        result = RuleCompiler.compile(directory: rules.path)
    }

    var rendered: String {
        result.diagnostics.rendered().split(separator: rules.path + "/", omittingEmptySubsequences: false).joined()
    }

    var errors: String {
        result.errors.rendered().split(separator: rules.path + "/", omittingEmptySubsequences: false).joined()
    }

    func program() throws -> Program {
        try #require(result.program, "\(rendered)")
    }

    /// An assigner over the fixture's state file (a new connection each time, as a new process would have).
    func assigner() throws -> Assigner {
        let plan = try #require(try program().assignment)
        return Assigner(plan: plan, store: try AssignmentStore(directory: state.path))
    }

    /// Decides and assigns the leads at `now`, in one batch.
    func assign(_ leads: [LeadRecord], at now: Double) throws -> [Opportunity] {
        let program = try program()
        let items = leads.map { Assigner.Item(decision: program.evaluate($0, now: now), lead: $0) }
        return try assigner().assign(items).map { try #require($0) }
    }

    /// One lead at a time, each in its own batch, at the given times.
    func assignEach(_ leads: [(LeadRecord, Double)]) throws -> [Opportunity] {
        let program = try program()
        let assigner = try assigner()
        return try leads.map { lead, now in
            try #require(
                try assigner.assign([Assigner.Item(decision: program.evaluate(lead, now: now), lead: lead)])[0]
            )
        }
    }
}

/// The opportunities of `leads`, decided at `now` and recorded through `ledger` in one batch, each lead its own
/// record of `claim`: as the daemon records a file's leads.
func recordedOpportunities(
    _ ledger: Ledger,
    _ program: Program,
    _ leads: [LeadRecord],
    at now: Double,
    claim: String
) throws -> [Opportunity] {
    let entries = leads.map { ledger.entry(Assigner.Item(decision: program.evaluate($0, now: now), lead: $0)) }
    return try ledger.record(entries, claim: claim).map { result in
        guard case .decided(let record?) = result, let opportunity = record.opportunity else {
            throw TestFailure("a lead without an opportunity")
        }
        return opportunity
    }
}

/// A lead record from JSON text.
func record(_ json: String, line: Int = 1) throws -> LeadRecord {
    try LeadFixture.record(json, line: line)
}

/// A qualified lead: a work e-mail at `domain` (unique per id unless given), a country and a company size.
func testLead(
    _ id: String,
    email: String? = nil,
    domain: String? = nil,
    country: String = "US",
    employees: Int = 500,
    line: Int = 1
) throws -> LeadRecord {
    let address = email ?? "\(id.lowercased())@\(domain ?? "\(id.lowercased()).example")"
    var company = "\"employees\": \(employees), \"country\": \"\(country)\""
    if let domain { company += ", \"domain\": \"\(domain)\"" }
    return try record(
        "{\"id\": \"\(id)\", \"contact\": {\"email\": \"\(address)\"}, \"company\": {\(company)}}",
        line: line
    )
}

func leads(_ count: Int, prefix: String = "L") throws -> [LeadRecord] {
    try (0..<count).map { try testLead("\(prefix)-\($0)") }
}

/// How many leads each owner got.
func tally(_ opportunities: [Opportunity]) -> [String: Int] {
    var counts: [String: Int] = [:]
    for opportunity in opportunities {
        counts[opportunity.owner ?? "queue:" + (opportunity.queue ?? "-"), default: 0] += 1
    }
    return counts
}

/// A team of reps in UTC who work around the clock, with the given strategy and members.
func teamConfig(
    strategy: String,
    members: String,
    reps: [String],
    extraReps: String = "",
    teamExtra: String = "",
    head: String = ""
) -> String {
    """
    version: 1
    assign:
      time_zone: UTC
      hours: always
    \(head)
    reps:
    \(reps.map { "  - {id: \($0)}" }.joined(separator: "\n"))
    \(extraReps)
    teams:
      - id: sales
        strategy: \(strategy)
        members: \(members)
    \(teamExtra)
    fallback: {queue: inbox}
    """
}
