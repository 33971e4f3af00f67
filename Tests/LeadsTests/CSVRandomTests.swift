import Foundation
import TestSupport
import Testing
import YAML

@testable import Leads

/// Random tables written as RFC 4180 CSV (cells quoted when they must be, and sometimes when not; CRLF, LF or CR;
/// blank lines; a BOM; now and then a bad record), long enough that records cross the reader's 256 KiB reads, read
/// back: every record, every cell as written, at the line it starts on; each bad record an error at its own line,
/// and the records after it read.
struct CSVRandomTests {

    static let pieces = [
        "a", "B", "x", "42", "é", "😀", ",", "\"", "\"\"", "\n", "\r\n", "\r", ";", "'", "\t", "Zoë", "O'Brien", "a b",
        "https://x.example/?a=1&b=2", "\\", "#",
    ]
    static let columns = ["id", "contact.first_name", "company.name", "message"]

    /// A cell's text: pieces, with neither leading nor trailing spaces or tabs (which an unquoted cell's reader
    /// keeps, and typed columns trim), and sometimes a long run that crosses a read.
    static func cell(_ g: inout TestRandom) -> String {
        if g.next() % 7 == 0 { return "" }
        var text = (0..<(1 + g.next() % 4)).map { _ in pieces[g.next() % pieces.count] }.joined()
        if g.next() % 50 == 0 { text += String(repeating: "long, \"cell\"\n", count: 200 + g.next() % 3000) }
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }

    /// The cell as CSV: quoted, its quotes doubled, when it holds a delimiter, quote or line break; else quoted or
    /// not.
    static func written(_ cell: String, _ g: inout TestRandom) -> String {
        let needsQuotes = cell.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes || g.next() % 4 == 0 else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    @Test func recordsReadAsWritten() throws {
        var g = TestRandom()
        for file in 0..<4 {
            // What the reader must give, in order: a record's cells, or an error, each at its line.
            var expected: [(row: [String]?, line: Int)] = []
            let breakText = g.pick(["\r\n", "\n", "\r"])
            var text = (g.next() % 3 == 0 ? "\u{FEFF}" : "") + Self.columns.joined(separator: ",") + breakText
            var line = 2
            for index in 0..<(1500 + g.next() % 1500) {
                if g.next() % 20 == 0 {
                    text += breakText
                    line += 1
                }
                if g.next() % 40 == 0 {
                    // Text after a closing quote, or too few fields.
                    text += g.pick(["R-bad,\"x\"y,z,w", "R-bad,\"x\"", "R-bad,x,\"y\" ,z"]) + breakText
                    expected.append((nil, line))
                    line += 1
                }
                var row = ["R\(file)-\(index)"]
                row += (1..<Self.columns.count).map { _ in Self.cell(&g) }
                var cells: [String] = []
                for cell in row { cells.append(Self.written(cell, &g)) }
                let record = cells.joined(separator: ",")
                expected.append((row, line))
                text += record + breakText
                // A line break inside a quoted cell is a line of the file too: CR LF counts once.
                line +=
                    1
                    + record.unicodeScalars.indices.filter { index in
                        let scalar = record.unicodeScalars[index]
                        let next = record.unicodeScalars.index(after: index)
                        return scalar == "\n"
                            || scalar == "\r"
                                && (next == record.unicodeScalars.endIndex || record.unicodeScalars[next] != "\n")
                    }.count
            }
            if g.next() % 2 == 0 { text.removeLast(breakText.count) }
            let directory = try TemporaryDirectory("csv")
            let path = try directory.write("random.csv", text)
            #expect(text.utf8.count > 1 << 18, "the file spans more than one read")
            var read = 0
            var records = 0
            for result in LeadFileReader(path: path) {
                guard read < expected.count else {
                    Issue.record("file \(file): more records than written")
                    break
                }
                let (row, line) = expected[read]
                read += 1
                switch result {
                case .failure(let error):
                    #expect(row == nil, "file \(file), line \(line): \(error.diagnostic.rendered())")
                    #expect(error.line == line, "file \(file): \(error.diagnostic.rendered())")
                    #expect(error.record == read)
                case .record(let record):
                    records += 1
                    guard let row else {
                        Issue.record("file \(file), line \(line): a record where a bad one was written")
                        continue
                    }
                    for (column, cell) in zip(Self.columns, row) {
                        let value = record.fields.value(at: column.split(separator: ".").map(String.init))
                        #expect(
                            value == (cell.isEmpty ? nil : .string(cell)),
                            "file \(file), record \(records), \(column): \(String(describing: value)) for \(cell.debugDescription)"
                        )
                    }
                    #expect(record.origin.line == line, "file \(file), record \(records)")
                    // Records are numbered among all the data records, bad ones included.
                    #expect(record.origin.record == read)
                }
            }
            #expect(read == expected.count, "file \(file)")
        }
    }
}
