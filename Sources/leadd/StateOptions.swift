import ArgumentParser
import Assignment
import Foundation
import Leads
import Pipeline
import Rules
import YAML

/// `--state DIR`, shared by the commands that read or change the assignment state.
struct StateOptions: ParsableArguments {
    @Option(help: "The state directory (holds assignments.sqlite).")
    var state: String = "var/state"

    init() {}

    init(state: String) {
        self.state = state
    }

    var databasePath: String { (state as NSString).appendingPathComponent(AssignmentStore.fileName) }

    /// The state, created if missing; `remembersKeys` for the daemon (`AssignmentStore.init`).
    func open(remembersKeys: Bool = false) throws -> AssignmentStore {
        do {
            return try AssignmentStore(directory: state, remembersKeys: remembersKeys)
        } catch {
            throw StateError(description: "cannot open the assignment state in \(state): \(error)")
        }
    }
}

/// A state that cannot be opened: exit status 1, with the reason.
struct StateError: Error, CustomStringConvertible {
    var description: String
}

extension Decision {
    /// The decision's JSON with the opportunity record, when the lead was assigned.
    func json(with opportunity: Opportunity?) -> LeadObject {
        var object = json
        if let opportunity { object.set("assignment", .object(opportunity.json)) }
        return object
    }
}

/// `--now` and `--since`: a date, or a date and time in UTC.
enum EvaluationTime {
    /// The time `text` names; nil text is now.
    /// A date, a date-time, or with `orAgo` also a duration before now (`30d`, `12h`, `2w`).
    static func parse(_ text: String, orAgo: Bool, option: String) throws -> Double {
        let units: [Character: Double] = ["m": 60, "h": 3600, "d": 86400, "w": 604_800]
        var body = Substring(text)
        if body.first == "-" { body = body.dropFirst() }
        if orAgo, let unit = body.last, let scale = units[unit], let number = Double(body.dropLast()) {
            return Date().timeIntervalSince1970 - number * scale
        }
        return try parse(text, option: option)
    }

    static func parse(_ text: String?, option: String = "--now") throws -> Double {
        guard let text else { return Date().timeIntervalSince1970.rounded(.down) }
        guard let seconds = Timestamp.seconds(text) else {
            throw ValidationError("'\(option) \(text)' is not a date such as 2026-11-29 or 2026-11-29T10:00:00Z")
        }
        return seconds
    }
}

extension DaemonConfiguration {
    /// The settings of the daemon's configuration file, or the embedded defaults without one, for the commands that
    /// work beside a running daemon (reload, replay, report); a bad file prints its errors and ends the command.
    static func forCommand(_ config: String?) throws -> DaemonConfiguration {
        guard let config else { return DaemonConfiguration() }
        do {
            return try DaemonConfiguration.load(contentsOf: config)
        } catch {
            FileHandle.standardError.write(Data((error.diagnostics.rendered() + "\n").utf8))
            throw ExitCode(1)
        }
    }
}
