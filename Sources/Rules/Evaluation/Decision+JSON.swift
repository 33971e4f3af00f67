public import Leads
import YAML

extension Decision {
    /// The decision as one JSON object, as the outbox and `leadd score --format json` write it.
    public var json: LeadObject { LeadObject(writtenBy: writeJSON) }

    /// Appends the decision as one compact JSON object, keys in a fixed order: the outbox's line for a lead.
    /// Written directly, without building a tree: this runs for every decision the daemon writes.
    public func writeJSON(into out: inout [UInt8]) {
        func key(_ name: StaticString, first: Bool = false) { LeadValue.writeJSONKey(name, first: first, into: &out) }
        func string(_ value: String?) { LeadValue.writeJSONString(orNull: value, into: &out) }
        func array<Item>(_ items: [Item], _ item: (Item) -> Void) {
            out.append(UInt8(ascii: "["))
            for (index, element) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item(element)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "{"))
        key("lead", first: true)
        string(leadID)
        if let origin {
            key("origin")
            out.append(UInt8(ascii: "{"))
            key("file", first: true)
            string(origin.file)
            key("line")
            out.append(contentsOf: String(origin.line).utf8)
            key("record")
            out.append(contentsOf: String(origin.record).utf8)
            out.append(UInt8(ascii: "}"))
        }
        key("now")
        string(Timestamp.iso8601(now))
        key("rules_version")
        string(rulesVersion)
        key("stage")
        string(stage)
        key("route")
        string(route)
        key("grade")
        string(grade)
        // Category names are the rule files' own: one called "total" takes the total's place.
        key("score")
        out.append(UInt8(ascii: "{"))
        key("total", first: true)
        Self.number(scores.last { $0.name == "total" }?.points ?? total).writeJSON(into: &out)
        // A handful of categories: a scan finds a name written before without hashing.
        for (index, category) in scores.enumerated()
        where category.name != "total" && !scores[..<index].contains(where: { $0.name == category.name }) {
            out.append(UInt8(ascii: ","))
            string(category.name)
            out.append(UInt8(ascii: ":"))
            let points = scores[index...].last { $0.name == category.name }?.points ?? category.points
            Self.number(points).writeJSON(into: &out)
        }
        out.append(UInt8(ascii: "}"))
        key("disqualified")
        array(disqualifications) { item in
            out.append(UInt8(ascii: "{"))
            key("rule", first: true)
            string(item.rule)
            key("reason")
            string(item.reason)
            out.append(UInt8(ascii: "}"))
        }
        key("flags")
        array(flags) { string($0) }
        key("rules")
        array(fired) { rule in
            out.append(UInt8(ascii: "{"))
            key("id", first: true)
            string(rule.id)
            key("category")
            string(rule.category)
            key("points")
            Self.number(rule.points).writeJSON(into: &out)
            if let events = rule.events {
                key("events")
                out.append(contentsOf: String(events).utf8)
            }
            if rule.capped {
                key("capped")
                out.append(contentsOf: "true".utf8)
            }
            out.append(UInt8(ascii: "}"))
        }
        if let explanation {
            key("explanation")
            LeadValue.array(explanation.map(Self.json)).writeJSON(into: &out)
        }
        out.append(UInt8(ascii: "}"))
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
