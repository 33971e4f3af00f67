import Foundation
import GRDB
import Leads
import Rules
import TestSupport
import Testing

@testable import Assignment

/// The ledger stores each opportunity record with the texts many records share (reason steps, owners, playbooks)
/// as references to the `fragments` table, and gives the whole record back when the lead comes again.
@Suite("shared texts in the ledger")
struct SharedTextsTests {
    static let config = """
        version: 1
        assign:
          time_zone: UTC
          hours: always
        reps:
          - {id: ana, name: Ana Lima, email: ana@example.com}
          - {id: ben, name: Ben Okoro, email: ben@example.com, caps: {day: 3}}
        teams:
          - id: big
            when: company.employees >= 1000
            strategy: round_robin
            members: [ana, ben]
            sla: 4h
            playbook: Call within four working hours and book a discovery call.
          - id: small
            strategy: round_robin
            members: [ben]
            playbook: Reply by e-mail the same day, then offer a short call.
        fallback: {queue: inbox}
        """

    /// The records of `leads` as JSON, decided on `monday` and recorded in one batch of `claim` through a new ledger on
    /// `store`.
    static func recordedJSON(
        _ store: AssignmentStore,
        _ program: Program,
        _ leads: [LeadRecord],
        claim: String
    ) throws -> [String] {
        let ledger = Ledger(store: store, plan: program.assignment)
        let entries = leads.map { ledger.entry(Assigner.Item(decision: program.evaluate($0, now: monday), lead: $0)) }
        return try ledger.record(entries, claim: claim).map { result in
            guard case .decided(let record?) = result else { throw TestFailure("a lead without an opportunity") }
            return String(decoding: record.json, as: UTF8.self)
        }
    }

    /// Each lead's stored record and its whole record, as the ledger gives it back.
    struct Recorded {
        var stored: [String: String]
        var json: [String: String]
    }

