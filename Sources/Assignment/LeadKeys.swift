import Glibc
import Leads
import Rules

/// What assignment reads from a lead: its ledger key, its contact's e-mail and its company's domains, and the
/// account they match. Made before the batch's transaction: none of it depends on the state.
///
/// Addresses and domains are ASCII in practice; they are trimmed and lower-cased byte by byte. An address or a company
/// domain with letters beyond ASCII is lower-cased as the rules lower-case text (Unicode's lower case), and so is the
/// accounts file's (`DomainName.lowered`).
///
/// Every key's bytes lie in the batch's `KeyArena` (`BatchKeys`): a lead's keys are copied, and read, without a
/// reference count or an allocation of their own. Made as texts, they cost four allocations per lead and some twenty
/// reference counts, each an atomic operation, between being made and being freed.
struct LeadKeys {
    /// The lead id, or `content:HASH` (FNV-1a of its JSON) so a lead without an id is still recognized when it
    /// comes again.
    let lead: ArenaKey
    /// Whether `lead` is the lead's own id, not its content's.
    let hasID: Bool
    /// The e-mail's domain (not when `ignore_domains` has it): the end of its sticky key `domain:DOMAIN`.
    let emailDomain: ArenaKey?
    /// From the company's domain or website fields: lower-cased, without scheme, path, port or `www.`. Never the
    /// e-mail's domain, nor an ignored one.
    let companyDomains: UnsafeBufferPointer<ArenaKey>
    /// The e-mail's domain when `ignore_domains` has it (free mail).
    let ignoredDomain: ArenaKey?
    /// Keys of the sticky table, in the order they are tried: `email:ADDRESS`, then `domain:DOMAIN`s.
    let stickyKeys: UnsafeBufferPointer<ArenaKey>
    /// The lead's account owner, if the accounts file names one: the match itself is in the batch's `accounts`
    /// unless it says nothing but "no account" (nearly every lead), so that the keys hold no text and are copied
    /// as plain bytes.
    let account: Account

    enum Account {
        /// No account for any of the lead's domains (`AssignmentSession.AccountMatch.unmatched`).
        case unmatched
        /// The plan has no accounts (`.none(nil)`).
        case none
        /// `BatchKeys.accounts[index]`.
        case match(Int)

        /// The match itself when the keys hold it whole; nil for `match`, which the batch's `accounts` hold.
        var held: AssignmentSession.AccountMatch? {
            switch self {
            case .unmatched: .unmatched
            case .none: .none(nil)
            case .match: nil
            }
        }
    }

    static let emailPrefix: StaticString = "email:"
    static let domainPrefix: StaticString = "domain:"

    /// What the keys of every lead look up, made once per plan: filters of the hashes of the ignored domains and
    /// of the accounts file's domains, so that a lead's domain is hashed once (`HashedKey.hash`, as it is written) and
    /// looked up in the plan's sets only when it may be there.
    struct Tables: Sendable {
        let ignored: DomainFilter
        let accounts: DomainFilter
        /// The plan's e-mail path and domain paths as bytes, walked without retaining a text per step.
        let paths: KeyPaths
        /// `Decision.KeyNodes.pathsHash` of those paths: a decision's key nodes found at them are read as they are.
        let pathsHash: UInt64

        init(plan: AssignmentPlan) {
            ignored = DomainFilter(plan.ignoredDomains)
            accounts = DomainFilter(plan.accounts.byDomain.keys)
            paths = KeyPaths(email: plan.emailPath, domains: plan.domainPaths)
            pathsHash = Decision.KeyNodes.pathsHash(plan.keyPaths)
        }

        private init() {
            ignored = DomainFilter([String]())
            accounts = DomainFilter([String]())
            paths = KeyPaths(email: [], domains: [])
            pathsHash = Decision.KeyNodes.pathsHash([[]])
        }

        /// No ignored domains and no accounts.
        static let none = Tables()
    }

