import Leads
import Synchronization
public import YAML

/// A compiled rule set: immutable, `Sendable`, ready to evaluate any number of leads from any task.
///
/// Made by `RuleCompiler` from a rules directory. Field names are resolved to slots, regexes compiled, lists turned
/// into hash sets and each distinct event aggregate numbered, so evaluation does no lookup by name. A class: each
/// evaluation holds it, and a reference is one retain where a struct of this many arrays is one per array.
public final class Program: Sendable {
    /// The content hash of the rule files and lists it was compiled from.
    public let version: String
    /// The rule files, in the order they were read.
    public let files: [String]
    let categories: [Category]
    let slots: [FieldSlot]
    let eventSlots: [FieldSlot]
    let aggregates: [Aggregate]
    /// For each event collection slot: its event functions, grouped by the event type they filter on, so one pass
    /// over a lead's events computes them all.
    let aggregatePlans: [Int: AggregatePlan]
    /// The same plans by field slot (nil for slots that are not event collections with functions).
    let plans: [AggregatePlan?]
    /// Each slot's type.
    let slotTypes: [FieldType]
    /// The slots' paths as a tree, to find all of a lead's fields in one pass; then the assignment plan's key
    /// paths (`keyPaths`), whose nodes follow the slots' (`keySlots`).
    let slotTree: SlotTree
    /// The assignment plan's key fields, found with the rules' fields for the leads it assigns: its e-mail path,
    /// then its domain paths. Empty without a plan, or when it has more than `Decision.KeyNodes` holds.
    public let keyPaths: [[String]]
    /// `Decision.KeyNodes.pathsHash(keyPaths)`.
    let keyPathsHash: UInt64
    /// Where the key fields' nodes are among the nodes the slot tree finds: after the slots'.
    var keySlots: Range<Int> { slots.count..<slots.count + keyPaths.count }
    /// The conditions and expressions as evaluation walks them, and where each starts: rules' `when` and `unless`
    /// by rule position (disqualifiers, then scorers), grade and stage rows, team conditions, derived values, and
    /// the predicates and values of event functions (-1 where there is none).
    let code: Code
    let ruleWhen: [Int32]
    let ruleUnless: [Int32]
    let gradeConditions: [Int32]
    let stageConditions: [Int32]
    let teamConditions: [Int32]
    /// The routes the assignment plan assigns.
    let assignedRoutes: Set<String>
    /// By stage index, whether the stage's route is assigned; and whether the disqualified route is: a decision
    /// knows its placement by its stage, without looking its route's name up.
    let stageAssigned: [Bool]
    let disqualifiedAssigned: Bool
    let derivedCode: [Int32]
    let aggregatePredicates: [Int32]
    let aggregateValues: [Int32]
    /// Arrays finished evaluations left, for the next ones (`EvaluationBuffers`).
    let spareBuffers = Mutex<[EvaluationBuffers]>([])
    /// The key of event slot 0, the event's time, as UTF-8 bytes, and its type (nil when there is no event slot).
    let timeKey: [UInt8]
    let timeType: FieldType?
    let aggregateLabels: [String]
    /// Derived values, in the order they may use each other, with their names.
    let derived: [Expression]
    let derivedNames: [String]
    let disqualifiers: [CompiledRule]
    let scorers: [CompiledRule]
    let flags: [String]
    let grades: [Row]
    let stages: [Row]
    /// Route of each stage, by stage index; `disqualifiedRoute` for disqualified leads.
    let routes: [String]
    let disqualifiedRoute: String
    /// Where the lead's id is read from.
    let idSlot: Int?
    /// What each rule does when it holds, by position (disqualifiers, then scorers), in plain values: evaluation
    /// reads these, not the rules, so no rule is retained per lead.
    let ruleSteps: [RuleStep]
    /// Each category's cap, or infinity.
    let categoryCaps: [Double]
    /// The assignment configuration, when the rules directory has one.
    public let assignment: AssignmentPlan?
    /// Every lead field the rules may use (the standard catalog and `fields:`), dotted, with its type name
    /// (`string`, `number`, `timestamp`, `events`, ...); event fields as `events.type`.
    public let fieldTypes: [String: String]

