/// Rows of cells as an aligned text table, for the reports people read in a terminal: each line indented by two
/// spaces, the first column left-aligned, the others right-aligned, two spaces between columns, no trailing space.
package enum TextTable {
    package static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        var out = ""
        for row in rows {
            var line = "  "
            for (column, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                line += column == 0 ? cell + pad : "  " + pad + cell
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
