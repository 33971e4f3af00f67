public import Leads

/// Two rule sets deciding the same leads, as what-if replay does: the current rules and a candidate.
///
/// When both read the lead the same way (the same fields with the same types, the same event functions, the same
/// derived values), the candidate starts from what the current rules' evaluation already read and computed, so a
/// lead's fields are normalized and its events counted once for both. Otherwise each evaluates on its own. Either
/// way the decisions are exactly those of `Program.evaluate`.
public struct ProgramPair: Sendable {
    public let current: Program
    public let candidate: Program
    /// Whether the candidate can start from the current rules' reading of a lead.
    let sharesReading: Bool
    /// When it can: by candidate rule position (disqualifiers, then scorers), the position of the current rule that
    /// decides exactly like it (same id and phase, same conditions, same events counted), whose outcome it reuses.
    let sameRules: [Int?]

    public init(current: Program, candidate: Program) {
        self.current = current
        self.candidate = candidate
        sharesReading =
            current.slots == candidate.slots && current.eventSlots == candidate.eventSlots
            && current.keyPaths == candidate.keyPaths
            && current.aggregates == candidate.aggregates && current.derived == candidate.derived
        sameRules = Self.sameRules(current, candidate, sharesReading: sharesReading)
    }

    static func sameRules(_ current: Program, _ candidate: Program, sharesReading: Bool) -> [Int?] {
        guard sharesReading else { return [] }
        func positions(_ program: Program) -> [String: (Int, CompiledRule)] {
            let rules = program.disqualifiers + program.scorers
            return Dictionary(rules.enumerated().map { ($1.id, ($0, $1)) }, uniquingKeysWith: { first, _ in first })
        }
        let earlier = positions(current)
        let disqualifiers = Set(current.disqualifiers.map(\.id))
        return (candidate.disqualifiers + candidate.scorers).enumerated().map { position, rule in
            guard let (index, same) = earlier[rule.id],
                disqualifiers.contains(rule.id) == (position < candidate.disqualifiers.count),
                rule.decidesLike(same)
            else { return nil }
            return index
        }
    }

    /// Both decisions for one lead at `now`.
    public func evaluate(_ lead: LeadRecord, now: Double) -> (current: Decision, candidate: Decision) {
        guard sharesReading else {
            return (current.evaluate(lead, now: now), candidate.evaluate(lead, now: now))
        }
        let buffers = current.takeBuffers()
        defer { current.keep(buffers) }
        return lead.document.withView { view in
            var state = EvaluationState(program: current, lead: view, now: now, explain: false, buffers: buffers)
            // The outcomes' array is the one the last lead's candidate read (`earlierOutcomes`), emptied.
            var outcomes: [EvaluationState.RuleOutcome] = []
            swap(&outcomes, &state.earlierOutcomes)
            outcomes.removeAll(keepingCapacity: true)
            state.ruleOutcomes = outcomes
            let before = state.decide(origin: lead.origin)
            state.switchProgram(to: candidate, sameRules: sameRules)
            let after = state.decide(origin: lead.origin)
            state.recycle(into: buffers)
            return (before, after)
        }
    }
}