    init(
        version: String,
        files: [String],
        categories: [Category],
        slots: [FieldSlot],
        eventSlots: [FieldSlot],
        aggregates: [Aggregate],
        aggregatePlans: [Int: AggregatePlan],
        aggregateLabels: [String],
        derived: [Expression],
        derivedNames: [String],
        disqualifiers: [CompiledRule],
        scorers: [CompiledRule],
        flags: [String],
        grades: [Row],
        stages: [Row],
        routes: [String],
        disqualifiedRoute: String,
        idSlot: Int?,
        assignment: AssignmentPlan?,
        fieldTypes: [String: String]
    ) {
        self.version = version
        self.files = files
        self.categories = categories
        categoryNames = categories.map(\.name)
        categoryCaps = categories.map { $0.cap ?? .infinity }
        ruleNames = RuleNames(
            ids: (disqualifiers + scorers).map(\.id),
            categories: (disqualifiers + scorers).map { rule in rule.category.map { categories[$0].name } },
            categoryNames: categories.map(\.name),
            flags: flags,
            teams: assignment?.teams.map(\.id) ?? []
        )
        ruleIDs = ruleNames.ids
        ruleSteps = (disqualifiers + scorers).map(RuleStep.init)
        self.slots = slots
        self.eventSlots = eventSlots
        self.aggregates = aggregates
        self.aggregatePlans = aggregatePlans
        plans = slots.indices.map { aggregatePlans[$0] }
        var code = CodeBuilder()
        ruleWhen = (disqualifiers + scorers).map { code.add($0.when) }
        ruleUnless = (disqualifiers + scorers).map { code.add($0.unless) }
        gradeConditions = grades.map { code.add($0.condition) }
        stageConditions = stages.map { code.add($0.condition) }
        teamConditions = (assignment?.conditions ?? []).map { code.add($0) }
        let assignedRoutes = assignment?.routes ?? []
        self.assignedRoutes = assignedRoutes
        derivedCode = derived.map { code.add($0) }
        aggregatePredicates = aggregates.map { $0.predicate.map { code.add($0) } ?? -1 }
        aggregateValues = aggregates.map { $0.value.map { code.add($0) } ?? -1 }
        self.code = Code(code)
        slotTypes = slots.map(\.type)
        let keyPaths =
            assignment.map(\.keyPaths).flatMap { $0.count <= Decision.KeyNodes.capacity ? $0 : nil } ?? []
        self.keyPaths = keyPaths
        keyPathsHash = Decision.KeyNodes.pathsHash(keyPaths)
        slotTree = SlotTree(paths: slots.map(\.path) + keyPaths)
        timeKey = eventSlots.first.map { Array($0.path[0].utf8) } ?? []
        timeType = eventSlots.first?.type
        self.aggregateLabels = aggregateLabels
        self.derived = derived
        self.derivedNames = derivedNames
        self.disqualifiers = disqualifiers
        self.scorers = scorers
        self.flags = flags
        self.grades = grades
        self.stages = stages
        self.routes = routes
        self.disqualifiedRoute = disqualifiedRoute
        stageAssigned = routes.map { assignedRoutes.contains($0) }
        disqualifiedAssigned = assignedRoutes.contains(disqualifiedRoute)
        self.idSlot = idSlot
        self.assignment = assignment
        self.fieldTypes = fieldTypes
        // Every catalog field but the id and the fields inside events (an array, not an object).
        let collections = fieldTypes.filter { $0.value == FieldType.events.rawValue }.keys
        catalogPaths = fieldTypes.keys.filter { path in
            path != "id" && !collections.contains { path.hasPrefix($0 + ".") }
        }.sorted().map { $0.split(separator: ".").map(String.init) }
        catalogTree = SlotTree(paths: catalogPaths)
    }

    /// The catalog's fields besides the id (`shapeProblem`), as paths, and as a tree.
    let catalogPaths: [[String]]
    let catalogTree: SlotTree

