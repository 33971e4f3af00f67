public import Assignment

/// Sales figures from the ledger: the funnel, win-loss and deal sizes, by any dimension; rule effectiveness, score
/// calibration, and owners' balance and SLA. How each figure is computed is in docs/analytics.md.
public struct Report: Sendable {
    /// What `--by` groups leads by.
    public enum Dimension: String, Sendable, CaseIterable {
        case source
        case grade
        case stage
        case team
        case owner
        case rule
        case scoreBand = "score-band"
    }

    public struct Funnel: Sendable, Hashable {
        public var leads = 0
        public var disqualified = 0
        public var nurture = 0
        public var qualified = 0
        public var opportunities = 0
        public var won = 0
        public var lost = 0
        /// Opportunities not closed yet.
        public var open: Int { opportunities - won - lost }
    }

    /// Deal sizes of won opportunities in one currency.
    public struct Deals: Sendable, Hashable {
        public var currency: String
        public var count: Int
        public var total: Double
        public var average: Double
        public var median: Double
    }

    /// The figures of a set of leads: everything, or one group of `--by`.
    public struct Figures: Sendable, Hashable {
        public var name: String
        public var leads = 0
        public var qualified = 0
        public var won = 0
        public var lost = 0
        /// Per currency, most deals first.
        public var deals: [Deals] = []
        /// Days from the lead's decision to the close, over closed opportunities.
        public var meanDaysToClose: Double?
        public var medianDaysToClose: Double?

        public var closed: Int { won + lost }
        /// won / (won + lost).
        public var winRate: Double? { closed == 0 ? nil : Double(won) / Double(closed) }
        /// won / lost.
        public var winLossRatio: Double? { lost == 0 ? nil : Double(won) / Double(lost) }
    }

    public struct RuleEffect: Sendable, Hashable {
        public var rule: String
        /// Leads it fired for.
        public var fired: Int
        public var closedFired: Int
        public var wonFired: Int
        public var closedNotFired: Int
        public var wonNotFired: Int

        public var winRateFired: Double? { closedFired == 0 ? nil : Double(wonFired) / Double(closedFired) }
        public var winRateNotFired: Double? {
            closedNotFired == 0 ? nil : Double(wonNotFired) / Double(closedNotFired)
        }
        /// Win rate where it fired over win rate where it did not.
        public var lift: Double? {
            guard let fired = winRateFired, let notFired = winRateNotFired, notFired > 0 else { return nil }
            return fired / notFired
        }
        /// Fewer than `Report.smallSample` closed opportunities on either side.
        public var smallSample: Bool { closedFired < Report.smallSample || closedNotFired < Report.smallSample }
    }

    public struct Band: Sendable, Hashable {
        /// Scores from `lower` (included) to `lower + width` (excluded).
        public var lower: Double
        public var label: String
        public var leads: Int
        public var closed: Int
        public var won: Int
        public var winRate: Double? { closed == 0 ? nil : Double(won) / Double(closed) }
    }

    public struct Owner: Sendable, Hashable {
        public var owner: String
        public var assigned: Int
        public var won: Int
        public var lost: Int
        /// First contact (the first outcome update) at or before the due time.
        public var slaMet: Int
        /// First contact after the due time, or none yet and the due time passed.
        public var slaMissed: Int
        /// No contact yet, and still time.
        public var slaPending: Int
        /// Opportunities without a due time (no SLA).
        public var noSLA: Int
        public var winRate: Double? { won + lost == 0 ? nil : Double(won) / Double(won + lost) }
    }

    /// Closed opportunities on each side below which a rule's lift is marked as a small sample.
    public static let smallSample = 30
    public static let bandWidth = 10.0

    public var since: Double?
    public var until: Double?
    /// The time SLA deadlines are judged at.
    public var now: Double
    public var funnel = Funnel()
    public var total: Figures
    public var dimension: Dimension?
    public var groups: [Figures] = []
    public var rules: [RuleEffect] = []
    public var bands: [Band] = []
    public var owners: [Owner] = []

