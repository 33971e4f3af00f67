/// The lead fields rules may name, with their types: a documented default, extended by `fields:` in rule files.
///
/// A name not in the catalog is an error with a suggestion, so a misspelt field never makes a condition that
/// silently never fires. Event fields are listed as `events.NAME`.
struct FieldCatalog: Sendable {
    var fields: [String: FieldType]

    static let standard: [String: FieldType] = [
        "id": .string,
        "source": .string,
        "created_at": .timestamp,
        "contact.first_name": .string,
        "contact.last_name": .string,
        "contact.email": .email,
        "contact.title": .string,
        "contact.seniority": .string,
        "contact.phone": .string,
        "contact.country": .country,
        "company.name": .string,
        "company.domain": .domain,
        "company.employees": .number,
        "company.revenue": .number,
        "company.industry": .string,
        "company.country": .country,
        "company.state": .string,
        "interests": .list,
        "message": .string,
        "events": .events,
        "events.type": .string,
        "events.at": .timestamp,
        "events.url": .string,
        "events.campaign": .string,
        "events.form": .string,
        "events.webinar": .string,
        "events.event": .string,
        "events.plan": .string,
        "events.value": .number,
    ]

    init() {
        fields = Self.standard
    }

    /// The names of the fields of an event collection (`events` -> `type`, `at`, ...).
    func eventFields(of collection: String) -> [String: FieldType] {
        var result: [String: FieldType] = [:]
        for (path, type) in fields where path.hasPrefix(collection + ".") {
            result[String(path.dropFirst(collection.count + 1))] = type
        }
        return result
    }
}
