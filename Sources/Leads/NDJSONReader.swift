import Glibc
import YAML

/// Streams an `.ndjson` / `.jsonl` file: one lead object per line, through a fixed-size window.
///
/// Blank lines are skipped; every other line is one record, good or bad. A line longer than `maxRecordBytes` is a
/// bad record and is skipped without being held in memory, so memory stays flat whatever the file's size.
final class NDJSONReader {
    private let path: String
    private let file: ChunkedFile
    private let options: LeadReaderOptions
    private var window: ReadWindow
    private var line = 0
    private var record = 0
    private var skipping = false
    private var done = false
    private var atStart = true

    init(path: String, file: ChunkedFile, options: LeadReaderOptions) {
        self.path = path
        self.file = file
        self.options = options
        self.window = ReadWindow(capacity: 1 << 18)
    }

    func next() -> LeadReadResult? {
        while !done {
            if let newline = findNewline() {
                let range = window.start..<newline
                window.start = newline + 1
                if skipping {
                    skipping = false
                    continue
                }
                line += 1
                if let result = process(range) { return result }
                continue
            }
            if window.eof {
                done = true
                if window.available > 0 && !skipping {
                    line += 1
                    let range = window.start..<window.end
                    window.start = window.end
                    if let result = process(range) { return result }
                }
                if record == 0 {
                    return .failure(.fileError(path, .emptyNDJSON))
                }
                return nil
            }
            if skipping {
                window.discardAll()
            } else if window.available > options.maxRecordBytes {
                line += 1
                record += 1
                skipping = true
                let offset = window.baseOffset + window.start
                window.discardAll()
                return .failure(
                    LeadReadError(
                        scope: .record,
                        file: path,
                        line: line,
                        column: 1,
                        byteOffset: offset,
                        record: record,
                        reason: LeadMessage.recordTooLong(options.maxRecordBytes).text
                    )
                )
            }
            do {
                try window.fill(from: file, chunk: 1 << 18)
            } catch {
                done = true
                return .failure(.readFailure(path, error))
            }
            if atStart && window.available >= 3 {
                atStart = false
                if window.storage[window.start] == 0xEF && window.storage[window.start + 1] == 0xBB
                    && window.storage[window.start + 2] == 0xBF
                {
                    window.start += 3
                }
            }
        }
        return nil
    }

    private func findNewline() -> Int? {
        guard window.available > 0 else { return nil }
        return window.storage.withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress,
                let found = memchr(base + window.start, Int32(UInt8(ascii: "\n")), window.available)
            else { return nil }
            return base.distance(to: found)
        }
    }

    /// One line: nil when blank, else a record or a bad record.
    private func process(_ range: Range<Int>) -> LeadReadResult? {
        window.storage.withUnsafeBufferPointer { storage in
            var end = range.upperBound
            if end > range.lowerBound && storage[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let bytes = UnsafeBufferPointer(rebasing: storage[range.lowerBound..<end])
            guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return nil }
            record += 1
            let lineOffset = window.baseOffset + range.lowerBound
            func failure(_ offset: Int, _ reason: String) -> LeadReadResult {
                .failure(
                    .at(
                        .record,
                        path,
                        offset: offset,
                        in: bytes,
                        firstLine: line,
                        bufferOffset: lineOffset,
                        record: record,
                        reason: reason
                    )
                )
            }
            do throws(JSONSyntaxError) {
                let document = try JSONParser.parseDocument(bytes, maxDepth: options.maxDepth)
                guard document.kind(LeadDocument.root) == .object else {
                    let start = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? 0
                    return failure(start, JSONMessage.notAnObject(document.value(LeadDocument.root)).text)
                }
                let origin = LeadOrigin(file: path, line: line, record: record, byteOffset: lineOffset)
                return .record(LeadRecord(origin: origin, document: document))
            } catch {
                return failure(error.offset, error.message)
            }
        }
    }
}
