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
        ]
    )
    func email(_ input: String, _ expected: String) {
        #expect(Normalizer.email(input) == expected)
    }

    @Test(
        "text that is not an e-mail address is missing",
        arguments: ["", "   ", "ana", "@acme.io", "ana@", "ana@acme", "ana@acme.io@", "a.b@c"]
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
        #expect(seconds(.int(1_795_824_000)) == nil)
    }
}
