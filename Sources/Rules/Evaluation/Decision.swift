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
    /// Each category's points, in the program's order (`ruleNames.categoryNames`); `scores` names them.
    public var categoryPoints: CategoryPoints
    public var total: Double
    public var grade: String?
    public var stage: String
    public var route: String
    public var disqualifications: [Disqualification]
    /// The flags raised, by their index in the program's flags (`ruleNames.flags`): a set of small numbers, where an
    /// array of names was an allocation per decision that raised one.
    var flagSet: SmallIndexSet
    public var fired: [FiredRule]
    /// The program's names, which `fired`, `categoryPoints`, the flags and the placement's teams point into.
    public var ruleNames: RuleNames
    /// With `explain`: every rule's conditions, leaf by leaf.
    public var explanation: [RuleTrace]?
    /// With `explain`: the grade and stage rows tried, in order (`grade A`, `stage sql`), until one held.
    public var tableExplanation: [RuleTrace]?
    /// For leads on a route the assignment configuration assigns: the team that takes it.
    public var placement: Placement?

    /// Whether the lead is on an assigned route (`placement` is not nil), read without copying the placement: `!= nil`
    /// on it compares two optionals of a type with an array, which copies and destroys one through its metadata,
    /// some 160 instructions for each lead.
    public var isPlaced: Bool {
        switch placement {
        case .none: false
        case .some: true
        }
    }

    /// Which team's condition took the lead (nil: none did; the fallback queue takes it).
    public struct Placement: Sendable, Hashable {
        /// Index into the assignment plan's teams.
        public var team: Int?
        /// How many teams were tried before it: the plan's first `tried`, in order, whose conditions did not hold.
        public var tried: Int
        /// Those of them whose conditions were unknown (a field missing) rather than false.
        var unknown: SmallIndexSet
        /// Where the lead's key fields are in its document, found with the rules' fields (`Program.keyPaths`). Not
        /// part of what the placement says: two placements are equal whatever these are.
        public var keyNodes: KeyNodes?

        init(team: Int?, tried: Int, unknown: SmallIndexSet, keyNodes: KeyNodes? = nil) {
            self.team = team
            self.tried = tried
            self.unknown = unknown
            self.keyNodes = keyNodes
        }

        /// The verdict of tried team `index` (`index < tried`): false, or missing when a field it reads was.
        public func verdict(_ index: Int) -> LeafTrace.Verdict { unknown.contains(index) ? .missing : .false }

        public static func == (a: Placement, b: Placement) -> Bool {
            a.team == b.team && a.tried == b.tried && a.unknown == b.unknown
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(team)
            hasher.combine(tried)
            hasher.combine(unknown)
        }
    }

    /// The nodes of an assigned lead's key fields in its document: the assignment plan's e-mail field, then each
    /// of its domain fields (-1 where the lead has none), found in the pass that finds the rules' fields. Assignment
    /// reads them (`LeadKeys.appendSources`) instead of searching the document for each field again.
    public struct KeyNodes: Sendable {
        /// The most fields held: the e-mail field and seven domain fields. A plan with more searches for them.
        public static let capacity = 8
        /// `Program.keyPathsHash` of the paths the nodes were found at: a reader of other paths searches.
        public let pathsHash: UInt64
        let nodes: SIMD8<Int32>

        init(pathsHash: UInt64, nodes: SIMD8<Int32>) {
            self.pathsHash = pathsHash
            self.nodes = nodes
        }

        /// The node of key field `index` (0: the e-mail, then the domains), or -1.
        public subscript(index: Int) -> Int { Int(nodes[index]) }

        /// The hash that names a list of key paths (`pathsHash`): `FoldedText.wordHash` of their keys, each key
        /// ended by a 0 and each path by a 1.
        public static func pathsHash(_ paths: [[String]]) -> UInt64 {
            var bytes: [UInt8] = []
            for path in paths {
                for key in path {
                    bytes.append(contentsOf: key.utf8)
                    bytes.append(0)
                }
                bytes.append(1)
            }
            return bytes.withUnsafeBufferPointer { FoldedText.wordHash($0, folding: false).hash }
        }
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

/// The names a program's decisions point into: its rules' ids and categories (in evaluation order), its categories,
/// its flags and its assignment plan's teams. One object shared by the program's decisions.
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

    /// The program's categories, which a decision's `categoryPoints` follow.
    public let categoryNames: [String]
    /// The program's flags, which a decision's flags point into.
    public let flags: [String]
    /// The assignment plan's team ids, which a placement's tried teams point into.
    public let teams: [String]

    init(
        ids: [String],
        categories: [String?],
        categoryNames: [String] = [],
        flags: [String] = [],
        teams: [String] = []
    ) {
        self.ids = ids
        self.categories = categories
        self.categoryNames = categoryNames
        self.flags = flags
        self.teams = teams
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
    /// Each category's score, named, in the program's order.
    public var scores: [CategoryScore] {
        (0..<categoryPoints.count).map { CategoryScore(name: categoryName($0), points: categoryPoints[$0]) }
    }

    /// The name of category `index` of `categoryPoints`.
    public func categoryName(_ index: Int) -> String { ruleNames.categoryNames[index] }

    /// The names of the flags raised, in the program's order.
    public var flags: [String] { flagSet.map { ruleNames.flags[$0] } }

    /// The teams tried before the lead's team, with their verdicts, in order (empty when the lead is not placed).
    public var checkedTeams: [TeamCheck] {
        guard let placement else { return [] }
        return (0..<placement.tried).map { TeamCheck(team: ruleNames.teams[$0], verdict: placement.verdict($0)) }
    }

    /// The id of a fired rule of this decision.
    public func id(_ rule: FiredRule) -> String { ruleNames.ids[rule.rule] }

    /// The category of a fired rule of this decision.
    public func category(_ rule: FiredRule) -> String? { ruleNames.categories[rule.rule] }

    /// The ids of the fired rules, in order.
    public var firedIDs: [String] { fired.map { ruleNames.ids[$0.rule] } }
}

/// A decision's points per category, in its program's order: up to four kept in place, where an array of their own
/// was an allocation (and a release of each category's name) per decision; more in an array.
public struct CategoryPoints: Sendable, Hashable, RandomAccessCollection {
    private var first: SIMD4<Double> = .zero
    private var more: [Double] = []
    public let count: Int

    public init(_ points: some Collection<Double>) {
        count = points.count
        if count <= 4 {
            for (index, value) in points.enumerated() { first[index] = value }
        } else {
            more = Array(points)
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(index: Int) -> Double {
        precondition(index >= 0 && index < count, "category index out of range")
        return count <= 4 ? first[index] : more[index]
    }
}

/// A set of small non-negative integers (flag and team indices): those under 64 as bits, any others in an array that
/// stays empty (unallocated) in practice. Iterated in ascending order.
struct SmallIndexSet: Sendable, Hashable, Sequence {
    private var bits: UInt64 = 0
    private var more: [Int] = []

    init() {}

    init(_ indices: some Sequence<Int>) {
        for index in indices { insert(index) }
    }

    var isEmpty: Bool { bits == 0 && more.isEmpty }

    mutating func insert(_ index: Int) {
        if index < 64 {
            bits |= 1 << UInt64(index)
        } else if !more.contains(index) {
            more.append(index)
            more.sort()
        }
    }

    func contains(_ index: Int) -> Bool {
        index < 64 ? bits & (1 << UInt64(index)) != 0 : more.contains(index)
    }

    func makeIterator() -> Iterator { Iterator(bits: bits, more: more) }

    struct Iterator: IteratorProtocol {
        var bits: UInt64
        let more: [Int]
        var position = 0

        mutating func next() -> Int? {
            if bits != 0 {
                let index = bits.trailingZeroBitCount
                bits &= bits - 1
                return index
            }
            guard position < more.count else { return nil }
            position += 1
            return more[position - 1]
        }
    }
}
