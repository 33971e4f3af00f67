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
        try assign(items.map(\.decision), leads: items.map(\.lead))
    }

    /// `assign(_:)` of the batch's leads and their decisions, in two arrays.
    public mutating func assign(_ decisions: [Decision], leads: [LeadRecord]) throws -> [Owner?] {
        try assign(decisions, keys: Self.keys(decisions, nil, leads: leads, plan: plan, tables: keyTables).0)
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

    /// `assign` of the same leads here (`decisions`) and in `other` (`otherDecisions`, made by another rule set),
    /// for a simulation whose plan assigns as this one's does (`AssignmentPlan.assignsLike`): the keys of a lead
    /// placed under both with the same id are made once, for both.
    public mutating func assign(
        _ decisions: [Decision],
        alongside other: inout OwnerSimulation,
        _ otherDecisions: [Decision],
        leads: [LeadRecord]
    ) throws -> (mine: [Owner?], others: [Owner?]) {
        let (mine, others) = Self.keys(decisions, otherDecisions, leads: leads, plan: plan, tables: keyTables)
        return (try assign(decisions, keys: mine), try other.assign(otherDecisions, keys: others ?? mine))
    }

    mutating func assign(_ decisions: [Decision], keys batch: BatchKeys) throws -> [Owner?] {
        var owners = [Owner?](repeating: nil, count: decisions.count)
        guard !batch.leads.isEmpty else { return owners }
        var state = AssignmentSession.Memory(plan: plan, texts: texts, arena: memory.arena)
        swap(&state, &memory)
        var session = AssignmentSession(plan: plan, clocks: clocks, texts: texts, memory: state)
        // The state is handed back however the batch ends.
        defer { memory = session.memory() }
        session.batchKeys = batch
        // Read in place: an element read from an array is copied out, a retain for each of its arrays and texts.
        let (leadKeys, slots) = (batch.leads, batch.slots)
        try decisions.withUnsafeBufferPointer { decisions in
            try leadKeys.withUnsafeBufferPointer { leadKeys in
                for index in decisions.indices where slots[index] >= 0 {
                    guard
                        let choice = try session.simulate(
                            placement: decisions[index].placement,
                            now: decisions[index].now,
                            keys: leadKeys[slots[index]]
                        )
                    else { continue }
                    owners[index] = owner(choice, session)
                }
            }
        }
        return owners
    }

    /// From here on, the state `other` has reached (a simulation of a plan that assigns alike): its copy, which
    /// each then moves on alone.
    public mutating func continueFrom(_ other: OwnerSimulation) {
        memory = other.memory
    }

    /// The keys of the batch's placed leads, as `Assigner.keys` makes them from a ledger's entries, here straight
    /// from each lead (a simulation writes no decision rows). With `others` (the same leads, decided by another rule
    /// set whose plan assigns alike), the keys of the leads either places, for each: one key for a lead both place
    /// under one id.
    static func keys(
        _ decisions: [Decision],
        _ others: [Decision]?,
        leads: [LeadRecord],
        plan: AssignmentPlan,
        tables: LeadKeys.Tables
    ) -> (BatchKeys, BatchKeys?) {
        var keys: [LeadKeys] = []
        var slots: [Int] = []
        var otherSlots: [Int] = []
        slots.reserveCapacity(decisions.count)
        otherSlots.reserveCapacity(others == nil ? 0 : decisions.count)
        let arena = KeyArena(capacity: min(160 * decisions.count, 1 << 20))
        var scratch = LeadKeys.Scratch()
        var sources = PackedTexts(capacity: 256)
        /// The keys of lead `index` as `decision` decided it, added: their slot.
        func add(_ decision: borrowing Decision, _ index: Int) -> Int {
            sources.removeAll()
            leads.withUnsafeBufferPointer { leads in
                LeadKeys.appendSources(decision: decision, lead: leads[index], tables: tables, into: &sources)
            }
            keys.append(
                sources.bytes.withUnsafeBufferPointer { buffer in
                    LeadKeys(
                        lead: decision.leadID,
                        sources: sources,
                        first: 0,
                        in: buffer,
                        plan: plan,
                        tables: tables,
                        arena: arena,
                        scratch: &scratch
                    )
                }
            )
            return keys.count - 1
        }
        // Read in place: an element read from an array is copied out, a retain for each of its arrays and texts.
        decisions.withUnsafeBufferPointer { decisions in
            (others ?? []).withUnsafeBufferPointer { others in
                for index in decisions.indices {
                    let slot = decisions[index].isPlaced ? add(decisions[index], index) : -1
                    slots.append(slot)
                    guard index < others.count else { continue }
                    if !others[index].isPlaced {
                        otherSlots.append(-1)
                    } else if slot >= 0, others[index].leadID == decisions[index].leadID {
                        otherSlots.append(slot)
                    } else {
                        otherSlots.append(add(others[index], index))
                    }
                }
            }
        }
        let batch = BatchKeys(arena: arena, leads: keys, slots: slots, accounts: scratch.accounts)
        guard others != nil else { return (batch, nil) }
        return (batch, BatchKeys(arena: arena, leads: keys, slots: otherSlots, accounts: scratch.accounts))
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
        scratch.muted = true
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
