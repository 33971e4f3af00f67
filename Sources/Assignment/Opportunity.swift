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
    public var reasons: [Reason]
    /// True when the ledger already held this lead: the same record, not counted again.
    public var replayed: Bool = false

    /// The record as JSON, as the outbox and `leadd assign` write it: `writeJSON`'s line, read back.
    public var json: LeadObject { LeadObject(writtenBy: writeJSON) }

    /// The same JSON as `json`, written straight to bytes (the ledger keeps one per lead).
    public func writeJSON(into out: inout [UInt8]) {
        var json = JSONWriter()
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
        json.array(reasons) { json, reason in
            json.byte(0x7B)
            json.key("step", first: true)
            json.string(reason.step)
            if let rep = reason.rep {
                json.key("rep")
                json.string(rep)
            }
            json.key("detail")
            json.string(reason.detail)
            json.byte(0x7D)
        }
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
        var reasons: [Reason] = []
        if case .array(let items) = json["reasons"] {
            for case .object(let item) in items {
                if case .string(let step) = item["step"], case .string(let detail) = item["detail"] {
                    var rep: String?
                    if case .string(let value) = item["rep"] { rep = value }
                    reasons.append(Reason(step: step, detail: detail, rep: rep))
                }
            }
        }
        self.reasons = reasons
    }

    init(
        lead: String,
        status: Status,
        method: String,
        stage: String,
        assignedAt: Double,
        reasons: [Reason]
    ) {
        self.lead = lead
        self.status = status
        self.method = method
        self.stage = stage
        self.assignedAt = assignedAt
        self.reasons = reasons
    }
}
