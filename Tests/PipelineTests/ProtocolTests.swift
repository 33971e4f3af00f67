import Assignment
import Foundation
import Leads
import Rules
import TestSupport
import Testing

@testable import Pipeline

/// The spool protocol on real folders: claim, stage, commit, publish, and recovery from each crash point.
@Suite("Spool protocol")
struct ProtocolTests {
    let root = ProcessRunner.packageRoot

    func processor(state: TemporaryDirectory) throws -> FileProcessor {
        let program = try #require(RuleCompiler.compile(directory: "\(root)/rules").program)
        let plan = try #require(program.assignment)
        return FileProcessor(
            program: program,
            ledger: Ledger(store: try AssignmentStore(directory: state.path), plan: plan)
        )
    }

    func lines(_ folder: String) throws -> [String] {
        var result: [String] = []
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        for name in names.sorted() where !name.hasPrefix(".") {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            result += text.split(separator: "\n").map(String.init)
        }
        return result
    }

    func leadIDs(_ spool: Spool) throws -> [String] {
        var ids: [String] = []
        for route in (try? FileManager.default.contentsOfDirectory(atPath: spool.outbox)) ?? [] {
            for line in try lines(spool.outbox + "/" + route) {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                ids.append(try #require(object["lead"] as? String))
            }
        }
        return ids.sorted()
    }

    /// One pass of the protocol, as the daemon runs it: recover, then claim and process every file in the inbox.
    func processAll(_ spool: Spool, _ processor: FileProcessor) throws -> (Recovery, [FileProcessor.Outcome]) {
        let (recovery, unfinished) = try Recovery.run(spool)
        var outcomes = try unfinished.map { try processor.process($0, now: 1_795_996_800) }
        let ids = ClaimIDs()
        for name in try Inbox.candidates(spool) {
            guard let file = try ClaimedFile.claim(name, in: spool, id: ids.next()) else { continue }
            outcomes.append(try processor.process(file, now: 1_795_996_800))
        }
        return (recovery, outcomes)
    }

    @Test("every record of every format ends up once in the outbox or in rejected, with the counts adding up")
    func everyRecordOnce() throws {
        let directory = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let spool = try Spool(root: directory.path)
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(root)/examples/leads") {
            try FileManager.default.copyItem(atPath: "\(root)/examples/leads/\(name)", toPath: "\(spool.inbox)/\(name)")
        }
        try directory.write(
            "inbox/mixed.ndjson",
            "{\"id\": \"M-1\", \"company\": {\"employees\": 10}}\nnot json\n{\"id\": \"M-2\", \"source\": \"web_form\"}\n"
        )
        try directory.write("inbox/broken.json", "[{\"id\": \"B-1\"},")
        let (_, outcomes) = try processAll(spool, try processor(state: state))
        #expect(outcomes.count == 6)
        let ids = try leadIDs(spool)
        #expect(ids.count == 16, "\(ids)")
        #expect(Set(ids).count == ids.count)
        #expect(ids.contains("M-1") && ids.contains("M-2") && !ids.contains("B-1"))
        // Each route's count is its outbox lines, however a file's routes alternate.
        var counted: [String: Int] = [:]
        for outcome in outcomes { counted.merge(outcome.decisions, uniquingKeysWith: +) }
        let routes = try FileManager.default.contentsOfDirectory(atPath: spool.outbox)
        #expect(routes.count >= 3, "\(routes)")
        for route in routes { #expect(counted[route] == (try lines(spool.outbox + "/" + route)).count, "\(route)") }
        #expect(counted.values.reduce(0, +) == ids.count)
        let rejectedRecords = try lines(spool.rejected).filter { $0.contains("\"reason\":\"invalid literal") }
        #expect(rejectedRecords.count == 1)
        let mixed = try #require(outcomes.first { $0.file == "mixed.ndjson" })
        #expect(mixed.records == 3 && mixed.rejectedRecords == 1)
        let broken = try #require(outcomes.first { $0.file == "broken.json" })
        #expect(broken.rejection != nil)
        let rejectedNames = try FileManager.default.contentsOfDirectory(atPath: spool.rejected)
        #expect(rejectedNames.contains { $0.hasSuffix("--broken.json") })
        #expect(rejectedNames.contains { $0.hasSuffix("--broken.json.error.json") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.inbox).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.processing).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.archive).count == 5)
    }

    /// Records of another shape (an API response's wrapper, a CRM export's flat columns) are bad records with the
    /// reason, not leads decided with every field missing; a file of nothing else is rejected whole.
    @Test func recordsOfAnotherShape() throws {
        let directory = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let spool = try Spool(root: directory.path)
        try directory.write(
            "inbox/mixed.ndjson",
            "{\"id\": \"S-1\", \"contact\": {\"email\": \"ana@acme.example\"}}\n"
                + "{\"id\": \"S-2\", \"email\": \"bo@beta.example\", \"company\": \"Beta\"}\n"
        )
        try directory.write("inbox/hubspot.json", #"{"results": [{"id": "1"}], "paging": {}}"#)
        let (_, outcomes) = try processAll(spool, try processor(state: state))
        #expect(try leadIDs(spool) == ["S-1"])
        let mixed = try #require(outcomes.first { $0.file == "mixed.ndjson" })
        #expect(mixed.records == 2 && mixed.rejectedRecords == 1 && mixed.rejection == nil)
        let rejected = try lines(spool.rejected).filter { $0.contains(#""reason":"no field the rules know"#) }
        #expect(rejected.count == 2, "\(rejected)")
        #expect(rejected.contains { $0.contains(#""line":2,"#) && $0.contains("it has 'id', 'email', 'company'") })
        // The record itself, to be fixed and dropped again.
        #expect(
            rejected.contains {
                $0.contains(#""lead":{"id":"S-2","email":"bo@beta.example","company":"Beta"},"rules_version":"#)
            }
        )
        let wrapper = try #require(outcomes.first { $0.file == "hubspot.json" })
        #expect(
            wrapper.rejection
                == "no record could be read as a lead (1 bad); the first: no field the rules know is in this lead "
                + "(it has 'results', 'paging'); leads hold fields such as contact.email, company.name and events "
                + "(docs/leads.md), and a mapping names a file's columns or keys; if its leads are the items of "
                + "'results', a mapping that names this file reads them (records: results)"
        )
        let names = try FileManager.default.contentsOfDirectory(atPath: spool.rejected)
        #expect(names.contains { $0.hasSuffix("--hubspot.json.error.json") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.archive).count == 1)
    }

    @Test(
        "recovery: a claimed file is processed again; committed outputs are published; orphans are removed; a committed input left in processing/ is not processed again"
    )
    func recovery() throws {
        let directory = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let spool = try Spool(root: directory.path)
        let processor = try processor(state: state)
        let ids = ClaimIDs()
        // Crash 1: claimed, staging half written.
        try directory.write("inbox/a.ndjson", "{\"id\": \"A-1\", \"company\": {\"employees\": 5}}\n")
        let a = try #require(try ClaimedFile.claim("a.ndjson", in: spool, id: ids.next()))
        try a.prepareStaging()
        try directory.write("processing/.\(a.id).staged/nurture.ndjson", "{\"lead\":\"half")
        // Crash 2: committed (archived), not published.
        try directory.write("inbox/b.ndjson", "{\"id\": \"B-1\", \"company\": {\"employees\": 5}}\n")
        let b = try #require(try ClaimedFile.claim("b.ndjson", in: spool, id: ids.next()))
        try b.prepareStaging()
        try directory.write("processing/.\(b.id).staged/nurture.ndjson", "{\"lead\":\"B-1\"}\n")
        try b.commit()
        // Crash 3: a staging folder with nothing behind it.
        try FileManager.default.createDirectory(
            atPath: spool.processing + "/.1.2.3.staged",
            withIntermediateDirectories: true
        )
        // Crash 4: published, but the staging folder's removal (not synced) undone: it is back, empty.
        try directory.write("inbox/c.ndjson", "{\"id\": \"C-1\", \"company\": {\"employees\": 5}}\n")
        let c = try #require(try ClaimedFile.claim("c.ndjson", in: spool, id: ids.next()))
        #expect(try processor.process(c, now: 1_795_996_800).decisions == ["nurture": 1])
        try FileManager.default.createDirectory(
            atPath: spool.processing + "/.\(c.id).staged",
            withIntermediateDirectories: true
        )
        // Crash 5: committed (archived, `archive/` synced), but its removal from processing/ (not synced) undone:
        // the input is in both, under the same name, and its staged output is not published.
        try directory.write("inbox/d.ndjson", "{\"id\": \"D-1\", \"company\": {\"employees\": 5}}\n")
        let d = try #require(try ClaimedFile.claim("d.ndjson", in: spool, id: ids.next()))
        try d.prepareStaging()
        try directory.write("processing/.\(d.id).staged/nurture.ndjson", "{\"lead\":\"D-1\"}\n")
        try d.commit()
        try FileManager.default.linkItem(atPath: spool.archive + "/" + d.claimedName, toPath: d.path)
        // Crash 6: the same for a file rejected whole.
        try directory.write("inbox/e.json", "not json")
        let e = try #require(try ClaimedFile.claim("e.json", in: spool, id: ids.next()))
        try e.prepareStaging()
        try e.commitRejected(sidecar: Array("{\"reason\":\"bad\"}".utf8))
        try FileManager.default.linkItem(atPath: spool.rejected + "/" + e.claimedName, toPath: e.path)

        let (recovery, outcomes) = try processAll(spool, processor)
        #expect(recovery.unfinished == [a.claimedName])
        #expect(recovery.committed.sorted() == [d.claimedName, e.claimedName].sorted())
        #expect(
            recovery.published.sorted() == [b.claimedName, c.claimedName, d.claimedName, e.claimedName].sorted()
        )
        #expect(recovery.orphans == [".1.2.3.staged"])
        #expect(outcomes.map(\.file) == ["a.ndjson"])
        #expect(try leadIDs(spool) == ["A-1", "B-1", "C-1", "D-1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.processing).isEmpty)
        #expect(FileManager.default.fileExists(atPath: spool.archive + "/" + d.claimedName))
        #expect(FileManager.default.fileExists(atPath: spool.rejected + "/" + e.claimedName + ".error.json"))
    }

    @Test("files claimed, committed and published as a group: each staged alone, each exactly once; a fault stops one")
    func group() throws {
        let directory = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let spool = try Spool(root: directory.path)
        let processor = try processor(state: state)
        try directory.write("inbox/a.ndjson", "{\"id\": \"A-1\", \"company\": {\"employees\": 5}}\n")
        try directory.write(
            "inbox/b.ndjson",
            "{\"id\": \"B-1\", \"contact\": {\"email\": \"x@gmail.com\"}}\nnot json\n"
        )
        try directory.write("inbox/c.json", "[{\"id\": ")
        try directory.write("inbox/d.ndjson", "{\"id\": \"D-1\", \"company\": {\"employees\": 5}}\n")
        let ids = ClaimIDs()
        let files = try ["a.ndjson", "b.ndjson", "c.json", "d.ndjson"].map { name in
            try #require(try ClaimedFile.move(name, in: spool, id: ids.next()))
        }
        try ClaimedFile.syncClaims(in: spool)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.inbox).isEmpty)
        let outcomes = try files.map { try processor.process($0, now: 1_795_996_800, deferCommit: true) }
        // The file rejected whole is done at once; the others wait, staged, still in processing/.
        #expect(outcomes.map(\.awaitsCommit) == [true, true, false, true])
        #expect(outcomes[2].rejection != nil)
        #expect(try leadIDs(spool).isEmpty)
        // The last one's input disappears before the group's commit (a fault stops it, not the others).
        try FileManager.default.removeItem(atPath: files[3].path)
        let waiting = [files[0], files[1], files[3]]
        let errors = processor.finish(waiting)
        #expect(errors[0] == nil && errors[1] == nil)
        #expect(errors[2]?.code == ENOENT)
        #expect(try leadIDs(spool) == ["A-1", "B-1"])
        let archived = try FileManager.default.contentsOfDirectory(atPath: spool.archive).sorted()
        #expect(archived == [files[0].claimedName, files[1].claimedName].sorted())
        let rejected = try FileManager.default.contentsOfDirectory(atPath: spool.rejected)
        #expect(rejected.contains(files[2].claimedName + ".error.json"))
        #expect(rejected.contains { $0.hasPrefix(files[1].id + "--") && $0.hasSuffix(".rejected.ndjson") })
        // Only the stopped file's staging is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.processing) == [".\(files[3].id).staged"])
    }

