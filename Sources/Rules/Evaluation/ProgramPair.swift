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

    public init(current: Program, candidate: Program) {
        self.current = current
        self.candidate = candidate
        sharesReading =
            current.slots == candidate.slots && current.eventSlots == candidate.eventSlots
            && current.aggregates == candidate.aggregates && current.derived == candidate.derived
    }

    /// Both decisions for one lead at `now`.
    public func evaluate(_ lead: LeadRecord, now: Double) -> (current: Decision, candidate: Decision) {
        guard sharesReading else {
            return (current.evaluate(lead, now: now), candidate.evaluate(lead, now: now))
        }
        return lead.document.withView { view in
            var first = EvaluationState(program: current, lead: view, now: now, explain: false)
            let before = first.decide(origin: lead.origin)
            var second = EvaluationState(program: candidate, after: first)
            return (before, second.decide(origin: lead.origin))
        }
    }
}
