public import Leads
import YAML

extension Decision {
    /// The decision as one JSON object, as the outbox and `leadd score --format json` write it.
    public var json: LeadObject { LeadObject(writtenBy: writeJSON) }

    /// Appends the decision as one compact JSON object, keys in a fixed order: the outbox's line for a lead.
    /// Written directly, without building a tree: this runs for every decision the daemon writes.
    public func writeJSON(into out: inout [UInt8]) {
        var json = JSONWriter()
        json.byte(UInt8(ascii: "{"))
        json.key("lead", first: true)
        json.string(orNull: leadID)
        if let origin {
            json.key("origin")
            json.byte(UInt8(ascii: "{"))
            json.key("file", first: true)
            json.string(origin.file)
            json.key("line")
            json.integer(origin.line)
            json.key("record")
            json.integer(origin.record)
            json.byte(UInt8(ascii: "}"))
        }
        json.key("now")
        json.timestamp(now)
        json.key("rules_version")
        json.string(rulesVersion)
        json.key("stage")
        json.string(stage)
        json.key("route")
        json.string(route)
        json.key("grade")
        json.string(orNull: grade)
        // Category names are the rule files' own: one called "total" takes the total's place.
        json.key("score")
        json.byte(UInt8(ascii: "{"))
        json.key("total", first: true)
        let names = ruleNames.categoryNames
        json.hundredths(categoryPoints.indices.last { names[$0] == "total" }.map { categoryPoints[$0] } ?? total)
        // A handful of categories: a scan finds a name written before without hashing.
        for index in categoryPoints.indices
        where names[index] != "total" && !names[..<index].contains(names[index]) {
            json.byte(UInt8(ascii: ","))
            json.string(names[index])
            json.byte(UInt8(ascii: ":"))
            let last = (index..<categoryPoints.count).last { names[$0] == names[index] } ?? index
            json.hundredths(categoryPoints[last])
        }
        json.byte(UInt8(ascii: "}"))
        json.key("disqualified")
        json.array(disqualifications) { json, item in
            json.byte(UInt8(ascii: "{"))
            json.key("rule", first: true)
            json.string(item.rule)
            json.key("reason")
            json.string(item.reason)
            json.byte(UInt8(ascii: "}"))
        }
        json.key("flags")
        json.array(flagSet) { json, flag in json.string(ruleNames.flags[flag]) }
        json.key("rules")
        json.array(fired) { json, rule in
            ruleNames.writeFiredStart(rule.rule, into: &json)
            json.hundredths(rule.points)
            if let events = rule.events {
                json.key("events")
                json.integer(events)
            }
            if rule.capped {
                json.key("capped")
                json.raw("true")
            }
            json.byte(UInt8(ascii: "}"))
        }
        if let explanation {
            json.key("explanation")
            json.value(LeadValue.array(explanation.map(Self.json)))
        }
        json.byte(UInt8(ascii: "}"))
        json.finish(into: &out)
    }

    /// One rule's trace as the explanation shows it.
    static func json(_ trace: RuleTrace) -> LeadValue {
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

    /// Whole numbers as integers, the rest with at most two decimals.
    public static func number(_ value: Double) -> LeadValue {
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
