import Foundation
public import Leads
import Synchronization
import YAML

extension Program {
    /// Decides one lead at `now` (seconds since 1970): where a decision is made.
    ///
    /// Phases, in order: fields are read and normalized once; disqualification rules; points rules (summed per
    /// category, capped); grade; stage (first matching row); route. Rules never change the lead, so their order
    /// inside a phase does not change the outcome.
    public func evaluate(_ lead: LeadRecord, now: Double, explain: Bool = false) -> Decision {
        let buffers = takeBuffers()
        defer { keep(buffers) }
        return lead.document.withView { view in
            var state = EvaluationState(program: self, lead: view, now: now, explain: explain, buffers: buffers)
            let decision = state.decide(origin: lead.origin)
            state.recycle(into: buffers)
            return decision
        }
    }

    /// Arrays a finished evaluation left, for the next one (`EvaluationBuffers`).
    func takeBuffers() -> EvaluationBuffers {
        spareBuffers.withLock { $0.popLast() } ?? EvaluationBuffers()
    }

    func keep(_ buffers: EvaluationBuffers) {
        buffers.trim()
        spareBuffers.withLock { spare in
            if spare.count < 64 { spare.append(buffers) }
        }
    }
}

/// The arrays an evaluation fills, kept between evaluations (in their program's pool) so that a lead does not
/// allocate them again. Used by one evaluation at a time: taken from the pool, then put back.
final class EvaluationBuffers: @unchecked Sendable {
    var values: [Value] = []
    var scratch: [UInt8] = []
    var aggregates: [Value?] = []
    var eachWeights: [Double] = []
    var derivedValues: [Value?] = []
    var calls: [Value?] = []
    var regexMatches: [UInt64] = []
    var slotNodes: [Int] = []
    var categoryScores: [Double] = []
    var flags: [Bool] = []
    var eventTables: [EventTable] = []
    var eventTableSlots: [Int] = []
    /// A `ProgramPair`'s rule outcomes.
    var outcomes: [EvaluationState.RuleOutcome] = []
    /// Arrays for the first event table read, left by an earlier evaluation.
    var spareEvents = EventTable()
    /// A finished evaluation's first event table, its arrays for the next one's.
    var events = EventTable()

    /// Lets go of arrays a very large lead grew: a pool of buffers must not hold on to one lead's memory.
    func trim() {
        if scratch.capacity > 1 << 16 { scratch = [] }
        if events.rows.capacity > 1 << 12 { events.rows = [] }
        if events.fields.capacity > 1 << 14 { events.fields = [] }
    }
}

/// The per-lead state of one evaluation.
struct EvaluationState {
    /// The program deciding: a `ProgramPair`'s second takes over from its first (`switchProgram`).
    private(set) var program: Program
    /// The program's code, read on every node: held without reference counting, as `program` keeps it.
    private(set) unowned(unsafe) var code: Code
    let now: Double
    let explain: Bool
    var values: [Value]
    /// By slot: the node of its field in the lead, or -1 (`SlotTree.resolve`).
    var slotNodes: [Int] = []
    /// Texts normalizing or a function changed, which `.text` values may point into.
    var scratch: [UInt8]
    /// The events of each event collection read so far, and the collections' slots: the time and type read up
    /// front, other fields when a test asks.
    var eventTables: [EventTable] = []
    var eventTableSlots: [Int] = []
    /// Arrays for the first event table read, left by an earlier evaluation.
    var spareEvents = EventTable()
    /// The lead, read in place: valid during the evaluation only.
    let lead: LeadView
    var aggregates: [Value?]
    /// By aggregate index, for the `each` functions tallied with the others (`computeAll`): their matching events'
    /// weight after decay; NaN for the others. Empty until a collection is tallied.
    var eachWeights: [Double] = []
    var categoryScores: [Double]
    var total = 0.0
    var flags: [Bool]
    /// The event an aggregate's predicate or value is looking at.
    var currentEvent: EventRow?
    /// What the current leaf read, for explanations.
    var reads: [Read] = []
    /// Derived values, computed once per lead when first used.
    var derivedValues: [Value?]
    /// Calls on lead fields, computed once per lead when first used, unless explaining (`Code.Kind.call`).
    var calls: [Value?]
    /// By regex group (`Code.regexGroups`): which of its regexes match the lead's field, once read (0 until then).
    var regexMatches: [UInt64] = []

    enum Read: Hashable {
        case field(Int)
        case aggregate(Int)
        case derived(Int)
    }
    var traces: [RuleTrace] = []
    /// The grade and stage rows tried, for explanations.
    var tableTraces: [RuleTrace] = []
    /// What each rule found, disqualifiers then scorers, when a `ProgramPair` asks for them.
    var ruleOutcomes: [RuleOutcome]?
    /// For the second program of a pair: what the first's rules found, and by rule position, the position of the
    /// first's identical rule, if any (`ProgramPair.sameRules`).
    var earlierOutcomes: [RuleOutcome] = []
    var sameRules: [Int?] = []

