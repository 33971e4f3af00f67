import Assignment
import YAML

/// An opportunity record as a person reads it.
enum OpportunityText {
    /// `owner ana (Ana Lima), team enterprise-americas, by weighted_round_robin; first contact due ...`
    static func summary(_ opportunity: Opportunity) -> String {
        var text: String
        if let owner = opportunity.owner {
            text = "owner \(owner)" + (opportunity.ownerName.map { " (\($0))" } ?? "")
        } else {
            text = "queued to \(opportunity.queue ?? "-")"
        }
        if let team = opportunity.team { text += ", team \(team)" }
        text += ", by \(opportunity.method)"
        if let due = opportunity.firstContactDue { text += "; first contact due \(Timestamp.iso8601(due))" }
        if opportunity.replayed { text += " (already in the ledger)" }
        return text
    }
}
