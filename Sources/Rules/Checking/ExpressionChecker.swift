import Foundation
import YAML

/// Checks one expression's names and types and compiles it: the `Checking` stage for expressions.
struct ExpressionChecker {
    struct Failure: Error {
        var message: Diagnostic.Message
        var range: Range<Int>
    }

    /// Where an expression stands, which decides the names it may use.
    enum Scope {
        /// Rules: lead fields and lists.
        case rules
        /// Grades and stages: also category scores, `score` and flags.
        case tables
        /// Team conditions: also `grade`, `stage` and `route`.
        case assignment
    }

    let catalog: FieldCatalog
    let lists: [String: Set<String>]
    let categories: [String]
    let flags: [String]
    let scope: Scope
    /// Shared across the whole rule set, so every name gets one slot and every aggregate one index.
    var slots: SlotTable

    /// The event collection whose fields a predicate may name, while checking one.
    private var eventCollection: String?
    /// The text being checked, for the labels of event functions in explanations.
    var text: [Unicode.Scalar] = []
    /// Problems that do not stop the expression from compiling, for the compiler to report as warnings.
    var warnings: [Failure] = []

    init(
        catalog: FieldCatalog,
        lists: [String: Set<String>],
        categories: [String],
        flags: [String],
        scope: Scope,
        slots: SlotTable
    ) {
        self.catalog = catalog
        self.lists = lists
        self.categories = categories
        self.flags = flags
        self.scope = scope
        self.slots = slots
    }

    /// A condition: the expression must be boolean.
    mutating func condition(_ syntax: ExpressionSyntax) throws(Failure) -> Expression {
        let (expression, type) = try check(syntax)
        guard type == .boolean else { throw Failure(message: .notBoolean(type.rawValue), range: syntax.range) }
        return expression
    }

    /// The `each` subject: `events where PREDICATE within D`.
    mutating func each(_ syntax: EachSyntax) throws(Failure) -> Aggregate {
        let collection = try eventsCollection(syntax.collection)
        var aggregate = Aggregate(kind: .each, collection: collection.slot)
        if let predicate = syntax.predicate {
            aggregate.predicate = try eventPredicate(predicate, collection: collection.name)
        }
        if let within = syntax.within { aggregate.within = try duration(within) }
        aggregate.extractTypeFilter()
        return aggregate
    }

    mutating func duration(_ syntax: ExpressionSyntax) throws(Failure) -> Double {
        guard case .duration(let seconds, _) = syntax else {
            throw Failure(message: .expectedType("a duration such as 30d", describe(syntax)), range: syntax.range)
        }
        return seconds
    }

    private func describe(_ syntax: ExpressionSyntax) -> String {
        switch syntax {
        case .number: "a number"
        case .string: "a string"
        case .boolean: "a boolean"
        case .duration: "a duration"
        case .date: "a date"
        case .name(let parts, _): "'\(parts.joined(separator: "."))'"
        default: "an expression"
        }
    }

    mutating func check(_ syntax: ExpressionSyntax) throws(Failure) -> (Expression, ValueType) {
        switch syntax {
        case .number(let value, _): return (.constant(.number(value)), .number)
        case .string(let value, _): return (.constant(.string(value)), .string)
        case .boolean(let value, _): return (.constant(.boolean(value)), .boolean)
        case .duration(let value, _): return (.constant(.duration(value)), .duration)
        case .date(let value, _): return (.constant(.timestamp(value)), .timestamp)
        case .name(let parts, let range): return try name(parts, range)
        case .list(_, let range):
            throw Failure(message: .expression("a list literal is only allowed after 'in'"), range: range)
        case .range(_, _, let range):
            throw Failure(message: .expression("a range is only allowed after 'in'"), range: range)
        case .not(let operand, _):
            let inner = try condition(operand)
            return (.not(inner), .boolean)
        case .binary(let op, let lhs, let rhs, let range):
            return try binary(op, lhs, rhs, range)
        case .call(let name, let nameRange, let arguments, let within, let range):
            return try call(name, nameRange, arguments, within, range)
        }
    }

