import Leads
import Rules
import Testing

@testable import Assignment

/// The keys assignment reads from a lead: addresses and domains as the accounts file and the sticky table hold them.
@Suite("lead keys")
struct LeadKeysTests {
    @Test(
        "an e-mail address is trimmed, lower-cased and stripped of its +tag; its domain is lower-cased",
        arguments: [
            (" Pat.Lee+promo@Acme.COM ", "pat.lee@acme.com", "acme.com"),
            ("pat@acme.com", "pat@acme.com", "acme.com"),
            ("\tPAT@EU.Acme.Com\n", "pat@eu.acme.com", "eu.acme.com"),
            ("a@b@c.io", "a@b@c.io", "c.io"),
            ("müller+x@Bäckerei.DE", "müller@bäckerei.de", "bäckerei.de"),
            ("x+y+z@d.org", "x@d.org", "d.org"),
            // As the rules read it: out of a display name or a link.
            ("Pat Lee <Pat.Lee+x@Acme.COM>", "pat.lee@acme.com", "acme.com"),
            ("mailto:pat@acme.com", "pat@acme.com", "acme.com"),
            // A local part that starts with `+` keeps it, as the rules read it.
            ("+tag@acme.com", "+tag@acme.com", "acme.com"),
            ("+a+b@acme.com", "+a+b@acme.com", "acme.com"),
        ]
    )
    func emails(input: String, address: String, domain: String) {
        let (email, emailDomain) = LeadKeys.email(input)
        #expect(email == address)
        #expect(emailDomain == domain)
    }

    @Test(
        "text that is not an address gives no key",
        arguments: [
            "", "   ", "pat", "pat@acme", "@acme.com", "pat@", " @x.y", "Pat <pat>", "mailto:",
        ]
    )
    func notEmails(input: String) {
        let (email, domain) = LeadKeys.email(input)
        #expect(email == nil)
        #expect(domain == nil)
    }

    @Test(
        "a company domain or website is lower-cased, without scheme, user, port, path or www.",
        arguments: [
            ("https://www.Acme.com/about", "acme.com"),
            ("acme.com", "acme.com"),
            (" ACME.com. ", "acme.com"),
            ("http://user@eu.acme.com:8080/x?y#z", "eu.acme.com"),
            ("www.shop.example.co.uk/", "shop.example.co.uk"),
            ("acme.com?ref=1", "acme.com"),
            ("ftp://files.acme.com#top", "files.acme.com"),
            ("Bäckerei.DE", "bäckerei.de"),
            // Letters beyond ASCII in any case, as the rules lower-case text.
            ("https://www.BÄCKEREI.DE/", "bäckerei.de"), ("ÉCOLE.fr", "école.fr"),
        ]
    )
    func domains(input: String, expected: String) {
        #expect(DomainName.normalized(input) == expected)
    }

    @Test("text that is not a domain gives none", arguments: ["", "acme", "https://localhost/", "acme .com", "www."])
    func notDomains(input: String) {
        #expect(DomainName.normalized(input) == nil)
    }