    /// The ids of every rule, in evaluation order.
    public let ruleIDs: [String]
    /// The same ids, with each rule's category, shared by the program's decisions.
    public let ruleNames: RuleNames
    /// The category names, in order.
    public let categoryNames: [String]
    /// The stage names, in table order, then `disqualified`.
    public var stageNames: [String] { stages.map(\.name) + ["disqualified"] }
    /// The grade names, in table order.
    public var gradeNames: [String] { grades.map(\.name) }
    /// Every route a decision can take: the stages' routes, then the disqualified route.
    public var routeNames: [String] {
        var seen: Set<String> = []
        return (routes + [disqualifiedRoute]).filter { seen.insert($0).inserted }
    }
    /// The flag names.
    public var flagNames: [String] { flags }
    /// The rules with `disqualify:`: their ids and reasons.
    public var disqualifierReasons: [(rule: String, reason: String)] {
        disqualifiers.compactMap { rule in
            if case .disqualify(let reason) = rule.action { return (rule.id, reason) }
            return nil
        }
    }
    /// Where each rule is written, by id.
    public var ruleLocations: [String: SourceLocation] {
        Dictionary((disqualifiers + scorers).map { ($0.id, $0.location) }, uniquingKeysWith: { first, _ in first })
    }
}

struct Category: Sendable {
    var name: String
    var cap: Double?
}

/// Where a lead field is read from, and how its value is normalized.
struct FieldSlot: Sendable, Hashable {
    var path: [String]
    var type: FieldType
}

/// The types of lead fields in the catalog.
enum FieldType: String, Sendable, CaseIterable {
    case string
    case number
    case boolean
    case timestamp
    case list
    /// A string, lower-cased and trimmed, with a `+tag` removed from its local part.
    case email
    /// A string normalized to an ISO 3166-1 alpha-2 code where it names a country.
    case country
    /// A company's domain or website, as the domain alone: lower-cased, without scheme, path, port or `www.`
    /// (`DomainName`); a text that is no domain stays as written.
    case domain
    case events

    var valueType: ValueType {
        switch self {
        case .string, .email, .country, .domain: .string
        case .number: .number
        case .boolean: .boolean
        case .timestamp: .timestamp
        case .list: .list
        case .events: .events
        }
    }
}

/// What a rule does when it holds, as plain values (`Program.ruleSteps`).
struct RuleStep: Sendable {
    enum Kind: UInt8, Sendable {
        case points
        case each
        case disqualify
    }

    var kind: Kind
    /// `points`'s points (rounded to hundredths, as a decision shows points), or `each`'s points per event.
    var points: Double
    /// `each`'s event function, ceiling (infinity when none) and half-life.
    var aggregate = -1
    var max = Double.infinity
    var halfLife: Double?
    /// The category, or -1; the flag, or -1.
    var category: Int
    var flag: Int

    init(_ rule: CompiledRule) {
        category = rule.category ?? -1
        flag = rule.flag ?? -1
        switch rule.action {
        case .points(let value):
            kind = .points
            points = (value * 100).rounded() / 100
        case .each(let aggregate, let each, let max, let halfLife):
            kind = .each
            points = each
            self.aggregate = aggregate
            self.max = max ?? .infinity
            self.halfLife = halfLife
        case .disqualify:
            kind = .disqualify
            points = 0
        }
    }
}

/// A rule, compiled. A class: evaluation walks the rules once per lead, and a reference costs one retain where a
/// struct of this many fields costs one per field.
final class CompiledRule: Sendable {
    enum Action: Sendable {
        case points(Double)
        /// Points per matching event, with an optional ceiling and half-life.
        case each(aggregate: Int, points: Double, max: Double?, halfLife: Double?)
        case disqualify(String)
    }

    let id: String
    let description: String?
    let category: Int?
    let action: Action
    let flag: Int?
    let when: Condition?
    let unless: Condition?
    let location: SourceLocation

    init(
        id: String,
        description: String?,
        category: Int?,
        action: Action,
        flag: Int?,
        when: Condition?,
        unless: Condition?,
        location: SourceLocation
    ) {
        self.id = id
        self.description = description
        self.category = category
        self.action = action
        self.flag = flag
        self.when = when
        self.unless = unless
        self.location = location
    }
}

/// A condition as YAML structured it, so each leaf is traced on its own.
indirect enum Condition: Sendable {
    case leaf(Expression, text: String, location: SourceLocation)
    case all([Condition])
    case any([Condition])
    case not(Condition)
}

