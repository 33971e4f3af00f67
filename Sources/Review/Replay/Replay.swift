import Assignment
public import Leads
public import Rules

/// What-if replay: past leads decided again under the running rules and a candidate set, compared.
///
/// Each file's leads are decided at the time they were first decided (`ReplaySource.now`), so windows and decay
/// see what they saw then. Nothing live is touched: owners, when asked for, come from two owner simulations
/// (`OwnerSimulation`: the assigner's choices, over a state in memory), one per rule set, both starting empty and fed
/// the leads in their original order, so an owner differs only because the rules do. While the two sets' assignment
/// plans assign alike and every lead so far was placed alike by both, the two states would be the same: one
/// simulation serves both, and the candidate's state starts as a copy of the current one's at the first batch they
/// place differently (`sharesSimulation`).
public struct Replay: Sendable {
    public let current: Program
    public let candidate: Program
    public var readerOptions: LeadReaderOptions
    /// Simulate assignment under both rule sets and compare owners.
    public var owners: Bool
    /// How many changed leads the report shows in full.
    public var sampleSize: Int
    /// Whether one simulation serves both rule sets while they place every lead alike (see above): off only to
    /// test that sharing changes no owner.
    var sharesSimulation = true
    /// Whether the two simulations, when their plans assign alike, make each lead's keys once for both: off only to
    /// test that sharing them changes no owner.
    var sharesKeys = true

    public init(
        current: Program,
        candidate: Program,
        readerOptions: LeadReaderOptions = LeadReaderOptions(),
        owners: Bool = true,
        sampleSize: Int = 10
    ) {
        self.current = current
        self.candidate = candidate
        self.readerOptions = readerOptions
        self.owners = owners
        self.sampleSize = sampleSize
    }

    /// Leads decided between assignment batches: the daemon's batch size, so rotations move as they did.
    static let batchSize = 1000

    public func run(_ sources: [ReplaySource]) throws -> ReplayReport {
        var report = ReplayReport(current: current, candidate: candidate, sampleSize: sampleSize)
        var currentSimulation = owners ? current.assignment.map(OwnerSimulation.init(plan:)) : nil
        var candidateSimulation = owners ? candidate.assignment.map(OwnerSimulation.init(plan:)) : nil
        report.ownersCompared = currentSimulation != nil || candidateSimulation != nil
        var plansAlike = false
        if let currentPlan = currentSimulation?.plan, let candidatePlan = candidateSimulation?.plan {
            plansAlike = currentPlan.assignsLike(candidatePlan)
        }
        /// Whether the candidate's state is still the current one's, and left empty: the current one's simulation
        /// gives both their owners.
        var shared = sharesSimulation && plansAlike
        let reusesKeys = plansAlike && sharesKeys
        let pair = ProgramPair(current: current, candidate: candidate)
        // The batch's leads as both sets decided them (what assignment reads of them), until their owners are
        // simulated; and meanwhile, what the report made of each.
        var batch = OwnerSimulation.Batch()
        var pending: [ReplayReport.Pending] = []
        /// Whether the two sets placed every lead of the batch so far alike (`placedAlike`), while they share.
        var alike = true
        func flush() throws {
            guard !pending.isEmpty else { return }
            if shared, !alike, let currentSimulation {
                // The first batch the two sets place differently: from here on, each state goes its own way.
                candidateSimulation?.continueFrom(currentSimulation)
                shared = false
            }
            let none = [OwnerSimulation.Owner?](repeating: nil, count: pending.count)
            let ownersBefore = try currentSimulation?.assign(batch, side: .first) ?? none
            let ownersAfter = shared ? ownersBefore : try candidateSimulation?.assign(batch, side: .second) ?? none
            if shared { report.sharedBatches += 1 }
            for index in pending.indices {
                report.settle(pending[index], ownerBefore: ownersBefore[index], ownerAfter: ownersAfter[index])
            }
            pending.removeAll(keepingCapacity: true)
            batch = OwnerSimulation.Batch()
            alike = true
        }
        for source in sources {
            report.files += 1
            let originName = source.originName
            for result in LeadFileReader(path: source.path, name: originName, options: readerOptions) {
                switch result {
                case .record(var record):
                    record.origin.file = originName
                    // The daemon rejected it as a bad record: no decision to compare.
                    if current.shapeProblem(record) != nil {
                        report.skippedRecords += 1
                        continue
                    }
                    let (old, new) = pair.evaluate(record, now: source.now)
                    guard report.ownersCompared else {
                        report.add(lead: record, before: old, after: new, ownerBefore: nil, ownerAfter: nil)
                        continue
                    }
                    currentSimulation?.add(old, lead: record, to: &batch, side: .first)
                    candidateSimulation?.add(new, lead: record, to: &batch, side: .second, reusingKeys: reusesKeys)
                    if shared, alike { alike = Self.placedAlike(old, new) }
                    pending.append(report.add(lead: record, before: old, after: new))
                    if pending.count >= Self.batchSize { try flush() }
                case .failure:
                    report.skippedRecords += 1
                }
            }
            try flush()
        }
        return report
    }

