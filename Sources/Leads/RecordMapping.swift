import Foundation

/// How a mapping's columns convert values, for CSV cells and for the keys of JSON records a mapping names by file.
extension CSVMapping {
    /// The typed value of a cell (or of a JSON record's text) as `column` reads it, with the mapping's decimal mark
    /// and zone where the column names none: nil when it does not convert; `.some(nil)` when it is blank.
    func convert(_ value: String, _ column: Column) -> LeadValue?? {
        let (type, decimalMark) = (column.type, column.decimalMark ?? self.decimalMark)
        if type == .string { return .some(.string(value)) }
        let trimmed = value.trimmingSpaces
        if trimmed.isEmpty { return .some(nil) }
        if let range = column.range, type == .integer || type == .number,
            let (lower, upper) = Self.band(trimmed, decimalMark: decimalMark)
        {
            let number =
                switch range {
                case .lower: lower
                case .upper: upper ?? lower
                case .middle: upper.map { (lower + $0) / 2 } ?? lower
                }
            guard type == .number else {
                guard lower == lower.rounded(), upper.map({ $0 == $0.rounded() }) ?? true, abs(number) < 9e15 else {
                    return nil
                }
                return .some(.int(Int(number.rounded(.down))))
            }
            return .some(number == number.rounded() && abs(number) < 9e15 ? .int(Int(number)) : .double(number))
        }
        switch type {
        case .string:
            return .some(.string(value))
        case .integer:
            guard let trimmed = NumberText.plain(trimmed, decimalMark: decimalMark) else { return nil }
            return Int(trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed).map { .some(.int($0)) }
        case .number:
            guard let trimmed = NumberText.plain(trimmed, decimalMark: decimalMark) else { return nil }
            if let integer = Int(trimmed) { return .some(.int(integer)) }
            return Self.decimal(trimmed).map { .some(.double($0)) }
        case .boolean:
            switch trimmed.lowercased() {
            case "true", "yes", "y", "1": return .some(.bool(true))
            case "false", "no", "n", "0": return .some(.bool(false))
            default: return nil
            }
        case .timestamp:
            return column.timestamp.read(trimmed, defaultZone: timeZone).map { .some(.string($0)) }
        case .list:
            let items = value.split(separator: column.separator).map { String($0).trimmingSpaces }.filter {
                !$0.isEmpty
            }
            return .some(.array(items.map { .string($0) }))
        }
    }

    /// A band's bounds: `51-200` (or with an en or em dash, or ` to `) is 51 and 200, `10,000+` is 10,000 and no
    /// upper bound; each bound a number as the column reads one. Nil for anything else (a plain number included).
    static func band(_ text: String, decimalMark: Character) -> (lower: Double, upper: Double?)? {
        func number(_ part: Substring) -> Double? {
            NumberText.plain(String(part).trimmingSpaces, decimalMark: decimalMark).flatMap(decimal)
        }
        if text.hasSuffix("+") { return number(text.dropLast()).map { ($0, nil) } }
        // The separator after the first character: a leading `-` is a sign.
        for separator in ["\u{2013}", "\u{2014}", " to ", "-"] {
            guard let found = text.dropFirst().range(of: separator) else { continue }
            guard let lower = number(text[..<found.lowerBound]), let upper = number(text[found.upperBound...]),
                lower <= upper
            else { return nil }
            return (lower, upper)
        }
        return nil
    }

    /// A number in plain decimal digits (`NumberText.plain`'s), finite; nil for anything else: `Double(_:)` also
    /// reads hex (`0x10`) and `nan`.
    private static func decimal(_ plain: String) -> Double? {
        guard plain.utf8.allSatisfy(NumberText.isPlainByte), plain.first != ".", let number = Double(plain),
            number.isFinite
        else { return nil }
        return number
    }

    /// More about why `value` does not convert in `column`, when there is more to say than what it expects.
    static func valueNote(_ column: Column, _ value: String) -> String? {
        column.type == .timestamp ? column.timestamp.weekdayMismatch(value) : nil
    }

    /// What `column` expects, for messages: "an integer", "a date as MM/DD/YYYY, or ISO 8601".
    static func typeDescription(_ column: Column) -> String {
        let type = column.type
        if column.range != nil, type == .integer || type == .number {
            return (type == .integer ? "an integer" : "a number") + " or a band such as 51-200 or 10,000+"
        }
        return switch type {
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "a boolean (true, false, yes, no, 1, 0)"
        case .list: "a list"
        case .timestamp: column.timestamp.expected
        }
    }

