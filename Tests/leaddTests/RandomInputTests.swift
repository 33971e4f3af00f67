import Foundation
import TestSupport
import Testing

/// Lead files broken at random (bytes cut, added or doubled, lines joined and split, stray quotes, braces, control
/// and invalid UTF-8 bytes), through `leadd run --once`: the daemon finishes; every file is archived or rejected;
/// and for each file, the records in (its lines with anything on them) are the decisions out plus the records
/// rejected, each at its own line.
@Suite("leadd run: random broken input", .serialized, .timeLimit(.minutes(3)))
struct RandomInputTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    static let insertions: [[UInt8]] = [
        Array("{".utf8), Array("}".utf8), Array("\"".utf8), Array("\n".utf8), Array("\r\n".utf8), Array(",".utf8),
        Array(":".utf8), Array("[".utf8), Array("\\".utf8), Array("é".utf8), [0xFF], [0x00], [0xC3], Array("\t".utf8),
        Array("null".utf8), Array("{\"id\":1}".utf8), Array(" ".utf8), Array("\u{FEFF}".utf8),
    ]

    static func mutate(_ bytes: [UInt8], _ g: inout TestRandom) -> [UInt8] {
        var bytes = bytes
        guard !bytes.isEmpty else { return bytes }
        let at = g.next() % bytes.count
        switch g.next() % 4 {
        case 0: bytes.removeSubrange(at..<min(bytes.count, at + 1 + g.next() % 8))
        case 1: bytes.insert(contentsOf: insertions[g.next() % insertions.count], at: at)
        case 2: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 1 + g.next() % 40)], at: at)
        default: bytes.replaceSubrange(at..<(at + 1), with: insertions[g.next() % insertions.count])
        }
        return bytes
    }

    /// The records an NDJSON reader takes from `bytes`: its lines with anything but JSON white space on them.
    static func records(_ bytes: [UInt8]) -> Int {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false).filter { line in
            line.contains { ![0x20, 0x09, 0x0D].contains($0) }
        }.count
    }

    @Test("every record of every file is decided or rejected, once")
    func everyRecordAccountedFor() throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let inbox = spool.path + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let example = try Array(Data(contentsOf: URL(fileURLWithPath: "\(root)/examples/leads/marketing-sync.ndjson")))
        let exampleLines = example.split(separator: 0x0A).map(Array.init)
        var g = TestRandom()
        var inputs: [String: [UInt8]] = [:]
        for index in 0..<40 {
            // Lines of the example file, with ids of their own, then one to four breaks.
            var lines: [[UInt8]] = []
            for line in 0..<(1 + g.next() % 12) {
                let text = String(decoding: exampleLines[g.next() % exampleLines.count], as: UTF8.self)
                lines.append(
                    Array(text.replacingOccurrences(of: #""id":""#, with: #""id":"R\#(index)-\#(line)-"#).utf8)
                )
            }
            var bytes = Array(lines.joined(separator: [0x0A])) + [0x0A]
            for _ in 0..<(1 + g.next() % 4) { bytes = Self.mutate(bytes, &g) }
            let name = "random-\(index).ndjson"
            inputs[name] = bytes
            try Data(bytes).write(to: URL(fileURLWithPath: "\(inbox)/\(name)"))
        }
        let result = try ProcessRunner.run(
            leadd,
            [
                "run", "--once", "--settle", "0", "--spool", spool.path, "--state", state.path, "--rules",
                "\(root)/rules", "--now", "2026-11-29T00:00:00Z",
            ]
        )
        #expect(result.exitStatus == 0, "\(result.standardError.suffix(2000))")
        #expect(SpoolReading.names(spool.path, "inbox").isEmpty)
        #expect(SpoolReading.names(spool.path, "processing").filter { !$0.hasPrefix(".") }.isEmpty)

        let decisions = try SpoolReading.decisions(spool.path)
        var decidedLines: [String: [Int]] = [:]
        for decision in decisions {
            let origin = decision["origin"] as? [String: Any]
            guard let file = origin?["file"] as? String, let line = origin?["line"] as? Int else {
                Issue.record("a decision without its origin: \(decision)")
                continue
            }
            decidedLines[file, default: []].append(line)
        }
        let rejected = SpoolReading.names(spool.path, "rejected")
        var rejectedLines: [String: [Int]] = [:]
        for name in rejected where name.hasSuffix(".rejected.ndjson") {
            let text = try String(contentsOfFile: "\(spool.path)/rejected/\(name)", encoding: .utf8)
            for line in text.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                guard let file = object?["file"] as? String, let number = object?["line"] as? Int else {
                    Issue.record("a rejected record without its file and line: \(line)")
                    continue
                }
                #expect(object?["reason"] as? String != nil, "\(line)")
                rejectedLines[file, default: []].append(number)
            }
        }
        let archived = SpoolReading.names(spool.path, "archive")
        for (name, bytes) in inputs.sorted(by: { $0.key < $1.key }) {
            let isArchived = archived.contains { $0.hasSuffix("--" + name) }
            let isRejected = rejected.contains { $0.hasSuffix("--" + name) }
            #expect(isArchived != isRejected, "\(name): archived \(isArchived), rejected \(isRejected)")
            if isRejected {
                #expect(rejected.contains { $0.hasSuffix("--" + name + ".error.json") }, "\(name) has no sidecar")
            }
            let lines = (decidedLines[name] ?? []) + (rejectedLines[name] ?? [])
            // A file rejected whole for a reason of its own (not its records) has no records out.
            guard isArchived || !lines.isEmpty else { continue }
            #expect(
                lines.count == Self.records(bytes),
                "\(name): \(Self.records(bytes)) records in, \(decidedLines[name]?.count ?? 0) decided and \(rejectedLines[name]?.count ?? 0) rejected"
            )
            #expect(Set(lines).count == lines.count, "\(name): a line decided or rejected twice")
        }
        #expect(!decisions.isEmpty && !rejectedLines.isEmpty, "both outcomes occur")
        #expect(archived.count > 10, "most files keep some good records")
    }
}
