import GRDB
public import Leads
public import Rules
import YAML

/// The history in the state: every decision, every assignment and every outcome update, written batch by batch in
/// one transaction each, so a batch is recorded whole or not at all.
///
/// Reprocessing the same input (after a crash) writes nothing twice: decisions are keyed by claim and record,
/// assignments by lead, and an outcome update identical to one already applied counts as applied.
public struct Ledger: Sendable {
    public let store: AssignmentStore
    /// Assigns leads on assigned routes, when the rules have an assignment configuration.
    public let assigner: Assigner?

    public init(store: AssignmentStore, plan: AssignmentPlan?) {
        self.store = store
        assigner = plan.map { Assigner(plan: $0, store: store) }
    }

    /// The ledger of `assigner`'s state, assigning with it.
    init(assigner: Assigner) {
        store = assigner.store
        self.assigner = assigner
    }

    public enum Entry: Sendable {
        /// A decided lead: recorded, and assigned when its route is assigned. Made by `entry(_:)`.
        case lead(Decided)
        /// Boxed (`indirect`): an update is some twenty words, and a batch's entries are moved and matched on as
        /// one or two words each.
        indirect case outcome(OutcomeUpdate)
    }

    /// A decided lead as the ledger needs it: its decision, and its row in `decisions` with what assignment reads
    /// of the lead (`LeadKeys.appendSources`). The lead's document is not kept, so a batch of these is small. A
    /// class: an entry is passed around and matched on several times per batch, each time one reference rather than
    /// every field's.
    public final class Decided: Sendable {
        public let decision: Decision
        let row: DecisionRow
        /// Whether `row` holds the texts the lead's keys are made of, after its own: it is on an assigned route.
        let assigned: Bool

        init(decision: Decision, row: DecisionRow, assigned: Bool) {
            self.decision = decision
            self.row = row
            self.assigned = assigned
        }

        /// The lead's assignment, written by `session` (`AssignmentSession.write`). From here, its decision's
        /// placement is read in place: read by the caller, it would be copied (a reference count, and a copy through
        /// its type's value witnesses) for every lead.
        func write(in session: inout AssignmentSession?, keys: LeadKeys) throws -> AssignmentSession.Written? {
            try session?.write(placement: decision.placement, now: decision.now, keys: keys)
        }
    }

    /// The entry for a decided lead, made as soon as it is decided (by the worker that decided it, outside the
    /// state's transaction). It is recorded by this ledger (`record`), whose plan says what it holds of the lead.
    public func entry(_ item: Assigner.Item) -> Entry {
        entry(decision: item.decision, lead: item.lead)
    }

    /// `entry(_:)` for a decision just made: it is moved into the entry, not copied (a copy retains each of its
    /// arrays and strings).
    public func entry(decision: consuming Decision, lead: borrowing LeadRecord) -> Entry {
        entry(decision: decision, lead: lead, record: nil)
    }

    /// `entry(decision:lead:)`, as record `record` of its batch when given, whatever its origin says: for batches
    /// that are not one file's records in order (`Assigner.assign`).
    func entry(decision: consuming Decision, lead: borrowing LeadRecord, record: Int?) -> Entry {
        var row = DecisionRow(decision: decision, lead: lead)
        // Through the assigner in place: bound to a constant, it would be copied, a retain for each of its fields.
        let assigned = assigner?.appendSources(decision: decision, lead: lead, into: &row.texts) ?? false
        if let record { row.record = record }
        return .lead(Decided(decision: decision, row: row, assigned: assigned))
    }

