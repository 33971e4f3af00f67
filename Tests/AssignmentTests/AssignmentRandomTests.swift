import Foundation
import Rules
import TestSupport
import Testing
import YAML

@testable import Assignment
@testable import Leads

/// Random assignment configurations and lead streams, assigned twice: once as the daemon assigns (one state that
/// remembers its keys and its last batch's counts, batches of random sizes), once lead by lead with a new
/// connection each time (every count, rotation and sticky owner read from the file). Both must give every lead the
/// same record; and the records must keep the rules the docs state (caps, inactive and away reps, replays).
@Suite("Assignment, random configurations: batched and remembered against lead by lead")
struct AssignmentRandomTests {
    static let zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Kiritimati"]

    struct Rep {
        var id: String
        var zone: String
        var hoursAlways: Bool
        var dayCap: Int?
        var weekCap: Int?
        var awayDay: Int?
        var active: Bool
    }

    static func configuration(_ random: inout TestRandom) -> (yaml: String, accounts: String?, reps: [Rep]) {
        var reps: [Rep] = []
        for index in 0..<random.int(3...6) {
            reps.append(
                Rep(
                    id: "r\(index)",
                    zone: random.pick(zones),
                    hoursAlways: random.int(0...2) > 0,
                    dayCap: random.int(0...2) == 0 ? nil : random.int(1...6),
                    weekCap: random.int(0...2) == 0 ? random.int(3...15) : nil,
                    awayDay: random.int(0...4) == 0 ? random.int(0...13) : nil,
                    active: random.int(0...7) > 0
                )
            )
        }
        var yaml = """
            version: 1
            assign:
              time_zone: UTC
              hours: {mon-fri: "09:00-17:00"}
              ignore_domains: free_mail

            """
        let sticky = random.int(0...2)
        if sticky > 0 {
            yaml +=
                "sticky: {window: \(random.pick(["1d", "3d", "10d"])), by: \(sticky == 1 ? "[email]" : "[email, domain]")}\n"
        }
        var accounts: String?
        if random.int(0...1) == 0 {
            yaml += "accounts: {file: accounts.csv}\n"
            var lines = ["domain,account,owner"]
            for index in 0..<random.int(1...4) {
                let domain = "d\(random.int(0...7)).example"
                lines.append("\(domain),Account \(index),\(random.pick(reps).id)")
            }
            accounts = lines.joined(separator: "\n") + "\n"
        }
        yaml += "reps:\n"
        for rep in reps {
            var fields = ["id: \(rep.id)", "time_zone: \(rep.zone)"]
            if rep.hoursAlways { fields.append("hours: always") }
            var caps: [String] = []
            if let cap = rep.dayCap { caps.append("day: \(cap)") }
            if let cap = rep.weekCap { caps.append("week: \(cap)") }
            if !caps.isEmpty { fields.append("caps: {\(caps.joined(separator: ", "))}") }
            if let away = rep.awayDay { fields.append("away: [\(RepClock.date(Int(monday / day) + away))]") }
            if !rep.active { fields.append("active: false") }
            yaml += "  - {\(fields.joined(separator: ", "))}\n"
        }
        yaml += "teams:\n"
        let teamCount = random.int(1...2)
        for team in 0..<teamCount {
            let strategy = random.pick(["round_robin", "weighted_round_robin", "least_loaded"])
            var members = reps.filter { _ in random.int(0...3) > 0 }.map(\.id)
            if members.isEmpty { members = [reps[0].id] }
            let list =
                strategy == "weighted_round_robin"
                ? "{" + members.map { "\($0): \(random.int(1...3))" }.joined(separator: ", ") + "}"
                : "[" + members.joined(separator: ", ") + "]"
            yaml += "  - id: t\(team)\n"
            if team == 0 && teamCount > 1 { yaml += "    when: company.country == \"US\"\n" }
            if team == 0 && teamCount == 1 && random.int(0...1) == 0 { yaml += "    when: company.employees >= 100\n" }
            yaml += "    strategy: \(strategy)\n    members: \(list)\n    sla: \(random.pick(["4h", "90m", "8h"]))\n"
            if strategy == "least_loaded" { yaml += "    window: \(random.pick(["1d", "7d"]))\n" }
            if team == 0 && teamCount > 1 && random.int(0...1) == 0 {
                yaml += "    overflow: {team: t1}\n"
            } else if random.int(0...2) == 0 {
                yaml += "    overflow: {queue: spill}\n"
            }
        }
        yaml += "fallback: {queue: inbox, sla: 8h}\n"
        return (yaml, accounts, reps)
    }

