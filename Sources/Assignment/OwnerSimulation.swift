public import Leads
public import Rules

/// Assignment simulated in memory, for what-if replay: the owner each lead would get, decided as `Assigner` decides
/// it (account owner, sticky owner, the team's strategy with caps, availability and overflow, the queues), batch by
/// batch as the daemon assigns, from a state that starts empty and lives in memory instead of in SQLite.
///
/// Each batch runs the assigner's own session (`AssignmentSession`) over that state: the same choices, the same
/// counts, rotations, sticky owners and ledger of leads already assigned (a lead seen again keeps its first owner,
/// and counts once). Only what the daemon adds for the record is left out: the reason chain's record, the ledger's
/// rows, the transaction. A test holds its owners to the assigner's on random configurations.
public struct OwnerSimulation {
    public let plan: AssignmentPlan
    let clocks: [RepClock]
    let texts: AssignmentSession.Texts
    let keyTables: LeadKeys.Tables
    var memory: AssignmentSession.Memory

    public init(plan: AssignmentPlan) {
        self.plan = plan
        clocks = plan.reps.map(RepClock.init(rep:))
        texts = AssignmentSession.Texts(plan: plan)
        keyTables = LeadKeys.Tables(plan: plan)
        memory = AssignmentSession.Memory(plan: plan, texts: texts)
    }

    /// The owner of each choice made so far, by `choiceKey`, made once per choice: a batch's leads go to a few.
    var owners: [Int: Owner] = [:]

    /// Who took a lead: a rep (with the team whose strategy or overflow chose it, if any), or a queue. A class: a
    /// batch's owners are a few, each given to many leads, each time one reference rather than five texts.
    public final class Owner: Sendable, Hashable, CustomStringConvertible {
        /// The rep's id.
        public let owner: String?
        public let team: String?
        public let queue: String?
        /// Where it went: the team, else `queue NAME`.
        public let placement: String
        /// Who holds it: the rep, else `queue NAME`.
        public let holder: String

        public init(owner: String?, team: String?, queue: String?) {
            self.owner = owner
            self.team = team
            self.queue = queue
            placement = team ?? queue.map { "queue \($0)" } ?? "-"
            holder = owner ?? queue.map { "queue \($0)" } ?? "-"
        }

        public static func == (a: Owner, b: Owner) -> Bool {
            a === b || (a.owner == b.owner && a.team == b.team && a.queue == b.queue)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(owner)
            hasher.combine(team)
            hasher.combine(queue)
        }

        public var description: String {
            "owner \(owner ?? "-"), team \(team ?? "-"), queue \(queue ?? "-")"
        }
    }

    /// The owners of a batch's leads, in order; nil for a lead its decision does not place (not on an assigned
    /// route). The state moves on as the daemon's would have.
    public mutating func assign(_ items: [Assigner.Item]) throws -> [Owner?] {
        var batch = Batch()
        for item in items { add(item.decision, lead: item.lead, to: &batch) }
        return try assign(batch)
    }

    /// A batch of leads as they are decided, by one rule set or by two (`Side`): what assignment reads of each
    /// (its keys, made as it is added), its placement and `now`; not the lead or its decision, so that a batch holds
    /// no copy of either.
    public struct Batch {
        let arena = KeyArena(capacity: 1 << 16)
        var keys: [LeadKeys] = []
        var scratch = LeadKeys.Scratch()
        var sources = PackedTexts(capacity: 256)
        /// Per lead, as each side's rule set decided it.
        var first: [Entry] = []
        var second: [Entry] = []

        /// Which rule set decided the lead: a batch holds the leads as one set decided them (`first`), or as two.
        public enum Side: Sendable {
            case first
            case second
        }

        struct Entry {
            var placement: Decision.Placement?
            var now: Double
            /// Where its keys are in `keys`; -1 when it is not placed.
            var slot: Int
        }

        public init() {}

