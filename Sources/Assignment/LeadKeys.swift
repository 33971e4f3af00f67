import Leads
import Rules

/// What assignment reads from a lead: its ledger key, its contact's e-mail and its company's domains, and the
/// account they match. Made before the batch's transaction: none of it depends on the state.
///
/// Addresses and domains are ASCII in practice; they are trimmed and lower-cased byte by byte. An address or a company
/// domain with letters beyond ASCII is lower-cased as the rules lower-case text (Unicode's lower case), and so is the
/// accounts file's (`DomainName.lowered`).
///
/// A class, immutable: a batch's keys are handed from the worker that made them into the state's transaction, where
/// a copy of a struct of these texts would retain each of them.
final class LeadKeys: Sendable {
    /// The lead id, or `content:HASH` (FNV-1a of its JSON) so a lead without an id is still recognized when it
    /// comes again.
    let lead: String
    /// Whether `lead` is the lead's own id, not its content's.
    let hasID: Bool
    /// The e-mail's domain (not when `ignore_domains` has it): the end of `domainKey`, which holds it once.
    var emailDomain: Substring? { domainKey.map(Self.domain(ofKey:)) }
    /// `domain:DOMAIN` for the e-mail's domain: its sticky key, and where `emailDomain` is kept.
    private let domainKey: String?
    /// From the company's domain or website fields: lower-cased, without scheme, path, port or `www.`. Never the
    /// e-mail's domain, nor an ignored one.
    let companyDomains: [String]
    /// The e-mail's domain when `ignore_domains` has it (free mail).
    let ignoredDomain: String?
    /// `lead`, hashed once, for the batch's lookups by lead.
    let leadKey: HashedKey
    /// Keys of the sticky table, in the order they are tried: `email:ADDRESS`, then `domain:DOMAIN`s.
    let stickyKeys: [HashedKey]
    /// The lead's account owner, if the accounts file names one.
    let account: AssignmentSession.AccountMatch

    static let emailPrefix: StaticString = "email:"
    static let domainPrefix: StaticString = "domain:"

    /// `DOMAIN` of `domain:DOMAIN`, found by its bytes (`dropFirst` on the text itself would walk its characters).
    static func domain(ofKey key: String) -> Substring {
        Substring(key.utf8.dropFirst(domainPrefix.utf8CodeUnitCount))
    }

    /// What the keys of every lead look up, made once per plan: filters of the hashes of the ignored domains and
    /// of the accounts file's domains, so that a lead's domain is hashed once (`HashedKey.hash`, as it is written) and
    /// looked up in the plan's sets only when it may be there.
    struct Tables: Sendable {
        let ignored: DomainFilter
        let accounts: DomainFilter
        /// The plan's e-mail path and domain paths as bytes, walked without retaining a text per step.
        let paths: KeyPaths

        init(plan: AssignmentPlan) {
            ignored = DomainFilter(plan.ignoredDomains)
            accounts = DomainFilter(plan.accounts.byDomain.keys)
            paths = KeyPaths(email: plan.emailPath, domains: plan.domainPaths)
        }

        private init() {
            ignored = DomainFilter([String]())
            accounts = DomainFilter([String]())
            paths = KeyPaths(email: [], domains: [])
        }

        /// No ignored domains and no accounts.
        static let none = Tables()
    }

