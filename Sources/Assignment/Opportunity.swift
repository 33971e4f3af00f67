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
        private(set) var bytes: [UInt8] = []

        init(capacity: Int = 0) {
            bytes.reserveCapacity(capacity)
        }

        /// An empty chain in `buffer`'s storage (taken from it, and left empty): `take()` gives it back.
        init(reusing buffer: inout [UInt8]) {
            swap(&bytes, &buffer)
            bytes.removeAll(keepingCapacity: true)
            bytes.reserveCapacity(1024)
        }

        /// The chain's storage, for `init(reusing:)` to use again; the chain is left empty.
        mutating func take() -> [UInt8] {
            var taken: [UInt8] = []
            swap(&taken, &bytes)
            return taken
        }

        init(_ reasons: [Reason]) {
            for reason in reasons { append(step: reason.step, detail: reason.detail, rep: reason.rep) }
        }

        /// A step written once: `fragment(step:detail:rep:)`'s bytes.
        mutating func append(_ fragment: [UInt8]) {
            if !bytes.isEmpty { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: fragment)
        }

        mutating func append(step: String, detail: String, rep: String? = nil) {
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
            array.append(contentsOf: bytes)
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
        var json = JSONWriter(capacity: 512 + reasonChain.bytes.count)
        json.byte(0x7B)
        json.key("lead", first: true)
        json.string(lead)
        json.key("status")
        json.string(status.rawValue)
        json.key("owner")
        json.string(orNull: owner)
        if let ownerName {
            json.key("owner_name")
            json.string(ownerName)
        }
        if let ownerEmail {
            json.key("owner_email")
            json.string(ownerEmail)
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
        json.string(orNull: playbook)
        json.key("reasons")
        json.byte(0x5B)
        reasonChain.bytes.withUnsafeBytes { json.raw($0) }
        json.byte(0x5D)
        if replayed {
            json.key("replayed")
            json.raw("true")
        }
        json.byte(0x7D)
        json.finish(into: &out)
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
