import YAML

/// A text in a rule file that holds an expression, with the scalar it came from for positions.
struct ExpressionText: Sendable {
    var text: String
    var scalar: YAMLScalar
}

/// The `all`/`any`/`not` structure YAML gives a condition, with expression leaves.
indirect enum ConditionSyntax: Sendable {
    case leaf(ExpressionText)
    case all([ConditionSyntax], YAMLNode)
    case any([ConditionSyntax], YAMLNode)
    case not(ConditionSyntax, YAMLNode)
}

/// One rule as written.
struct RuleSyntax: Sendable {
    var id: YAMLScalar
    var description: String?
    var when: ConditionSyntax?
    var unless: ConditionSyntax?
    var each: ExpressionText?
    var points: (Double, YAMLNode)?
    var max: (Double, YAMLNode)?
    var halfLife: ExpressionText?
    var disqualify: YAMLScalar?
    var flag: YAMLScalar?
    var node: YAMLMapping
}

/// A named list: inline items, or a file of one item per line.
struct ListSyntax: Sendable {
    var name: YAMLScalar
    var items: [String]
    var node: YAMLNode
}

/// A row of the grade or stage table: a name and its condition, or `otherwise`.
struct RowSyntax: Sendable {
    var name: YAMLScalar
    var condition: ConditionSyntax?
    var node: YAMLNode
}

/// One rule file, parsed: the structure checked, expressions not yet.
struct RuleFile: Sendable {
    var source: SourceFile
    var category: YAMLScalar?
    var cap: (Double, YAMLNode)?
    var lists: [ListSyntax] = []
    var rules: [RuleSyntax] = []
    var fields: [(path: YAMLScalar, type: YAMLScalar)] = []
    /// Named values computed once per lead, before any rule: `enterprise: company.employees >= 1000`.
    var derived: [(name: YAMLScalar, expression: ExpressionText)] = []
    var grades: [RowSyntax]?
    var gradesNode: YAMLNode?
    var stages: [RowSyntax]?
    var stagesNode: YAMLNode?
    var routes: [(stage: YAMLScalar, route: YAMLScalar)]?
    var routesNode: YAMLNode?
    /// `assign`, `reps`, `teams`, `fallback`, `accounts`, `sticky`: checked by `AssignmentCompiler`.
    var assignment: [YAMLMapping.Entry] = []
}

extension RuleFile {
    static let topKeys =
        [
            "version", "category", "cap", "lists", "fields", "derived", "rules", "grades", "stages", "routes",
        ] + AssignmentSections.keys
    static let ruleKeys = [
        "id", "description", "when", "unless", "each", "points", "max", "decay", "disqualify", "flag",
    ]

    /// Reads a rule file's structure, collecting every problem into `diagnostics`.
    ///
    /// `readList` reads the file behind `{file: PATH}` lists, relative to the rules directory.
    static func parse(
        _ document: YAMLDocument,
        readList: (String) -> Result<[String], ListFileError>,
        into diagnostics: inout [Diagnostic]
    ) -> RuleFile {
        var file = RuleFile(source: document.source)
        guard let root = document.root else {
            diagnostics.append(
                Diagnostic(at: document.source.location(line: 1, column: 1), .emptyRuleFile, sourceLine: nil)
            )
            return file
        }
        if let error = attempt({ () throws(Diagnostic) in
            let top = try root.mapping()
            checkKeys(top, allowed: topKeys, into: &diagnostics)
            if let version = top.entry("version") {
                let number = try version.value.scalar().int()
                if number != 1 { diagnostics.append(version.value.diagnostic(.unknownVersion(number))) }
            } else {
                diagnostics.append(top.source.diagnostic(at: top.span.start, .missingVersion))
            }
            if let category = top["category"] {
                file.category = try category.scalar()
            }
            // A bad cap is reported, and the file's rules are still read.
            if let cap = top["cap"],
                let error = attempt({ () throws(Diagnostic) in file.cap = (try cap.scalar().finiteDouble(), cap) })
            {
                diagnostics.append(error)
            }
            if let lists = top["lists"] {
                for entry in try lists.mapping().entries {
                    if let error = attempt({ () throws(Diagnostic) in
                        file.lists.append(try list(entry, readList: readList))
                    }) {
                        diagnostics.append(error)
                    }
                }
            }
            if let fields = top["fields"] {
                for entry in try fields.mapping().entries {
                    if let error = attempt({ () throws(Diagnostic) in
                        file.fields.append((entry.key, try entry.value.scalar()))
                    }) {
                        diagnostics.append(error)
                    }
                }
            }
            if let derived = top["derived"] {
                for entry in try derived.mapping().entries {
                    if let error = attempt({ () throws(Diagnostic) in
                        let scalar = try entry.value.scalar()
                        file.derived.append((entry.key, ExpressionText(text: scalar.value, scalar: scalar)))
                    }) {
                        diagnostics.append(error)
                    }
                }
            }
            if let rules = top["rules"] {
                for item in try rules.sequence().items {
                    if let error = attempt({ () throws(Diagnostic) in
                        if let rule = try rule(item, into: &diagnostics) { file.rules.append(rule) }
                    }) {
                        diagnostics.append(error)
                    }
                }
            }
            if let grades = top["grades"] {
                file.gradesNode = grades
                file.grades = try grades.mapping().entries.map { entry throws(Diagnostic) in
                    try row(name: entry.key, value: entry.value, into: &diagnostics)
                }
            }
            if let stages = top["stages"] {
                file.stagesNode = stages
                var rows: [RowSyntax] = []
                for item in try stages.sequence().items {
                    if let error = attempt({ () throws(Diagnostic) in
                        let mapping = try item.mapping()
                        checkKeys(mapping, allowed: ["stage", "when", "otherwise"], into: &diagnostics)
                        guard let name = mapping["stage"] else { throw item.diagnostic(.missingKey("stage")) }
                        if let otherwise = mapping["otherwise"] {
                            guard try otherwise.scalar().bool() else { throw otherwise.diagnostic(.otherwiseTrue) }
                            rows.append(RowSyntax(name: try name.scalar(), condition: nil, node: item))
                        } else if let when = mapping["when"] {
                            rows.append(
                                RowSyntax(name: try name.scalar(), condition: try condition(when), node: item)
                            )
                        } else {
                            throw item.diagnostic(.missingKey("when' or 'otherwise"))
                        }
                    }) {
                        diagnostics.append(error)
                    }
                }
                file.stages = rows
            }
            file.assignment = top.entries.filter { AssignmentSections.keys.contains($0.key.value) }
            if let routes = top["routes"] {
                file.routesNode = routes
                file.routes = try routes.mapping().entries.map { entry throws(Diagnostic) in
                    (entry.key, try entry.value.scalar())
                }
            }
        }) {
            diagnostics.append(error)
        }
        return file
    }

