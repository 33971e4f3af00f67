import Foundation
import Glibc

/// How a child process ended, what it printed, and its peak memory.
public struct ProcessResult: Sendable {
    /// The exit status, or nil when a signal ended the process.
    public var exitStatus: Int32?
    /// The signal that ended the process, if one did.
    public var signal: Int32?
    public var standardOutput: String
    public var standardError: String
    /// Peak resident set size in bytes: the largest `VmHWM` sampled every 2 ms while the process ran.
    public var peakRSS: Int
    /// The processor time the process used, user and system, in seconds (its threads' together, from the kernel).
    public var cpuSeconds: Double = 0
}

/// Runs real binaries, as an operator would, and watches their peak memory.
public enum ProcessRunner {
    /// The directory of the running test bundle, where SwiftPM also puts the package's executables.
    public static var buildDirectory: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (executable as NSString).deletingLastPathComponent
    }

    /// The built `leadd` binary beside the tests, or `$LEADD_BIN`.
    public static var leadd: String {
        ProcessInfo.processInfo.environment["LEADD_BIN"] ?? "\(buildDirectory)/leadd"
    }

    /// The package's root folder, found from this source file's path.
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// Runs `executable` with `arguments`; standard output goes to `stdoutPath` when given
    /// (for output too large to keep), else it is captured.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        stdoutPath: String? = nil
    ) throws -> ProcessResult {
        try start(executable, arguments, stdoutPath: stdoutPath).wait()
    }

    /// Starts `executable` without waiting for it: for tests that signal or kill a running process.
    public static func start(
        _ executable: String,
        _ arguments: [String],
        stdoutPath: String? = nil,
        environment extra: [String: String] = [:]
    ) throws -> RunningProcess {
        let scratch = try TemporaryDirectory("leadd-run")
        let outPath = stdoutPath ?? "\(scratch.path)/stdout"
        let errPath = "\(scratch.path)/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer {
            for argument in argv { free(argument) }
        }
        // The child starts with no signal blocked and default handlers: the test runner's threads block signals,
        // and posix_spawn would pass that mask on.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        // This process's environment, with `extra` set on top.
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in extra { environment[name] = value }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for entry in envp { free(entry) }
        }
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw NSError(domain: "spawn", code: Int(spawned), userInfo: [NSLocalizedDescriptionKey: executable])
        }
        return RunningProcess(
            pid: pid,
            executable: executable,
            scratch: scratch,
            outPath: outPath,
            errPath: errPath,
            keepsOutput: stdoutPath == nil
        )
    }
}

/// A child process started by `ProcessRunner.start`.
public final class RunningProcess: Sendable {
    public let pid: Int32
    let executable: String
    let scratch: TemporaryDirectory
    /// Where its standard output goes.
    public let outPath: String
    /// Where its standard error goes.
    public let errPath: String
    let keepsOutput: Bool

    init(
        pid: Int32,
        executable: String,
        scratch: TemporaryDirectory,
        outPath: String,
        errPath: String,
        keepsOutput: Bool
    ) {
        self.pid = pid
        self.executable = executable
        self.scratch = scratch
        self.outPath = outPath
        self.errPath = errPath
        self.keepsOutput = keepsOutput
    }

    /// Sends `signal` (SIGKILL, SIGTERM, ...).
    public func kill(_ signal: Int32) {
        _ = Glibc.kill(pid, signal)
    }

    static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }

    /// Waits for the process to end.
    public func wait() -> ProcessResult {
        // The kernel's ru_maxrss would count this test process too: posix_spawn's child shares our memory until
        // it execs, and exec keeps that high-water mark. So sample the child's own VmHWM until it exits.
        let resolved = URL(fileURLWithPath: executable).resolvingSymlinksInPath().path
        var status: Int32 = 0
        var peak = 0
        var usage = rusage()
        while true {
            let done = wait4(pid, &status, WNOHANG, &usage)
            if done == pid { break }
            if done < 0 && errno != EINTR { break }
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) == resolved,
                let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
            {
                peak = max(peak, kilobytes * 1024)
            }
            usleep(2000)
        }
        let signal = status & 0x7F
        return ProcessResult(
            exitStatus: signal == 0 ? (status >> 8) & 0xFF : nil,
            signal: signal == 0 ? nil : signal,
            standardOutput: keepsOutput ? (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" : "",
            standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            peakRSS: peak,
            cpuSeconds: Self.seconds(usage.ru_utime) + Self.seconds(usage.ru_stime)
        )
    }
}