    /// A new opportunity's columns in the ledger, which are its decision's row's: written by the assignment
    /// session, bound by `DecisionRows.insert`.
    struct Columns {
        /// Where the lead's key in the ledger lies in the session's `columnTexts` when it has no id: `content:HASH`
        /// (`LeadKeys.lead`); nil for a lead with an id, which its decision's row holds already. No text of its
        /// own: the columns of a batch's leads are copied as plain bytes.
        var contentID: Range<Int>?
        /// Its number in the ledger's order (`counters`).
        var seq: Int64
        /// Where `team`, `owner`, `queue` and `method` lie in the session's `columnTexts`: the same for every lead
        /// with the same record head, so written once per head.
        var texts: Texts
        var due: Double?
        /// Where the record lies in the session's `output`, as written, and in its `stored` when the ledger keeps
        /// it with references to shared texts (`AssignmentSession.storeRecord`).
        var record: Range<Int>
        var stored: Range<Int>?

        struct Texts {
            var team: Range<Int>?
            var owner: Range<Int>?
            var queue: Range<Int>?
            var method: Range<Int>
        }
    }

    public enum Result: Sendable {
        /// The lead's decision was recorded; its opportunity's record, if its route is assigned.
        case decided(OpportunityRecord?)
        /// The update moved the opportunity on from `previous`. Boxed, as `Entry.outcome`: a batch's results are
        /// the size of a record, not of an update.
        indirect case applied(OutcomeUpdate, previous: String)
        indirect case refused(OutcomeUpdate, reason: String)
    }

    /// An opportunity made a value (`AssignmentSession.buildsOpportunities`), by reference: the records and results
    /// that may hold one stay a few words to move, where the value itself is some twenty.
    final class OpportunityBox: Sendable {
        let value: Opportunity

        init(_ value: Opportunity) {
            self.value = value
        }
    }

    /// An opportunity as the outbox writes it: its record's JSON (`Opportunity.writeJSON`'s bytes). The records of
    /// a batch are slices of one array, written one after the other inside the state's transaction: no array of
    /// its own per lead.
    public struct OpportunityRecord: Sendable {
        public let json: ArraySlice<UInt8>
        /// True when the ledger already held the lead: its recorded assignment, not counted again.
        public let replayed: Bool
        /// The opportunity as a value, when the batch made it one (`Assigner.assign`).
        var made: Opportunity? { box?.value }
        private let box: OpportunityBox?

        init(json: ArraySlice<UInt8>, replayed: Bool, made: OpportunityBox? = nil) {
            self.json = json
            self.replayed = replayed
            box = made
        }

        /// The record read back from its JSON.
        public var opportunity: Opportunity? {
            if let made { return made }
            let value = json.withUnsafeBufferPointer { try? JSONParser.parse($0, maxDepth: 64) }
            guard case .object(let object) = value, var opportunity = Opportunity(json: object) else { return nil }
            opportunity.replayed = replayed
            return opportunity
        }
    }

    /// Records a batch, in order, in one transaction. `claim` identifies the input (its claim id). The commit is
    /// synced before this returns unless `sync` is false: the caller then calls `store.sync()` before it relies
    /// on it (the daemon, once per file).
    public func record(_ entries: [Entry], claim: String, sync: Bool = true) throws -> [Result] {
        try record(entries, claim: claim, sync: sync, commit: true, values: false)
    }

