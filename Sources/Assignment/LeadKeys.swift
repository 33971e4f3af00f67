import Leads
import Rules

/// What assignment reads from a lead: its ledger key, its contact's e-mail and its company's domains, and the
/// account they match. Made before the batch's transaction: none of it depends on the state.
///
/// Addresses and domains are ASCII in practice; they are trimmed and lower-cased byte by byte (non-ASCII bytes are
/// kept as they are).
struct LeadKeys {
    /// The lead id, or `content:HASH` (FNV-1a of its JSON) so a lead without an id is still recognized when it
    /// comes again.
    var lead: String
    /// Lower-cased, trimmed, `+tag` removed.
    var email: String?
    var emailDomain: String?
    /// From the company's domain or website fields: lower-cased, without scheme, path, port or `www.`.
    var companyDomains: [String]
    /// The e-mail's domain when `ignore_domains` has it (free mail).
    var ignoredDomain: String?
    /// Keys of the sticky table, in the order they are tried: `email:ADDRESS`, then `domain:DOMAIN`s.
    var stickyKeys: [String] = []
    /// The lead's account owner, if the accounts file names one.
    var account: AssignmentSession.AccountMatch = .none(nil)

    init(decision: Decision, lead record: LeadRecord, plan: AssignmentPlan) {
        if let id = decision.leadID {
            lead = id
        } else {
            var bytes: [UInt8] = []
            record.fields.writeJSON(into: &bytes)
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            let hex = String(hash, radix: 16)
            lead = "content:" + String(repeating: "0", count: 16 - hex.count) + hex
        }
        if let text = record.document.string(at: plan.emailPath) {
            (email, emailDomain) = Self.email(text)
        }
        var domains: [String] = []
        for path in plan.domainPaths {
            if let text = record.document.string(at: path), let domain = Self.domain(text), !domains.contains(domain) {
                domains.append(domain)
            }
        }
        companyDomains = domains
        if let domain = emailDomain, plan.ignoredDomains.contains(domain) {
            ignoredDomain = domain
            emailDomain = nil
        }
        if !plan.ignoredDomains.isEmpty { companyDomains.removeAll { plan.ignoredDomains.contains($0) } }
        if let sticky = plan.sticky {
            if sticky.byEmail, let email { stickyKeys.append("email:" + email) }
            if sticky.byDomain {
                if let emailDomain { stickyKeys.append("domain:" + emailDomain) }
                for domain in companyDomains where domain != emailDomain { stickyKeys.append("domain:" + domain) }
            }
        }
        account = AssignmentSession.matchAccount(self, plan: plan)
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }

    /// ` Pat.Lee+promo@Acme.COM ` -> (`pat.lee@acme.com`, `acme.com`).
    static func email(_ text: String) -> (String?, String?) {
        var utf8 = Array(text.utf8)
        while let last = utf8.last, isSpace(last) { utf8.removeLast() }
        let start = utf8.firstIndex { !isSpace($0) } ?? utf8.endIndex
        guard let at = utf8.lastIndex(of: 0x40), at > start else { return (nil, nil) }
        let domainBytes = utf8[(at + 1)...].map(lower)
        guard domainBytes.contains(0x2E), !domainBytes.contains(0x40) else { return (nil, nil) }
        let localEnd = utf8[start..<at].firstIndex(of: 0x2B) ?? at
        guard localEnd > start else { return (nil, nil) }
        var address = utf8[start..<localEnd].map(lower)
        address.append(0x40)
        address += domainBytes
        return (String(decoding: address, as: UTF8.self), String(decoding: domainBytes, as: UTF8.self))
    }

    /// `https://www.Acme.com/about` -> `acme.com`.
    static func domain(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        var start = bytes.firstIndex { !isSpace($0) } ?? bytes.endIndex
        // A scheme: `://`.
        if let colon = bytes[start...].firstIndex(of: 0x3A), colon + 2 < bytes.count, bytes[colon + 1] == 0x2F,
            bytes[colon + 2] == 0x2F
        {
            start = colon + 3
        }
        var end = bytes[start...].firstIndex { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 } ?? bytes.endIndex
        if let at = bytes[start..<end].lastIndex(of: 0x40) { start = at + 1 }
        if let colon = bytes[start..<end].firstIndex(of: 0x3A) { end = colon }
        var host = bytes[start..<end].map(lower)
        if host.starts(with: Array("www.".utf8)) { host.removeFirst(4) }
        while host.last == 0x2E { host.removeLast() }
        guard host.contains(0x2E), !host.contains(where: isSpace) else { return nil }
        return String(decoding: host, as: UTF8.self)
    }

    /// The parents of a domain down to two labels: `eu.acme.com` -> `acme.com`.
    static func parents(_ domain: String) -> [String] {
        let bytes = Array(domain.utf8)
        let dots = bytes.indices.filter { bytes[$0] == 0x2E }
        guard dots.count >= 2 else { return [] }
        return dots.dropLast().map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) }
    }
}