    /// Whether a rule's conditions held, and for an `each` rule its matching events and their weight.
    struct RuleOutcome {
        var holds: Bool
        var count = 0
        var weight = 0.0
    }

    /// The tables' results, for team conditions.
    var outcomes: (grade: String?, stage: String, route: String) = (nil, "", "")

    init(program: Program, lead: LeadView, now: Double, explain: Bool, buffers: EvaluationBuffers? = nil) {
        self.program = program
        code = program.code
        self.now = now
        self.explain = explain
        self.lead = lead
        values = []
        scratch = []
        aggregates = []
        derivedValues = []
        calls = []
        categoryScores = []
        flags = []
        // The buffers' arrays are moved in (swapped, so they stay uniquely referenced) and emptied.
        if let buffers {
            exchange(buffers)
            scratch.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            eachWeights.removeAll(keepingCapacity: true)
            eventTables.removeAll(keepingCapacity: true)
            eventTableSlots.removeAll(keepingCapacity: true)
        }
        Self.readFields(program, lead, nodes: &slotNodes, into: &values, scratch: &scratch)
        Self.reset(&aggregates, to: nil, count: program.aggregates.count)
        Self.reset(&derivedValues, to: nil, count: program.derived.count)
        Self.reset(&calls, to: nil, count: program.code.callCacheCount)
        Self.reset(&regexMatches, to: 0, count: program.code.regexGroups.count)
        Self.reset(&categoryScores, to: 0, count: program.categories.count)
        Self.reset(&flags, to: false, count: program.flags.count)
    }

    /// `count` copies of `value` in `array`: overwritten where they lie when the array has that many already (as
    /// the buffers of the program's last evaluation have), which costs far less than emptying it and appending.
    @inline(__always)
    static func reset<T>(_ array: inout [T], to value: T, count: Int) {
        if array.count == count {
            // Not an empty one: making the shared empty array writable allocates a new one.
            if count > 0 { array.withUnsafeMutableBufferPointer { $0.update(repeating: value) } }
        } else {
            array.removeAll(keepingCapacity: true)
            array.append(contentsOf: repeatElement(value, count: count))
        }
    }

    /// Each slot's node in `lead` and its value, normalized. Static: a closure in the initializer that captured the
    /// state would copy it.
    private static func readFields(
        _ program: Program,
        _ lead: LeadView,
        nodes: inout [Int],
        into values: inout [Value],
        scratch: inout [UInt8]
    ) {
        let types = program.slotTypes
        // Sized here, for the slots and the assignment's key fields after them; `resolve` sets every entry.
        let count = types.count + program.keyPaths.count
        if nodes.count != count { reset(&nodes, to: -1, count: count) }
        nodes.withUnsafeMutableBufferPointer { program.slotTree.resolve(lead, into: $0) }
        values.reserveCapacity(types.count)
        for index in types.indices {
            let node = nodes[index] >= 0 ? nodes[index] : nil
            if types[index] == .events {
                values.append(node.map { lead.kind($0) == .array } == true ? .events(index) : .missing)
            } else {
                values.append(Normalizer.value(lead, node, types[index], scratch: &scratch))
            }
        }
    }

    /// Swaps the state's arrays with `buffers`': lent in when an evaluation starts, given back when it ends.
    private mutating func exchange(_ buffers: EvaluationBuffers) {
        swap(&scratch, &buffers.scratch)
        swap(&values, &buffers.values)
        swap(&aggregates, &buffers.aggregates)
        swap(&eachWeights, &buffers.eachWeights)
        swap(&derivedValues, &buffers.derivedValues)
        swap(&calls, &buffers.calls)
        swap(&regexMatches, &buffers.regexMatches)
        swap(&slotNodes, &buffers.slotNodes)
        swap(&categoryScores, &buffers.categoryScores)
        swap(&flags, &buffers.flags)
        swap(&eventTables, &buffers.eventTables)
        swap(&eventTableSlots, &buffers.eventTableSlots)
        swap(&spareEvents, &buffers.events)
        swap(&earlierOutcomes, &buffers.outcomes)
    }

    /// Gives the state's arrays back to `buffers`, for the next evaluation: the state is not used after.
    mutating func recycle(into buffers: EvaluationBuffers) {
        // The first event table's arrays go back as the spare ones.
        if !eventTables.isEmpty { swap(&eventTables[0], &spareEvents) }
        exchange(buffers)
    }