    /// `record`, rolled back instead of committed when `commit` is false (a preview), and with each opportunity
    /// made a value as well when `values` is true (`OpportunityRecord.made`).
    func record(_ entries: [Entry], claim: String, sync: Bool, commit: Bool, values: Bool) throws -> [Result] {
        let opening = assigner?.plan.openingStage ?? OutcomeUpdate.Stage.discovery.rawValue
        // Keys and rows are made before the transaction: workers take turns inside it, not outside.
        let keys = assigner?.keys(entries)
        var rows = DecisionRows(entries)
        try rows.checkRecords()
        var registered: Bool?
        var learnt: [(hash: UInt64, bytes: [UInt8])] = []
        let results: [Result] = try store.transaction(commit: commit, sync: sync) { db in
            let claimKey = try DecisionRows.claimKey(claim, db)
            var session = assigner.map {
                AssignmentSession(
                    plan: $0.plan,
                    clocks: $0.clocks,
                    texts: $0.texts,
                    sharing: $0.sharing.value,
                    known: store.knownKeys,
                    fragments: store.knownFragments,
                    // A preview, rolled back, keeps no counts.
                    counts: commit ? store.rememberedCounts : nil,
                    stickyOwners: commit ? store.rememberedSticky : nil,
                    statements: store.statements,
                    db: db
                )
            }
            session?.buildsOpportunities = values
            if let keys { try session?.prefetch(keys) }
            /// Per entry: an outcome's result (by its place in `done`), or where a lead's record lies in the session's
            /// output. Plain bytes, copied without a reference count.
            enum Made {
                case done(Int)
                case lead(AssignmentSession.Written?)
            }
            var done: [Result] = []
            // Read once: reading the batch's keys through the optional copies (retains) its arena and arrays.
            let (leadKeys, slots) = (keys?.leads ?? [], keys?.slots ?? [])
            var made: [Made] = []
            made.reserveCapacity(entries.count)
            // Per decision row, in order: its opportunity's columns, if it made one.
            var columns: [Columns?] = []
            columns.reserveCapacity(rows.rows.count)
            /// Writes the decision rows not yet written, with their opportunities.
            func flush() throws {
                guard rows.written < columns.count else { return }
                try rows.insert(
                    columns: columns,
                    output: session?.output ?? [],
                    stored: session?.stored ?? [],
                    columnTexts: session?.columnTexts ?? [],
                    claimKey: claimKey,
                    statements: store.statements,
                    db
                )
                try session?.rowsWritten()
            }
            // By index: binding each entry would copy its decision (a retain per field).
            for index in entries.indices {
                switch entries[index] {
                case .outcome(let update):
                    // The decisions before the update are in the state first: it may be about one of them.
                    try flush()
                    done.append(try Self.apply(update, claim: claim, opening: opening, db: db))
                    made.append(.done(done.count - 1))
                case .lead(let decided):
                    let slot = slots.isEmpty ? -1 : slots[columns.count]
                    let written = slot < 0 ? nil : try decided.write(in: &session, keys: leadKeys[slot])
                    columns.append(written?.columns)
                    made.append(.lead(written))
                }
            }
            try flush()
            try session?.save()
            registered = session?.registeredSharing
            learnt = session?.learntFragments ?? []
            // Sliced once every record is written: the slices share the output's one array.
            let output = session?.output ?? []
            let opportunities = session?.opportunities ?? []
            return made.map { item in
                switch item {
                case .done(let index): done[index]
                case .lead(let written?):
                    .decided(
                        OpportunityRecord(
                            json: output[written.range],
                            replayed: written.replayed,
                            made: written.opportunity.map { opportunities[$0] }
                        )
                    )
                case .lead(nil): .decided(nil)
                }
            }
        }
        if commit {
            assigner?.sharing.learn(registered)
            // Known to be in the state only now that the batch that wrote them is committed.
            store.knownFragments.learn(learnt)
        }
        return results
    }

