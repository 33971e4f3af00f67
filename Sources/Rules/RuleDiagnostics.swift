import YAML

/// The Rules module's message catalog.
extension Diagnostic.Message {
    static let emptyRuleFile = Self("the rule file is empty; expected 'version: 1'")
    static let missingVersion = Self("missing 'version: 1'")
    static func unknownVersion(_ number: Int) -> Self {
        .init("unknown version \(number); this build reads version 1")
    }
    static func unknownKey(_ key: String, _ suggestion: String?) -> Self {
        .init("unknown key '\(key)'" + didYouMean(suggestion))
    }
    static func missingKey(_ key: String) -> Self { .init("missing '\(key)'") }
    static let otherwiseTrue = Self("'otherwise' must be 'true'")
    static let listShape = Self("a list is a sequence of items, or {file: PATH}")
    static func listFile(_ reason: String) -> Self { .init("cannot read the list file: \(reason)") }
    static let conditionShape = Self(
        "a condition is an expression, or a mapping with one key: 'all', 'any' or 'not'"
    )
    static func expression(_ message: String) -> Self { .init(message) }
    static func unknownField(_ name: String, _ suggestion: String?) -> Self {
        .init("unknown field '\(name)'" + didYouMean(suggestion))
    }
    static func unknownCountry(_ text: String, _ suggestion: String?) -> Self {
        .init(
            "'\(text)' is not a country name or code leadd knows, so it matches only leads that write it the same way"
                + didYouMean(suggestion)
        )
    }
    static func notAnAddress(_ text: String) -> Self {
        .init("'\(text)' is not an e-mail address, so it never equals an e-mail field (which holds only addresses)")
    }
    static func notADomain(_ text: String) -> Self {
        .init("'\(text)' is not a domain, so it matches only leads that write it the same way")
    }
    static func unknownList(_ name: String, _ suggestion: String?) -> Self {
        .init("unknown list '\(name)'" + didYouMean(suggestion))
    }
    static func unknownFunction(_ name: String, _ suggestion: String?) -> Self {
        .init("unknown function '\(name)'" + didYouMean(suggestion))
    }
    static func typeMismatch(_ op: String, _ lhs: String, _ rhs: String) -> Self {
        .init("cannot apply '\(op)' to \(lhs) and \(rhs)")
    }
    static func expectedType(_ expected: String, _ found: String) -> Self {
        .init("expected \(expected), found \(found)")
    }
    static func notBoolean(_ found: String) -> Self { .init("a condition must be true or false, found \(found)") }
    static func badRegex(_ reason: String) -> Self { .init("invalid regular expression: \(reason)") }
    static func duplicateRule(_ id: String) -> Self { .init("duplicate rule id '\(id)'") }
    static func duplicateList(_ name: String) -> Self { .init("duplicate list '\(name)'") }
    static let firstDefinedHere = Self("first defined here")
    static func unusedList(_ name: String) -> Self { .init("list '\(name)' is never used") }
    static let noOtherwise = Self("the stage table needs a final 'otherwise: true' row")
    static let gradesNoOtherwise = Self("the grade table needs a final 'otherwise' grade")
    static let unreachableRow = Self("unreachable: an earlier 'otherwise' row takes every lead")
    static func duplicateStage(_ name: String) -> Self { .init("duplicate stage '\(name)'") }
    static func unknownStage(_ name: String, _ suggestion: String?) -> Self {
        .init("route for unknown stage '\(name)'" + didYouMean(suggestion))
    }
    static func missingRoute(_ name: String) -> Self { .init("stage '\(name)' has no route") }
    static let missingStages = Self("no stage table: one rule file must have 'stages' and 'routes'")
    static func secondTable(_ key: String) -> Self { .init("a second '\(key)' table; only one file may have it") }
    static let pointsNeedCategory = Self("rules with points need a 'category' for their file")
    static let ruleNeedsAction = Self("a rule needs 'points' or 'disqualify'")
    static let ruleNeedsCondition = Self("a rule needs 'when' or 'each'")
    static let eachNeedsPoints = Self("an 'each' rule needs 'points'")
    static let maxNeedsEach = Self("'max' and 'decay' apply only to 'each' rules")
    /// The number as rules write it (`-6`, `2.5`), as list keys are.
    static func maxNotPositive(_ value: Double) -> Self {
        .init("'max' must be above zero, found \(ExpressionChecker.key(value))")
    }
    static func capNegative(_ value: Double) -> Self {
        .init("'cap' must be zero or more, found \(ExpressionChecker.key(value))")
    }
    static func halfLifeNotPositive(_ text: String) -> Self {
        .init("'half_life' must be longer than zero, found '\(text)'")
    }
    static let pointsAndDisqualify = Self("a rule either gives points or disqualifies, not both")
    static func invalidName(_ name: String) -> Self {
        .init("'\(name)' is not a valid name; use letters, digits and '_', starting with a letter")
    }
    static func nameTaken(_ name: String, _ what: String) -> Self { .init("'\(name)' is already \(what)") }
    static func phase(_ name: String) -> Self {
        .init("'\(name)' is known only after points are added; use it in grades and stages")
    }
    static func arguments(_ name: String, _ expected: String) -> Self {
        .init("'\(name)' takes \(expected)")
    }
    static let withinNeedsEvents = Self("'within' applies only to event functions")
    static let eventFieldOutside = Self("event fields are known only inside an event function's condition")
    static func unknownType(_ name: String) -> Self {
        .init(
            "unknown field type '\(name)'; expected string, number, boolean, timestamp, list, email, country or domain"
        )
    }

    private static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { " (did you mean '\($0)'?)" } ?? ""
    }
}
