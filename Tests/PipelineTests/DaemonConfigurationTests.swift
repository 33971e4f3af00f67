import Foundation
import TestSupport
import Testing
import YAML

@testable import Pipeline

@Suite("Daemon configuration file")
struct DaemonConfigurationTests {
    @Test("every key is read, units and relative paths resolved; the printed settings load back the same")
    func everyKeyAndRoundTrip() throws {
        let folder = try TemporaryDirectory("config")
        let path = try folder.write(
            "leadd.yaml",
            """
            spool: spool
            rules: /etc/leadd/rules
            state: state
            workers: 3
            inbox:
              watch: poll
              settle: 1.5s
              poll_interval: 100ms
              rescan: 2m
              max_file_size: 10 MB
            records:
              max_record_bytes: 64KiB
              max_depth: 12
              csv_mapping: mapping.yaml
            log:
              format: json
            metrics:
              file: /var/lib/node_exporter/leadd.prom
              interval: 1h
            """
        )
        let configuration = try DaemonConfiguration.load(contentsOf: path)
        #expect(configuration.spool == folder.path + "/spool")
        #expect(configuration.rules == "/etc/leadd/rules")
        #expect(configuration.state == folder.path + "/state")
        #expect(configuration.workers == 3)
        #expect(configuration.watch == .poll)
        #expect(configuration.settle == 1.5 && configuration.pollInterval == 0.1 && configuration.rescan == 120)
        #expect(configuration.maxFileBytes == 10_000_000)
        #expect(configuration.maxRecordBytes == 65_536 && configuration.maxDepth == 12)
        #expect(configuration.csvMappings == [folder.path + "/mapping.yaml"])
        #expect(configuration.logFormat == .json)
        #expect(configuration.metricsFile == "/var/lib/node_exporter/leadd.prom")
        #expect(configuration.metricsInterval == 3600)

        let printed = try folder.write("printed.yaml", configuration.yaml)
        #expect(try DaemonConfiguration.load(contentsOf: printed) == configuration)
        // A mapping per source: a list, printed as one that loads back the same.
        let several = try folder.write("several.yaml", "records:\n  csv_mapping: [hubspot.yaml, /etc/leadd/sf.yaml]\n")
        let sources = try DaemonConfiguration.load(contentsOf: several)
        #expect(sources.csvMappings == [folder.path + "/hubspot.yaml", "/etc/leadd/sf.yaml"])
        let reprinted = try folder.write("reprinted.yaml", sources.yaml)
        #expect(try DaemonConfiguration.load(contentsOf: reprinted).csvMappings == sources.csvMappings)
        let empty = try folder.write("empty.yaml", "# nothing\n")
        #expect(try DaemonConfiguration.load(contentsOf: empty) == DaemonConfiguration())
    }

    @Test("wrong shapes and values are each reported at their position")
    func mistakes() throws {
        let folder = try TemporaryDirectory("config")
        let path = try folder.write(
            "bad.yaml",
            """
            workers: 0
            inbox: [settle]
            metrics:
              interval: 0s
              flie: x.prom
            """
        )
        var text = ""
        do {
            _ = try DaemonConfiguration.load(contentsOf: path)
            Issue.record("the configuration loaded")
        } catch {
            text = error.diagnostics.rendered()
        }
        for expected in [
            "bad.yaml:1:10: error: expected a whole number of at least 1, found '0'",
            "bad.yaml:2:8: error: expected a mapping, found a sequence",
            "bad.yaml:4:13: error: expected a duration such as 500ms, 2s or 1m, found '0s'",
            "bad.yaml:5:3: error: unknown key 'flie' in 'metrics' (did you mean 'file'?)",
        ] {
            #expect(text.contains(expected), "\(text)")
        }
    }
}