    /// Leads at increasing times over two weeks; some ids come again (a replay), many share an address or domain.
    static func stream(_ random: inout TestRandom, count: Int) throws -> [(LeadRecord, Double)] {
        var items: [(LeadRecord, Double)] = []
        var time = monday + Double(random.int(0...20)) * hour
        for index in 0..<count {
            time += Double(random.pick([0, 60, 600, 3600, 3 * 3600, 9 * 3600])) + Double(random.int(0...59))
            if index > 3 && random.int(0...9) == 0 {
                let again = items[random.int(0...(items.count - 1))].0
                items.append((again, time))
                continue
            }
            let domain = random.int(0...4) == 0 ? "gmail.com" : "d\(random.int(0...9)).example"
            let email = "p\(random.int(0...14))@\(domain)"
            let employees = random.pick([20, 150, 800])
            let country = random.pick(["US", "DE"])
            let lead = try record(
                """
                {"id": "L-\(index)", "contact": {"email": "\(email)"}, \
                "company": {"employees": \(employees), "country": "\(country)"}}
                """
            )
            items.append((lead, time))
        }
        return items
    }

    @Test("each lead gets the same record batched and remembered as lead by lead from the file")
    func batchedAgreesWithLeadByLead() throws {
        var random = TestRandom(seed: 20_261_203)
        var disagreements = 0
        var assigned = 0
        for round in 0..<TestRandom.rounds(8) {
            let (yaml, accounts, reps) = Self.configuration(&random)
            let fixture = try AssignmentFixture(yaml, accounts: accounts)
            let program = try #require(fixture.result.program, "\(fixture.rendered)\n\(yaml)")
            let plan = try #require(program.assignment)
            let stream = try Self.stream(&random, count: 160)
            let items = stream.map { Assigner.Item(decision: program.evaluate($0.0, now: $0.1), lead: $0.0) }

            // As the daemon: one state that remembers, batches of 1 to 25.
            let batched = try TemporaryDirectory("batched")
            let store = try AssignmentStore(directory: batched.path, remembersKeys: true)
            let daemon = Assigner(plan: plan, store: store)
            var first: [Opportunity?] = []
            while first.count < items.count {
                let size = min(random.int(1...25), items.count - first.count)
                first += try daemon.assign(Array(items[first.count..<(first.count + size)]))
            }
            // Lead by lead, a new connection each time.
            var second: [Opportunity?] = []
            for item in items {
                let assigner = Assigner(plan: plan, store: try AssignmentStore(directory: fixture.state.path))
                second += try assigner.assign([item])
            }
            for index in items.indices where first[index] != second[index] {
                disagreements += 1
                if disagreements <= 5 {
                    Issue.record(
                        """
                        round \(round), lead \(index) at \(Timestamp.iso8601(stream[index].1)):
                        batched: \(first[index].map(String.init(describing:)) ?? "nil")
                        one by one: \(second[index].map(String.init(describing:)) ?? "nil")
                        \(yaml)
                        """
                    )
                }
            }
            assigned += second.compactMap { $0?.owner }.count
            try Self.checkRules(second, stream: stream, reps: reps, round: round)
        }
        #expect(disagreements == 0)
        #expect(assigned > 200, "the configurations assign leads to reps")
    }

