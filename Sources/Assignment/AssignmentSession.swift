import GRDB
internal import GRDBSQLite
import Glibc
import Leads
import Rules
import YAML

/// One batch's assignment, inside its transaction: the state is read once per team and rep, kept here while the
/// batch runs, and the changed rotation and presence rows written back at the end.
struct AssignmentSession {
    let plan: AssignmentPlan
    let clocks: [RepClock]
    /// The state's connection, inside the batch's transaction; nil in an owner simulation, whose state is held in
    /// memory (`Memory`).
    let connection: Database?

    /// The state's connection: an owner simulation's session never reads or writes it (its teams count as read,
    /// its sticky keys as looked up, its texts as not shared), so asking for it there is a bug.
    var db: Database {
        get throws {
            guard let connection else {
                throw DatabaseError(message: "an owner simulation has no state to read or write")
            }
            return connection
        }
    }

    struct Rotation {
        var lastSeq: Int64?
        var credit: Double
    }

    struct Presence {
        var away: Bool
        var returnedAt: Double?
        var offset: Double
    }

    /// Per team member (its slot: `Texts.slotBase` of its team plus its place in the team's members): its
    /// rotation and presence rows, read once per team, and whether the batch changed them.
    var rotation: [Rotation?]
    var presence: [Presence?]
    var rotationChanged: [Bool]
    var presenceChanged: [Bool]
    /// Per team: whether its rotation and presence rows are read.
    var loadedTeams: [Bool]
    /// Members by their place in the team, emptied and used again for each lead: those in working hours, those
    /// outside them, those away.
    var inHoursScratch: [Int] = []
    var offHoursScratch: [Int] = []
    var absentScratch: [Int] = []
    /// Per team: the `now` at which every member was found capped or away in this batch, and the skipped steps
    /// that said so (offered to the shared texts at their second lead).
    var exhaustedTeams: [Int: (now: Double, steps: SharedText, offered: Bool)] = [:]
    /// By matched team: the steps from its strategy on and the queue they end in, once every team its overflow went
    /// through was found capped or away at `now` and their steps were offered to the shared texts (`exhaustedTeams`):
    /// the batch's next leads of the team at that `now` take them whole instead of walking the teams again.
    var exhaustedTails: [ExhaustedTail?] = []
    /// By matched team, the steps of its `exhaustedTails` entry as a chain, for when they are not one shared text.
    var exhaustedTailSteps: [Opportunity.ReasonChain] = []

    /// Plain values only (the steps' chain is apart, in `exhaustedTailSteps`): every lead queued behind a full team
    /// reads its team's tail, which then costs no reference count.
    struct ExhaustedTail {
        let now: Double
        /// The steps as one shared text of the state, when they are one (`sharedStep`): a stored record refers to
        /// the whole tail at once.
        let text: SharedText
        let choice: Choice
    }
    /// The strategy steps already written in this batch (most leads of a team repeat a few of them), made shared
    /// texts of the state (`sharedStep`) at their second lead.
    var strategySteps: [StrategyStep: (text: SharedText, offered: Bool)] = [:]

    /// What a strategy step says: the same key, the same text.
    struct StrategyStep: Hashable {
        var team: Int
        var chosen: Int
        var first: Int
        var second: Int
    }
    /// Per rep: assignments in its current local day and week (caps) and in load windows, read from the ledger
    /// once, then kept up to date during the batch.
    var dayCounts: [RangeCount?]
    var weekCounts: [RangeCount?]
    var loadCounts: [[RangeCount]]
    /// Ledger records of the batch's leads, read up front (lead -> JSON), and the batch's own new records.
    var recorded: [ArenaKey: String] = [:]
    /// By lead: where the record of each opportunity recorded in this batch lies in `output` (a lead twice in a
    /// batch gets it back, as from the ledger).
    var assignedInBatch: [ArenaKey: Range<Int>] = [:]
    /// The records of the batch's opportunities, one after the other, as JSON (`Opportunity.writeJSON`): the
    /// ledger binds each from here, and the outbox writes each from here. One buffer for the batch, not one per
    /// lead.
    private(set) var records = ByteBuffer()
    /// `records`' storage: each record read by its range.
    var output: [UInt8] { records.storage }
    /// The reason chain, emptied and used again for each lead.
    var scratch = Opportunity.ReasonChain(capacity: 1024)
    /// Whether records are stored with references to the plan's shared texts (`SharedText`): known once they are
    /// in the state's `fragments` table; nil until `prefetch` finds out.
    var sharing: Bool?
    /// Whether this session wrote the plan's shared texts to the state: the assigner knows them to be there
    /// once its transaction commits.
    private(set) var registeredSharing: Bool?
    /// The shared texts this process's committed batches wrote (`KnownFragments`), and those this batch wrote.
    let fragments: KnownFragments?
    /// The statements the session runs many times, prepared once on the store's connection (the store's).
    let statements: PreparedStatements
    private(set) var learntFragments: [(hash: UInt64, bytes: [UInt8])] = []
    /// Runs of shared steps seen in this batch (`referenceUnits`).
    var sharedRuns: [RunKey: SharedRun] = [:]
    /// The units of the record being stored (`referenceUnits`), emptied and used again for each lead.
    var unitScratch: [(offset: Int, count: Int, hash: UInt64)] = []
    /// Per clock (the queues' first, then each rep's) and SLA (`slas`), the last first-contact due time worked out
    /// (`RepClock.due`), with its `now`: a batch's leads share one `now`, so an owner's next lead of a team nearly
    /// always has the same, found without walking the clock's hours again.
    var dues: [(now: Double, due: Double)?]
    /// The SLAs of the plan's teams and fallback queue, each once.
    let slas: [Double]
    /// Records' heads written in this batch (`Head`).
    var heads: [Head.Key: Int] = [:]
    /// The heads of `heads`, by the number it gives them, read in place (a copy of a head retains its texts).
    var headList: [Head] = []
    /// Per owner (or none) and team (or none), the last head a record took: the next lead of that owner and team
    /// nearly always has the same (one `now`, one due time), found without hashing its key. Leads of one owner
    /// come mixed with others' (sticky owners), so a single last head would seldom be the next lead's.
    var lastHeads: [(key: Head.Key, index: Int)?]
    /// Shared texts read back for records replayed from the ledger, by hash.
    var sharedTexts: [UInt64: [UInt8]] = [:]
    /// Whether `write` also gives each opportunity as a value (`Assigner`'s callers), not only its record.
    var buildsOpportunities = false
    /// The opportunities as values, when `buildsOpportunities` (`Written.opportunity`).
    private(set) var opportunities: [Ledger.OpportunityBox] = []
    /// The day of the last sticky owner's time written in a step (`stickyDay`), as `2026-11-29` in `arena`.
    var lastStickyDay: (day: Double, bytes: UnsafeBufferPointer<UInt8>)?
    /// Per sticky key by domain, the last sticky step written for it in this batch.
    var stickySteps: [ArenaKey: StickyStep] = [:]

    /// A company's sticky step written in this batch, with what it says (`stickySteps`). Plain values only (the
    /// step's bytes are the session arena's), so that finding it, for nearly every lead, costs no reference count.
    struct StickyStep {
        /// The owner (a rep), when it got the key, and why it was passed over: away (`absence`, the index of the text
        /// that says so in `absences`, -1 for none), or at a cap (neither: it was not).
        let owner: Int
        let at: Double
        let absence: Int
        let cap: Cap?
        var step: SharedText
        /// Whether the step was offered to the state's shared texts (at its second lead).
        var offered = false

        /// Whether the step says what a lead's would.
        func matches(owner: Int, at: Double, absence: Int, cap: Cap?) -> Bool {
            self.owner == owner && self.at == at && self.absence == absence && self.cap == cap
        }
    }
    /// The texts of absences that passed sticky owners over in this batch (`StickyStep.absence`), by their index.
    var absences: [String: Int] = [:]

    /// The index of `text` in `absences`, added when new.
    mutating func absence(_ text: String?) -> Int {
        guard let text else { return -1 }
        if let index = absences[text] { return index }
        absences[text] = absences.count
        return absences.count - 1
    }
    /// Sticky owners read or written in this batch (nil: none): each the state's row, or the row the batch writes
    /// at its end (its key in `dirtySticky`).
    var sticky: [ArenaKey: StickyOwner?] = [:]
    /// Whether `prefetch` put in `sticky` every sticky key of the batch's leads the state may hold: a key of the
    /// batch not in `sticky` then has no owner, known without asking the filter again.
    var stickyPrefetched = false
    var dirtySticky: Set<ArenaKey> = []
    /// The sticky owners the process's last batches left (`RememberedSticky`), when it remembers them: taken by
    /// `prefetch` when they hold for the state as this batch found it, and kept again by `save`.
    let rememberedSticky: RememberedSticky?
    var stickyOwners: RememberedSticky.Owners?
    /// Per owner of `stickyOwners` (`Owners.reps`), its index in the plan's reps (nil when the plan has no such rep).
    var stickyOwnerReps: [Int?] = []
    /// The batch's keys (`prefetch`), whose arena holds the bytes of the keys above.
    var batchKeys: BatchKeys?
    /// Where the keys read from the state's rows, the texts the batch makes (`SharedText`) and its records' heads
    /// keep their bytes, for as long as the session lives.
    let arena = KeyArena(capacity: 1 << 16)
    /// Per rep, the last `offHours` step and the `now` it was made for.
    /// `offered`: whether the step was offered to the state's shared texts (at its second lead).
    var offHoursTexts: [(now: Double, step: SharedText, offered: Bool)?]
    /// Per rep, whether it could take a lead at the `now` it was last asked for (inactive or out of office: why
    /// not) and whether that `now` is in its working hours: the same for every lead of a batch decided at one `now`.
    var presenceAt: [(now: Double, unavailable: String?, working: Bool)?]
    /// The records of the batch's new opportunities as the ledger stores them, with references to shared texts
    /// (`storeRecord`), one after the other; a record stored as written is not copied here (`Ledger.Columns`).
    private(set) var storedRecords = ByteBuffer()
    /// `storedRecords`' storage: each record read by its range.
    var stored: [UInt8] { storedRecords.storage }
    /// The ledger's text columns of the batch's heads (`Head.columns`), one after the other: bound from here.
    private(set) var columnTexts: [UInt8] = []
    /// Per rep: the times of its assignments in this batch, which the state's counts (`assignment_counts`) hold
    /// only once the batch's rows are written (`count`, `rowsWritten`).
    var assignedTimes: [[Double]]
    /// The keys the state holds, when its process remembers them (`KnownKeys`), and the filter this batch took.
    let known: KnownKeys?
    var filter: KnownKeys.Filter?
    /// The ledger's last number given (`counters`), once read; saved with the batch.
    var lastSeq: Int64?
    /// The ledger's last number as the batch found it, once read.
    var startSeq: Int64?
    /// The counts the process's last batch left (`RememberedCounts`), when it remembers them; once looked up, the
    /// counts for the state as this batch found it, if they hold for it.
    let remembered: RememberedCounts?
    var countsBase: RememberedCounts.Counts??
    /// Whether the batch's rows were written (`rowsWritten`) before its end.
    var wroteRows = false
    /// Per rep: its assignments in this batch.
    var batchAssigned: [Int]
    /// In an owner simulation (`Memory`): the leads assigned so far, by lead, and the arena that keeps their keys
    /// and the sticky keys from batch to batch; nil in a batch on the state.
    var kept: (ledger: [ArenaKey: Choice], arena: KeyArena)?
    /// Whether the state has ledger rows of its own (`ledger_rows`), from before opportunities were kept on their
    /// decisions: looked up with the decisions when it has.
    var legacyRows = false

