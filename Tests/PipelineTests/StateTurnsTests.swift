import Foundation
import Rules
import Synchronization
import TestSupport
import Testing

@testable import Assignment
@testable import Pipeline

/// A worker's batches when another writer holds the state: it reads on instead of queueing at once.
@Suite("State turns")
struct StateTurnsTests {
    let root = ProcessRunner.packageRoot

    final class Released: Sendable {
        let done = Atomic(false)
    }

    /// A file of `count` leads claimed in a new spool, a processor with batches of 100 on a new state, and the state.
    func setUp(_ count: Int) throws -> (ClaimedFile, FileProcessor, AssignmentStore, [TemporaryDirectory]) {
        let directory = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let spool = try Spool(root: directory.path)
        let lines = (1...count).map {
            #"{"id": "T-\#($0)", "contact": {"email": "pat\#($0)@example.com"}, "company": {"employees": 5000}}"# + "\n"
        }
        try directory.write("inbox/leads.ndjson", lines.joined())
        let file = try #require(try ClaimedFile.claim("leads.ndjson", in: spool, id: ClaimIDs().next()))
        let program = try #require(RuleCompiler.compile(directory: "\(root)/rules").program)
        let store = try AssignmentStore(directory: state.path)
        let ledger = Ledger(store: store, plan: try #require(program.assignment))
        return (file, FileProcessor(program: program, ledger: ledger, batchSize: 100), store, [directory, state])
    }

    @Test("alone, a worker writes each batch as it fills")
    func alone() throws {
        let (file, processor, store, folders) = try setUp(250)
        let outcome = try processor.process(file, now: 1_795_996_800)
        #expect(outcome.records == 250)
        #expect(store.writers.calls.load(ordering: .relaxed) == 3)
        withExtendedLifetime(folders) {}
    }

    @Test("while another writer holds the state, a worker reads on to twice its batch, then waits its turn")
    func readsOnWhileAnotherWrites() throws {
        let (file, processor, store, folders) = try setUp(250)
        // The other writer keeps its transaction until the worker queues behind it (two writers), or 30 seconds.
        let released = Released()
        let other = Thread {
            try? store.transaction { _ in
                let deadline = ContinuousClock.now + .seconds(30)
                while store.writers.count.load(ordering: .relaxed) < 2, ContinuousClock.now < deadline {
                    usleep(200)
                }
            }
            released.done.store(true, ordering: .relaxed)
        }
        other.start()
        while !store.isWriting { usleep(200) }
        let outcome = try processor.process(file, now: 1_795_996_800)
        while !released.done.load(ordering: .relaxed) { usleep(200) }
        #expect(outcome.records == 250)
        // The other writer's, then 200 leads at once (not 100), then the last 50.
        #expect(store.writers.calls.load(ordering: .relaxed) == 3)
        #expect(try store.integrityCheck() == ["ok"])
        #expect(outcome.decisions.values.reduce(0, +) == 250)
        withExtendedLifetime(folders) {}
    }
}
