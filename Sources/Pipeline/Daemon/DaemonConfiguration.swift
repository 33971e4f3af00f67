internal import CLinux
import Glibc
import Leads
public import YAML

/// Everything `leadd run` can be told, with the embedded defaults; a configuration file (YAML, every key optional)
/// and then the command line override them (see docs/configuration.md).
public struct DaemonConfiguration: Sendable, Equatable {
    public var spool = "var/spool"
    public var rules = "rules"
    public var state = "var/state"
    /// Files processed at once.
    public var workers = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    public var watch: InboxWatcher.Mode?
    /// Seconds a file written in place must keep its size and modification time before it is taken.
    public var settle = 0.5
    public var pollInterval = 0.25
    public var rescan = 60.0
    /// Larger files are rejected before a byte of them is read.
    public var maxFileBytes: Int64 = 8 << 30
    public var maxRecordBytes: Int?
    public var maxDepth: Int?
    /// The CSV mapping files, in order (`CSVMappings`): one for every CSV file, or one per source with its `files`.
    public var csvMappings: [String] = []
    public var logFormat: LogFormat = .text
    public var metricsFile: String?
    public var metricsInterval = 15.0
    /// Run the rule tests (`tests/*.yaml` in the rules directory) of new rules before they are used; failing tests
    /// keep the running rules, as a compile error does.
    public var requireTests = true

    public enum LogFormat: String, Sendable, CaseIterable {
        case text
        case json
    }

    public init() {}

