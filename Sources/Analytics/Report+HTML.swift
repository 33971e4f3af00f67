import Foundation
import YAML

extension Report {
    /// Chart colours; docs/analytics.md names them, and the test finds each chart in a screenshot by its colour.
    public enum Colors {
        public static let funnel = "#3366cc"
        public static let calibration = "#8e44ad"
        public static let liftUp = "#2e9e5b"
        public static let liftDown = "#d64545"
    }

    /// One self-contained page: inline CSS and SVG charts (the funnel, win rate by score band, rule lift) and the
    /// tables of the text report. No script, no network access.
    public func html() -> String {
        var body = "<h1>leadd report</h1>\n<p class=\"period\">\(Self.escape(period)), SLA judged at "
        body += "\(Self.escape(Timestamp.iso8601(now)))</p>\n"

        // Funnel.
        let steps: [(String, Int)] = [
            ("leads", funnel.leads), ("disqualified", funnel.disqualified), ("nurture", funnel.nurture),
            ("qualified", funnel.qualified), ("opportunities", funnel.opportunities), ("won", funnel.won),
            ("lost", funnel.lost),
        ]
        body += "<h2>Funnel</h2>\n"
        body += Self.horizontalBars(
            id: "funnel",
            rows: steps.map { ($0.0, Double($0.1), "\($0.1)", Colors.funnel) },
            maximum: Double(max(1, funnel.leads)),
            origin: 0
        )

        body += "<h2>Wins and deals</h2>\n" + Self.htmlTable([Self.figureHeader, Self.figureRow(total)])
        if let dimension {
            body += "<h2>By \(Self.escape(dimension.rawValue))</h2>\n"
            body += Self.htmlTable([Self.figureHeader] + groups.map(Self.figureRow))
        }

        // Win rate by score band.
        body += "<h2>Win rate by score band</h2>\n"
        body += Self.columns(
            id: "calibration",
            columns: bands.map { band in
                (
                    band.label, band.winRate ?? 0,
                    band.winRate == nil ? "no closes" : Self.percent(band.winRate) + " of \(band.closed)"
                )
            }
        )

        // Rule lift, around 1.
        body += "<h2>Rule lift (win rate where a rule fired over where it did not)</h2>\n"
        let lifts = rules.compactMap { rule in rule.lift.map { (rule, $0) } }
        let largest = max(2, lifts.map { max($0.1, 1 / max($0.1, 0.01)) }.max() ?? 2)
        if lifts.isEmpty {
            body +=
                "<p class=\"note\">No rule has closed opportunities both where it fired and where it did not yet.</p>\n"
        }
        body += Self.horizontalBars(
            id: "lift",
            rows: lifts.map { rule, lift in
                (
                    rule.rule + (rule.smallSample ? " *" : ""), lift,
                    Self.decimal(lift) + "x (\(rule.closedFired) closed)",
                    lift >= 1 ? Colors.liftUp : Colors.liftDown
                )
            },
            maximum: largest,
            origin: 1
        )
        body +=
            "<p class=\"note\">* fewer than \(Self.smallSample) closed opportunities where the rule fired or did not.</p>\n"
        body += Self.htmlTable(ruleRows)

        body += "<h2>Owners and first-contact SLA</h2>\n"
        body += Self.htmlTable(ownerRows)

        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>leadd report</title>
            <style>
            body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1100px; }
            h1 { margin-bottom: 0.2em; }
            h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
            .period, .note { color: #666; }
            table { border-collapse: collapse; margin: 0.5em 0; }
            td, th { padding: 0.25em 0.7em; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
            td:first-child, th:first-child { text-align: left; }
            svg text { font-family: sans-serif; font-size: 12px; fill: #222; }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    /// Horizontal bars from `origin` (0 for counts, 1 for lift); values past `maximum` are cut.
    static func horizontalBars(
        id: String,
        rows: [(label: String, value: Double, text: String, color: String)],
        maximum: Double,
        origin: Double
    ) -> String {
        let labelWidth = 260.0
        let barArea = 520.0
        let rowHeight = 26.0
        let height = max(1, Double(rows.count)) * rowHeight + (origin == 1 ? 28 : 10)
        var svg = "<svg id=\"\(id)\" width=\"\(Int(labelWidth + barArea + 200))\" height=\"\(Int(height))\" "
        svg += "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
        // For lift, the scale is logarithmic around 1, so 2x and 0.5x are as long.
        func position(_ value: Double) -> Double {
            if origin == 1 {
                let span = log2(maximum)
                let clamped = min(max(value, 1 / maximum), maximum)
                return labelWidth + barArea / 2 + log2(clamped) / span * (barArea / 2)
            }
            return labelWidth + min(value, maximum) / maximum * barArea
        }
        let zero = position(origin)
        for (index, row) in rows.enumerated() {
            let y = Double(index) * rowHeight + 5
            let end = position(row.value)
            let x = min(zero, end)
            let width = max(1, abs(end - zero))
            svg += "<text x=\"0\" y=\"\(y + 16)\">\(escape(row.label))</text>"
            svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(width)\" height=\"\(rowHeight - 6)\" fill=\"\(row.color)\"/>"
            svg += "<text x=\"\(max(zero, end) + 6)\" y=\"\(y + 16)\">\(escape(row.text))</text>\n"
        }
        if origin == 1 {
            svg += "<line x1=\"\(zero)\" y1=\"0\" x2=\"\(zero)\" y2=\"\(height - 18)\" stroke=\"#444\"/>\n"
            for mark in [1 / maximum, 1, maximum] {
                svg += "<text x=\"\(position(mark) - 10)\" y=\"\(height - 4)\">\(decimal(mark))x</text>"
            }
            svg += "\n"
        }
        return svg + "</svg>\n"
    }

    /// Vertical bars of fractions (0 to 1), one per column.
    static func columns(id: String, columns: [(label: String, value: Double, text: String)]) -> String {
        let width = 70.0
        let chartHeight = 220.0
        let total = max(1, Double(columns.count)) * width + 40
        var svg = "<svg id=\"\(id)\" width=\"\(Int(total))\" height=\"\(Int(chartHeight + 80))\" "
        svg += "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
        svg +=
            "<line x1=\"20\" y1=\"\(chartHeight + 30)\" x2=\"\(total)\" y2=\"\(chartHeight + 30)\" stroke=\"#444\"/>\n"
        for (index, column) in columns.enumerated() {
            let x = 30 + Double(index) * width
            let barHeight = max(1, column.value * chartHeight)
            let top = chartHeight + 30 - barHeight
            svg += "<rect x=\"\(x)\" y=\"\(top)\" width=\"\(width - 20)\" height=\"\(barHeight)\" "
            svg += "fill=\"\(Colors.calibration)\"/>"
            svg += "<text x=\"\(x)\" y=\"\(top - 4)\">\(escape(column.text))</text>"
            svg += "<text x=\"\(x)\" y=\"\(chartHeight + 48)\">\(escape(column.label))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func htmlTable(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var out = "<table>\n<tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows.dropFirst() {
            out += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
        }
        return out + "</table>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