    /// A JSON record's array of name and value pairs (`pairs`) as an object of those names, in their order, at the
    /// array's place: `"values": [{"name": "email", "value": "ana@acme.example"}]` becomes `"values": {"email":
    /// "ana@acme.example"}`, which columns name as `values.email`. A value that is an array of one (as Facebook's
    /// lead ads give every answer) is that one; of none, it is left out; of several, it stays a list. A name given
    /// twice holds its values as a list. A record without the array is as it was; an array that is not of pairs
    /// makes it a bad record.
    public func unpair(_ fields: LeadObject) -> Result<LeadObject, JSONMappingError> {
        guard let pairs else { return .success(fields) }
        let key = pairs.path.joined(separator: ".")
        var rest = fields
        guard let found = Self.take(pairs.path[...], from: &rest) else { return .success(fields) }
        guard case .array(let items) = found else {
            let problem = JSONMappingError.Problem.notPairs(
                "holds \(found.kindDescription), not an array of name and value pairs"
            )
            return .failure(JSONMappingError(key: key, problem: problem))
        }
        let nameKey = pairs.name.joined(separator: ".")
        var object = LeadObject()
        for (index, item) in items.enumerated() {
            guard case .object(let pair) = item else {
                let problem = JSONMappingError.Problem.notPairs(
                    "item \(index + 1) is \(item.kindDescription), not a name and value pair"
                )
                return .failure(JSONMappingError(key: key, problem: problem))
            }
            // A text, or a whole number, as forms that number their questions name them (LinkedIn's `questionId`).
            let written = Self.value(at: pairs.name[...], in: pair)
            let named: String? =
                switch written {
                case .string(let text): text
                case .int(let number): String(number)
                default: nil
                }
            guard let name = named, !name.isEmpty else {
                let detail =
                    written.map {
                        "item \(index + 1)'s '\(nameKey)' is \($0.kindDescription), not a name"
                    } ?? "item \(index + 1) has no '\(nameKey)', the pair's name"
                return .failure(JSONMappingError(key: key, problem: .notPairs(detail)))
            }
            var value: LeadValue?
            if let namedBy = pairs.valueNamedBy {
                // The key the value is at is named in the pair (Typeform: `"type": "email", "email": ...`).
                guard case .string(let valueKey) = Self.value(at: namedBy[...], in: pair) else {
                    let detail = "item \(index + 1) has no '\(namedBy.joined(separator: "."))' naming its value's key"
                    return .failure(JSONMappingError(key: key, problem: .notPairs(detail)))
                }
                value = pair[valueKey]
            } else if let path = pairs.value {
                value = Self.value(at: path[...], in: pair)
            } else {
                value = pair["value"] ?? pair["values"]
            }
            if case .array(let values) = value, values.count <= 1 { value = values.first }
            guard let value, value != .null else { continue }
            switch object[name] {
            case nil: object.set(name, value)
            case .array(let earlier): object.set(name, .array(earlier + [value]))
            case let earlier?: object.set(name, .array([earlier, value]))
            }
        }
        // Pairs that all had no value leave nothing, as an empty cell does.
        guard object.count > 0 else { return .success(rest) }
        var position = rest
        position.set(path: pairs.path[...], .object(object))
        // At the array's place in the record, not at its end.
        var ordered = LeadObject()
        let top = pairs.path[0]
        for field in fields.fields {
            if field.key == top {
                if let value = position[top] { ordered.set(top, value) }
            } else {
                ordered.set(field.key, field.value)
            }
        }
        return .success(ordered)
    }

    /// A JSON record's fields through the mapping (for a JSON or NDJSON file its `files` name): each key the mapping
    /// names (at the top, or a dotted path into objects: `data.email`) moves to its column's field, converted to its
    /// column's type when it gives one; keys it does not name stay where they are. The error names the key and what
    /// it holds, when a value does not convert.
    public func mapJSON(_ fields: LeadObject) -> Result<LeadObject, JSONMappingError> {
        var rest = fields
        var moved: [(position: [Int], path: [String], value: LeadValue)] = []
        // Every named value is taken out first, then set at its field: two keys may trade places.
        for name in columns.keys.sorted() {
            guard let column = columns[name] else { continue }
            let keyPath = fields[name] != nil ? [name] : name.split(separator: ".").map(String.init)
            guard let value = Self.take(keyPath[...], from: &rest) else { continue }
            switch Self.convert(json: value, column, mapping: self) {
            case .some(.some(let converted)):
                moved.append((Self.position(of: keyPath, in: fields), column.field ?? keyPath, converted))
            case .some(.none):
                continue
            case .none:
                let expected = Self.typeDescription(column)
                var error = JSONMappingError(key: name, problem: .expected(expected, found: value))
                if case .string(let text) = value { error.note = Self.valueNote(column, text) }
                return .failure(error)
            }
        }
        // The mapped fields in the record's order, then the keys the mapping does not name, as they were.
        var object = LeadObject()
        for item in moved.sorted(by: { $0.position.lexicographicallyPrecedes($1.position) }) {
            object.set(path: item.path[...], item.value)
        }
        for field in rest.fields {
            switch (object[field.key], field.value) {
            case (nil, _):
                object.set(field.key, field.value)
            case (.object(var mapped), .object(let unnamed)):
                // Both hold fields of one object (`company.name` mapped, `company.size` as it was): merged.
                for inner in unnamed.fields {
                    guard mapped[inner.key] == nil else {
                        return .failure(JSONMappingError(key: field.key + "." + inner.key, problem: .filled))
                    }
                    mapped.set(inner.key, inner.value)
                }
                object.set(field.key, .object(mapped))
            default:
                return .failure(JSONMappingError(key: field.key, problem: .filled))
            }
        }
        return .success(object)
    }