    /// A sticky key's owner, by index: copied without a reference count. The sticky table holds their ids; a row
    /// read back whose owner the plan no longer has (`rep` nil) gives no owner, and is never written back.
    struct StickyOwner {
        /// The owner's index in the plan's reps, nil when the plan has no such rep.
        var rep: Int?
        /// When the key was last assigned to the owner.
        var at: Double
    }

    /// Assignments in [from, until).
    struct RangeCount {
        var from: Double
        var until: Double
        var count: Int

        func covers(_ time: Double) -> Bool { from <= time && time < until }
    }

    /// What does not change from lead to lead, made once per plan: the reasons' fixed texts, the queue's clock, the
    /// teams' starting rotations.
    let texts: Texts

    struct Texts: Sendable {
        /// Steps of the reason chain, as their JSON (`ReasonChain.fragment`), per team or rep.
        var teamFalse: [SharedText]
        var teamUnknown: [SharedText]
        var teamMatched: [SharedText]
        var noTeam: SharedText
        var dayCap: [String?]
        var weekCap: [String?]
        /// Per rep: skipped because its day or week cap is reached.
        var dayCapSkipped: [SharedText?]
        var weekCapSkipped: [SharedText?]
        var overflow: [SharedText]
        var noneInHours: [SharedText]
        var fallback: SharedText
        /// Per rep: its id, name and address as a record holds them (`Opportunity.writeOwner`).
        var owners: [SharedText]
        /// The reps by id, their ids' bytes kept in `arena`: an owner read from the state is found without a text.
        var repIDs: [ArenaKey: Int] = [:]
        /// Per rep, its id (the key of `repIDs`), read in place, without a reference count.
        var repIDKeys: [ArenaKey] = []
        /// Per team, then the fallback queue's: the playbook as a record holds it (a JSON string).
        var playbooks: [SharedText?]
        /// Every text above, for the state's `fragments` table.
        var shared: [SharedText] {
            var all = teamFalse + teamUnknown + teamMatched + [noTeam, fallback] + overflow + noneInHours + owners
            all += (dayCapSkipped + weekCapSkipped + playbooks).compactMap { $0 }
            return all
        }
        /// The clock of leads without an owner: the default time zone and hours.
        var queueClock: RepClock
        /// Where the texts above keep their bytes.
        let arena = KeyArena(capacity: 1 << 14)
        /// Per team, each member's place in its starting rotation (`rotatedOrder`), by its place in the team.
        var rotatedOrders: [[Int]]
        /// Per team: where its members' slots start (see `rotation`); and the slots of every team.
        var slotBase: [Int]
        var slotCount: Int

        init(plan: AssignmentPlan) {
            queueClock = RepClock(timeZone: plan.defaultTimeZone, hours: plan.defaultHours)
            rotatedOrders = plan.teams.map(AssignmentSession.rotatedOrder)
            var base = 0
            slotBase = plan.teams.map { team in
                defer { base += team.members.count }
                return base
            }
            slotCount = base
            let arena = arena
            func step(_ step: String, _ detail: String, rep: String? = nil) -> SharedText {
                SharedText(Opportunity.ReasonChain.fragment(step: step, detail: detail, rep: rep), in: arena)
            }
            for (index, rep) in plan.reps.enumerated() {
                // The first with an id, as `AssignmentPlan.rep` finds it.
                let id = arena.key(rep.id)
                if repIDs[id] == nil { repIDs[id] = index }
                repIDKeys.append(id)
            }
            owners = plan.reps.map { rep in
                var json = JSONWriter(capacity: 128)
                Opportunity.writeOwner(&json, id: rep.id, name: rep.name, email: rep.email)
                return SharedText(json.finish(), in: arena)
            }
            func playbook(_ text: String?) -> SharedText? {
                guard let text else { return nil }
                var json = JSONWriter(capacity: text.utf8.count + 16)
                json.string(text)
                return SharedText(json.finish(), in: arena)
            }
            playbooks = plan.teams.map { playbook($0.playbook) } + [playbook(plan.fallback.playbook)]
            teamFalse = plan.teams.map { step("team", "team \($0.id): condition false") }
            teamUnknown = plan.teams.map {
                step("team", "team \($0.id): condition unknown (a field it reads is missing)")
            }
            teamMatched = plan.teams.map { team in
                let condition = team.condition.map { "condition `\($0)` holds" } ?? "takes every lead that reaches it"
                return step("team", "team \(team.id) (line \(team.line)): \(condition)")
            }
            noTeam = step("team", "no team's condition holds")
            dayCap = plan.reps.map { rep in rep.dayCap.map { "day cap \($0) reached" } }
            weekCap = plan.reps.map { rep in rep.weekCap.map { "week cap \($0) reached" } }
            dayCapSkipped = zip(plan.reps, dayCap).map { rep, text in text.map { step("skipped", $0, rep: rep.id) } }
            weekCapSkipped = zip(plan.reps, weekCap).map { rep, text in text.map { step("skipped", $0, rep: rep.id) } }
            overflow = plan.teams.map { team in
                let detail =
                    switch team.overflow {
                    case .team(let next):
                        "no member of \(team.id) can take it: overflow to team \(plan.teams[next].id)"
                    case .queue(let queue): "no member of \(team.id) can take it: overflow to queue \(queue)"
                    case nil: "no member of \(team.id) can take it and it has no overflow"
                    }
                return step("overflow", detail)
            }
            noneInHours = plan.teams.map { team in
                step(
                    "hours",
                    "no available member of \(team.id) is in working hours; choosing among all of them, "
                        + "the SLA counts from the owner's next working hour"
                )
            }
            fallback = step("queue", "queued to the fallback queue \(plan.fallback.name)")
        }
    }

    init(
        plan: AssignmentPlan,
        clocks: [RepClock],
        texts: Texts,
        sharing: Bool? = nil,
        known: KnownKeys? = nil,
        fragments: KnownFragments? = nil,
        counts: RememberedCounts? = nil,
        stickyOwners: RememberedSticky? = nil,
        statements: PreparedStatements = PreparedStatements(),
        db: Database?
    ) {
        rememberedSticky = stickyOwners
        self.known = known
        self.fragments = fragments
        self.statements = statements
        remembered = counts
        self.sharing = sharing
        self.plan = plan
        self.clocks = clocks
        self.texts = texts
        connection = db
        dayCounts = Array(repeating: nil, count: plan.reps.count)
        weekCounts = Array(repeating: nil, count: plan.reps.count)
        loadCounts = Array(repeating: [], count: plan.reps.count)
        offHoursTexts = Array(repeating: nil, count: plan.reps.count)
        loadedTeams = Array(repeating: false, count: plan.teams.count)
        exhaustedTails = Array(repeating: nil, count: plan.teams.count)
        exhaustedTailSteps = Array(repeating: Opportunity.ReasonChain(), count: plan.teams.count)
        rotation = Array(repeating: nil, count: texts.slotCount)
        presence = Array(repeating: nil, count: texts.slotCount)
        rotationChanged = Array(repeating: false, count: texts.slotCount)
        presenceChanged = Array(repeating: false, count: texts.slotCount)
        presenceAt = Array(repeating: nil, count: plan.reps.count)
        lastHeads = Array(repeating: nil, count: (plan.reps.count + 1) * (plan.teams.count + 1))
        var slas: [Double] = []
        for sla in plan.teams.map(\.sla) + [plan.fallback.sla] {
            if let sla, !slas.contains(sla) { slas.append(sla) }
        }
        self.slas = slas
        dues = Array(repeating: nil, count: (plan.reps.count + 1) * max(slas.count, 1))
        assignedTimes = Array(repeating: [], count: plan.reps.count)
        batchAssigned = Array(repeating: 0, count: plan.reps.count)
    }

