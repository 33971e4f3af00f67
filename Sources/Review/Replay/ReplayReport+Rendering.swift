public import Leads
import Rules
import YAML

extension ReplayReport {
    static let percentiles: [Double] = [5, 25, 50, 75, 95]

    /// For people: counts, the transition matrices, the score shift, the rules behind the differences, owner
    /// changes, and a sample of changed leads.
    public func text() -> String {
        var out = "replayed \(leads) lead\(leads == 1 ? "" : "s") from \(files) file\(files == 1 ? "" : "s")"
        if skippedRecords > 0 { out += " (\(skippedRecords) unreadable records skipped)" }
        out += "\ncurrent rules \(currentVersion) -> candidate rules \(candidateVersion)\n"
        out +=
            "changed: \(changedLeads) lead\(changedLeads == 1 ? "" : "s"); stage \(stageChanges), route \(routeChanges)"
        out += ownersCompared ? ", owner \(ownerChanges)\n" : "\n"

        out += "\nstage transitions (rows: current, columns: candidate)\n"
        out += Self.matrix(stages, rows: currentStages, columns: candidateStages)
        out += "\nroute transitions (rows: current, columns: candidate)\n"
        out += Self.matrix(routes, rows: currentRoutes, columns: candidateRoutes)

        let values = shiftPercentiles(Self.percentiles)
        out += "\nscore shift (candidate - current): mean \(Self.signed(meanShift))"
        for (p, value) in zip(Self.percentiles, values) { out += ", p\(Int(p)) \(Self.signed(value))" }
        out += "; mean score \(Decision.format(meanCurrent)) -> \(Decision.format(meanCandidate))\n"

        let ranked = rankedDrivers
        out += "\nrules behind the differences"
        if ranked.isEmpty {
            out += ": none (every rule fired for the same leads, with the same points)\n"
        } else {
            out += "\n"
            var rows = [["rule", "gained", "lost", "points changed", "in changed stage/route"]]
            for driver in ranked {
                var name = driver.rule
                if !driver.inCurrent { name += " (new)" }
                if !driver.inCandidate { name += " (removed)" }
                rows.append([
                    name, "\(driver.gained)", "\(driver.lost)", "\(driver.repointed)", "\(driver.inChangedOutcomes)",
                ])
            }
            out += Self.table(rows)
        }

        if ownersCompared {
            out +=
                "\nowner changes: \(ownerChanges) lead\(ownerChanges == 1 ? "" : "s") (owners simulated from an empty "
                + "assignment state for each rule set)\n"
            var rows = Set(teams.keys.map(\.from)).sorted()
            var columns = Set(teams.keys.map(\.to)).sorted()
            if rows.isEmpty { rows = ["-"] }
            if columns.isEmpty { columns = ["-"] }
            out += "team transitions (rows: current, columns: candidate; - is not assigned)\n"
            out += Self.matrix(teams, rows: rows, columns: columns)
        }

        if !samples.isEmpty {
            out += "\nchanged leads (\(samples.count) of \(changedLeads))\n"
            for sample in samples {
                out += "  \(sample.lead) (\(sample.origin)): "
                var parts: [String] = []
                func change(_ name: String, _ a: String, _ b: String) {
                    parts.append(a == b ? "\(name) \(a)" : "\(name) \(a) -> \(b)")
                }
                change("stage", sample.before.stage, sample.after.stage)
                change("route", sample.before.route, sample.after.route)
                change("score", Decision.format(sample.before.score), Decision.format(sample.after.score))
                change("grade", sample.before.grade ?? "-", sample.after.grade ?? "-")
                if ownersCompared { change("owner", sample.before.owner ?? "-", sample.after.owner ?? "-") }
                out += parts.joined(separator: ", ") + "\n"
                for rule in sample.ruleChanges { out += "      \(rule)\n" }
            }
        }
        return out
    }

    /// For programs: one JSON object.
    public func json() -> LeadObject {
        func pairs(_ counts: [Pair: Int]) -> LeadValue {
            .array(
                counts.sorted { ($0.key.from, $0.key.to) < ($1.key.from, $1.key.to) }.map { pair, count in
                    var object = LeadObject()
                    object.set("from", .string(pair.from))
                    object.set("to", .string(pair.to))
                    object.set("leads", .int(count))
                    return .object(object)
                }
            )
        }
        var root = LeadObject()
        root.set("current_rules_version", .string(currentVersion))
        root.set("candidate_rules_version", .string(candidateVersion))
        root.set("files", .int(files))
        root.set("leads", .int(leads))
        root.set("skipped_records", .int(skippedRecords))
        root.set("changed_leads", .int(changedLeads))
        root.set("stage_changes", .int(stageChanges))
        root.set("route_changes", .int(routeChanges))
        root.set("stages", pairs(stages))
        root.set("routes", pairs(routes))
        var shift = LeadObject()
        shift.set("mean", .double(meanShift))
        for (p, value) in zip(Self.percentiles, shiftPercentiles(Self.percentiles)) {
            shift.set("p\(Int(p))", .double(value))
        }
        shift.set("mean_current", .double(meanCurrent))
        shift.set("mean_candidate", .double(meanCandidate))
        root.set("score_shift", .object(shift))
        root.set(
            "drivers",
            .array(
                rankedDrivers.map { driver in
                    var object = LeadObject()
                    object.set("rule", .string(driver.rule))
                    object.set("gained", .int(driver.gained))
                    object.set("lost", .int(driver.lost))
                    object.set("points_changed", .int(driver.repointed))
                    object.set("in_changed_outcomes", .int(driver.inChangedOutcomes))
                    object.set("in_current", .bool(driver.inCurrent))
                    object.set("in_candidate", .bool(driver.inCandidate))
                    return .object(object)
                }
            )
        )
        if ownersCompared {
            root.set("owner_changes", .int(ownerChanges))
            root.set("teams", pairs(teams))
        }
        root.set(
            "samples",
            .array(
                samples.map { sample in
                    func outcome(_ outcome: Sample.Outcome) -> LeadValue {
                        var object = LeadObject()
                        object.set("stage", .string(outcome.stage))
                        object.set("route", .string(outcome.route))
                        object.set("grade", outcome.grade.map { .string($0) } ?? .null)
                        object.set("score", .double(outcome.score))
                        object.set("owner", outcome.owner.map { .string($0) } ?? .null)
                        object.set("disqualified", .array(outcome.disqualifications.map { .string($0) }))
                        return .object(object)
                    }
                    var object = LeadObject()
                    object.set("lead", .string(sample.lead))
                    object.set("origin", .string(sample.origin))
                    object.set("current", outcome(sample.before))
                    object.set("candidate", outcome(sample.after))
                    object.set("rule_changes", .array(sample.ruleChanges.map { .string($0) }))
                    return .object(object)
                }
            )
        )
        return root
    }

    static func signed(_ value: Double) -> String {
        value > 0 ? "+" + Decision.format(value) : Decision.format(value)
    }

    /// A count matrix; rows and columns with no leads in both orders are still shown, so the shape is stable.
    static func matrix(_ counts: [Pair: Int], rows: [String], columns: [String]) -> String {
        var allRows = rows
        for key in counts.keys where !allRows.contains(key.from) { allRows.append(key.from) }
        var allColumns = columns
        for key in counts.keys where !allColumns.contains(key.to) { allColumns.append(key.to) }
        var table = [[""] + allColumns]
        for row in allRows {
            table.append([row] + allColumns.map { "\(counts[Pair(from: row, to: $0)] ?? 0)" })
        }
        return Self.table(table)
    }

    static func table(_ rows: [[String]]) -> String { TextTable.render(rows) }
}
