internal import CLinux
import Glibc

/// sd_notify without libsystemd: datagrams to `$NOTIFY_SOCKET` (a path, or an abstract socket when it starts with
/// `@`), and the watchdog interval from `$WATCHDOG_USEC` when `$WATCHDOG_PID` is unset or names this process.
/// Without `$NOTIFY_SOCKET` (not under systemd) every call does nothing.
public final class SystemdNotifier: Sendable {
    private let fd: Int32
    private let address: [UInt8]
    /// How often to send `WATCHDOG=1`: half the interval systemd asked for; nil without a watchdog.
    public let watchdogInterval: Double?

    public init(environment: [String: String] = SystemdNotifier.environment()) {
        let path = environment["NOTIFY_SOCKET"] ?? ""
        if path.hasPrefix("/") || path.hasPrefix("@") {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var bytes = Array(path.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            address = bytes
        } else {
            fd = -1
            address = []
        }
        let forUs = environment["WATCHDOG_PID"].flatMap { Int32($0) }.map { $0 == getpid() } ?? true
        if forUs, let micros = environment["WATCHDOG_USEC"].flatMap({ Double($0) }), micros > 0 {
            watchdogInterval = micros / 2_000_000
        } else {
            watchdogInterval = nil
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    public static func environment() -> [String: String] {
        var result: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(name) { result[name] = String(cString: value) }
        }
        return result
    }

    /// Whether systemd is listening.
    public var isActive: Bool { fd >= 0 }

    /// Sends `state` (newline-separated `KEY=value` assignments); failures are ignored, as sd_notify does.
    public func send(_ state: String) {
        guard fd >= 0, address.count < 108 else { return }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            for (index, byte) in address.enumerated() { path[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count)
        let bytes = Array(state.utf8)
        _ = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketPointer in
                bytes.withUnsafeBytes {
                    sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketPointer, length)
                }
            }
        }
    }

    /// `STATUS=` text on one line.
    public func status(_ text: String) {
        send("STATUS=" + String(text.map { $0.isNewline ? " " : $0 }))
    }

    /// The monotonic clock in microseconds, for `RELOADING=1` with `MONOTONIC_USEC=`.
    public static func monotonicMicroseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1000
    }
}