    /// Hands the state to another program over the same lead, keeping what it read: the normalized fields, the
    /// events, and the event functions and derived values computed. Only for a program that reads the lead exactly
    /// as this one does (`ProgramPair`). What the rules found (`ruleOutcomes`) becomes `earlierOutcomes`, for the
    /// rules `sameRules` says are the same.
    mutating func switchProgram(to next: Program, sameRules: [Int?]) {
        program = next
        code = next.code
        // Cache slots are the program's own.
        Self.reset(&calls, to: nil, count: next.code.callCacheCount)
        Self.reset(&regexMatches, to: 0, count: next.code.regexGroups.count)
        Self.reset(&categoryScores, to: 0, count: next.categories.count)
        Self.reset(&flags, to: false, count: next.flags.count)
        total = 0
        currentEvent = nil
        traces.removeAll()
        tableTraces.removeAll()
        outcomes = (nil, "", "")
        earlierOutcomes.removeAll(keepingCapacity: true)
        if var outcomes = ruleOutcomes {
            ruleOutcomes = nil
            swap(&outcomes, &earlierOutcomes)
        }
        self.sameRules = sameRules
    }

    mutating func decide(origin: LeadOrigin) -> Decision {
        // Rules are read through `ruleSteps` and `ruleIDs`; a rule itself only for explanations.
        var disqualifications: [Decision.Disqualification] = []
        let disqualifierCount = program.disqualifiers.count
        // Each rule's leaf traces, when explaining: one array, emptied for each rule (an array returned per rule is
        // released per rule, explaining or not).
        var leaves: [LeafTrace] = []
        for position in 0..<disqualifierCount {
            if explain { leaves.removeAll(keepingCapacity: true) }
            let holds = known(position)?.holds ?? conditionsHold(position, into: &leaves)
            ruleOutcomes?.append(RuleOutcome(holds: holds))
            if explain { trace(program.disqualifiers[position], fired: holds, leaves) }
            if holds, case .disqualify(let reason) = program.disqualifiers[position].action {
                disqualifications.append(Decision.Disqualification(rule: program.ruleIDs[position], reason: reason))
            }
        }
        let scorerCount = program.scorers.count
        var fired: [Decision.FiredRule] = []
        fired.reserveCapacity(scorerCount)
        for index in 0..<scorerCount {
            let position = disqualifierCount + index
            let earlier = known(position)
            if explain { leaves.removeAll(keepingCapacity: true) }
            let holds = earlier?.holds ?? conditionsHold(position, into: &leaves)
            ruleOutcomes?.append(RuleOutcome(holds: holds))
            guard holds else {
                if explain { trace(program.scorers[index], fired: false, leaves) }
                continue
            }
            let step = program.ruleSteps[position]
            var points = 0.0
            var matched: Int?
            switch step.kind {
            case .points:
                points = step.points
            case .each:
                let (count, weight) =
                    earlier.map { ($0.count, $0.weight) } ?? eachWeight(step.aggregate, halfLife: step.halfLife)
                ruleOutcomes?[position].count = count
                ruleOutcomes?[position].weight = weight
                matched = count
                if explain {
                    leaves.append(
                        LeafTrace(
                            part: "each",
                            expression: String(program.aggregateLabels[step.aggregate].dropFirst("each ".count)),
                            line: program.scorers[index].location.line,
                            verdict: count > 0 ? .true : .false,
                            missingFields: [],
                            values: [LeafTrace.Reading(name: "events", value: String(count))]
                        )
                    )
                }
                if count == 0 {
                    if explain { trace(program.scorers[index], fired: false, leaves) }
                    continue
                }
                // `max` caps the total's size: a rule of negative points takes at most `max` away.
                points = step.points * weight
                points = points < 0 ? Swift.max(points, -step.max) : Swift.min(points, step.max)
                // Hundredths, as a decision shows points (a `points` rule's are rounded when compiled).
                points = (points * 100).rounded() / 100
            case .disqualify:
                continue
            }
            var capped = false
            let category = step.category
            if category >= 0 {
                let room = Swift.max(0, program.categoryCaps[category] - categoryScores[category])
                if points > room {
                    points = room
                    capped = true
                }
                categoryScores[category] += points
            }
            if step.flag >= 0 { flags[step.flag] = true }
            if explain { trace(program.scorers[index], fired: true, leaves) }
            fired.append(
                Decision.FiredRule(
                    rule: position,
                    points: points,
                    events: matched,
                    capped: capped
                )
            )
        }
        total = categoryScores.reduce(0, +)
        let grade = program.grades.indices.first { rowMatches($0, grade: true) }.map { program.grades[$0].name }
        let stage: String
        let route: String
        let assigned: Bool
        if disqualifications.isEmpty, let index = program.stages.indices.first(where: { rowMatches($0, grade: false) })
        {
            stage = program.stages[index].name
            route = program.routes[index]
            assigned = program.stageAssigned[index]
        } else {
            stage = "disqualified"
            route = program.disqualifiedRoute
            assigned = program.disqualifiedAssigned
        }
        outcomes = (grade, stage, route)
        let placement = assigned ? place() : nil
        var leadID: String?
        if let slot = program.idSlot {
            let value = values[slot]
            leadID = texts { $0.string(value) }
        }
        if leadID == nil, let node = lead.member("id", of: LeadDocument.root), let number = lead.int(node) {
            leadID = String(number)
        }
        var flagSet = SmallIndexSet()
        for index in flags.indices where flags[index] { flagSet.insert(index) }
        return Decision(
            leadID: leadID,
            origin: origin,
            now: now,
            rulesVersion: program.version,
            categoryPoints: CategoryPoints(categoryScores),
            total: total,
            grade: grade,
            stage: stage,
            route: route,
            disqualifications: disqualifications,
            flagSet: flagSet,
            fired: fired,
            ruleNames: program.ruleNames,
            explanation: explain ? traces : nil,
            tableExplanation: explain ? tableTraces : nil,
            placement: placement
        )
    }