    /// The texts `init(lead:sources:first:in:plan:tables:arena:scratch:)` reads of a lead, appended to `texts` when
    /// it is decided (`Ledger.entry`), while its document is at hand: the content id of a lead without an id, the
    /// e-mail field, then each domain field, as the lead holds them (nil when missing or not a string).
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
            func string(_ node: Int?) -> UnsafeBufferPointer<UInt8>? {
                guard let node, node >= 0, node < view.nodes.count, view.kind(node) == .string else { return nil }
                return view.bytes(node)
            }
            // Found with the rules' fields when the program read these paths; else searched for.
            if let nodes = decision.placement?.keyNodes, nodes.pathsHash == tables.pathsHash {
                texts.append(string(nodes[0]))
                for index in tables.paths.domains.indices { texts.append(string(nodes[1 + index])) }
                return
            }
            texts.append(string(tables.paths.node(tables.paths.email, in: view)))
            for path in tables.paths.domains { texts.append(string(tables.paths.node(path, in: view))) }
        }
    }

    /// Kept from lead to lead while a batch's keys are made.
    struct Scratch {
        /// The batch's account matches that say more than "no account" (`Account.match`), in order.
        var accounts: [AssignmentSession.AccountMatch] = []
    }

    /// The keys of a lead whose id is `id` (nil: it has none), from its texts appended by `appendSources`: those of
    /// `sources` from its `first`, whose bytes are `buffer`. Their bytes are written to `arena`.
    init(
        lead id: String?,
        sources: borrowing PackedTexts,
        first: Int,
        in buffer: UnsafeBufferPointer<UInt8>,
        plan: borrowing AssignmentPlan,
        tables: borrowing Tables,
        arena: KeyArena,
        scratch: inout Scratch
    ) {
        if let id {
            lead = arena.key(id)
        } else if let content = sources.text(first, in: buffer) {
            lead = arena.key(content)
        } else {
            lead = arena.key("content:")
        }
        hasID = id != nil
        let sticky = plan.sticky
        var email: Email?
        if let bytes = sources.text(first + 1, in: buffer) {
            email = Self.email(bytes, keepsAddress: sticky?.byEmail == true, tables: tables, arena: arena)
        }
        let domainKey = email?.domainKey
        // The lists are written in the arena as they are found, in room for the most they can hold.
        let domains = arena.keyRoom(tables.paths.domains.count)
        var domainCount = 0
        for index in tables.paths.domains.indices {
            guard let bytes = sources.text(first + 2 + index, in: buffer), let span = DomainName.span(bytes) else {
                continue
            }
            // The e-mail's own domain again (the usual case) adds nothing: every use of the company's domains
            // skips the e-mail's, and an ignored e-mail domain is dropped from both.
            if Email.sameDomain(domainKey, bytes, span) { continue }
            let domain = Self.lowered(UnsafeBufferPointer(rebasing: bytes[span]), arena: arena)
            let ignored =
                !plan.ignoredDomains.isEmpty && tables.ignored.mayContain(domain.hash)
                && plan.ignoredDomains.contains(domain.text)
            if !ignored, !UnsafeBufferPointer(start: domains, count: domainCount).contains(domain) {
                (domains + domainCount).initialize(to: domain)
                domainCount += 1
            }
        }
        /// The domain of the e-mail's `domain:DOMAIN`, with its own hash.
        let addressDomain = email.map { email in
            email.domainKey.dropping(Self.domainPrefix.utf8CodeUnitCount, hash: email.domainHash)
        }
        let ignored = email?.ignored == true
        ignoredDomain = ignored ? addressDomain : nil
        emailDomain = ignored ? nil : addressDomain
        companyDomains = UnsafeBufferPointer(start: domains, count: domainCount)
        var stickyCount = 0
        var stickyList: UnsafeMutablePointer<ArenaKey>?
        if let sticky {
            let list = arena.keyRoom(2 + domainCount)
            func add(_ key: ArenaKey) {
                (list + stickyCount).initialize(to: key)
                stickyCount += 1
            }
            if sticky.byEmail, let address = email?.addressKey { add(address) }
            if sticky.byDomain {
                if !ignored, let domainKey { add(domainKey) }
                for domain in companyDomains { add(Self.prefixed(Self.domainPrefix, domain, arena)) }
            }
            stickyList = stickyCount > 0 ? list : nil
        }
        stickyKeys = UnsafeBufferPointer(start: stickyList, count: stickyCount)
        let match = AssignmentSession.matchAccount(
            emailDomain: emailDomain,
            companyDomains: companyDomains,
            ignoredDomain: ignoredDomain,
            plan: plan,
            accounts: tables.accounts
        )
        switch match {
        case .unmatched: account = .unmatched
        case .none(nil): account = .none
        default:
            account = .match(scratch.accounts.count)
            scratch.accounts.append(match)
        }
    }

    /// A domain's bytes lower-cased (`DomainName.lowered`), as a key in `arena`: ASCII letters in place, a domain
    /// beyond ASCII through the rules' lower case.
    static func lowered(_ domain: UnsafeBufferPointer<UInt8>, arena: KeyArena) -> ArenaKey {
        guard !FoldedText.beyondASCII(domain) else { return arena.key(DomainName.lowered(domain)) }
        return arena.key(count: domain.count) { out in
            if let source = domain.baseAddress { FoldedText.copyFolded(source, count: domain.count, to: out) }
        }
    }

    /// `prefix` then `key`'s bytes, as a key of its own.
    static func prefixed(_ prefix: StaticString, _ key: ArenaKey, _ arena: KeyArena) -> ArenaKey {
        arena.key(count: prefix.utf8CodeUnitCount + key.count) { out in
            var end = out
            end.put(prefix)
            end.put(key.bytes)
        }
    }

    /// An e-mail address as the keys hold it: `email:ADDRESS` (when kept), `domain:DOMAIN`, each written once with
    /// its hash, and the domain's own hash.
    struct Email {
        var addressKey: ArenaKey?
        var domainKey: ArenaKey
        var domainHash: UInt64
        var ignored: Bool

        /// Whether `bytes[span]`, lower-cased (`DomainName.lowered`), are the domain of `domainKey`, an address's.
        static func sameDomain(_ domainKey: ArenaKey?, _ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>) -> Bool
        {
            guard let key = domainKey?.bytes else { return false }
            let domain = UnsafeBufferPointer(rebasing: key[LeadKeys.domainPrefix.utf8CodeUnitCount...])
            // Beyond ASCII, letters fold as the rules fold them; the rest byte by byte, without a copy.
            guard !FoldedText.beyondASCII(UnsafeBufferPointer(rebasing: bytes[span])) else {
                return DomainName.lowered(UnsafeBufferPointer(rebasing: bytes[span])).utf8.elementsEqual(domain)
            }
            return LeadKeys.sameLowered(bytes, span, domain)
        }
    }

    /// The address in `bytes` (`email(_:)`), as keys written to `arena`: nil when it is not an address.
    static func email(
        _ bytes: UnsafeBufferPointer<UInt8>,
        keepsAddress: Bool,
        tables: Tables,
        arena: KeyArena,
        lowered: Bool = false
    ) -> Email? {
        // Letters beyond ASCII are lower-cased as the rules lower-case them (Unicode's lower case, with the rules'
        // own lower-casing: `String.lowercased()` costs tens of thousands of instructions for one accented address),
        // so that `ÉVA@x.io` and `éva@x.io` are one person here as there; the rest is byte by byte. An address whose
        // letters beyond ASCII are lower-case ones of Latin-1 (`José.García@x.es`) lower-cases as its ASCII letters do.
        if !lowered, FoldedText.beyondASCII(bytes), !FoldedText.lowersAsASCII(bytes) {
            var text = FoldedText.lowercased(bytes)
            if !text.utf8.elementsEqual(bytes) {
                return text.withUTF8 {
                    email($0, keepsAddress: keepsAddress, tables: tables, arena: arena, lowered: true)
                }
            }
        }
        guard let parts = emailParts(bytes) else { return nil }
        let domain = parts.at + 1..<parts.end
        let domainHash = lowerHash(bytes, domain)
        let ignored =
            tables.ignored.mayContain(domainHash)
            && tables.ignored.names.contains(String(decoding: lowerBytes(bytes, domain), as: UTF8.self))
        return Email(
            addressKey: keepsAddress ? key(emailPrefix, bytes, parts.start..<parts.localEnd, domain, arena) : nil,
            domainKey: key(domainPrefix, bytes, nil, domain, arena),
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
        guard let base = bytes.baseAddress else { return nil }
        /// Where `byte` is first in `base[from..<to]`, by memchr (which reads the bytes a word at a time).
        func find(_ byte: UInt8, _ from: Int, _ to: Int) -> Int? {
            guard to > from, let found = memchr(base + from, Int32(byte), to - from) else { return nil }
            return UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base
        }
        // The last `@`: nearly always the first.
        guard var at = find(0x40, start, end) else { return nil }
        while let next = find(0x40, at + 1, end) { at = next }
        guard at > start, find(0x2E, at + 1, end) != nil else { return nil }
        // The first `+` cuts the local part, unless the local part starts with it (as the rules read addresses).
        let plus = find(0x2B, start, at)
        let localEnd = plus.flatMap { $0 == start ? nil : $0 } ?? at
        return (start, end, localEnd, at)
    }

    /// `HashedKey.hash` of `bytes[span]` lower-cased, without writing them.
    static func lowerHash(_ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>) -> UInt64 {
        HashedKey.hash(UnsafeBufferPointer(rebasing: bytes[span]), lowering: true)
    }

    static func lowerBytes(_ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>) -> [UInt8] {
        span.map { lower(bytes[$0]) }
    }

    /// `prefix`, then `bytes[local]` and `@` (when given), then `bytes[domain]`, lower-cased: one key in `arena`,
    /// written in one pass.
    static func key(
        _ prefix: StaticString,
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ local: Range<Int>?,
        _ domain: Range<Int>,
        _ arena: KeyArena
    ) -> ArenaKey {
        let count = prefix.utf8CodeUnitCount + (local.map { $0.count + 1 } ?? 0) + domain.count
        return arena.key(count: count) { base in
            guard let source = bytes.baseAddress else { return }
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
        }
    }

    static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }

    /// What `email(_:keepsAddress:tables:arena:)` keys, as texts: ` Pat.Lee+promo@Acme.COM ` -> (`pat.lee@acme.com`,
    /// `acme.com`).
    static func email(_ text: String) -> (String?, String?) {
        var text = text
        let arena = KeyArena(capacity: 2 * text.utf8.count + 32)
        guard let email = text.withUTF8({ email($0, keepsAddress: true, tables: .none, arena: arena) }) else {
            return (nil, nil)
        }
        // The keys' bytes are the arena's: read while it lives.
        return withExtendedLifetime(arena) {
            let address = email.addressKey.map {
                String(decoding: $0.bytes.dropFirst(emailPrefix.utf8CodeUnitCount), as: UTF8.self)
            }
            let domain = email.domainKey.bytes.dropFirst(domainPrefix.utf8CodeUnitCount)
            return (address, String(decoding: domain, as: UTF8.self))
        }
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
        guard let base = bytes.baseAddress, let target = other.baseAddress else { return span.isEmpty }
        // Eight bytes at a time while eight are left (`FoldedText.fold(word:)`), then one by one.
        let source = base + span.lowerBound
        var index = 0
        while index + 8 <= span.count {
            let word = UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self)
            guard FoldedText.fold(word: word) == UnsafeRawPointer(target + index).loadUnaligned(as: UInt64.self) else {
                return false
            }
            index += 8
        }
        while index < span.count {
            guard lower(source[index]) == target[index] else { return false }
            index += 1
        }
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