    private mutating func name(_ parts: [String], _ range: Range<Int>) throws(Failure) -> (Expression, ValueType) {
        let name = parts.joined(separator: ".")
        if let collection = eventCollection, parts.count == 1 {
            let fields = catalog.eventFields(of: collection)
            if let type = fields[name] {
                return (.eventField(slots.eventSlot(name, type)), type.valueType)
            }
        }
        // In rules, a lead field shadows a category of the same name (`interests`); in tables, the category wins.
        if scope == .rules, let type = catalog.fields[name], !name.hasPrefix("events.") {
            return (.field(slots.slot(parts, type)), type.valueType)
        }
        if parts.count == 1, let derived = slots.derivedTypes[name] {
            return (.derived(derived.index), derived.type)
        }
        if parts.count == 1, scope == .assignment, let outcome = Expression.Outcome(rawValue: name) {
            return (.outcome(outcome), .string)
        }
        if parts.count == 1 {
            let isTableName = name == "score" || categories.contains(name) || flags.contains(name)
            if isTableName && scope == .rules {
                throw Failure(message: .phase(name), range: range)
            }
            if name == "score" { return (.totalScore, .number) }
            if let index = categories.firstIndex(of: name) { return (.category(index), .number) }
            if let index = flags.firstIndex(of: name) { return (.flag(index), .boolean) }
            if lists[name] != nil {
                throw Failure(message: .expression("a named list is only allowed after 'in'"), range: range)
            }
        }
        if let type = catalog.fields[name], !name.hasPrefix("events.") || catalog.fields["events"] == nil {
            return (.field(slots.slot(parts, type)), type.valueType)
        }
        if eventCollection == nil, let first = parts.first, catalog.fields[first] == .events, parts.count == 2 {
            throw Failure(message: .eventFieldOutside, range: range)
        }
        var candidates = catalog.fields.keys.filter { !$0.contains(".") || !$0.hasPrefix("events.") }
        if let collection = eventCollection { candidates += catalog.eventFields(of: collection).keys }
        if scope != .rules { candidates += categories + flags + ["score"] }
        if scope == .assignment { candidates += Expression.Outcome.allCases.map(\.rawValue) }
        candidates += slots.derivedNames
        throw Failure(message: .unknownField(name, Suggestion.closest(to: name, in: candidates)), range: range)
    }

    private mutating func binary(
        _ op: BinaryOperator,
        _ lhs: ExpressionSyntax,
        _ rhs: ExpressionSyntax,
        _ range: Range<Int>
    ) throws(Failure) -> (Expression, ValueType) {
        switch op {
        case .and, .or:
            let left = try condition(lhs)
            let right = try condition(rhs)
            return (op == .and ? .and(left, right) : .or(left, right), .boolean)
        case .in, .notIn:
            return (try membership(lhs, rhs, negated: op == .notIn, range), .boolean)
        case .coalesce:
            let (left, leftType) = try check(lhs)
            let (right, rightType) = try check(rhs)
            guard leftType == rightType else {
                throw Failure(message: .typeMismatch("??", leftType.rawValue, rightType.rawValue), range: range)
            }
            return (.coalesce(left, right), leftType)
        case .matches:
            let (left, leftType) = try check(lhs)
            guard leftType == .string else {
                throw Failure(message: .typeMismatch("matches", leftType.rawValue, "a pattern"), range: range)
            }
            guard case .string(let pattern, let patternRange) = rhs else {
                throw Failure(message: .expectedType("a pattern in quotes", describe(rhs)), range: rhs.range)
            }
            do {
                let regex = try NSRegularExpression(pattern: pattern)
                return (.matches(left, CompiledRegex(pattern: pattern, regex: regex)), .boolean)
            } catch {
                throw Failure(message: .badRegex(Self.regexReason(pattern)), range: patternRange)
            }
        case .contains, .startsWith, .endsWith:
            let (left, leftType) = try check(lhs)
            let (right, rightType) = try check(rhs)
            let listContains = op == .contains && leftType == .list && rightType == .string
            guard (leftType == .string && rightType == .string) || listContains else {
                throw Failure(message: .typeMismatch(op.rawValue, leftType.rawValue, rightType.rawValue), range: range)
            }
            let textOperator: Expression.TextOperator =
                op == .contains ? .contains : op == .startsWith ? .startsWith : .endsWith
            return (.text(textOperator, left, right), .boolean)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            let (checkedLeft, leftType) = try check(lhs)
            let (checkedRight, rightType) = try check(rhs)
            var (left, right) = (checkedLeft, checkedRight)
            // A country field holds an ISO code, an e-mail field a normalized address: a text compared with one is
            // read the same way ("Germany" as "DE").
            if op == .equal || op == .notEqual {
                if let type = normalizedField(lhs), case .string(let text, let textRange) = rhs {
                    right = .constant(.string(normalized(text, as: type, textRange)))
                } else if let type = normalizedField(rhs), case .string(let text, let textRange) = lhs {
                    left = .constant(.string(normalized(text, as: type, textRange)))
                }
            }
            let ordered = op != .equal && op != .notEqual
            let comparable: Bool
            if ordered {
                comparable = leftType == rightType && [.number, .timestamp, .duration].contains(leftType)
            } else {
                comparable = leftType == rightType && [.number, .string, .boolean, .timestamp].contains(leftType)
            }
            guard comparable else {
                throw Failure(message: .typeMismatch(op.rawValue, leftType.rawValue, rightType.rawValue), range: range)
            }
            guard let comparison = Expression.Comparison(rawValue: op.rawValue) else {
                throw Failure(message: .expression("unknown operator"), range: range)
            }
            return (.compare(comparison, left, right), .boolean)
        }
    }