    /// The value at the dotted `path` in `object`; nil when there is none.
    static func value(at path: ArraySlice<String>, in object: LeadObject) -> LeadValue? {
        guard let key = path.first, let value = object[key] else { return nil }
        guard path.count > 1 else { return value }
        guard case .object(let child) = value else { return nil }
        return Self.value(at: path.dropFirst(), in: child)
    }

    /// Where the value at `path` stands in `object`: its key's index in each object on the way.
    private static func position(of path: [String], in object: LeadObject) -> [Int] {
        var indices: [Int] = []
        var current = object
        for key in path {
            indices.append(current.fields.firstIndex { $0.key == key } ?? 0)
            guard case .object(let next) = current[key] else { break }
            current = next
        }
        return indices
    }

    /// Removes the value at `path` from `object`, and objects it leaves empty on the way; nil when nothing is there.
    private static func take(_ path: ArraySlice<String>, from object: inout LeadObject) -> LeadValue? {
        guard let key = path.first else { return nil }
        if path.count == 1 { return object.remove(key) }
        guard case .object(var child) = object[key], let value = take(path.dropFirst(), from: &child) else {
            return nil
        }
        if child.count == 0 { object.remove(key) } else { object.set(key, .object(child)) }
        return value
    }

    /// A JSON value as a column reads it: unchanged without a `type` (the column only renames); with one, text is
    /// read as a CSV cell is, and other values are kept when they already are of the type. nil when it does not
    /// convert; `.some(nil)` for null and blank text (the field is left out, as an empty cell is).
    static func convert(json value: LeadValue, _ column: Column, mapping: CSVMapping) -> LeadValue?? {
        if case .null = value { return .some(nil) }
        guard column.typeGiven else { return .some(value) }
        switch (column.type, value) {
        case (_, .string(let text)):
            return mapping.convert(text, column)
        case (.string, .int(let number)): return .some(.string(String(number)))
        case (.string, .double(let number)): return .some(.string(String(number)))
        case (.string, .bool(let flag)): return .some(.string(flag ? "true" : "false"))
        case (.integer, .int): return .some(value)
        case (.integer, .double(let number)):
            return number.rounded() == number && abs(number) < 9e15 ? .some(.int(Int(number))) : nil
        case (.number, .int), (.number, .double), (.boolean, .bool), (.list, .array): return .some(value)
        case (.boolean, .int(let number)) where number == 0 || number == 1: return .some(.bool(number == 1))
        case (.list, .int), (.list, .double), (.list, .bool): return .some(.array([value]))
        case (.timestamp, .int(let number)):
            return column.timestamp.read(String(number), defaultZone: mapping.timeZone).map { .some(.string($0)) }
        case (.timestamp, .double(let number)):
            return column.timestamp.read(String(number), defaultZone: mapping.timeZone).map { .some(.string($0)) }
        default: return nil
        }
    }
}

/// A JSON record's value that its mapping could not place.
public struct JSONMappingError: Error, Sendable {
    public enum Problem: Sendable {
        /// The value is not of the column's type and does not convert.
        case expected(String, found: LeadValue)
        /// The key is not one the mapping names, and the mapping fills a field at its place.
        case filled
        /// The key `pairs` names does not hold name and value pairs: what it holds instead.
        case notPairs(String)
    }

    public var key: String
    public var problem: Problem
    /// More about why the value does not convert (a weekday that is not the date's).
    public var note: String?

    /// "key 'employees': expected an integer, found '51-200'".
    public var reason: String {
        switch problem {
        case .expected(let expected, let found):
            let shown =
                switch found {
                case .string(let text): "'\(text.count > 60 ? String(text.prefix(60)) + "..." : text)'"
                case .int(let number): "\(number)"
                case .double(let number): "\(number)"
                case .bool(let flag): flag ? "true" : "false"
                default: found.kindDescription
                }
            return "key '\(key)': expected \(expected), found \(shown)" + (note.map { "; " + $0 } ?? "")
        case .filled:
            return "key '\(key)' is at a field the mapping fills from another key; name it in the mapping too"
        case .notPairs(let detail):
            return "key '\(key)': \(detail) ('pairs' in the mapping)"
        }
    }
}