extension Condition {
    /// Whether two conditions decide alike on any lead read alike: the same structure and leaf expressions, wherever
    /// they are written.
    func decidesLike(_ other: Condition) -> Bool {
        switch (self, other) {
        case (.leaf(let a, _, _), .leaf(let b, _, _)): a == b
        case (.all(let a), .all(let b)), (.any(let a), .any(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.decidesLike($1) }
        case (.not(let a), .not(let b)): a.decidesLike(b)
        default: false
        }
    }
}

extension CompiledRule {
    /// Whether the rule's conditions hold, and an `each` rule's events count, exactly when `other`'s do, in a
    /// program that reads leads as `other`'s does.
    func decidesLike(_ other: CompiledRule) -> Bool {
        func same(_ a: Condition?, _ b: Condition?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case (let a?, let b?): a.decidesLike(b)
            default: false
            }
        }
        guard same(when, other.when), same(unless, other.unless) else { return false }
        switch (action, other.action) {
        case (.each(let a, _, _, let x), .each(let b, _, _, let y)): return a == b && x == y
        case (.each, _), (_, .each): return false
        default: return true
        }
    }
}

/// A row of the grade or stage table; no condition means `otherwise`.
struct Row: Sendable {
    var name: String
    var condition: Condition?
}

/// The event functions of one event collection, for a single pass over each lead's events. A class, for the same
/// reason as `CompiledRule`.
final class AggregatePlan: Sendable {
    /// The event slot the type filters read (the most common one), and the event key it reads.
    let typeSlot: Int?
    let typeKey: String?
    /// The texts the type filters want, ASCII letters lower-cased: an event's type is read once, as the index of the
    /// text it equals (its code).
    let types: TypeCodes
    /// Functions by the code of the type their filter wants: those of code `c` are
    /// `typeMembers[typeStarts[c]..<typeStarts[c + 1]]`.
    let typeStarts: [Int]
    let typeMembers: [Int]
    /// Functions without a filter on `typeSlot`: they see every event.
    let others: [Int]
    /// Of `others`, those that test only the event's time (`last(events)`, `exists(events, within 90d)`): `tallyAll`
    /// counts each in its own tight loop over the times; and the rest, visited per event.
    let timeOnlyOthers: [Int]
    let visitedOthers: [Int]
    /// Every function of the plan tallied in one pass: all but the `each` functions counted by rules with
    /// different half-lives (`tally` counts those, once per rule).
    let all: [Int]
    /// The `each` functions among them.
    let fusedEach: [Int]
    /// By aggregate index: the type code its filter on `typeSlot` wants, or -1 (no such filter, or another
    /// collection's function).
    let filterCodes: [Int]
    /// By aggregate index: its predicate as text tests run on the event's bytes, when it is only those.
    let predicates: [EventPredicate?]
    /// By aggregate index: what each event must pass, without optionals or references to copy per event.
    let functions: [Function]
    /// The keys of event fields the fast predicates test, as UTF-8 bytes: each event's values for them are found in
    /// the same pass that reads its time and type (`EventTable.fields`).
    let fieldKeys: [[UInt8]]
    /// `typeKey`'s bytes (empty when there is none).
    let typeKeyBytes: [UInt8]
    /// The field keys and `typeKey` packed as `AggregatePlan.keyWord` packs them, with the field keys' lengths: an
    /// event's key of up to eight bytes is matched by comparing two integers.
    let fieldKeyWords: [UInt64]
    let fieldKeyCounts: [Int]
    let typeKeyWord: UInt64
    /// The fast predicates' tests, and their constants' bytes one after another.
    let tests: [EventPredicate.Test]
    let needles: [UInt8]
    /// Whether every function in `all` needs only the event's time, type code and fast predicate (`tallyAll`).
    let allFast: Bool

    /// How far after `now` an event's time may be and still count: the systems that stamp events may run their
    /// clocks ahead of leadd's by seconds or minutes (5 minutes is the allowance Kerberos takes by default), and a
    /// demo request a minute "in the future" is still a demo request. An event later than that has not happened as
    /// of `now`: it counts in no function, with a window or without.
    static let clockSkew = 300.0