    /// Whether both rule sets give a lead what assignment reads of its decision: whether it is placed, and where
    /// (the teams tried, and the one that took it), under the same lead id. The rest of a decision (its stage,
    /// score, rules) is recorded with it but moves no owner.
    static func placedAlike(_ old: borrowing Decision, _ new: borrowing Decision) -> Bool {
        guard old.isPlaced == new.isPlaced else { return false }
        return !old.isPlaced || (old.placement == new.placement && old.leadID == new.leadID)
    }
}

/// The differences a replay found.
public struct ReplayReport: Sendable {
    public let currentVersion: String
    public let candidateVersion: String
    /// Row and column orders for the matrices.
    public let currentStages: [String]
    public let candidateStages: [String]
    public let currentRoutes: [String]
    public let candidateRoutes: [String]
    let sampleSize: Int

    public var files = 0
    public var leads = 0
    /// Records that could not be read (the daemon rejected them when it first saw them).
    public var skippedRecords = 0
    /// Counts by (current, candidate).
    public var stages: [Pair: Int] { stageTally.counts }
    public var routes: [Pair: Int] { routeTally.counts }
    var stageTally = PairTally()
    var routeTally = PairTally()
    /// Leads whose stage, route, grade, score, fired rules or owner differ.
    public var changedLeads = 0
    /// Candidate total minus current total, per lead.
    var shifts: [Double] = []
    var currentTotal = 0.0
    var candidateTotal = 0.0
    public var drivers: [String: Driver] = [:]
    public var ownersCompared = false
    /// Batches whose owners one simulation gave under both rule sets (`Replay.sharesSimulation`).
    var sharedBatches = 0
    /// Assignment outcome (team or queue) by (current, candidate), for leads assigned under either.
    public var teams: [Pair: Int] { teamTally.counts }
    var teamTally = PairTally()
    public var ownerChanges = 0
    public var samples: [Sample] = []
    /// `candidateIndices` for the last pair of rule names it was asked for.
    private var ruleIndexMap: (current: ObjectIdentifier, candidate: ObjectIdentifier, indices: [Int])?

    public struct Pair: Sendable, Hashable {
        public var from: String
        public var to: String
    }

    /// Counts by pair, the last pair's run apart: consecutive leads mostly repeat a pair, whose texts are the same
    /// ones (comparing them compares their bits) and need no hashing.
    struct PairTally: Sendable {
        private var tallied: [Pair: Int] = [:]
        private var last: Pair?
        private var run = 0

        mutating func add(_ from: String, _ to: String) {
            if let last, last.from == from, last.to == to {
                run += 1
                return
            }
            if let last { tallied[last, default: 0] += run }
            last = Pair(from: from, to: to)
            run = 1
        }

        var counts: [Pair: Int] {
            guard let last else { return tallied }
            var counts = tallied
            counts[last, default: 0] += run
            return counts
        }
    }

    /// How one rule's part changed.
    public struct Driver: Sendable, Hashable {
        public var rule: String
        /// Fires under the candidate only.
        public var gained = 0
        /// Fires under the current rules only.
        public var lost = 0
        /// Fires under both, with different points.
        public var repointed = 0
        /// Of those, leads whose stage or route changed.
        public var inChangedOutcomes = 0
        public var inCurrent: Bool
        public var inCandidate: Bool
    }

    /// One changed lead, with the difference in its explanation.
    public struct Sample: Sendable {
        public var lead: String
        public var origin: String
        public var before: Outcome
        public var after: Outcome
        /// `+rule (points)` fired only under the candidate, `-rule` only under the current rules, `~rule a -> b`.
        public var ruleChanges: [String]

