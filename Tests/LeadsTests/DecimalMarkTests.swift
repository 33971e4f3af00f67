import Testing
import YAML

@testable import Leads

/// Numbers with digit groups and either decimal mark, as spreadsheets in the United States and in Europe export them.
struct DecimalMarkTests {
    @Test(arguments: [
        (".", "1200", "1200"), (".", "1,200,000", "1200000"), (".", "1,200,000.50", "1200000.50"),
        (".", "-1,200", "-1200"), (".", "+1 200", "+1200"), (".", "1'200'000", "1200000"), (".", "3.5", "3.5"),
        (".", "1.200", "1.200"), (",", "1.200", "1200"), (",", "1.200.000,50", "1200000.50"), (",", "3,5", "3.5"),
        (",", "1\u{00A0}200,5", "1200.5"), (",", "1\u{202F}200", "1200"), (",", "12", "12"), (",", "1,5e3", "1.5e3"),
    ])
    func plain(_ mark: String, _ text: String, _ expected: String) {
        #expect(NumberText.plain(text, decimalMark: Character(mark)) == expected)
    }

    /// Groups of other sizes, mixed separators, a separator after the mark: most likely written for the other mark.
    @Test(arguments: [
        (".", "1,2"), (".", "1,20"), (".", "1,2000"), (".", "1234,567"), (".", "1,200 000"), (".", ",200"),
        (".", "1,200."), (",", "1.2"), (",", "1.200,"), (",", "1,200.5"), (",", "1.200,5.5"),
    ])
    func refused(_ mark: String, _ text: String) {
        #expect(NumberText.plain(text, decimalMark: Character(mark)) == nil)
    }

    /// Through a mapping: the mapping's mark, a column's own, and a cell written for the other mark refused.
    @Test func throughTheMapping() throws {
        let mapping = try CSVMapping.load(
            YAMLDocument.parse(
                Array(
                    """
                    version: 1
                    decimal_mark: ","
                    columns:
                      Umsatz: {field: company.revenue, type: number}
                      Mitarbeiter: {field: company.employees, type: integer}
                      Score: {field: score, type: number, decimal_mark: "."}
                    """.utf8
                ),
                path: "m.yaml"
            )
        )
        let text = "id;Umsatz;Mitarbeiter;Score\nL-1;82.000.000,50;1.200;3.5\nL-2;3,5;12;1,200.5\nL-3;1,2;1.200,5;\n"
        #expect(
            try readAll("de.csv", text, options: LeadReaderOptions(csvMapping: mapping)) == [
                #"record 2#1 {"id":"L-1","company":{"revenue":82000000.5,"employees":1200},"score":3.5}"#,
                #"record 3#2 {"id":"L-2","company":{"revenue":3.5,"employees":12},"score":1200.5}"#,
                """
                record error #3: de.csv:4:9: error: column 'Mitarbeiter': expected an integer, found '1.200,5'
                    4 | L-3;1,2;1.200,5;
                      |         ^
                """,
            ]
        )
    }

    @Test func mistakes() {
        let text = """
            version: 1
            decimal_mark: ";"
            columns:
              Name: {type: string, decimal_mark: ","}
            """
        #expect(
            CSVMappingTests().mappingErrors(text) == """
                m.yaml:2:15: error: the decimal mark is '.' or ',', found ';'
                    2 | decimal_mark: ";"
                      |               ^~~
                m.yaml:4:38: error: 'decimal_mark' applies only to columns of type 'integer' or 'number'
                    4 |   Name: {type: string, decimal_mark: ","}
                      |                                      ^~~
                """
        )
    }
}