    /// Applies an update if the opportunity exists and the move is forward, else says why not.
    static func apply(_ update: OutcomeUpdate, claim: String, opening: String, db: Database) throws -> Result {
        func refuse(_ reason: String) -> Result { .refused(update, reason: reason) }
        func time(_ seconds: Double) -> String { Timestamp.iso8601(seconds) }
        guard
            let opened = try Double.fetchOne(db, sql: "SELECT at FROM ledger WHERE lead = ?", arguments: [update.lead])
        else {
            if let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT stage, route FROM decisions WHERE lead = ? ORDER BY at DESC, id DESC LIMIT 1",
                arguments: [update.lead]
            ) {
                let stage: String = row["stage"]
                let route: String = row["route"]
                return refuse("lead \(update.lead) is not an opportunity: it was decided \(stage) (route \(route))")
            }
            return refuse("unknown lead \(update.lead): no decision has this id")
        }
        struct Previous {
            var stage: OutcomeUpdate.Stage
            var at: Double
            var amount: Double?
            var currency: String?
            var reason: String?
        }
        let previous = try Row.fetchAll(
            db,
            sql: "SELECT stage, at, amount, currency, reason FROM outcomes WHERE lead = ? ORDER BY seq",
            arguments: [update.lead]
        ).compactMap { row -> Previous? in
            guard let stage = OutcomeUpdate.Stage(rawValue: row["stage"]) else { return nil }
            return Previous(
                stage: stage,
                at: row["at"],
                amount: row["amount"],
                currency: row["currency"],
                reason: row["reason"]
            )
        }
        if let index = previous.firstIndex(where: { $0.stage == update.stage }) {
            let same = previous[index]
            if same.at == update.at && same.amount == update.amount && same.currency == update.currency
                && same.reason == update.reason
            {
                // The same update again (a file processed again, or sent twice): already applied.
                return .applied(update, previous: index == 0 ? opening : previous[index - 1].stage.rawValue)
            }
            if update.stage.closes {
                return refuse(
                    "opportunity \(update.lead) is already closed: \(same.stage.rawValue) at \(time(same.at))"
                )
            }
            return refuse("opportunity \(update.lead) is already in \(same.stage.rawValue) since \(time(same.at))")
        }
        if let closed = previous.first(where: { $0.stage.closes }) {
            return refuse(
                "opportunity \(update.lead) is already closed: \(closed.stage.rawValue) at \(time(closed.at)); "
                    + "a closed opportunity does not move"
            )
        }
        let current = previous.last
        let currentStage = current?.stage.rawValue ?? opening
        if let current, update.stage.rank < current.stage.rank {
            return refuse(
                "backwards move for \(update.lead): it is in \(current.stage.rawValue) since \(time(current.at)), "
                    + "and \(update.stage.rawValue) comes before it"
            )
        }
        if update.at < opened {
            return refuse(
                "update for \(update.lead) at \(time(update.at)) is before the opportunity was opened (\(time(opened)))"
            )
        }
        if let current, update.at < current.at {
            return refuse(
                "update for \(update.lead) at \(time(update.at)) is before its previous update (\(current.stage.rawValue) "
                    + "at \(time(current.at)))"
            )
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO outcomes (lead, stage, at, amount, currency, reason, claim, record)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            update.lead, update.stage.rawValue, update.at, update.amount, update.currency, update.reason, claim,
            update.origin.record,
        ])
        return .applied(update, previous: currentStage)
    }
}

/// A decision as the ledger's `decisions` table holds it.
struct DecisionRow: Sendable {
    var record: Int
    let at: Double
    let line: Int
    let score: Double
    /// The text columns, in the order `insert` binds them: lead, file, rules version, source, stage, route, grade,
    /// scores, rules (`count` of them); then, for a lead on an assigned route, what its keys are made of
    /// (`LeadKeys.appendSources`).
    var texts: PackedTexts
    static let count = 9

    init(decision: borrowing Decision, lead input: borrowing LeadRecord) {
        record = input.origin.record
        at = decision.now
        line = input.origin.line
        score = decision.total
        var texts = PackedTexts(capacity: 1024, texts: 16)
        texts.append(decision.leadID)
        texts.append(input.origin.file)
        texts.append(decision.rulesVersion)
        input.document.withView { lead in
            let source = lead.member("source", of: LeadDocument.root)
            texts.append(source.flatMap { lead.kind($0) == .string ? lead.bytes($0) : nil })
        }
        texts.append(decision.stage)
        texts.append(decision.route)
        texts.append(decision.grade)
        texts.appendJSON(capacity: 128) { json in
            json.byte(UInt8(ascii: "{"))
            for index in decision.categoryPoints.indices {
                if index > 0 { json.byte(UInt8(ascii: ",")) }
                json.string(decision.categoryName(index))
                json.byte(UInt8(ascii: ":"))
                json.hundredths(decision.categoryPoints[index])
            }
            json.byte(UInt8(ascii: "}"))
        }
        // Disqualifiers, then the rules that gave points.
        texts.appendJSON(capacity: 512) { json in
            json.byte(UInt8(ascii: "["))
            for index in decision.disqualifications.indices {
                if index > 0 { json.byte(UInt8(ascii: ",")) }
                json.string(decision.disqualifications[index].rule)
            }
            for index in decision.fired.indices {
                if index > 0 || !decision.disqualifications.isEmpty { json.byte(UInt8(ascii: ",")) }
                decision.ruleNames.writeQuotedID(decision.fired[index].rule, into: &json)
            }
            json.byte(UInt8(ascii: "]"))
        }
        self.texts = texts
    }

}