    @Test("a claim makes the staging folder with it; preparing keeps it while empty, and empties it otherwise")
    func stagingMadeAtClaim() throws {
        let directory = try TemporaryDirectory("spool")
        let spool = try Spool(root: directory.path)
        try directory.write("inbox/a.ndjson", "{\"id\": \"A-1\"}\n")
        let file = try #require(try ClaimedFile.claim("a.ndjson", in: spool, id: ClaimIDs().next()))
        #expect(file.stagingMadeAtClaim)
        #expect(try DurableFiles.entries(file.stagingPath).isEmpty)
        try file.prepareStaging()
        #expect(DurableFiles.exists(file.stagingPath))
        try directory.write("processing/.\(file.id).staged/nurture.ndjson", "{}\n")
        try file.prepareStaging()
        #expect(try DurableFiles.entries(file.stagingPath).isEmpty, "a written staging folder is made again")
        // Found by recovery rather than claimed: always made again.
        try directory.write("processing/.\(file.id).staged/nurture.ndjson", "{}\n")
        let found = ClaimedFile(spool: spool, claimedName: file.claimedName)
        #expect(!found.stagingMadeAtClaim)
        try found.prepareStaging()
        #expect(try DurableFiles.entries(found.stagingPath).isEmpty)
    }

    @Test("a second lock on the same spool is refused, naming the holder")
    func lock() throws {
        let directory = try TemporaryDirectory("spool")
        let spool = try Spool(root: directory.path)
        let first = try SpoolLock(spool: spool)
        #expect(throws: SpoolLock.Held.self) { try SpoolLock(spool: spool) }
        do {
            _ = try SpoolLock(spool: spool)
        } catch let held as SpoolLock.Held {
            #expect(held.pid == String(getpid()))
            #expect(held.description.hasPrefix("another leadd (pid \(getpid())) is running on this spool"))
        }
        withExtendedLifetime(first) {}
    }

    @Test("producer names: dot-names and editor or partial files are never taken")
    func ignoredNames() {
        for name in [".upload.ndjson", "leads.ndjson.tmp", "leads.part", ".leads.swp", "leads.csv~"] {
            #expect(Inbox.isIgnored(name), "\(name)")
        }
        for name in ["leads.ndjson", "web form (1).json", "ünïcødé.csv"] { #expect(!Inbox.isIgnored(name), "\(name)") }
    }
}
