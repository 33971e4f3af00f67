import Foundation
import Leads
import Testing

@testable import Rules

@Suite("normalization")
struct NormalizerTests {
    @Test(
        "e-mail addresses: trimmed, lower-cased, the +tag of the local part removed",
        arguments: [
            (" Ana.Lopez+promo@Acme.IO ", "ana.lopez@acme.io"),
            ("ana@acme.io", "ana@acme.io"),
            ("+ana@acme.io", "+ana@acme.io"),
            ("ana+@acme.io", "ana@acme.io"),
            ("a+b+c@acme.io", "a@acme.io"),
            ("a+b@c@acme.io", "a@acme.io"),
            ("a@b+c@acme.io", "a@b@acme.io"),
            ("ana@acme+x.io", "ana@acme+x.io"),
            ("Tomás.Brown+X@ZhangSystems.COM", "tomás.brown@zhangsystems.com"),
            ("ÉVA@EXAMPLE.FR", "éva@example.fr"),
            ("\tana@acme.io\n", "ana@acme.io"),
            // A display name, as a From: line holds it, and a link's target.
            ("Ana Lee <Ana.Lee+x@Gmail.com>", "ana.lee@gmail.com"),
            ("\"Lee, Ana\" <ana@acme.io>", "ana@acme.io"),
            (" < ana@acme.io > ", "ana@acme.io"),
            ("mailto:Bo@Beta.IO", "bo@beta.io"),
            ("<MAILTO:bo@beta.io>", "bo@beta.io"),
            ("Zoë Ärger <Zoë@Exämple.DE>", "zoë@exämple.de"),
        ]
    )
    func email(_ input: String, _ expected: String) {
        #expect(Normalizer.email(input) == expected)
    }

    @Test(
        "numbers written as text: digits grouped by threes, sign, decimals and exponent; nothing else, NaN and infinity included",
        arguments: [
            ("1,100", 1100), (" 2_500 ", 2500), ("-3.5", -3.5), ("+7", 7), ("1.5e3", 1500), ("2E-1", 0.2),
            ("12,345,678.25", 12_345_678.25), ("1 000 000", 1_000_000), ("-1,000", -1000), (".5", 0.5), ("42", 42),
            ("NaN", nil), ("nan", nil), ("inf", nil), ("-Infinity", nil), ("0x10", nil), ("12abc", nil), ("", nil),
            ("-", nil), ("1e400", nil), ("e5", nil),
            // Groupings not by threes: a decimal comma is missing, not a number ten or a hundred times too large.
            ("1,5", nil), ("1,50", nil), ("1234,567", nil), ("1,000,00", nil), ("1,000_000", nil), (",100", nil),
            ("100,", nil), ("1,,000", nil), ("1,000.5,0", nil),
        ] as [(String, Double?)]
    )
    func numberFromText(_ input: String, _ expected: Double?) {
        #expect(Normalizer.number(input) == expected)
    }

