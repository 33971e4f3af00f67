public import Leads
public import Rules
import Synchronization

/// Gives qualified leads an owner: where an owner is decided.
///
/// Order: an account owner (the lead's e-mail or company domain in the accounts file), then a sticky owner (the
/// same e-mail or domain assigned within the sticky window), then the strategy of the team the rules matched, with
/// overflow, then the fallback queue. Each batch is one transaction on the state, so a batch is assigned exactly
/// as the strategies say, and a lead already in the ledger gets its recorded assignment back without counting
/// twice.
public struct Assigner: Sendable {
    public let plan: AssignmentPlan
    public let store: AssignmentStore
    let clocks: [RepClock]
    let texts: AssignmentSession.Texts
    /// What every lead's keys look up in the plan (`LeadKeys.Tables`).
    let keyTables: LeadKeys.Tables
    /// Whether the plan's shared texts are in the state's `fragments` table (nil: not known yet), so that records
    /// can refer to them (`SharedText`).
    let sharing = Sharing()

    final class Sharing: Sendable {
        private let known = Mutex<Bool?>(nil)

        var value: Bool? { known.withLock { $0 } }

        /// Learnt from a session whose transaction committed.
        func learn(_ value: Bool?) {
            guard let value else { return }
            known.withLock { $0 = value }
        }
    }

    public struct Item: Sendable {
        public var decision: Decision
        public var lead: LeadRecord

        public init(decision: Decision, lead: LeadRecord) {
            self.decision = decision
            self.lead = lead
        }
    }

    public init(plan: AssignmentPlan, store: AssignmentStore) {
        self.plan = plan
        self.store = store
        clocks = plan.reps.map(RepClock.init(rep:))
        texts = AssignmentSession.Texts(plan: plan)
        keyTables = LeadKeys.Tables(plan: plan)
    }

    /// Assigns a batch in one transaction; nil for leads on routes that are not assigned.
    public func assign(_ items: [Item]) throws -> [Opportunity?] {
        try run(items, commit: true)
    }

    /// What `assign` would return, with the state left as it was.
    public func preview(_ items: [Item]) throws -> [Opportunity?] {
        try run(items, commit: false)
    }

    /// One batch in one transaction, committed or rolled back: recorded as the ledger records a file's leads,
    /// each decision a row of its own (numbered in the batch's order, under a claim of its own), and each
    /// opportunity on its decision's row.
    func run(_ items: [Item], commit: Bool) throws -> [Opportunity?] {
        let ledger = Ledger(assigner: self)
        let entries = items.indices.map { index in
            ledger.entry(decision: items[index].decision, lead: items[index].lead, record: index + 1)
        }
        let claim = "assign:" + String(UInt64.random(in: .min ... .max), radix: 16)
        return try ledger.record(entries, claim: claim, sync: true, commit: commit, values: true).map { result in
            guard case .decided(let record) = result else { return nil }
            return record?.made
        }
    }

    /// Appends to `texts` what the keys of a lead on an assigned route are made of (`LeadKeys.appendSources`): true
    /// when it is on one.
    func appendSources(decision: borrowing Decision, lead: borrowing LeadRecord, into texts: inout PackedTexts) -> Bool
    {
        guard decision.isPlaced else { return false }
        LeadKeys.appendSources(decision: decision, lead: lead, tables: keyTables, into: &texts)
        return true
    }

    /// What assignment reads from each lead of a batch, made by this assigner's ledger (`Ledger.entry`): its keys
    /// for a lead on an assigned route, nil for the others; one per lead, in order.
    func keys(_ entries: [Ledger.Entry]) -> BatchKeys {
        var keys: [LeadKeys] = []
        var slots: [Int] = []
        // Sized once: grown lead by lead, the keys would be copied at each doubling.
        keys.reserveCapacity(entries.count)
        slots.reserveCapacity(entries.count)
        // Room for a lead's keys in one block, at some 160 bytes each (its id, address and domain, and the list of
        // its sticky keys); a batch of many leads takes more blocks of a megabyte.
        let arena = KeyArena(capacity: min(160 * entries.count, 1 << 20))
        var scratch = LeadKeys.Scratch()
        for index in entries.indices {
            guard case .lead(let decided) = entries[index] else { continue }
            guard decided.assigned else {
                slots.append(-1)
                continue
            }
            slots.append(keys.count)
            keys.append(decided.keys(plan: plan, tables: keyTables, arena: arena, scratch: &scratch))
        }
        return BatchKeys(arena: arena, leads: keys, slots: slots, accounts: scratch.accounts)
    }
}

extension Ledger.Decided {
    /// The lead's keys, from the texts its row holds (`LeadKeys.appendSources`). Made here, the entry's decision and
    /// row are read in place: read by the caller, each of their arrays and texts would be retained.
    func keys(
        plan: borrowing AssignmentPlan,
        tables: borrowing LeadKeys.Tables,
        arena: KeyArena,
        scratch: inout LeadKeys.Scratch
    ) -> LeadKeys {
        row.texts.bytes.withUnsafeBufferPointer { buffer in
            LeadKeys(
                lead: decision.leadID,
                sources: row.texts,
                first: DecisionRow.count,
                in: buffer,
                plan: plan,
                tables: tables,
                arena: arena,
                scratch: &scratch
            )
        }
    }
}