    /// An event function's tests, read once per event.
    struct Function: Sendable {
        /// `within`, or infinity: an event older than this, or without a time, or later than `now` (beyond the
        /// clock skew), is out.
        var window = Double.infinity
        var hasWindow = false

        /// Whether an event at `at` (NaN: without a time) is in this function's time range: from `now` minus the
        /// window (or always, without one) to `now` plus `clockSkew`. An event without a time is only in a function
        /// without a window.
        @inline(__always)
        func covers(_ at: Double, now: Double) -> Bool {
            // NaN fails every comparison: out of a window, in where there is none.
            hasWindow
                ? at <= now + AggregatePlan.clockSkew && at >= now - window : !(at > now + AggregatePlan.clockSkew)
        }
        /// The type filter is on another field than `typeSlot`: the expression's field is read.
        var otherTypeFilter = false
        /// A predicate beyond the type filter; `fast` when `EventPredicate` decides it.
        var hasPredicate = false
        var fast = false
        /// A `sum`'s value.
        var hasValue = false
        /// For an `each` function: the half-life its events decay by, if any; an event without a time is then not
        /// counted.
        var hasHalfLife = false
        var halfLife = 0.0
        /// Tallied in the one pass with the others (in `all`).
        var fused = false
        /// An `exists`: its value is whether any event matches, so its tally stops at the first.
        var stopsAtFirst = false
    }

    /// An `each` function's half-life, as `EvaluationState.add` takes it.
    @inline(__always)
    func halfLife(_ index: Int) -> Double? {
        functions[index].hasHalfLife ? functions[index].halfLife : nil
    }

    /// The plan of the functions of `collection`; `halfLives` has, for each `each` function tallied with the others,
    /// its half-life (nil for none).
    init(aggregates: [Aggregate], collection: Int, eventSlots: [FieldSlot], halfLives: [Int: Double?] = [:]) {
        let inCollection = aggregates.indices.filter { aggregates[$0].collection == collection }
        var slotCounts: [Int: Int] = [:]
        for index in inCollection {
            if let filter = aggregates[index].typeFilter { slotCounts[filter.slot, default: 0] += 1 }
        }
        let typeSlot = slotCounts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        var typeNames: [String] = []
        var byType: [[Int]] = []
        var others: [Int] = []
        var all: [Int] = []
        var filterCodes = Array(repeating: -1, count: aggregates.count)
        for index in inCollection {
            guard let filter = aggregates[index].typeFilter, filter.slot == typeSlot else { continue }
            let name = FoldedText.withBytes(FoldedText.trimmed(filter.value)) { FoldedText.lowercased($0) }
            if let code = typeNames.firstIndex(of: name) {
                filterCodes[index] = code
            } else {
                typeNames.append(name)
                byType.append([])
                filterCodes[index] = typeNames.count - 1
            }
        }
        for index in inCollection where aggregates[index].kind != .each || halfLives[index] != nil {
            if filterCodes[index] >= 0 {
                byType[filterCodes[index]].append(index)
            } else {
                others.append(index)
            }
            all.append(index)
        }
        self.typeSlot = typeSlot
        typeKey = typeSlot.map { eventSlots[$0].path[0] }
        types = TypeCodes(typeNames)
        typeStarts = byType.reduce(into: [0]) { starts, members in
            starts.append(starts[starts.count - 1] + members.count)
        }
        typeMembers = byType.flatMap { $0 }
        self.others = others
        self.all = all
        fusedEach = all.filter { aggregates[$0].kind == .each }
        self.filterCodes = filterCodes
        var fieldKeys: [[UInt8]] = []
        var tests: [EventPredicate.Test] = []
        var needles: [UInt8] = []
        let predicates: [EventPredicate?] = aggregates.map { aggregate in
            guard aggregate.collection == collection, let predicate = aggregate.predicate else { return nil }
            return EventPredicate(
                predicate,
                eventSlots: eventSlots,
                fieldKeys: &fieldKeys,
                tests: &tests,
                needles: &needles
            )
        }
        self.predicates = predicates
        self.fieldKeys = fieldKeys
        typeKeyBytes = typeSlot.map { Array(eventSlots[$0].path[0].utf8) } ?? []
        fieldKeyWords = fieldKeys.map { key in key.withUnsafeBufferPointer { Self.keyWord($0) } }
        fieldKeyCounts = fieldKeys.map(\.count)
        typeKeyWord = typeKeyBytes.withUnsafeBufferPointer { Self.keyWord($0) }
        self.tests = tests
        self.needles = needles
        let inAll = Set(all)
        let functions: [Function] = aggregates.indices.map { index in
            let aggregate = aggregates[index]
            var function = Function()
            if let within = aggregate.within {
                function.window = within
                function.hasWindow = true
            }
            function.otherTypeFilter = aggregate.typeFilter != nil && filterCodes[index] < 0
            function.hasPredicate = aggregate.predicate != nil
            function.fast = function.hasPredicate && aggregate.collection == collection && predicates[index] != nil
            function.hasValue = aggregate.value != nil
            function.fused = inAll.contains(index)
            function.stopsAtFirst = aggregate.kind == .exists
            if aggregate.kind == .each, let halfLife = halfLives[index], let halfLife {
                function.hasHalfLife = true
                function.halfLife = halfLife
            }
            return function
        }
        self.functions = functions
        let timeOnly = others.filter { index in
            let function = functions[index]
            return !function.hasPredicate && !function.otherTypeFilter && !function.hasValue
        }
        timeOnlyOthers = timeOnly
        let timeOnlySet = Set(timeOnly)
        visitedOthers = others.filter { !timeOnlySet.contains($0) }
        allFast = all.allSatisfy { index in
            let function = functions[index]
            return !function.otherTypeFilter && (!function.hasPredicate || function.fast) && !function.hasValue
        }
    }

