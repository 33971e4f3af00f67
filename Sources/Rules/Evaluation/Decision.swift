public import Leads

/// What the rules decided for one lead, and why: where a decision is made, this is what comes out.
///
/// The points of the fired rules add up to each category's score, and the categories to the total.
public struct Decision: Sendable {
    public struct CategoryScore: Sendable, Hashable {
        public var name: String
        public var points: Double
    }

    /// A rule that gave points. Its id and category are the decision's (`id(_:)`, `category(_:)`): a decision keeps
    /// one reference to its program's names rather than one per fired rule.
    public struct FiredRule: Sendable, Hashable {
        /// The rule's index in `Decision.ruleNames` (its program's rules, in evaluation order).
        public var rule: Int
        /// Points after decay and the category's cap.
        public var points: Double
        /// For `each` rules, how many events matched.
        public var events: Int?
        /// True when the category's cap cut this rule's points.
        public var capped: Bool
    }

    public struct Disqualification: Sendable, Hashable {
        public var rule: String
        public var reason: String
    }

    public var leadID: String?
    public var origin: LeadOrigin?
    /// Seconds since 1970: the evaluation time that windows and decay were measured from.
    public var now: Double
    public var rulesVersion: String
    public var scores: [CategoryScore]
    public var total: Double
    public var grade: String?
    public var stage: String
    public var route: String
    public var disqualifications: [Disqualification]
    public var flags: [String]
    public var fired: [FiredRule]
    /// The ids and categories of the program's rules, which `fired` points into.
    public var ruleNames: RuleNames
    /// With `explain`: every rule's conditions, leaf by leaf.
    public var explanation: [RuleTrace]?
    /// With `explain`: the grade and stage rows tried, in order (`grade A`, `stage sql`), until one held.
    public var tableExplanation: [RuleTrace]?
    /// For leads on a route the assignment configuration assigns: the team that takes it.
    public var placement: Placement?

    /// Which team's condition took the lead (nil: none did; the fallback queue takes it).
    public struct Placement: Sendable, Hashable {
        /// Index into the assignment plan's teams.
        public var team: Int?
        /// The teams tried before it, whose conditions did not hold.
        public var checked: [TeamCheck]
    }

    public struct TeamCheck: Sendable, Hashable {
        public var team: String
        public var verdict: LeafTrace.Verdict
    }
}

/// How one rule's conditions came out, leaf by leaf.
public struct RuleTrace: Sendable, Hashable {
    public var rule: String
    public var fired: Bool
    public var leaves: [LeafTrace]
}

/// One leaf expression's verdict, with the fields it found missing.
public struct LeafTrace: Sendable, Hashable {
    public enum Verdict: String, Sendable, Hashable {
        case `true`
        case `false`
        case missing
    }

    /// `when`, `unless`, `each`, or a grade or stage name.
    public var part: String
    public var expression: String
    public var line: Int
    public var verdict: Verdict
    public var missingFields: [String]
    /// What the leaf read: fields, event functions and derived values, with their values as shown to people.
    public var values: [Reading]

    public struct Reading: Sendable, Hashable {
        public var name: String
        public var value: String
    }
}

/// The ids and categories of a program's rules, in evaluation order: one object shared by the program's decisions.
public final class RuleNames: Sendable {
    public let ids: [String]
    /// Each rule's category; nil for disqualifiers.
    public let categories: [String?]
    /// Each id as a JSON string (quoted, escaped), and each rule's start as a fired rule in a decision's JSON
    /// (`{"id":…,"category":…,"points":`): written once here, copied into every decision that fires the rule. One
    /// array for all, read through a pointer: an array per rule would be retained at each copy.
    private let fragments: [UInt8]
    private let quotedIDRanges: [Range<Int>]
    private let firedJSONRanges: [Range<Int>]

    init(ids: [String], categories: [String?]) {
        self.ids = ids
        self.categories = categories
        var fragments: [UInt8] = []
        var quotedIDRanges: [Range<Int>] = []
        var firedJSONRanges: [Range<Int>] = []
        for (id, category) in zip(ids, categories) {
            var quoted = JSONWriter()
            quoted.string(id)
            let start = fragments.count
            fragments += quoted.finish()
            quotedIDRanges.append(start..<fragments.count)
            var fired = JSONWriter()
            fired.byte(UInt8(ascii: "{"))
            fired.key("id", first: true)
            fired.string(id)
            fired.key("category")
            fired.string(orNull: category)
            fired.key("points")
            let firedStart = fragments.count
            fragments += fired.finish()
            firedJSONRanges.append(firedStart..<fragments.count)
        }
        self.fragments = fragments
        self.quotedIDRanges = quotedIDRanges
        self.firedJSONRanges = firedJSONRanges
    }

    /// Writes rule `rule`'s id as a JSON string.
    public func writeQuotedID(_ rule: Int, into json: inout JSONWriter) {
        write(quotedIDRanges[rule], into: &json)
    }

    /// Writes the start of rule `rule` as a fired rule, up to its points' value.
    func writeFiredStart(_ rule: Int, into json: inout JSONWriter) {
        write(firedJSONRanges[rule], into: &json)
    }

    private func write(_ range: Range<Int>, into json: inout JSONWriter) {
        fragments.withUnsafeBytes { json.raw(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }
}

extension Decision {
    /// The id of a fired rule of this decision.
    public func id(_ rule: FiredRule) -> String { ruleNames.ids[rule.rule] }

    /// The category of a fired rule of this decision.
    public func category(_ rule: FiredRule) -> String? { ruleNames.categories[rule.rule] }

    /// The ids of the fired rules, in order.
    public var firedIDs: [String] { fired.map { ruleNames.ids[$0.rule] } }
}