    /// The texts `init(lead:sources:first:in:plan:tables:)` reads of a lead, appended to `texts` when it is decided
    /// (`Ledger.entry`), while its document is at hand: the content id of a lead without an id, the e-mail field, then
    /// each domain field, as the lead holds them (nil when missing or not a string).
    ///
    /// The keys themselves are made for a whole batch at once, before its transaction (`Assigner.keys`). Made lead by
    /// lead between evaluations, their code and the rules' pushed each other out of the processor's instruction
    /// cache: callgrind's cache simulation counted some 200 more instruction-cache misses per lead.
    static func appendSources(
        decision: borrowing Decision,
        lead record: borrowing LeadRecord,
        tables: borrowing Tables,
        into texts: inout PackedTexts
    ) {
        if decision.leadID == nil {
            var bytes: [UInt8] = []
            record.fields.writeJSON(into: &bytes)
            let hex = String(bytes.withUnsafeBufferPointer(HashedKey.fnv1a), radix: 16)
            texts.append("content:" + String(repeating: "0", count: 16 - hex.count) + hex)
        } else {
            texts.append(nil as String?)
        }
        record.document.withView { view in
            func field(_ path: Range<Int>) -> UnsafeBufferPointer<UInt8>? {
                guard let node = tables.paths.node(path, in: view), view.kind(node) == .string else { return nil }
                return view.bytes(node)
            }
            texts.append(field(tables.paths.email))
            for path in tables.paths.domains { texts.append(field(path)) }
        }
    }

    /// The keys of a lead whose id is `id` (nil: it has none), from its texts appended by `appendSources`: those of
    /// `sources` from its `first`, whose bytes are `buffer`.
    init(
        lead id: String?,
        sources: borrowing PackedTexts,
        first: Int,
        in buffer: UnsafeBufferPointer<UInt8>,
        plan: borrowing AssignmentPlan,
        tables: borrowing Tables
    ) {
        lead = id ?? sources.text(first, in: buffer).map { String(decoding: $0, as: UTF8.self) } ?? "content:"
        hasID = id != nil
        let sticky = plan.sticky
        // The address's keys are taken out of its `Email` once, into variables the fields take them from: an
        // `Email?` read field by field is copied (its texts retained) at each read.
        var addressKey: HashedKey?
        var emailDomainKey: HashedKey?
        var emailDomainHash: UInt64 = 0
        var ignored = false
        var domains: [String] = []
        if let bytes = sources.text(first + 1, in: buffer),
            let email = Self.email(bytes, keepsAddress: sticky?.byEmail == true, tables: tables)
        {
            addressKey = email.addressKey
            emailDomainKey = email.domainKey
            emailDomainHash = email.domainHash
            ignored = email.ignored
        }
        for index in tables.paths.domains.indices {
            guard let bytes = sources.text(first + 2 + index, in: buffer), let span = DomainName.span(bytes) else {
                continue
            }
            // The e-mail's own domain again (the usual case) adds nothing: every use of the company's domains
            // skips the e-mail's, and an ignored e-mail domain is dropped from both.
            if Email.sameDomain(emailDomainKey, bytes, span) { continue }
            let domain = DomainName.lowered(UnsafeBufferPointer(rebasing: bytes[span]))
            if !domains.contains(domain) { domains.append(domain) }
        }
        if !plan.ignoredDomains.isEmpty, !domains.isEmpty {
            domains.removeAll { domain in
                var domain = domain
                return domain.withUTF8 { tables.ignored.mayContain(HashedKey.hash($0)) }
                    && plan.ignoredDomains.contains(domain)
            }
        }
        if ignored {
            ignoredDomain = emailDomainKey.map { String(Self.domain(ofKey: $0.text)) }
            emailDomainKey = nil
        } else {
            ignoredDomain = nil
        }
        var keys: [HashedKey] = []
        if let sticky {
            let byEmail = sticky.byEmail && addressKey != nil
            let domainCount = sticky.byDomain ? (emailDomainKey != nil ? 1 : 0) + domains.count : 0
            if byEmail || domainCount > 0 {
                // Sized once: grown from empty, the array is made again at its second and third key.
                keys.reserveCapacity((byEmail ? 1 : 0) + domainCount)
                if byEmail, let addressKey { keys.append(addressKey) }
                if sticky.byDomain {
                    if let emailDomainKey { keys.append(emailDomainKey) }
                    for domain in domains { keys.append(HashedKey(Self.joined(Self.domainPrefix, domain))) }
                }
            }
        }
        domainKey = emailDomainKey?.text
        companyDomains = domains
        stickyKeys = keys
        leadKey = HashedKey(lead)
        account = AssignmentSession.matchAccount(
            emailDomain: domainKey.map { (Self.domain(ofKey: $0), emailDomainHash) },
            companyDomains: domains,
            ignoredDomain: ignoredDomain,
            plan: plan,
            accounts: tables.accounts
        )
    }