    /// Reads the ledger records and sticky owners of a batch's leads up front: one query for each table, which
    /// takes the batch's keys as one JSON array (`json_each`) and looks each up by its index, instead of a query
    /// per key (each execution of a statement costs about as much as the lookup itself). A key with a NUL character,
    /// which SQLite's JSON functions cut short, is looked up on its own.
    mutating func prefetch(_ batch: BatchKeys) throws {
        batchKeys = batch
        let keys = batch.leads
        if sharing == nil {
            let registered = try SharedText.register(texts.shared, db)
            sharing = registered
            registeredSharing = registered
        }
        // Sized once for the batch: grown from empty, they would hash every key again at each doubling (and the
        // output copy itself).
        assignedInBatch.reserveCapacity(keys.count)
        records.reserve(1400 * keys.count)
        storedRecords.reserve(512 * keys.count)
        if plan.sticky != nil {
            sticky.reserveCapacity(3 * keys.count)
        }
        legacyRows = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM ledger_rows)")) ?? false
        filter = try known?.current(db)
        // Only the leads the state may hold are looked up (all of them, when it is not known what it holds).
        var leads = KeyList(capacity: keys.count)
        var again = KeyList(capacity: legacyRows ? keys.count : 0)
        for keys in keys where filter?.mayContain(keys.lead.hash) != false {
            leads.append(keys.lead.bytes)
            if legacyRows { again.append(keys.lead.bytes) }
        }
        // A lead's opportunity is its first: the one it got, which it keeps.
        func found(_ row: SQLiteStatement) {
            guard let lead = RowWriter.text(row, 0) else { return }
            let key = arena.key(lead)
            if recorded[key] == nil { recorded[key] = RowWriter.text(row, 1) }
        }
        if legacyRows {
            try again.rows(
                db,
                "SELECT l.lead, l.record FROM json_each(?) AS j CROSS JOIN ledger_rows AS l ON l.lead = j.value",
                "SELECT lead, record FROM ledger_rows WHERE lead = ?",
                found
            )
        }
        try leads.rows(
            db,
            """
            SELECT d.lead, d.opportunity FROM json_each(?) AS j CROSS JOIN decisions AS d ON d.lead = j.value
            WHERE d.opportunity IS NOT NULL ORDER BY d.id
            """,
            "SELECT lead, opportunity FROM decisions WHERE lead = ? AND opportunity IS NOT NULL ORDER BY id",
            found
        )
        guard plan.sticky != nil else { return }
        if let rememberedSticky {
            stickyOwners = rememberedSticky.take(at: try ledgerStart(), version: try dataVersion())
            stickyOwnerReps = stickyOwners?.reps.map { plan.rep($0) } ?? []
        }
        var stickyKeys = KeyList(capacity: 2 * keys.count)
        for keys in keys {
            // A key the state does not hold has no owner: only those it may hold are marked and looked up, each
            // once, unless the process remembers its owner.
            for stickyKey in keys.stickyKeys where filter?.mayContain(stickyKey.hash) != false {
                guard sticky[stickyKey] == nil else { continue }
                if let owner = stickyOwners?.keys[stickyKey] {
                    sticky[stickyKey] = .some(StickyOwner(rep: stickyOwnerReps[Int(owner.rep)], at: owner.at))
                    continue
                }
                // Known to have no owner unless the query finds one.
                sticky[stickyKey] = .some(nil)
                stickyKeys.append(stickyKey.bytes)
            }
        }
        let reps = texts.repIDs
        try stickyKeys.rows(
            db,
            "SELECT s.key, s.owner, s.at FROM json_each(?) AS j CROSS JOIN sticky AS s ON s.key = j.value",
            "SELECT key, owner, at FROM sticky WHERE key = ?"
        ) { row in
            // Read in place: the key is one of the batch's, marked above, and the owner one of the plan's reps (or
            // a rep it no longer has).
            guard let key = RowWriter.borrowedText(row, 0), let base = key.baseAddress,
                let owner = RowWriter.borrowedText(row, 1), let at = RowWriter.real(row, 2),
                let index = sticky.index(forKey: ArenaKey(base: base, count: key.count, hash: HashedKey.hash(key)))
            else { return }
            let rep = owner.baseAddress.flatMap {
                reps[ArenaKey(base: $0, count: owner.count, hash: HashedKey.hash(owner))]
            }
            sticky.values[index] = StickyOwner(rep: rep, at: at)
        }
        stickyPrefetched = true
    }

    /// Keys to look up in one query: a JSON array of them, and apart, those with a NUL character.
    struct KeyList: ~Copyable {
        var json: JSONWriter
        var count = 0
        var apart: [[UInt8]] = []

        init(capacity: Int) {
            json = JSONWriter(capacity: 24 * capacity + 16)
            json.byte(UInt8(ascii: "["))
        }

        mutating func append(_ key: UnsafeBufferPointer<UInt8>) {
            if let base = key.baseAddress, memchr(base, 0, key.count) != nil { return apart.append(Array(key)) }
            if count > 0 { json.byte(UInt8(ascii: ",")) }
            json.string(bytes: key)
            count += 1
        }

        /// Runs `batched` on the array (its one parameter), then `single` on each key apart, handing every row
        /// found to `row`.
        consuming func rows(
            _ db: Database,
            _ batched: String,
            _ single: String,
            _ row: (SQLiteStatement) throws -> Void
        ) throws {
            let apart = apart
            if count > 0 {
                json.byte(UInt8(ascii: "]"))
                var query = RowWriter(try db.cachedStatement(sql: batched))
                query.text(json.finish())
                try query.rows(db, row)
            }
            for key in apart {
                var query = RowWriter(try db.cachedStatement(sql: single))
                query.text(String(decoding: key, as: UTF8.self))
                try query.rows(db, row)
            }
        }
    }

    // MARK: - One lead

    /// Where one lead's record was written in `output`.
    struct Written {
        var range: Range<Int>
        /// The ledger already held the lead: its recorded assignment, again.
        var replayed: Bool
        /// Where the opportunity itself is in `opportunities`, when `buildsOpportunities`: an index, so that a
        /// written record holds no reference and is copied as plain bytes.
        var opportunity: Int?
        /// The ledger's columns for a new opportunity, written on its decision's row; nil when replayed.
        var columns: Ledger.Columns?
    }

    /// Who takes a lead: an owner, or a queue. Indices and cases only, named from the plan when written: a copy
    /// (every lead's choice is copied several times) retains nothing.
    struct Choice {
        var owner: Int?
        var queue: Queue?
        var team: Int?
        var method: Method
        /// The owner's slot in the team whose strategy picked it (see `rotation`).
        var slot: Int?
    }

    /// How a lead got its owner or queue: the record's `method`.
    enum Method: Hashable {
        case account
        case sticky
        case strategy(AssignmentPlan.Team.Strategy)
        case overflow
        case fallback

        var text: String {
            switch self {
            case .account: "account"
            case .sticky: "sticky"
            case .strategy(let strategy): strategy.rawValue
            case .overflow: "overflow"
            case .fallback: "fallback"
            }
        }
    }

    /// Which queue takes a lead: the fallback queue, the accounts' queue of leads several owners claim, or the
    /// overflow queue of a team.
    enum Queue: Hashable {
        case fallback
        case ambiguous
        case overflow(team: Int)
    }

    /// The name of `queue` in the plan.
    func name(_ queue: Queue?) -> String? {
        switch queue {
        case nil: nil
        case .fallback: plan.fallback.name
        case .ambiguous: plan.accounts.ambiguousQueue
        case .overflow(let team):
            if case .queue(let name) = plan.teams[team].overflow { name } else { nil }
        }
    }

    /// Assigns one lead and writes its record to `output` (and the ledger), from the three parts of the decision it
    /// reads: a caller holding the decision in an object passes them without copying the whole decision (a
    /// reference count per array and string), which matters inside the state's transaction. Nil when the lead is
    /// not on an assigned route.
    mutating func write(
        placement: Decision.Placement?,
        now: Double,
        keys: LeadKeys
    ) throws -> Written? {
        guard let placement else { return nil }
        if let earlier = assignedInBatch[keys.lead] {
            return try replay(String(decoding: records.storage[earlier], as: UTF8.self), lead: keys.lead.text)
        }
        if !recorded.isEmpty, let record = recorded[keys.lead] {
            return try replay(record, lead: keys.lead.text)
        }
        var reasons = Opportunity.ReasonChain()
        swap(&reasons, &scratch)
        reasons.removeAll()
        defer { swap(&reasons, &scratch) }
        let choice = try choose(placement: placement, now: now, keys: keys, reasons: &reasons)
        return try record(keys: keys, now: now, choice: choice, reasons: reasons)
    }

    /// The owner or queue for a lead, in order: account owner, sticky owner, the team's strategy and overflow,
    /// the fallback queue; each step found is added to `reasons`.
    mutating func choose(
        placement: Decision.Placement,
        now: Double,
        keys: LeadKeys,
        reasons: inout Opportunity.ReasonChain
    ) throws -> Choice {
        for index in 0..<placement.tried {
            reasons.append(placement.verdict(index) == .missing ? texts.teamUnknown[index] : texts.teamFalse[index])
        }
        let matchedTeam = placement.team
        if let index = matchedTeam {
            reasons.append(texts.teamMatched[index])
        } else {
            reasons.append(texts.noTeam)
        }
        // 1. The account owner.
        // Nearly every lead's match is held by its keys; the batch's keys are read only for the others.
        switch keys.account.held ?? batchKeys?.account(keys) ?? .none(nil) {
        case .none(let detail):
            if let detail { reasons.append(step: "account", detail: detail) }
        case .unmatched:
            // "no account for acme.com or acme.de": the domains in the order they were tried.
            reasons.beginStep(#"{"step":"account","detail":"no account for "#)
            var first = true
            if let domain = keys.emailDomain {
                reasons.appendDetail(domain.bytes)
                first = false
            }
            for domain in keys.companyDomains {
                if !first { reasons.appendDetail(" or ") }
                reasons.appendDetail(domain.bytes)
                first = false
            }
            reasons.endStep()
        case .ambiguous(let detail):
            reasons.append(step: "account", detail: detail)
            let queue = plan.accounts.ambiguousQueue
            reasons.append(step: "queue", detail: "several owners claim this lead's account: queued to \(queue)")
            return Choice(owner: nil, queue: .ambiguous, team: matchedTeam, method: .account)
        case .owner(let rep, let detail):
            // Caps hold for every source: an owner at a cap is passed over, as a sticky owner is.
            if let unavailable = try available(rep, at: now).unavailable
                ?? capReached(rep, at: now).map({ capText($0, rep) })
            {
                reasons.append(step: "account", detail: "\(detail); passed over: \(unavailable)")
            } else {
                reasons.append(step: "account", detail: detail)
                return Choice(owner: rep, queue: nil, team: matchedTeam, method: .account)
            }
        }
        // 2. The sticky owner.
        if let sticky = plan.sticky, let (rep, key, at) = try stickyOwner(keys, sticky: sticky, now: now) {
            // Why the owner is passed over, if it is: away (rare, a text), or at a cap (compared as the cap).
            let unavailable = available(rep, at: now).unavailable
            let cap = unavailable == nil ? try capReached(rep, at: now) : nil
            // (A muted chain, an owner simulation's, takes no step.)
            if !reasons.muted {
                try appendStickyStep(key: key, rep: rep, at: at, unavailable: unavailable, cap: cap, to: &reasons)
            }
            if unavailable == nil, cap == nil {
                return Choice(owner: rep, queue: nil, team: matchedTeam, method: .sticky)
            }
        }
        // 3. The team's strategy, then its overflow.
        if let index = matchedTeam, let tail = exhaustedTails[index], tail.now == now {
            // As one unit (`ReasonChain.appendWhole`) when the steps are one shared text, else step by step.
            if tail.text.shareable {
                reasons.appendWhole(tail.text)
            } else {
                reasons.append(contentsOf: exhaustedTailSteps[index])
            }
            return tail.choice
        }
        let strategyMark = reasons.count
        var current = matchedTeam
        var visited = VisitedTeams()
        /// The queue a lead of team `matched` ends in, kept with its steps for the batch's next leads when every
        /// team it went through was found exhausted and its steps are as the next leads will have them.
        func queued(_ choice: Choice, matched: Int?, through teams: VisitedTeams) throws -> Choice {
            guard let matched else { return choice }
            for team in teams.members(upTo: plan.teams.count) {
                guard let exhausted = exhaustedTeams[team], exhausted.now == now, exhausted.offered || sharing != true
                else { return choice }
            }
            let steps = reasons.steps(after: strategyMark)
            let text = try steps.withBytes { try sharedStep($0) }
            exhaustedTails[matched] = ExhaustedTail(now: now, text: text, choice: choice)
            exhaustedTailSteps[matched] = steps
            return choice
        }
        while let index = current, visited.insert(index) {
            // The team's fields read in place: a copy of the team retains each of its arrays and strings.
            if let (rep, slot) = try pick(team: index, now: now, reasons: &reasons) {
                return Choice(
                    owner: rep,
                    queue: nil,
                    team: index,
                    method: .strategy(plan.teams[index].strategy),
                    slot: slot
                )
            }
            switch plan.teams[index].overflow {
            case .team(let next):
                reasons.append(texts.overflow[index])
                current = next
            case .queue:
                reasons.append(texts.overflow[index])
                return try queued(
                    Choice(owner: nil, queue: .overflow(team: index), team: index, method: .overflow),
                    matched: matchedTeam,
                    through: visited
                )
            case nil:
                reasons.append(texts.overflow[index])
                current = nil
            }
        }
        reasons.append(texts.fallback)
        return try queued(
            Choice(owner: nil, queue: .fallback, team: nil, method: .fallback),
            matched: matchedTeam,
            through: visited
        )
    }

    /// A record from the ledger (or from earlier in the batch), given again: read back, marked replayed, and
    /// written to `output` as the outbox shows it. A record that refers to a shared text the state no longer
    /// holds is an error: the batch is not recorded, rather than the lead's owner silently dropped.
    mutating func replay(_ text: String, lead: String) throws -> Written? {
        var bytes = Array(text.utf8)
        if let hashes = SharedText.references(in: bytes), !hashes.isEmpty {
            let missing = hashes.filter { sharedTexts[$0] == nil }
            if !missing.isEmpty { sharedTexts.merge(try SharedText.fetch(missing, db)) { old, _ in old } }
            guard let expanded = SharedText.expand(bytes, texts: sharedTexts) else {
                let absent = hashes.first { sharedTexts[$0] == nil }.map { String($0, radix: 16) } ?? "?"
                throw DatabaseError(
                    message: "the ledger's record of lead \(lead) refers to shared text \(absent), which the "
                        + "fragments table does not hold (was the state file changed outside leadd?)"
                )
            }
            bytes = expanded
        }
        let value = bytes.withUnsafeBufferPointer { buffer in try? JSONParser.parse(buffer, maxDepth: 64) }
        guard case .object(let object) = value, var opportunity = Opportunity(json: object) else { return nil }
        opportunity.replayed = true
        var json: [UInt8] = []
        opportunity.writeJSON(into: &json)
        let start = records.count
        records.append(json)
        return Written(
            range: start..<records.count,
            replayed: true,
            opportunity: kept(opportunity)
        )
    }

    /// Where `opportunity` is kept in `opportunities`, for a record given again.
    mutating func kept(_ opportunity: Opportunity) -> Int {
        opportunities.append(Ledger.OpportunityBox(opportunity))
        return opportunities.count - 1
    }

    /// Why a rep cannot own a lead right now (inactive, out of office), or nil.
    func unavailability(_ rep: Int, at now: Double) -> String? {
        if !plan.reps[rep].active { return "inactive" }
        if let absence = clocks[rep].absence(at: now) { return "out of office until \(RepClock.date(absence.last))" }
        return nil
    }

    /// Why a rep cannot own a lead at `now` (nil when it can), and whether `now` is in its working hours; worked
    /// out once per rep and `now`.
    mutating func available(_ rep: Int, at now: Double) -> (unavailable: String?, working: Bool) {
        if let cached = presenceAt[rep], cached.now == now { return (cached.unavailable, cached.working) }
        let answer = (unavailable: unavailability(rep, at: now), working: clocks[rep].isWorking(at: now))
        presenceAt[rep] = (now, answer.unavailable, answer.working)
        return answer
    }

    /// The step of a rep passed over outside its hours, with its local time: the same for every lead of a batch
    /// decided at one `now`, so made once per rep and `now`.
    mutating func offHours(_ rep: Int, at now: Double) throws -> SharedText {
        if let cached = offHoursTexts[rep], cached.now == now {
            if cached.offered { return cached.step }
            // Its second lead: worth storing once.
            let step = try sharedStep(cached.step.bytes)
            offHoursTexts[rep] = (now, step, true)
            return step
        }
        let step = SharedText(
            Opportunity.ReasonChain.fragment(
                step: "skipped",
                detail: "outside working hours (\(clocks[rep].describe(now)))",
                rep: plan.reps[rep].id
            ),
            shareable: false,
            in: arena
        )
        offHoursTexts[rep] = (now, step, false)
        return step
    }

    // MARK: - Accounts and sticky owners

    enum AccountMatch {
        case none(String?)
        /// No account for any of the lead's domains (`choose` says which).
        case unmatched
        case owner(Int, String)
        case ambiguous(String)
    }

    /// The account tiers, best first: the e-mail's exact domain, the company's exact domains, then their parent
    /// domains. The first tier with any account decides: one owner takes it; several owners mean "don't guess".
    /// It reads only the plan and the lead, so it runs with the lead's keys, before the batch's transaction.
    static func matchAccount(
        emailDomain: ArenaKey?,
        companyDomains: UnsafeBufferPointer<ArenaKey>,
        ignoredDomain: ArenaKey?,
        plan: borrowing AssignmentPlan,
        accounts filter: DomainFilter
    ) -> AccountMatch {
        guard !plan.accounts.isEmpty else { return .none(nil) }
        func match(_ accounts: [AccountBook.Account], source: String, domain: String, exact: Bool) -> AccountMatch {
            let how = "\(source) \(domain)" + (exact ? "" : " (parent domain)")
            let owners = Array(Set(accounts.map(\.owner))).sorted()
            if owners.count == 1, let owner = owners.first, let account = accounts.first {
                let rep = plan.reps[owner]
                return .owner(
                    owner,
                    "\(how) matches account \(account.name) (accounts line \(account.line)), owned by \(rep.id)"
                )
            }
            let list = accounts.map { "\($0.name) (\(plan.reps[$0.owner].id), line \($0.line))" }
            return .ambiguous("\(how) matches accounts with different owners: \(list.joined(separator: ", "))")
        }
        /// The accounts of `domain` (hashed `hash`), nil when the book has none: looked up in the book only when
        /// its filter may hold the domain.
        func accounts(_ domain: ArenaKey) -> [AccountBook.Account]? {
            filter.mayContain(domain.hash) ? plan.accounts.byDomain[domain.text] : nil
        }
        func accounts(_ domain: String) -> [AccountBook.Account]? {
            filter.mayContain(HashedKey.hash(domain)) ? plan.accounts.byDomain[domain] : nil
        }
        // Exact domains first, each looked up once, in tier order (the e-mail's, then the company's); parent
        // domains only when no exact one is in the book.
        var exactKnown = false
        if let domain = emailDomain, let found = accounts(domain) {
            exactKnown = true
            if !found.isEmpty { return match(found, source: "e-mail domain", domain: domain.text, exact: true) }
        }
        for domain in companyDomains {
            guard let found = accounts(domain) else { continue }
            exactKnown = true
            if !found.isEmpty { return match(found, source: "company domain", domain: domain.text, exact: true) }
        }
        if !exactKnown {
            func parent(of domain: ArenaKey, source: String) -> AccountMatch? {
                // Most domains have two labels and no parent: found without making a text, on the bytes in place.
                guard domain.bytes.count(where: { $0 == 0x2E }) >= 2 else { return nil }
                for parent in LeadKeys.parents(domain.text) {
                    guard let found = accounts(parent), !found.isEmpty else { continue }
                    return match(found, source: source, domain: parent, exact: false)
                }
                return nil
            }
            if let domain = emailDomain, let found = parent(of: domain, source: "e-mail domain") { return found }
            for domain in companyDomains {
                if let found = parent(of: domain, source: "company domain") { return found }
            }
        }
        // "no account for" the domains tried: written by `choose`, from the lead's keys.
        if emailDomain != nil || !companyDomains.isEmpty { return .unmatched }
        if let ignored = ignoredDomain {
            return .none("e-mail domain \(ignored.text) is in ignore_domains: no account")
        }
        return .none("no e-mail or company domain to match to an account")
    }

    mutating func stickyOwner(
        _ keys: LeadKeys,
        sticky config: AssignmentPlan.Sticky,
        now: Double
    ) throws -> (rep: Int, key: ArenaKey, at: Double)? {
        for key in keys.stickyKeys {
            let entry: StickyOwner?
            if let cached = sticky[key] {
                entry = cached
            } else if stickyPrefetched || filter?.mayContain(key.hash) == false {
                // Not in the state (every key of the batch it may hold was looked up before, and is here), and not
                // assigned in this batch (`record` keeps those here). The filter is asked only for a key that was
                // not: asked again, it would cost a read from memory per key (the filter is large, and the rest
                // of the batch's work has pushed it out of the caches).
                continue
            } else {
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT owner, at FROM sticky WHERE key = ?"),
                    arguments: [key.text]
                )
                entry = row.map { StickyOwner(rep: plan.rep($0["owner"] as String), at: $0["at"]) }
                sticky[key] = .some(entry)
            }
            guard let entry, entry.at > now - config.window, entry.at <= now, let rep = entry.rep else { continue }
            return (rep, key, entry.at)
        }
        return nil
    }

    /// The sticky step of a lead whose key `key` went to `rep` at `at`, passed over when `unavailable` or at `cap`.
    ///
    /// A step by domain is the same for every contact of the company that day: kept for the batch's next leads with
    /// the key (leads of one company come together), and made a shared text of the state at its second lead. A
    /// step by address is one contact's, which few records share: written whole into each record. Shared, it would
    /// be a row of `fragments` per contact, in a random place of its tree (keyed by hash): a page of the state's log
    /// per batch for a hundred-odd bytes (10.8 MB of log for 70,982 leads each assigned to a rep, 2026-12-05).
    mutating func appendStickyStep(
        key: ArenaKey,
        rep: Int,
        at: Double,
        unavailable: String?,
        cap: Cap?,
        to reasons: inout Opportunity.ReasonChain
    ) throws {
        // `email:` or `domain:` (`LeadKeys`): the first byte tells.
        let byDomain = key.bytes.first == UInt8(ascii: "d")
        let absence = byDomain ? absence(unavailable) : -1
        if byDomain, var cached = stickySteps[key], cached.matches(owner: rep, at: at, absence: absence, cap: cap) {
            if !cached.offered {
                // Its second lead: worth storing once.
                cached.step = try sharedStep(cached.step.bytes)
                cached.offered = true
                stickySteps[key] = cached
            }
            return reasons.append(cached.step)
        }
        let mark = reasons.count
        reasons.beginStep(Self.stickyOpening)
        Self.stickyDetail(key: key.bytes, owner: texts.repIDKeys[rep].bytes, day: stickyDay(at), into: &reasons)
        if var passedOver = unavailable ?? cap.map({ capText($0, rep) }) {
            reasons.appendDetail(Self.passedOver)
            passedOver.withUTF8 { reasons.appendDetail($0) }
        }
        reasons.endStep()
        guard byDomain else { return }
        // The step's bytes: after the comma `beginStep` wrote before it, if any.
        let step = reasons.withBytes { bytes in
            SharedText(UnsafeBufferPointer(rebasing: bytes[(mark == 0 ? 0 : mark + 1)...]), shareable: false, in: arena)
        }
        stickySteps[key] = StickyStep(owner: rep, at: at, absence: absence, cap: cap, step: step)
    }

    /// "same e-mail pat@acme.com went to ana on 2026-11-29, within the sticky window": the detail of a sticky step
    /// (`stickyDetail(key:owner:day:into:)`), as a text.
    static func stickyDetail(key: String, owner: String, at: Double) -> String {
        var chain = Opportunity.ReasonChain()
        chain.beginStep(stickyOpening)
        let day = stickyDayText(at)
        var (key, owner) = (key, owner)
        key.withUTF8 { key in
            owner.withUTF8 { owner in
                day.withUnsafeBufferPointer { stickyDetail(key: key, owner: owner, day: $0, into: &chain) }
            }
        }
        chain.endStep()
        return chain.reasons.first?.detail ?? ""
    }

    /// A sticky step's JSON up to its detail (`ReasonChain.beginStep`).
    static let stickyOpening: StaticString = #"{"step":"sticky","detail":""#

    /// A sticky step's detail for the sticky key `key` (`email:ADDRESS` or `domain:DOMAIN`), the owner's id and the
    /// day it got the key (`stickyDayText`), written into `chain` part by part, escaped as a JSON string's.
    static func stickyDetail(
        key: UnsafeBufferPointer<UInt8>,
        owner: UnsafeBufferPointer<UInt8>,
        day: UnsafeBufferPointer<UInt8>,
        into chain: inout Opportunity.ReasonChain
    ) {
        // `email:` or `domain:` (`LeadKeys`): the first byte tells.
        let email = key.first == UInt8(ascii: "e")
        chain.appendDetail(email ? "same e-mail " : "same domain ")
        chain.appendDetail(UnsafeBufferPointer(rebasing: key.dropFirst(email ? 6 : 7)))
        chain.appendDetail(" went to ")
        chain.appendDetail(owner)
        chain.appendDetail(" on ")
        chain.appendDetail(day)
        chain.appendDetail(", within the sticky window")
    }

    /// The day of `at` (UTC), `2026-11-29`: the first ten bytes of its ISO 8601 time.
    static func stickyDayText(_ at: Double) -> [UInt8] {
        var text = Timestamp.iso8601(at)
        return text.withUTF8 { Array($0.prefix(10)) }
    }

    /// `stickyDayText(at)`, in `arena`, kept for the next lead: sticky owners' times fall on a few days.
    mutating func stickyDay(_ at: Double) -> UnsafeBufferPointer<UInt8> {
        let day = (at / 86400).rounded(.down)
        if let last = lastStickyDay, last.day == day { return last.bytes }
        let bytes = Self.stickyDayText(at).withUnsafeBufferPointer { arena.copy($0) }
        lastStickyDay = (day, bytes)
        return bytes
    }

    static let passedOver: StaticString = "; passed over: "

    /// The teams an overflow chain went through: a bit per team for the first 64, a set beyond.
    struct VisitedTeams {
        var bits: UInt64 = 0
        var more: Set<Int> = []

        /// False when `team` was visited before.
        mutating func insert(_ team: Int) -> Bool {
            guard team < 64 else { return more.insert(team).inserted }
            let bit: UInt64 = 1 << UInt64(team)
            defer { bits |= bit }
            return bits & bit == 0
        }

        /// The teams visited, in order of their index, of the first `count`.
        func members(upTo count: Int) -> [Int] {
            (0..<Swift.min(count, 64)).filter { bits & (1 << UInt64($0)) != 0 } + more.sorted()
        }
    }

    // MARK: - Strategies

    /// The member the team's strategy picks now (its rep and slot), or nil when none can take the lead; skipped
    /// members are added to `reasons` with why.
    mutating func pick(
        team index: Int,
        now: Double,
        reasons: inout Opportunity.ReasonChain
    ) throws -> (rep: Int, slot: Int)? {
        if let known = exhaustedTeams[index], known.now == now {
            // Every member was capped or away at this `now` before in the batch: still so (counts only grow), and
            // skipped for the same reasons.
            var steps = known.steps
            if !known.offered, sharing == true {
                steps = try sharedStep(steps.bytes)
                exhaustedTeams[index] = (now, steps, true)
            }
            if !steps.bytes.isEmpty { reasons.append(steps) }
            return nil
        }
        try loadTeam(index)
        let base = texts.slotBase[index]
        let mark = reasons.count
        // Members by their place in the team, in arrays kept from lead to lead.
        var inHours: [Int] = []
        var offHours: [Int] = []
        var absent: [Int] = []
        swap(&inHours, &inHoursScratch)
        swap(&offHours, &offHoursScratch)
        swap(&absent, &absentScratch)
        inHours.removeAll(keepingCapacity: true)
        offHours.removeAll(keepingCapacity: true)
        absent.removeAll(keepingCapacity: true)
        defer {
            swap(&inHours, &inHoursScratch)
            swap(&offHours, &offHoursScratch)
            swap(&absent, &absentScratch)
        }
        // Skipped members go straight to `reasons`, in the order they are found.
        for position in plan.teams[index].members.indices {
            let rep = plan.teams[index].members[position].rep
            let (unavailable, working) = available(rep, at: now)
            if let unavailable {
                reasons.append(step: "skipped", detail: unavailable, rep: plan.reps[rep].id)
                absent.append(position)
                continue
            }
            if let cap = try capReached(rep, at: now) {
                if let step = cap == .day ? texts.dayCapSkipped[rep] : texts.weekCapSkipped[rep] {
                    reasons.append(step)
                }
                continue
            }
            if working { inHours.append(position) } else { offHours.append(position) }
        }
        let outOfHours = inHours.isEmpty && !offHours.isEmpty
        if outOfHours {
            reasons.append(texts.noneInHours[index])
        } else {
            for position in offHours {
                absent.append(position)
                reasons.append(try self.offHours(plan.teams[index].members[position].rep, at: now))
            }
        }
        let pool = outOfHours ? offHours : inHours
        guard let first = pool.first else {
            // Kept for the batch's next leads at this `now`: the skipped steps just written, as one text.
            let start = mark == 0 || mark == reasons.count ? mark : mark + 1
            exhaustedTeams[index] = (
                now,
                reasons.withBytes {
                    SharedText(UnsafeBufferPointer(rebasing: $0[start...]), shareable: false, in: arena)
                },
                false
            )
            return nil
        }
        func lastSeq(_ position: Int) -> Int64 { rotation[base + position]?.lastSeq ?? -1 }
        /// Least recently assigned first, then the team's rotated member order.
        func fairer(_ a: Int, _ b: Int) -> Bool {
            let (sa, sb) = (lastSeq(a), lastSeq(b))
            if sa != sb { return sa < sb }
            return texts.rotatedOrders[index][a] < texts.rotatedOrders[index][b]
        }
        func repID(_ position: Int) -> String { plan.reps[plan.teams[index].members[position].rep].id }
        var chosen = first
        let step: SharedText
        switch plan.teams[index].strategy {
        case .roundRobin:
            for position in pool.dropFirst() where fairer(position, chosen) { chosen = position }
            let key = StrategyStep(team: index, chosen: chosen, first: pool.count, second: 0)
            step =
                try knownStrategyStep(key)
                ?? newStrategyStep(
                    key,
                    "round robin: \(repID(chosen)) is next in rotation (least recently assigned of \(pool.count) available)"
                )
        case .weightedRoundRobin:
            var total = 0
            for position in pool { total += plan.teams[index].members[position].weight }
            for position in pool {
                var state = rotation[base + position] ?? Rotation(lastSeq: nil, credit: 0)
                state.credit += Double(plan.teams[index].members[position].weight)
                rotation[base + position] = state
                rotationChanged[base + position] = true
            }
            func credit(_ position: Int) -> Double { rotation[base + position]?.credit ?? 0 }
            for position in pool.dropFirst() {
                let (a, b) = (credit(position), credit(chosen))
                if a != b ? a > b : fairer(position, chosen) { chosen = position }
            }
            rotation[base + chosen]?.credit -= Double(total)
            let weight = plan.teams[index].members[chosen].weight
            let key = StrategyStep(team: index, chosen: chosen, first: total, second: pool.count)
            step =
                try knownStrategyStep(key)
                ?? newStrategyStep(
                    key,
                    "weighted round robin: \(repID(chosen)) had the most credit "
                        + "(weight \(weight) of \(total) among the \(pool.count) available)"
                )
        case .leastLoaded:
            let window = plan.teams[index].window
            var loads = [Double](repeating: 0, count: plan.teams[index].members.count)
            var returning: [Int] = []
            for position in pool {
                loads[position] = Double(
                    try windowLoad(plan.teams[index].members[position].rep, window: window, now: now)
                )
                if presence[base + position]?.away == true { returning.append(position) }
            }
            // A rep back from an absence joins at the load of the least loaded teammate who stayed, so it is
            // not flooded to catch up.
            var floor: Double?
            for position in pool where !returning.contains(position) {
                let load = loads[position] + effectiveOffset(base + position, now: now, window: window)
                floor = min(floor ?? load, load)
            }
            for position in returning {
                let own = loads[position]
                presence[base + position] = Presence(away: false, returnedAt: now, offset: max(0, (floor ?? own) - own))
                presenceChanged[base + position] = true
            }
            for position in absent where presence[base + position]?.away != true {
                let previous = presence[base + position]
                presence[base + position] = Presence(
                    away: true,
                    returnedAt: previous?.returnedAt,
                    offset: previous?.offset ?? 0
                )
                presenceChanged[base + position] = true
            }
            func load(_ position: Int) -> Double {
                loads[position] + effectiveOffset(base + position, now: now, window: window)
            }
            for position in pool.dropFirst() {
                let (a, b) = (load(position), load(chosen))
                if a != b ? a < b : fairer(position, chosen) { chosen = position }
            }
            guard !reasons.muted else { return (plan.teams[index].members[chosen].rep, base + chosen) }
            let days = Decision.format(window / 86400)
            let count = Int(loads[chosen])
            let offset = effectiveOffset(base + chosen, now: now, window: window)
            // Counts change with every lead: not a text worth sharing.
            step = SharedText(
                Opportunity.ReasonChain.fragment(
                    step: "strategy",
                    detail:
                        "least loaded: \(repID(chosen)) had \(count) assignment\(count == 1 ? "" : "s") in the last \(days)d"
                        + (offset > 0 ? " (counted as \(Decision.format(Double(count) + offset)) since returning)" : "")
                        + ", the fewest of \(pool.count) available"
                ),
                shareable: false,
                in: arena
            )
        }
        reasons.append(step)
        return (plan.teams[index].members[chosen].rep, base + chosen)
    }

    /// The strategy step for `key` the first time in the batch (`strategySteps` has it after), written whole.
    mutating func newStrategyStep(_ key: StrategyStep, _ detail: String) throws -> SharedText {
        let step = SharedText(
            Opportunity.ReasonChain.fragment(step: "strategy", detail: detail),
            shareable: false,
            in: arena
        )
        strategySteps[key] = (step, false)
        return step
    }

    /// The strategy step said before in the batch for `key`, if any: offered to the state's shared texts at its
    /// second lead (a step given to one lead only is not written to `fragments`).
    mutating func knownStrategyStep(_ key: StrategyStep) throws -> SharedText? {
        guard let known = strategySteps[key] else { return nil }
        if known.offered { return known.text }
        let step = try sharedStep(known.text.bytes)
        strategySteps[key] = (step, true)
        return step
    }

    /// A step made during the batch that many records will carry: written to the state's `fragments` table (in
    /// the batch's transaction, so it is there exactly when the records that refer to it are), unless records
    /// are stored whole or its hash is taken.
    mutating func sharedStep(_ bytes: UnsafeBufferPointer<UInt8>) throws -> SharedText {
        guard sharing == true else { return SharedText(bytes, shareable: false, in: arena) }
        let text = SharedText(bytes, in: arena)
        // Written by an earlier committed batch of this process: in the state, with these bytes.
        if fragments?.contains(text) == true { return text }
        guard try SharedText.register(text, statements: statements, db) else {
            return SharedText(bytes, shareable: false, in: arena)
        }
        learntFragments.append((text.hash, Array(bytes)))
        return text
    }

    /// `sharedStep` of an array's bytes.
    mutating func sharedStep(_ bytes: [UInt8]) throws -> SharedText {
        try bytes.withUnsafeBufferPointer { try sharedStep($0) }
    }

    func effectiveOffset(_ slot: Int, now: Double, window: Double) -> Double {
        guard let state = presence[slot], let returned = state.returnedAt, now - returned < window else { return 0 }
        return state.offset
    }

    /// Each member's place in the team's starting rotation, by its place in the team: the member list turned by
    /// a hash of the team id, so a new team does not start with whoever is listed first.
    static func rotatedOrder(_ team: AssignmentPlan.Team) -> [Int] {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in team.id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let count = team.members.count
        let start = Int(hash % UInt64(max(count, 1)))
        return team.members.indices.map { position in (position - start + count) % count }
    }

    // MARK: - State

    /// The slot of `rep` in team `index`, if it is a member.
    func slot(team index: Int, rep: Int) -> Int? {
        plan.teams[index].members.firstIndex { $0.rep == rep }.map { texts.slotBase[index] + $0 }
    }

    mutating func loadTeam(_ index: Int) throws {
        guard !loadedTeams[index] else { return }
        loadedTeams[index] = true
        let team = plan.teams[index]
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT rep, last_seq, credit FROM rotation WHERE team = ?"),
            arguments: [team.id]
        )
        for row in rows {
            guard let rep = plan.rep(row["rep"]), let slot = slot(team: index, rep: rep) else { continue }
            rotation[slot] = Rotation(lastSeq: row["last_seq"], credit: row["credit"])
        }
        let presenceRows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT rep, away, returned_at, offset FROM presence WHERE team = ?"),
            arguments: [team.id]
        )
        for row in presenceRows {
            guard let rep = plan.rep(row["rep"]), let slot = slot(team: index, rep: rep) else { continue }
            presence[slot] = Presence(away: row["away"], returnedAt: row["returned_at"], offset: row["offset"])
        }
    }

    enum Cap { case day, week }

    /// "day cap 40 reached".
    func capText(_ cap: Cap, _ rep: Int) -> String {
        (cap == .day ? texts.dayCap[rep] : texts.weekCap[rep]) ?? ""
    }

    /// Which cap `rep` has reached at `now`, if any.
    mutating func capReached(_ rep: Int, at now: Double) throws -> Cap? {
        if let cap = plan.reps[rep].dayCap {
            if dayCounts[rep]?.covers(now) != true {
                let (from, until) = dayBounds(rep, now)
                dayCounts[rep] = RangeCount(from: from, until: until, count: try count(rep, from: from, until: until))
            }
            if let count = dayCounts[rep]?.count, count >= cap { return .day }
        }
        if let cap = plan.reps[rep].weekCap {
            if weekCounts[rep]?.covers(now) != true {
                let (from, until) = weekBounds(rep, now)
                weekCounts[rep] = RangeCount(from: from, until: until, count: try count(rep, from: from, until: until))
            }
            if let count = weekCounts[rep]?.count, count >= cap { return .week }
        }
        return nil
    }

    /// Assignments of `rep` in the `window` before `now`, counted as load.
    mutating func windowLoad(_ rep: Int, window: Double, now: Double) throws -> Int {
        let from = now - window
        let until = now + 1
        if let cached = loadCounts[rep].first(where: { $0.from == from && $0.until == until }) { return cached.count }
        let count = try count(rep, from: from, until: until)
        loadCounts[rep].append(RangeCount(from: from, until: until, count: count))
        return count
    }

    /// Assignments of `rep` decided in [from, until): from the ledger, and from this batch. From the counts the
    /// process's last batch left (`RememberedCounts`) when they hold for the state, counting only the rows between
    /// their range and this one; else every row of the range.
    mutating func count(_ rep: Int, from: Double, until: Double) throws -> Int {
        let batch = assignedTimes[rep].countOrdered(from: from, until: until)
        // Once this batch wrote rows, the state is no longer the one the remembered counts hold for.
        if !wroteRows, let base = try rememberedBase() {
            // The remembered range closest to this one: the fewest rows to count.
            let nearest = base.ranges[rep].min { a, b in
                abs(a.from - from) + abs(a.until - until) < abs(b.from - from) + abs(b.until - until)
            }
            if let nearest,
                let derived = try nearest.derived(from: from, until: until, { try recorded(rep, from: $0, until: $1) })
            {
                return derived + batch
            }
        }
        return try recorded(rep, from: from, until: until) + batch
    }

    /// Assignments of `rep` in the state made in [from, until): the sum of its counts in `assignment_counts`.
    func recorded(_ rep: Int, from: Double, until: Double) throws -> Int {
        // An owner simulation keeps every assignment in `assignedTimes`.
        guard connection != nil else { return 0 }
        return try Int.fetchOne(
            db.cachedStatement(
                sql: "SELECT coalesce(sum(count), 0) FROM assignment_counts WHERE owner = ? AND at >= ? AND at < ?"
            ),
            arguments: [plan.reps[rep].id, from, until]
        ) ?? 0
    }

    /// Adds the batch's assignments so far (`assignedTimes`) to the state's counts: a row per rep and time, where
    /// the rows of a batch decided at one time make one.
    func writeCounts() throws {
        guard assignedTimes.contains(where: { !$0.isEmpty }) else { return }
        let statement = try statements.statement(.assignmentCount, db) {
            """
            INSERT INTO assignment_counts (owner, at, count) VALUES (?, ?, ?)
            ON CONFLICT (owner, at) DO UPDATE SET count = count + excluded.count
            """
        }
        for rep in assignedTimes.indices where !assignedTimes[rep].isEmpty {
            // The times are in order: each run of one time is a row.
            let times = assignedTimes[rep]
            var start = times.startIndex
            while start < times.endIndex {
                var end = start + 1
                while end < times.endIndex && times[end] == times[start] { end += 1 }
                var row = RowWriter(statement)
                row.text(plan.reps[rep].id)
                row.real(times[start])
                row.integer(end - start)
                try row.execute(db)
                start = end
            }
        }
    }

    /// The counts the process's last batch left, if they hold for the state as this batch found it.
    mutating func rememberedBase() throws -> RememberedCounts.Counts? {
        if let base = countsBase { return base }
        guard let remembered else { return nil }
        let base = remembered.counts(at: try ledgerStart(), version: try dataVersion())
        countsBase = .some(base)
        return base
    }

    /// Keeps the batch's counts for the next batch (`RememberedCounts`): those it counted, which it kept up to
    /// date, and those the last batch left for reps this batch assigned nothing to.
    func rememberCounts() throws {
        guard let remembered else { return }
        var ranges = Array(repeating: [RangeCount](), count: plan.reps.count)
        for rep in plan.reps.indices {
            if let day = dayCounts[rep] { ranges[rep].append(day) }
            if let week = weekCounts[rep] { ranges[rep].append(week) }
            ranges[rep] += loadCounts[rep]
            if ranges[rep].isEmpty, batchAssigned[rep] == 0, let base = countsBase ?? nil {
                ranges[rep] = base.ranges[rep]
            }
        }
        // A batch that neither counted nor assigned changed nothing they hold.
        guard let tag = lastSeq ?? startSeq else { return }
        remembered.keep(RememberedCounts.Counts(tag: tag, version: try dataVersion(), ranges: ranges))
    }

    /// Keeps the batch's sticky owners for the next batch (`RememberedSticky`): those the last batches left, with
    /// those this batch read from the state or wrote. A row whose owner the plan no longer has is left as it was
    /// remembered, or looked up again.
    mutating func rememberSticky() throws {
        guard let rememberedSticky else { return }
        let tag = try lastSeq ?? ledgerStart()
        var owners = stickyOwners.take() ?? RememberedSticky.Owners(tag: tag, version: 0)
        if owners.keys.count + sticky.count > rememberedSticky.capacity {
            owners = RememberedSticky.Owners(tag: tag, version: 0)
        }
        owners.tag = tag
        owners.version = try dataVersion()
        // Per rep of the plan, its index among the remembered owners, once found.
        var reps: [Int32?] = Array(repeating: nil, count: plan.reps.count)
        for (key, entry) in sticky {
            guard let entry, let rep = entry.rep else { continue }
            let index = reps[rep] ?? owners.rep(plan.reps[rep].id)
            reps[rep] = index
            owners.set(key, RememberedSticky.Entry(rep: index, at: entry.at))
        }
        rememberedSticky.keep(owners)
    }

    /// The state's `PRAGMA data_version` on this connection: it moves when another connection commits.
    func dataVersion() throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? -1
    }

    /// The rep's local day, or week from Monday, around `now`, as UTC instants.
    func dayBounds(_ rep: Int, _ now: Double) -> (Double, Double) {
        let clock = clocks[rep]
        return clock.bounds(ofDay: clock.day(now))
    }

    func weekBounds(_ rep: Int, _ now: Double) -> (Double, Double) {
        let clock = clocks[rep]
        return clock.bounds(ofWeek: clock.week(now))
    }

    /// Writes the record to `output` (and as stored, to `stored`), numbers it in the ledger's order, and updates
    /// the counts, rotation and sticky owners.
    mutating func record(
        keys: LeadKeys,
        now: Double,
        choice: Choice,
        reasons: Opportunity.ReasonChain
    ) throws -> Written {
        let (owner, team) = (choice.owner, choice.team)
        let sla =
            owner == nil && team == nil ? plan.fallback.sla : team.flatMap { plan.teams[$0].sla } ?? plan.fallback.sla
        let due: Double?
        if let sla {
            let slot = (owner.map { $0 + 1 } ?? 0) * slas.count + (slas.firstIndex(of: sla) ?? 0)
            if let last = dues[slot], last.now == now {
                due = last.due
            } else {
                // The clock used in place: a copy of it (`owner.map { clocks[$0] } ?? texts.queueClock`) retains its
                // four references.
                let value =
                    if let owner { clocks[owner].due(from: now, after: sla) } else {
                        texts.queueClock.due(from: now, after: sla)
                    }
                dues[slot] = (now, value)
                due = value
            }
        } else {
            due = nil
        }
        let key = Head.Key(
            owner: owner ?? -1,
            team: team ?? -1,
            method: choice.method,
            queue: choice.queue,
            now: now,
            due: due
        )
        let index: Int
        var known = true
        let headSlot = (key.owner + 1) * (plan.teams.count + 1) + key.team + 1
        if let last = lastHeads[headSlot], last.key == key {
            index = last.index
        } else if let found = heads[key] {
            index = found
            lastHeads[headSlot] = (key, index)
        } else {
            index = headList.count
            headList.append(newHead(key, choice: choice))
            heads[key] = index
            lastHeads[headSlot] = (key, index)
            known = false
        }
        if known, !headList[index].offered, sharing == true {
            // A second lead with this head: worth storing once (a head given to one lead only is not written to the
            // state, as when every lead has a `now` of its own).
            let shared = try sharedStep(headList[index].bytes)
            headList[index].offered = true
            headList[index].reference = shared.shareable ? shared.hash : nil
        }
        let spans = headList[index].columns
        // The record: its lead, the head its owner, team and times share with others, then its reasons.
        let start = records.count
        records.append(Head.leadKey)
        records.appendJSONString(keys.lead.bytes)
        let headStart = records.count - start
        records.append(headList[index].bytes)
        let reasonsStart = records.count - start
        reasons.withBytes { records.append($0) }
        records.append(Head.end)
        let range = start..<records.count
        let layout = Opportunity.Layout(
            owner: headList[index].owner.map { ($0.lowerBound + headStart)..<($0.upperBound + headStart) },
            playbook: headList[index].playbook.map { ($0.lowerBound + headStart)..<($0.upperBound + headStart) },
            reasons: reasonsStart
        )
        let storedRange =
            sharing == true
            ? try storeRecord(
                range,
                layout: layout,
                head: headList[index].reference.map { (headStart, headList[index].bytes.count, $0) },
                owner: owner,
                playbook: owner == nil && team == nil ? plan.teams.count : team,
                reasons: reasons
            ) : nil
        let seq = try nextSeq()
        let columns = Ledger.Columns(
            contentID: keys.hasID ? nil : columnText(bytes: keys.lead.bytes),
            seq: seq,
            texts: spans,
            due: due,
            record: range,
            stored: storedRange
        )
        assignedInBatch[keys.lead] = range
        count(choice, keys: keys, now: now, seq: seq)
        var opportunity: Int?
        if buildsOpportunities {
            opportunity = opportunities.count
            opportunities.append(
                Ledger.OpportunityBox(
                    self.opportunity(choice: choice, now: now, due: due, lead: keys.lead.text, reasons: reasons)
                )
            )
        }
        return Written(range: range, replayed: false, opportunity: opportunity, columns: columns)
    }

    /// Counts a new assignment, number `seq` in the ledger's order: in its owner's counts, rotation and sticky keys.
    mutating func count(_ choice: Choice, keys: LeadKeys, now: Double, seq: Int64) {
        guard let owner = choice.owner else { return }
        assignedTimes[owner].insertOrdered(now)
        batchAssigned[owner] += 1
        if dayCounts[owner]?.covers(now) == true { dayCounts[owner]?.count += 1 }
        if weekCounts[owner]?.covers(now) == true { weekCounts[owner]?.count += 1 }
        for index in loadCounts[owner].indices where loadCounts[owner][index].covers(now) {
            loadCounts[owner][index].count += 1
        }
        if let slot = choice.slot {
            var state = rotation[slot] ?? Rotation(lastSeq: nil, credit: 0)
            state.lastSeq = seq
            rotation[slot] = state
            rotationChanged[slot] = true
        }
        guard plan.sticky != nil else { return }
        let entry = StickyOwner(rep: owner, at: now)
        for key in keys.stickyKeys {
            if kept == nil {
                // Already so, in the state's row or in the one the batch will write (a key met again among leads
                // decided at one `now`, as a file's are): the row is not written again.
                if let old = sticky[key] ?? nil, old.rep == owner, old.at == now { continue }
                sticky[key] = entry
                dirtySticky.insert(key)
            } else if let index = sticky.index(forKey: key) {
                sticky.values[index] = entry
            } else if let arena = kept?.arena {
                // An owner simulation's keys outlive the batch's: a new one is kept in the simulation's arena.
                sticky[arena.copy(key)] = entry
            }
        }
    }

    /// A record's JSON from its first key after the lead to the opening of its reasons (`,"status":...,"reasons":[`):
    /// the same for every lead with the same owner, team, queue, method, `now` and due time, so written once per
    /// batch for each (`heads`), with the ledger's columns it gives.
    struct Head {
        struct Key: Hashable {
            var owner: Int
            var team: Int
            var method: Method
            var queue: Queue?
            var now: Double
            var due: Double?

            /// Without the method and queue, which the owner and team nearly always decide (a key that differs only
            /// by them is told apart by `==`).
            func hash(into hasher: inout Hasher) {
                hasher.combine(owner)
                hasher.combine(team)
                hasher.combine(now)
                hasher.combine(due)
            }
        }

        /// In the session's arena: a head is read in place, without a reference count.
        var bytes: UnsafeBufferPointer<UInt8>
        /// Whether `bytes` were offered to the state's shared texts (at the head's second lead): the records of the
        /// batch with this head then refer to them.
        var offered: Bool
        /// The hash of `bytes` as a shared text, once it is one (`offered`, and not taken by another text).
        var reference: UInt64?
        /// Where the owner's and the playbook's texts lie in `bytes` (`Opportunity.Layout`).
        var owner: Range<Int>?
        var playbook: Range<Int>?
        /// Where the ledger's text columns lie in the session's `columnTexts`.
        var columns: Ledger.Columns.Texts

        /// What comes before the lead's id, and after the reasons.
        static let leadKey: StaticString = #"{"lead":"#
        static let end: StaticString = "]}"
    }

    /// The head for `key`, written by `Opportunity.writeJSON` for a record without lead id or reasons.
    mutating func newHead(_ key: Head.Key, choice: Choice) -> Head {
        let model = opportunity(
            choice: choice,
            now: key.now,
            due: key.due,
            lead: "",
            reasons: Opportunity.ReasonChain()
        )
        var bytes: [UInt8] = []
        let layout = model.writeJSON(appendingTo: &bytes)
        // `{"lead":""` before it, `]}` after it.
        let skip = Head.leadKey.utf8CodeUnitCount + 2
        return Head(
            bytes: bytes.withUnsafeBufferPointer {
                arena.copy(UnsafeBufferPointer(rebasing: $0[skip..<layout.reasons]))
            },
            offered: false,
            reference: nil,
            owner: layout.owner.map { ($0.lowerBound - skip)..<($0.upperBound - skip) },
            playbook: layout.playbook.map { ($0.lowerBound - skip)..<($0.upperBound - skip) },
            columns: Ledger.Columns.Texts(
                team: columnText(model.team),
                owner: columnText(model.owner),
                queue: columnText(name(choice.queue)),
                method: columnText(choice.method.text) ?? 0..<0
            )
        )
    }

    /// The opportunity a choice makes of a lead.
    func opportunity(
        choice: Choice,
        now: Double,
        due: Double?,
        lead: String,
        reasons: Opportunity.ReasonChain
    )
        -> Opportunity
    {
        let (owner, team) = (choice.owner, choice.team)
        var opportunity = Opportunity(
            lead: lead,
            status: owner == nil ? .queued : .assigned,
            method: choice.method.text,
            stage: plan.openingStage,
            assignedAt: now,
            reasons: reasons
        )
        opportunity.queue = name(choice.queue)
        opportunity.team = team.map { plan.teams[$0].id }
        opportunity.playbook =
            owner == nil && team == nil ? plan.fallback.playbook : team.flatMap { plan.teams[$0].playbook }
        if let owner {
            let rep = plan.reps[owner]
            opportunity.owner = rep.id
            opportunity.ownerName = rep.name
            opportunity.ownerEmail = rep.email
        }
        opportunity.firstContactDue = due
        return opportunity
    }

    /// Appends the record at `range` in `output` to `stored` as the ledger stores it: each shared text in it (the
    /// owner, the playbook, the shared reason steps) replaced by a reference (`SharedText`). The owner and the playbook
    /// are replaced only where the record holds exactly their bytes. `head`: where the record's head lies and its
    /// shared text's hash, when it is one; `owner`: the owner's rep; `playbook`: where the record's playbook is in
    /// `texts.playbooks`. Returns where the record lies in `stored`.
    mutating func storeRecord(
        _ range: Range<Int>,
        layout: Opportunity.Layout,
        head: (offset: Int, count: Int, hash: UInt64)?,
        owner: Int?,
        playbook: Int?,
        reasons: Opportunity.ReasonChain
    ) throws -> Range<Int> {
        var units: [(offset: Int, count: Int, hash: UInt64)] = []
        swap(&units, &unitScratch)
        defer { swap(&units, &unitScratch) }
        try referenceUnits(reasons, into: &units)
        // The buffer taken out of the session while it is written: the closures below read the session.
        var arena = ByteBuffer()
        swap(&arena, &storedRecords)
        defer { swap(&arena, &storedRecords) }
        let first = arena.count
        // References are never longer than what they replace... almost: a text shorter than a reference is left
        // whole (see `refer`), so the record's own length is enough room, written in place.
        records.withBytes { output in
            arena.append(room: range.count) { out in
                guard let base = output.baseAddress else { return 0 }
                var cursor = range.lowerBound
                var end = out
                func refer(_ at: Int, _ count: Int, _ hash: UInt64, _ bytes: UnsafeBufferPointer<UInt8>?) {
                    guard count > SharedText.referenceLength, at >= cursor, at + count <= range.upperBound else {
                        return
                    }
                    if let bytes, !SharedText.sameBytes(bytes, UnsafeBufferPointer(start: base + at, count: count)) {
                        return
                    }
                    memcpy(end, base + cursor, at - cursor)
                    end += at - cursor
                    SharedText.writeReference(hash, to: end)
                    end += SharedText.referenceLength
                    cursor = at + count
                }
                // The head holds the owner and the playbook: one reference for all three when it is shared.
                if let head { refer(range.lowerBound + head.offset, head.count, head.hash, nil) }
                /// A text of the plan, referred to where the record holds exactly its bytes.
                func refer(_ text: SharedText?, at span: Range<Int>?) {
                    guard let text, let span, span.count == text.bytes.count else { return }
                    refer(range.lowerBound + span.lowerBound, span.count, text.hash, text.bytes)
                }
                if let owner { refer(texts.owners[owner], at: layout.owner) }
                if let playbook { refer(texts.playbooks[playbook], at: layout.playbook) }
                // Copied from the shared texts themselves (`ReasonChain.append`), runs of them as one.
                let reasonsStart = range.lowerBound + layout.reasons
                for step in units { refer(reasonsStart + step.offset, step.count, step.hash, nil) }
                memcpy(end, base + cursor, range.upperBound - cursor)
                end += range.upperBound - cursor
                return end - out
            }
        }
        return first..<arena.count
    }

    /// A run of adjacent shared steps, by a hash of its steps' hashes (FNV-1a): a hash already, placed in a table by
    /// one multiply rather than through SipHash, as an `ArenaKey` is.
    struct RunKey: Hashable {
        let hash: UInt64

        func _rawHashValue(seed: Int) -> Int { HashedKey.placement(of: hash, seed: seed) }
    }

    /// What a run of adjacent shared steps is in this batch (`referenceUnits`), by a hash of its steps' hashes.
    enum SharedRun {
        /// Seen in one record so far.
        case seen
        /// One shared text for the whole run, from its second record on.
        case shared(SharedText)
        /// Its text's hash is taken: its steps are referred to one by one.
        case apart
    }

    /// The shared steps of `reasons` as the stored record refers to them: one by one, except that a run of
    /// adjacent ones that an earlier record of the batch had too (the teams a lead's condition passed over, or the
    /// steps of full teams and their overflow, which every lead queued behind them repeats) is one shared text of
    /// its own, a single reference instead of one per step.
    mutating func referenceUnits(
        _ reasons: Opportunity.ReasonChain,
        into units: inout [(offset: Int, count: Int, hash: UInt64)]
    ) throws {
        units.removeAll(keepingCapacity: true)
        // Through a pointer: a copy of the array (`let shared = reasons.shared`) retains it, once per lead.
        try reasons.shared.withUnsafeBufferPointer { shared in
            guard shared.count >= 2, sharing == true else {
                units.append(contentsOf: shared)
                return
            }
            var start = 0
            while start < shared.count {
                var end = start + 1
                // Adjacent: only the comma between them. A unit appended whole stands alone.
                while end < shared.count, start != reasons.whole, end != reasons.whole,
                    shared[end].offset == shared[end - 1].offset + shared[end - 1].count + 1
                {
                    end += 1
                }
                defer { start = end }
                guard end - start >= 2 else {
                    units.append(shared[start])
                    continue
                }
                var hash: UInt64 = 0xCBF2_9CE4_8422_2325
                for index in start..<end { hash = (hash ^ shared[index].hash) &* 0x0000_0100_0000_01B3 }
                let key = RunKey(hash: hash)
                let offset = shared[start].offset
                let count = shared[end - 1].offset + shared[end - 1].count - offset
                func apart() { units.append(contentsOf: UnsafeBufferPointer(rebasing: shared[start..<end])) }
                switch sharedRuns[key] {
                case nil:
                    sharedRuns[key] = .seen
                    apart()
                case .seen:
                    let text = try reasons.withBytes {
                        try sharedStep(UnsafeBufferPointer(rebasing: $0[offset..<(offset + count)]))
                    }
                    sharedRuns[key] = text.shareable ? .shared(text) : .apart
                    if text.shareable { units.append((offset, count, text.hash)) } else { apart() }
                case .shared(let text):
                    // The same steps, byte for byte (the key is a hash of hashes).
                    let same = reasons.withBytes { bytes in
                        SharedText.sameBytes(
                            UnsafeBufferPointer(rebasing: bytes[offset..<(offset + count)]),
                            text.bytes
                        )
                    }
                    if same { units.append((offset, count, text.hash)) } else { apart() }
                case .apart:
                    apart()
                }
            }
        }
    }

    /// The ledger's next number (`counters`), read once per batch.
    mutating func nextSeq() throws -> Int64 {
        let last = try lastSeq ?? ledgerStart()
        lastSeq = last + 1
        return last + 1
    }

    /// The ledger's last number as the batch found it.
    mutating func ledgerStart() throws -> Int64 {
        if let startSeq { return startSeq }
        let start = try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM counters WHERE name = 'ledger'")) ?? 0
        startSeq = start
        return start
    }

    /// `text`'s bytes appended to `columnTexts`: where they lie there.
    mutating func columnText(_ text: String?) -> Range<Int>? {
        guard var text else { return nil }
        let start = columnTexts.count
        text.withUTF8 { columnTexts.append(contentsOf: $0) }
        return start..<columnTexts.count
    }

    /// `bytes` appended to `columnTexts`: where they lie there.
    mutating func columnText(bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        let start = columnTexts.count
        columnTexts.append(contentsOf: bytes)
        return start..<columnTexts.count
    }

    /// The batch's rows are in the ledger: its assignments are added to the state's counts, and counted from there
    /// from now on (`count`).
    mutating func rowsWritten() throws {
        try writeCounts()
        for rep in assignedTimes.indices { assignedTimes[rep].removeAll(keepingCapacity: true) }
        wroteRows = true
    }

    /// Writes back the rotation, presence and sticky rows the batch changed, and the ledger's last number; and
    /// keeps the keys the batch wrote in the filter of known keys.
    mutating func save() throws {
        if var filter, let known {
            // The session's copy let go first: the filter is then this one's alone, and adding keys does not copy it.
            self.filter = nil
            for key in assignedInBatch.keys where !filter.mayContain(key.hash) { filter.insert(key.hash) }
            for key in dirtySticky where !filter.mayContain(key.hash) { filter.insert(key.hash) }
            known.keep(filter)
        }
        if let lastSeq {
            try db.cachedStatement(sql: "UPDATE counters SET value = ? WHERE name = 'ledger'").execute(arguments: [
                lastSeq
            ])
        }
        try saveSticky()
        try rememberSticky()
        try rememberCounts()
        for team in plan.teams.indices where loadedTeams[team] {
            for (position, member) in plan.teams[team].members.enumerated() {
                let slot = texts.slotBase[team] + position
                if rotationChanged[slot], let state = rotation[slot] {
                    try db.cachedStatement(
                        sql: "INSERT OR REPLACE INTO rotation (team, rep, last_seq, credit) VALUES (?, ?, ?, ?)"
                    ).execute(arguments: [
                        plan.teams[team].id, plan.reps[member.rep].id, state.lastSeq, state.credit,
                    ])
                }
                if presenceChanged[slot], let state = presence[slot] {
                    try db.cachedStatement(
                        sql:
                            "INSERT OR REPLACE INTO presence (team, rep, away, returned_at, offset) VALUES (?, ?, ?, ?, ?)"
                    ).execute(arguments: [
                        plan.teams[team].id, plan.reps[member.rep].id, state.away, state.returnedAt, state.offset,
                    ])
                }
            }
        }
    }
}

