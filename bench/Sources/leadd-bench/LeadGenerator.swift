/// A deterministic source of synthetic B2B leads as NDJSON lines, like those in `examples/leads/`.
///
/// Seeded, so every run and every machine sees the same leads: 0 to 40 events each, and about 2% messy records
/// (broken JSON, wrong types, odd spacing and case) as real exports have.
struct LeadGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// SplitMix64.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    private mutating func pick<T>(_ items: [T]) -> T {
        items[int(0...(items.count - 1))]
    }

    private static let firstNames = [
        "Priya", "Lukas", "Grace", "Tomás", "Wei", "Olivia", "Kenji", "Aisha", "Sven", "Zoë",
    ]
    private static let lastNames = [
        "Raman", "Becker", "Okafor", "Herrera", "Zhang", "Brown", "Watanabe", "Bello", "Olsen",
    ]
    private static let titles = [
        "VP of Sales", "Head of Revenue Operations", "Chief Revenue Officer", "Marketing Manager", "Software Engineer",
        "Director, Sales Operations", "Student", "Consultant", "Owner", "IT Director",
    ]
    private static let industries = [
        "software", "financial_services", "healthcare", "manufacturing", "logistics", "education", "retail", "energy",
    ]
    private static let countries = ["US", "DE", "GB", "FR", "JP", "SG", "CH", "NG", "MX", "PL", "Norway", "usa"]
    private static let interests = [
        "lead scoring", "routing", "api", "salesforce integration", "territory management", "reporting", "webhooks",
    ]
    private static let eventTypes = [
        "page_view", "page_view", "page_view", "email_open", "email_click", "form_submit", "webinar_attended",
        "demo_request", "trial_signup",
    ]
    private static let urls = ["/pricing", "/docs", "/blog/round-robin", "/case-studies", "/pricing#enterprise"]
    private static let freeMail = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"]

    /// The next lead, as one NDJSON line without its line break.
    mutating func nextLine(id: Int) -> String {
        let roll = int(0...999)
        if roll < 8 {
            // Broken JSON: truncated, or a stray comma.
            return roll < 4
                ? #"{"id":"L-\#(id)","contact":{"email":"#
                : #"{"id":"L-\#(id)",,"source":"web_form"}"#
        }
        let first = pick(Self.firstNames)
        let last = pick(Self.lastNames)
        let company = "\(pick(Self.lastNames))\(id % 997) \(pick(["Analytics", "Systems", "Health", "Logistics"]))"
        let domain = int(0...9) < 2 ? pick(Self.freeMail) : "\(company.lowercased().filter(\.isLetter)).com"
        let employees = roll < 14 ? #""\#(int(1...9)),\#(int(100...999))""# : String(int(1...50_000))
        let email =
            roll < 20 ? " \(first.uppercased()).\(last)+promo@\(domain.uppercased()) " : "\(first).\(last)@\(domain)"
        let eventCount = int(0...40)
        var events: [String] = []
        events.reserveCapacity(eventCount)
        for _ in 0..<eventCount {
            let type = pick(Self.eventTypes)
            let day = int(1...28)
            let hour = int(0...23)
            let at = "2026-11-\(day < 10 ? "0" : "")\(day)T\(hour < 10 ? "0" : "")\(hour):00:00Z"
            if type == "page_view" || type == "email_click" {
                events.append(#"{"type":"\#(type)","url":"https://leadd.example\#(pick(Self.urls))","at":"\#(at)"}"#)
            } else {
                events.append(#"{"type":"\#(type)","at":"\#(at)"}"#)
            }
        }
        let picked = (0..<int(0...3)).map { _ in #""\#(pick(Self.interests))""# }.joined(separator: ",")
        return
            #"{"id":"L-\#(id)","source":"\#(pick(["web_form", "event_scan", "marketing_automation", "crm_export"]))","#
            + #""contact":{"first_name":"\#(first)","last_name":"\#(last)","email":"\#(email)","#
            + #""title":"\#(pick(Self.titles))","country":"\#(pick(Self.countries))"},"#
            + #""company":{"name":"\#(company)","domain":"\#(domain)","employees":\#(employees),"#
            + #""revenue":\#(int(1...2000) * 100_000),"industry":"\#(pick(Self.industries))","#
            + #""country":"\#(pick(Self.countries))"},"interests":[\#(picked)],"#
            + #""message":"Interested in \#(pick(Self.interests)); please call.","events":[\#(events.joined(separator: ","))]}"#
    }
}
