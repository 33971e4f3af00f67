import Foundation

/// A small rule set whose every figure is easy to work out by hand.
public enum SmallRules {
    public static let files: [String: String] = [
        "fit.yaml": """
        version: 1
        category: fit
        rules:
          - id: fit.big
            when: company.employees >= 1000
            points: 30
          - id: fit.senior
            when: contact.title matches "(?i)\\\\bvp\\\\b"
            points: 20
          - id: fit.us
            when: company.country == "US"
            points: 5
          - id: dq.gmail
            when: email_domain(contact.email) == "gmail.com"
            disqualify: personal address
        """,
        "engagement.yaml": """
        version: 1
        category: engagement
        rules:
          - id: engage.demo
            when: exists(events, type == "demo_request", within 7d)
            points: 40
            flag: hand_raiser
          - id: engage.webinar-fan
            when: count(events, type == "webinar_attended", within 30d) >= 5
            points: 10
        """,
        "qualification.yaml": """
        version: 1
        grades: {A: fit >= 40, B: otherwise}
        stages:
          - {stage: sql, when: score >= 70}
          - {stage: mql, when: score >= 30}
          - {stage: nurture, otherwise: true}
        routes: {sql: sales, mql: sales, nurture: nurture, disqualified: trash}
        """,
    ]

    /// Two reps in one round-robin team for the `sales` route, around the clock, first contact due in 4 hours.
    public static let assignment = """
        version: 1
        assign:
          routes: [sales]
          hours: always
        reps:
          - {id: r1, name: Rep One}
          - {id: r2, name: Rep Two}
        teams:
          - id: sales
            strategy: round_robin
            members: [r1, r2]
            sla: 4h
        fallback:
          queue: inbox
        """

    /// A rules directory with `files`, and `tests/NAME` for each test file given.
    public static func directory(
        tests: [String: String] = [:],
        rules: [String: String] = files
    ) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory("rules")
        try FileManager.default.createDirectory(atPath: directory.path + "/tests", withIntermediateDirectories: true)
        for (name, text) in rules { try directory.write(name, text) }
        for (name, text) in tests { try directory.write("tests/" + name, text) }
        return directory
    }

}
