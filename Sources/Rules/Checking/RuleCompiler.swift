import Foundation
public import YAML

/// Compiles a rules directory into one `Program`: where rules are compiled.
///
/// Reads every `*.yaml` file of the directory (not its subfolders), checks names, types and tables across all of
/// them, and reports every problem in one pass, sorted by position. Warnings (an unused list) do not stop it.
public enum RuleCompiler {
    /// The program, when there were no errors, and every diagnostic, errors and warnings, in position order.
    public struct Result: Sendable {
        public var program: Program?
        public var diagnostics: [Diagnostic]

        public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

        public init(program: Program?, diagnostics: [Diagnostic]) {
            self.program = program
            self.diagnostics = diagnostics
        }
    }

    /// Whether a file of a rules or tests directory is read as YAML: `.yaml` or `.yml`, in any case (as lead files'
    /// extensions are), and not hidden (an editor's `.behavior.yaml.swp` is not).
    package static func isYAMLFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        return !name.hasPrefix(".") && (lower.hasSuffix(".yaml") || lower.hasSuffix(".yml"))
    }

    /// Compiles the rule files of `directory`.
    public static func compile(directory: String) -> Result {
        let location = SourceLocation(file: directory, line: 1, column: 1)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter(isYAMLFile).sorted()
        } catch {
            return Result(
                program: nil,
                diagnostics: [Diagnostic(at: location, .init("cannot read the rules directory"))]
            )
        }
        guard !names.isEmpty else {
            return Result(program: nil, diagnostics: [Diagnostic(at: location, .init("no rule files (*.yaml) here"))])
        }
        var sources: [(path: String, bytes: [UInt8])] = []
        var diagnostics: [Diagnostic] = []
        for name in names {
            let path = directory.hasSuffix("/") ? directory + name : "\(directory)/\(name)"
            do {
                sources.append((path, try FileBytes.read(path)))
            } catch {
                diagnostics.append(Diagnostic(at: SourceLocation(file: path, line: 1, column: 1), .init(error.reason)))
            }
        }
        var compiler = Compiler(directory: directory)
        var result = compiler.compile(sources)
        result.diagnostics = (diagnostics + result.diagnostics).sorted { $0.location < $1.location }
        if !result.errors.isEmpty { result.program = nil }
        return result
    }
}

/// One compilation: state shared by the passes over all files.
private struct Compiler {
    let directory: String
    var diagnostics: [Diagnostic] = []
    /// The list files read, so the version changes when a list does.
    let listFiles = ListFiles()

    init(directory: String) {
        self.directory = directory
    }

