public import Leads
import Rules
import YAML

extension RuleTestReport {
    /// For people: each failure with the expected and actual values and the explanation of the rules involved,
    /// each error with its position, the coverage, then `N passed, M failed`.
    public func text() -> String {
        var out = ""
        for file in files {
            if !file.errors.isEmpty {
                out += "ERROR \(file.path): the test file has problems; none of its cases ran\n"
                out += file.errors.rendered() + "\n\n"
            }
            for testCase in file.cases where !testCase.passed {
                out += "FAIL \(file.path):\(testCase.location.line): \(testCase.name)\n"
                if !testCase.errors.isEmpty {
                    out +=
                        testCase.errors.rendered().split(separator: "\n", omittingEmptySubsequences: false)
                        .map { "  " + $0 }.joined(separator: "\n") + "\n"
                }
                for failure in testCase.failures {
                    out +=
                        "  \(failure.key) (line \(failure.line)): expected \(failure.expected), got \(failure.actual)\n"
                    for line in failure.explanation { out += "      " + line + "\n" }
                }
                out += "\n"
            }
        }
        let covered = ruleIDs.count - uncovered.count
        out += "coverage: \(covered) of \(ruleIDs.count) rules fired by some case"
        out += uncovered.isEmpty ? "\n" : "; never fired: " + uncovered.joined(separator: ", ") + "\n"
        out += "\(passed) passed, \(failed) failed\n"
        return out
    }

    /// One line for logs: `12 passed, 2 failed` and the first failures' positions.
    public func summary(limit: Int = 3) -> String {
        var text = "\(passed) passed, \(failed) failed"
        var positions: [String] = []
        for file in files {
            if !file.errors.isEmpty { positions.append(file.path) }
            for testCase in file.cases where !testCase.passed {
                positions.append("\(file.path):\(testCase.location.line) \(testCase.name)")
            }
        }
        if !positions.isEmpty {
            text += ": " + positions.prefix(limit).joined(separator: "; ")
            if positions.count > limit { text += "; ..." }
        }
        return text
    }

    /// Each failing case as one line per failure, for logs and `reload.json`.
    public func failureLines() -> [String] {
        var lines: [String] = []
        for file in files {
            for error in file.errors {
                lines.append(error.headline)
            }
            for testCase in file.cases where !testCase.passed {
                let head = "\(file.path):\(testCase.location.line): \(testCase.name): "
                for error in testCase.errors {
                    lines.append(error.headline)
                }
                for failure in testCase.failures {
                    lines.append(head + "\(failure.key) expected \(failure.expected), got \(failure.actual)")
                }
            }
        }
        return lines
    }

    /// For programs: one JSON object.
    public func json() -> LeadObject {
        func diagnostic(_ diagnostic: Diagnostic) -> LeadValue { .object(diagnostic.json) }
        var root = LeadObject()
        root.set("rules_version", .string(rulesVersion))
        root.set("passed", .int(passed))
        root.set("failed", .int(failed))
        var cases: [LeadValue] = []
        var fileErrors: [LeadValue] = []
        for file in files {
            fileErrors += file.errors.map(diagnostic)
            for testCase in file.cases {
                var object = LeadObject()
                object.set("file", .string(file.path))
                object.set("line", .int(testCase.location.line))
                object.set("name", .string(testCase.name))
                object.set("status", .string(testCase.passed ? "passed" : testCase.errors.isEmpty ? "failed" : "error"))
                if !testCase.errors.isEmpty { object.set("errors", .array(testCase.errors.map(diagnostic))) }
                if !testCase.failures.isEmpty {
                    object.set(
                        "failures",
                        .array(
                            testCase.failures.map { failure in
                                var item = LeadObject()
                                item.set("expectation", .string(failure.key))
                                item.set("line", .int(failure.line))
                                item.set("expected", .string(failure.expected))
                                item.set("actual", .string(failure.actual))
                                item.set("explanation", .array(failure.explanation.map { .string($0) }))
                                return .object(item)
                            }
                        )
                    )
                }
                object.set("fired", .array(testCase.fired.map { .string($0) }))
                cases.append(.object(object))
            }
        }
        root.set("cases", .array(cases))
        root.set("file_errors", .array(fileErrors))
        var coverage = LeadObject()
        coverage.set("rules", .int(ruleIDs.count))
        coverage.set("fired", .int(ruleIDs.count - uncovered.count))
        coverage.set("never_fired", .array(uncovered.map { .string($0) }))
        root.set("coverage", .object(coverage))
        return root
    }

    /// JUnit XML, one `<testsuite>` per test file, for CI systems.
    public func junit() -> String {
        var out = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let errors = files.reduce(0) { $0 + $1.cases.filter { !$0.errors.isEmpty }.count + ($1.errors.isEmpty ? 0 : 1) }
        let tests = caseCount + files.filter { !$0.errors.isEmpty }.count
        out +=
            "<testsuites name=\"leadd rule tests\" tests=\"\(tests)\" failures=\"\(failed - errors)\" errors=\"\(errors)\">\n"
        for file in files {
            let fileErrors = file.cases.filter { !$0.errors.isEmpty }.count + (file.errors.isEmpty ? 0 : 1)
            let fileFailures = file.cases.filter { $0.errors.isEmpty && !$0.failures.isEmpty }.count
            let className = Self.className(file.path)
            out +=
                "  <testsuite name=\"\(Self.xml(file.path))\" tests=\"\(file.cases.count + (file.errors.isEmpty ? 0 : 1))\""
            out += " failures=\"\(fileFailures)\" errors=\"\(fileErrors)\" skipped=\"0\">\n"
            if !file.errors.isEmpty {
                out +=
                    "    <testcase name=\"(test file)\" classname=\"\(Self.xml(className))\" file=\"\(Self.xml(file.path))\">\n"
                out += "      <error message=\"\(Self.xml(file.errors[0].message.text))\" type=\"test file\">"
                out += Self.xml(file.errors.rendered(), attribute: false) + "</error>\n"
                out += "    </testcase>\n"
            }
            for testCase in file.cases {
                out += "    <testcase name=\"\(Self.xml(testCase.name))\" classname=\"\(Self.xml(className))\""
                out += " file=\"\(Self.xml(file.path))\" line=\"\(testCase.location.line)\""
                if testCase.passed {
                    out += "/>\n"
                    continue
                }
                out += ">\n"
                if let first = testCase.errors.first {
                    out += "      <error message=\"\(Self.xml(first.message.text))\" type=\"case\">"
                    out += Self.xml(testCase.errors.rendered(), attribute: false) + "</error>\n"
                } else {
                    let first = testCase.failures[0]
                    let message = "\(first.key): expected \(first.expected), got \(first.actual)"
                    var body = ""
                    for failure in testCase.failures {
                        body +=
                            "\(failure.key) (line \(failure.line)): expected \(failure.expected), got \(failure.actual)\n"
                        for line in failure.explanation { body += "    " + line + "\n" }
                    }
                    out +=
                        "      <failure message=\"\(Self.xml(message))\" type=\"expectation\">"
                        + Self.xml(body, attribute: false)
                    out += "</failure>\n"
                }
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    static func className(_ path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = name.lastIndex(of: ".") { name = String(name[..<dot]) }
        return "rules.tests." + name
    }

    /// Text as XML character data or an attribute value (characters XML 1.0 cannot hold become U+FFFD).
    static func xml(_ text: String, attribute: Bool = true) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += attribute ? "&#10;" : "\n"
            case "\t", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