    /// An e-mail address as the keys hold it: `email:ADDRESS` (when kept), `domain:DOMAIN`, each made in one
    /// allocation with its hash, and the domain's own hash.
    struct Email {
        var addressKey: HashedKey?
        var domainKey: HashedKey
        var domainHash: UInt64
        var ignored: Bool

        /// Whether `bytes[span]`, lower-cased (`DomainName.lowered`), are the domain of `domainKey`, an address's.
        static func sameDomain(_ domainKey: HashedKey?, _ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>) -> Bool
        {
            guard var key = domainKey?.text else { return false }
            return key.withUTF8 { key in
                let domain = UnsafeBufferPointer(rebasing: key[LeadKeys.domainPrefix.utf8CodeUnitCount...])
                // Beyond ASCII, letters fold as the rules fold them; the rest byte by byte, without a copy.
                guard !bytes[span].contains(where: { $0 >= 0x80 }) else {
                    return DomainName.lowered(UnsafeBufferPointer(rebasing: bytes[span])).utf8.elementsEqual(domain)
                }
                return LeadKeys.sameLowered(bytes, span, domain)
            }
        }
    }

    /// The address in `bytes` (`email(_:)`), as keys: nil when it is not an address.
    static func email(
        _ bytes: UnsafeBufferPointer<UInt8>,
        keepsAddress: Bool,
        tables: Tables,
        lowered: Bool = false
    ) -> Email? {
        // Letters beyond ASCII are lower-cased as the rules lower-case them (Unicode's lower case, with the rules'
        // own lower-casing: `String.lowercased()` costs tens of thousands of instructions for one accented address),
        // so that `ÉVA@x.io` and `éva@x.io` are one person here as there; the rest is byte by byte.
        if !lowered, bytes.contains(where: { $0 >= 0x80 }) {
            var text = FoldedText.lowercased(bytes)
            if !text.utf8.elementsEqual(bytes) {
                return text.withUTF8 { email($0, keepsAddress: keepsAddress, tables: tables, lowered: true) }
            }
        }
        guard let parts = emailParts(bytes) else { return nil }
        let domain = parts.at + 1..<parts.end
        let domainHash = lowerHash(bytes, domain)
        let ignored =
            tables.ignored.mayContain(domainHash)
            && tables.ignored.names.contains(String(decoding: lowerBytes(bytes, domain), as: UTF8.self))
        return Email(
            addressKey: keepsAddress ? key(emailPrefix, bytes, parts.start..<parts.localEnd, domain) : nil,
            domainKey: key(domainPrefix, bytes, nil, domain),
            domainHash: domainHash,
            ignored: ignored
        )
    }

    /// Where an address's parts lie in `bytes`: its start and end without white space (and out of `Name <...>` or
    /// `mailto:`, as the rules read it: `EmailAddress`), the end of its local part (before any `+tag`) and its `@`.
    /// Nil when it is not an address.
    static func emailParts(_ bytes: UnsafeBufferPointer<UInt8>) -> (start: Int, end: Int, localEnd: Int, at: Int)? {
        let span = EmailAddress.span(bytes)
        let (start, end) = (span.lowerBound, span.upperBound)
        var at = end - 1
        while at >= 0 && bytes[at] != 0x40 { at -= 1 }
        guard at > start else { return nil }
        var dot = at + 1
        while dot < end && bytes[dot] != 0x2E { dot += 1 }
        guard dot < end else { return nil }
        // The first `+` cuts the local part, unless the local part starts with it (as the rules read addresses).
        var localEnd = start
        while localEnd < at && bytes[localEnd] != 0x2B { localEnd += 1 }
        if localEnd == start { localEnd = at }
        return (start, end, localEnd, at)
    }

