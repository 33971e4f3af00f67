public import Leads
import YAML

/// What assignment decided for one qualified lead: an owner (or a queue), and why.
///
/// Written into the lead's decision as `assignment`, and kept in the ledger so reprocessing the same lead returns
/// the same record.
public struct Opportunity: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// A rep owns it.
        case assigned
        /// It waits in a queue without an owner.
        case queued
    }

    /// One step of the reason chain: `account`, `sticky`, `team`, `strategy`, `skipped`, `overflow`, `queue`.
    public struct Reason: Sendable, Hashable {
        public var step: String
        public var detail: String
        /// For `skipped`: the rep.
        public var rep: String?

        public init(step: String, detail: String, rep: String? = nil) {
            self.step = step
            self.detail = detail
            self.rep = rep
        }

        /// A step as the record's JSON holds it, `{"step":...,"rep":...,"detail":...}`; nil when not one.
        init?(json item: LeadValue) {
            guard case .object(let object) = item, case .string(let step) = object["step"],
                case .string(let detail) = object["detail"]
            else { return nil }
            var rep: String?
            if case .string(let value) = object["rep"] { rep = value }
            self.init(step: step, detail: detail, rep: rep)
        }
    }

    /// The reason chain as the record's JSON holds it: the array's items, `{"step":...,"detail":...}` objects
    /// separated by commas. Assignment writes each step as it finds it, most of them copied from texts made once
    /// per plan (`ReasonChain.fragment`), instead of building a value per step and writing it out afterwards.
    public struct ReasonChain: Sendable, Hashable {
        /// The steps' JSON (`ByteBuffer`: a step appended is a copy, not `Array.append(contentsOf:)`'s generic path).
        private(set) var buffer = ByteBuffer()
        /// Where the steps copied from shared texts lie in `bytes`, for the ledger to store as references.
        private(set) var shared: [(offset: Int, count: Int, hash: UInt64)] = []
        /// The index in `shared` of a text appended whole (`appendWhole`): stored as one reference of its own, never
        /// joined to the steps beside it in a run (`AssignmentSession.referenceUnits`).
        private(set) var whole: Int?
        /// Whether the chain takes no steps: an owner simulation's (`OwnerSimulation`), which needs the choice only.
        var muted = false

        init(capacity: Int = 0) {
            // An empty chain allocates nothing.
            if capacity > 0 { buffer = ByteBuffer(capacity: capacity) }
        }

        init(_ reasons: [Reason]) {
            for reason in reasons { append(step: reason.step, detail: reason.detail, rep: reason.rep) }
        }

        /// The steps' JSON.
        var bytes: ArraySlice<UInt8> { buffer.bytes }

        /// How many bytes the steps' JSON has: a mark between two steps (`steps(after:)`).
        var count: Int { buffer.count }

        /// Calls `body` with the steps' JSON.
        func withBytes<Result, Failure>(
            _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
        ) throws(Failure) -> Result {
            try buffer.withBytes(body)
        }

        /// Emptied, its storage kept, for the next lead.
        mutating func removeAll() {
            buffer.removeAll()
            if !shared.isEmpty { shared.removeAll(keepingCapacity: true) }
            whole = nil
        }

        /// A step written once: `fragment(step:detail:rep:)`'s bytes.
        mutating func append(_ fragment: UnsafeBufferPointer<UInt8>) {
            guard !muted else { return }
            if !buffer.isEmpty { buffer.append(UInt8(ascii: ",")) }
            buffer.append(fragment)
        }

        /// `append(_:)` of an array's bytes.
        mutating func append(_ fragment: [UInt8]) {
            fragment.withUnsafeBufferPointer { append($0) }
        }

        /// A step the ledger stores once for all records (`SharedText`).
        mutating func append(_ text: SharedText) {
            guard !muted else { return }
            if !buffer.isEmpty { buffer.append(UInt8(ascii: ",")) }
            if text.shareable { shared.append((buffer.count, text.bytes.count, text.hash)) }
            buffer.append(text.bytes)
        }

        /// Steps the ledger stores once for all records, as one text (a queue's tail of steps, the same for every
        /// lead of a team when its members are capped), referred to alone: joined in a run with a step before it
        /// (a company's sticky step), they would make a shared text per company.
        mutating func appendWhole(_ text: SharedText) {
            guard !muted else { return }
            append(text)
            if text.shareable { whole = shared.count - 1 }
        }

        /// The steps written after the first `mark` bytes (a `count` taken between two steps), as a chain of their
        /// own, their shared texts marked as they were.
        func steps(after mark: Int) -> ReasonChain {
            var tail = ReasonChain()
            // The comma between the steps before the mark and the first after it is not the tail's.
            let start = mark > 0 && mark < buffer.count ? mark + 1 : mark
            buffer.withBytes { tail.buffer.append(UnsafeBufferPointer(rebasing: $0[start...])) }
            for (index, step) in shared.enumerated() where step.offset >= start {
                if index == whole { tail.whole = tail.shared.count }
                tail.shared.append((step.offset - start, step.count, step.hash))
            }
            return tail
        }

        /// `other`'s steps after this chain's, as if each had been appended in turn.
        mutating func append(contentsOf other: ReasonChain) {
            guard !muted, !other.buffer.isEmpty else { return }
            if !buffer.isEmpty { buffer.append(UInt8(ascii: ",")) }
            let start = buffer.count
            if let whole = other.whole { self.whole = shared.count + whole }
            for step in other.shared { shared.append((step.offset + start, step.count, step.hash)) }
            other.buffer.withBytes { buffer.append($0) }
        }

        // Two chains are the same steps whatever was shared.
        public static func == (a: ReasonChain, b: ReasonChain) -> Bool { a.buffer == b.buffer }

        public func hash(into hasher: inout Hasher) { hasher.combine(buffer) }

        /// A step without a rep whose detail is UTF-8 bytes, written straight into the chain: the same JSON as
        /// `fragment(step:detail:)` makes, without an array of its own.
        mutating func append(step: StaticString, detail: UnsafeBufferPointer<UInt8>) {
            guard !muted else { return }
            if !buffer.isEmpty { buffer.append(UInt8(ascii: ",")) }
            buffer.append(#"{"step":""#)
            buffer.append(step)
            buffer.append(#"","detail":"#)
            buffer.appendJSONString(detail)
            buffer.append(UInt8(ascii: "}"))
        }

        /// A step without a rep whose detail is written in parts, straight into the chain: `opening` (the step's
        /// JSON up to its detail's first byte, `{"step":"account","detail":"`), then each part (`appendDetail`),
        /// then `endStep()`. The same JSON as `append(step:detail:)` makes of the whole detail, with fewer appends
        /// and no detail of its own to write first.
        mutating func beginStep(_ opening: StaticString) {
            guard !muted else { return }
            if !buffer.isEmpty { buffer.append(UInt8(ascii: ",")) }
            buffer.append(opening)
        }

        /// Part of a step's detail: UTF-8 bytes, escaped as a JSON string's.
        mutating func appendDetail(_ part: UnsafeBufferPointer<UInt8>) {
            guard !muted else { return }
            buffer.appendEscaped(part)
        }

        /// Part of a step's detail that needs no escape.
        mutating func appendDetail(_ part: StaticString) {
            guard !muted else { return }
            buffer.append(part)
        }

        mutating func endStep() {
            guard !muted else { return }
            buffer.append(#""}"#)
        }

        mutating func append(step: String, detail: String, rep: String? = nil) {
            guard !muted else { return }
            append(Self.fragment(step: step, detail: detail, rep: rep))
        }

        /// One step's JSON object.
        static func fragment(step: String, detail: String, rep: String? = nil) -> [UInt8] {
            var json = JSONWriter(capacity: detail.utf8.count + 64)
            json.byte(0x7B)
            json.key("step", first: true)
            json.string(step)
            if let rep {
                json.key("rep")
                json.string(rep)
            }
            json.key("detail")
            json.string(detail)
            json.byte(0x7D)
            return json.finish()
        }

        /// The steps, read back from the JSON.
        var reasons: [Reason] {
            var array: [UInt8] = [0x5B]
            array.append(bytesOf: bytes)
            array.append(0x5D)
            let value = array.withUnsafeBufferPointer { try? JSONParser.parse($0, maxDepth: 8) }
            guard case .array(let items) = value else { return [] }
            return items.compactMap(Reason.init(json:))
        }
    }

    /// The ledger key: the lead's id, or `content:HASH` for leads without one.
    public var lead: String
    public var status: Status
    public var owner: String?
    public var ownerName: String?
    public var ownerEmail: String?
    public var team: String?
    public var queue: String?
    /// How the owner was found: `account`, `sticky`, a strategy name, or `queue`.
    public var method: String
    /// The opportunity stage (`discovery`).
    public var stage: String
    /// Seconds since 1970: the decision's `now`.
    public var assignedAt: Double
    /// When the first contact is due, from the SLA counted in the owner's working hours.
    public var firstContactDue: Double?
    public var playbook: String?
    /// The reason chain, in the order it was found.
    public var reasons: [Reason] {
        get { reasonChain.reasons }
        set { reasonChain = ReasonChain(newValue) }
    }
    var reasonChain: ReasonChain
    /// True when the ledger already held this lead: the same record, not counted again.
    public var replayed: Bool = false

    /// The record as JSON, as the outbox and `leadd assign` write it: `writeJSON`'s line, read back.
    public var json: LeadObject { LeadObject(writtenBy: writeJSON) }

    /// The same JSON as `json`, written straight to bytes (the ledger keeps one per lead).
    public func writeJSON(into out: inout [UInt8]) {
        _ = writeJSON(appendingTo: &out)
    }

    /// Where the texts a ledger record can share lie in the JSON `writeJSON(appendingTo:)` wrote, as offsets from
    /// where it started.
    struct Layout {
        /// The owner's id, name and address (`writeOwner`), when there is an owner.
        var owner: Range<Int>?
        /// The playbook's string, when there is one.
        var playbook: Range<Int>?
        /// Where the reason chain's bytes start.
        var reasons: Int
    }

    /// `writeJSON(into:)`, saying where the shareable texts went.
    func writeJSON(appendingTo out: inout [UInt8]) -> Layout {
        var json = JSONWriter(capacity: 512 + reasonChain.count)
        json.byte(0x7B)
        json.key("lead", first: true)
        json.string(lead)
        json.key("status")
        json.string(status.rawValue)
        json.key("owner")
        var layout = Layout(reasons: 0)
        if let owner {
            let start = json.count
            Self.writeOwner(&json, id: owner, name: ownerName, email: ownerEmail)
            layout.owner = start..<json.count
        } else {
            json.null()
            Self.writeOwnerDetails(&json, name: ownerName, email: ownerEmail)
        }
        json.key("team")
        json.string(orNull: team)
        json.key("queue")
        json.string(orNull: queue)
        json.key("method")
        json.string(method)
        json.key("stage")
        json.string(stage)
        json.key("assigned_at")
        json.timestamp(assignedAt)
        json.key("first_contact_due")
        if let firstContactDue { json.timestamp(firstContactDue) } else { json.null() }
        json.key("playbook")
        if let playbook {
            let start = json.count
            json.string(playbook)
            layout.playbook = start..<json.count
        } else {
            json.null()
        }
        json.key("reasons")
        json.byte(0x5B)
        layout.reasons = json.count
        reasonChain.withBytes { json.raw(UnsafeRawBufferPointer($0)) }
        json.byte(0x5D)
        if replayed {
            json.key("replayed")
            json.raw("true")
        }
        json.byte(0x7D)
        json.finish(into: &out)
        return layout
    }

    /// The owner's id, then its name and address when it has them: what follows `"owner":` in the record.
    static func writeOwner(_ json: inout JSONWriter, id: String, name: String?, email: String?) {
        json.string(id)
        writeOwnerDetails(&json, name: name, email: email)
    }

    static func writeOwnerDetails(_ json: inout JSONWriter, name: String?, email: String?) {
        if let name {
            json.key("owner_name")
            json.string(name)
        }
        if let email {
            json.key("owner_email")
            json.string(email)
        }
    }

    /// Reads a record back from the ledger's JSON.
    init?(json: LeadObject) {
        func text(_ key: String) -> String? {
            if case .string(let value) = json[key] { return value }
            return nil
        }
        guard let lead = text("lead"), let status = text("status").flatMap(Status.init(rawValue:)),
            let method = text("method"), let stage = text("stage"),
            let assignedAt = text("assigned_at").flatMap(Timestamp.seconds)
        else { return nil }
        self.lead = lead
        self.status = status
        self.owner = text("owner")
        self.ownerName = text("owner_name")
        self.ownerEmail = text("owner_email")
        self.team = text("team")
        self.queue = text("queue")
        self.method = method
        self.stage = stage
        self.assignedAt = assignedAt
        self.firstContactDue = text("first_contact_due").flatMap(Timestamp.seconds)
        self.playbook = text("playbook")
        var items: [LeadValue] = []
        if case .array(let array) = json["reasons"] { items = array }
        reasonChain = ReasonChain(items.compactMap(Reason.init(json:)))
    }

    init(
        lead: String,
        status: Status,
        method: String,
        stage: String,
        assignedAt: Double,
        reasons: ReasonChain
    ) {
        self.lead = lead
        self.status = status
        self.method = method
        self.stage = stage
        self.assignedAt = assignedAt
        reasonChain = reasons
    }
}
