import TestSupport
import Testing

@testable import Assignment
@testable import Rules

/// The rules (`Normalizer.email`) and assignment (`LeadKeys.email`) read a lead's e-mail address with code of their
/// own, each fast in its place; on random texts they must find the same address, or both none: a lead whose rules see
/// `ana@acme.io` but whose sticky key and account match see another (or none) would be decided and assigned as two
/// different people.
struct AddressAgreementRandomTests {
    @Test("the rules and assignment read the same address from random texts")
    func sameAddress() {
        var random = TestRandom()
        // Pieces addresses are made of, and what exports put around them, letters beyond ASCII of both cases among
        // them (the Kelvin sign's lower case is an ASCII k).
        let pieces = [
            "ana", "Ana", "LEE", "a.b", "x_y", "+", "+tag", "@", "@", ".", "acme", "ACME", ".io", ".com", "-", " ",
            "  ", "\t", "<", ">", "mailto:", "MailTo:", "\"", ",", "é", "zoë", "1", "'", "É", "ÖZ", "Ł", "\u{212A}",
        ]
        var failures: [String] = []
        var addresses = 0
        for _ in 0..<TestRandom.rounds(20000) {
            var text = ""
            for _ in 0..<random.int(1...9) { text += random.pick(pieces) }
            // Half of them shaped like an address, with what may surround one.
            if random.int(0...1) == 0 {
                let address =
                    random.pick(["ana", "Ana.Lee", "+x", "a+b", "ÉVA", "Łukasz"]) + "@"
                    + random.pick(["acme.io", "ACME.Io", "a.b.c", "Bäckerei.DE"])
                text =
                    random.pick(["", " ", "Ana <", "\"Lee, Ana\" <", "mailto:", "<mailto:"]) + address
                    + random.pick(["", " ", ">", "> ", "\t"])
            }
            let rules = Normalizer.email(text)
            let keys = LeadKeys.email(text).0
            if rules != nil { addresses += 1 }
            if rules != keys { failures.append("'\(text)': rules \(rules ?? "none"), assignment \(keys ?? "none")") }
        }
        #expect(failures.isEmpty, "\(failures.count) disagreements, first: \(failures.prefix(8))")
        #expect(addresses > 3000)
    }
}
