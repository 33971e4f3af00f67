/// A lead as read from a file: the JSON value tree, whatever the file's format.
///
/// Numbers keep whether they were written as integers. Objects keep their keys in file order and never hold the
/// same key twice (the readers reject duplicates).
public enum LeadValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([LeadValue])
    case object(LeadObject)

    /// "an object", "a string", ...: for messages.
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value at a dotted path of object keys (`company.employees`), if every step exists.
    public subscript(path path: some Sequence<String>) -> LeadValue? {
        var current = self
        for key in path {
            guard case .object(let object) = current, let next = object[key] else { return nil }
            current = next
        }
        return current
    }
}

/// An object's members in file order.
public struct LeadObject: Sendable, Hashable {
    public struct Field: Sendable, Hashable {
        public var key: String
        public var value: LeadValue

        public init(key: String, value: LeadValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var fields: [Field]

    public init() {
        fields = []
    }

    /// An object from fields whose keys the caller knows to be distinct.
    package init(uniqueFields: [Field]) {
        fields = uniqueFields
    }

    public var count: Int { fields.count }

    /// The value under `key`, or nil when absent.
    public subscript(key: String) -> LeadValue? {
        // Lengths first: a cheap reject, where comparing two different texts goes the slow way.
        let length = key.utf8.count
        for field in fields where field.key.utf8.count == length && field.key == key {
            return field.value
        }
        return nil
    }

    /// The value at a path of object keys (`["company", "employees"]`), if every step exists.
    public func value(at path: [String]) -> LeadValue? {
        guard let first = path.first, var current = self[first] else { return nil }
        var index = 1
        while index < path.count {
            guard case .object(let object) = current, let next = object[path[index]] else { return nil }
            current = next
            index += 1
        }
        return current
    }

    /// The string at a path of object keys, if every step exists and the last is a string.
    public func string(at path: [String]) -> String? {
        var object = self
        for (index, key) in path.enumerated() {
            guard let value = object[key] else { return nil }
            if index == path.count - 1 {
                if case .string(let text) = value { return text }
                return nil
            }
            guard case .object(let next) = value else { return nil }
            object = next
        }
        return nil
    }

    /// Sets `key`, replacing its value in place when present, appending it otherwise.
    public mutating func set(_ key: String, _ value: LeadValue) {
        if let index = fields.firstIndex(where: { $0.key == key }) {
            fields[index].value = value
        } else {
            fields.append(Field(key: key, value: value))
        }
    }

    /// Removes `key` (every occurrence), returning its value (the first, as the subscript reads it); nil when absent.
    @discardableResult
    public mutating func remove(_ key: String) -> LeadValue? {
        let value = self[key]
        fields.removeAll { $0.key == key }
        return value
    }

    /// Sets the value at a path of keys, creating the objects on the way; a non-object on the way is replaced.
    public mutating func set(path: ArraySlice<String>, _ value: LeadValue) {
        guard let key = path.first else { return }
        if path.count == 1 {
            set(key, value)
            return
        }
        var child: LeadObject
        if case .object(let existing) = self[key] {
            child = existing
        } else {
            child = LeadObject()
        }
        child.set(path: path.dropFirst(), value)
        set(key, .object(child))
    }
}
