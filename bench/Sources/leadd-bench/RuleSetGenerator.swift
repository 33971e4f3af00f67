import Foundation

/// Writes a large, valid rule set of varied rules, for the compile-time figure.
enum RuleSetGenerator {
    static func write(rules: Int, files: Int, into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let perFile = rules / files
        let templates = [
            "company.employees >= %d",
            "company.revenue in %d..%d",
            #"company.industry in ["software", "healthcare", "s%d"]"#,
            #"contact.title matches "(?i)\\b(vp|head of|chief|t%d)\\b""#,
            #"count(events, type == "page_view" and url contains "/p%d", within 30d) >= 2"#,
            #"exists(events, type == "demo_request", within %dd)"#,
            #"email_domain(contact.email) ends_with ".d%d" and not company.country in ["US", "GB"]"#,
            #"days_since(last(events, type == "email_click")) <= %d"#,
            #"len(message ?? "") >= %d or interests contains "api""#,
        ]
        for file in 0..<files {
            var text = "version: 1\ncategory: c\(file)\ncap: 100\nrules:\n"
            for index in 0..<perFile {
                let n = file * perFile + index
                let template = templates[n % templates.count]
                let expression = template.replacingOccurrences(of: "%d..%d", with: "\(n)..\(n * 2 + 10)")
                    .replacingOccurrences(of: "%d", with: String(n % 90 + 1))
                text += "  - id: r\(n)\n    when: '\(expression.replacingOccurrences(of: "'", with: "''"))'\n"
                text += "    points: \(n % 20 + 1)\n"
            }
            try text.write(toFile: "\(directory)/c\(file).yaml", atomically: true, encoding: .utf8)
        }
        let table = """
            version: 1
            stages:
              - {stage: sql, when: score >= 70}
              - {stage: nurture, otherwise: true}
            routes: {sql: opportunities, nurture: nurture, disqualified: disqualified}
            """
        try table.write(toFile: "\(directory)/qualification.yaml", atomically: true, encoding: .utf8)
    }
}