    /// `HashedKey.hash` of `bytes[span]` lower-cased, without writing them.
    static func lowerHash(_ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>) -> UInt64 {
        HashedKey.hash(UnsafeBufferPointer(rebasing: bytes[span]), lowering: true)
    }

    static func lowerBytes(_ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>) -> [UInt8] {
        span.map { lower(bytes[$0]) }
    }

    /// `prefix`, then `bytes[local]` and `@` (when given), then `bytes[domain]`, lower-cased: one text, with its
    /// hash, written in one pass.
    static func key(
        _ prefix: StaticString,
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ local: Range<Int>?,
        _ domain: Range<Int>
    ) -> HashedKey {
        let count = prefix.utf8CodeUnitCount + (local.map { $0.count + 1 } ?? 0) + domain.count
        var hash: UInt64 = 0
        // Written in the text's own storage: no buffer to copy from.
        let text = String(unsafeUninitializedCapacity: count) { out -> Int in
            guard let base = out.baseAddress, let source = bytes.baseAddress else { return 0 }
            var end = base
            end.put(prefix)
            @inline(__always) func copy(_ range: Range<Int>) {
                FoldedText.copyFolded(source + range.lowerBound, count: range.count, to: end)
                end += range.count
            }
            if let local {
                copy(local)
                end.pointee = 0x40
                end += 1
            }
            copy(domain)
            hash = HashedKey.hash(UnsafeBufferPointer(start: base, count: count))
            return count
        }
        return HashedKey(text: text, hash: hash)
    }

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