    func run(_ fixture: AssignmentFixture, claim: String, count: Int = 12) throws -> Recorded {
        let program = try fixture.program()
        let ledger = Ledger(store: try AssignmentStore(directory: fixture.state.path), plan: program.assignment)
        let records = try (0..<count).map { index in
            try testLead("L-\(index)", employees: index.isMultiple(of: 2) ? 5000 : 20, line: index + 1)
        }
        let entries = records.map { ledger.entry(Assigner.Item(decision: program.evaluate($0, now: monday), lead: $0)) }
        var json: [String: String] = [:]
        for result in try ledger.record(entries, claim: claim) {
            guard case .decided(let record?) = result, let opportunity = record.opportunity else {
                Issue.record("a lead without an opportunity")
                continue
            }
            json[opportunity.lead] = String(decoding: record.json, as: UTF8.self)
            // The record as written is the record as its fields write it.
            var written: [UInt8] = []
            opportunity.writeJSON(into: &written)
            #expect(written == Array(record.json))
        }
        let stored = try ledger.store.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT lead, record FROM ledger").map {
                    ($0["lead"] as String, $0["record"] as String)
                }
            )
        }
        return Recorded(stored: stored, json: json)
    }

    /// The leads of `first` again: each gets its record back whole, marked replayed.
    func expectGivenBack(_ first: Recorded, _ fixture: AssignmentFixture) throws {
        let again = try run(fixture, claim: "again")
        for (lead, json) in first.json {
            #expect(again.json[lead] == String(json.dropLast()) + ",\"replayed\":true}")
        }
    }

    @Test("a stored record refers to the shared texts, and the lead again gets its whole record back")
    func sharedAndReplayed() throws {
        let fixture = try AssignmentFixture(Self.config)
        let first = try run(fixture, claim: "first")
        #expect(first.json.count == 12)
        // Ben's cap of 3 a day sends some of the small team's leads to the fallback queue.
        #expect(first.json.values.contains { $0.contains("\"status\":\"queued\"") })
        for (lead, json) in first.json {
            let stored = try #require(first.stored[lead])
            // The owner, the playbook and the team steps are references; the rest is the record's own JSON.
            #expect(stored.contains("\u{01}"), "\(stored)")
            #expect(!stored.contains("Call within") && !stored.contains("Reply by e-mail"), "\(stored)")
            #expect(!stored.contains("Ana Lima") && !stored.contains("Ben Okoro"), "\(stored)")
            #expect(stored.utf8.count < json.utf8.count * 3 / 4, "\(stored.utf8.count) of \(json.utf8.count) bytes")
            if json.contains("\"status\":\"assigned\"") {
                #expect(json.contains("\"playbook\":\"") && json.contains("\"owner_name\":\""))
            } else {
                #expect(json.contains("\"queue\":\"inbox\""))
            }
            #expect(!json.contains("\u{01}"))
        }
        // A new assigner (a new process) reads the shared texts back from the state.
        let again = try run(fixture, claim: "again")
        for (lead, json) in first.json {
            let replayed = try #require(again.json[lead])
            #expect(replayed == String(json.dropLast()) + ",\"replayed\":true}")
        }
        #expect(again.stored == first.stored)
        let fragments = try AssignmentStore(directory: fixture.state.path).read { db in
            Set(try Int64.fetchAll(db, sql: "SELECT hash FROM fragments").map { UInt64(bitPattern: $0) })
        }
        // Per team: its false, unknown and matched steps, overflow, no one in hours, playbook; per rep its owner
        // fields and cap steps; no team, the fallback: written with the first batch. Then the heads and strategy
        // steps the batch repeated (round robin, per owner and pool), from their second lead on.
        #expect(fragments.count > 2 * 6 + 2 + 2)
        for stored in first.stored.values {
            let references = try #require(SharedText.references(in: Array(stored.utf8)))
            #expect(references.allSatisfy(fragments.contains))
        }
        let whole = first.stored.values.filter { $0.contains("round robin:") }.count
        #expect(whole > 0 && whole < first.stored.count, "the strategy steps are shared from their second lead")
    }

    @Test("steps a batch repeats (a company's sticky owner, full teams and their overflow) are stored as one reference")
    func repeatedRunsStoredOnce() throws {
        let fixture = try AssignmentFixture(
            """
            version: 1
            assign: {time_zone: UTC, hours: always}
            sticky: {window: 30d, by: [domain]}
            reps:
              - {id: ana, caps: {day: 1}}
              - {id: ben, caps: {day: 1}}
            teams:
              - {id: first, when: company.employees >= 1000, strategy: round_robin, members: [ana], overflow: {team: second}}
              - {id: second, strategy: round_robin, members: [ben]}
            fallback: {queue: inbox}
            """
        )
        let program = try fixture.program()
        let leads = try (1...8).map { try testLead("L-\($0)", domain: "acme.example", employees: 5000, line: $0) }
        func record(_ claim: String) throws -> (json: [String], stored: [String]) {
            let ledger = Ledger(store: try AssignmentStore(directory: fixture.state.path), plan: program.assignment)
            let entries = leads.map {
                ledger.entry(Assigner.Item(decision: program.evaluate($0, now: monday), lead: $0))
            }
            let json = try ledger.record(entries, claim: claim).map { result in
                guard case .decided(let record?) = result else { throw TestFailure("a lead without an opportunity") }
                return String(decoding: record.json, as: UTF8.self)
            }
            let stored = try ledger.store.read { db in
                try String.fetchAll(db, sql: "SELECT record FROM ledger ORDER BY seq")
            }
            return (json, stored)
        }
        let first = try record("first")
        // L-1 takes ana; L-2 finds her as the company's sticky owner, passed over at her cap, and overflows to
        // ben; the others find ben, passed over too, and both teams full: queued, each with the same steps.
        #expect(first.json[0].contains("\"owner\":\"ana\"") && first.json[1].contains("\"owner\":\"ben\""))
        #expect(first.json[2].contains("\"queue\":\"inbox\""))
        // The queued leads' steps are one chain, whether walked team by team (the first two) or taken whole from
        // the batch's earlier leads once every team on the way was found full at this `now` (the others).
        let queued = first.json[2...].map { $0.replacing(#/^\{"lead":"L-\d+"/#, with: "") }
        #expect(Set(queued).count == 1, "\(queued)")
        let last = try #require(first.stored.last)
        #expect(first.json[7].contains("same domain acme.example went to ben") && !last.contains("same domain"))
        // The head, then the team's step and the rest of the chain: one reference each.
        let references = try #require(SharedText.references(in: Array(last.utf8)))
        #expect(references.count <= 3, "\(last)")
        #expect(
            last.utf8.count * 3 < first.json[7].utf8.count,
            "\(last.utf8.count) of \(first.json[7].utf8.count) bytes"
        )
        // The leads again: every record given back whole, as first written.
        let again = try record("again")
        for (written, replayed) in zip(first.json, again.json) {
            #expect(replayed == String(written.dropLast()) + ",\"replayed\":true}")
        }
    }

    @Test("a sticky step by address is written whole in each record; a company's, by domain, is shared")
    func stickyStepsByAddressWhole() throws {
        let fixture = try AssignmentFixture(
            """
            version: 1
            assign: {time_zone: UTC, hours: always}
            sticky: {window: 30d, by: [email, domain]}
            reps:
              - {id: ana}
              - {id: ben}
            teams:
              - {id: all, strategy: round_robin, members: [ana, ben]}
            fallback: {queue: inbox}
            """
        )
        let program = try fixture.program()
        let store = try AssignmentStore(directory: fixture.state.path)
        func record(_ leads: [LeadRecord], _ claim: String) throws -> [String] {
            try Self.recordedJSON(store, program, leads, claim: claim)
        }
        // Pat's first lead makes ana the owner of pat's address and of acme.example; then three more of pat's (by
        // address) and three of other contacts at acme.example (by domain).
        _ = try record([try testLead("F-1", email: "pat@acme.example", domain: "acme.example")], "first")
        let leads =
            try (0..<3).map { try testLead("P-\($0)", email: "pat@acme.example", domain: "acme.example", line: $0 + 1) }
            + (0..<3).map {
                try testLead("C-\($0)", email: "c\($0)@acme.example", domain: "acme.example", line: $0 + 4)
            }
        let json = try record(leads, "second")
        let (stored, fragments) = try store.read { db in
            (
                try String.fetchAll(db, sql: "SELECT record FROM ledger WHERE lead NOT LIKE 'F-%' ORDER BY seq"),
                try String.fetchAll(db, sql: "SELECT text FROM fragments")
            )
        }
        #expect(json[..<3].allSatisfy { $0.contains("same e-mail pat@acme.example went to ana") }, "\(json)")
        #expect(json[3...].allSatisfy { $0.contains("same domain acme.example went to ana") }, "\(json)")
        // By address: in each stored record, never in `fragments`.
        #expect(stored[..<3].allSatisfy { $0.contains("same e-mail pat@acme.example") }, "\(stored)")
        #expect(!fragments.contains { $0.contains("same e-mail") }, "\(fragments)")
        // By domain: shared from its second lead.
        #expect(fragments.contains { $0.contains("same domain acme.example went to ana") }, "\(fragments)")
        #expect(!stored[4].contains("same domain") && !stored[5].contains("same domain"), "\(stored)")
        // Given back whole.
        let again = try record(leads, "again")
        #expect(again == json.map { String($0.dropLast()) + ",\"replayed\":true}" })
    }

    @Test("queued leads of many companies refer to one tail of steps: no shared text joins a company's to it")
    func oneTailForEveryCompany() throws {
        let fixture = try AssignmentFixture(
            """
            version: 1
            assign: {time_zone: UTC, hours: always}
            sticky: {window: 30d, by: [domain]}
            reps:
              - {id: ana, caps: {day: 3}}
              - {id: ben, caps: {day: 3}}
            teams:
              - {id: first, when: company.employees >= 100, strategy: round_robin, members: [ana], overflow: {team: second}}
              - {id: second, strategy: round_robin, members: [ben]}
            fallback: {queue: inbox}
            """
        )
        let program = try fixture.program()
        let store = try AssignmentStore(directory: fixture.state.path)
        func record(_ leads: [LeadRecord], _ claim: String) throws -> [String] {
            try Self.recordedJSON(store, program, leads, claim: claim)
        }
        // A lead of each of six companies fills both caps and makes each rep the sticky owner of three companies.
        _ = try record(
            try (0..<6).map { try testLead("F-\($0)", domain: "company-\($0).example", line: $0 + 1) },
            "first"
        )
        // Then three more leads of each company, one company after the other: each finds its sticky owner at
        // their cap and both teams full, and is queued.
        let leads = try (0..<18).map { index in
            try testLead("L-\(index)", domain: "company-\(index / 3).example", line: index + 1)
        }
        let json = try record(leads, "second")
        let (stored, fragments) = try store.read { db in
            (
                try String.fetchAll(db, sql: "SELECT record FROM ledger WHERE lead LIKE 'L-%' ORDER BY seq"),
                try String.fetchAll(db, sql: "SELECT text FROM fragments")
            )
        }
        #expect(json.allSatisfy { $0.contains("\"queue\":\"inbox\"") && $0.contains("passed over: day cap 3") })
        // Once the batch has found every team full (its first few leads), the last reference of each record is the
        // same text: the tail, from the first team's cap to the fallback queue.
        let tails = try stored[4...].map { record in
            try #require(SharedText.references(in: Array(record.utf8))?.last)
        }
        #expect(Set(tails).count == 1, "\(stored.joined(separator: "\n"))")
        let tail = try #require(fragments.first { $0.hasPrefix(#"{"step":"skipped","rep":"ana""#) })
        #expect(tail.hasSuffix(#"{"step":"queue","detail":"queued to the fallback queue inbox"}"#), "\(tail)")
        // Each company's sticky step is a text of its own (from its second lead), never joined to the tail: joined,
        // they would make a text per company, each repeating the whole tail.
        for company in 0..<6 {
            #expect(fragments.contains { $0.contains("same domain company-\(company).example") }, "\(company)")
        }
        let joined = fragments.filter { $0.contains("same domain") && $0.contains("skipped") }
        #expect(joined.isEmpty, "\(joined)")
        // Given back whole.
        let again = try record(leads, "again")
        let expected: [String] = json.map { String($0.dropLast()) + ",\"replayed\":true}" }
        #expect(again == expected)
    }

    @Test("the texts of a batch rolled back are not taken for the state's: the next batch writes them again")
    func rolledBackTexts() throws {
        let fixture = try AssignmentFixture(Self.config)
        let program = try fixture.program()
        let store = try AssignmentStore(directory: fixture.state.path)
        let assigner = Assigner(plan: try #require(program.assignment), store: store)
        let items = try (0..<12).map { index in
            let lead = try testLead("L-\(index)", employees: index.isMultiple(of: 2) ? 5000 : 20, line: index + 1)
            return Assigner.Item(decision: program.evaluate(lead, now: monday), lead: lead)
        }
        // A preview writes the batch's shared texts, then rolls them back.
        let previewed = try assigner.preview(items)
        let assigned = try assigner.assign(items)
        #expect(previewed.map { $0?.owner } == assigned.map { $0?.owner })
        let (stored, fragments) = try store.read { db in
            (
                try String.fetchAll(db, sql: "SELECT record FROM ledger"),
                Set(try Int64.fetchAll(db, sql: "SELECT hash FROM fragments").map { UInt64(bitPattern: $0) })
            )
        }
        #expect(stored.count == 12)
        for record in stored {
            let references = try #require(SharedText.references(in: Array(record.utf8)))
            #expect(!references.isEmpty && references.allSatisfy(fragments.contains), "\(record)")
        }
    }

    @Test("a text made for one lead only (its head, its strategy step) is not written to fragments")
    func oneLeadTextsStayWhole() throws {
        let fixture = try AssignmentFixture(Self.config)
        let plan = try #require(try fixture.program().assignment)
        let planTexts = Set(AssignmentSession.Texts(plan: plan).shared.map(\.hash))
        let store = try AssignmentStore(directory: fixture.state.path)
        func fragments() throws -> Set<UInt64> {
            try store.read { db in
                Set(try Int64.fetchAll(db, sql: "SELECT hash FROM fragments").map { UInt64(bitPattern: $0) })
            }
        }
        // One lead in its batch: its head and its strategy step are written whole in its record.
        let single = try run(fixture, claim: "single", count: 1)
        #expect(try fragments() == planTexts)
        let stored = try #require(single.stored["L-0"])
        #expect(stored.contains("\"status\":\"assigned\"") && stored.contains("round robin:"), "\(stored)")
        // A batch where leads share them: written once, and referred to.
        _ = try run(fixture, claim: "batch", count: 12)
        #expect(try fragments().count > planTexts.count)
    }

    @Test("a text stored under the same hash with other bytes makes records be stored whole")
    func hashTakenByAnotherText() throws {
        let fixture = try AssignmentFixture(Self.config)
        let plan = try #require(try fixture.program().assignment)
        let texts = AssignmentSession.Texts(plan: plan)
        let store = try AssignmentStore(directory: fixture.state.path)
        try store.transaction { db in
            try db.execute(
                sql: "INSERT INTO fragments (hash, text) VALUES (?, 'something else')",
                arguments: [Int64(bitPattern: texts.fallback.hash)]
            )
        }
        let first = try run(fixture, claim: "first")
        for (lead, json) in first.json {
            #expect(first.stored[lead] == json, "stored whole")
        }
        try expectGivenBack(first, fixture)
    }

    @Test("a batch's step is written to fragments once, found there again, and refused when its hash has other bytes")
    func oneStepRegistered() throws {
        let fixture = try AssignmentFixture(Self.config)
        let store = try AssignmentStore(directory: fixture.state.path)
        let arena = KeyArena(capacity: 4096)
        let step = SharedText(Array(#"{"step":"sticky","detail":"same domain acme.com"}"#.utf8), in: arena)
        let other = SharedText(Array(#"{"step":"sticky","detail":"same domain other.io"}"#.utf8), in: arena)
        try store.transaction { db in
            try db.execute(
                sql: "INSERT INTO fragments (hash, text) VALUES (?, 'something else')",
                arguments: [Int64(bitPattern: other.hash)]
            )
            #expect(try SharedText.register(step, statements: store.statements, db))
            // Already there with its bytes: kept, and true again; there with other bytes: false.
            #expect(try SharedText.register(step, statements: store.statements, db))
            #expect(try !SharedText.register(other, statements: store.statements, db))
        }
        let rows = try store.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT hash, text FROM fragments ORDER BY text").map {
                (UInt64(bitPattern: $0["hash"] as Int64), $0["text"] as String)
            }
        }
        #expect(rows.map(\.0) == [other.hash, step.hash])
        #expect(rows.map(\.1) == ["something else", #"{"step":"sticky","detail":"same domain acme.com"}"#])
        withExtendedLifetime(arena) {}
    }

    @Test("a record stored whole, as before shared texts, is given back as it is")
    func wholeRecordsStillRead() throws {
        let fixture = try AssignmentFixture(Self.config)
        let first = try run(fixture, claim: "first")
        let store = try AssignmentStore(directory: fixture.state.path)
        try store.transaction { db in
            for (lead, json) in first.json {
                try db.execute(
                    sql: "UPDATE decisions SET opportunity = ? WHERE lead = ? AND opportunity IS NOT NULL",
                    arguments: [json, lead]
                )
            }
        }
        try expectGivenBack(first, fixture)
    }

    @Test("a stored record whose shared text is gone: a clear error naming the lead, and the batch not recorded")
    func missingSharedText() throws {
        let fixture = try AssignmentFixture(Self.config)
        let first = try run(fixture, claim: "first")
        let store = try AssignmentStore(directory: fixture.state.path)
        try store.transaction { db in try db.execute(sql: "DELETE FROM fragments") }
        func decisions() throws -> Int {
            try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decisions") ?? 0 }
        }
        let before = try decisions()
        do {
            _ = try run(fixture, claim: "again")
            Issue.record("a record with a missing shared text was given back")
        } catch let error as DatabaseError {
            #expect(error.message?.contains("the ledger's record of lead L-") == true, "\(error)")
            #expect(error.message?.contains("fragments table does not hold") == true, "\(error)")
        }
        // Nothing of the failed batch was written, and the ledger's records are as they were.
        #expect(try decisions() == before)
        let stored = try store.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT lead, record FROM ledger").map {
                    ($0["lead"] as String, $0["record"] as String)
                }
            )
        }
        #expect(stored == first.stored)
    }

    @Test("records an earlier leadd stored, their shared texts keyed by byte-wise FNV-1a, are given back whole")
    func earlierHashes() throws {
        let fixture = try AssignmentFixture(Self.config)
        let first = try run(fixture, claim: "first")
        func hex(_ hash: UInt64) -> String {
            let digits = String(hash, radix: 16)
            return "\u{01}" + String(repeating: "0", count: 16 - digits.count) + digits
        }
        // The state as an earlier leadd left it: each shared text under the hash it used, each record referring to it.
        let store = try AssignmentStore(directory: fixture.state.path)
        try store.transaction { db in
            var earlier: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT hash, text FROM fragments") {
                let hash = UInt64(bitPattern: row["hash"] as Int64)
                let text: String = row["text"]
                var byteWise: UInt64 = 0xCBF2_9CE4_8422_2325
                for byte in text.utf8 {
                    byteWise ^= UInt64(byte)
                    byteWise = byteWise &* 0x0000_0100_0000_01B3
                }
                #expect(byteWise != hash)
                earlier[hex(hash)] = hex(byteWise)
                try db.execute(
                    sql: "UPDATE fragments SET hash = ? WHERE hash = ?",
                    arguments: [Int64(bitPattern: byteWise), Int64(bitPattern: hash)]
                )
            }
            for (lead, stored) in first.stored {
                var record = stored
                for (now, then) in earlier { record = record.replacing(now, with: then) }
                #expect(record != stored)
                try db.execute(
                    sql: "UPDATE decisions SET opportunity = ? WHERE lead = ? AND opportunity IS NOT NULL",
                    arguments: [record, lead]
                )
            }
        }
        try expectGivenBack(first, fixture)
    }

    @Test("references: written as 0x01 and 16 hex digits, read back; a cut or unknown one reads as nothing")
    func references() {
        let arena = KeyArena(capacity: 64)
        let text = SharedText(Array("{\"step\":\"team\"}".utf8), in: arena)
        var stored = Array("[".utf8)
        SharedText.appendReference(text.hash, to: &stored)
        stored += Array("]".utf8)
        #expect(stored.count == 2 + SharedText.referenceLength)
        #expect(SharedText.references(in: stored) == [text.hash])
        #expect(SharedText.expand(stored, texts: [text.hash: Array(text.bytes)]) == Array("[{\"step\":\"team\"}]".utf8))
        // The text's bytes are the arena's: it lives until they are read.
        withExtendedLifetime(arena) {}
        #expect(SharedText.expand(stored, texts: [:]) == nil)
        #expect(SharedText.references(in: Array(stored.prefix(10))) == nil)
        #expect(SharedText.references(in: Array("{\"plain\":1}".utf8)) == [])
        // The digits, most significant first, lower case, every nibble's.
        var generator = SystemRandomNumberGenerator()
        for hash in [0, 1, 0xABCD_EF01_2345_6789, .max]
            + (0..<200).map({ _ in UInt64.random(in: .min ... .max, using: &generator) })
        {
            var written: [UInt8] = []
            SharedText.appendReference(hash, to: &written)
            let hex = String(hash, radix: 16)
            #expect(written == [0x01] + Array((String(repeating: "0", count: 16 - hex.count) + hex).utf8))
            #expect(SharedText.references(in: written) == [hash])
        }
    }
}
