import YAML

/// The assignment configuration of a rules directory (`assign`, `reps`, `teams`, `fallback`, `accounts`, `sticky`),
/// checked and compiled with the rules: immutable, `Sendable`.
///
/// The rules evaluator matches teams (their conditions are rule expressions); the `Assignment` module picks owners.
public struct AssignmentPlan: Sendable {
    /// The routes whose leads become opportunities.
    public var routes: Set<String>
    /// The opportunity stage a new opportunity starts in.
    public var openingStage: String
    public var reps: [Rep]
    public var teams: [Team]
    /// Where leads that no team takes go.
    public var fallback: Queue
    public var accounts: AccountBook
    public var sticky: Sticky?
    /// Domains that say nothing about the company (free mail): never matched to accounts, never sticky by domain.
    public var ignoredDomains: Set<String>
    /// The `assign` defaults: also the working time of queues, whose SLA is counted in them.
    public var defaultTimeZone: String
    public var defaultHours: WeeklyHours
    /// Where the contact's e-mail and the company's domain or website are read from.
    public var emailPath: [String]
    public var domainPaths: [[String]]
    /// The key fields' paths, in the order the keys read them: the e-mail's, then each domain's.
    public var keyPaths: [[String]] { [emailPath] + domainPaths }
    /// Team conditions, by team index (nil: the team takes every lead that reaches it).
    var conditions: [Condition?]

    /// The index of the rep with this id.
    public func rep(_ id: String) -> Int? { reps.firstIndex { $0.id == id } }

    public struct Rep: Sendable, Equatable {
        public var id: String
        public var name: String
        public var email: String?
        /// An IANA time zone name, checked at compile time.
        public var timeZone: String
        public var hours: WeeklyHours
        public var dayCap: Int?
        public var weekCap: Int?
        /// Out-of-office periods: local dates, both ends included.
        public var away: [DateRange]
        public var active: Bool
        public var line: Int
    }

    public struct Team: Sendable, Equatable {
        public enum Strategy: String, Sendable, CaseIterable {
            case roundRobin = "round_robin"
            case weightedRoundRobin = "weighted_round_robin"
            case leastLoaded = "least_loaded"
        }

        public struct Member: Sendable, Hashable {
            /// Index into `reps`.
            public var rep: Int
            public var weight: Int
        }

        public var id: String
        public var strategy: Strategy
        public var members: [Member]
        /// For `least_loaded`: how far back assignments count.
        public var window: Double
        /// First-contact SLA, counted in the owner's working hours.
        public var sla: Double?
        public var overflow: Destination?
        public var playbook: String?
        /// The condition's text, for explanations.
        public var condition: String?
        public var line: Int
    }

    /// Where a lead goes when a team cannot take it.
    public enum Destination: Sendable, Hashable {
        case team(Int)
        case queue(String)
    }

    /// A queue: leads wait there without an owner.
    public struct Queue: Sendable, Equatable {
        public var name: String
        public var sla: Double?
        public var playbook: String?
    }

    public struct Sticky: Sendable, Equatable {
        public var window: Double
        public var byEmail: Bool
        public var byDomain: Bool
    }
}

extension AssignmentPlan {
    /// The names of the plan's stored properties that `assignsLike(_:)` compares (all but `conditions`): a test
    /// checks them against the type's, so that a property added later is compared too.
    static let comparedProperties: Set<String> = [
        "routes", "openingStage", "reps", "teams", "fallback", "accounts", "sticky", "ignoredDomains",
        "defaultTimeZone", "defaultHours", "emailPath", "domainPaths",
    ]

    /// Whether this plan gives any lead the owner, team or queue `other` gives it, from the same state and with the
    /// same placement (the teams its rules tried, `Decision.Placement`): every part of the two plans is the same,
    /// but for where the accounts file is and for the teams' conditions, whose verdicts the placement holds. Texts
    /// that only explain (a playbook, a rep's name, a line) are compared too: plans that differ only in them are
    /// taken for different, which costs replay a second simulation, never a wrong owner.
    public func assignsLike(_ other: AssignmentPlan) -> Bool {
        routes == other.routes && openingStage == other.openingStage && reps == other.reps && teams == other.teams
            && fallback == other.fallback && accounts.byDomain == other.accounts.byDomain
            && accounts.ambiguousQueue == other.accounts.ambiguousQueue && sticky == other.sticky
            && ignoredDomains == other.ignoredDomains && defaultTimeZone == other.defaultTimeZone
            && defaultHours == other.defaultHours && emailPath == other.emailPath && domainPaths == other.domainPaths
    }
}

/// Working hours per weekday, in local minutes since midnight (Monday first).
public struct WeeklyHours: Sendable, Hashable {
    /// Seven lists of half-open minute ranges, Monday to Sunday, sorted and not overlapping.
    public var days: [[Range<Int>]]

    public init(days: [[Range<Int>]]) {
        self.days = days
    }

    /// Every hour of every day.
    public static let always = WeeklyHours(days: Array(repeating: [0..<1440], count: 7))

    public var isEmpty: Bool { days.allSatisfy { $0.isEmpty } }
}

/// Local dates, both ends included, as days since 1970-01-01.
public struct DateRange: Sendable, Hashable {
    public var first: Int
    public var last: Int

    public init(first: Int, last: Int) {
        self.first = first
        self.last = last
    }

    public func contains(_ day: Int) -> Bool { first <= day && day <= last }
}

/// The accounts file: which account, and owner, each domain belongs to.
public struct AccountBook: Sendable {
    public struct Account: Sendable, Hashable {
        public var name: String
        /// Index into the plan's reps.
        public var owner: Int
        public var domain: String
        public var line: Int
    }

    /// Accounts by lower-cased domain.
    public var byDomain: [String: [Account]] = [:]
    /// The queue for leads whose accounts name several owners ("don't guess").
    public var ambiguousQueue: String = "account-review"
    public var file: String?

    public var isEmpty: Bool { byDomain.isEmpty }
}

extension Diagnostic.Message {
    static func unknownRep(_ name: String, _ suggestion: String?) -> Self {
        .init("unknown rep '\(name)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? ""))
    }
}
