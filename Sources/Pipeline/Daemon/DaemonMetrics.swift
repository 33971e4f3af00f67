internal import CLinux
import Glibc
import Prometheus
import Synchronization

/// The daemon's metrics in the Prometheus text format, written atomically to a file for node_exporter's textfile
/// collector (`metrics.file`): written to a dot-name beside it, synced, then renamed over it.
public final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    let inboxFiles: Gauge
    let inboxOldest: Gauge
    let duration: DurationHistogram
    let lastReloadSuccessful: Gauge
    let faults: Counter
    let grouped: Counter
    let rulesInfo = Mutex<Gauge?>(nil)

    public init() {
        inFlight = registry.makeGauge(descriptor: Self.name("files_in_flight", "", "Files being processed now."))
        inboxFiles = registry.makeGauge(
            descriptor: Self.name("inbox_files", "", "Lead files waiting in the inbox at the last scan.")
        )
        inboxOldest = registry.makeGauge(
            descriptor: Self.name("inbox_oldest_file_age", "seconds", "Age of the oldest file waiting in the inbox.")
        )
        duration = registry.makeDurationHistogram(
            descriptor: Self.name("file_processing_duration", "seconds", "Time from claim to publish, per file."),
            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300].map {
                Duration.milliseconds(Int64($0 * 1000))
            }
        )
        lastReloadSuccessful = registry.makeGauge(
            descriptor: Self.name("rules_last_reload_successful", "", "1 if the last rules reload compiled, else 0.")
        )
        lastReloadSuccessful.set(to: 1)
        faults = registry.makeCounter(
            descriptor: Self.name(
                "environment_faults",
                "total",
                "Disk full, I/O errors, too many open files: each retried later."
            ),
            labels: []
        )
        grouped = registry.makeCounter(
            descriptor: Self.name(
                "files_claimed_in_groups",
                "total",
                "Small files claimed and committed several at a time, sharing their syncs."
            ),
            labels: []
        )
        for result in ["archived", "rejected"] { files(result).increment(by: Int64(0)) }
        for result in ["success", "failure"] { reloads(result).increment(by: Int64(0)) }
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "leadd", metricName: metric, unitName: unit, helpText: help)
    }

    /// Files done, by result: `archived` (read as leads) or `rejected` (whole file quarantined).
    func files(_ result: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("files_processed", "total", "Lead files processed, by result."),
            labels: [("result", result)]
        )
    }

    /// Leads done, by result: the route of the decision, or `rejected` for a bad record.
    func leads(_ result: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("leads_processed", "total", "Leads processed, by result (route or rejected)."),
            labels: [("result", result)]
        )
    }

    func reloads(_ result: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("rules_reloads", "total", "Rules reloads, by result."),
            labels: [("result", result)]
        )
    }

    func record(_ outcome: FileProcessor.Outcome, seconds: Duration) {
        guard !outcome.abandoned else { return }
        files(outcome.rejection == nil ? "archived" : "rejected").increment()
        for (route, count) in outcome.decisions { leads(route).increment(by: Int64(count)) }
        if outcome.rejectedRecords > 0 { leads("rejected").increment(by: Int64(outcome.rejectedRecords)) }
        duration.record(seconds)
    }

    func reloaded(success: Bool) {
        reloads(success ? "success" : "failure").increment()
        lastReloadSuccessful.set(to: success ? 1 : 0)
    }

    /// `leadd_rules_info{version="..."} 1` for the rules in use.
    func rules(version: String) {
        rulesInfo.withLock { gauge in
            if let gauge { registry.unregisterGauge(gauge) }
            gauge = registry.makeGauge(
                descriptor: Self.name("rules_info", "", "The rules in use: their version as a label."),
                labels: [("version", version)]
            )
            gauge?.set(to: 1)
        }
    }

    /// The text exposition of every metric.
    public func text() -> String { registry.emitToString() }

    /// Writes the metrics to `path` atomically.
    public func write(to path: String) throws(FileSystemError) {
        let folder = DurableFiles.parent(path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = folder + "/." + name + ".tmp"
        if !DurableFiles.exists(folder) { try DurableFiles.makeDirectory(folder) }
        DurableFiles.remove(temporary)
        try DurableFiles.writeNew(temporary, registry.emitToBuffer())
        guard rename(temporary, path) == 0 else { throw DurableFiles.fail("rename", temporary) }
    }
}
