import Foundation

/// The outcome of the daemon's last rules reload, kept in `STATE/reload.json` so that `leadd reload` (systemd's
/// `ExecReload`) can send SIGHUP, wait for the next generation and report whether the new rules compiled.
public struct ReloadResult: Codable, Sendable, Equatable {
    /// 0 at start, one more for every reload attempt.
    public var generation: Int
    public var pid: Int32
    public var success: Bool
    /// The rules in use after the attempt: the new ones, or the ones still running.
    public var rulesVersion: String
    /// The first line of each diagnostic when the reload failed.
    public var errors: [String]

    public static func path(state: String) -> String { state + "/reload.json" }

    /// Writes the result atomically; a failure only costs `leadd reload` its answer, so it is not fatal.
    public func save(state: String) {
        guard let data = try? JSONEncoder().encode(self) else { return }
        let path = Self.path(state: state)
        let temporary = state + "/.reload.json.tmp"
        DurableFiles.remove(temporary)
        guard (try? DurableFiles.writeNew(temporary, Array(data))) != nil else { return }
        rename(temporary, path)
    }

    public static func load(state: String) -> ReloadResult? {
        guard let data = FileManager.default.contents(atPath: path(state: state)) else { return nil }
        return try? JSONDecoder().decode(ReloadResult.self, from: data)
    }
}