    /// Runs `body` and returns its diagnostic, so one bad part does not stop the rest of the file.
    static func attempt(_ body: () throws(Diagnostic) -> Void) -> Diagnostic? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    static func checkKeys(_ mapping: YAMLMapping, allowed: [String], into diagnostics: inout [Diagnostic]) {
        for entry in mapping.entries where !allowed.contains(entry.key.value) {
            let key = entry.key.value
            diagnostics.append(entry.key.diagnostic(.unknownKey(key, Suggestion.closest(to: key, in: allowed))))
        }
    }

    static func list(
        _ entry: YAMLMapping.Entry,
        readList: (String) -> Result<[String], ListFileError>
    ) throws(Diagnostic) -> ListSyntax {
        switch entry.value {
        case .sequence(let sequence):
            let items = try sequence.items.map { item throws(Diagnostic) in try item.string() }
            return ListSyntax(name: entry.key, items: items, node: entry.value)
        case .mapping(let mapping):
            guard let path = mapping["file"], mapping.entries.count == 1 else {
                throw entry.value.diagnostic(.listShape)
            }
            switch readList(try path.string()) {
            case .success(let items): return ListSyntax(name: entry.key, items: items, node: entry.value)
            case .failure(let error): throw path.diagnostic(.listFile(error.reason))
            }
        case .scalar:
            throw entry.value.diagnostic(.listShape)
        }
    }

    static func rule(_ node: YAMLNode, into diagnostics: inout [Diagnostic]) throws(Diagnostic) -> RuleSyntax? {
        let mapping = try node.mapping()
        checkKeys(mapping, allowed: ruleKeys, into: &diagnostics)
        guard let id = mapping["id"] else { throw node.diagnostic(.missingKey("id")) }
        var rule = RuleSyntax(id: try id.scalar(), node: mapping)
        rule.description = try mapping["description"]?.string()
        if let when = mapping["when"] { rule.when = try condition(when) }
        if let unless = mapping["unless"] { rule.unless = try condition(unless) }
        if let each = mapping["each"] {
            let scalar = try each.scalar()
            rule.each = ExpressionText(text: scalar.value, scalar: scalar)
        }
        if let points = mapping["points"] { rule.points = (try points.scalar().finiteDouble(), points) }
        if let max = mapping["max"] { rule.max = (try max.scalar().finiteDouble(), max) }
        if let decay = mapping["decay"] {
            let decayMapping = try decay.mapping()
            checkKeys(decayMapping, allowed: ["half_life"], into: &diagnostics)
            guard let halfLife = decayMapping["half_life"] else { throw decay.diagnostic(.missingKey("half_life")) }
            let scalar = try halfLife.scalar()
            rule.halfLife = ExpressionText(text: scalar.value, scalar: scalar)
        }
        if let disqualify = mapping["disqualify"] { rule.disqualify = try disqualify.scalar() }
        if let flag = mapping["flag"] { rule.flag = try flag.scalar() }
        return rule
    }

    static func condition(_ node: YAMLNode) throws(Diagnostic) -> ConditionSyntax {
        switch node {
        case .scalar(let scalar):
            return .leaf(ExpressionText(text: scalar.value, scalar: scalar))
        case .sequence:
            throw node.diagnostic(.conditionShape)
        case .mapping(let mapping):
            guard mapping.entries.count == 1, let entry = mapping.entries.first else {
                throw node.diagnostic(.conditionShape)
            }
            switch entry.key.value {
            case "all", "any":
                let items = try entry.value.sequence().items.map { item throws(Diagnostic) in try condition(item) }
                return entry.key.value == "all" ? .all(items, node) : .any(items, node)
            case "not":
                return .not(try condition(entry.value), node)
            default:
                let key = entry.key.value
                throw entry.key.diagnostic(
                    .unknownKey(key, Suggestion.closest(to: key, in: ["all", "any", "not"]))
                )
            }
        }
    }

    static func row(
        name: YAMLScalar,
        value: YAMLNode,
        into diagnostics: inout [Diagnostic]
    ) throws(Diagnostic) -> RowSyntax {
        if case .scalar(let scalar) = value, scalar.value == "otherwise", scalar.style.isPlain {
            return RowSyntax(name: name, condition: nil, node: value)
        }
        return RowSyntax(name: name, condition: try condition(value), node: value)
    }
}

/// Why a `{file: PATH}` list could not be read.
struct ListFileError: Error {
    var reason: String
}