    @Test(
        "a key's hash, made as its text is written, is the hash of its text; a domain's, read in place, of it lower-cased",
        arguments: [
            "a@b.io", "Pat.Lee@Acme.COM", "ABCDEFGH@IJKLMNOP.QR", "x@abcdefg.hi", "Ünïcode@Bäckerei.DE",
            "first.last+promo@a-very-long-company-name.example.com",
        ]
    )
    func keyHashes(input: String) throws {
        var text = input
        let arena = KeyArena(capacity: 64)
        let email = try #require(text.withUTF8 { LeadKeys.email($0, keepsAddress: true, tables: .none, arena: arena) })
        for key in [email.addressKey, email.domainKey].compactMap(\.self) {
            #expect(key.hash == HashedKey.hash(key.text), "\(key.text)")
            #expect(key.text == key.text.lowercased())
        }
        let domain = String(
            decoding: email.domainKey.bytes.dropFirst(LeadKeys.domainPrefix.utf8CodeUnitCount),
            as: UTF8.self
        )
        #expect(email.domainHash == HashedKey.hash(domain))
        // The keys' bytes are the arena's: it lives until they are read.
        withExtendedLifetime(arena) {}
        // Bytes of every count from 0 to 24, in both cases: eight at a time, then the rest.
        let letters = Array("AbCdEfGhIjKlMnOpQrStUvWxYz".utf8)
        for count in 0...24 {
            let bytes = Array(letters[0..<count])
            let lowered = bytes.map(LeadKeys.lower)
            let hash = bytes.withUnsafeBufferPointer { LeadKeys.lowerHash($0, 0..<count) }
            #expect(hash == lowered.withUnsafeBufferPointer { HashedKey.hash($0) })
            #expect(
                count == 0 || hash != bytes.withUnsafeBufferPointer { HashedKey.hash($0) } || bytes == lowered
            )
        }
        // Texts that differ only by trailing zero bytes, or by one byte anywhere, hash apart.
        let hashes = Set(
            ["", "\u{0}", "\u{0}\u{0}", "abcdefgh", "abcdefgh\u{0}", "abcdefgi", "bbcdefgh", "abcdefghi"].map {
                HashedKey.hash($0)
            }
        )
        #expect(hashes.count == 8)
    }

    @Test("keys in an arena keep their bytes across its blocks, and compare by bytes, not by where they lie")
    func arenaKeys() {
        let arena = KeyArena(capacity: 64)
        let other = KeyArena(capacity: 4096)
        // Some 60 blocks of 4,096 bytes, a key larger than a block, and lists of keys between them.
        var keys: [ArenaKey] = []
        var lists: [(copy: UnsafeBufferPointer<ArenaKey>, keys: [ArenaKey])] = []
        for index in 0..<10_000 {
            keys.append(arena.key("domain:company-\(index).example"))
            if index % 1000 == 0 {
                // Written as a lead's lists are: in room taken for them, key by key.
                let last = Array(keys.suffix(3))
                let room = arena.keyRoom(last.count)
                for (offset, key) in last.enumerated() { (room + offset).initialize(to: key) }
                lists.append((UnsafeBufferPointer(start: room, count: last.count), last))
            }
        }
        let large = arena.key(String(repeating: "x", count: 10_000))
        #expect(large.count == 10_000 && large.text == String(repeating: "x", count: 10_000))
        #expect(keys.indices.allSatisfy { keys[$0].text == "domain:company-\($0).example" })
        #expect(lists.allSatisfy { Array($0.copy) == $0.keys } && lists.last?.keys.count == 3)
        let again = other.key("domain:company-7.example")
        #expect(again == keys[7] && again.base != keys[7].base && again.hash == HashedKey.hash(keys[7].text))
        #expect(Set(keys).count == keys.count && Set(keys).contains(again))
        #expect(keys[7] != keys[17])
        withExtendedLifetime((arena, other)) {}
    }

    @Test("an assigned lead's key fields, found with the rules' fields, are the texts a search by path finds")
    func keyNodes() throws {
        let paths = "  email: contact.email\n  domain: [company.domain, company.website, links.site]"
        let fixture = try AssignmentFixture(
            teamConfig(strategy: "round_robin", members: "[a]", reps: ["a"], head: paths)
        )
        let program = try fixture.program()
        let plan = try #require(program.assignment)
        #expect(
            program.keyPaths == [
                ["contact", "email"], ["company", "domain"], ["company", "website"], ["links", "site"],
            ]
        )
        let leads = try [
            #"{"id": "A", "contact": {"email": "Ann@Acme.io"}, "company": {"employees": 5, "domain": "acme.io", "website": "https://www.acme.com/"}, "links": {"site": "acme.net"}}"#,
            // Keys in another order, fields that are not strings or not there.
            #"{"links": {"site": 7}, "company": {"website": "b.io", "employees": 5}, "contact": {"email": null}, "id": "B"}"#,
            #"{"id": "C", "company": {"employees": 5, "domain": {"name": "x.io"}}, "contact": "d@x.io"}"#,
            #"{"id": "D", "company": {"employees": 5}}"#,
        ].map { try record($0) }
        /// The texts `appendSources` appends for `decision`, read back.
        func sources(_ decision: Decision, _ lead: LeadRecord, _ tables: LeadKeys.Tables) -> [String?] {
            var texts = PackedTexts(capacity: 64)
            LeadKeys.appendSources(decision: decision, lead: lead, tables: tables, into: &texts)
            return texts.bytes.withUnsafeBufferPointer { buffer in
                (0..<texts.spans.count).map { texts.text($0, in: buffer).map { String(decoding: $0, as: UTF8.self) } }
            }
        }
        let tables = LeadKeys.Tables(plan: plan)
        var found: [[String?]] = []
        for lead in leads {
            let decision = program.evaluate(lead, now: monday)
            let placement = try #require(decision.placement)
            #expect(placement.keyNodes != nil)
            var searching = decision
            searching.placement?.keyNodes = nil
            #expect(sources(decision, lead, tables) == sources(searching, lead, tables))
            found.append(sources(decision, lead, tables))
            // Another plan's paths are searched for, not read from nodes found at these.
            var other = plan
            other.domainPaths = [["links", "site"]]
            #expect(
                sources(decision, lead, LeadKeys.Tables(plan: other))
                    == sources(searching, lead, LeadKeys.Tables(plan: other))
            )
        }
        #expect(
            found == [
                [nil, "Ann@Acme.io", "acme.io", "https://www.acme.com/", "acme.net"],
                [nil, nil, nil, "b.io", nil],
                [nil, nil, nil, nil, nil],
                [nil, nil, nil, nil, nil],
            ]
        )
        // More domain fields than a placement holds: none are kept, and the keys are searched for.
        let many = (1...8).map { "company.d\($0)" }.joined(separator: ", ")
        let wide = try AssignmentFixture(
            teamConfig(strategy: "round_robin", members: "[a]", reps: ["a"], head: "  domain: [\(many)]")
        )
        #expect(try wide.program().keyPaths.isEmpty)
        #expect(try wide.program().evaluate(leads[0], now: monday).placement?.keyNodes == nil)
    }

    @Test("parent domains go down to two labels")
    func parents() {
        #expect(LeadKeys.parents("eu.sales.acme.com") == ["sales.acme.com", "acme.com"])
        #expect(LeadKeys.parents("eu.acme.com") == ["acme.com"])
        #expect(LeadKeys.parents("acme.com") == [])
    }

    @Test("a sticky owner's reason names the key, the owner and the day")
    func stickyReason() {
        #expect(
            AssignmentSession.stickyDetail(key: "email:pat@acme.com", owner: "ana", at: 1_795_910_400 + 3600)
                == "same e-mail pat@acme.com went to ana on 2026-11-29, within the sticky window"
        )
        #expect(
            AssignmentSession.stickyDetail(key: "domain:bäckerei.de", owner: "élodie", at: 0)
                == "same domain bäckerei.de went to élodie on 1970-01-01, within the sticky window"
        )
    }
}