        /// The batch's keys, for a side's leads.
        func keys(_ side: Side) -> BatchKeys {
            let slots = (side == .first ? first : second).map(\.slot)
            return BatchKeys(arena: arena, leads: keys, slots: slots, accounts: scratch.accounts)
        }
    }

    /// Adds a lead to `batch`, on `side`, as this simulation's rule set decided it. `reusingKeys`: whether the
    /// lead's keys may be the first side's (added just before, as a rule set whose plan assigns alike decided it)
    /// when it placed the lead under the same id.
    public func add(
        _ decision: borrowing Decision,
        lead: borrowing LeadRecord,
        to batch: inout Batch,
        side: Batch.Side = .first,
        reusingKeys: Bool = false
    ) {
        var slot = -1
        if decision.isPlaced {
            if reusingKeys, side == .second, let other = batch.first.last, other.slot >= 0,
                Self.sameLead(batch.keys[other.slot], decision.leadID)
            {
                slot = other.slot
            } else {
                slot = batch.keys.count
                batch.sources.removeAll()
                LeadKeys.appendSources(decision: decision, lead: lead, tables: keyTables, into: &batch.sources)
                let keys = batch.sources.bytes.withUnsafeBufferPointer { buffer in
                    LeadKeys(
                        lead: decision.leadID,
                        sources: batch.sources,
                        first: 0,
                        in: buffer,
                        plan: plan,
                        tables: keyTables,
                        arena: batch.arena,
                        scratch: &batch.scratch
                    )
                }
                batch.keys.append(keys)
            }
        }
        let entry = Batch.Entry(placement: decision.placement, now: decision.now, slot: slot)
        switch side {
        case .first: batch.first.append(entry)
        case .second: batch.second.append(entry)
        }
    }

    /// Whether `keys` are those of a lead whose id is `id` (nil: it has none, its key is its content's).
    static func sameLead(_ keys: LeadKeys, _ id: String?) -> Bool {
        guard var id else { return !keys.hasID }
        guard keys.hasID else { return false }
        return id.withUTF8 { $0.elementsEqual(keys.lead.bytes) }
    }

    /// The owners of the batch's leads on `side`, in order; nil for a lead its decision does not place (not on an
    /// assigned route). The state moves on as the daemon's would have.
    public mutating func assign(_ batch: Batch, side: Batch.Side = .first) throws -> [Owner?] {
        let entries = side == .first ? batch.first : batch.second
        var owners = [Owner?](repeating: nil, count: entries.count)
        guard !batch.keys.isEmpty else { return owners }
        // Taken out of the simulation, so that the session holds the only copy of it and changes it in place.
        var state = AssignmentSession.Memory(rotation: [], presence: [], assignedTimes: [], arena: memory.arena)
        swap(&state, &memory)
        var session = AssignmentSession(plan: plan, clocks: clocks, texts: texts, memory: consume state)
        // The state is handed back however the batch ends.
        defer { memory = session.memory() }
        session.batchKeys = batch.keys(side)
        let keys = batch.keys
        for index in entries.indices where entries[index].slot >= 0 {
            guard
                let choice = try session.simulate(
                    placement: entries[index].placement,
                    now: entries[index].now,
                    keys: keys[entries[index].slot]
                )
            else { continue }
            owners[index] = owner(choice, session)
        }
        return owners
    }

    /// Who a choice of this simulation's gives the lead to.
    mutating func owner(_ choice: AssignmentSession.Choice, _ session: borrowing AssignmentSession) -> Owner {
        let key = choiceKey(choice)
        if let owner = owners[key] { return owner }
        let owner = Owner(
            owner: choice.owner.map { plan.reps[$0].id },
            team: choice.team.map { plan.teams[$0].id },
            queue: session.name(choice.queue)
        )
        owners[key] = owner
        return owner
    }