    /// What an identical rule of the pair's first program found for the rule at `position`, if known.
    func known(_ position: Int) -> RuleOutcome? {
        guard position < sameRules.count, let earlier = sameRules[position] else { return nil }
        return earlierOutcomes[earlier]
    }

    /// For a lead on an assigned route: the first team whose condition holds, and the verdicts of those before it.
    mutating func place() -> Decision.Placement {
        // The plan's parts are read in place: binding the whole plan would copy (retain) each of its many fields.
        let conditions = program.teamConditions
        var unknown = SmallIndexSet()
        let keyNodes = keyNodes()
        for index in conditions.indices {
            guard conditions[index] >= 0 else {
                return Decision.Placement(team: index, tried: index, unknown: unknown, keyNodes: keyNodes)
            }
            // Team conditions are not traced: their verdicts go in the placement.
            let verdict = self.verdict(conditions[index])
            if verdict == true {
                return Decision.Placement(team: index, tried: index, unknown: unknown, keyNodes: keyNodes)
            }
            if verdict == nil { unknown.insert(index) }
        }
        return Decision.Placement(team: nil, tried: conditions.count, unknown: unknown, keyNodes: keyNodes)
    }

    /// The nodes of the assignment's key fields, as the slot tree found them with the rules' fields.
    func keyNodes() -> Decision.KeyNodes? {
        let slots = program.keySlots
        guard !slots.isEmpty, slots.upperBound <= slotNodes.count else { return nil }
        var nodes = SIMD8<Int32>(repeating: -1)
        for (index, slot) in slots.enumerated() { nodes[index] = Int32(truncatingIfNeeded: slotNodes[slot]) }
        return Decision.KeyNodes(pathsHash: program.keyPathsHash, nodes: nodes)
    }

    // MARK: - Rules and conditions

    /// Whether the `when` of the rule at `position` (disqualifiers, then scorers) holds and its `unless` does not,
    /// with the leaves' traces.
    mutating func conditionsHold(_ position: Int, into leaves: inout [LeafTrace]) -> Bool {
        guard explain else {
            let when = program.ruleWhen[position]
            guard when < 0 || verdict(when) == .some(true) else { return false }
            let unless = program.ruleUnless[position]
            return unless < 0 || verdict(unless) != .some(true)
        }
        var result = true
        let when = program.ruleWhen[position]
        if when >= 0 {
            result = evaluate(condition: when, part: "when", into: &leaves) == .some(true)
        }
        let unless = program.ruleUnless[position]
        if result || explain, unless >= 0 {
            let exception = evaluate(condition: unless, part: "unless", into: &leaves) == .some(true)
            result = result && !exception
        }
        return result
    }

    mutating func trace(_ rule: CompiledRule, fired: Bool, _ leaves: [LeafTrace]) {
        if explain { traces.append(RuleTrace(rule: rule.id, fired: fired, leaves: leaves)) }
    }

    /// Whether row `index` of the grade (or stage) table matches.
    mutating func rowMatches(_ index: Int, grade: Bool) -> Bool {
        let condition = grade ? program.gradeConditions[index] : program.stageConditions[index]
        guard explain else { return condition < 0 || verdict(condition) == .some(true) }
        let name = grade ? program.grades[index].name : program.stages[index].name
        let table = grade ? "grade" : "stage"
        guard condition >= 0 else {
            tableTraces.append(RuleTrace(rule: "\(table) \(name)", fired: true, leaves: []))
            return true
        }
        var leaves: [LeafTrace] = []
        let holds = evaluate(condition: condition, part: name, into: &leaves) == .some(true)
        tableTraces.append(RuleTrace(rule: "\(table) \(name)", fired: holds, leaves: leaves))
        return holds
    }

    /// `evaluate(condition:part:into:)` without explaining: no part name or traces to pass down.
    mutating func verdict(_ index: Int32) -> Bool? {
        unowned(unsafe) let code = code
        let condition = code.conditions[Int(index)]
        switch condition.kind {
        case .leaf:
            return truth(evaluate(condition.a))
        case .all:
            var result: Bool? = true
            for child in condition.a..<(condition.a + condition.b) {
                let value = verdict(code.children[Int(child)])
                if value == false { return false }
                if value == nil { result = nil }
            }
            return result
        case .any:
            var result: Bool? = false
            for child in condition.a..<(condition.a + condition.b) {
                let value = verdict(code.children[Int(child)])
                if value == true { return true }
                if value == nil { result = nil }
            }
            return result
        case .not:
            return verdict(condition.a).map { !$0 }
        }
    }

