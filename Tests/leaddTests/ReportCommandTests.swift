import Foundation
import Glibc
import TestSupport
import Testing

/// A generated history through the real daemon: leads, then outcome updates with known results; every figure of
/// `leadd report` is checked against the same figure computed here from the daemon's outbox and the updates sent.
@Suite("leadd report", .serialized, .timeLimit(.minutes(3)))
struct ReportCommandTests {
    let leadd = ProcessRunner.leadd

    /// What the test sends for one qualified lead.
    struct Plan {
        var lead: String
        var updates: [(stage: String, offset: Double, amount: Double?, currency: String?)]
    }

    static func iso(_ seconds: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds))
    }

    static func number(_ value: Any?) -> Double? { (value as? Double) ?? (value as? Int).map(Double.init) }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    @Test("every figure matches an independent computation; bad updates are rejected with reasons; the page renders")
    func figures() throws {
        let rules = try SmallRules.directory(
            rules: SmallRules.files.merging(["assignment.yaml": SmallRules.assignment]) { $1 }
        )
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
        let wall = Date().timeIntervalSince1970
        let sources = ["web", "event", "crm"]
        var lines: [String] = []
        for index in 0..<90 {
            let employees = index % 4 == 0 ? 2000 : (index % 4 == 1 ? 500 : 10)
            let title = index % 2 == 0 ? "VP Sales" : "Analyst"
            let country = index % 5 == 0 ? "DE" : "US"
            let email = index % 11 == 0 ? "p\(index)@gmail.com" : "p\(index)@co\(index).com"
            let events =
                index % 3 == 0 ? "[{\"type\":\"demo_request\",\"at\":\"\(Self.iso(wall - 2 * 86400))\"}]" : "[]"
            lines.append(
                """
                {"id":"R-\(index)","source":"\(sources[index % 3])","contact":{"email":"\(email)","title":"\(title)"},"company":{"employees":\(employees),"country":"\(country)"},"events":\(events)}
                """
            )
        }
        try spool.write("inbox/leads.ndjson", lines.joined(separator: "\n") + "\n")
        func runOnce() throws {
            let result = try ProcessRunner.run(
                leadd,
                ["run", "--once", "--spool", spool.path, "--state", state.path, "--rules", rules.path]
            )
            #expect(result.exitStatus == 0, "\(result.standardError)")
        }
        try runOnce()

        // The daemon's decisions, as a consumer of the outbox reads them.
        struct Decided {
            var lead: String
            var at: Double
            var source: String
            var stage: String
            var route: String
            var score: Double
            var rules: [String]
            var owner: String?
            var due: Double?
            var grade: String?
            var team: String?
        }
        let formatter = ISO8601DateFormatter()
        var decided: [Decided] = []
        for decision in try SpoolReading.decisions(spool.path) {
            let assignment = decision["assignment"] as? [String: Any]
            let fired = (decision["rules"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            let disqualifiers = (decision["disqualified"] as? [[String: Any]] ?? []).compactMap {
                $0["rule"] as? String
            }
            let lead = try #require(decision["lead"] as? String)
            let index = try #require(Int(lead.dropFirst(2)))
            decided.append(
                Decided(
                    lead: lead,
                    at: try #require(formatter.date(from: decision["now"] as? String ?? "")).timeIntervalSince1970,
                    source: sources[index % 3],
                    stage: try #require(decision["stage"] as? String),
                    route: try #require(decision["route"] as? String),
                    score: try #require(Self.number((decision["score"] as? [String: Any])?["total"])),
                    rules: disqualifiers + fired,
                    owner: assignment?["owner"] as? String,
                    due: (assignment?["first_contact_due"] as? String).flatMap {
                        formatter.date(from: $0)?.timeIntervalSince1970
                    },
                    grade: decision["grade"] as? String,
                    team: assignment.map {
                        ($0["team"] as? String) ?? (($0["queue"] as? String).map { "queue " + $0 } ?? "(none)")
                    }
                )
            )
        }
        decided.sort { (Int($0.lead.dropFirst(2)) ?? 0) < (Int($1.lead.dropFirst(2)) ?? 0) }
        #expect(decided.count == 90)
        let qualified = decided.filter { $0.route == "sales" }
        #expect(qualified.count >= 20)
        #expect(Set(decided.map(\.stage)).isSuperset(of: ["sql", "mql", "nurture", "disqualified"]))

        // Outcomes for the qualified leads, by position: won (first contact after an hour), lost after five days
        // (first contact then: late), negotiation after three days (open, late), nothing (open, no contact).
        var plans: [Plan] = []
        for (position, lead) in qualified.enumerated() {
            switch position % 4 {
            case 0:
                let currency = position == 4 ? "USD" : "EUR"
                plans.append(
                    Plan(
                        lead: lead.lead,
                        updates: [
                            ("negotiation", 3600, nil, nil),
                            ("won", Double(position + 2) * 86400, Double(1000 * (position + 1)), currency),
                        ]
                    )
                )
            case 1: plans.append(Plan(lead: lead.lead, updates: [("lost", 5 * 86400, nil, nil)]))
            case 2: plans.append(Plan(lead: lead.lead, updates: [("negotiation", 3 * 86400, nil, nil)]))
            default: plans.append(Plan(lead: lead.lead, updates: []))
            }
        }
        var updateLines: [String] = []
        for plan in plans {
            let opened = try #require(decided.first { $0.lead == plan.lead }).at
            for update in plan.updates {
                var fields =
                    "\"kind\":\"outcome\",\"lead\":\"\(plan.lead)\",\"stage\":\"\(update.stage)\",\"at\":\"\(Self.iso(opened + update.offset))\""
                if let amount = update.amount {
                    fields += ",\"amount\":\(Int(amount)),\"currency\":\"\(update.currency ?? "")\""
                }
                if update.stage == "lost" { fields += ",\"reason\":\"no budget\"" }
                updateLines.append("{" + fields + "}")
            }
        }
        // Bad updates: each rejected with its reason, none applied.
        let nurtured = try #require(decided.first { $0.route == "nurture" }).lead
        let wonLead = try #require(plans.first).lead
        let negotiating = try #require(
            plans.first { $0.updates.first?.stage == "negotiation" && $0.updates.count == 1 }
        ).lead
        let negotiatingAt = try #require(decided.first { $0.lead == negotiating }).at
        let bad = [
            "{\"kind\":\"outcome\",\"lead\":\"R-999\",\"stage\":\"won\",\"amount\":5,\"currency\":\"EUR\"}",
            "{\"kind\":\"outcome\",\"lead\":\"\(wonLead)\",\"stage\":\"lost\",\"reason\":\"second thoughts\",\"at\":\"\(Self.iso(wall + 90 * 86400))\"}",
            "{\"kind\":\"outcome\",\"lead\":\"\(negotiating)\",\"stage\":\"discovery\",\"at\":\"\(Self.iso(negotiatingAt + 4 * 86400))\"}",
            "{\"kind\":\"outcome\",\"lead\":\"\(nurtured)\",\"stage\":\"negotiation\"}",
            "{\"kind\":\"outcome\",\"lead\":\"\(wonLead)\",\"stage\":\"won\"}",
            "{\"kind\":\"outcome\",\"lead\":\"\(wonLead)\",\"stage\":\"negotation\"}",
        ]
        try spool.write("inbox/updates.ndjson", (updateLines + bad).joined(separator: "\n") + "\n")
        try runOnce()
        let rejected = try String(
            contentsOfFile: spool.path + "/rejected/" + #require(
                SpoolReading.names(spool.path, "rejected").first { $0.hasSuffix("updates.rejected.ndjson") }
            ),
            encoding: .utf8
        )
        var reasons: [Int: String] = [:]
        for line in rejected.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            reasons[try #require(object["line"] as? Int)] = object["reason"] as? String
        }
        let first = updateLines.count + 1
        #expect(reasons.count == 6)
        #expect(reasons[first] == "unknown lead R-999: no decision has this id")
        #expect(reasons[first + 1]?.hasPrefix("opportunity \(wonLead) is already closed: won at ") == true)
        #expect(reasons[first + 2]?.hasPrefix("backwards move for \(negotiating): it is in negotiation since ") == true)
        #expect(reasons[first + 3]?.hasPrefix("lead \(nurtured) is not an opportunity: it was decided nurture") == true)
        #expect(reasons[first + 4] == "outcome update for \(wonLead): 'won' needs an amount and a currency")
        #expect(reasons[first + 5]?.hasPrefix("outcome update for \(wonLead): unknown stage 'negotation'") == true)
        let applied = try SpoolReading.decisions(spool.path).filter { $0["previous_stage"] != nil }
        #expect(applied.count == updateLines.count)

        // The figures, computed here.
        var closes: [String: (stage: String, at: Double, amount: Double?, currency: String?)] = [:]
        var firstContact: [String: Double] = [:]
        for plan in plans {
            let opened = try #require(decided.first { $0.lead == plan.lead }).at
            if let first = plan.updates.first { firstContact[plan.lead] = opened + first.offset }
            for update in plan.updates where update.stage == "won" || update.stage == "lost" {
                closes[plan.lead] = (update.stage, opened + update.offset, update.amount, update.currency)
            }
        }
        let reportNow = wall + 2 * 3600
        let result = try ProcessRunner.run(
            leadd,
            ["report", "--state", state.path, "--format", "json", "--by", "source", "--now", Self.iso(reportNow)]
        )
        #expect(result.exitStatus == 0, "\(result.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        func double(_ value: Any?) -> Double? { Self.number(value) }
        func near(_ a: Double?, _ b: Double?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return abs(a - b) < 1e-4
        }

        let funnel = try #require(report["funnel"] as? [String: Any])
        let won = closes.values.filter { $0.stage == "won" }
        let lost = closes.values.filter { $0.stage == "lost" }
        #expect(funnel["leads"] as? Int == 90)
        #expect(funnel["disqualified"] as? Int == decided.filter { $0.stage == "disqualified" }.count)
        #expect(funnel["nurture"] as? Int == decided.filter { $0.stage != "disqualified" && $0.route != "sales" }.count)
        #expect(funnel["qualified"] as? Int == qualified.count)
        #expect(funnel["opportunities"] as? Int == qualified.filter { $0.owner != nil }.count)
        #expect(funnel["won"] as? Int == won.count)
        #expect(funnel["lost"] as? Int == lost.count)

        // Overall: win rate, ratio, deals per currency, days to close.
        func expectFigures(_ object: [String: Any]?, _ members: [Decided]) {
            let ids = Set(members.map(\.lead))
            let memberCloses = closes.filter { ids.contains($0.key) }
            let wins = memberCloses.values.filter { $0.stage == "won" }
            let losses = memberCloses.values.filter { $0.stage == "lost" }
            #expect(object?["leads"] as? Int == members.count)
            #expect(object?["qualified"] as? Int == members.filter { $0.route == "sales" }.count)
            #expect(object?["won"] as? Int == wins.count)
            #expect(object?["lost"] as? Int == losses.count)
            let closed = wins.count + losses.count
            #expect(near(double(object?["win_rate"]), closed == 0 ? nil : Double(wins.count) / Double(closed)))
            #expect(
                near(
                    double(object?["win_loss_ratio"]),
                    losses.isEmpty ? nil : Double(wins.count) / Double(losses.count)
                )
            )
            let eur = wins.filter { $0.currency == "EUR" }.compactMap(\.amount)
            let deals = object?["deals"] as? [[String: Any]] ?? []
            let eurDeals = deals.first { $0["currency"] as? String == "EUR" }
            if eur.isEmpty {
                #expect(eurDeals == nil)
            } else {
                #expect(eurDeals?["count"] as? Int == eur.count)
                #expect(near(double(eurDeals?["average"]), eur.reduce(0, +) / Double(eur.count)))
                #expect(near(double(eurDeals?["median"]), Self.median(eur)))
            }
            let days = memberCloses.map { lead, close in
                (close.at - (members.first { $0.lead == lead }?.at ?? 0)) / 86400
            }
            #expect(
                near(double(object?["mean_days_to_close"]), days.isEmpty ? nil : days.reduce(0, +) / Double(days.count))
            )
            #expect(near(double(object?["median_days_to_close"]), days.isEmpty ? nil : Self.median(days)))
        }
        expectFigures(report["total"] as? [String: Any], decided)
        let usd = try #require((report["total"] as? [String: Any])?["deals"] as? [[String: Any]]).first {
            $0["currency"] as? String == "USD"
        }
        #expect(usd?["count"] as? Int == 1)
        #expect(near(double(usd?["average"]), 5000))

        // By source.
        let groups = try #require(report["groups"] as? [[String: Any]])
        #expect(groups.compactMap { $0["name"] as? String } == ["crm", "event", "web"])
        for group in groups {
            let name = group["name"] as? String
            expectFigures(group, decided.filter { $0.source == name })
        }

        // By every other dimension: each group's figures over the leads that belong to it.
        let memberships: [(String, (Decided) -> [String])] = [
            ("grade", { [$0.grade ?? "(none)"] }),
            ("stage", { [$0.stage] }),
            ("team", { [$0.team ?? "(none)"] }),
            ("owner", { [$0.owner ?? "(none)"] }),
            ("rule", { $0.rules.isEmpty ? ["(none)"] : $0.rules }),
            (
                "score-band",
                { ["\(Int(($0.score / 10).rounded(.down) * 10))-<\(Int(($0.score / 10).rounded(.down) * 10 + 10))"] }
            ),
        ]
        for (dimension, names) in memberships {
            let byResult = try ProcessRunner.run(
                leadd,
                ["report", "--state", state.path, "--format", "json", "--by", dimension, "--now", Self.iso(reportNow)]
            )
            let byReport = try #require(
                try JSONSerialization.jsonObject(with: Data(byResult.standardOutput.utf8)) as? [String: Any]
            )
            let byGroups = try #require(byReport["groups"] as? [[String: Any]])
            let expectedNames = Set(decided.flatMap(names))
            #expect(Set(byGroups.compactMap { $0["name"] as? String }) == expectedNames, "\(dimension)")
            #expect(byGroups.count == expectedNames.count, "\(dimension)")
            for group in byGroups {
                let name = try #require(group["name"] as? String)
                expectFigures(group, decided.filter { names($0).contains(name) })
            }
        }

        // Rule effectiveness.
        let ruleRows = try #require(report["rules"] as? [[String: Any]])
        let allRules = Set(decided.flatMap(\.rules))
        #expect(Set(ruleRows.compactMap { $0["rule"] as? String }) == allRules)
        for row in ruleRows {
            let rule = try #require(row["rule"] as? String)
            let with = decided.filter { $0.rules.contains(rule) }
            let without = decided.filter { !$0.rules.contains(rule) }
            func closedAndWon(_ leads: [Decided]) -> (Int, Int) {
                let ids = Set(leads.map(\.lead))
                let set = closes.filter { ids.contains($0.key) }
                return (set.count, set.values.filter { $0.stage == "won" }.count)
            }
            let (closedWith, wonWith) = closedAndWon(with)
            let (closedWithout, wonWithout) = closedAndWon(without)
            #expect(row["fired"] as? Int == with.count, "\(rule)")
            #expect(row["closed_fired"] as? Int == closedWith, "\(rule)")
            #expect(row["won_fired"] as? Int == wonWith, "\(rule)")
            #expect(row["closed_not_fired"] as? Int == closedWithout, "\(rule)")
            #expect(row["won_not_fired"] as? Int == wonWithout, "\(rule)")
            let rateWith = closedWith == 0 ? nil : Double(wonWith) / Double(closedWith)
            let rateWithout = closedWithout == 0 ? nil : Double(wonWithout) / Double(closedWithout)
            #expect(near(double(row["win_rate_fired"]), rateWith), "\(rule)")
            #expect(near(double(row["win_rate_not_fired"]), rateWithout), "\(rule)")
            var lift: Double?
            if let rateWith, let rateWithout, rateWithout > 0 { lift = rateWith / rateWithout }
            #expect(near(double(row["lift"]), lift), "\(rule)")
            #expect(row["small_sample"] as? Bool == (closedWith < 30 || closedWithout < 30))
        }

        // Score calibration: bands of 10 points.
        let bands = try #require(report["score_bands"] as? [[String: Any]])
        var expectedBands: [Double: (leads: Int, closed: Int, won: Int)] = [:]
        for lead in decided {
            let lower = (lead.score / 10).rounded(.down) * 10
            var entry = expectedBands[lower] ?? (0, 0, 0)
            entry.leads += 1
            if let close = closes[lead.lead] {
                entry.closed += 1
                if close.stage == "won" { entry.won += 1 }
            }
            expectedBands[lower] = entry
        }
        #expect(bands.compactMap { double($0["from"]) } == expectedBands.keys.sorted())
        for band in bands {
            let entry = try #require(expectedBands[double(band["from"]) ?? -1])
            #expect(band["leads"] as? Int == entry.leads)
            #expect(band["closed"] as? Int == entry.closed)
            #expect(band["won"] as? Int == entry.won)
        }

        // Owners and SLA, judged two hours after the decisions: leads without contact are still within 4 hours.
        let owners = try #require(report["owners"] as? [[String: Any]])
        #expect(owners.compactMap { $0["owner"] as? String } == ["r1", "r2"])
        var pendingTotal = 0
        for row in owners {
            let owner = row["owner"] as? String
            let mine = qualified.filter { $0.owner == owner }
            #expect(row["assigned"] as? Int == mine.count)
            #expect(row["won"] as? Int == mine.filter { closes[$0.lead]?.stage == "won" }.count)
            #expect(row["lost"] as? Int == mine.filter { closes[$0.lead]?.stage == "lost" }.count)
            var met = 0
            var missed = 0
            var pending = 0
            for lead in mine {
                let due = lead.due ?? 0
                if let contact = firstContact[lead.lead] {
                    if contact <= due { met += 1 } else { missed += 1 }
                } else if due < reportNow {
                    missed += 1
                } else {
                    pending += 1
                }
            }
            #expect(row["sla_met"] as? Int == met)
            #expect(row["sla_missed"] as? Int == missed)
            #expect(row["sla_pending"] as? Int == pending)
            pendingTotal += pending
        }
        #expect(pendingTotal > 0)

        // --since after every decision: nothing.
        let later = try ProcessRunner.run(
            leadd,
            ["report", "--state", state.path, "--format", "json", "--since", Self.iso(wall + 86400)]
        )
        let empty = try #require(
            try JSONSerialization.jsonObject(with: Data(later.standardOutput.utf8)) as? [String: Any]
        )
        #expect((empty["funnel"] as? [String: Any])?["leads"] as? Int == 0)

        // The HTML page renders in headless Chromium with no error, and the screenshot shows each chart (found by
        // its colour).
        let page = try TemporaryDirectory("report-html")
        let html = try ProcessRunner.run(
            leadd,
            [
                "report", "--state", state.path, "--format", "html", "--output", page.path + "/report.html", "--now",
                Self.iso(reportNow),
            ]
        )
        #expect(html.exitStatus == 0, "\(html.standardError)")
        let chromium = try ProcessRunner.run(
            "/usr/bin/chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,2200",
                "--user-data-dir=\(page.path)/profile", "--enable-logging=stderr", "--v=0",
                "--screenshot=\(page.path)/report.png", "file://\(page.path)/report.html",
            ]
        )
        #expect(chromium.exitStatus == 0, "\(chromium.standardError)")
        for problem in ["Uncaught", "net::ERR", "Failed to load resource", "CONSOLE"] {
            #expect(!chromium.standardError.contains(problem), "\(chromium.standardError)")
        }
        let colours = try ProcessRunner.run(
            "/usr/bin/python3",
            [
                ProcessRunner.packageRoot + "/Tests/tools/png-colors.py", page.path + "/report.png", "#3366cc",
                "#8e44ad", "#2e9e5b", "#d64545",
            ]
        )
        #expect(colours.exitStatus == 0, "\(colours.standardError)")
        var pixels: [String: Int] = [:]
        for line in colours.standardOutput.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { pixels[String(parts[0])] = Int(parts[1]) }
        }
        #expect((pixels["#3366cc"] ?? 0) > 5000, "funnel: \(pixels)")
        #expect((pixels["#8e44ad"] ?? 0) > 2000, "win rate by score band: \(pixels)")
        #expect((pixels["#2e9e5b"] ?? 0) + (pixels["#d64545"] ?? 0) > 1000, "rule lift: \(pixels)")

        // The text report says the same for people.
        let text = try ProcessRunner.run(leadd, ["report", "--state", state.path, "--now", Self.iso(reportNow)])
        #expect(text.exitStatus == 0)
        #expect(text.standardOutput.contains("\n  leads             90\n"))
        #expect(text.standardOutput.contains("\n  won               \(won.count)"))
    }

    @Test("a state folder without the daemon's state: a clear error, exit status 1, nothing created")
    func missingState() throws {
        let state = try TemporaryDirectory("state")
        let result = try ProcessRunner.run(leadd, ["report", "--state", state.path])
        #expect(result.exitStatus == 1)
        #expect(
            result.standardError.contains("no state in \(state.path) (\(state.path)/assignments.sqlite is missing)")
        )
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.path).isEmpty)
    }
}
