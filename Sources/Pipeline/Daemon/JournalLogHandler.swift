import Foundation
public import Logging
import Synchronization

/// Log lines on standard error for journald: `<N>message key=value ...` with the syslog priority prefix journald
/// reads (`<3>` error .. `<7>` debug), or one JSON object per line (`--log-format json`) for log shippers.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    let format: DaemonConfiguration.LogFormat
    let output: LogOutput

    public init(format: DaemonConfiguration.LogFormat, fd: Int32 = 2) {
        self.format = format
        self.output = LogOutput(fd: fd)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The syslog priority of a level: journald's `<N>` prefix.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let priority = Self.priority(event.level)
        var line: String
        switch format {
        case .text:
            line = "<\(priority)>\(event.message)"
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                let text = "\(value)"
                let quoted = text.isEmpty || text.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }
                line += " \(key)=" + (quoted ? Self.quoted(text) : text)
            }
        case .json:
            line = "{\"time\":\(Self.quoted(Date().formatted(.iso8601))),\"priority\":\(priority)"
            line += ",\"level\":\"\(event.level.rawValue)\",\"message\":\(Self.quoted(event.message.description))"
            for (key, value) in fields.sorted(by: { $0.key < $1.key })
            where !["time", "priority", "level", "message"].contains(key) {
                line += ",\(Self.quoted(key)):\(Self.quoted("\(value)"))"
            }
            line += "}"
        }
        output.write(line + "\n")
    }

    /// A JSON string literal (also used for quoted `key="value"` fields, so a newline in a file name stays on one line).
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// One write(2) per line under a lock, so lines from several workers never interleave.
final class LogOutput: Sendable {
    let fd: Int32
    let lock = Mutex(())

    init(fd: Int32) { self.fd = fd }

    func write(_ line: String) {
        let bytes = Array(line.utf8)
        lock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