/// The hash of a key's bytes, made once as they are written (`hash`, 64 bits), for the lookups a batch makes by
/// lead and by sticky key: hashing it again costs a few instructions, where hashing the text costs a pass over it
/// each time.
enum HashedKey {
    /// `FoldedText.wordHash` of `bytes`: for this process's tables and filters, never stored.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 { hash(bytes, lowering: false) }

    /// `hash(_:)` of a text's bytes.
    static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { hash($0) }
    }

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

    /// Where a table with `seed` places a key whose hash is `hash` already: mixed with the seed, not hashed again
    /// through SipHash for every lookup (a batch looks its leads and sticky keys up several times each).
    static func placement(of hash: UInt64, seed: Int) -> Int {
        var mixed = hash ^ UInt64(bitPattern: Int64(seed))
        mixed ^= mixed >> 32
        mixed = mixed &* 0xD6E8_FEB8_6659_FD93
        mixed ^= mixed >> 32
        return Int(truncatingIfNeeded: mixed)
    }
}

/// A key's bytes in a `KeyArena`, with their hash (`HashedKey.hash`): a pointer, a count and a hash, copied without
/// a reference count. Valid while its arena lives: the batch's keys and the session that looks them up keep it.
struct ArenaKey: Hashable, @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let count: Int
    let hash: UInt64

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The key's bytes after the first `prefix`, whose hash is `hash`.
    func dropping(_ prefix: Int, hash: UInt64) -> ArenaKey {
        ArenaKey(base: base + prefix, count: count - prefix, hash: hash)
    }

    /// The same hash and the same bytes.
    static func == (a: ArenaKey, b: ArenaKey) -> Bool {
        a.hash == b.hash && a.count == b.count && (a.base == b.base || memcmp(a.base, b.base, a.count) == 0)
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    /// Whether `a` sorts before `b` as SQLite's `BINARY` collation sorts texts: by their bytes, then the shorter
    /// first.
    static func precedes(_ a: ArenaKey, _ b: ArenaKey) -> Bool {
        let order = memcmp(a.base, b.base, min(a.count, b.count))
        return order != 0 ? order < 0 : a.count < b.count
    }

    /// `keys` in the order of `precedes`, compared first by their first sixteen bytes as two numbers (`leading`):
    /// a pair of integers, where `precedes` costs a call to `memcmp` and more (sorting a batch's sticky keys by it
    /// alone cost some 2,000 instructions a lead).
    static func sorted(_ keys: some Collection<ArenaKey>) -> [ArenaKey] {
        var sortable = keys.map { key in (leading: key.leading, key: key) }
        sortable.sort { a, b in
            a.leading.0 != b.leading.0
                ? a.leading.0 < b.leading.0
                : a.leading.1 != b.leading.1 ? a.leading.1 < b.leading.1 : precedes(a.key, b.key)
        }
        return sortable.map(\.key)
    }

    /// The first sixteen bytes, zeros past the end, as two big-endian numbers: where two keys' numbers differ, they
    /// are in the order of `precedes` (a key's end reads as a zero byte, below any byte but zero; where the bytes
    /// are zeros too, both numbers are equal, and `precedes` decides).
    var leading: (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { out in
            out.copyMemory(from: UnsafeRawBufferPointer(start: base, count: Swift.min(count, 16)))
        }
        return (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1))
    }

    /// The hash a dictionary or set places the key by: its own hash, mixed with the table's seed.
    func _rawHashValue(seed: Int) -> Int { HashedKey.placement(of: hash, seed: seed) }
}

