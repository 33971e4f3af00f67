import Leads
import Rules

/// What assignment reads from a lead: its ledger key, its contact's e-mail and its company's domains, and the
/// account they match. Made before the batch's transaction: none of it depends on the state.
///
/// Addresses and domains are ASCII in practice; they are trimmed and lower-cased byte by byte (non-ASCII bytes are
/// kept as they are).
///
/// A class, immutable: a batch's keys are handed from the worker that made them into the state's transaction, where
/// a copy of a struct of these texts would retain each of them.
final class LeadKeys: Sendable {
    /// The lead id, or `content:HASH` (FNV-1a of its JSON) so a lead without an id is still recognized when it
    /// comes again.
    let lead: String
    let emailDomain: String?
    /// From the company's domain or website fields: lower-cased, without scheme, path, port or `www.`.
    let companyDomains: [String]
    /// The e-mail's domain when `ignore_domains` has it (free mail).
    let ignoredDomain: String?
    /// `lead`, hashed once, for the batch's lookups by lead.
    let leadKey: HashedKey
    /// Keys of the sticky table, in the order they are tried: `email:ADDRESS`, then `domain:DOMAIN`s.
    let stickyKeys: [HashedKey]
    /// The lead's account owner, if the accounts file names one.
    let account: AssignmentSession.AccountMatch

    init(decision: borrowing Decision, lead record: borrowing LeadRecord, plan: borrowing AssignmentPlan) {
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
        // The address as its sticky key (`email:ADDRESS`) when sticky by e-mail, else not kept.
        let emailKey = plan.sticky?.byEmail == true
        var foundEmail: String?
        var foundDomain: String?
        var domains: [String] = []
        record.document.withView { view in
            if let node = view.member(at: plan.emailPath), view.kind(node) == .string {
                (foundEmail, foundDomain) = Self.email(view.bytes(node), prefix: emailKey ? "email:" : "")
            }
            for path in plan.domainPaths {
                guard let node = view.member(at: path), view.kind(node) == .string else { continue }
                let bytes = view.bytes(node)
                guard let span = Self.domainSpan(bytes) else { continue }
                // The e-mail's own domain again (the usual case) adds nothing: every use of the company's domains
                // skips the e-mail's, and an ignored e-mail domain is dropped from both.
                if var email = foundDomain,
                    email.withUTF8({ Self.sameLowered(bytes, span, $0) })
                {
                    continue
                }
                let domain = Self.lowered(bytes, span.lowerBound, span.upperBound)
                if !domains.contains(domain) { domains.append(domain) }
            }
        }
        var ignored: String?
        if let domain = foundDomain, plan.ignoredDomains.contains(domain) {
            ignored = domain
            foundDomain = nil
        }
        if !plan.ignoredDomains.isEmpty { domains.removeAll { plan.ignoredDomains.contains($0) } }
        var keys: [HashedKey] = []
        if let sticky = plan.sticky {
            // Sized once: grown from empty, the array is made again at its second and third key.
            keys.reserveCapacity(2 + domains.count)
            if sticky.byEmail, let foundEmail { keys.append(HashedKey(foundEmail)) }
            if sticky.byDomain {
                if let foundDomain { keys.append(HashedKey(Self.joined("domain:", foundDomain))) }
                for domain in domains where domain != foundDomain {
                    keys.append(HashedKey(Self.joined("domain:", domain)))
                }
            }
        }
        emailDomain = foundDomain
        companyDomains = domains
        ignoredDomain = ignored
        stickyKeys = keys
        leadKey = HashedKey(lead)
        account = AssignmentSession.matchAccount(
            emailDomain: foundDomain,
            companyDomains: domains,
            ignoredDomain: ignored,
            plan: plan
        )
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }

