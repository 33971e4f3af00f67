import TestSupport
import Testing
import YAML

@testable import Leads

/// Mappings for an inbox that receives CSV files from several sources: which mapping reads which file, by its name.
struct CSVMappingsTests {
    /// Writes the mapping files and loads them, in order.
    func load(_ texts: [(String, String)]) throws -> CSVMappings {
        let directory = try TemporaryDirectory("mappings")
        let paths = try texts.map { name, text in try directory.write(name, Array(text.utf8)) }
        return try CSVMappings.load(contentsOf: paths)
    }

    /// The diagnostics of loading the mapping files, rendered, the folder left out.
    func problems(_ texts: [(String, String)]) throws -> String {
        let directory = try TemporaryDirectory("mappings")
        let paths = try texts.map { name, text in try directory.write(name, Array(text.utf8)) }
        do {
            _ = try CSVMappings.load(contentsOf: paths)
            return ""
        } catch {
            return error.diagnostics.rendered().replacingOccurrences(of: directory.path + "/", with: "")
        }
    }

    let hubspot = """
        version: 1
        files: [hubspot-*.csv, "HS_[0-9]*.csv"]
        columns:
          Record ID: {field: id}
        """
    let salesforce = """
        version: 1
        files: salesforce-*.csv
        columns:
          Lead ID: {field: id}
        """
    let everyOther = """
        version: 1
        columns:
          Key: {field: id}
        """

    @Test func fileNamesPickTheirMapping() throws {
        // The mapping of every other file first in the list: the named files still go to their own mappings.
        let mappings = try load([
            ("other.yaml", everyOther), ("hubspot.yaml", hubspot), ("salesforce.yaml", salesforce),
        ])
        func idColumn(_ name: String) -> String? {
            mappings.mapping(forFile: name).columns.first { $0.value.field == ["id"] }?.key
        }
        #expect(idColumn("hubspot-crm-exports-all-contacts-2026-11-27.csv") == "Record ID")
        #expect(idColumn("HubSpot-Export.CSV") == "Record ID")  // names in either case, as tools write them
        #expect(idColumn("HS_2026.csv") == "Record ID")
        #expect(idColumn("HS_x.csv") == "Key")  // [0-9] is a digit
        #expect(idColumn("salesforce-leads.csv") == "Lead ID")
        #expect(idColumn("leads.csv") == "Key")
        #expect(idColumn("my-hubspot-export.csv") == "Key")  // the whole name must match
        // Without a mapping of every other file, other files are read with none.
        let named = try load([("hubspot.yaml", hubspot), ("salesforce.yaml", salesforce)])
        #expect(named.mapping(forFile: "leads.csv").columns.isEmpty)
        // Two mappings naming one file: the first in the list reads it.
        let both = try load([
            ("salesforce.yaml", salesforce), ("all-exports.yaml", "version: 1\nfiles: '*-*.csv'\ncolumns: {}\n"),
        ])
        #expect(both.mapping(forFile: "salesforce-1.csv").columns["Lead ID"] != nil)
        #expect(both.mapping(forFile: "hubspot-1.csv").columns.isEmpty)
        #expect(both.mapping(forFile: "hubspot-1.csv").files == ["*-*.csv"])
    }