    /// The code of an event's type text, as UTF-8 bytes (trimmed, ASCII letters in any case), or -1 when it is none
    /// of them.
    @inline(__always)
    func code(of raw: UnsafeBufferPointer<UInt8>) -> Int {
        types.code(of: raw)
    }

    /// The first eight bytes of a text, ASCII letters lower-cased, packed; zeros past the end. Two texts of the same
    /// length up to eight bytes are equal as `FoldedText.equal` compares exactly when their heads are.
    @inline(__always)
    static func head(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard bytes.count >= 8, let base = bytes.baseAddress else {
            var head: UInt64 = 0
            for index in 0..<bytes.count { head |= UInt64(FoldedText.fold(bytes[index])) << (8 * index) }
            return head
        }
        return FoldedText.fold(word: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self))
    }
}

/// An event aggregate: which events, counted or summed how. Distinct aggregates are computed once per lead.
struct Aggregate: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case count
        case exists
        case last
        case sum
        /// The events an `each` rule gives points for.
        case each
    }

    var kind: Kind
    var collection: Int
    var predicate: Expression?
    /// For `sum`: the event value summed.
    var value: Expression?
    var within: Double?
    /// `type == "demo_request"` taken out of the predicate: an event slot and the text it must equal, checked first.
    var typeFilter: (slot: Int, value: String)?

    static func == (lhs: Aggregate, rhs: Aggregate) -> Bool {
        lhs.kind == rhs.kind && lhs.collection == rhs.collection && lhs.predicate == rhs.predicate
            && lhs.value == rhs.value && lhs.within == rhs.within && lhs.typeFilter?.slot == rhs.typeFilter?.slot
            && lhs.typeFilter?.value == rhs.typeFilter?.value
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(collection)
        hasher.combine(predicate)
        hasher.combine(value)
        hasher.combine(within)
        hasher.combine(typeFilter?.slot)
        hasher.combine(typeFilter?.value)
    }

    /// Moves a leading `FIELD == "text"` conjunct of the predicate into `typeFilter`, a cheap first check.
    mutating func extractTypeFilter() {
        guard let predicate else { return }
        func split(_ expression: Expression) -> ((Int, String), Expression?)? {
            switch expression {
            case .compare(.equal, .eventField(let slot), .constant(.string(let text))):
                return ((slot, text), nil)
            case .and(let lhs, let rhs):
                if let (filter, rest) = split(lhs) { return (filter, rest.map { .and($0, rhs) } ?? rhs) }
                return nil
            default:
                return nil
            }
        }
        if let (filter, rest) = split(predicate) {
            typeFilter = filter
            self.predicate = rest
        }
    }
}
