import Foundation
public import Leads
import YAML

/// A deal's progress, reported back: an opportunity moves through its stages and closes, won or lost.
///
/// A record of a lead file is an outcome update when it has `"kind": "outcome"`; it names the lead by id, the stage
/// the opportunity has reached, when, and for `won` the amount and currency, for `lost` the reason. See
/// docs/analytics.md.
public struct OutcomeUpdate: Sendable, Hashable {
    /// The opportunity stages in order; `won` and `lost` close it.
    public enum Stage: String, Sendable, Hashable, CaseIterable {
        case discovery
        case negotiation
        case delivery
        case won
        case lost

        /// Position in the pipeline: a move must go forward.
        public var rank: Int {
            switch self {
            case .discovery: 0
            case .negotiation: 1
            case .delivery: 2
            case .won, .lost: 3
            }
        }

        public var closes: Bool { self == .won || self == .lost }
    }

    public var lead: String
    public var stage: Stage
    /// Seconds since 1970.
    public var at: Double
    public var amount: Double?
    public var currency: String?
    public var reason: String?
    public var origin: LeadOrigin

    static let keys = ["kind", "lead", "stage", "at", "amount", "currency", "reason"]

    /// True for a record marked `"kind": "outcome"`.
    public static func isOutcome(_ lead: LeadDocument) -> Bool {
        lead.member("kind", of: LeadDocument.root).flatMap(lead.string) == "outcome"
    }

    /// The update a record describes, or why it is not a valid one. `now` is used when the record has no `at`.
    public static func parse(_ record: LeadRecord, now: Double) -> Result<OutcomeUpdate, OutcomeError> {
        // Empty values count as absent: a CSV file has every column on every row, a lead's columns included.
        var fields = LeadObject()
        for field in record.fields.fields where !isBlank(field.value) { fields.set(field.key, field.value) }
        func fail(_ reason: String) -> Result<OutcomeUpdate, OutcomeError> { .failure(OutcomeError(reason: reason)) }
        for field in fields.fields where !keys.contains(field.key) {
            let suggestion = Suggestion.closest(to: field.key, in: keys).map { " (did you mean '\($0)'?)" } ?? ""
            return fail(
                "outcome update: unknown field '\(field.key)'\(suggestion); expected \(keys.joined(separator: ", "))"
            )
        }
        guard case .string(let lead) = fields["lead"], !lead.isEmpty else {
            return fail("outcome update: 'lead' (the lead's id, a string) is missing")
        }
        guard case .string(let stageName) = fields["stage"] else {
            return fail("outcome update for \(lead): 'stage' is missing (\(Self.stageNames))")
        }
        guard let stage = Stage(rawValue: stageName.lowercased()) else {
            return fail("outcome update for \(lead): unknown stage '\(stageName)'; expected \(Self.stageNames)")
        }
        var at = now
        switch fields["at"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let seconds = Timestamp.seconds(text) else {
                return fail("outcome update for \(lead): 'at' is not a time such as 2026-11-29T10:00:00Z: '\(text)'")
            }
            at = seconds
        default:
            return fail("outcome update for \(lead): 'at' must be a time such as 2026-11-29T10:00:00Z")
        }
        var update = OutcomeUpdate(lead: lead, stage: stage, at: at, origin: record.origin)
        switch fields["amount"] {
        case nil, .null?: break
        case .int(let value)?: update.amount = Double(value)
        case .double(let value)?: update.amount = value
        case .string(let text)? where Double(text.trimmingCharacters(in: .whitespaces)) != nil:
            // CSV cells are text unless a mapping types them.
            update.amount = Double(text.trimmingCharacters(in: .whitespaces))
        default: return fail("outcome update for \(lead): 'amount' must be a number")
        }
        if let amount = update.amount, !(amount >= 0 && amount.isFinite) {
            return fail("outcome update for \(lead): 'amount' must be zero or more")
        }
        switch fields["currency"] {
        case nil, .null?: break
        case .string(let code)?
        where code.count == 3
            && code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) }):
            update.currency = code.uppercased()
        default: return fail("outcome update for \(lead): 'currency' must be a three-letter ISO 4217 code such as EUR")
        }
        switch fields["reason"] {
        case nil, .null?: break
        case .string(let text)? where !text.isEmpty: update.reason = text
        default: return fail("outcome update for \(lead): 'reason' must be a text")
        }
        switch stage {
        case .won:
            guard update.amount != nil, update.currency != nil else {
                return fail("outcome update for \(lead): 'won' needs an amount and a currency")
            }
        case .lost:
            guard update.reason != nil else { return fail("outcome update for \(lead): 'lost' needs a reason") }
            if update.amount != nil { return fail("outcome update for \(lead): a lost deal has no amount") }
        default:
            if update.amount != nil || update.currency != nil {
                return fail("outcome update for \(lead): an amount and currency go with 'won' only")
            }
        }
        return .success(update)
    }

    /// Null, an empty or blank string, or an object or array of such.
    static func isBlank(_ value: LeadValue) -> Bool {
        switch value {
        case .null: true
        case .string(let text): text.allSatisfy(\.isWhitespace)
        case .object(let object): object.fields.allSatisfy { isBlank($0.value) }
        case .array(let items): items.allSatisfy(isBlank)
        default: false
        }
    }

    static var stageNames: String { Stage.allCases.map(\.rawValue).joined(separator: ", ") }

    /// The update as the outbox's `outcomes/` files and reports show it.
    public func json(previous: String?) -> LeadObject {
        var object = LeadObject()
        object.set("lead", .string(lead))
        object.set("stage", .string(stage.rawValue))
        object.set("previous_stage", previous.map { .string($0) } ?? .null)
        object.set("at", .string(Timestamp.iso8601(at)))
        if let amount { object.set("amount", amount == amount.rounded() ? .int(Int(amount)) : .double(amount)) }
        if let currency { object.set("currency", .string(currency)) }
        if let reason { object.set("reason", .string(reason)) }
        var origin = LeadObject()
        origin.set("file", .string(self.origin.file))
        origin.set("line", .int(self.origin.line))
        origin.set("record", .int(self.origin.record))
        object.set("origin", .object(origin))
        return object
    }
}

/// Why an outcome update is not applied.
public struct OutcomeError: Error, Sendable, Hashable {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }
}