    /// The settings as a configuration file that would give them (`leadd run --print-config`).
    public var yaml: String {
        func seconds(_ value: Double) -> String {
            value < 1
                ? "\(Int((value * 1000).rounded()))ms" : (value == value.rounded() ? "\(Int(value))s" : "\(value)s")
        }
        func quoted(_ text: String) -> String {
            text.allSatisfy { $0.isLetter || $0.isNumber || "/._-".contains($0) } ? text : "\"\(text)\""
        }
        var lines = [
            "spool: \(quoted(spool))",
            "rules: \(quoted(rules))",
            "state: \(quoted(state))",
            "workers: \(workers)",
            "inbox:",
            "  watch: \(watch?.rawValue ?? "auto")",
            "  settle: \(seconds(settle))",
            "  poll_interval: \(seconds(pollInterval))",
            "  rescan: \(seconds(rescan))",
            "  max_file_size: \(maxFileBytes % (1 << 30) == 0 ? "\(maxFileBytes >> 30)GiB" : maxFileBytes % (1 << 20) == 0 ? "\(maxFileBytes >> 20)MiB" : "\(maxFileBytes)")",
            "records:",
        ]
        lines.append("  max_record_bytes: \(maxRecordBytes ?? LeadReaderOptions().maxRecordBytes)")
        lines.append("  max_depth: \(maxDepth ?? LeadReaderOptions().maxDepth)")
        switch csvMappings.count {
        case 0: break
        case 1: lines.append("  csv_mapping: \(quoted(csvMappings[0]))")
        default: lines.append("  csv_mapping: [\(csvMappings.map(quoted).joined(separator: ", "))]")
        }
        lines += ["log:", "  format: \(logFormat.rawValue)", "metrics:"]
        lines.append("  file: " + (metricsFile.map(quoted) ?? "~"))
        lines.append("  interval: \(seconds(metricsInterval))")
        lines += ["reload:", "  require_tests: \(requireTests)"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The embedded defaults overridden by the file at `path`; relative paths in it are taken from its folder.
    public static func load(contentsOf path: String) throws(DiagnosticError) -> DaemonConfiguration {
        let document = try YAMLDocument.parse(contentsOf: path)
        var configuration = DaemonConfiguration()
        guard let root = document.root else { return configuration }
        var reader = Reader(folder: DurableFiles.parent(path))
        reader.read(root, into: &configuration)
        guard reader.errors.isEmpty else { throw DiagnosticError(reader.errors) }
        return configuration
    }

    /// Walks the document, collecting every mistake at its position.
    struct Reader {
        let folder: String
        var errors: [Diagnostic] = []

        static let sections: [String: [String]] = [
            "": ["spool", "rules", "state", "workers", "inbox", "records", "log", "metrics", "reload"],
            "inbox": ["watch", "settle", "poll_interval", "rescan", "max_file_size"],
            "records": ["max_record_bytes", "max_depth", "csv_mapping"],
            "log": ["format"],
            "metrics": ["file", "interval"],
            "reload": ["require_tests"],
        ]

        mutating func read(_ root: YAMLNode, into configuration: inout DaemonConfiguration) {
            let values = Values(folder: folder)
            guard let top = section(root, "") else { return }
            for entry in top.entries {
                let value = entry.value
                switch entry.key.value {
                case "spool": attempt { () throws(Diagnostic) in configuration.spool = try values.path(value) }
                case "rules": attempt { () throws(Diagnostic) in configuration.rules = try values.path(value) }
                case "state": attempt { () throws(Diagnostic) in configuration.state = try values.path(value) }
                case "workers":
                    attempt { () throws(Diagnostic) in configuration.workers = try values.count(value, atLeast: 1) }
                case "inbox":
                    for item in section(value, "inbox")?.entries ?? [] {
                        switch item.key.value {
                        case "watch":
                            attempt { () throws(Diagnostic) in
                                if case .scalar(let scalar) = item.value, scalar.value == "auto" {
                                    configuration.watch = nil
                                } else {
                                    configuration.watch = try values.choice(
                                        item.value,
                                        InboxWatcher.Mode.self,
                                        also: ["auto"]
                                    )
                                }
                            }
                        case "settle":
                            attempt { () throws(Diagnostic) in
                                configuration.settle = try values.duration(item.value, allowZero: true)
                            }
                        case "poll_interval":
                            attempt { () throws(Diagnostic) in
                                configuration.pollInterval = try values.duration(item.value)
                            }
                        case "rescan":
                            attempt { () throws(Diagnostic) in configuration.rescan = try values.duration(item.value) }
                        default:
                            attempt { () throws(Diagnostic) in configuration.maxFileBytes = try values.size(item.value)
                            }
                        }
                    }
                case "records":
                    for item in section(value, "records")?.entries ?? [] {
                        switch item.key.value {
                        case "max_record_bytes":
                            attempt { () throws(Diagnostic) in
                                configuration.maxRecordBytes = Int(try values.size(item.value))
                            }
                        case "max_depth":
                            attempt { () throws(Diagnostic) in
                                configuration.maxDepth = try values.count(item.value, atLeast: 1)
                            }
                        default:
                            attempt { () throws(Diagnostic) in
                                // One file, or a list of them (a mapping per source, by their `files`).
                                if case .sequence(let list) = item.value {
                                    var paths: [String] = []
                                    for node in list.items { paths.append(try values.path(node)) }
                                    configuration.csvMappings = paths
                                } else {
                                    configuration.csvMappings = try values.optionalPath(item.value).map { [$0] } ?? []
                                }
                            }
                        }
                    }
                case "log":
                    for item in section(value, "log")?.entries ?? [] {
                        attempt { () throws(Diagnostic) in
                            configuration.logFormat = try values.choice(item.value, LogFormat.self)
                        }
                    }
                case "reload":
                    for item in section(value, "reload")?.entries ?? [] {
                        attempt { () throws(Diagnostic) in configuration.requireTests = try item.value.scalar().bool() }
                    }
                default:
                    for item in section(value, "metrics")?.entries ?? [] {
                        switch item.key.value {
                        case "file":
                            attempt { () throws(Diagnostic) in
                                configuration.metricsFile = try values.optionalPath(item.value)
                            }
                        default:
                            attempt { () throws(Diagnostic) in
                                configuration.metricsInterval = try values.duration(item.value)
                            }
                        }
                    }
                }
            }
        }

        /// Typed values with positioned errors; relative paths are taken from the configuration file's folder.
        struct Values {
            let folder: String

            /// A path, or nothing for `~` (null).
            func optionalPath(_ node: YAMLNode) throws(Diagnostic) -> String? {
                if case .scalar(let scalar) = node, scalar.style.isPlain, scalar.isNull { return nil }
                return try path(node)
            }

            func path(_ node: YAMLNode) throws(Diagnostic) -> String {
                let text = try node.string()
                guard !text.isEmpty else { throw node.diagnostic(.init("expected a path, found an empty string")) }
                return text.hasPrefix("/") || folder == "." ? text : folder + "/" + text
            }

            func count(_ node: YAMLNode, atLeast minimum: Int) throws(Diagnostic) -> Int {
                let scalar = try node.scalar()
                guard let value = Int(scalar.value), value >= minimum else {
                    throw scalar.diagnostic(
                        .init("expected a whole number of at least \(minimum), found '\(scalar.value)'")
                    )
                }
                return value
            }

            func choice<Choice: RawRepresentable & CaseIterable>(
                _ node: YAMLNode,
                _: Choice.Type,
                also: [String] = []
            ) throws(Diagnostic)
                -> Choice where Choice.RawValue == String
            {
                let scalar = try node.scalar()
                if let value = Choice(rawValue: scalar.value) { return value }
                let names = also + Choice.allCases.map(\.rawValue)
                throw scalar.diagnostic(
                    .init("expected one of \(names.joined(separator: ", ")), found '\(scalar.value)'")
                )
            }

            /// Seconds: a number, or a number with a unit (`250ms`, `2s`, `5m`, `1h`).
            func duration(_ node: YAMLNode, allowZero: Bool = false) throws(Diagnostic) -> Double {
                let scalar = try node.scalar()
                let text = scalar.value
                let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
                var seconds = Double(text)
                for (unit, factor) in units where seconds == nil && text.hasSuffix(unit) {
                    seconds = Double(text.dropLast(unit.count)).map { $0 * factor }
                }
                guard let seconds, seconds.isFinite, seconds > 0 || (allowZero && seconds == 0) else {
                    throw scalar.diagnostic(.init("expected a duration such as 500ms, 2s or 1m, found '\(text)'"))
                }
                return seconds
            }

            /// Bytes: a whole number, or one with a unit (`KB`, `MB`, `GB`, `KiB`, `MiB`, `GiB`).
            func size(_ node: YAMLNode) throws(Diagnostic) -> Int64 {
                let scalar = try node.scalar()
                let text = scalar.value
                let units: [(String, Int64)] = [
                    ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000),
                    ("GB", 1_000_000_000), ("B", 1),
                ]
                var bytes = Int64(text)
                for (unit, factor) in units where bytes == nil && text.hasSuffix(unit) {
                    let number = text.dropLast(unit.count).trimmingPrefix(" ")
                    bytes = Int64(number.trimmingSuffix()).flatMap {
                        $0.multipliedReportingOverflow(by: factor).overflow ? nil : $0 * factor
                    }
                }
                guard let bytes, bytes > 0 else {
                    throw scalar.diagnostic(.init("expected a size such as 512MiB or 2GiB, found '\(text)'"))
                }
                return bytes
            }
        }

        mutating func attempt(_ body: () throws(Diagnostic) -> Void) {
            do { try body() } catch { errors.append(error) }
        }

        /// A mapping whose keys are all known to `name`'s section; unknown keys are reported and left out.
        mutating func section(_ node: YAMLNode, _ name: String) -> YAMLMapping? {
            guard case .mapping(var mapping) = node else {
                errors.append(node.diagnostic(.expected("a mapping", found: node)))
                return nil
            }
            let known = Self.sections[name] ?? []
            mapping.entries = mapping.entries.filter { entry in
                if known.contains(entry.key.value) { return true }
                let suggestion = Suggestion.closest(to: entry.key.value, in: known).map { " (did you mean '\($0)'?)" }
                let place = name.isEmpty ? "" : " in '\(name)'"
                errors.append(
                    entry.key.diagnostic(.init("unknown key '\(entry.key.value)'\(place)" + (suggestion ?? "")))
                )
                return false
            }
            return mapping
        }

    }
}

extension Substring {
    fileprivate func trimmingSuffix() -> Substring {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
