import Foundation
import Leads
import TestSupport
import Testing
import YAML

@testable import Rules

/// Random expressions, well formed or token soup, in a rule's `when`, written as YAML writes a string (plain,
/// single-quoted with `''`, double-quoted with escapes, or a block), compiled with a small rule set: never a crash;
/// every diagnostic on a line and column of the file; a misspelt field's diagnostic with its caret on that name in the
/// file, whatever escapes come before it; and a program that compiles decides leads.
struct ExpressionRandomTests {
    static let tokens = [
        "company.employees", "contact.title", "contact.email", "company.country", "interests", "events", "message",
        "score", "fit", "hand_raiser", "type", "url", "value", "at", "==", "!=", "<", "<=", ">", ">=", "and", "or",
        "not", "in", "contains", "starts_with", "ends_with", "matches", "??", "..", "(", ")", "[", "]", ",", "\"x\"",
        "\"a\\\"b\"", "'s'", "\"é😀\"", "\"(?i)\\\\bvp\\\\b\"", "\"(\"", "12", "-3", "1.5", "1_000", "30d", "12h",
        "2026-01-01", "true", "false", "null", "lower(", "len(", "email_domain(", "days_since(", "count(", "exists(",
        "last(", "sum(", "within", "where", "#", ":", "'", "\"", "\\", "\t", "@", "=", "-", "+",
    ]
    /// Well-formed expressions; `%F` is a field of the right type, or a misspelt name.
    static let templates: [(text: String, field: String)] = [
        ("%F >= 100", "company.employees"),
        ("contact.title matches \"(?i)\\\\b(vp|c[eft]o)\\\\b\" and %F == \"x\"", "contact.title"),
        ("\"it's\" == 'y' or %F contains \"a\\\"b\"", "message"),
        ("count(events, type == \"page_view\" and url contains %F, within 30d) >= 2", "contact.title"),
        ("lower(%F) in [\"a\", 'b\\'c', \"é\"]", "company.country"),
        ("not (%F ?? 3) in 1..5", "company.employees"),
        ("exists(events, url starts_with %F)", "contact.email"),
        ("len(%F) > 2 and email_domain(contact.email) != \"gmail.com\"", "interests"),
    ]
    static let misspelt = ["compnay.employees", "contact.titel", "evnets", "cmopany.size"]

    /// An expression; whether it is well formed; the misspelt name in it, if any.
    static func expression(_ g: inout TestRandom) -> (text: String, valid: Bool, misspelt: String?) {
        if g.next() % 3 > 0 {
            let template = g.pick(templates)
            let name = g.next() % 2 == 0 ? g.pick(misspelt) : nil
            return (template.text.replacingOccurrences(of: "%F", with: name ?? template.field), name == nil, name)
        }
        var parts: [String] = []
        for _ in 0..<(1 + g.next() % 9) { parts.append(g.pick(tokens)) }
        return (parts.joined(separator: g.next() % 5 == 0 ? "" : " "), false, nil)
    }

    /// The rule file with the expression as `when`, in one of YAML's string styles.
    static func ruleFile(_ expression: String, _ g: inout TestRandom) -> String {
        let value: String
        switch g.next() % 3 {
        case 0:
            value = "'" + expression.replacingOccurrences(of: "'", with: "''") + "'"
        case 1:
            value =
                "\""
                + expression.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\t", with: "\\t") + "\""
        default:
            value = "|-\n      " + expression
        }
        return "version: 1\ncategory: fit\nrules:\n  - id: fuzz.rule\n    when: \(value)\n    points: 3\n"
    }

    @Test func randomExpressionsGiveDiagnosticsAtTheirPlace() throws {
        var g = TestRandom()
        let leads = try [
            LeadFixture.record(
                #"{"id":"A","contact":{"title":"VP Sales","email":"a@b.com"},"company":{"employees":500}}"#
            ),
            LeadFixture.record(#"{"id":"B","events":[{"type":"page_view","url":"x","at":"2026-11-01T00:00:00Z"}]}"#),
        ]
        var compiled = 0
        var refused = 0
        var pointed = 0
        for _ in 0..<TestRandom.rounds(400) {
            let (expression, valid, name) = Self.expression(&g)
            let directory = try TemporaryDirectory("expression-rules")
            for (file, text) in SmallRules.files { try directory.write(file, text) }
            let file = Self.ruleFile(expression, &g)
            let path = try directory.write("fuzz.yaml", file)
            let result = RuleCompiler.compile(directory: directory.path)
            let lines = file.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for diagnostic in result.diagnostics + result.diagnostics.flatMap(\.notes) {
                let location = diagnostic.location
                let shown = "\(location): \(diagnostic.message) in \(file.debugDescription)"
                guard location.file == path else { continue }
                guard location.line >= 1 && location.line <= lines.count else {
                    Issue.record("\(shown): no such line")
                    continue
                }
                let line = lines[location.line - 1]
                #expect(location.column >= 1 && location.column <= line.unicodeScalars.count + 1, "\(shown)")
                if let name, diagnostic.message.text.hasPrefix("unknown field '\(name)'") {
                    let scalars = Array(line.unicodeScalars)
                    let at = String(String.UnicodeScalarView(scalars.dropFirst(location.column - 1)))
                    #expect(at.hasPrefix(name), "\(shown): the caret is not on \(name)")
                    pointed += 1
                }
            }
            if valid {
                #expect(result.program != nil, "\(file)\n\(result.diagnostics.rendered())")
            }
            if let program = result.program {
                compiled += 1
                for lead in leads { _ = program.evaluate(lead, now: testNow, explain: true) }
            } else {
                refused += 1
                #expect(result.diagnostics.contains { $0.severity == .error }, "refused without an error: \(file)")
            }
        }
        #expect(compiled > 100 && refused > 100 && pointed > 50, "\(compiled) compiled, \(refused) refused, \(pointed)")
    }
}
