import Foundation
import Glibc
import TestSupport

/// What a spool holds, as tests of the real daemon read it.
enum SpoolReading {
    /// Every decision in the outbox (any route), one per line, parsed.
    static func decisions(_ spool: String) throws -> [[String: Any]] {
        var result: [[String: Any]] = []
        let outbox = spool + "/outbox"
        for route in (try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? [] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(outbox)/\(route)")) ?? []
            where !name.hasPrefix(".") {
                let text = try String(contentsOfFile: "\(outbox)/\(route)/\(name)", encoding: .utf8)
                for line in text.split(separator: "\n") {
                    guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                        throw CocoaError(.fileReadCorruptFile)
                    }
                    result.append(object)
                }
            }
        }
        return result
    }

    /// The lead id of every decision in the outbox: a lead decided twice appears twice.
    static func leadIDs(_ spool: String) throws -> [String] {
        try decisions(spool).compactMap { $0["lead"] as? String }
    }

    /// The names in one of the spool's folders.
    static func names(_ spool: String, _ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool + "/" + folder)) ?? []).sorted()
    }

    /// Waits (at most `seconds`) until `condition` holds; whether it did.
    @discardableResult
    static func wait(seconds: Double = 20, until condition: () throws -> Bool) -> Bool {
        // A monotonic clock: a step of the wall clock (NTP, a paused machine) does not end the wait early.
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
        while clock.now < deadline {
            if (try? condition()) == true { return true }
            usleep(10_000)
        }
        return (try? condition()) == true
    }

    /// Waits until a daemon holds the spool's lock (it is past its start checks).
    static func waitForLock(_ spool: String) -> Bool {
        wait(seconds: 10) {
            !((try? String(contentsOfFile: spool + "/.leadd.lock", encoding: .utf8)) ?? "").isEmpty
        }
    }

    /// Waits (at most 20 s) until a process's standard error has `count` lines containing `text`.
    static func waitForLog(_ process: RunningProcess, _ text: String, count: Int = 1) -> Bool {
        wait {
            let log = (try? String(contentsOfFile: process.errPath, encoding: .utf8)) ?? ""
            return log.components(separatedBy: text).count - 1 >= count
        }
    }

    /// NDJSON lines of simple leads with these ids.
    static func leads(_ ids: some Sequence<String>) -> String {
        ids.map {
            "{\"id\":\"\($0)\",\"contact\":{\"email\":\"\($0.lowercased())@example.org\"},\"company\":{\"employees\":50}}\n"
        }
        .joined()
    }

    /// Drops a complete file into the inbox the way producers should: a dot-name, then a rename.
    static func drop(_ spool: String, _ name: String, _ text: String) throws {
        let temporary = spool + "/inbox/.\(UUID().uuidString).tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, spool + "/inbox/" + name) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