    /// `prefix` then `text`, made in one allocation.
    static func joined(_ prefix: StaticString, _ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            let head = prefix.utf8CodeUnitCount
            return String(unsafeUninitializedCapacity: head + bytes.count) { out in
                guard var end = out.baseAddress else { return 0 }
                end.put(prefix)
                end.put(bytes)
                return head + bytes.count
            }
        }
    }

    /// The bytes from `start` to `end`, lower-cased (ASCII letters only), as a string.
    static func lowered(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(unsafeUninitializedCapacity: end - start) { out in
            for index in start..<end { out[index - start] = lower(bytes[index]) }
            return end - start
        }
    }

    /// ` Pat.Lee+promo@Acme.COM ` -> (`pat.lee@acme.com`, `acme.com`).
    static func email(_ text: String) -> (String?, String?) {
        var text = text
        return text.withUTF8 { email($0) }
    }

    /// Where `bytes` start and end without the white space around them.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> (start: Int, end: Int) {
        var end = bytes.count
        while end > 0 && isSpace(bytes[end - 1]) { end -= 1 }
        var start = 0
        while start < end && isSpace(bytes[start]) { start += 1 }
        return (start, end)
    }

    static func email(_ bytes: UnsafeBufferPointer<UInt8>) -> (String?, String?) {
        email(bytes, prefix: "")
    }

    /// `email(_:)`, the address written after `prefix` (`email:` makes the sticky key itself, in one text).
    static func email(_ bytes: UnsafeBufferPointer<UInt8>, prefix: StaticString) -> (String?, String?) {
        let (start, end) = trimmed(bytes)
        var at = end - 1
        while at >= 0 && bytes[at] != 0x40 { at -= 1 }
        guard at > start else { return (nil, nil) }
        guard (at + 1..<end).contains(where: { bytes[$0] == 0x2E }) else { return (nil, nil) }
        let localEnd = (start..<at).first { bytes[$0] == 0x2B } ?? at
        guard localEnd > start else { return (nil, nil) }
        let local = localEnd - start
        let domainCount = end - at - 1
        let head = prefix.utf8CodeUnitCount
        let address = String(unsafeUninitializedCapacity: head + local + 1 + domainCount) { out in
            guard var end = out.baseAddress else { return 0 }
            end.put(prefix)
            for index in 0..<local { out[head + index] = lower(bytes[start + index]) }
            out[head + local] = 0x40
            for index in 0..<domainCount { out[head + local + 1 + index] = lower(bytes[at + 1 + index]) }
            return head + local + 1 + domainCount
        }
        return (address, lowered(bytes, at + 1, end))
    }

    /// `https://www.Acme.com/about` -> `acme.com`.
    static func domain(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { domain($0) }
    }

    static func domain(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        domainSpan(bytes).map { lowered(bytes, $0.lowerBound, $0.upperBound) }
    }

    /// Whether `bytes[span]`, lower-cased, are `other`.
    static func sameLowered(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ span: Range<Int>,
        _ other: UnsafeBufferPointer<UInt8>
    )
        -> Bool
    {
        guard span.count == other.count else { return false }
        for index in span.indices where lower(bytes[index]) != other[index - span.lowerBound] { return false }
        return true
    }

    /// Where `domain(_:)`'s domain lies in `bytes` (before lower-casing).
    static func domainSpan(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var (start, end) = trimmed(bytes)
        // A scheme: `://`.
        if let colon = (start..<end).first(where: { bytes[$0] == 0x3A }), colon + 2 < end, bytes[colon + 1] == 0x2F,
            bytes[colon + 2] == 0x2F
        {
            start = colon + 3
        }
        end = (start..<end).first { bytes[$0] == 0x2F || bytes[$0] == 0x3F || bytes[$0] == 0x23 } ?? end
        if let at = (start..<end).last(where: { bytes[$0] == 0x40 }) { start = at + 1 }
        if let colon = (start..<end).first(where: { bytes[$0] == 0x3A }) { end = colon }
        if end - start >= 4, lower(bytes[start]) == 0x77, lower(bytes[start + 1]) == 0x77,
            lower(bytes[start + 2]) == 0x77, bytes[start + 3] == 0x2E
        {
            start += 4
        }
        while end > start && bytes[end - 1] == 0x2E { end -= 1 }
        guard (start..<end).contains(where: { bytes[$0] == 0x2E }),
            !(start..<end).contains(where: { isSpace(bytes[$0]) })
        else { return nil }
        return start..<end
    }

    /// The parents of a domain down to two labels: `eu.acme.com` -> `acme.com`.
    static func parents(_ domain: String) -> [String] {
        // Most domains have two labels and no parent: found without an allocation.
        var domain = domain
        guard domain.withUTF8({ bytes in bytes.count(where: { $0 == 0x2E }) >= 2 }) else { return [] }
        let bytes = Array(domain.utf8)
        let dots = bytes.indices.filter { bytes[$0] == 0x2E }
        guard dots.count >= 2 else { return [] }
        return dots.dropLast().map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) }
    }
}

/// A text with its hash made once (FNV-1a, 64 bits), for the lookups a batch makes by lead and by sticky key:
/// hashing it again costs a few instructions, where hashing the text costs a pass over it each time.
struct HashedKey: Hashable, Sendable {
    let text: String
    let hash: UInt64

    init(_ text: String) {
        var text = text
        hash = text.withUTF8(Self.hash)
        self.text = text
    }

    /// FNV-1a of `bytes`, 64 bits.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func == (a: HashedKey, b: HashedKey) -> Bool { a.hash == b.hash && a.text == b.text }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    /// The hash a dictionary or set places the key by: its own hash, mixed with the table's seed (one multiply and
    /// shifts, as the hash is already a hash of the text), instead of feeding it through SipHash for every lookup
    /// (a batch looks its leads and sticky keys up several times each).
    func _rawHashValue(seed: Int) -> Int {
        var mixed = hash ^ UInt64(bitPattern: Int64(seed))
        mixed ^= mixed >> 32
        mixed = mixed &* 0xD6E8_FEB8_6659_FD93
        mixed ^= mixed >> 32
        return Int(truncatingIfNeeded: mixed)
    }
}
