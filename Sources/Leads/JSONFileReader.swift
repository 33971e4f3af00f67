import YAML

/// Reads a `.json` file: one lead object, or an array of them.
///
/// The file is read and checked whole before any record is yielded, so a syntax error anywhere rejects the whole
/// file rather than half of it; items of an array that are not objects are bad records.
final class JSONFileReader {
    private let path: String
    private var pending: [LeadReadResult] = []
    private var position = 0

    init(path: String, file: ChunkedFile, options: LeadReaderOptions) {
        self.path = path
        pending = load(file, options)
    }

    func next() -> LeadReadResult? {
        guard position < pending.count else {
            pending = []
            return nil
        }
        defer { position += 1 }
        return pending[position]
    }

    private func load(_ file: ChunkedFile, _ options: LeadReaderOptions) -> [LeadReadResult] {
        guard file.size <= options.maxJSONFileBytes else {
            return [.failure(.fileError(path, .tooLarge(options.maxJSONFileBytes)))]
        }
        var window = ReadWindow(capacity: file.size + 1)
        do {
            while !window.eof {
                try window.fill(from: file, chunk: 1 << 16)
                guard window.end <= options.maxJSONFileBytes else {
                    return [.failure(.fileError(path, .tooLarge(options.maxJSONFileBytes)))]
                }
            }
        } catch {
            return [.failure(.readFailure(path, error))]
        }
        return window.storage.withUnsafeBufferPointer { storage in
            parse(UnsafeBufferPointer(rebasing: storage[0..<window.end]), options)
        }
    }

    private func parse(_ all: UnsafeBufferPointer<UInt8>, _ options: LeadReaderOptions) -> [LeadReadResult] {
        let bom = all.count >= 3 && all[0] == 0xEF && all[1] == 0xBB && all[2] == 0xBF ? 3 : 0
        let bytes = UnsafeBufferPointer(rebasing: all[bom...])
        var parser = JSONParser(bytes, maxDepth: options.maxDepth)
        func failure(_ error: JSONSyntaxError) -> [LeadReadResult] {
            [
                .failure(
                    .at(
                        .file,
                        path,
                        offset: error.offset,
                        in: bytes,
                        firstLine: 1,
                        bufferOffset: bom,
                        record: nil,
                        reason: error.message
                    )
                )
            ]
        }
        guard let first = parser.skipWhitespace() else {
            return [.failure(.fileError(path, .emptyJSON))]
        }
        var items: [(offset: Int, value: LeadDocument)] = []
        do throws(JSONSyntaxError) {
            if first == UInt8(ascii: "[") {
                _ = parser.consume(first)
                if !parser.consume(UInt8(ascii: "]")) {
                    while true {
                        parser.skipWhitespace()
                        let offset = parser.offset
                        items.append((offset, try parser.parseDocument(depth: 1)))
                        if parser.consume(UInt8(ascii: ",")) { continue }
                        if parser.consume(UInt8(ascii: "]")) { break }
                        throw parser.skipWhitespace().map {
                            parser.error(.unexpected($0, expected: "',' or ']' after an item"))
                        }
                            ?? parser.error(.unexpectedEnd("',' or ']'"))
                    }
                }
            } else {
                let offset = parser.offset
                let value = try parser.parseDocument(depth: 0)
                guard value.kind(LeadDocument.root) == .object else {
                    return [
                        .failure(
                            .at(
                                .file,
                                path,
                                offset: offset,
                                in: bytes,
                                firstLine: 1,
                                bufferOffset: bom,
                                record: nil,
                                reason: LeadMessage.notObjectOrArray(value.value(LeadDocument.root).kindDescription)
                                    .text
                            )
                        )
                    ]
                }
                items.append((offset, value))
            }
            if parser.skipWhitespace() != nil {
                throw parser.error(.trailingContent)
            }
        } catch {
            return failure(error)
        }
        // Yield in order, counting lines once across the file.
        var results: [LeadReadResult] = []
        results.reserveCapacity(items.count)
        var line = 1
        var lineStart = 0
        var scanned = 0
        for (index, item) in items.enumerated() {
            while scanned < item.offset {
                if bytes[scanned] == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = scanned + 1
                }
                scanned += 1
            }
            guard item.value.kind(LeadDocument.root) == .object else {
                let reason = JSONMessage.notAnObject(item.value.value(LeadDocument.root)).text
                results.append(
                    .failure(
                        .at(
                            .record,
                            path,
                            offset: item.offset - lineStart,
                            in: UnsafeBufferPointer(rebasing: bytes[lineStart...]),
                            firstLine: line,
                            bufferOffset: bom + lineStart,
                            record: index + 1,
                            reason: reason
                        )
                    )
                )
                continue
            }
            let origin = LeadOrigin(file: path, line: line, record: index + 1, byteOffset: bom + item.offset)
            results.append(.record(LeadRecord(origin: origin, document: item.value)))
        }
        return results
    }

}