    private mutating func membership(
        _ lhs: ExpressionSyntax,
        _ rhs: ExpressionSyntax,
        negated: Bool,
        _ range: Range<Int>
    ) throws(Failure) -> Expression {
        let (left, leftType) = try check(lhs)
        let name = negated ? "not in" : "in"
        switch rhs {
        case .range(let low, let high, _):
            guard leftType == .number else {
                throw Failure(message: .typeMismatch(name, leftType.rawValue, "a range"), range: range)
            }
            guard case .number(let lowValue, _) = low else {
                throw Failure(message: .expectedType("a number", describe(low)), range: low.range)
            }
            guard case .number(let highValue, _) = high else {
                throw Failure(message: .expectedType("a number", describe(high)), range: high.range)
            }
            return .inRange(left, lowValue, highValue, negated: negated)
        case .list(let items, _):
            var set: Set<String> = []
            let type = normalizedField(lhs)
            for item in items {
                switch item {
                case .string(let text, let textRange):
                    set.insert((type.map { normalized(text, as: $0, textRange) } ?? text).lowercased())
                case .number(let number, _): set.insert(Self.key(number))
                case .name(let parts, _):
                    let text = parts.joined(separator: ".")
                    throw Failure(
                        message: .expectedType("a quoted string or a number", "'\(text)' (write \"\(text)\")"),
                        range: item.range
                    )
                default:
                    throw Failure(message: .expectedType("a string or a number", describe(item)), range: item.range)
                }
            }
            guard [.string, .number, .list].contains(leftType) else {
                throw Failure(message: .typeMismatch(name, leftType.rawValue, "a list"), range: range)
            }
            return .inSet(left, TextSet(set), negated: negated)
        case .name(let parts, let nameRange) where parts.count == 1:
            guard let set = lists[parts[0]] else {
                throw Failure(
                    message: .unknownList(parts[0], Suggestion.closest(to: parts[0], in: Array(lists.keys))),
                    range: nameRange
                )
            }
            slots.usedLists.insert(parts[0])
            guard [.string, .list].contains(leftType) else {
                throw Failure(message: .typeMismatch(name, leftType.rawValue, "a named list"), range: range)
            }
            if let type = normalizedField(lhs) {
                // Its items read as the field's values are.
                return .inSet(left, TextSet(normalized(set, as: type)), negated: negated)
            }
            return .inSet(left, TextSet(set), negated: negated)
        default:
            throw Failure(message: .expectedType("a list, a named list or a range", describe(rhs)), range: rhs.range)
        }
    }