/// A batch's rows for `decisions`, their texts in one buffer (copied from each lead's `DecisionRow` before the
/// transaction), inserted up to `perStatement` rows to a statement: a statement's own cost (its cursors, its start
/// and end) is paid once per 64 rows, not per row. A row of a lead that became an opportunity holds it too
/// (`Ledger.Columns`).
struct DecisionRows {
    static let perStatement = 64
    static let columns =
        "(id, record, lead, at, file, line, rules_version, source, stage, route, grade, score, scores, rules, team, "
        + "owner, queue, method, due, opportunity, opportunity_seq)"
    static let placeholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    /// A decision recorded again under its claim and record (the same input again) is left as it is, unless it
    /// made no opportunity and the same lead now makes one (the rules changed in between): the opportunity is
    /// kept on it.
    static let conflict = """
         ON CONFLICT (id) DO UPDATE SET lead = excluded.lead, team = excluded.team, owner = excluded.owner,
        queue = excluded.queue, method = excluded.method, due = excluded.due, opportunity = excluded.opportunity,
        opportunity_seq = excluded.opportunity_seq
        WHERE decisions.opportunity IS NULL AND excluded.opportunity IS NOT NULL
        AND coalesce(decisions.lead, excluded.lead) = excluded.lead
        """
    static let fullStatement = sql(rows: perStatement)
    /// The texts per row, in the order `insert` binds them (`DecisionRow.texts`).
    static let textsPerRow = DecisionRow.count

    var texts: PackedTexts
    var rows: [(record: Int, at: Double, line: Int, score: Double)] = []
    /// How many of `rows` are in the state.
    private(set) var written = 0

    init(_ entries: [Ledger.Entry]) {
        texts = PackedTexts(capacity: entries.count * 320, texts: entries.count * Self.textsPerRow)
        rows.reserveCapacity(entries.count)
        for index in entries.indices {
            guard case .lead(let decided) = entries[index] else { continue }
            let row = decided.row
            texts.append(row.texts, texts: DecisionRow.count)
            rows.append((row.record, row.at, row.line, row.score))
        }
    }

    /// Each decision of a batch is a record of its own, its key in `decisions`: a number twice is an error (the
    /// caller's), not a decision silently left out.
    func checkRecords() throws {
        var previous = Int.min
        for row in rows {
            if row.record > previous {
                previous = row.record
                continue
            }
            // Not in increasing order, as a file's are: checked one by one.
            var seen = Set<Int>()
            for row in rows where !seen.insert(row.record).inserted {
                throw DatabaseError(message: "record \(row.record) appears twice in one batch of decisions")
            }
            return
        }
    }