    /// Three-valued: nil is unknown (a field was missing).
    mutating func evaluate(condition index: Int32, part: String, into leaves: inout [LeafTrace]) -> Bool? {
        unowned(unsafe) let code = code
        let condition = code.conditions[Int(index)]
        switch condition.kind {
        case .leaf:
            if explain { reads.removeAll(keepingCapacity: true) }
            let verdict = truth(evaluate(condition.a))
            if explain {
                let leaf = Int(condition.b)
                leaves.append(
                    leafTrace(
                        part: part,
                        text: code.leafTexts[leaf],
                        line: code.leafLines[leaf],
                        verdict: verdict
                    )
                )
            }
            return verdict
        case .all:
            var result: Bool? = true
            for child in condition.a..<(condition.a + condition.b) {
                let value = evaluate(condition: code.children[Int(child)], part: part, into: &leaves)
                if value == false {
                    result = false
                    if !explain { return false }
                } else if value == nil && result == true {
                    result = nil
                }
            }
            return result
        case .any:
            var result: Bool? = false
            for child in condition.a..<(condition.a + condition.b) {
                let value = evaluate(condition: code.children[Int(child)], part: part, into: &leaves)
                if value == true {
                    result = true
                    if !explain { return true }
                } else if value == nil && result == false {
                    result = nil
                }
            }
            return result
        case .not:
            return evaluate(condition: condition.a, part: part, into: &leaves).map { !$0 }
        }
    }

    /// A leaf's verdict with what it read: each field, event function and derived value once, in reading order.
    func leafTrace(part: String, text: String, line: Int, verdict: Bool?) -> LeafTrace {
        var seen: Set<Read> = []
        var readings: [LeafTrace.Reading] = []
        var missing: [String] = []
        for read in reads where seen.insert(read).inserted {
            let name: String
            let value: Value
            switch read {
            case .field(let slot):
                name = program.slots[slot].path.joined(separator: ".")
                value = values[slot]
                if value.isMissing { missing.append(name) }
            case .aggregate(let index):
                name = program.aggregateLabels[index]
                value = aggregates[index] ?? .missing
            case .derived(let index):
                name = program.derivedNames[index]
                value = derivedValues[index] ?? .missing
            }
            readings.append(LeafTrace.Reading(name: name, value: texts { $0.display(value) }))
        }
        return LeafTrace(
            part: part,
            expression: text,
            line: line,
            verdict: verdict.map { $0 ? .true : .false } ?? .missing,
            missingFields: verdict == nil ? missing : [],
            values: readings
        )
    }

    func truth(_ value: Value) -> Bool? {
        if case .boolean(let flag) = value { return flag }
        return nil
    }

    // MARK: - Expressions

