import Rules
import Testing

/// A record with no field of the catalog but its id is a file of another shape, not a lead: the daemon and
/// `leadd score` reject it with the reason `shapeProblem` gives.
struct LeadShapeTests {
    let program: Program

    init() throws {
        program = try RuleFixture([
            "fit.yaml": """
            version: 1
            category: fit
            fields:
              utm.campaign: string
            rules:
              - {id: fit.big, when: company.employees >= 1000, points: 10}
            """,
            "qualification.yaml": qualification,
        ]).program()
    }

    @Test(arguments: [
        #"{"id":"L-1","contact":{"email":"ana@acme.example"}}"#,
        // A field the rules never read is still a lead's field.
        #"{"source":"web_form"}"#,
        #"{"company":{"state":"CA"}}"#,
        #"{"events":[]}"#,
        #"{"interests":"routing"}"#,
        // Fields added with `fields:`.
        #"{"id":"L-2","utm":{"campaign":"q4"}}"#,
        // A known field after unknown ones, and a wrong type is still the field (the rules say it is missing).
        #"{"results":[],"paging":{},"company":{"employees":"many"}}"#,
    ])
    func leads(_ json: String) throws {
        #expect(program.shapeProblem(try lead(json)) == nil)
    }

    @Test(arguments: [
        // An API response that wraps its leads.
        (
            #"{"paging":{"next":{"after":"2"}},"results":[{"id":"1","properties":{"email":"a@b.example"}}]}"#,
            "it has 'paging', 'results'"
        ),
        // A CRM export's flat columns, read without a mapping: `company` is a text, not the company object.
        (
            #"{"id":"L-1","email":"ana@acme.example","company":"Acme","title":"VP Sales"}"#,
            "it has 'id', 'email', 'company', 'title'"
        ),
        (#"{"id":"L-2"}"#, "it has 'id'"),
        (#"{"contact":{"email":null},"company":{}}"#, "it has 'contact', 'company'"),
        (#"{}"#, "it is empty"),
        (#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}"#, "it has 'a', 'b', 'c', 'd', 'e', 'f', ..."),
        // A field `fields:` does not add.
        (#"{"utm":{"source":"ads"}}"#, "it has 'utm'"),
    ])
    func notLeads(_ json: String, _ has: String) throws {
        // An array of objects: the leads an API response wraps, most likely; the reason says how to read them.
        let hint =
            json.contains(#""results":[{"#)
            ? "; if its leads are the items of 'results', a mapping that names this file reads them (records: results)"
            : ""
        #expect(
            program.shapeProblem(try lead(json))
                == "no field the rules know is in this lead (\(has)); leads hold fields such as contact.email, "
                + "company.name and events (docs/leads.md), and a mapping names a file's columns or keys" + hint
        )
    }
}