        public struct Outcome: Sendable {
            public var stage: String
            public var route: String
            public var grade: String?
            public var score: Double
            public var owner: String?
            public var disqualifications: [String]
        }
    }

    init(current: Program, candidate: Program, sampleSize: Int) {
        currentVersion = current.version
        candidateVersion = candidate.version
        currentStages = current.stageNames
        candidateStages = candidate.stageNames
        currentRoutes = current.routeNames
        candidateRoutes = candidate.routeNames
        self.sampleSize = sampleSize
        let currentRules = Set(current.ruleIDs)
        let candidateRules = Set(candidate.ruleIDs)
        for rule in currentRules.union(candidateRules) {
            drivers[rule] = Driver(
                rule: rule,
                inCurrent: currentRules.contains(rule),
                inCandidate: candidateRules.contains(rule)
            )
        }
    }

    /// Whether two decisions fired the same rules, in the same order, for the same points, and were disqualified
    /// by the same rules. Fired rules compare by their indices (`candidateIndices`): by id, each comparison read
    /// two texts, with a reference count each, 2,600 instructions per lead.
    mutating func sameRules(_ before: Decision, _ after: Decision) -> Bool {
        guard before.fired.count == after.fired.count, before.disqualifications.count == after.disqualifications.count
        else { return false }
        let indices = candidateIndices(before.ruleNames, after.ruleNames)
        for (a, b) in zip(before.fired, after.fired)
        where a.rule >= indices.count || indices[a.rule] != b.rule || abs(a.points - b.points) > 1e-9 {
            return false
        }
        for (a, b) in zip(before.disqualifications, after.disqualifications) where a.rule != b.rule { return false }
        return true
    }