    mutating func evaluate(_ index: Int32) -> Value {
        unowned(unsafe) let code = code
        let op = code.ops[Int(index)]
        switch op.kind {
        case .constant, .field:
            return operand(index)
        case .eventField:
            guard let event = currentEvent else { return .missing }
            return field(Int(op.a), of: event)
        case .category:
            return .number(categoryScores[Int(op.a)])
        case .totalScore:
            return .number(total)
        case .flag:
            return .boolean(flags[Int(op.a)])
        case .outcome:
            switch Code.outcomes[Int(op.mode)] {
            case .grade: return outcomes.grade.map { Normalizer.text($0, in: &scratch) } ?? .missing
            case .stage: return Normalizer.text(outcomes.stage, in: &scratch)
            case .route: return Normalizer.text(outcomes.route, in: &scratch)
            }
        case .aggregate:
            let saved = reads.count
            let value = aggregate(Int(op.a))
            if explain {
                reads.removeSubrange(saved...)
                reads.append(.aggregate(Int(op.a)))
            }
            return value
        case .derived:
            let derived = Int(op.a)
            if let cached = derivedValues[derived] {
                if explain { reads.append(.derived(derived)) }
                return cached
            }
            let saved = reads.count
            let value = evaluate(program.derivedCode[derived])
            derivedValues[derived] = value
            if explain {
                reads.removeSubrange(saved...)
                reads.append(.derived(derived))
            }
            return value
        case .not:
            guard case .boolean(let value) = evaluate(op.a) else { return .missing }
            return .boolean(!value)
        case .and:
            let left = truth(evaluate(op.a))
            if left == false { return .boolean(false) }
            let right = truth(evaluate(op.b))
            if right == false { return .boolean(false) }
            guard let left, let right else { return .missing }
            return .boolean(left && right)
        case .or:
            let left = truth(evaluate(op.a))
            if left == true { return .boolean(true) }
            let right = truth(evaluate(op.b))
            if right == true { return .boolean(true) }
            guard left != nil, right != nil else { return .missing }
            return .boolean(false)
        case .compare:
            let left = operand(op.a)
            let right = operand(op.b)
            // Two numbers (most comparisons: sizes, scores, counts) compared here, without the texts `compare` reads.
            if case .number(let a) = left, case .number(let b) = right {
                return .boolean(Self.compare(mode: op.mode, a, b))
            }
            return texts { Self.compare(Code.comparisons[Int(op.mode)], left, right, $0) }
        case .inSet:
            let value = operand(op.a)
            let set = code.sets[Int(op.b)]
            return texts { $0.inSet(value, set, negated: op.mode == 1) }
        case .inRange:
            guard case .number(let number) = operand(op.a) else { return .missing }
            let low = code.ranges[2 * Int(op.b)]
            let high = code.ranges[2 * Int(op.b) + 1]
            return .boolean((number >= low && number <= high) != (op.mode == 1))
        case .text:
            let left = operand(op.a)
            let right = operand(op.b)
            return texts { $0.text(Code.textOperators[Int(op.mode)], left, right) }
        case .matches:
            let value = operand(op.a)
            let group = Int(code.regexGroupOf[Int(op.b)])
            if group >= 0 {
                // The field's text read once for every regex of its group.
                var found = regexMatches[group]
                if found == 0 {
                    let read = code.groupReferences[group]
                    guard
                        let matches = texts({ texts in
                            texts.withText(value) { bytes in
                                read._withUnsafeGuaranteedRef { $0.matches(bytes, ascii: texts.isASCII(value)) }
                            }
                        })
                    else { return .missing }
                    found = matches
                    regexMatches[group] = found
                }
                if found & RegexGroup.undecided == 0 { return .boolean(found & code.regexBits[Int(op.b)] != 0) }
            }
            // Unretained: `code.regexes` holds it.
            let regex = code.regexReferences[Int(op.b)]
            return texts { texts in
                texts.withText(value) { bytes in
                    regex._withUnsafeGuaranteedRef { $0.matches(bytes, ascii: texts.isASCII(value)) }
                }
                .map { .boolean($0) } ?? .missing
            }
        case .coalesce:
            let value = evaluate(op.a)
            return value.isMissing ? evaluate(op.b) : value
        case .exists:
            let saved = reads.count
            let value = evaluate(op.a)
            if explain { reads.removeSubrange(saved...) }
            return .boolean(!value.isMissing)
        case .call:
            let cache = Int(op.b) - 1
            if cache >= 0 && !explain, let cached = calls[cache] { return cached }
            let value = call(Code.builtins[Int(op.mode)], evaluate(op.a))
            if cache >= 0 { calls[cache] = value }
            return value
        }
    }

    /// The value of node `index`, a constant or a lead field read in place (most operands are): no call for them.
    @inline(__always)
    mutating func operand(_ index: Int32) -> Value {
        let node = code.ops[Int(index)]
        switch node.kind {
        case .constant:
            return code.constants[Int(node.a)]
        case .field:
            if explain { reads.append(.field(Int(node.a))) }
            return values[Int(node.a)]
        default:
            return evaluate(index)
        }
    }

    /// Two numbers compared by the comparison at `mode` in `Code.comparisons` (`==`, `!=`, `<`, `<=`, `>`, `>=`).
    @inline(__always)
    static func compare(mode: UInt8, _ a: Double, _ b: Double) -> Bool {
        switch mode {
        case 0: a == b
        case 1: a != b
        case 2: a < b
        case 3: a <= b
        case 4: a > b
        default: a >= b
        }
    }