    @Test func readersReadEachFileWithItsMapping() throws {
        let mappings = try load([("hubspot.yaml", hubspot), ("salesforce.yaml", salesforce)])
        let options = LeadReaderOptions(csvMappings: mappings)
        #expect(
            try readAll("hubspot-1.csv", "Record ID,Lead ID\n51,x\n", options: options) == [
                #"record 2#1 {"id":"51","Lead ID":"x"}"#
            ]
        )
        #expect(
            try readAll("salesforce-1.csv", "Record ID,Lead ID\n51,x\n", options: options) == [
                #"record 2#1 {"Record ID":"51","id":"x"}"#
            ]
        )
        // The daemon's claimed file has another name: the name it was dropped with picks the mapping.
        let directory = try TemporaryDirectory("claimed")
        let path = try directory.write("1796352482132020379.24500.1--salesforce-1.csv", Array("Lead ID\nx\n".utf8))
        let claimed = LeadFileReader(path: path, name: "salesforce-1.csv", options: options).map(describe)
        #expect(claimed == [#"record 2#1 {"id":"x"}"#])
        let unnamed = LeadFileReader(path: path, options: options).map(describe)
        #expect(unnamed == [#"record 2#1 {"Lead ID":"x"}"#])
    }

    /// A mapping that names a JSON or NDJSON file reads its records' keys: moved to their fields, converted when the
    /// column gives a type; a mapping of every other file leaves JSON alone.
    @Test func jsonRecordsThroughTheMappingThatNamesThem() throws {
        let mappings = try load([
            (
                "webform.yaml",
                """
                version: 1
                files: webform-*.ndjson
                decimal_mark: ","
                columns:
                  a: {field: x.a}
                  n: {field: company.employees, type: integer}
                  r: {field: company.revenue, type: number}
                  ok: {field: consent, type: boolean}
                  tags: {field: interests, type: list}
                  at: {field: created_at, type: timestamp}
                  code: {field: code, type: string}
                  data.country: {field: company.country}
                  left: {field: right}
                  right: {field: left}
                  seen: {field: seen_at, type: timestamp, format: "ddd D MMM YYYY [at] HH:mm"}
                """
            ),
            ("other.yaml", "version: 1\ncolumns:\n  a: {field: x.a}\n"),
        ])
        let options = LeadReaderOptions(csvMappings: mappings)
        let text = [
            #"{"id":"1","a":{"deep":[1]},"n":"1.200","r":"2,5","ok":1,"tags":"api; routing","at":1795000000,"code":7,"data":{"country":"DE"},"left":"L","right":"R","z":true}"#,
            #"{"id":"2","n":12.0,"r":3,"ok":"no","tags":["x"],"at":"2026-11-20 14:03","code":null,"data":{"country":"FR","utm":"ads"}}"#,
            #"{"id":"3","n":12.5}"#,
            #"{"id":"4","ok":2}"#,
            #"{"id":"5","a":1,"x":{"a":2}}"#,
            #"{"id":"6","n":"many"}"#,
            #"{"id":"7","seen":"Fri 20 Nov 2026 at 14:03"}"#,
            #"{"id":"8","seen":"Thu 20 Nov 2026 at 14:03"}"#,
        ].joined(separator: "\n")
        #expect(
            try readAll("webform-1.ndjson", text, options: options) == [
                #"record 1#1 {"x":{"a":{"deep":[1]}},"company":{"employees":1200,"revenue":2.5,"country":"DE"},"consent":true,"interests":["api","routing"],"created_at":"2026-11-18T11:06:40Z","code":"7","right":"L","left":"R","id":"1","z":true}"#,
                #"record 2#2 {"company":{"employees":12,"revenue":3,"country":"FR"},"consent":false,"interests":["x"],"created_at":"2026-11-20T14:03:00Z","id":"2","data":{"utm":"ads"}}"#,
                "record error #3: webform-1.ndjson:3:1: error: key 'n': expected an integer, found 12.5",
                "record error #4: webform-1.ndjson:4:1: error: key 'ok': expected a boolean (true, false, yes, no, 1, 0), found 2",
                "record error #5: webform-1.ndjson:5:1: error: key 'x.a' is at a field the mapping fills from another key; name it in the mapping too",
                "record error #6: webform-1.ndjson:6:1: error: key 'n': expected an integer, found 'many'",
                #"record 7#7 {"seen_at":"2026-11-20T14:03:00Z","id":"7"}"#,
                "record error #8: webform-1.ndjson:8:1: error: key 'seen': expected a date as ddd D MMM YYYY [at] HH:mm, "
                    + "or ISO 8601, found 'Thu 20 Nov 2026 at 14:03'; 'Thu' is not the weekday of 2026-11-20, a Friday",
            ]
        )
        // Not named: the records as they are, even with a mapping of every other file.
        #expect(
            try readAll("leads.ndjson", #"{"id":"1","a":2}"#, options: options) == [#"record 1#1 {"id":"1","a":2}"#]
        )
    }

    /// A JSON file's records that lack a key the mapping names, in every record: the reader says which, with the
    /// nearest key they have; a key that some record has (however late) is not one, nor a dotted path into objects.
    @Test func keysNoRecordHas() throws {
        let mappings = try load([
            (
                "form.yaml",
                """
                version: 1
                files: form-*.ndjson
                columns:
                  emial: {field: contact.email}
                  data.phone: {field: contact.phone}
                  late: {field: late}
                  id: {field: id}
                """
            )
        ])
        var lines = (1...150).map { #"{"id":"\#($0)","email":"a\#($0)@acme.example","data":{"phone":"1"}}"# }
        lines.append(#"{"id":"151","late":true,"extra":{"deep":{"x":1}}}"#)
        let directory = try TemporaryDirectory("keys")
        let path = try directory.write("form-1.ndjson", Array(lines.joined(separator: "\n").utf8))
        let reader = LeadFileReader(path: path, options: LeadReaderOptions(csvMappings: mappings))
        #expect(reader.mappingWarning == nil)  // nothing read yet
        #expect(reader.map { $0 }.count == 151)
        #expect(
            reader.mappingWarning
                == "the mapping names keys no record of this file has: 'emial' (did you mean 'email'?); keys of its "
                + "records the mapping does not name: 'email'"
        )
        // Every key there: nothing to say.
        let fixed = try load([("form.yaml", "version: 1\nfiles: form-*.ndjson\ncolumns:\n  email: {field: x}\n")])
        let again = LeadFileReader(path: path, options: LeadReaderOptions(csvMappings: fixed))
        #expect(again.map { $0 }.count == 151)
        #expect(again.mappingWarning == nil)
    }

    /// Name and value pairs (`pairs`) become an object of their names at the array's place: a value in an array of
    /// one is that one, none is left out, several stay a list; a name given twice holds both; custom keys for the
    /// name and value; a record without the array is as it was; an array that is not of pairs makes a bad record.
    @Test func pairsBecomeKeys() throws {
        let mappings = try load([
            (
                "forms.yaml",
                """
                version: 1
                files: forms-*.ndjson
                pairs: answers
                columns:
                  answers.email: {field: contact.email}
                  answers.seats: {field: company.employees, type: integer}
                """
            ),
            (
                "linkedin.yaml",
                """
                version: 1
                files: linkedin-*.ndjson
                pairs: {key: formResponse.answers, name: questionId, value: answerDetails.textQuestionAnswer.answer}
                columns:
                  formResponse.answers.1: {field: company.name}
                """
            ),
            (
                "custom.yaml",
                """
                version: 1
                files: custom-*.ndjson
                pairs: {key: data.fields, name: label, value: answer}
                columns:
                  data.fields.Email: {field: contact.email}
                """
            ),
        ])
        let options = LeadReaderOptions(csvMappings: mappings)
        let forms = [
            #"{"id":"1","answers":[{"name":"email","value":"ana@acme.example"},{"name":"seats","values":["12"]},{"name":"topics","values":["api","crm"]},{"name":"topics","value":"sso"},{"name":"empty","values":[]},{"name":"none","value":null}],"at":1}"#,
            #"{"id":"2"}"#,
            #"{"id":"3","answers":{"email":"x@y.example"}}"#,
            #"{"id":"4","answers":[{"name":"email","value":"a@b.example"},"stray"]}"#,
            #"{"id":"5","answers":[{"value":"a@b.example"}]}"#,
            #"{"id":"6","answers":[{"name":7.5,"value":"a@b.example"}]}"#,
            #"{"id":"7","answers":[{"name":"empty","values":[]}]}"#,
        ].joined(separator: "\n")
        #expect(
            try readAll("forms-1.ndjson", forms, options: options) == [
                #"record 1#1 {"contact":{"email":"ana@acme.example"},"company":{"employees":12},"id":"1","answers":{"topics":["api","crm","sso"]},"at":1}"#,
                #"record 2#2 {"id":"2"}"#,
                "record error #3: forms-1.ndjson:3:1: error: key 'answers': holds an object, not an array of name and "
                    + "value pairs ('pairs' in the mapping)",
                "record error #4: forms-1.ndjson:4:1: error: key 'answers': item 2 is a string, not a name and value "
                    + "pair ('pairs' in the mapping)",
                "record error #5: forms-1.ndjson:5:1: error: key 'answers': item 1 has no 'name', the pair's name "
                    + "('pairs' in the mapping)",
                "record error #6: forms-1.ndjson:6:1: error: key 'answers': item 1's 'name' is a number, not a name "
                    + "('pairs' in the mapping)",
                #"record 7#7 {"id":"7"}"#,
            ]
        )
        // Numbered questions (LinkedIn's lead gen forms): a whole number names its answer.
        let linkedin =
            #"{"formResponse":{"answers":[{"questionId":1,"answerDetails":{"textQuestionAnswer":{"answer":"Acme"}}},{"questionId":2,"answerDetails":{"textQuestionAnswer":{"answer":"CTO"}}}]}}"#
        #expect(
            try readAll("linkedin-1.ndjson", linkedin, options: options) == [
                #"record 1#1 {"company":{"name":"Acme"},"formResponse":{"answers":{"2":"CTO"}}}"#
            ]
        )
        let custom =
            #"{"id":"9","data":{"src":"x","fields":[{"label":"Email","answer":"bo@beta.example"},{"label":"Role","answer":"CTO","value":"ignored"}]}}"#
        #expect(
            try readAll("custom-1.ndjson", custom, options: options) == [
                #"record 1#1 {"contact":{"email":"bo@beta.example"},"id":"9","data":{"src":"x","fields":{"Role":"CTO"}}}"#
            ]
        )
    }

    /// Typeform's answers: the name at a dotted path in each pair (`field.ref`), the value at the key its `type`
    /// names; an answer whose `type` is missing makes a bad record; `value` and `value_named_by` together are an error.
    @Test func pairsWithTheValueNamedByAKey() throws {
        let mappings = try load([
            (
                "typeform.yaml",
                """
                version: 1
                files: typeform-*.ndjson
                pairs: {key: form_response.answers, name: field.ref, value_named_by: type}
                columns:
                  form_response.answers.email: {field: contact.email}
                  form_response.answers.size.label: {field: company.employees, type: integer, range: lower}
                """
            )
        ])
        let text = [
            #"{"form_response":{"answers":[{"type":"email","email":"ana@acme.example","field":{"ref":"email"}},{"type":"choice","choice":{"label":"51-200"},"field":{"ref":"size"}},{"type":"boolean","boolean":true,"field":{"ref":"consent"}}]}}"#,
            #"{"form_response":{"answers":[{"email":"ana@acme.example","field":{"ref":"email"}}]}}"#,
        ].joined(separator: "\n")
        #expect(
            try readAll("typeform-1.ndjson", text, options: LeadReaderOptions(csvMappings: mappings)) == [
                #"record 1#1 {"contact":{"email":"ana@acme.example"},"company":{"employees":51},"form_response":{"answers":{"consent":true}}}"#,
                "record error #2: typeform-1.ndjson:2:1: error: key 'form_response.answers': item 1 has no 'type' "
                    + "naming its value's key ('pairs' in the mapping)",
            ]
        )
        #expect(
            try problems([
                ("t.yaml", "version: 1\nfiles: t-*.json\npairs: {key: answers, value: v, value_named_by: type}\n")
            ]) == """
                t.yaml:3:33: error: 'value_named_by' and 'value' both say where a pair's value is; keep one
                    3 | pairs: {key: answers, value: v, value_named_by: type}
                      |                                 ^~~~~~~~~~~~~~
                """
        )
    }

    /// A JSON file that wraps its records (an API response) is read from the array the mapping's `records` names:
    /// each item a record at its own line, strings with brackets and escapes not in the way, the rest ignored.
    @Test func recordsInsideAWrappingObject() throws {
        let mappings = try load([
            (
                "api.yaml",
                """
                version: 1
                files: contacts-*.json
                records: data.results
                columns:
                  properties.email: {field: contact.email}
                """
            )
        ])
        let options = LeadReaderOptions(csvMappings: mappings)
        let text = """
            {"note": "a ] and a [ and \\" here", "data": {"count": 4, "re\\u0073ults_not": [1],
              "results": [
                {"id": "1", "properties": {"email": "a@x.io", "tags": ["]", "[", "\\"]"]}},
                [1, {"x": [2]}], "]",
                {"id": "2", "properties": {}}
              ]},
              "paging": {"next": "[2]"}}
            """
        #expect(
            try readAll("contacts-1.json", text, options: options) == [
                #"record 3#1 {"contact":{"email":"a@x.io"},"id":"1","properties":{"tags":["]","[","\"]"]}}"#,
                """
                record error #2: contacts-1.json:4:5: error: expected a JSON object for a lead, found an array
                    4 |     [1, {"x": [2]}], "]",
                      |     ^
                """,
                """
                record error #3: contacts-1.json:4:22: error: expected a JSON object for a lead, found a string
                    4 |     [1, {"x": [2]}], "]",
                      |                      ^
                """,
                #"record 5#4 {"id":"2","properties":{}}"#,
            ]
        )
        // The array's items on one line each, and a file without the array: the keys it has instead.
        #expect(
            try readAll("contacts-2.json", #"{"data":{"results":[{"id":"1"},{"id":"2"}]}}"#, options: options) == [
                #"record 1#1 {"id":"1"}"#, #"record 1#2 {"id":"2"}"#,
            ]
        )
        #expect(
            try readAll("contacts-3.json", #"{"data":{"results":{}},"paging":1}"#, options: options) == [
                "file error #-: contacts-3.json:1:1: error: no array of records at 'data.results', where the file's "
                    + "mapping says they are (its keys: 'data', 'paging')"
            ]
        )
        // A file the mapping does not name: the wrapper is one record.
        #expect(
            try readAll("other.json", #"{"data":{"results":[]}}"#, options: options) == [
                #"record 1#1 {"data":{"results":[]}}"#
            ]
        )
    }

    /// Size bands as forms write them (`51-200`, `10,001+`) read as the column's `range` says, in CSV cells and JSON
    /// values alike; without `range`, or reversed, a band does not convert.
    @Test func bandsReadAsTheColumnSays() throws {
        func read(_ reading: String, _ text: String) throws -> [String] {
            let mappings = try load([
                (
                    "bands.yaml",
                    """
                    version: 1
                    files: [bands.csv, bands.ndjson]
                    columns:
                      Employees: {field: company.employees, type: integer\(reading)}
                      Revenue: {field: company.revenue, type: number\(reading)}
                    """
                )
            ])
            return try readAll("bands.csv", text, options: LeadReaderOptions(csvMappings: mappings))
        }
        let csv = "Employees,Revenue\n51-200,\"1,000,000 - 5,000,000\"\n\"10,001+\",1.5\u{2013}2\n-5,7 to 8\n200-51,1\n"
        #expect(
            try read(", range: lower", csv) == [
                #"record 2#1 {"company":{"employees":51,"revenue":1000000}}"#,
                #"record 3#2 {"company":{"employees":10001,"revenue":1.5}}"#,
                #"record 4#3 {"company":{"employees":-5,"revenue":7}}"#,
                """
                record error #4: bands.csv:5:1: error: column 'Employees': expected an integer or a band such as 51-200 \
                or 10,000+, found '200-51'
                    5 | 200-51,1
                      | ^
                """,
            ]
        )
        #expect(
            try read(", range: upper", csv).prefix(3) == [
                #"record 2#1 {"company":{"employees":200,"revenue":5000000}}"#,
                #"record 3#2 {"company":{"employees":10001,"revenue":2}}"#,
                #"record 4#3 {"company":{"employees":-5,"revenue":8}}"#,
            ]
        )
        #expect(
            try read(", range: middle", csv).prefix(3) == [
                #"record 2#1 {"company":{"employees":125,"revenue":3000000}}"#,
                #"record 3#2 {"company":{"employees":10001,"revenue":1.75}}"#,
                #"record 4#3 {"company":{"employees":-5,"revenue":7.5}}"#,
            ]
        )
        #expect(
            try read("", csv).first
                == """
                record error #1: bands.csv:2:1: error: column 'Employees': expected an integer, found '51-200'
                    2 | 51-200,"1,000,000 - 5,000,000"
                      | ^
                """
        )
        // A JSON value: the same reading.
        let mappings = try load([
            (
                "bands.yaml",
                "version: 1\nfiles: bands.ndjson\ncolumns:\n  size: {field: company.employees, type: integer, range: lower}\n"
            )
        ])
        #expect(
            try readAll("bands.ndjson", #"{"size":"51-200"}"#, options: LeadReaderOptions(csvMappings: mappings))
                == [#"record 1#1 {"company":{"employees":51}}"#]
        )
        #expect(
            try problems([
                (
                    "r.yaml",
                    "version: 1\ncolumns:\n  A: {type: string, range: lower}\n  B: {type: integer, range: low}\n"
                )
            ]) == """
                r.yaml:3:28: error: 'range' applies only to columns of type 'integer' or 'number'
                    3 |   A: {type: string, range: lower}
                      |                            ^~~~~
                r.yaml:4:29: error: unknown range reading 'low' (did you mean 'lower'?); expected lower, upper or middle
                    4 |   B: {type: integer, range: low}
                      |                             ^~~
                """
        )
    }

    @Test func problemsAtTheirPositions() throws {
        #expect(
            try problems([("a.yaml", everyOther), ("b.yaml", everyOther)]) == """
                b.yaml:1:1: error: this mapping has no 'files', nor has a.yaml: \
                only one mapping can read every file the others do not name; give this one 'files' patterns (such as \
                hubspot-*.csv)
                    1 | version: 1
                      | ^
                """
        )
        #expect(
            try problems([("c.yaml", "version: 1\nfiles: [exports/hubspot-*.csv, '']\n")]) == """
                c.yaml:2:9: error: 'exports/hubspot-*.csv' is not a file name pattern; expected a name with * and ?, \
                such as hubspot-*.csv (no folders)
                    2 | files: [exports/hubspot-*.csv, '']
                      |         ^~~~~~~~~~~~~~~~~~~~~
                c.yaml:2:32: error: '' is not a file name pattern; expected a name with * and ?, such as hubspot-*.csv \
                (no folders)
                    2 | files: [exports/hubspot-*.csv, '']
                      |                                ^~
                """
        )
        #expect(
            try problems([("e.yaml", "version: 1\nrecords: results\n")]) == """
                e.yaml:2:10: error: 'records' applies to the JSON files the mapping names; give it 'files' patterns \
                (such as contacts-*.json)
                    2 | records: results
                      |          ^~~~~~~
                """
        )
        #expect(
            try problems([
                ("f.yaml", "version: 1\npairs: values\n"),
                ("g.yaml", "version: 1\nfiles: a-*.json\npairs: {name: label, valeu: x}\n"),
                ("h.yaml", "version: 1\nfiles: a-*.json\npairs: {key: 'data..values', name: ''}\n"),
            ]) == """
                f.yaml:2:8: error: 'pairs' applies to the JSON files the mapping names; give it 'files' patterns (such \
                as hubspot-forms-*.json)
                    2 | pairs: values
                      |        ^~~~~~
                g.yaml:3:8: error: 'pairs' needs 'key', the array of name and value pairs (such as 'key: values'); \
                'name' and 'value' are optional
                    3 | pairs: {name: label, valeu: x}
                      |        ^
                g.yaml:3:22: error: unknown key 'valeu' (did you mean 'value'?)
                    3 | pairs: {name: label, valeu: x}
                      |                      ^~~~~
                h.yaml:3:14: error: invalid field path 'data..values'
                    3 | pairs: {key: 'data..values', name: ''}
                      |              ^~~~~~~~~~~~~~
                h.yaml:3:36: error: 'name' is empty; it names a key in each pair
                    3 | pairs: {key: 'data..values', name: ''}
                      |                                    ^~
                """
        )
        #expect(
            try problems([("d.yaml", "version: 1\nfiles: []\n")]) == """
                d.yaml:2:8: error: 'files' names no pattern; leave it out for a mapping of every other file
                    2 | files: []
                      |        ^
                """
        )
    }
}