    mutating func compile(_ sources: [(path: String, bytes: [UInt8])]) -> RuleCompiler.Result {
        // Syntax: every file's structure.
        var files: [RuleFile] = []
        for source in sources {
            do {
                let document = try YAMLDocument.parse(source.bytes, path: source.path)
                var fileDiagnostics: [Diagnostic] = []
                let file = RuleFile.parse(document, readList: readList, into: &fileDiagnostics)
                diagnostics += fileDiagnostics
                files.append(file)
            } catch {
                diagnostics += error.diagnostics
            }
        }
        // Names: the catalog, lists, categories, flags.
        var catalog = FieldCatalog()
        for file in files {
            for field in file.fields {
                guard let type = FieldType(rawValue: field.type.value) else {
                    diagnostics.append(field.type.diagnostic(.unknownType(field.type.value)))
                    continue
                }
                catalog.fields[field.path.value] = type
            }
        }
        var lists: [String: Set<String>] = [:]
        var listNames: [String: YAMLScalar] = [:]
        for file in files {
            for list in file.lists {
                if let first = listNames[list.name.value] {
                    diagnostics.append(duplicate(list.name, first, .duplicateList(list.name.value)))
                    continue
                }
                guard isValidName(list.name) else { continue }
                listNames[list.name.value] = list.name
                lists[list.name.value] = Set(list.items.map { $0.lowercased() })
            }
        }
        var categories: [Category] = []
        for file in files {
            guard let category = file.category, isValidName(category) else { continue }
            if categories.contains(where: { $0.name == category.value }) {
                if let cap = file.cap {
                    diagnostics.append(cap.1.diagnostic(.init("the cap of '\(category.value)' is set in another file")))
                }
                continue
            }
            if let (cap, node) = file.cap, cap < 0 {
                diagnostics.append(node.diagnostic(.capNegative(cap)))
            }
            categories.append(Category(name: category.value, cap: file.cap?.0))
        }
        var flags: [String] = []
        for file in files {
            for rule in file.rules {
                if let flag = rule.flag, isValidName(flag), !flags.contains(flag.value) {
                    flags.append(flag.value)
                }
            }
        }
        for name in flags where categories.contains(where: { $0.name == name }) || name == "score" {
            diagnostics.append(
                Diagnostic(at: SourceLocation(file: directory, line: 1, column: 1), .nameTaken(name, "a category"))
            )
        }
        let categoryNames = categories.map(\.name)
        func makeChecker(_ scope: ExpressionChecker.Scope, _ slots: SlotTable) -> ExpressionChecker {
            ExpressionChecker(
                catalog: catalog,
                lists: lists,
                categories: categoryNames,
                flags: flags,
                scope: scope,
                slots: slots
            )
        }
        var slots = SlotTable()
        _ = slots.slot(["id"], .string)
        // Derived values, in file order: each may use the ones before it.
        let taken = Set(catalog.fields.keys).union(lists.keys).union(categories.map(\.name)).union(flags + ["score"])
        for file in files {
            for (name, text) in file.derived {
                guard isValidName(name) else { continue }
                if taken.contains(name.value) || slots.derivedTypes[name.value] != nil {
                    diagnostics.append(
                        name.diagnostic(.nameTaken(name.value, "a field, list, category, flag or value"))
                    )
                    continue
                }
                var checker = makeChecker(.rules, slots)
                do throws(ExpressionChecker.Failure) {
                    defer { reportWarnings(&checker, in: text) }
                    let syntax = try parse(text.text)
                    checker.text = Array(text.text.unicodeScalars)
                    let (expression, type) = try checker.check(syntax)
                    slots = checker.slots
                    slots.derivedTypes[name.value] = (slots.derived.count, type)
                    slots.derived.append(expression)
                    slots.derivedNames.append(name.value)
                } catch {
                    slots = checker.slots
                    diagnostics.append(diagnostic(error, in: text))
                }
            }
        }
        // Rules.
        var disqualifiers: [CompiledRule] = []
        var scorers: [CompiledRule] = []
        var ruleIDs: [String: YAMLScalar] = [:]
        for file in files {
            let categoryIndex = file.category.flatMap { category in categories.firstIndex { $0.name == category.value }
            }
            for rule in file.rules {
                if let first = ruleIDs[rule.id.value] {
                    diagnostics.append(duplicate(rule.id, first, .duplicateRule(rule.id.value)))
                } else {
                    ruleIDs[rule.id.value] = rule.id
                }
                var checker = makeChecker(.rules, slots)
                if let compiled = compileRule(rule, category: categoryIndex, file: file, flags: flags, &checker) {
                    if case .disqualify = compiled.action {
                        disqualifiers.append(compiled)
                    } else {
                        scorers.append(compiled)
                    }
                }
                slots = checker.slots
            }
        }
        // Tables: grades, stages, routes (one file has them).
        var tableChecker = makeChecker(.tables, slots)
        let grades = compileGrades(files, &tableChecker)
        let (stages, routes, disqualifiedRoute) = compileStages(files, &tableChecker)
        slots = tableChecker.slots
        // Assignment: teams match with rule expressions that may also use the tables' results.
        var sections = AssignmentSections()
        for file in files {
            for entry in file.assignment {
                if let first = sections.entries[entry.key.value] {
                    diagnostics.append(duplicate(entry.key, first.key, .secondTable(entry.key.value)))
                } else {
                    sections.entries[entry.key.value] = entry
                }
            }
        }
        var assignmentChecker = makeChecker(.assignment, slots)
        let assignmentCompiler = AssignmentCompiler(directory: directory)
        var usedLists: [String] = []
        let assignment = assignmentCompiler.compile(
            sections,
            routes: Array(Set(routes + [disqualifiedRoute])).sorted(),
            lists: lists,
            usedList: { usedLists.append($0) },
            condition: { compileCondition($0, &assignmentChecker) }
        )
        diagnostics += assignmentCompiler.diagnostics
        slots = assignmentChecker.slots
        slots.usedLists.formUnion(usedLists)
        for (name, scalar) in listNames where !slots.usedLists.contains(name) {
            diagnostics.append(scalar.diagnostic(.unusedList(name), severity: .warning))
        }
        let errors = diagnostics.contains { $0.severity == .error }
        var program: Program?
        if !errors {
            // Each `each` function's half-life (nil without decay), when every rule counting it has the same one: it
            // is then tallied in the one pass over the events with the other functions.
            var halfLives: [Int: Double?] = [:]
            var mixed = Set<Int>()
            for rule in scorers {
                guard case .each(let aggregate, _, _, let halfLife) = rule.action else { continue }
                if let known = halfLives[aggregate], known != halfLife { mixed.insert(aggregate) }
                halfLives[aggregate] = .some(halfLife)
            }
            for aggregate in mixed { halfLives.removeValue(forKey: aggregate) }
            program = Program(
                version: version(sources + assignmentCompiler.extraSources),
                files: sources.map(\.path),
                categories: categories,
                slots: slots.slots,
                eventSlots: slots.eventSlots,
                aggregates: slots.aggregates,
                aggregatePlans: Dictionary(
                    uniqueKeysWithValues: Set(slots.aggregates.map(\.collection)).map { collection in
                        (
                            collection,
                            AggregatePlan(
                                aggregates: slots.aggregates,
                                collection: collection,
                                eventSlots: slots.eventSlots,
                                halfLives: halfLives
                            )
                        )
                    }
                ),
                aggregateLabels: slots.aggregateLabels,
                derived: slots.derived,
                derivedNames: slots.derivedNames,
                disqualifiers: disqualifiers,
                scorers: scorers,
                flags: flags,
                grades: grades,
                stages: stages,
                routes: routes,
                disqualifiedRoute: disqualifiedRoute,
                idSlot: slots.slotIndex[["id"]],
                assignment: assignment,
                fieldTypes: catalog.fields.mapValues(\.rawValue)
            )
        }
        return RuleCompiler.Result(program: program, diagnostics: diagnostics.sorted { $0.location < $1.location })
    }