    /// By rule of `current`, the index of the rule with its id in `candidate`, or -1: made once for a pair of
    /// programs' names (each program's decisions share one `RuleNames`).
    mutating func candidateIndices(_ current: RuleNames, _ candidate: RuleNames) -> [Int] {
        let key = (ObjectIdentifier(current), ObjectIdentifier(candidate))
        if let map = ruleIndexMap, map.current == key.0, map.candidate == key.1 { return map.indices }
        let byID = Dictionary(candidate.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let indices = current.ids.map { byID[$0] ?? -1 }
        ruleIndexMap = (key.0, key.1, indices)
        return indices
    }

    /// The rules that contributed differently to the two decisions, counted in `drivers`, as the sample shows them.
    mutating func ruleDifferences(_ before: Decision, _ after: Decision, outcomeChanged: Bool) -> [String] {
        var beforeRules: [String: Double] = [:]
        for rule in before.fired { beforeRules[before.id(rule)] = rule.points }
        for item in before.disqualifications { beforeRules[item.rule] = 0 }
        var afterRules: [String: Double] = [:]
        for rule in after.fired { afterRules[after.id(rule)] = rule.points }
        for item in after.disqualifications { afterRules[item.rule] = 0 }
        var ruleChanges: [String] = []
        for (rule, points) in afterRules where beforeRules[rule] == nil {
            drivers[rule]?.gained += 1
            if outcomeChanged { drivers[rule]?.inChangedOutcomes += 1 }
            ruleChanges.append("+\(rule) (\(Decision.format(points)))")
        }
        for (rule, points) in beforeRules {
            if let now = afterRules[rule] {
                guard abs(now - points) > 1e-9 else { continue }
                drivers[rule]?.repointed += 1
                ruleChanges.append("~\(rule) \(Decision.format(points)) -> \(Decision.format(now))")
            } else {
                drivers[rule]?.lost += 1
                ruleChanges.append("-\(rule) (\(Decision.format(points)))")
            }
            if outcomeChanged { drivers[rule]?.inChangedOutcomes += 1 }
        }
        return ruleChanges
    }

    /// Counts a lead, its owners given.
    mutating func add(
        lead: borrowing LeadRecord,
        before: borrowing Decision,
        after: borrowing Decision,
        ownerBefore: OwnerSimulation.Owner?,
        ownerAfter: OwnerSimulation.Owner?
    ) {
        settle(add(lead: lead, before: before, after: after), ownerBefore: ownerBefore, ownerAfter: ownerAfter)
    }

    /// A lead counted but for its owners, which come later (`settle`): whether its decisions differ, and while the
    /// report takes samples, the lead as one (its owners left out) if it may be one: changed, or placed, so that
    /// its owner alone may change it.
    struct Pending {
        var changed: Bool
        var sample: Sample?
    }

    /// Counts what two decisions of a lead say, and what changed between them; its owners are counted by `settle`.
    mutating func add(lead: borrowing LeadRecord, before: borrowing Decision, after: borrowing Decision) -> Pending {
        leads += 1
        stageTally.add(before.stage, after.stage)
        routeTally.add(before.route, after.route)
        shifts.append(after.total - before.total)
        currentTotal += before.total
        candidateTotal += after.total
        let outcomeChanged = before.stage != after.stage || before.route != after.route

        // Which rules contributed differently. Most leads fire the same rules for the same points under both: the
        // same lists in the same order need no lookups.
        var ruleChanges: [String] = []
        if !sameRules(before, after) {
            ruleChanges = ruleDifferences(before, after, outcomeChanged: outcomeChanged)
        }
        let changed =
            outcomeChanged || before.grade != after.grade || abs(before.total - after.total) > 1e-9
            || !ruleChanges.isEmpty
        let placed = ownersCompared && (before.isPlaced || after.isPlaced)
        guard samples.count < sampleSize, changed || placed else { return Pending(changed: changed, sample: nil) }
        func outcome(_ decision: borrowing Decision) -> Sample.Outcome {
            Sample.Outcome(
                stage: decision.stage,
                route: decision.route,
                grade: decision.grade,
                score: decision.total,
                owner: nil,
                disqualifications: decision.disqualifications.map(\.reason)
            )
        }
        let sample = Sample(
            lead: before.leadID ?? "(no id)",
            origin: "\(lead.origin.file):\(lead.origin.line)",
            before: outcome(before),
            after: outcome(after),
            ruleChanges: ruleChanges.sorted { $0.dropFirst() < $1.dropFirst() }
        )
        return Pending(changed: changed, sample: sample)
    }

    /// Counts a lead's owners, once its decisions are counted (`add`), and the lead as changed if anything changed.
    mutating func settle(_ pending: Pending, ownerBefore: OwnerSimulation.Owner?, ownerAfter: OwnerSimulation.Owner?) {
        var ownerChanged = false
        if ownersCompared, ownerBefore != nil || ownerAfter != nil {
            teamTally.add(ownerBefore?.placement ?? "-", ownerAfter?.placement ?? "-")
            ownerChanged = ownerBefore?.holder != ownerAfter?.holder
            if ownerChanged { ownerChanges += 1 }
        }
        guard pending.changed || ownerChanged else { return }
        changedLeads += 1
        guard samples.count < sampleSize, var sample = pending.sample else { return }
        sample.before.owner = ownerBefore?.holder
        sample.after.owner = ownerAfter?.holder
        samples.append(sample)
    }

    // MARK: - Figures

    public var meanShift: Double { leads == 0 ? 0 : (candidateTotal - currentTotal) / Double(leads) }
    public var meanCurrent: Double { leads == 0 ? 0 : currentTotal / Double(leads) }
    public var meanCandidate: Double { leads == 0 ? 0 : candidateTotal / Double(leads) }

    /// The score shift at percentiles (nearest rank).
    public func shiftPercentiles(_ percentiles: [Double]) -> [Double] {
        guard !shifts.isEmpty else { return percentiles.map { _ in 0 } }
        let sorted = shifts.sorted()
        return percentiles.map { p in
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
            return sorted[min(sorted.count - 1, max(0, rank - 1))]
        }
    }

    /// The rules that changed anything, those behind changed stages or routes first.
    public var rankedDrivers: [Driver] {
        drivers.values.filter { $0.gained + $0.lost + $0.repointed > 0 }.sorted {
            if $0.inChangedOutcomes != $1.inChangedOutcomes { return $0.inChangedOutcomes > $1.inChangedOutcomes }
            let a = $0.gained + $0.lost + $0.repointed
            let b = $1.gained + $1.lost + $1.repointed
            return a != b ? a > b : $0.rule < $1.rule
        }
    }

    /// Leads whose stage changed.
    public var stageChanges: Int { stages.filter { $0.key.from != $0.key.to }.values.reduce(0, +) }
    public var routeChanges: Int { routes.filter { $0.key.from != $0.key.to }.values.reduce(0, +) }
}
