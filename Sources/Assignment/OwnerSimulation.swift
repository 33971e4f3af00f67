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

    /// Who took a lead: a rep (with the team whose strategy or overflow chose it, if any), or a queue.
    public struct Owner: Sendable, Hashable {
        /// The rep's id.
        public var owner: String?
        public var team: String?
        public var queue: String?
    }

    /// The owners of a batch's leads, in order; nil for a lead its decision does not place (not on an assigned
    /// route). The state moves on as the daemon's would have.
    public mutating func assign(_ items: [Assigner.Item]) throws -> [Owner?] {
        var owners = [Owner?](repeating: nil, count: items.count)
        let batch = keys(items)
        guard !batch.leads.isEmpty else { return owners }
        var state = AssignmentSession.Memory(plan: plan, texts: texts, arena: memory.arena)
        swap(&state, &memory)
        var session = AssignmentSession(plan: plan, clocks: clocks, texts: texts, memory: state)
        // The state is handed back however the batch ends.
        defer { memory = session.memory() }
        session.batchKeys = batch
        for index in items.indices where batch.slots[index] >= 0 {
            // The decision read in place: a copy would retain each of its arrays and texts.
            guard
                let choice = try session.simulate(
                    placement: items[index].decision.placement,
                    now: items[index].decision.now,
                    keys: batch.leads[batch.slots[index]]
                )
            else { continue }
            owners[index] = Owner(
                owner: choice.owner.map { plan.reps[$0].id },
                team: choice.team.map { plan.teams[$0].id },
                queue: session.name(choice.queue)
            )
        }
        return owners
    }

    /// From here on, the state `other` has reached (a simulation of a plan that assigns alike): its copy, which
    /// each then moves on alone.
    public mutating func continueFrom(_ other: OwnerSimulation) {
        memory = other.memory
    }

    /// The keys of the batch's placed leads, as `Assigner.keys` makes them from a ledger's entries, here straight
    /// from each lead (a simulation writes no decision rows).
    func keys(_ items: [Assigner.Item]) -> BatchKeys {
        var keys: [LeadKeys] = []
        var slots: [Int] = []
        slots.reserveCapacity(items.count)
        let arena = KeyArena(capacity: min(160 * items.count, 1 << 20))
        var scratch = LeadKeys.Scratch()
        var sources = PackedTexts(capacity: 256)
        for index in items.indices {
            guard items[index].decision.isPlaced else {
                slots.append(-1)
                continue
            }
            sources.removeAll()
            LeadKeys.appendSources(
                decision: items[index].decision,
                lead: items[index].lead,
                tables: keyTables,
                into: &sources
            )
            slots.append(keys.count)
            keys.append(
                sources.bytes.withUnsafeBufferPointer { buffer in
                    LeadKeys(
                        lead: items[index].decision.leadID,
                        sources: sources,
                        first: 0,
                        in: buffer,
                        plan: plan,
                        tables: keyTables,
                        arena: arena,
                        scratch: &scratch
                    )
                }
            )
        }
        return BatchKeys(arena: arena, leads: keys, slots: slots, accounts: scratch.accounts)
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

        init(plan: AssignmentPlan, texts: Texts, arena: KeyArena = KeyArena(capacity: 1 << 16)) {
            self.arena = arena
            rotation = Array(repeating: nil, count: texts.slotCount)
            presence = Array(repeating: nil, count: texts.slotCount)
            assignedTimes = Array(repeating: [], count: plan.reps.count)
        }
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
    }

    /// The state, as this batch leaves it.
    consuming func memory() -> Memory {
        var memory = Memory(plan: plan, texts: texts, arena: kept?.arena ?? KeyArena(capacity: 4096))
        memory.rotation = rotation
        memory.presence = presence
        memory.sticky = sticky
        memory.assignedTimes = assignedTimes
        memory.lastSeq = lastSeq ?? startSeq ?? 0
        memory.ledger = kept?.ledger ?? [:]
        return memory
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