    @Test("an owner simulation in memory gives each lead the owner, team and queue the assigner gives it")
    func simulationAgreesWithAssigner() throws {
        var random = TestRandom(seed: 20_261_205)
        var disagreements = 0
        var (owners, queued, again) = (0, 0, 0)
        for round in 0..<TestRandom.rounds(8) {
            let (yaml, accounts, _) = Self.configuration(&random)
            let fixture = try AssignmentFixture(yaml, accounts: accounts)
            let program = try #require(fixture.result.program, "\(fixture.rendered)\n\(yaml)")
            let plan = try #require(program.assignment)
            let stream = try Self.stream(&random, count: 240)
            let items = stream.map { Assigner.Item(decision: program.evaluate($0.0, now: $0.1), lead: $0.0) }
            // The assigner on a state file, in batches of 1 to 25; the simulation in batches of 1 to 60 of its own.
            let assigner = try fixture.assigner()
            var assigned: [Opportunity?] = []
            while assigned.count < items.count {
                let size = min(random.int(1...25), items.count - assigned.count)
                assigned += try assigner.assign(Array(items[assigned.count..<(assigned.count + size)]))
            }
            var simulation = OwnerSimulation(plan: plan)
            var simulated: [OwnerSimulation.Owner?] = []
            while simulated.count < items.count {
                let size = min(random.int(1...60), items.count - simulated.count)
                simulated += try simulation.assign(Array(items[simulated.count..<(simulated.count + size)]))
            }
            for index in items.indices {
                let expected = assigned[index].map {
                    OwnerSimulation.Owner(owner: $0.owner, team: $0.team, queue: $0.queue)
                }
                if expected?.owner != nil { owners += 1 } else if expected != nil { queued += 1 }
                if assigned[index]?.replayed == true { again += 1 }
                guard simulated[index] != expected else { continue }
                disagreements += 1
                if disagreements <= 5 {
                    Issue.record(
                        """
                        round \(round), lead \(index) at \(Timestamp.iso8601(stream[index].1)):
                        assigner: \(expected.map(String.init(describing:)) ?? "nil")
                        simulation: \(simulated[index].map(String.init(describing:)) ?? "nil")
                        \(yaml)
                        """
                    )
                }
            }
        }
        #expect(disagreements == 0)
        // Reps, queues and leads seen again all came up.
        #expect(owners > 300 && queued > 50 && again > 50, "\(owners) owned, \(queued) queued, \(again) again")
    }

    /// What the docs promise whatever the configuration: no inactive rep, nobody on a day away, no day or week over
    /// its cap, and a lead seen again gets its record back without counting.
    static func checkRules(
        _ opportunities: [Opportunity?],
        stream: [(LeadRecord, Double)],
        reps: [Rep],
        round: Int
    ) throws {
        var firstRecord: [String: Opportunity] = [:]
        var dayCounts: [String: Int] = [:]
        var weekCounts: [String: Int] = [:]
        for (index, opportunity) in opportunities.enumerated() {
            guard let opportunity else { continue }
            if let earlier = firstRecord[opportunity.lead] {
                #expect(opportunity.replayed, "round \(round), lead \(index) seen again")
                #expect(opportunity.owner == earlier.owner && opportunity.queue == earlier.queue)
                continue
            }
            #expect(!opportunity.replayed, "round \(round), lead \(index)")
            firstRecord[opportunity.lead] = opportunity
            guard let owner = opportunity.owner, let rep = reps.first(where: { $0.id == owner }) else { continue }
            #expect(rep.active, "round \(round), lead \(index): \(owner) is inactive")
            let zone = try #require(TimeZone(identifier: rep.zone))
            let time = stream[index].1
            let local = time + Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: time)))
            let today = Int((local / day).rounded(.down))
            if let away = rep.awayDay {
                #expect(today != Int(monday / day) + away, "round \(round), lead \(index): \(owner) is away")
            }
            let week = Int((Double(today + 3) / 7).rounded(.down))
            dayCounts["\(owner) \(today)", default: 0] += 1
            weekCounts["\(owner) \(week)", default: 0] += 1
            if let cap = rep.dayCap {
                #expect(
                    dayCounts["\(owner) \(today)", default: 0] <= cap,
                    "round \(round), lead \(index): day cap, \(opportunity.method)"
                )
            }
            if let cap = rep.weekCap {
                #expect(
                    weekCounts["\(owner) \(week)", default: 0] <= cap,
                    "round \(round), lead \(index): week cap, \(opportunity.method)"
                )
            }
        }
    }
}