    /// A number for each choice: its owner, team and queue. An overflow queue is its team's, which the choice holds.
    func choiceKey(_ choice: AssignmentSession.Choice) -> Int {
        let queue =
            switch choice.queue {
            case nil: 0
            case .fallback: 1
            case .ambiguous: 2
            case .overflow: 3
            }
        return ((choice.owner ?? -1) + 1) &* (plan.teams.count + 1) &* 4 &+ ((choice.team ?? -1) + 1) &* 4 &+ queue
    }

    /// From here on, the state `other` has reached (a simulation of a plan that assigns alike): its copy, which
    /// each then moves on alone.
    public mutating func continueFrom(_ other: OwnerSimulation) {
        memory = other.memory
    }
}

extension AssignmentSession.Memory {
    /// The state of a simulation that has assigned nothing yet.
    init(plan: AssignmentPlan, texts: AssignmentSession.Texts) {
        self.init(
            rotation: Array(repeating: nil, count: texts.slotCount),
            presence: Array(repeating: nil, count: texts.slotCount),
            assignedTimes: Array(repeating: [], count: plan.reps.count),
            arena: KeyArena(capacity: 1 << 16)
        )
    }
}

extension AssignmentSession {
    /// An owner simulation's state (`OwnerSimulation`), held from batch to batch: what the daemon's state file
    /// holds and reads back (rotations, presence, sticky owners, the ledger's count of assignments and its leads),
    /// with every assignment's time kept so that any window is counted from it.
    struct Memory {
        var rotation: [Rotation?]
        var presence: [Presence?]
        var sticky: [ArenaKey: StickyOwner?] = [:]
        /// Per rep, the times of its assignments, in order.
        var assignedTimes: [[Double]]
        /// The ledger's last number.
        var lastSeq: Int64 = 0
        /// The choice each lead assigned so far got, by lead.
        var ledger: [ArenaKey: Choice] = [:]
        /// Where the keys of `sticky` and `ledger` are kept.
        let arena: KeyArena
    }

    /// A batch's session over an owner simulation's state: every team counts as read and every sticky key as looked
    /// up (a key not in `sticky` has no owner), and no text is shared, so nothing reads a state file.
    init(plan: AssignmentPlan, clocks: [RepClock], texts: Texts, memory: consuming Memory) {
        self.init(plan: plan, clocks: clocks, texts: texts, sharing: false, db: nil)
        rotation = memory.rotation
        presence = memory.presence
        sticky = memory.sticky
        assignedTimes = memory.assignedTimes
        lastSeq = memory.lastSeq
        startSeq = memory.lastSeq
        kept = (memory.ledger, memory.arena)
        loadedTeams = Array(repeating: true, count: plan.teams.count)
        stickyPrefetched = true
        scratch.muted = true
    }

    /// The state, as this batch leaves it.
    consuming func memory() -> Memory {
        Memory(
            rotation: rotation,
            presence: presence,
            sticky: sticky,
            assignedTimes: assignedTimes,
            lastSeq: lastSeq ?? startSeq ?? 0,
            ledger: kept?.ledger ?? [:],
            arena: kept?.arena ?? KeyArena(capacity: 4096)
        )
    }

    /// `write` in an owner simulation: the lead's choice, counted in the state, with no record; the choice it got
    /// before if the state holds the lead already. Nil when the lead is not on an assigned route.
    mutating func simulate(placement: Decision.Placement?, now: Double, keys: LeadKeys) throws -> Choice? {
        guard let placement else { return nil }
        if let earlier = kept?.ledger[keys.lead] { return earlier }
        var reasons = Opportunity.ReasonChain()
        swap(&reasons, &scratch)
        reasons.removeAll()
        defer { swap(&reasons, &scratch) }
        let choice = try choose(placement: placement, now: now, keys: keys, reasons: &reasons)
        count(choice, keys: keys, now: now, seq: try nextSeq())
        if let arena = kept?.arena { kept?.ledger[arena.copy(keys.lead)] = choice }
        return choice
    }
}
