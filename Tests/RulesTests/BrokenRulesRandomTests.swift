import Foundation
import Leads
import TestSupport
import Testing
import YAML

@testable import Rules

/// An operator's edit can break a rule file anywhere, and the daemon compiles it while it runs: the shipped rules,
/// each time with one file broken at random (bytes cut or added, lines doubled, dropped, swapped or cut short),
/// compile to a program or to diagnostics, never a crash; every diagnostic points into the file it names, at a line
/// and column that exist there, showing that line; and a program that does compile decides the example leads.
struct BrokenRulesRandomTests {

    static let insertions = [
        "{", "}", "[", "]", ":", ": ", "- ", "\"", "'", "#", "&a ", "*a", "!!str ", "\t", "\n", "  ", "%", "|", ">",
        "? ", ",", "é", "\u{FEFF}", "when: ", "points: x", " == ", " and ", "(", ")", "\\", "within 30d", "..", "0",
        "-1", "1e999", "null", "~", "<<: *a", "---\n", "...\n", "\u{0}", "\r", "category: ", "all:\n  - ", "1..",
    ]

    static func mutate(_ bytes: [UInt8], _ g: inout TestRandom) -> [UInt8] {
        var bytes = bytes
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        switch g.next() % 7 {
        case 0 where !bytes.isEmpty:
            let start = g.next() % bytes.count
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + g.next() % 6))
            return bytes
        case 1, 2:
            bytes.insert(
                contentsOf: Array(insertions[g.next() % insertions.count].utf8),
                at: g.next() % (bytes.count + 1)
            )
            return bytes
        case 3 where !lines.isEmpty:
            let line = g.next() % lines.count
            lines.insert(lines[line], at: line)
        case 4 where !lines.isEmpty:
            lines.remove(at: g.next() % lines.count)
        case 5 where lines.count > 1:
            lines.swapAt(g.next() % lines.count, g.next() % lines.count)
        default:
            return Array(bytes.prefix(g.next() % (bytes.count + 1)))
        }
        return Array(lines.joined(separator: [0x0A]))
    }

    @Test func brokenRulesGiveDiagnosticsAtRealPositions() throws {
        let shipped = ProcessRunnerPaths.root + "/rules"
        let names = try FileManager.default.contentsOfDirectory(atPath: shipped)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".csv") }.sorted()
        #expect(names.count >= 5)
        let leads = try FileManager.default.contentsOfDirectory(atPath: ProcessRunnerPaths.root + "/examples/leads")
            .filter { $0.hasSuffix(".ndjson") || $0.hasSuffix(".json") }.sorted()
        var records: [LeadRecord] = []
        for name in leads {
            for result in LeadFileReader(path: ProcessRunnerPaths.root + "/examples/leads/" + name) {
                if case .record(let record) = result { records.append(record) }
            }
        }
        #expect(!records.isEmpty)
        var g = TestRandom()
        var compiled = 0
        var refused = 0
        for _ in 0..<TestRandom.rounds(150) {
            let directory = try TemporaryDirectory("broken-rules")
            for entry in try FileManager.default.contentsOfDirectory(atPath: shipped) {
                try FileManager.default.copyItem(atPath: "\(shipped)/\(entry)", toPath: "\(directory.path)/\(entry)")
            }
            let name = names[g.next() % names.count]
            let original = try Array(Data(contentsOf: URL(fileURLWithPath: "\(shipped)/\(name)")))
            var broken = original
            for _ in 0..<(1 + g.next() % 3) { broken = Self.mutate(broken, &g) }
            _ = try directory.write(name, broken)
            let result = RuleCompiler.compile(directory: directory.path)
            let rendered = result.diagnostics.rendered()
            #expect(!rendered.contains("\u{0}") || broken.contains(0))
            for diagnostic in result.diagnostics + result.diagnostics.flatMap(\.notes) {
                try check(diagnostic, in: directory.path, name: name, broken: broken)
            }
            if let program = result.program {
                compiled += 1
                for record in records { _ = program.evaluate(record, now: testNow, explain: true) }
            } else {
                refused += 1
                #expect(result.diagnostics.contains { $0.severity == .error }, "refused without an error: \(name)")
            }
        }
        // Both outcomes are common: a test whose edits all broke the rules, or none, would test half of this.
        #expect(compiled > 10 && refused > 10, "\(compiled) compiled, \(refused) refused")
    }

    /// The diagnostic's file is in the directory, its line and column exist there, and its source line is that line.
    func check(_ diagnostic: Diagnostic, in directory: String, name: String, broken: [UInt8]) throws {
        let location = diagnostic.location
        let shown = "\(location): \(diagnostic.message)"
        #expect(location.file.hasPrefix(directory), "\(shown) is outside the rules directory")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location.file, isDirectory: &isDirectory), !isDirectory.boolValue
        else {
            // A diagnostic of the directory itself (a file missing, a list it names) has no line in it.
            #expect(location.line <= 1, "\(shown): no such file")
            return
        }
        guard location.line > 0 else {
            Issue.record("\(shown): line 0")
            return
        }
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: location.file)), as: UTF8.self)
        // Lines as YAML and CSV count them: a carriage return alone breaks one too.
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").unicodeScalars
            .split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" }.map {
                String(String.UnicodeScalarView($0))
            }
        #expect(location.line <= lines.count, "\(shown): the file has \(lines.count) lines")
        guard location.line <= lines.count else { return }
        let line = lines[location.line - 1]
        #expect(
            location.column >= 1 && location.column <= line.unicodeScalars.count + 1,
            "\(shown): line \(line.debugDescription) has \(line.unicodeScalars.count) characters"
        )
        // As an excerpt shows them: control characters but tab as U+FFFD.
        func printable(_ text: String) -> String {
            String(
                String.UnicodeScalarView(
                    text.unicodeScalars.map { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F ? "\u{FFFD}" : $0 }
                )
            )
        }
        if let sourceLine = diagnostic.sourceLine {
            #expect(printable(sourceLine) == printable(line), "\(shown): shows \(sourceLine.debugDescription)")
        }
    }
}