/// Memory for the keys of a batch (`ArenaKey`), and for lists of them: taken in blocks that never move, and freed
/// together when the arena is. Keys written here cost no allocation each, and copying one costs no reference count.
final class KeyArena: @unchecked Sendable {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var next: UnsafeMutableRawPointer?
    private var room = 0
    /// The size of a block, unless a request needs more.
    private let blockSize: Int

    init(capacity: Int) {
        blockSize = max(capacity, 4096)
    }

    deinit {
        for block in blocks { block.deallocate() }
    }

    /// `count` bytes aligned to `alignment` (at most 16), where they stay until the arena is freed.
    func allocate(_ count: Int, alignment: Int = 1) -> UnsafeMutableRawPointer {
        if let next {
            let aligned = next.alignedUp(toMultipleOf: alignment)
            let used = next.distance(to: aligned) + count
            if used <= room {
                self.next = aligned + count
                room -= used
                return aligned
            }
        }
        let size = max(count, blockSize)
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        blocks.append(block)
        next = block + count
        room = size - count
        return block
    }

    /// A key of `count` bytes, which `write` writes; hashed once written.
    func key(count: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Void) -> ArenaKey {
        let base = allocate(count).bindMemory(to: UInt8.self, capacity: count)
        write(base)
        return ArenaKey(base: base, count: count, hash: HashedKey.hash(UnsafeBufferPointer(start: base, count: count)))
    }

