public import Leads
import YAML

extension Decision {
    /// The decision as one JSON object, as the outbox and `leadd score --format json` write it.
    public var json: LeadObject {
        var object = LeadObject()
        object.set("lead", leadID.map { .string($0) } ?? .null)
        if let origin {
            var from = LeadObject()
            from.set("file", .string(origin.file))
            from.set("line", .int(origin.line))
            from.set("record", .int(origin.record))
            object.set("origin", .object(from))
        }
        object.set("now", .string(Timestamp.iso8601(now)))
        object.set("rules_version", .string(rulesVersion))
        object.set("stage", .string(stage))
        object.set("route", .string(route))
        object.set("grade", grade.map { .string($0) } ?? .null)
        var score = LeadObject()
        score.set("total", Self.number(total))
        for category in scores { score.set(category.name, Self.number(category.points)) }
        object.set("score", .object(score))
        object.set(
            "disqualified",
            .array(
                disqualifications.map { item in
                    var entry = LeadObject()
                    entry.set("rule", .string(item.rule))
                    entry.set("reason", .string(item.reason))
                    return .object(entry)
                }
            )
        )
        object.set("flags", .array(flags.map { .string($0) }))
        object.set(
            "rules",
            .array(
                fired.map { rule in
                    var entry = LeadObject()
                    entry.set("id", .string(rule.id))
                    entry.set("category", rule.category.map { .string($0) } ?? .null)
                    entry.set("points", Self.number(rule.points))
                    if let events = rule.events { entry.set("events", .int(events)) }
                    if rule.capped { entry.set("capped", .bool(true)) }
                    return .object(entry)
                }
            )
        )
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
