import Foundation
import Glibc
import TestSupport
import Testing

/// The sd_notify protocol as the real binary speaks it, received on a real AF_UNIX datagram socket.
@Suite("sd_notify", .serialized, .timeLimit(.minutes(2)))
struct SystemdNotifyTests {
    let leadd = ProcessRunner.leadd
    let root = ProcessRunner.packageRoot

    /// A datagram socket bound at `path` (a leading `@`: an abstract name), collecting what arrives.
    final class Listener {
        let fd: Int32
        init(_ path: String) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(path.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) {
                for (index, byte) in bytes.enumerated() { $0[index] = byte }
            }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        deinit { close(fd) }

        /// Every message received until `condition` holds on them, or `seconds` pass.
        func receive(seconds: Double, until condition: ([String]) -> Bool) -> [String] {
            var messages: [String] = []
            let clock = ContinuousClock()
            let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
            var buffer = [UInt8](repeating: 0, count: 4096)
            while clock.now < deadline && !condition(messages) {
                var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard Glibc.poll(&poll, 1, 50) > 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            }
            return messages
        }
    }

    @Test(
        "READY after the first scan, STATUS, RELOADING and READY around a reload, WATCHDOG, STOPPING",
        arguments: [true, false]
    )
    func lifecycle(abstract: Bool) throws {
        let spool = try TemporaryDirectory("spool")
        let state = try TemporaryDirectory("state")
        let sockets = try TemporaryDirectory("notify")
        let path = abstract ? "@leadd-test-\(UUID().uuidString.prefix(8))" : sockets.path + "/notify"
        let listener = try Listener(path)
        try FileManager.default.createDirectory(atPath: spool.path + "/inbox", withIntermediateDirectories: true)
        try spool.write("inbox/before.ndjson", SpoolReading.leads(["N-1", "N-2"]))
        let daemon = try ProcessRunner.start(
            leadd,
            ["run", "--spool", spool.path, "--state", state.path, "--rules", "\(root)/rules", "--settle", "0"],
            environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"]
        )
        var messages = listener.receive(seconds: 10) { $0.contains { $0.contains("READY=1") } }
        let ready = try #require(messages.first { $0.contains("READY=1") }, "\(messages)")
        #expect(ready.contains("STATUS=rules 56f5831d32156038;"), "\(ready)")
        // The watchdog: pings at half of WATCHDOG_USEC, from the running loop.
        messages = listener.receive(seconds: 3) { $0.filter { $0 == "WATCHDOG=1" }.count >= 3 }
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 3, "\(messages)")
        // The file present at start was processed: STATUS counts it.
        messages = listener.receive(seconds: 5) { $0.contains { $0.contains("1 files, 2 leads processed") } }
        #expect(
            messages.contains { $0.hasPrefix("STATUS=") && $0.contains("1 files, 2 leads processed") },
            "\(messages)"
        )
        // A reload: RELOADING=1 with MONOTONIC_USEC, then READY=1 with a STATUS naming the rules.
        daemon.kill(SIGHUP)
        messages = listener.receive(seconds: 5) { $0.contains { $0.hasPrefix("READY=1") } }
        let reloading = try #require(messages.first { $0.hasPrefix("RELOADING=1") }, "\(messages)")
        #expect(reloading.contains("\nMONOTONIC_USEC="))
        #expect(messages.contains { $0.hasPrefix("READY=1\nSTATUS=rules 56f5831d32156038 (reloaded);") }, "\(messages)")
        daemon.kill(SIGTERM)
        messages = listener.receive(seconds: 5) { $0.contains { $0.hasPrefix("STOPPING=1") } }
        #expect(messages.contains { $0.hasPrefix("STOPPING=1") }, "\(messages)")
        #expect(daemon.wait().exitStatus == 0)
    }

    @Test("a daemon that cannot start says why in ERRNO= and STATUS=")
    func cannotStart() throws {
        let sockets = try TemporaryDirectory("notify")
        let listener = try Listener(sockets.path + "/notify")
        let broken = try TemporaryDirectory("rules")
        try broken.write("broken.yaml", "version: 1\nrules: [\n")
        let state = try TemporaryDirectory("state")
        let spool = try TemporaryDirectory("spool")
        let daemon = try ProcessRunner.start(
            leadd,
            ["run", "--spool", spool.path, "--state", state.path, "--rules", broken.path],
            environment: ["NOTIFY_SOCKET": sockets.path + "/notify"]
        )
        #expect(daemon.wait().exitStatus == 1)
        let messages = listener.receive(seconds: 2) { !$0.isEmpty }
        #expect(
            messages.first?.hasPrefix(
                "ERRNO=\(EINVAL)\nSTATUS=cannot start: the rules in \(broken.path) do not compile"
            ) == true,
            "\(messages)"
        )
    }
}