    /// The type of the lead field `syntax` names, when its values are normalized (countries to ISO codes, e-mail
    /// addresses lower-cased without their `+tag`, websites to domains): texts compared with it are normalized the
    /// same way.
    private func normalizedField(_ syntax: ExpressionSyntax) -> FieldType? {
        guard case .name(let parts, _) = syntax else { return nil }
        let name = parts.joined(separator: ".")
        if let collection = eventCollection, parts.count == 1, catalog.eventFields(of: collection)[name] != nil {
            return nil
        }
        guard let type = catalog.fields[name], type == .country || type == .email || type == .domain else { return nil }
        return type
    }

    /// A text compared with a field of `type`, as the field would hold it: a country's ISO code, an address
    /// normalized. A text the field could not hold stays as written, with a warning.
    private mutating func normalized(_ text: String, as type: FieldType, _ range: Range<Int>) -> String {
        if type == .domain {
            if let domain = DomainName.normalized(text) { return domain }
            warnings.append(Failure(message: .notADomain(text), range: range))
            return text
        }
        if type == .email {
            if let address = Normalizer.email(text) { return address }
            warnings.append(Failure(message: .notAnAddress(text), range: range))
            return text
        }
        if let code = Countries.code(text) { return code }
        let suggestion = Suggestion.closest(to: text.lowercased(), in: Countries.codes.keys.filter { $0.count > 3 })
        warnings.append(Failure(message: .unknownCountry(text, suggestion), range: range))
        return text
    }

    /// The items of a named list, as a field of `type` would hold them.
    private func normalized(_ set: Set<String>, as type: FieldType) -> Set<String> {
        Set(
            set.map { item in
                switch type {
                case .email: Normalizer.email(item) ?? item
                case .domain: DomainName.normalized(item) ?? item
                default: Countries.code(item)?.lowercased() ?? item
                }
            }
        )
    }

    /// The set key of a number, as `in` lists hold them.
    static func key(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }

    private mutating func call(
        _ name: String,
        _ nameRange: Range<Int>,
        _ arguments: [ExpressionSyntax],
        _ within: ExpressionSyntax?,
        _ range: Range<Int>
    ) throws(Failure) -> (Expression, ValueType) {
        let aggregates: [String: Aggregate.Kind] = ["count": .count, "exists": .exists, "last": .last, "sum": .sum]
        if let kind = aggregates[name], let first = arguments.first, kind != .exists || isEvents(first) {
            let collection = try eventsCollection(first)
            var aggregate = Aggregate(kind: kind, collection: collection.slot)
            var rest = Array(arguments.dropFirst())
            if kind == .sum {
                guard let value = rest.first else {
                    throw Failure(
                        message: .arguments("sum", "events, a number field, an optional condition"),
                        range: range
                    )
                }
                let saved = eventCollection
                eventCollection = collection.name
                defer { eventCollection = saved }
                let (expression, type) = try check(value)
                guard type == .number else {
                    throw Failure(message: .expectedType("a number", type.rawValue), range: value.range)
                }
                aggregate.value = expression
                rest.removeFirst()
            }
            if rest.count > 1 {
                throw Failure(message: .arguments(name, "events, an optional condition and 'within'"), range: range)
            }
            if let predicate = rest.first {
                aggregate.predicate = try eventPredicate(predicate, collection: collection.name)
            }
            if let within { aggregate.within = try duration(within) }
            aggregate.extractTypeFilter()
            let label = range.upperBound <= text.count ? String(String.UnicodeScalarView(text[range])) : name
            let index = slots.aggregate(aggregate, label: label)
            let type: ValueType = kind == .count || kind == .sum ? .number : kind == .exists ? .boolean : .timestamp
            return (.aggregate(index), type)
        }
        if within != nil {
            throw Failure(message: .withinNeedsEvents, range: range)
        }
        if name == "exists" {
            guard arguments.count == 1, let argument = arguments.first else {
                throw Failure(message: .arguments("exists", "one field"), range: range)
            }
            let (expression, _) = try check(argument)
            return (.exists(expression), .boolean)
        }
        guard let builtin = Expression.Builtin(rawValue: name) else {
            let names = Expression.Builtin.allCases.map(\.rawValue) + Array(aggregates.keys)
            throw Failure(message: .unknownFunction(name, Suggestion.closest(to: name, in: names)), range: nameRange)
        }
        guard arguments.count == 1, let argument = arguments.first else {
            throw Failure(message: .arguments(name, "one argument"), range: range)
        }
        let (expression, type) = try check(argument)
        let accepted: [ValueType]
        let result: ValueType
        switch builtin {
        case .lower, .upper, .emailDomain:
            accepted = [.string]
            result = .string
        case .len:
            accepted = [.string, .list, .events]
            result = .number
        case .daysSince:
            accepted = [.timestamp]
            result = .number
        }
        guard accepted.contains(type) else {
            let expected = accepted.map(\.rawValue).joined(separator: " or ")
            throw Failure(message: .expectedType(expected, type.rawValue), range: argument.range)
        }
        return (.call(builtin, expression), result)
    }