    @Test(
        "timestamps: ISO 8601 text, or seconds since 1970 from 10^9, or milliseconds from 10^11",
        arguments: [
            (#""2026-11-28T10:00:00Z""#, 1_795_860_000), (#"" 2026-11-28T12:00:00+02:00 ""#, 1_795_860_000),
            ("1795860000", 1_795_860_000), ("1795860000000", 1_795_860_000), ("1795860000.5", 1_795_860_000.5),
            ("99999999999", 99_999_999_999), ("100000000000", 100_000_000), ("1000000000", 1_000_000_000),
            // Below 10^9: a year or a YYYYMMDD date more likely than a time.
            ("999999999", nil), ("2026", nil), ("20261128", nil), ("0", nil), ("-5", nil),
            (#""yesterday""#, nil), ("true", nil), ("null", nil),
        ] as [(String, Double?)]
    )
    func timestamp(_ json: String, _ expected: Double?) throws {
        let record = try lead(#"{"at":\#(json)}"#)
        let seconds = record.document.withView { view in
            view.member("at", of: LeadDocument.root).flatMap { Normalizer.timestamp(view, $0) }
        }
        #expect(seconds == expected)
    }

    @Test(
        "e-mail addresses read from a lead: in place when unchanged, else rewritten, the same text either way",
        arguments: [
            (" Ana.Lopez+promo@Acme.IO ", "ana.lopez@acme.io"),
            ("ana@acme.io", "ana@acme.io"),
            ("  ana@acme.io", "ana@acme.io"),
            ("+ana@acme.io", "+ana@acme.io"),
            ("a+b@c@acme.io", "a@acme.io"),
            ("Tomás.Brown+X@ZhangSystems.COM", "tomás.brown@zhangsystems.com"),
            ("ana@", nil),
            // Latin-1 letters, lower-cased in place: upper case (U+00C0 to U+00DE) gains 0x20; ×, ß, ÿ and the
            // C2 block (¡, «, µ) are their own lower case.
            ("ÉLODIE.DUPRÉ+news@EXÄMPLE.FR", "élodie.dupré@exämple.fr"),
            ("zoë@exämple.fr", "zoë@exämple.fr"),
            ("ÀÞ×ßÿ@x.io", "àþ×ßÿ@x.io"),
            ("µ«¡@X.io", "µ«¡@x.io"),
            // Beyond Latin-1: Unicode's lower case, whose bytes may differ in length (the Kelvin sign is a k).
            ("ŁUKASZ+x@Przykład.PL", "łukasz@przykład.pl"),
            ("\u{212A}ATE@X.IO", "kate@x.io"),
            ("ÉVA", nil),
            // The address out of a display name or a link, kept in place when it needs no change.
            ("Ana Lee <ana.lee@gmail.com>", "ana.lee@gmail.com"),
            ("Ana Lee <Ana.Lee+x@Gmail.com>", "ana.lee@gmail.com"),
            ("mailto:ana@acme.io", "ana@acme.io"),
            ("Élodie <ÉLODIE@exämple.fr>", "élodie@exämple.fr"),
            // ASCII addresses are read and lower-cased eight bytes at a time: capitals in the first word only, in
            // a middle one, in the last partial one, at each end; lengths of whole words and between them.
            ("Abcdefgh@abcdefgh.io", "abcdefgh@abcdefgh.io"),
            ("abcdefgh@abcdEfgh.io", "abcdefgh@abcdefgh.io"),
            ("abcdefgh@abcdefgh.iO", "abcdefgh@abcdefgh.io"),
            ("abcdefgh@abcdef.i", "abcdefgh@abcdef.i"),
            ("ABCDEFG@ABCD.EF", "abcdefg@abcd.ef"),
            ("abcdefg@abcd.eF", "abcdefg@abcd.ef"),
            (
                "Anastasia.Konstantinopoulou+Q3-Webinar@Example-Company.COM",
                "anastasia.konstantinopoulou@example-company.com"
            ),
            ("lower.case.only@example-company.com", "lower.case.only@example-company.com"),
            ("a.b+tag@example.com", "a.b@example.com"),
            ("[@]^`{~}.Z@Q.AZ", "[@]^`{~}.z@q.az"),
        ]
    )
    func emailInPlace(_ input: String, _ expected: String?) {
        LeadDocument(.string(input)).withView { lead in
            // Scratch bytes an earlier field left: an address made there does not touch them.
            let earlier: [UInt8] = Array("EARLIER FIELD".utf8)
            var scratch = earlier
            let value = Normalizer.value(lead, LeadDocument.root, .email, scratch: &scratch)
            #expect(Array(scratch.prefix(earlier.count)) == earlier)
            let text = scratch.withUnsafeBufferPointer {
                Texts(lead: lead, scratch: $0, constants: UnsafeBufferPointer(start: nil, count: 0)).string(value)
            }
            #expect(text == expected)
            #expect(text == Normalizer.email(input))
        }
    }

    /// The text a lead's value at its root normalizes to as a field of `type`; nil when missing.
    func normalized(_ input: String, _ type: FieldType) -> String? {
        LeadDocument(.string(input)).withView { lead in
            var scratch: [UInt8] = []
            let value = Normalizer.value(lead, LeadDocument.root, type, scratch: &scratch)
            return scratch.withUnsafeBufferPointer {
                Texts(lead: lead, scratch: $0, constants: UnsafeBufferPointer(start: nil, count: 0)).string(value)
            }
        }
    }

    /// `company.domain` as CRM exports write it: a website. Read as the domain alone, as assignment's accounts read it.
    @Test(
        "a company's domain or website is its domain, lower-cased; a text that is no domain stays as written",
        arguments: [
            ("acme.io", "acme.io"), (" https://www.Acme.io/about ", "acme.io"), ("WWW.GLOBEX.COM.", "globex.com"),
            ("http://eu.acme.io:8080/x?y#z", "eu.acme.io"), ("N/A", "N/A"), ("acme", "acme"), ("", nil),
            ("https://www.BÄCKEREI.DE/", "bäckerei.de"), ("école.fr", "école.fr"),
        ]
    )
    func domain(_ input: String, _ expected: String?) {
        #expect(normalized(input, .domain) == expected)
    }

    @Test("a website compared with company.domain in a rule is read as a domain too")
    func domainInRules() throws {
        let lead = #"{"company": {"domain": "https://www.Acme.io/about"}}"#
        #expect(try verdict(#"company.domain == "acme.io""#, lead) == "true")
        #expect(try verdict(#"company.domain == "http://ACME.io/""#, lead) == "true")
        #expect(try verdict(#"company.domain in ["www.acme.io", "globex.com"]"#, lead) == "true")
        #expect(try verdict(#"company.domain ends_with ".io""#, lead) == "true")
        #expect(try verdict(#"company.domain != "acme.io""#, lead) == "false")
    }

    @Test("every country name and code the table knows becomes its ISO code, in any case, surrounding spaces allowed")
    func countries() {
        for (name, code) in Countries.codes {
            #expect(normalized(name, .country) == code, "\(name)")
            #expect(normalized(" \(name.uppercased())\t", .country) == code, "\(name)")
        }
    }

    @Test(
        "a name written loosely: '&' for 'and', 'St.' for 'Saint', no accents, a leading 'the', a parenthesis",
        arguments: [
            ("Bosnia & Herzegovina", "BA"), ("St. Lucia", "LC"), ("St Kitts & Nevis", "KN"), ("Cote d'Ivoire", "CI"),
            ("Côte d’Ivoire", "CI"), ("Myanmar (Burma)", "MM"), ("the UK", "GB"), ("The Netherlands", "NL"),
            ("Sao Tome & Principe", "ST"), ("U.S. Virgin Islands", "VI"), ("So. Georgia & So. Sandwich Isl.", "GS"),
            ("Curacao", "CW"), ("REUNION", "RE"), ("  trinidad  &  tobago ", "TT"), ("Brunei", "BN"),
        ]
    )
    func looseCountry(_ input: String, _ expected: String) {
        #expect(normalized(input, .country) == expected)
    }

    /// Web forms built on the Unicode CLDR (`Intl.DisplayNames` in browsers, Foundation's `Locale`) send its
    /// English names: each ISO 3166-1 country's is known, and Kosovo's (XK, which pickers list as a country). (CLDR
    /// also names regions that are not countries: the Canary Islands, Ascension, the European Union and others stay
    /// as written.)
    @Test("the English CLDR name of every ISO 3166-1 country, and of Kosovo, becomes its code")
    func cldrNames() {
        let notISO: Set<String> = ["AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB"]
        let locale = Locale(identifier: "en_US")
        var checked = 0
        for region in Locale.Region.isoRegions where region.identifier.count == 2 && !notISO.contains(region.identifier)
        {
            guard let name = locale.localizedString(forRegionCode: region.identifier) else { continue }
            #expect(normalized(name, .country) == region.identifier, "\(name)")
            checked += 1
        }
        #expect(checked >= 249)
    }

    @Test("no loosely written name stands for two countries")
    func looseTableIsUnambiguous() {
        for (name, code) in Countries.codes {
            let loose = Countries.loose[Countries.loosened(name)]
            #expect(loose == nil || loose == code, "\(name)")
        }
    }

    @Test(
        "a country the table does not know stays as written, trimmed",
        arguments: [
            ("Atlantis", "Atlantis"), ("  xq ", "xq"), ("Zz", "Zz"), ("Nowhere Islands", "Nowhere Islands"),
            ("Ωmega", "Ωmega"),
        ]
    )
    func unknownCountry(_ input: String, _ expected: String) {
        #expect(normalized(input, .country) == expected)
    }

    @Test("a blank country is missing")
    func blankCountry() {
        #expect(normalized("   ", .country) == nil)
    }

    @Test(
        "lower-casing on bytes gives what String.lowercased() gives",
        arguments: [
            "", "ABC def", "ÉVA@EXAMPLE.FR", "ΣΑΣ ΟΔΟΣ", "İstanbul", "ǅemal", "STRASSE ß", "ÀÉÎÕÜ Ÿ", "Ⅻ Ⓐ 𐐀",
            "MIXED ascii Ñandú", "日本語 ABC",
        ]
    )
    func lowercased(_ text: String) {
        #expect(FoldedText.withBytes(text) { FoldedText.lowercased($0) } == text.lowercased())
    }

    @Test("lower-casing on bytes gives what String.lowercased() gives for every scalar up to U+024F")
    func lowercasedLatin() {
        // Latin-1 has a path of its own; the scalars after it (Latin Extended-A and B) take the general one.
        for value in UInt32(0x80)...0x24F {
            guard let scalar = Unicode.Scalar(value) else { continue }
            for text in ["A\(scalar)z", "\(scalar)", "Tom\(scalar)s.BROWN@Example.com", "\(scalar)É\(scalar)"] {
                #expect(FoldedText.withBytes(text) { FoldedText.lowercased($0) } == text.lowercased(), "\(text)")
            }
        }
    }

    @Test("lower-casing invalid UTF-8 lower-cases the text it decodes to")
    func lowercasedInvalid() {
        // A lead byte without its continuation, a stray continuation, a byte never in UTF-8, a truncated end.
        for bytes: [UInt8] in [[0x41, 0xC3, 0x28, 0xFF, 0x42], [0x41, 0xC3, 0x28], [0x80, 0x41], [0x41, 0xC3]] {
            let expected = String(decoding: bytes, as: UTF8.self).lowercased()
            #expect(bytes.withUnsafeBufferPointer { FoldedText.lowercased($0) } == expected)
        }
    }

    @Test(
        "text that is not an e-mail address is missing",
        arguments: [
            "", "   ", "ana", "@acme.io", "ana@", "ana@acme", "ana@acme.io@", "a.b@c", "Ana <ana>", "Ana <>", "mailto:",
            "mailto:ana",
        ]
    )
    func notEmail(_ input: String) {
        #expect(Normalizer.email(input) == nil)
    }

    @Test("event times are read as timestamps read them, surrounding spaces allowed")
    func eventTimes() {
        func seconds(_ value: LeadValue) -> Double? {
            LeadDocument(value).withView { Normalizer.timestamp($0, LeadDocument.root) }
        }
        #expect(seconds(.string(" 2026-11-28T10:00:00Z ")) == 1_795_860_000)
        #expect(seconds(.string("2026-11-28")) == 1_795_824_000)
        #expect(seconds(.string("yesterday")) == nil)
        // A number is seconds since 1970 (milliseconds above 10^11).
        #expect(seconds(.int(1_795_824_000)) == 1_795_824_000)
        #expect(seconds(.int(1_795_824_000_000)) == 1_795_824_000)
        #expect(seconds(.bool(true)) == nil)
    }
}