    static func compare(_ op: Expression.Comparison, _ lhs: Value, _ rhs: Value, _ texts: Texts) -> Value {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)), (.timestamp(let a), .timestamp(let b)),
            (.duration(let a), .duration(let b)):
            switch op {
            case .equal: return .boolean(a == b)
            case .notEqual: return .boolean(a != b)
            case .less: return .boolean(a < b)
            case .lessOrEqual: return .boolean(a <= b)
            case .greater: return .boolean(a > b)
            case .greaterOrEqual: return .boolean(a >= b)
            }
        case (.text, .text):
            let equal = texts.equal(lhs, rhs)
            switch op {
            case .equal: return .boolean(equal)
            case .notEqual: return .boolean(!equal)
            default: return .missing
            }
        case (.boolean(let a), .boolean(let b)):
            switch op {
            case .equal: return .boolean(a == b)
            case .notEqual: return .boolean(a != b)
            default: return .missing
            }
        default:
            return .missing
        }
    }

    mutating func call(_ builtin: Expression.Builtin, _ value: Value) -> Value {
        switch (builtin, value) {
        case (.lower, .text):
            return lowered(value)
        case (.upper, .text):
            return Normalizer.text((string(value) ?? "").uppercased(), in: &scratch)
        case (.len, .text), (.len, .textList), (.len, .items):
            return texts { $0.length(value) }
        case (.len, .events(let slot)):
            return .number(Double(eventTable(slot).count))
        case (.emailDomain, .text(let reference)):
            let (domain, lowered) = texts { $0.emailDomain(reference) }
            if let lowered { return Normalizer.text(lowered, in: &scratch) }
            return domain ?? .missing
        case (.daysSince, .timestamp(let time)):
            return .number(((now - time) / 86400 * 100).rounded(.down) / 100)
        default:
            return .missing
        }
    }

    // MARK: - Texts

    /// The lead's bytes and the scratch bytes, for reading text values. The closure sees only them: a method of
    /// the state called from a mutating one would copy the whole state.
    @inline(__always)
    func texts<R>(_ body: (Texts) -> R) -> R {
        let lead = lead
        let constants = code.bytes
        return scratch.withUnsafeBufferPointer { body(Texts(lead: lead, scratch: $0, constants: constants)) }
    }

    /// A text value as a `String`; nil for any other value.
    func string(_ value: Value) -> String? {
        texts { $0.string(value) }
    }

    /// `lower(text)`: the value itself when it has no upper-case letter, ASCII letters folded into the scratch
    /// bytes, or the Unicode lower case of a text beyond ASCII.
    mutating func lowered(_ value: Value) -> Value {
        let kind = texts { texts in
            texts.withText(value) { bytes -> Int in
                if bytes.contains(where: { $0 >= 0x80 }) { return 2 }
                return bytes.contains(where: { $0 &- 65 < 26 }) ? 1 : 0
            }
        }
        switch kind {
        case 0: return value
        case 1:
            guard case .text(let reference) = value else { return .missing }
            let start = scratch.count
            let range = Int(reference.start)..<Int(reference.start + reference.count)
            switch reference.arena {
            case .scratch: for index in range { scratch.append(FoldedText.fold(scratch[index])) }
            case .lead: for index in range { scratch.append(FoldedText.fold(lead.allText[index])) }
            case .program: for index in range { scratch.append(FoldedText.fold(code.bytes[index])) }
            }
            return .text(TextRef(start: UInt32(start), count: reference.count, arena: .scratch))
        default:
            let lowered = texts { $0.withText(value) { FoldedText.lowercased($0) } } ?? ""
            return Normalizer.text(lowered, in: &scratch)
        }
    }

    // MARK: - Events

    /// The events of an event collection, read once per lead: each event's time (event slot 0) and, when the
    /// collection's event functions filter on a type, its type's code, and where the fields the fast predicates test
    /// are, all in one pass over the event's members; other fields are read when a test asks for them.
    mutating func eventTable(_ slot: Int) -> EventTable {
        if let index = eventTableSlots.firstIndex(of: slot) { return eventTables[index] }
        var table = EventTable()
        if eventTables.isEmpty { swap(&table, &spareEvents) }
        readEvents(slot, into: &table)
        eventTableSlots.append(slot)
        eventTables.append(table)
        return table
    }

    /// Reads the events of collection `slot` into `table`, reusing its arrays; an empty table when the lead has
    /// none.
    func readEvents(_ slot: Int, into table: inout EventTable) {
        let array = slot < slotNodes.count ? slotNodes[slot] : -1
        guard array >= 0, lead.kind(array) == .array else {
            table.count = 0
            table.stride = 0
            return
        }
        program.timeKey.withUnsafeBufferPointer { timeKey in
            (program.plans[slot] ?? AggregatePlan.empty).readEvents(
                lead,
                array: array,
                timeKey: timeKey,
                timeType: program.timeType,
                into: &table
            )
        }
    }

    /// An event field's value: the time as read up front, anything else normalized now.
    mutating func field(_ slot: Int, of event: EventRow) -> Value {
        if slot == 0 { return event.at.isNaN ? .missing : .timestamp(event.at) }
        guard slot < program.eventSlots.count else { return .missing }
        let field = program.eventSlots[slot]
        return Normalizer.value(lead, lead.member(field.path[0], of: event.object), field.type, scratch: &scratch)
    }

    /// One pass over the events of one event function (an `each` rule's, with its decay).
    mutating func tally(_ index: Int, halfLife: Double? = nil) -> EventTally {
        var tally = EventTally()
        let collection = program.aggregates[index].collection
        guard let plan = program.plans[collection] else { return tally }
        let typeCode = plan.filterCodes[index]
        let table = eventTable(collection)
        for row in 0..<table.count {
            if typeCode >= 0 && table.rows[row].typeCode != typeCode { continue }
            add(index, row, of: table, into: &tally, plan: plan, halfLife: halfLife)
        }
        currentEvent = nil
        return tally
    }

    mutating func aggregate(_ index: Int) -> Value {
        if let cached = aggregates[index] { return cached }
        // Fields read in place: copying the aggregate would retain its expressions.
        let kind = program.aggregates[index].kind
        let collection = program.aggregates[index].collection
        if kind != .each, let plan = program.plans[collection] {
            computeAll(plan, collection: collection)
            if let computed = aggregates[index] { return computed }
        }
        let value = Self.value(of: tally(index), kind)
        aggregates[index] = value
        return value
    }

    static func value(of tally: EventTally, _ kind: Aggregate.Kind) -> Value {
        switch kind {
        case .count, .each: .number(Double(tally.count))
        case .exists: .boolean(tally.count > 0)
        case .last: tally.latest > -.infinity ? .timestamp(tally.latest) : .missing
        case .sum: .number(tally.sum)
        }
    }

    /// Every event function of a collection in one pass over the lead's events: each event goes only to the
    /// functions that filter on its type, and to those without such a filter.
    mutating func computeAll(_ plan: AggregatePlan, collection: Int) {
        let table = eventTable(collection)
        let others = plan.others
        withUnsafeTemporaryAllocation(of: EventTally.self, capacity: program.aggregates.count) { tallies in
            tallies.initialize(repeating: EventTally())
            if plan.allFast && plan.tallyAll(table, lead: lead, now: now, into: tallies) {
                store(tallies, of: plan)
                return
            }
            // The general way: a fast predicate met a number, or a function needs an expression.
            tallies.update(repeating: EventTally())
            for row in 0..<table.count {
                let code = table.rows[row].typeCode
                if code >= 0 {
                    for member in plan.typeStarts[code]..<plan.typeStarts[code + 1] {
                        let index = plan.typeMembers[member]
                        add(index, row, of: table, into: &tallies[index], plan: plan, halfLife: plan.halfLife(index))
                    }
                }
                for index in others {
                    add(index, row, of: table, into: &tallies[index], plan: plan, halfLife: plan.halfLife(index))
                }
            }
            currentEvent = nil
            store(tallies, of: plan)
        }
    }

    /// The values of a plan's functions, tallied together; an `each` function's weight beside its count.
    private mutating func store(_ tallies: UnsafeMutableBufferPointer<EventTally>, of plan: AggregatePlan) {
        for index in plan.all {
            aggregates[index] = Self.value(of: tallies[index], program.aggregates[index].kind)
        }
        guard !plan.fusedEach.isEmpty else { return }
        if eachWeights.isEmpty { eachWeights.append(contentsOf: repeatElement(.nan, count: program.aggregates.count)) }
        for index in plan.fusedEach { eachWeights[index] = tallies[index].weight }
    }

    /// Adds event `row` of `table` to an event function's tally if it passes the window, type filter and predicate;
    /// with a half-life, also its weight after decay.
    mutating func add(
        _ index: Int,
        _ row: Int,
        of table: EventTable,
        into tally: inout EventTally,
        plan: AggregatePlan,
        halfLife: Double? = nil
    ) {
        let event = table.rows[row]
        let function = plan.functions[index]
        let at = event.at
        guard function.covers(at, now: now) else { return }
        if function.otherTypeFilter, let (slot, value) = program.aggregates[index].typeFilter {
            let type = field(slot, of: event)
            let equal = texts { texts in
                texts.withText(type) { text in FoldedText.withBytes(value) { FoldedText.equal(text, $0) } }
            }
            guard equal == true else { return }
        }
        if function.hasPredicate {
            var holds: Bool?
            if function.fast, let predicate = plan.predicates[index] {
                let lead = lead
                holds = table.fields.withUnsafeBufferPointer { fields in
                    let start = row * table.stride
                    return EventPredicate.decide(
                        predicate.tests,
                        plan,
                        lead: lead,
                        fields: UnsafeBufferPointer(rebasing: fields[start..<(start + table.stride)])
                    )
                }
            }
            let predicate = program.aggregatePredicates[index]
            if holds == nil, predicate >= 0 {
                currentEvent = event
                holds = evaluate(predicate) == .boolean(true)
            }
            guard holds == true else { return }
        }
        if let halfLife {
            guard !at.isNaN else { return }
            tally.weight += pow(0.5, Swift.max(0, now - at) / halfLife)
        }
        tally.count += 1
        if at > tally.latest { tally.latest = Swift.min(at, now) }
        let valueCode = program.aggregateValues[index]
        if function.hasValue, valueCode >= 0 {
            currentEvent = event
            if case .number(let number) = evaluate(valueCode) { tally.sum += number }
        }
    }

    /// For an `each` rule: how many events match, and their summed weight after decay.
    mutating func eachWeight(_ index: Int, halfLife: Double?) -> (count: Int, weight: Double) {
        // Tallied with the collection's other functions, in its one pass over the events, when its half-life is
        // the only one its rules give it.
        let collection = program.aggregates[index].collection
        if let plan = program.plans[collection], plan.functions[index].fused {
            if aggregates[index] == nil { computeAll(plan, collection: collection) }
            if case .number(let count) = aggregates[index], index < eachWeights.count, !eachWeights[index].isNaN {
                return (Int(count), halfLife == nil ? count : eachWeights[index])
            }
        }
        let tally = tally(index, halfLife: halfLife)
        return (tally.count, halfLife == nil ? Double(tally.count) : tally.weight)
    }
}