    /// The high bits of the keys of `claim`'s decisions: its number in `claims` (given on first use) times 2^32.
    /// A decision's key is this plus its record number.
    static func claimKey(_ claim: String, _ db: Database) throws -> Int {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO claims (claim) VALUES (?)").execute(arguments: [claim])
        guard
            let number = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM claims WHERE claim = ?"),
                arguments: [claim]
            )
        else { throw DatabaseError(message: "claim \(claim) has no number in the state") }
        return number << 32
    }

    static func sql(rows: Int) -> String {
        "INSERT INTO decisions \(columns) VALUES "
            + repeatElement(placeholders, count: rows).joined(separator: ", ") + conflict
    }

    /// Inserts the rows after those written, up to the `columns.count`th, keyed by `claimKey` (`claimKey(_:_:)`)
    /// and their record numbers, each with its opportunity's `columns` (its record in `output`, or as stored in
    /// `stored`). The texts are bound where they lie, for each statement's one step, then unbound.
    mutating func insert(
        columns: [Ledger.Columns?],
        output: [UInt8],
        stored: [UInt8],
        columnTexts: [UInt8],
        claimKey: Int,
        statements: PreparedStatements,
        _ db: Database
    ) throws {
        let rows = written..<columns.count
        for row in self.rows[rows] where row.record < 0 || row.record >= AssignmentStore.recordLimit {
            throw DatabaseError(
                message: "record \(row.record) is beyond the \(AssignmentStore.recordLimit) records of a file"
            )
        }
        try texts.bytes.withUnsafeBufferPointer { texts in
            try output.withUnsafeBufferPointer { output in
                try stored.withUnsafeBufferPointer { stored in
                    try columnTexts.withUnsafeBufferPointer { columnTexts in
                        let buffers = Buffers(texts: texts, output: output, stored: stored, columnTexts: columnTexts)
                        try RowWriter.write(
                            rows,
                            perStatement: Self.perStatement,
                            full: Self.fullStatement,
                            sql: Self.sql(rows:),
                            kind: .decisions,
                            statements: statements,
                            db
                        ) { index, writer in
                            bind(index, columns[index], claimKey: claimKey, from: buffers, to: &writer)
                        }
                    }
                }
            }
        }
        written = columns.count
    }

    /// Where the texts `bind` binds lie, for one `insert`.
    struct Buffers {
        var texts: UnsafeBufferPointer<UInt8>
        var output: UnsafeBufferPointer<UInt8>
        var stored: UnsafeBufferPointer<UInt8>
        var columnTexts: UnsafeBufferPointer<UInt8>
    }

    /// Binds row `index`, and its opportunity's columns (NULL without one).
    func bind(
        _ index: Int,
        _ opportunity: Ledger.Columns?,
        claimKey: Int,
        from buffers: Buffers,
        to writer: inout RowWriter
    ) {
        let row = rows[index]
        let first = index * Self.textsPerRow
        writer.integer(claimKey | row.record)
        writer.integer(row.record)
        let lead = texts.text(first, in: buffers.texts)
        if lead == nil, let id = opportunity?.contentID {
            writer.text(borrowing: UnsafeBufferPointer(rebasing: buffers.columnTexts[id]))
        } else {
            writer.text(borrowing: lead)
        }
        writer.real(row.at)
        writer.text(borrowing: texts.text(first + 1, in: buffers.texts))
        writer.integer(row.line)
        for text in (first + 2)...(first + 6) { writer.text(borrowing: texts.text(text, in: buffers.texts)) }
        writer.real(row.score)
        writer.text(borrowing: texts.text(first + 7, in: buffers.texts))
        writer.text(borrowing: texts.text(first + 8, in: buffers.texts))
        guard let opportunity else {
            for _ in 0..<7 { writer.null() }
            return
        }
        func text(_ span: Range<Int>?) -> UnsafeBufferPointer<UInt8>? {
            span.map { UnsafeBufferPointer(rebasing: buffers.columnTexts[$0]) }
        }
        writer.text(borrowing: text(opportunity.texts.team))
        writer.text(borrowing: text(opportunity.texts.owner))
        writer.text(borrowing: text(opportunity.texts.queue))
        writer.text(borrowing: text(opportunity.texts.method))
        writer.real(opportunity.due)
        writer.text(
            borrowing: opportunity.stored.map { UnsafeBufferPointer(rebasing: buffers.stored[$0]) }
                ?? UnsafeBufferPointer(rebasing: buffers.output[opportunity.record])
        )
        writer.integer(Int(opportunity.seq))
    }
}
