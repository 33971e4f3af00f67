import Foundation
import TestSupport
import Testing

/// NDJSON is streamed: the peak RSS of `leadd parse` does not grow with the file.
struct StreamingMemoryTests {
    /// Writes an NDJSON file of at least `bytes` bytes of realistic leads, in 1 MiB writes.
    func makeFile(_ path: String, bytes: Int) throws {
        let line =
            #"{"id":"L-%d","source":"web_form","contact":{"email":"person%d@example.com","title":"VP Sales"},"#
            + #""company":{"name":"Example %d","employees":%d,"industry":"software","country":"US"},"#
            + #""interests":["routing","scoring"],"events":[{"type":"page_view","url":"/pricing","at":"2026-11-20T10:00:00Z"},"#
            + #"{"type":"email_open","at":"2026-11-21T10:00:00Z"},{"type":"demo_request","at":"2026-11-22T10:00:00Z"}]}"#
        try #require(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var written = 0
        var index = 0
        while written < bytes {
            var chunk = ""
            while chunk.utf8.count < 1 << 20 {
                index += 1
                chunk += line.replacingOccurrences(of: "%d", with: String(index)) + "\n"
            }
            try handle.write(contentsOf: Data(chunk.utf8))
            written += chunk.utf8.count
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func peakMemoryStaysFlatOn200MegabytesOfNDJSON() throws {
        let directory = try TemporaryDirectory("leadd-rss")
        let small = "\(directory.path)/small.ndjson"
        let large = "\(directory.path)/large.ndjson"
        try makeFile(small, bytes: 8 << 20)
        try makeFile(large, bytes: 200 << 20)
        let largeSize = try #require(FileManager.default.attributesOfItem(atPath: large)[.size] as? Int)
        #expect(largeSize >= 200 << 20)
        let baseline = try ProcessRunner.run(ProcessRunner.leadd, ["parse", small], stdoutPath: "/dev/null")
        let result = try ProcessRunner.run(ProcessRunner.leadd, ["parse", large], stdoutPath: "/dev/null")
        #expect(baseline.exitStatus == 0)
        #expect(baseline.peakRSS > 0, "the baseline run ended before its memory could be read")
        #expect(result.exitStatus == 0, "\(result.standardError)")
        let growth = result.peakRSS - baseline.peakRSS
        print(
            "leadd parse peak RSS: \(baseline.peakRSS >> 20) MiB on 8 MiB, \(result.peakRSS >> 20) MiB on \(largeSize >> 20) MiB"
        )
        // A 100x larger file may cost a few buffers more, never a copy of the file.
        #expect(growth < 16 << 20, "peak RSS grew by \(growth >> 20) MiB")
        #expect(result.peakRSS < 64 << 20)
        // The processor time the kernel counted (the bench's figures read it): parsing 25 times the bytes takes more.
        #expect(baseline.cpuSeconds > 0 && result.cpuSeconds > baseline.cpuSeconds * 4, "\(result.cpuSeconds) s")
    }
}
