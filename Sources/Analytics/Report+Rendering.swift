public import Leads
import YAML

extension Report {
    // MARK: - Formats of numbers

    static func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return decimal(value * 100, places: 1) + "%"
    }

    static func decimal(_ value: Double, places: Int = 2) -> String {
        let scale = places == 1 ? 10.0 : 100.0
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded() { return grouped(Int(rounded)) }
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            text = grouped(Int(rounded.rounded(.towardZero))) + text[dot...]
            if rounded < 0 && rounded > -1 { text = "-" + text }
        }
        return text
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + String(out.reversed())
    }

    static func money(_ deals: Report.Deals?, _ value: (Report.Deals) -> Double) -> String {
        guard let deals else { return "-" }
        return decimal(value(deals)) + " " + deals.currency
    }

    static func table(_ rows: [[String]]) -> String { TextTable.render(rows) }

    /// The rule effectiveness table's rows, header first.
    var ruleRows: [[String]] {
        [["rule", "fired", "closed", "win rate", "not fired: closed", "win rate", "lift"]]
            + rules.map { rule in
                [
                    rule.rule + (rule.smallSample ? " *" : ""), "\(rule.fired)", "\(rule.closedFired)",
                    Self.percent(rule.winRateFired), "\(rule.closedNotFired)", Self.percent(rule.winRateNotFired),
                    rule.lift.map { Self.decimal($0) } ?? "-",
                ]
            }
    }

    /// The owners table's rows, header first.
    var ownerRows: [[String]] {
        [["owner", "assigned", "won", "lost", "win rate", "SLA met", "missed", "pending"]]
            + owners.map { owner in
                [
                    owner.owner, "\(owner.assigned)", "\(owner.won)", "\(owner.lost)", Self.percent(owner.winRate),
                    "\(owner.slaMet)", "\(owner.slaMissed)", "\(owner.slaPending)",
                ]
            }
    }

    var period: String {
        let from = since.map { Timestamp.iso8601($0) } ?? "the beginning"
        let to = until.map { Timestamp.iso8601($0) } ?? "now"
        return "leads decided from \(from) to \(to)"
    }

    static let figureHeader = [
        "", "leads", "qualified", "won", "lost", "win rate", "won:lost", "avg deal", "median deal", "days to close",
    ]

    static func figureRow(_ figures: Figures) -> [String] {
        [
            figures.name, "\(figures.leads)", "\(figures.qualified)", "\(figures.won)", "\(figures.lost)",
            percent(figures.winRate), figures.winLossRatio.map { decimal($0) } ?? "-",
            money(figures.deals.first, \.average), money(figures.deals.first, \.median),
            figures.medianDaysToClose.map { decimal($0, places: 1) } ?? "-",
        ]
    }

    // MARK: - Text

    /// For people: each section as a table.
    public func text() -> String {
        var out = "leadd report: \(period)\n\nfunnel\n"
        let steps: [(String, Int, Int?)] = [
            ("leads", funnel.leads, nil),
            ("disqualified", funnel.disqualified, funnel.leads),
            ("nurture", funnel.nurture, funnel.leads),
            ("qualified", funnel.qualified, funnel.leads),
            ("opportunities", funnel.opportunities, funnel.qualified),
            ("won", funnel.won, funnel.opportunities),
            ("lost", funnel.lost, funnel.opportunities),
        ]
        var rows = [["", "count", "of the step before"]]
        for (name, count, base) in steps {
            rows.append([name, "\(count)", base.map { Self.percent($0 == 0 ? nil : Double(count) / Double($0)) } ?? ""])
        }
        out += Self.table(rows)
        out += "  open opportunities: \(funnel.open)\n"

        out += "\nwins and deals\n"
        out += Self.table([Self.figureHeader, Self.figureRow(total)])
        for deals in total.deals {
            out += "  deals in \(deals.currency): \(deals.count), total \(Self.decimal(deals.total)), "
            out += "average \(Self.decimal(deals.average)), median \(Self.decimal(deals.median))\n"
        }
        if let mean = total.meanDaysToClose, let median = total.medianDaysToClose {
            out +=
                "  days from lead to close: mean \(Self.decimal(mean, places: 1)), median \(Self.decimal(median, places: 1))\n"
        }

        if let dimension {
            out += "\nby \(dimension.rawValue)\n"
            out += Self.table([Self.figureHeader] + groups.map(Self.figureRow))
        }

        out += "\nrule effectiveness (closed opportunities; * fewer than \(Self.smallSample) on a side)\n"
        out += Self.table(ruleRows)

        out += "\nscore calibration\n"
        var bandRows = [["score", "leads", "closed", "won", "win rate"]]
        for band in bands {
            bandRows.append([band.label, "\(band.leads)", "\(band.closed)", "\(band.won)", Self.percent(band.winRate)])
        }
        out += Self.table(bandRows)

        out += "\nowners and first-contact SLA\n"
        out += Self.table(ownerRows)
        return out
    }

    // MARK: - JSON

    /// For programs: one object with every figure; rates are fractions (0.25), null when undefined.
    public func json() -> LeadObject {
        func number(_ value: Double?) -> LeadValue {
            guard let value else { return .null }
            let rounded = (value * 1_000_000).rounded() / 1_000_000
            return rounded == rounded.rounded() && abs(rounded) < 1e15 ? .int(Int(rounded)) : .double(rounded)
        }
        func figures(_ item: Figures) -> LeadValue {
            var object = LeadObject()
            object.set("name", .string(item.name))
            object.set("leads", .int(item.leads))
            object.set("qualified", .int(item.qualified))
            object.set("won", .int(item.won))
            object.set("lost", .int(item.lost))
            object.set("win_rate", number(item.winRate))
            object.set("win_loss_ratio", number(item.winLossRatio))
            object.set(
                "deals",
                .array(
                    item.deals.map { deals in
                        var entry = LeadObject()
                        entry.set("currency", .string(deals.currency))
                        entry.set("count", .int(deals.count))
                        entry.set("total", number(deals.total))
                        entry.set("average", number(deals.average))
                        entry.set("median", number(deals.median))
                        return .object(entry)
                    }
                )
            )
            object.set("mean_days_to_close", number(item.meanDaysToClose))
            object.set("median_days_to_close", number(item.medianDaysToClose))
            return .object(object)
        }
        var root = LeadObject()
        root.set("since", since.map { .string(Timestamp.iso8601($0)) } ?? .null)
        root.set("until", until.map { .string(Timestamp.iso8601($0)) } ?? .null)
        root.set("now", .string(Timestamp.iso8601(now)))
        var funnelObject = LeadObject()
        funnelObject.set("leads", .int(funnel.leads))
        funnelObject.set("disqualified", .int(funnel.disqualified))
        funnelObject.set("nurture", .int(funnel.nurture))
        funnelObject.set("qualified", .int(funnel.qualified))
        funnelObject.set("opportunities", .int(funnel.opportunities))
        funnelObject.set("won", .int(funnel.won))
        funnelObject.set("lost", .int(funnel.lost))
        funnelObject.set("open", .int(funnel.open))
        root.set("funnel", .object(funnelObject))
        root.set("total", figures(total))
        if let dimension {
            root.set("by", .string(dimension.rawValue))
            root.set("groups", .array(groups.map(figures)))
        }
        root.set(
            "rules",
            .array(
                rules.map { rule in
                    var object = LeadObject()
                    object.set("rule", .string(rule.rule))
                    object.set("fired", .int(rule.fired))
                    object.set("closed_fired", .int(rule.closedFired))
                    object.set("won_fired", .int(rule.wonFired))
                    object.set("closed_not_fired", .int(rule.closedNotFired))
                    object.set("won_not_fired", .int(rule.wonNotFired))
                    object.set("win_rate_fired", number(rule.winRateFired))
                    object.set("win_rate_not_fired", number(rule.winRateNotFired))
                    object.set("lift", number(rule.lift))
                    object.set("small_sample", .bool(rule.smallSample))
                    return .object(object)
                }
            )
        )
        root.set(
            "score_bands",
            .array(
                bands.map { band in
                    var object = LeadObject()
                    object.set("band", .string(band.label))
                    object.set("from", number(band.lower))
                    object.set("leads", .int(band.leads))
                    object.set("closed", .int(band.closed))
                    object.set("won", .int(band.won))
                    object.set("win_rate", number(band.winRate))
                    return .object(object)
                }
            )
        )
        root.set(
            "owners",
            .array(
                owners.map { owner in
                    var object = LeadObject()
                    object.set("owner", .string(owner.owner))
                    object.set("assigned", .int(owner.assigned))
                    object.set("won", .int(owner.won))
                    object.set("lost", .int(owner.lost))
                    object.set("win_rate", number(owner.winRate))
                    object.set("sla_met", .int(owner.slaMet))
                    object.set("sla_missed", .int(owner.slaMissed))
                    object.set("sla_pending", .int(owner.slaPending))
                    object.set("no_sla", .int(owner.noSLA))
                    return .object(object)
                }
            )
        )
        return root
    }
}
