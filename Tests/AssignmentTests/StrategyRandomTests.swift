import Foundation
import Rules
import TestSupport
import Testing
import YAML

@testable import Assignment
@testable import Leads

/// Round robin and weighted round robin against their definitions in docs/assignment.md, lead by lead, with reps
/// that go away, come back, reach their caps or are inactive: each pick must be one the definition allows (the
/// least recently picked of those who can take a lead; the most credit, each pick adding every available member's
/// weight and the chosen giving back the total), and a lead no member can take goes to the overflow.
@Suite("Strategies, random availability: every pick is one the docs allow")
struct StrategyRandomTests {
    struct Rep {
        var id: String
        var dayCap: Int?
        var weekCap: Int?
        var away: Set<Int>
        var active: Bool
        var weight: Int
    }

    @Test("round robin and weighted round robin pick as defined")
    func picksAsDefined() throws {
        var random = TestRandom(seed: 20_261_204)
        var checked = 0
        for round in 0..<TestRandom.rounds(12) {
            let weighted = round % 2 == 1
            var reps: [Rep] = []
            let firstDay = Int(monday / day)
            for index in 0..<random.int(2...5) {
                var away: Set<Int> = []
                if random.int(0...2) == 0 {
                    let start = firstDay + random.int(0...10)
                    for offset in 0...random.int(0...3) { away.insert(start + offset) }
                }
                reps.append(
                    Rep(
                        id: "r\(index)",
                        dayCap: random.int(0...2) == 0 ? random.int(2...9) : nil,
                        weekCap: random.int(0...3) == 0 ? random.int(10...30) : nil,
                        away: away,
                        active: random.int(0...9) > 0,
                        weight: weighted ? random.int(1...4) : 1
                    )
                )
            }
            let repLines = reps.map { rep -> String in
                var fields = ["id: \(rep.id)"]
                var caps: [String] = []
                if let cap = rep.dayCap { caps.append("day: \(cap)") }
                if let cap = rep.weekCap { caps.append("week: \(cap)") }
                if !caps.isEmpty { fields.append("caps: {\(caps.joined(separator: ", "))}") }
                if !rep.away.isEmpty {
                    fields.append("away: [\(rep.away.sorted().map { RepClock.date($0) }.joined(separator: ", "))]")
                }
                if !rep.active { fields.append("active: false") }
                return "  - {\(fields.joined(separator: ", "))}"
            }
            let members =
                weighted
                ? "{" + reps.map { "\($0.id): \($0.weight)" }.joined(separator: ", ") + "}"
                : "[" + reps.map(\.id).joined(separator: ", ") + "]"
            let config = """
                version: 1
                assign: {time_zone: UTC, hours: always}
                reps:
                \(repLines.joined(separator: "\n"))
                teams:
                  - {id: team\(round), strategy: \(weighted ? "weighted_round_robin" : "round_robin"), members: \(members), overflow: {queue: spill}}
                fallback: {queue: inbox}
                """
            let fixture = try AssignmentFixture(config)
            let assigner = try fixture.assigner()
            let program = try fixture.program()

            // The definition's state: when each member was last picked, and each member's credit.
            var lastPick: [String: Int] = [:]
            var credit: [String: Int] = [:]
            var dayCounts: [String: Int] = [:]
            var weekCounts: [String: Int] = [:]
            var time = monday
            var pending: [(lead: LeadRecord, time: Double)] = []
            var index = 0
            for _ in 0..<400 {
                time += Double(random.pick([60, 600, 3600, 4 * 3600, 11 * 3600]))
                pending.append((try testLead("R\(round)-\(index)"), time))
                index += 1
                // Batches of one to eight leads.
                guard random.int(0...7) == 0 || pending.count == 8 else { continue }
                let items = pending.map {
                    Assigner.Item(decision: program.evaluate($0.lead, now: $0.time), lead: $0.lead)
                }
                let results = try assigner.assign(items)
                for (position, result) in results.enumerated() {
                    let opportunity = try #require(result)
                    let now = pending[position].time
                    let today = Int((now / day).rounded(.down))
                    let week = Int((Double(today + 3) / 7).rounded(.down))
                    let pool = reps.filter { rep in
                        rep.active && !rep.away.contains(today)
                            && rep.dayCap.map { dayCounts["\(rep.id) \(today)", default: 0] < $0 } ?? true
                            && rep.weekCap.map { weekCounts["\(rep.id) \(week)", default: 0] < $0 } ?? true
                    }
                    let shown = "round \(round), lead \(opportunity.lead) at \(Timestamp.iso8601(now))"
                    guard let owner = opportunity.owner else {
                        #expect(pool.isEmpty, "\(shown): queued while \(pool.map(\.id)) could take it")
                        #expect(opportunity.queue == "spill", "\(shown)")
                        continue
                    }
                    #expect(pool.contains { $0.id == owner }, "\(shown): \(owner) cannot take a lead")
                    let allowed: [String]
                    if weighted {
                        for rep in pool { credit[rep.id, default: 0] += rep.weight }
                        let most = pool.map { credit[$0.id, default: 0] }.max() ?? 0
                        let richest = pool.filter { credit[$0.id, default: 0] == most }
                        let oldest = richest.map { lastPick[$0.id] ?? -1 }.min() ?? -1
                        allowed = richest.filter { (lastPick[$0.id] ?? -1) == oldest }.map(\.id)
                        credit[owner, default: 0] -= pool.reduce(0) { $0 + $1.weight }
                    } else {
                        let oldest = pool.map { lastPick[$0.id] ?? -1 }.min() ?? -1
                        allowed = pool.filter { (lastPick[$0.id] ?? -1) == oldest }.map(\.id)
                    }
                    #expect(allowed.contains(owner), "\(shown): \(owner), where the definition allows \(allowed)")
                    lastPick[owner] = checked
                    dayCounts["\(owner) \(today)", default: 0] += 1
                    weekCounts["\(owner) \(week)", default: 0] += 1
                    checked += 1
                }
                pending.removeAll()
            }
        }
        #expect(checked > 1500, "\(checked) picks checked")
    }
}
