import Foundation
import Leads
public import Rules

/// What assignment reads from a lead: its ledger key, its contact's e-mail and its company's domains.
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
        let root = LeadValue.object(record.fields)
        if case .string(let text) = root[path: plan.emailPath] {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
            if parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") {
                let local = parts[0].split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)[0]
                email = "\(local)@\(parts[1])"
                emailDomain = String(parts[1])
            }
        }
        var domains: [String] = []
        for path in plan.domainPaths {
            if case .string(let text) = root[path: path], let domain = Self.domain(text), !domains.contains(domain) {
                domains.append(domain)
            }
        }
        companyDomains = domains
        if let domain = emailDomain, plan.ignoredDomains.contains(domain) {
            ignoredDomain = domain
            emailDomain = nil
        }
        companyDomains.removeAll { plan.ignoredDomains.contains($0) }
    }

    /// `https://www.Acme.com/about` -> `acme.com`.
    static func domain(_ text: String) -> String? {
        var rest = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
        if rest.hasPrefix("www.") { rest = rest.dropFirst(4) }
        while rest.hasSuffix(".") { rest = rest.dropLast() }
        guard rest.contains("."), !rest.contains(" ") else { return nil }
        return String(rest)
    }

    /// The domain and its parents down to two labels: `eu.acme.com`, `acme.com`.
    static func lineage(_ domain: String) -> [String] {
        var labels = domain.split(separator: ".")
        var result: [String] = []
        while labels.count >= 2 {
            result.append(labels.joined(separator: "."))
            labels.removeFirst()
        }
        return result
    }
}