    /// What `email(_:keepsAddress:tables:)` keys, as texts: ` Pat.Lee+promo@Acme.COM ` -> (`pat.lee@acme.com`,
    /// `acme.com`).
    static func email(_ text: String) -> (String?, String?) {
        var text = text
        guard let email = text.withUTF8({ email($0, keepsAddress: true, tables: .none) }) else { return (nil, nil) }
        let address = email.addressKey.map {
            String(decoding: $0.text.utf8.dropFirst(emailPrefix.utf8CodeUnitCount), as: UTF8.self)
        }
        return (address, String(domain(ofKey: email.domainKey.text)))
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

/// A text with its hash made once (`HashedKey.hash`, 64 bits), for the lookups a batch makes by lead and by sticky
/// key: hashing it again costs a few instructions, where hashing the text costs a pass over it each time.
struct HashedKey: Hashable, Sendable {
    let text: String
    let hash: UInt64

    init(_ text: String) {
        var text = text
        hash = text.withUTF8(Self.hash)
        self.text = text
    }

    /// A text whose hash was made as it was written.
    init(text: String, hash: UInt64) {
        self.text = text
        self.hash = hash
    }

    /// `FoldedText.wordHash` of `bytes`: for this process's tables and filters, never stored.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 { hash(bytes, lowering: false) }

    /// `hash(_:)`, or with `lowering` the hash of the bytes with ASCII letters lower-cased (`LeadKeys.lower`), without
    /// writing them.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, lowering: Bool) -> UInt64 {
        FoldedText.wordHash(bytes, folding: lowering).hash
    }

    /// FNV-1a of `bytes`, 64 bits: the hash in a lead's `content:HASH` id, which is stored, so it stays as it was.
    static func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The same hash and the same bytes. Not `String`'s `==`, which compares by Unicode canonical equivalence: for a
    /// text beyond ASCII (`josé@…`) it normalizes both sides, some hundred instructions per lookup. Texts equivalent
    /// but not the same bytes never meet here anyway, as their hashes (of the bytes) differ.
    static func == (a: HashedKey, b: HashedKey) -> Bool {
        guard a.hash == b.hash else { return false }
        // Native texts (every key) lend their bytes in place; another kind is compared byte by byte.
        let same = a.text.utf8.withContiguousStorageIfAvailable { x in
            b.text.utf8.withContiguousStorageIfAvailable { y in SharedText.sameBytes(x, y) }
        }
        return (same ?? nil) ?? a.text.utf8.elementsEqual(b.text.utf8)
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    /// The hash a dictionary or set places the key by: its own hash, mixed with the table's seed (one multiply and
    /// shifts, as the hash is already a hash of the text), instead of feeding it through SipHash for every lookup
    /// (a batch looks its leads and sticky keys up several times each).
    func _rawHashValue(seed: Int) -> Int { Self.placement(of: hash, seed: seed) }

    /// Where a table with `seed` places a key whose hash is `hash` already: mixed with the seed, not hashed again.
    static func placement(of hash: UInt64, seed: Int) -> Int {
        var mixed = hash ^ UInt64(bitPattern: Int64(seed))
        mixed ^= mixed >> 32
        mixed = mixed &* 0xD6E8_FEB8_6659_FD93
        mixed ^= mixed >> 32
        return Int(truncatingIfNeeded: mixed)
    }
}

/// Paths of object keys from a lead's root (`contact.email`), their keys' bytes in one array: walked through a
/// pointer, where `LeadView.member(at:)` over an array of texts retains and releases each step's text, for every lead.
struct KeyPaths: Sendable {
    private let bytes: [UInt8]
    /// Where each step's key lies in `bytes`.
    private let steps: [Range<Int>]
    /// The e-mail's path, and each domain path: ranges of `steps`.
    let email: Range<Int>
    let domains: [Range<Int>]

    init(email: [String], domains: [[String]]) {
        var bytes: [UInt8] = []
        var steps: [Range<Int>] = []
        func add(_ path: [String]) -> Range<Int> {
            let first = steps.count
            for key in path {
                let start = bytes.count
                bytes.append(contentsOf: key.utf8)
                steps.append(start..<bytes.count)
            }
            return first..<steps.count
        }
        self.email = add(email)
        self.domains = domains.map(add)
        self.bytes = bytes
        self.steps = steps
    }

    /// The node at `path` (a range of `steps`) in `view`, as `LeadView.member(at:)` finds it; nil for an empty
    /// path, which names no field.
    func node(_ path: Range<Int>, in view: LeadView) -> Int? {
        guard !path.isEmpty else { return nil }
        return bytes.withUnsafeBufferPointer { bytes in
            steps.withUnsafeBufferPointer { steps in
                var current = LeadDocument.root
                for step in path {
                    guard let next = view.member(UnsafeBufferPointer(rebasing: bytes[steps[step]]), of: current)
                    else { return nil }
                    current = next
                }
                return current
            }
        }
    }
}

/// A filter of the hashes of a set of domains (`HashedKey.hash`), with the set: a domain whose hash is not in
/// the filter is not in the set, found without hashing its text again (the set's own hashing is SipHash, many times
/// the cost). A domain it may hold is looked up in the set.
struct DomainFilter: Sendable {
    private let bits: [UInt64]
    let names: Set<String>

    init(_ domains: some Collection<String>) {
        names = Set(domains)
        // About 16 bits per domain, at least 4,096: a domain not in the set passes 1 time in 16 or fewer.
        var count = 1 << 12
        while count < 16 * domains.count { count <<= 1 }
        var bits = [UInt64](repeating: 0, count: count / 64)
        for var domain in domains {
            let bit = Self.bit(domain.withUTF8(HashedKey.hash), count)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.bits = bits
    }

    private static func bit(_ hash: UInt64, _ count: Int) -> Int {
        Int(truncatingIfNeeded: (hash ^ (hash >> 29)) & UInt64(count - 1))
    }

    func mayContain(_ hash: UInt64) -> Bool {
        guard !names.isEmpty else { return false }
        let bit = Self.bit(hash, bits.count * 64)
        return bits[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }
}