    func readList(_ relative: String) -> Swift.Result<[String], ListFileError> {
        let path = relative.hasPrefix("/") ? relative : "\(directory)/\(relative)"
        do {
            let bytes = try FileBytes.read(path)
            listFiles.read.append((relative, bytes))
            var text = String(decoding: bytes, as: UTF8.self)
            // Editors on Windows start UTF-8 files with a byte order mark; it is not part of the first item.
            if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
            let items = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
                let item = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                return trimmed.isEmpty ? nil : trimmed
            }
            return .success(items)
        } catch {
            return .failure(ListFileError(reason: error.reason))
        }
    }

    func duplicate(_ second: YAMLScalar, _ first: YAMLScalar, _ message: Diagnostic.Message) -> Diagnostic {
        var diagnostic = second.diagnostic(message)
        diagnostic.notes = [first.diagnostic(.firstDefinedHere, severity: .note)]
        return diagnostic
    }

    mutating func isValidName(_ scalar: YAMLScalar) -> Bool {
        let name = scalar.value
        let valid =
            name.first.map { $0.isASCII && $0.isLetter } == true
            && name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
        if !valid { diagnostics.append(scalar.diagnostic(.invalidName(name))) }
        return valid
    }

    /// A diagnostic inside an expression's scalar, at the failing token.
    func diagnostic(
        _ failure: ExpressionChecker.Failure,
        in text: ExpressionText,
        severity: Diagnostic.Severity = .error
    ) -> Diagnostic {
        let scalar = text.scalar
        let start = scalar.location(atValueOffset: failure.range.lowerBound)
        return scalar.source.diagnostic(severity, at: start, failure.message, length: failure.range.count)
    }

    /// The errors among the diagnostics so far (warnings do not stop anything from compiling).
    var errorCount: Int { diagnostics.reduce(0) { $0 + ($1.severity == .error ? 1 : 0) } }

    /// The checker's warnings about `text`, reported.
    mutating func reportWarnings(_ checker: inout ExpressionChecker, in text: ExpressionText) {
        for warning in checker.warnings { diagnostics.append(diagnostic(warning, in: text, severity: .warning)) }
        checker.warnings.removeAll()
    }

    func parse(_ text: String) throws(ExpressionChecker.Failure) -> ExpressionSyntax {
        do {
            return try ExpressionParser.parse(text)
        } catch {
            throw ExpressionChecker.Failure(message: .expression(error.message), range: error.range)
        }
    }

    func parseEach(_ text: String) throws(ExpressionChecker.Failure) -> EachSyntax {
        do {
            return try ExpressionParser.parseEach(text)
        } catch {
            throw ExpressionChecker.Failure(message: .expression(error.message), range: error.range)
        }
    }

    mutating func compileCondition(_ syntax: ConditionSyntax, _ checker: inout ExpressionChecker) -> Condition? {
        switch syntax {
        case .leaf(let text):
            do throws(ExpressionChecker.Failure) {
                defer { reportWarnings(&checker, in: text) }
                let parsed = try parse(text.text)
                checker.text = Array(text.text.unicodeScalars)
                let expression = try checker.condition(parsed)
                return .leaf(expression, text: text.text, location: text.scalar.location)
            } catch {
                diagnostics.append(diagnostic(error, in: text))
                return nil
            }
        case .all(let items, _), .any(let items, _):
            let compiled = items.map { compileCondition($0, &checker) }
            guard !compiled.contains(where: { $0 == nil }) else { return nil }
            let conditions = compiled.compactMap { $0 }
            if case .all = syntax { return .all(conditions) }
            return .any(conditions)
        case .not(let inner, _):
            return compileCondition(inner, &checker).map { .not($0) }
        }
    }

    mutating func compileRule(
        _ rule: RuleSyntax,
        category: Int?,
        file: RuleFile,
        flags: [String],
        _ checker: inout ExpressionChecker
    ) -> CompiledRule? {
        let errorsBefore = errorCount
        let node = YAMLNode.mapping(rule.node)
        let when = rule.when.flatMap { compileCondition($0, &checker) }
        let unless = rule.unless.flatMap { compileCondition($0, &checker) }
        var action: CompiledRule.Action?
        if rule.points != nil && rule.disqualify != nil {
            diagnostics.append(node.diagnostic(.pointsAndDisqualify))
        }
        if rule.when == nil && rule.each == nil {
            diagnostics.append(rule.id.diagnostic(.ruleNeedsCondition))
        }
        if (rule.max != nil || rule.halfLife != nil) && rule.each == nil {
            diagnostics.append((rule.max?.1 ?? node).diagnostic(.maxNeedsEach))
        }
        if let (max, maxNode) = rule.max, !(max > 0) {
            diagnostics.append(maxNode.diagnostic(.maxNotPositive(max)))
        }
        if let reason = rule.disqualify {
            action = .disqualify(reason.value)
        } else if let each = rule.each {
            guard let points = rule.points else {
                diagnostics.append(rule.id.diagnostic(.eachNeedsPoints))
                return nil
            }
            do throws(ExpressionChecker.Failure) {
                let syntax = try parseEach(each.text)
                checker.text = Array(each.text.unicodeScalars)
                let aggregate = try checker.each(syntax)
                reportWarnings(&checker, in: each)
                var halfLife: Double?
                if let text = rule.halfLife {
                    do throws(ExpressionChecker.Failure) {
                        let parsed = try parse(text.text)
                        let duration = try checker.duration(parsed)
                        // A zero half-life would halve every event's points infinitely often (0 points, or NaN
                        // for an event at `now`).
                        if duration > 0 {
                            halfLife = duration
                        } else {
                            diagnostics.append(text.scalar.diagnostic(.halfLifeNotPositive(text.text)))
                        }
                    } catch {
                        diagnostics.append(diagnostic(error, in: text))
                    }
                }
                let index = checker.slots.aggregate(aggregate, label: "each " + each.text)
                action = .each(aggregate: index, points: points.0, max: rule.max?.0, halfLife: halfLife)
            } catch {
                diagnostics.append(diagnostic(error, in: each))
            }
        } else if let points = rule.points {
            action = .points(points.0)
        } else {
            diagnostics.append(rule.id.diagnostic(.ruleNeedsAction))
        }
        if case .disqualify = action {
        } else if action != nil && category == nil {
            diagnostics.append(rule.id.diagnostic(.pointsNeedCategory))
        }
        guard let action, errorCount == errorsBefore else { return nil }
        return CompiledRule(
            id: rule.id.value,
            description: rule.description,
            category: category,
            action: action,
            flag: rule.flag.flatMap { flags.firstIndex(of: $0.value) },
            when: when,
            unless: unless,
            location: rule.id.location
        )
    }

    mutating func compileGrades(_ files: [RuleFile], _ checker: inout ExpressionChecker) -> [Row] {
        let tables = files.filter { $0.grades != nil }
        for extra in tables.dropFirst() {
            if let node = extra.gradesNode { diagnostics.append(node.diagnostic(.secondTable("grades"))) }
        }
        guard let file = tables.first, let rows = file.grades else { return [] }
        return compileRows(rows, node: file.gradesNode, missingOtherwise: .gradesNoOtherwise, &checker)
    }

    mutating func compileRows(
        _ rows: [RowSyntax],
        node: YAMLNode?,
        missingOtherwise: Diagnostic.Message,
        _ checker: inout ExpressionChecker
    ) -> [Row] {
        var result: [Row] = []
        var seen: [String: YAMLScalar] = [:]
        var otherwise = false
        for row in rows {
            if otherwise {
                diagnostics.append(row.node.diagnostic(.unreachableRow))
            }
            if let first = seen[row.name.value] {
                diagnostics.append(duplicate(row.name, first, .duplicateStage(row.name.value)))
            }
            seen[row.name.value] = row.name
            if let condition = row.condition {
                if let compiled = compileCondition(condition, &checker) {
                    result.append(Row(name: row.name.value, condition: compiled))
                }
            } else {
                otherwise = true
                result.append(Row(name: row.name.value, condition: nil))
            }
        }
        if !otherwise, let node {
            diagnostics.append(node.diagnostic(missingOtherwise))
        }
        return result
    }

    mutating func compileStages(
        _ files: [RuleFile],
        _ checker: inout ExpressionChecker
    ) -> (stages: [Row], routes: [String], disqualified: String) {
        let tables = files.filter { $0.stages != nil }
        for extra in tables.dropFirst() {
            if let node = extra.stagesNode { diagnostics.append(node.diagnostic(.secondTable("stages"))) }
        }
        guard let file = tables.first, let rows = file.stages else {
            let location = SourceLocation(file: directory, line: 1, column: 1)
            diagnostics.append(Diagnostic(at: location, .missingStages))
            return ([], [], "")
        }
        let stages = compileRows(rows, node: file.stagesNode, missingOtherwise: .noOtherwise, &checker)
        let routeFiles = files.filter { $0.routes != nil }
        for extra in routeFiles.dropFirst() {
            if let node = extra.routesNode { diagnostics.append(node.diagnostic(.secondTable("routes"))) }
        }
        let routeList = routeFiles.first?.routes ?? []
        let names = rows.map(\.name.value) + ["disqualified"]
        var routes: [String: String] = [:]
        for (stage, route) in routeList {
            guard names.contains(stage.value) else {
                diagnostics.append(
                    stage.diagnostic(.unknownStage(stage.value, Suggestion.closest(to: stage.value, in: names)))
                )
                continue
            }
            if route.value == "outcomes" {
                diagnostics.append(
                    route.diagnostic(
                        .init("the route name 'outcomes' is taken: outbox/outcomes/ holds applied outcome updates")
                    )
                )
            }
            routes[stage.value] = route.value
        }
        let anchor = routeFiles.first?.routesNode ?? file.stagesNode
        for name in names where routes[name] == nil {
            if let anchor { diagnostics.append(anchor.diagnostic(.missingRoute(name))) }
        }
        return (stages, stages.map { routes[$0.name] ?? "" }, routes["disqualified"] ?? "")
    }

    /// A content hash of the rule files and the lists they read: FNV-1a, 64 bits, in hex.
    func version(_ sources: [(path: String, bytes: [UInt8])]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        for source in sources + listFiles.read {
            mix(source.path.split(separator: "/").last.map { Array($0.utf8) } ?? [])
            mix([0])
            mix(source.bytes)
            mix([0])
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The list files a compilation read, in order (a reference, so the read-only list reader can record them).
private final class ListFiles {
    var read: [(path: String, bytes: [UInt8])] = []
}