    private func isEvents(_ syntax: ExpressionSyntax) -> Bool {
        if case .name(let parts, _) = syntax { return catalog.fields[parts.joined(separator: ".")] == .events }
        return false
    }

    private mutating func eventsCollection(_ syntax: ExpressionSyntax) throws(Failure) -> (slot: Int, name: String) {
        guard case .name(let parts, _) = syntax, catalog.fields[parts.joined(separator: ".")] == .events else {
            throw Failure(message: .expectedType("events", describe(syntax)), range: syntax.range)
        }
        let name = parts.joined(separator: ".")
        return (slots.slot(parts, .events), name)
    }

    private mutating func eventPredicate(
        _ syntax: ExpressionSyntax,
        collection: String
    ) throws(Failure) -> Expression {
        let saved = eventCollection
        eventCollection = collection
        defer { eventCollection = saved }
        return try condition(syntax)
    }

    private static func regexReason(_ pattern: String) -> String {
        var depth = 0
        for character in pattern {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
        }
        if depth > 0 { return "missing ')'" }
        if depth < 0 { return "unbalanced ')'" }
        if pattern.filter({ $0 == "[" }).count != pattern.filter({ $0 == "]" }).count { return "missing ']'" }
        return "the pattern does not compile"
    }
}

/// Slots, event slots and aggregates, numbered across the whole rule set.
struct SlotTable: Sendable {
    var slots: [FieldSlot] = []
    var slotIndex: [[String]: Int] = [:]
    var eventSlots: [FieldSlot] = []
    var eventSlotIndex: [String: Int] = [:]
    var aggregates: [Aggregate] = []
    var aggregateIndex: [Aggregate: Int] = [:]
    /// How each aggregate was first written, for explanations.
    var aggregateLabels: [String] = []
    var derived: [Expression] = []
    var derivedNames: [String] = []
    var derivedTypes: [String: (index: Int, type: ValueType)] = [:]
    var usedLists: Set<String> = []

    init() {
        // Event slot 0 is always the event's time, for windows and decay.
        _ = eventSlot("at", .timestamp)
    }

    mutating func slot(_ path: [String], _ type: FieldType) -> Int {
        if let index = slotIndex[path] { return index }
        slots.append(FieldSlot(path: path, type: type))
        slotIndex[path] = slots.count - 1
        return slots.count - 1
    }

    mutating func eventSlot(_ name: String, _ type: FieldType) -> Int {
        if let index = eventSlotIndex[name] { return index }
        eventSlots.append(FieldSlot(path: [name], type: type))
        eventSlotIndex[name] = eventSlots.count - 1
        return eventSlots.count - 1
    }

    mutating func aggregate(_ aggregate: Aggregate, label: String = "") -> Int {
        if let index = aggregateIndex[aggregate] { return index }
        aggregates.append(aggregate)
        aggregateLabels.append(label)
        aggregateIndex[aggregate] = aggregates.count - 1
        return aggregates.count - 1
    }
}
