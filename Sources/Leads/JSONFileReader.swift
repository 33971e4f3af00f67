import YAML

/// Reads a `.json` file: one lead object, or an array of them, or (with `records`, from the file's mapping) an
/// object that holds the array of them at that path, as API responses wrap their results.
///
/// The file is read and checked whole before any record is yielded, so a syntax error anywhere rejects the whole
/// file rather than half of it; items of an array that are not objects are bad records.
final class JSONFileReader {
    private let path: String
    /// The dotted path of the records' array in a wrapping object; empty when the file is its records.
    private let records: [String]
    private var pending: [LeadReadResult] = []
    private var position = 0

    init(path: String, file: ChunkedFile, options: LeadReaderOptions, records: [String] = []) {
        self.path = path
        self.records = records
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
                if records.isEmpty {
                    items.append((offset, value))
                } else {
                    // An object that wraps the records: the items of its array at `records`, each at its offset.
                    let end = parser.offset
                    guard let array = value.member(at: records), value.kind(array) == .array else {
                        let keys = value.withView { view in
                            view.members(LeadDocument.root).prefix(6).map { "'\(view.string($0) ?? "")'" }
                        }
                        let path = records.joined(separator: ".")
                        return [.failure(.fileError(self.path, .noRecordsArray(path, keys: keys)))]
                    }
                    items = value.withView { view in
                        let starts =
                            Self.arrayStart(array, in: view, base: offset, span: end - offset, bytes: bytes)
                            .map { Self.itemStarts(bytes, open: $0) } ?? []
                        return view.items(array).enumerated().map { index, item in
                            (index < starts.count ? starts[index] : offset, LeadDocument(view.value(item)))
                        }
                    }
                }
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

    /// Where the array at node `array` of a document parsed from `base` opens in `bytes`: after its key, whose
    /// bytes are the input's (`span` long) unless it had escapes (nil then, as for an array that is not a member).
    private static func arrayStart(
        _ array: Int,
        in view: LeadView,
        base: Int,
        span: Int,
        bytes: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        // An object's member is its key's node, then its value's.
        guard array > 0, view.kind(array - 1) == .string else { return nil }
        let key = view.nodes[array - 1]
        guard Int(key.a) + Int(key.b) < span else { return nil }
        // Past the key's closing quote, whitespace, the colon and whitespace: the bracket.
        var position = base + Int(key.a) + Int(key.b) + 1
        while position < bytes.count, bytes[position] != UInt8(ascii: "[") {
            guard [0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ":")].contains(bytes[position]) else { return nil }
            position += 1
        }
        return position < bytes.count ? position : nil
    }

    /// The offsets of the items of the array whose `[` is at `open` in `bytes`, which the parser has checked: each
    /// item's first byte, found by walking its bytes with their nesting and strings.
    static func itemStarts(_ bytes: UnsafeBufferPointer<UInt8>, open: Int) -> [Int] {
        var starts: [Int] = []
        var depth = 0
        var expectItem = true
        var position = open
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case 0x20, 0x0A, 0x0D, 0x09:
                continue
            case UInt8(ascii: ","):
                if depth == 1 { expectItem = true }
                continue
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return starts }
                continue
            default:
                break
            }
            if depth == 1 && expectItem {
                starts.append(position - 1)
                expectItem = false
            }
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
            case UInt8(ascii: "\""):
                // To the closing quote, over escapes.
                while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
                    position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
                position += 1
            default:
                break
            }
        }
        return starts
    }
}