    /// Computes every figure from the ledger's history. Each lead counts once: its latest decision in the window.
    public init(history: History, since: Double?, until: Double?, now: Double, by dimension: Dimension? = nil) {
        self.since = since
        self.until = until
        self.now = now
        self.dimension = dimension
        total = Figures(name: "all leads")

        var latest: [String: History.DecisionRow] = [:]
        var order: [String] = []
        for decision in history.decisions {
            let key = decision.lead ?? decision.key
            if latest.updateValue(decision, forKey: key) == nil { order.append(key) }
        }
        var opportunities: [String: History.OpportunityRow] = [:]
        for row in history.opportunities { opportunities[row.lead] = row }
        var outcomes: [String: [History.OutcomeRow]] = [:]
        for row in history.outcomes { outcomes[row.lead, default: []].append(row) }

        struct Lead {
            var decision: History.DecisionRow
            var opportunity: History.OpportunityRow?
            var updates: [History.OutcomeRow]
            var close: History.OutcomeRow? { updates.first { $0.stage == "won" || $0.stage == "lost" } }
        }
        let leads: [Lead] = order.compactMap { key in
            guard let decision = latest[key] else { return nil }
            let id = decision.lead ?? ""
            return Lead(decision: decision, opportunity: opportunities[id], updates: outcomes[id] ?? [])
        }

        // Funnel.
        for lead in leads {
            funnel.leads += 1
            if lead.decision.stage == "disqualified" {
                funnel.disqualified += 1
            } else if lead.opportunity == nil {
                funnel.nurture += 1
            }
            if lead.opportunity != nil {
                funnel.qualified += 1
                if lead.opportunity?.owner != nil || !lead.updates.isEmpty { funnel.opportunities += 1 }
            }
            switch lead.close?.stage {
            case "won": funnel.won += 1
            case "lost": funnel.lost += 1
            default: break
            }
        }

        func figures(_ name: String, _ members: [Lead]) -> Figures {
            var result = Figures(name: name)
            var amounts: [String: [Double]] = [:]
            var days: [Double] = []
            for lead in members {
                result.leads += 1
                if lead.opportunity != nil { result.qualified += 1 }
                guard let close = lead.close else { continue }
                days.append((close.at - lead.decision.at) / 86400)
                if close.stage == "won" {
                    result.won += 1
                    if let amount = close.amount, let currency = close.currency {
                        amounts[currency, default: []].append(amount)
                    }
                } else {
                    result.lost += 1
                }
            }
            result.deals = amounts.map { currency, values in
                Deals(
                    currency: currency,
                    count: values.count,
                    total: values.reduce(0, +),
                    average: values.reduce(0, +) / Double(values.count),
                    median: Self.median(values)
                )
            }.sorted { ($0.count, $1.currency) > ($1.count, $0.currency) }
            if !days.isEmpty {
                result.meanDaysToClose = days.reduce(0, +) / Double(days.count)
                result.medianDaysToClose = Self.median(days)
            }
            return result
        }
        total = figures("all leads", leads)

        if let dimension {
            var members: [String: [Lead]] = [:]
            var bandLower: [String: Double] = [:]
            for lead in leads {
                let names: [String]
                switch dimension {
                case .source: names = [lead.decision.source ?? "(none)"]
                case .grade: names = [lead.decision.grade ?? "(none)"]
                case .stage: names = [lead.decision.stage]
                case .team:
                    names = [lead.opportunity.map { $0.team ?? $0.queue.map { "queue \($0)" } ?? "(none)" } ?? "(none)"]
                case .owner: names = [lead.opportunity?.owner ?? "(none)"]
                case .rule: names = lead.decision.rules.isEmpty ? ["(none)"] : lead.decision.rules
                case .scoreBand:
                    let (lower, label) = Self.band(lead.decision.score)
                    bandLower[label] = lower
                    names = [label]
                }
                for name in Set(names) { members[name, default: []].append(lead) }
            }
            groups = members.map { figures($0.key, $0.value) }.sorted { a, b in
                if dimension == .scoreBand { return (bandLower[a.name] ?? 0) < (bandLower[b.name] ?? 0) }
                return a.name < b.name
            }
        }

        // Rule effectiveness, over closed opportunities.
        var fired: [String: Int] = [:]
        var closedFired: [String: Int] = [:]
        var wonFired: [String: Int] = [:]
        var closedAll = 0
        var wonAll = 0
        for lead in leads {
            let close = lead.close
            if close != nil { closedAll += 1 }
            if close?.stage == "won" { wonAll += 1 }
            for rule in Set(lead.decision.rules) {
                fired[rule, default: 0] += 1
                if close != nil { closedFired[rule, default: 0] += 1 }
                if close?.stage == "won" { wonFired[rule, default: 0] += 1 }
            }
        }
        rules = fired.keys.sorted().map { rule in
            RuleEffect(
                rule: rule,
                fired: fired[rule] ?? 0,
                closedFired: closedFired[rule] ?? 0,
                wonFired: wonFired[rule] ?? 0,
                closedNotFired: closedAll - (closedFired[rule] ?? 0),
                wonNotFired: wonAll - (wonFired[rule] ?? 0)
            )
        }

        // Score calibration.
        var bandFigures: [Double: (label: String, leads: Int, closed: Int, won: Int)] = [:]
        for lead in leads {
            let (lower, label) = Self.band(lead.decision.score)
            var entry = bandFigures[lower] ?? (label, 0, 0, 0)
            entry.leads += 1
            if let close = lead.close {
                entry.closed += 1
                if close.stage == "won" { entry.won += 1 }
            }
            bandFigures[lower] = entry
        }
        bands = bandFigures.keys.sorted().compactMap { lower in
            guard let entry = bandFigures[lower] else { return nil }
            return Band(lower: lower, label: entry.label, leads: entry.leads, closed: entry.closed, won: entry.won)
        }

        // Owners: assignments, wins, and the first-contact SLA.
        var perOwner: [String: Owner] = [:]
        for lead in leads {
            guard let opportunity = lead.opportunity, let owner = opportunity.owner else { continue }
            var entry =
                perOwner[owner]
                ?? Owner(
                    owner: owner,
                    assigned: 0,
                    won: 0,
                    lost: 0,
                    slaMet: 0,
                    slaMissed: 0,
                    slaPending: 0,
                    noSLA: 0
                )
            entry.assigned += 1
            switch lead.close?.stage {
            case "won": entry.won += 1
            case "lost": entry.lost += 1
            default: break
            }
            if let due = opportunity.due {
                if let contact = lead.updates.first?.at {
                    if contact <= due { entry.slaMet += 1 } else { entry.slaMissed += 1 }
                } else if due < now {
                    entry.slaMissed += 1
                } else {
                    entry.slaPending += 1
                }
            } else {
                entry.noSLA += 1
            }
            perOwner[owner] = entry
        }
        owners = perOwner.values.sorted { $0.owner < $1.owner }
    }

    /// The score band a score falls in: its lower bound and its label (`40-<50`).
    static func band(_ score: Double) -> (Double, String) {
        let lower = (score / bandWidth).rounded(.down) * bandWidth
        return (lower, "\(Int(lower))-<\(Int(lower + bandWidth))")
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
