import ArgumentParser
import Foundation
import Pipeline
import YAML

/// `leadd reload`: makes a running `leadd run` reload its rules and waits for the result (systemd's `ExecReload`).
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make the running daemon reload its rules, and wait until it says whether they compiled.",
        discussion: """
            Sends SIGHUP to the daemon (--pid, or the pid in the spool's lock file) and waits for its answer in \
            STATE/reload.json. Exits 0 when the new rules are in use, 1 when they did not compile (the daemon keeps \
            running the old ones; the errors are printed) or no answer came in time.
            """
    )

    @Option(help: "The configuration file the daemon runs with (for its spool and state folders).")
    var config: String?

    @Option(help: "The daemon's spool folder (its lock file names the daemon's pid). Default: var/spool.")
    var spool: String?

    @Option(help: "The daemon's state folder. Default: var/state.")
    var state: String?

    @Option(help: "The daemon's process id (systemd passes $MAINPID).")
    var pid: Int32?

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 60

    func run() throws {
        var settings = try DaemonConfiguration.forCommand(config)
        if let spool { settings.spool = spool }
        if let state { settings.state = state }
        let lockPath = settings.spool + "/.leadd.lock"
        guard
            let target = pid
                ?? (try? String(contentsOfFile: lockPath, encoding: .utf8)).flatMap({
                    Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
                })
        else {
            throw ReloadFailure("no running leadd found (no --pid, and no pid in \(lockPath))")
        }
        let before = ReloadResult.load(state: settings.state)?.generation ?? -1
        guard kill(target, SIGHUP) == 0 else {
            throw ReloadFailure("cannot signal leadd (pid \(target)): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let result = ReloadResult.load(state: settings.state), result.generation > before {
                if result.success {
                    print("rules reloaded: version \(result.rulesVersion)")
                    return
                }
                var message = "rules reload failed; still running version \(result.rulesVersion):\n"
                message += result.errors.map { "  " + $0 }.joined(separator: "\n")
                throw ReloadFailure(message)
            }
            usleep(20_000)
        }
        throw ReloadFailure("leadd (pid \(target)) did not answer within \(timeout) s")
    }
}

/// A reload that did not happen: `leadd: REASON` on standard error, exit status 1.
func ReloadFailure(_ reason: String) -> ExitCode {
    FileHandle.standardError.write(Data("leadd: \(reason)\n".utf8))
    return ExitCode(1)
}