    /// `bytes`, copied to the arena.
    func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let base = allocate(bytes.count).bindMemory(to: UInt8.self, capacity: bytes.count)
        if let source = bytes.baseAddress { base.update(from: source, count: bytes.count) }
        return UnsafeBufferPointer(start: base, count: bytes.count)
    }

    /// A key of `bytes`, copied.
    func key(_ bytes: UnsafeBufferPointer<UInt8>) -> ArenaKey {
        key(count: bytes.count) { out in
            if let source = bytes.baseAddress { out.update(from: source, count: bytes.count) }
        }
    }

    /// `key` with its bytes copied here (its hash kept): for a key that must outlive its own arena.
    func copy(_ key: ArenaKey) -> ArenaKey {
        ArenaKey(base: copy(key.bytes).baseAddress ?? key.base, count: key.count, hash: key.hash)
    }

    /// A key of `text`'s bytes (read in place: a copy of the text to read would retain it).
    func key(_ text: String) -> ArenaKey {
        text.utf8.withContiguousStorageIfAvailable { key($0) } ?? Array(text.utf8).withUnsafeBufferPointer { key($0) }
    }

    /// Room for a list of `count` keys, uninitialized: its keys are written with `initialize(to:)`.
    func keyRoom(_ count: Int) -> UnsafeMutablePointer<ArenaKey> {
        allocate(count * MemoryLayout<ArenaKey>.stride, alignment: MemoryLayout<ArenaKey>.alignment)
            .bindMemory(to: ArenaKey.self, capacity: count)
    }

}

/// The keys of a batch's leads on assigned routes (`LeadKeys`), with the arena that holds their bytes: whoever reads
/// the keys holds this.
struct BatchKeys {
    let arena: KeyArena
    /// The keys of the leads on assigned routes, in order.
    let leads: [LeadKeys]
    /// Per lead of the batch: where its keys are in `leads`, -1 for a lead on a route that is not assigned. Not
    /// an array of optional keys: copying an optional of keys this large goes through its type's value witnesses,
    /// some 300 instructions per lead.
    let slots: [Int]
    /// The account matches the leads' keys point to (`LeadKeys.Account.match`).
    let accounts: [AssignmentSession.AccountMatch]

    /// The account match of `keys`, one of this batch's leads.
    func account(_ keys: LeadKeys) -> AssignmentSession.AccountMatch {
        guard case .match(let index) = keys.account else { return keys.account.held ?? .none(nil) }
        return accounts[index]
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