extension AssignmentSession {
    /// Sticky rows per statement (`RowWriter.write`).
    static let stickyPerStatement = 64

    static func stickySQL(rows: Int) -> String {
        "INSERT OR REPLACE INTO sticky (key, owner, at) VALUES "
            + repeatElement("(?, ?, ?)", count: rows).joined(separator: ", ")
    }

    static let fullStickyStatement = stickySQL(rows: stickyPerStatement)

    /// Writes the sticky owners the batch changed, their texts bound where they lie in one buffer, in the order of
    /// the table's key (`ArenaKey.precedes`): each row then goes down the path of the table's tree that the row
    /// before it took, whose pages are in the processor's caches, rather than to a page anywhere in the table.
    func saveSticky() throws {
        var texts = PackedTexts(capacity: 64 * dirtySticky.count, texts: 2 * dirtySticky.count)
        var times: [Double] = []
        times.reserveCapacity(dirtySticky.count)
        for key in ArenaKey.sorted(dirtySticky) {
            // Written by this batch: its owner is the plan's.
            guard let entry = sticky[key] ?? nil, let rep = entry.rep else { continue }
            texts.append(key.bytes as UnsafeBufferPointer<UInt8>?)
            texts.append(plan.reps[rep].id)
            times.append(entry.at)
        }
        try texts.bytes.withUnsafeBufferPointer { bytes in
            try RowWriter.write(
                times.indices,
                perStatement: Self.stickyPerStatement,
                full: Self.fullStickyStatement,
                sql: Self.stickySQL(rows:),
                kind: .sticky,
                statements: statements,
                db
            ) { row, writer in
                writer.text(borrowing: texts.text(2 * row, in: bytes))
                writer.text(borrowing: texts.text(2 * row + 1, in: bytes))
                writer.real(times[row])
            }
        }
    }
}

extension [Double] {
    /// Inserts `time` after every time not later than it: the array stays in order.
    mutating func insertOrdered(_ time: Double) {
        // Times nearly always come in order: appended, without a search.
        guard let last, last > time else { return append(time) }
        insert(time, at: firstIndex(notBefore: time.nextUp))
    }

    /// How many of the times, in order (`insertOrdered`), lie in [from, until).
    func countOrdered(from: Double, until: Double) -> Int {
        guard from < until else { return 0 }
        return firstIndex(notBefore: until) - firstIndex(notBefore: from)
    }

    /// The index of the first time not before `time` (`endIndex` if none), by bisection.
    func firstIndex(notBefore time: Double) -> Int {
        var (low, high) = (startIndex, endIndex)
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension UnsafeMutablePointer<UInt8> {
    /// Copies `bytes` here and moves past them: texts made in place, piece by piece.
    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        memcpy(self, source, bytes.count)
        self += bytes.count
    }

    @inline(__always)
    mutating func put(_ text: StaticString) {
        memcpy(self, text.utf8Start, text.utf8CodeUnitCount)
        self += text.utf8CodeUnitCount
    }
}
