import Assignment
import Foundation
import Glibc
import TestSupport
import Testing

/// `leadd assign` as a real process on a real SQLite file: killed mid-batch, run concurrently, run twice.
@Suite("leadd assign, crash and concurrency", .serialized, .timeLimit(.minutes(3)))
struct AssignmentProcessTests {
    let leadd = ProcessRunner.leadd

    /// A rules directory whose every lead with a company size is an opportunity for one round-robin team of four.
    func rules() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory("rules")
        try directory.write(
            "scoring.yaml",
            """
            version: 1
            category: fit
            rules:
              - {id: fit.company, when: company.employees >= 0, points: 10}
            stages:
              - {stage: sql, when: score >= 10}
              - {stage: nurture, otherwise: true}
            routes: {sql: opportunities, nurture: nurture, disqualified: disqualified}
            """
        )
        try directory.write(
            "assignment.yaml",
            """
            version: 1
            assign: {time_zone: UTC, hours: always}
            reps: [{id: ana}, {id: ben}, {id: cho}, {id: dan}]
            teams:
              - {id: sales, strategy: round_robin, members: [ana, ben, cho, dan]}
            fallback: {queue: inbox}
            """
        )
        return directory
    }

    /// `count` leads with ids `PREFIX-N`, one per line.
    func leadFile(_ directory: TemporaryDirectory, _ name: String, prefix: String, count: Int) throws -> String {
        var text = ""
        for index in 0..<count {
            text +=
                "{\"id\":\"\(prefix)-\(index)\",\"contact\":{\"email\":\"p\(index)@\(prefix.lowercased())\(index).example\"},"
            text += "\"company\":{\"employees\":\(index % 5000)}}\n"
        }
        return try directory.write(name, text)
    }

    /// lead id -> owner, from `leadd assign`'s output lines.
    func owners(_ output: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let assignment = try #require(object["assignment"] as? [String: Any])
            result[try #require(object["lead"] as? String)] = assignment["owner"] as? String
        }
        return result
    }

    func arguments(_ rules: TemporaryDirectory, _ state: TemporaryDirectory, _ file: String, batch: Int) -> [String] {
        [
            "assign", file, "--rules", rules.path, "--state", state.path, "--now", "2026-11-30T10:00:00Z", "--batch",
            String(batch),
        ]
    }

    @Test("killed with SIGKILL mid-batch: the database is sound, nothing committed is lost, a rerun completes exactly")
    func killMidBatch() throws {
        let rules = try rules()
        let state = try TemporaryDirectory("state")
        let scratch = try TemporaryDirectory("leads")
        let file = try leadFile(scratch, "big.ndjson", prefix: "K", count: 10_000)
        let process = try ProcessRunner.start(leadd, arguments(rules, state, file, batch: 100))
        // Kill it once some batches are committed and printed, while it is still working.
        var printed = 0
        for _ in 0..<6000 {
            printed = (try? String(contentsOfFile: process.outPath, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if printed >= 1000 { break }
            usleep(2000)
        }
        process.kill(SIGKILL)
        let killed = process.wait()
        #expect(killed.signal == SIGKILL, "the run ended before it could be killed: \(killed.standardError)")
        // Its output up to its last whole line: the kill may have cut the line being written.
        var printedText = try String(contentsOfFile: process.outPath, encoding: .utf8)
        if !printedText.hasSuffix("\n"), let lastLine = printedText.lastIndex(of: "\n") {
            printedText = String(printedText[...lastLine])
        }
        let before = try owners(printedText)
        #expect(before.count >= 1000 && before.count < 10_000)

        let store = try AssignmentStore(directory: state.path)
        #expect(try store.integrityCheck() == ["ok"])
        let committed = try AssignmentReport(store: store, plan: nil, since: nil).entries
        #expect(committed.count >= before.count)
        #expect(committed.count % 100 == 0, "a batch was half committed: \(committed.count)")

        let rerun = try ProcessRunner.run(leadd, arguments(rules, state, file, batch: 100))
        #expect(rerun.exitStatus == 0, "\(rerun.standardError)")
        let after = try owners(rerun.standardOutput)
        #expect(after.count == 10_000)
        for (lead, owner) in before { #expect(after[lead] == owner, "\(lead) changed owner") }
        let report = try AssignmentReport(store: store, plan: nil, since: nil)
        #expect(report.entries.count == 10_000)
        #expect(
            Dictionary(uniqueKeysWithValues: report.owners.map { ($0.rep, $0.count) }) == [
                "ana": 2500, "ben": 2500, "cho": 2500, "dan": 2500,
            ]
        )
        #expect(rerun.standardOutput.components(separatedBy: "\"replayed\":true").count - 1 == committed.count)
    }

    @Test("two processes assigning at once never take the same rotation slot")
    func concurrentWorkers() throws {
        let rules = try rules()
        let state = try TemporaryDirectory("state")
        let scratch = try TemporaryDirectory("leads")
        let one = try leadFile(scratch, "one.ndjson", prefix: "A", count: 4000)
        let two = try leadFile(scratch, "two.ndjson", prefix: "B", count: 4000)
        let first = try ProcessRunner.start(leadd, arguments(rules, state, one, batch: 10))
        let second = try ProcessRunner.start(leadd, arguments(rules, state, two, batch: 10))
        let results = [first.wait(), second.wait()]
        for result in results { #expect(result.exitStatus == 0, "\(result.standardError)") }
        let entries = try AssignmentReport(store: try AssignmentStore(directory: state.path), plan: nil, since: nil)
            .entries
        #expect(entries.count == 8000)
        // Both workers' batches interleave in the ledger ...
        let switches = zip(entries, entries.dropFirst()).filter { $0.lead.prefix(1) != $1.lead.prefix(1) }.count
        #expect(switches > 1, "the two runs did not overlap; the test proves nothing")
        // ... and still every run of four consecutive assignments has four different owners.
        let owners = entries.compactMap(\.owner)
        for index in 4..<owners.count { #expect(owners[index] == owners[index - 4]) }
    }

    @Test("batches of a thousand write no temporary file: statement journals stay in memory")
    func noTemporaryFiles() throws {
        let rules = try rules()
        let state = try TemporaryDirectory("state")
        let scratch = try TemporaryDirectory("leads")
        let file = try leadFile(scratch, "leads.ndjson", prefix: "T", count: 3000)
        // SQLite makes its temporary files in $SQLITE_TMPDIR: a statement journal spilled to disk (each multi-row
        // insert inside a batch's transaction keeps one) creates one there, which changes the folder's time.
        let temporary = try TemporaryDirectory("sqlite-tmp")
        var old = [timespec(tv_sec: 1_577_836_800, tv_nsec: 0), timespec(tv_sec: 1_577_836_800, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, temporary.path, &old, 0) == 0)
        let result = try ProcessRunner.start(
            leadd,
            arguments(rules, state, file, batch: 1000),
            environment: ["SQLITE_TMPDIR": temporary.path]
        ).wait()
        #expect(result.exitStatus == 0, "\(result.standardError)")
        #expect(result.standardOutput.split(separator: "\n").count == 3000)
        var status = stat()
        #expect(stat(temporary.path, &status) == 0)
        #expect(status.st_mtim.tv_sec == 1_577_836_800, "SQLite made a temporary file in \(temporary.path)")
    }
}
