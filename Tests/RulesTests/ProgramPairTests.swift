import Foundation
import Leads
import TestSupport
import Testing

@testable import Rules

/// Replay decides each lead under two rule sets; when they read leads alike, the candidate starts from the current
/// rules' reading. Its decisions must be exactly those of evaluating each rule set on its own.
@Suite("rule set pairs")
struct ProgramPairTests {
    /// The shipped rules with one file's text replaced, compiled.
    static func shipped(editing file: String? = nil, _ edit: (String) -> String = { $0 }) throws -> Program {
        let root = ProcessRunner.packageRoot + "/rules"
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: root) where name.hasSuffix(".yaml") {
            let text = try String(contentsOfFile: root + "/" + name, encoding: .utf8)
            files[name] = name == file ? edit(text) : text
        }
        for list in try FileManager.default.contentsOfDirectory(atPath: root + "/lists") {
            files["lists/" + list] = try String(contentsOfFile: root + "/lists/" + list, encoding: .utf8)
        }
        files["accounts.csv"] = try String(contentsOfFile: root + "/accounts.csv", encoding: .utf8)
        return try RuleFixture(files).program()
    }

    /// Varied leads: titles, sizes, countries, messages and 0 to 12 events of every type at many ages.
    static let leads: [LeadRecord] = {
        let titles = ["VP of Sales", "Head of RevOps", "Student", "Marketing Operations Manager", "IT Director", ""]
        let types = [
            "page_view", "demo_request", "form_submit", "webinar_attended", "email_click", "email_open", "trial_signup",
            "event_scan",
        ]
        let urls = ["https://x.example/pricing", "https://x.example/docs", "https://x.example/blog"]
        return (0..<300).map { n in
            let events = (0..<(n % 13)).map { k in
                let type = types[(n + k) % types.count]
                let day = (n * 7 + k * 11) % 120
                let url = urls[(n + k) % urls.count]
                return
                    #"{"type":"\#(type)","url":"\#(url)","form":"contact-sales","at":"2026-\#(day < 60 ? "10" : "11")-\#(String(format: "%02d", day % 28 + 1))T10:00:00Z"}"#
            }
            let json = """
                {"id":"P-\(n)","contact":{"email":"p\(n)@\(n % 5 == 0 ? "gmail.com" : "acme\(n % 7).com")",\
                "title":"\(titles[n % titles.count])","seniority":"\(n % 4 == 0 ? "director" : "")"},\
                "company":{"domain":"acme\(n % 7).com","employees":\(n * 37 % 5000),"revenue":\(n * 1_000_003),\
                "industry":"\(n % 3 == 0 ? "software" : "retail")","country":"\(n % 2 == 0 ? "US" : "Brazil")"},\
                "interests":["\(n % 2 == 0 ? "routing" : "api")"],\
                "message":"\(n % 3 == 0 ? "We route 40k leads a month and plan a migration from HubSpot" : "hi")",\
                "events":[\(events.joined(separator: ","))]}
                """
            let document = Array(json.utf8).withUnsafeBufferPointer { try? JSONParser.parseDocument($0, maxDepth: 64) }
            return LeadRecord(
                origin: LeadOrigin(file: "pairs.ndjson", line: n + 1, record: n + 1, byteOffset: 0),
                document: document ?? LeadDocument(LeadObject())
            )
        }
    }()

    static func line(_ decision: Decision) -> String {
        var bytes: [UInt8] = []
        decision.writeJSON(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static let now = 1_795_910_400.0  // 2026-11-29

    @Test(
        "a pair decides as each rule set alone, whether it shares the reading and rule outcomes or not",
        arguments: [
            ("qualification.yaml", "score >= 40", "score >= 45", 0),
            ("demographics.yaml", "points: 20", "points: 25", 0),
            ("demographics.yaml", "insurance, logistics", "insurance, logistics, retail", 1),
            ("behavior.yaml", "within 30d) >= 3", "within 14d) >= 3", nil),
            ("behavior.yaml", "\"trial_signup\", within 60d", "\"trial_signup\", within 20d", nil),
            ("demographics.yaml", "company.revenue >= 100000000", "contact.country == \"US\"", nil),
        ]
    )
    func sameDecisions(_ file: String, _ old: String, _ new: String, _ rulesDecidedAgain: Int?) throws {
        let current = try Self.shipped()
        let candidate = try Self.shipped(editing: file) { text in
            #expect(text.contains(old), "the edit must apply")
            return text.replacingOccurrences(of: old, with: new)
        }
        let pair = ProgramPair(current: current, candidate: candidate)
        // Shared or not, and if shared, how many of the candidate's rules are decided again rather than reused.
        #expect(pair.sharesReading == (rulesDecidedAgain != nil))
        if let rulesDecidedAgain {
            #expect(pair.sameRules.count - pair.sameRules.compactMap { $0 }.count == rulesDecidedAgain)
        }
        var differences = 0
        for lead in Self.leads {
            let (before, after) = pair.evaluate(lead, now: Self.now)
            #expect(Self.line(before) == Self.line(current.evaluate(lead, now: Self.now)))
            #expect(Self.line(after) == Self.line(candidate.evaluate(lead, now: Self.now)))
            if Self.line(before) != Self.line(after) { differences += 1 }
        }
        // The edit changes something for some leads, or the comparison proves nothing.
        #expect(differences > 0)
    }

    @Test("a candidate whose assignment reads a lead's keys at other paths finds them itself")
    func otherKeyPaths() throws {
        let current = try Self.shipped()
        let candidate = try Self.shipped(editing: "assignment.yaml") { text in
            #expect(text.contains("assign:\n"), "the edit must apply")
            return text.replacingOccurrences(
                of: "assign:\n",
                with: "assign:\n  domain: [company.website, contact.email]\n"
            )
        }
        #expect(candidate.keyPaths == [["contact", "email"], ["company", "website"], ["contact", "email"]])
        #expect(candidate.keyPaths != current.keyPaths)
        let pair = ProgramPair(current: current, candidate: candidate)
        #expect(!pair.sharesReading)
        /// The nodes a placement holds, or nil for a lead on a route that is not assigned.
        func nodes(_ decision: Decision) -> [Int]? {
            decision.placement?.keyNodes.map { keys in (0..<3).map { keys[$0] } }
        }
        var placed = 0
        for lead in Self.leads {
            let (before, after) = pair.evaluate(lead, now: Self.now)
            #expect(nodes(before) == nodes(current.evaluate(lead, now: Self.now)))
            #expect(nodes(after) == nodes(candidate.evaluate(lead, now: Self.now)))
            if let found = nodes(after) {
                placed += 1
                // The second domain path is the e-mail's own: its node is the e-mail's.
                #expect(found[2] == found[0] && found[0] >= 0)
            }
        }
        #expect(placed > 0)
    }
}
