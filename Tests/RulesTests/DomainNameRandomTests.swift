import TestSupport
import Testing

@testable import Rules

/// The one-pass reading of plain domains (`DomainName.plainSpan`) against the general one: on texts drawn from the
/// bytes that matter to either (letters of both cases, digits, `-`, `.`, `www.`, schemes, paths, ports, users,
/// spaces, a letter beyond ASCII), wherever the fast pass answers, it answers as the general pass does.
struct DomainNameRandomTests {
    @Test func plainSpanAgreesWithTheGeneralReading() {
        var random = TestRandom()
        let pieces = [
            "a", "Z", "acme", "ACME", "7", "-", ".", ".", "www.", "WWW.", "ww.", "https://", "/", "?", "#", ":8080",
            "@",
            " ", "\t", "é", "co", "io",
        ]
        var answered = 0
        for _ in 0..<TestRandom.rounds(20_000) {
            let text = (0..<random.int(0...7)).map { _ in random.pick(pieces) }.joined()
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { bytes in
                guard let plain = DomainName.plainSpan(bytes) else { return }
                answered += 1
                #expect(DomainName.generalSpan(bytes) == plain, "\(text)")
            }
        }
        // Enough drawn texts are plain domains for the comparison to mean something.
        #expect(answered > 400)
    }
}
