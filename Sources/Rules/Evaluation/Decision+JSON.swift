public import Leads
import YAML

extension Decision {
    /// The decision as one JSON object, as the outbox and `leadd score --format json` write it.
    public var json: LeadObject {
        // Built from distinct keys, in order (`LeadObject.set` would look each key up first): this runs for every
        // decision the daemon writes.
        typealias Field = LeadObject.Field
        var fields: [Field] = []
        fields.reserveCapacity(12)
        fields.append(Field(key: "lead", value: leadID.map { .string($0) } ?? .null))
        if let origin {
            let from = LeadObject(uniqueFields: [
                Field(key: "file", value: .string(origin.file)),
                Field(key: "line", value: .int(origin.line)),
                Field(key: "record", value: .int(origin.record)),
            ])
            fields.append(Field(key: "origin", value: .object(from)))
        }
        fields.append(Field(key: "now", value: .string(Timestamp.iso8601(now))))
        fields.append(Field(key: "rules_version", value: .string(rulesVersion)))
        fields.append(Field(key: "stage", value: .string(stage)))
        fields.append(Field(key: "route", value: .string(route)))
        fields.append(Field(key: "grade", value: grade.map { .string($0) } ?? .null))
        // Category names are the rule files' own: `set`, in case one is called "total".
        var score = LeadObject()
        score.set("total", Self.number(total))
        for category in scores { score.set(category.name, Self.number(category.points)) }
        fields.append(Field(key: "score", value: .object(score)))
        fields.append(
            Field(
                key: "disqualified",
                value: .array(
                    disqualifications.map { item in
                        .object(
                            LeadObject(uniqueFields: [
                                Field(key: "rule", value: .string(item.rule)),
                                Field(key: "reason", value: .string(item.reason)),
                            ])
                        )
                    }
                )
            )
        )
        fields.append(Field(key: "flags", value: .array(flags.map { .string($0) })))
        fields.append(
            Field(
                key: "rules",
                value: .array(
                    fired.map { rule in
                        var entry: [Field] = [
                            Field(key: "id", value: .string(rule.id)),
                            Field(key: "category", value: rule.category.map { .string($0) } ?? .null),
                            Field(key: "points", value: Self.number(rule.points)),
                        ]
                        if let events = rule.events { entry.append(Field(key: "events", value: .int(events))) }
                        if rule.capped { entry.append(Field(key: "capped", value: .bool(true))) }
                        return .object(LeadObject(uniqueFields: entry))
                    }
                )
            )
        )
        var object = LeadObject(uniqueFields: fields)
        if let explanation {
            object.set(
                "explanation",
                .array(
                    explanation.map { trace in
                        var entry = LeadObject()
                        entry.set("rule", .string(trace.rule))
                        entry.set("fired", .bool(trace.fired))
                        entry.set(
                            "leaves",
                            .array(
                                trace.leaves.map { leaf in
                                    var item = LeadObject()
                                    item.set("part", .string(leaf.part))
                                    item.set("expression", .string(leaf.expression))
                                    item.set("line", .int(leaf.line))
                                    item.set("verdict", .string(leaf.verdict.rawValue))
                                    var values = LeadObject()
                                    for reading in leaf.values { values.set(reading.name, .string(reading.value)) }
                                    item.set("values", .object(values))
                                    if !leaf.missingFields.isEmpty {
                                        item.set("missing", .array(leaf.missingFields.map { .string($0) }))
                                    }
                                    return .object(item)
                                }
                            )
                        )
                        return .object(entry)
                    }
                )
            )
        }
        return object
    }

    /// Whole numbers as integers, the rest with at most two decimals.
    static func number(_ value: Double) -> LeadValue {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? .int(Int(rounded)) : .double(rounded)
    }

    /// Points as a person reads them: `20`, `7.5`, `-10`.
    public static func format(_ points: Double) -> String {
        switch number(points) {
        case .int(let value): String(value)
        case .double(let value): String(value)
        default: String(points)
        }
    }
}
