import Foundation
import TestSupport
import Testing

/// Every example in README.md and docs/ runs: a fenced block with `file=NAME` writes that file, and a `console`
/// block runs each `$ leadd ...` line in the same folder (where `examples/` and `rules/` are the shipped ones) and
/// compares standard output then standard error with the lines below it. Commands of one block share their folder:
/// each runs after the ones above it (so `leadd assign` can fill a state that `leadd assignments` reads), and a
/// block marked `console continued` carries on in the folder of the block before it.
struct DocumentationTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var document: String
        var line: Int
        var command: String
        var expected: String
        /// The files the document wrote before this command, in order.
        var files: [(name: String, text: String)]
        /// The commands above this one in its block, run first.
        var before: [String]
        var testDescription: String { "\(document):\(line): \(command)" }
    }

    static func examples() -> [Example] {
        let root = ProcessRunner.packageRoot
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/docs")) ?? []
        let documents = ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
        var examples: [Example] = []
        for document in documents {
            guard let text = try? String(contentsOfFile: "\(root)/\(document)", encoding: .utf8) else { continue }
            var files: [(name: String, text: String)] = []
            var before: [String] = []
            let lines = text.components(separatedBy: "\n")
            var index = 0
            while index < lines.count {
                let line = lines[index]
                index += 1
                guard line.hasPrefix("```"), line.count > 3 else { continue }
                let info = line.dropFirst(3).split(separator: " ")
                let start = index
                var body: [String] = []
                while index < lines.count && lines[index] != "```" {
                    body.append(lines[index])
                    index += 1
                }
                index += 1
                if let file = info.first(where: { $0.hasPrefix("file=") }) {
                    files.append((String(file.dropFirst(5)), body.joined(separator: "\n") + "\n"))
                } else if info.first == "console" {
                    var command: (line: Int, text: String)?
                    var output: [String] = []
                    if !info.contains("continued") { before = [] }
                    for (offset, bodyLine) in (body + ["$ "]).enumerated() {
                        guard bodyLine.hasPrefix("$ ") else {
                            output.append(bodyLine)
                            continue
                        }
                        if let command {
                            examples.append(
                                Example(
                                    document: document,
                                    line: command.line,
                                    command: command.text,
                                    expected: output.map { $0 + "\n" }.joined(),
                                    files: files,
                                    before: before
                                )
                            )
                            before.append(command.text)
                        }
                        command = (start + offset + 1, String(bodyLine.dropFirst(2)))
                        output = []
                    }
                }
            }
        }
        return examples.filter { !$0.command.isEmpty }
    }

    @Test func documentsHaveExamples() {
        #expect(Self.examples().count >= 8)
    }

    @Test(arguments: examples())
    func exampleRunsAsShown(_ example: Example) throws {
        let directory = try TemporaryDirectory("leadd-doc")
        for file in example.files {
            let parent = (file.name as NSString).deletingLastPathComponent
            if !parent.isEmpty {
                try FileManager.default.createDirectory(
                    atPath: "\(directory.path)/\(parent)",
                    withIntermediateDirectories: true
                )
            }
            try directory.write(file.name, file.text)
        }
        // Examples may name the shipped files, as a reader in a checkout would.
        for shipped in ["examples", "rules"]
        where FileManager.default.fileExists(atPath: "\(ProcessRunner.packageRoot)/\(shipped)") {
            try FileManager.default.createSymbolicLink(
                atPath: "\(directory.path)/\(shipped)",
                withDestinationPath: "\(ProcessRunner.packageRoot)/\(shipped)"
            )
        }
        for command in example.before + [example.command] where !command.hasPrefix("leadd ") {
            Issue.record("only leadd commands run in examples: \(command)")
            return
        }
        for command in example.before {
            let script =
                "cd '\(directory.path)' && exec '\(ProcessRunner.leadd)' \(command.dropFirst(6)) >/dev/null 2>&1"
            _ = try ProcessRunner.run("/bin/sh", ["-c", script])
        }
        let script = "cd '\(directory.path)' && exec '\(ProcessRunner.leadd)' \(example.command.dropFirst(6))"
        let result = try ProcessRunner.run("/bin/sh", ["-c", script])
        #expect(result.signal == nil)
        #expect(result.standardOutput + result.standardError == example.expected)
    }
}
