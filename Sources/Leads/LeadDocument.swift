/// A lead's JSON value as two flat arrays: what the parser makes and the evaluator reads.
///
/// A `LeadValue` tree costs an allocation per string, array and object, and a reference count on every step through
/// it; a document is one array of nodes in document order and one array of the strings' bytes, so reading a lead's
/// fields and events walks memory without allocating. `value(_:)` and `object` make the tree when a caller wants one.
///
/// Node layout: scalars take one node; an array is its node followed by its items' nodes; an object is its node
/// followed by, per member, the key's node (a string) and the value's nodes. A container node records its number of
/// items or members and the index just past its last descendant, so a reader steps over a whole subtree at once.
public struct LeadDocument: Sendable {
    public enum Kind: UInt8, Sendable {
        case null
        case `false`
        case `true`
        case int
        case double
        case string
        case array
        case object
    }

    /// One value: for a string, its bytes' offset and length in `text`; for a number, its 64 bits; for a
    /// container, its count of items or members and the index past its subtree.
    @usableFromInline
    package struct Node: Sendable {
        @usableFromInline package var kind: Kind
        @usableFromInline package var a: UInt32
        @usableFromInline package var b: UInt32

        @inlinable
        var bits: UInt64 { UInt64(a) | UInt64(b) << 32 }

        /// The index just past this value and everything inside it, this node being at `index`.
        @inlinable
        package func end(at index: Int) -> Int {
            kind == .array || kind == .object ? Int(b) : index + 1
        }

        init(kind: Kind, a: UInt32 = 0, b: UInt32 = 0) {
            self.kind = kind
            self.a = a
            self.b = b
        }

        init(kind: Kind, bits: UInt64) {
            self.kind = kind
            self.a = UInt32(truncatingIfNeeded: bits)
            self.b = UInt32(truncatingIfNeeded: bits >> 32)
        }
    }

    @usableFromInline package private(set) var nodes: [Node]
    /// The strings' bytes (keys included), unescaped, one after another.
    @usableFromInline package private(set) var text: [UInt8]
    /// Whether every string (keys included) is ASCII: text operators then need not lower-case beyond it.
    @usableFromInline package private(set) var asciiStrings: Bool

    /// The index of the root value.
    public static let root = 0

    package init(nodes: [Node], text: [UInt8], asciiStrings: Bool) {
        self.nodes = nodes
        self.text = text
        self.asciiStrings = asciiStrings
    }

    /// A document holding `object`, as the parser would make it from the object's JSON.
    public init(_ object: LeadObject) {
        nodes = []
        text = []
        asciiStrings = true
        append(.object(object))
    }

    /// A document holding `value`.
    public init(_ value: LeadValue) {
        nodes = []
        text = []
        asciiStrings = true
        append(value)
    }

    private mutating func append(_ value: LeadValue) {
        switch value {
        case .null: nodes.append(Node(kind: .null))
        case .bool(let flag): nodes.append(Node(kind: flag ? .true : .false))
        case .int(let number): nodes.append(Node(kind: .int, bits: UInt64(bitPattern: Int64(number))))
        case .double(let number): nodes.append(Node(kind: .double, bits: number.bitPattern))
        case .string(let string): appendString(string)
        case .array(let items):
            let index = nodes.count
            nodes.append(Node(kind: .array, a: UInt32(items.count)))
            for item in items { append(item) }
            nodes[index].b = UInt32(nodes.count)
        case .object(let object):
            let index = nodes.count
            nodes.append(Node(kind: .object, a: UInt32(object.count)))
            for field in object.fields {
                appendString(field.key)
                append(field.value)
            }
            nodes[index].b = UInt32(nodes.count)
        }
    }

    private mutating func appendString(_ string: String) {
        let start = text.count
        text.append(contentsOf: string.utf8)
        if asciiStrings && text[start...].contains(where: { $0 >= 0x80 }) { asciiStrings = false }
        nodes.append(Node(kind: .string, a: UInt32(start), b: UInt32(text.count - start)))
    }

    // MARK: - Reading

    /// Calls `body` with a view of the document that reads it through pointers, without reference counting: what
    /// hot loops read a lead with. The view is valid only inside `body`.
    @inlinable
    public func withView<R>(_ body: (LeadView) throws -> R) rethrows -> R {
        try nodes.withUnsafeBufferPointer { nodes in
            try text.withUnsafeBufferPointer { text in
                try body(LeadView(nodes: nodes, text: text, asciiStrings: asciiStrings))
            }
        }
    }

    /// The kind of the value at `index`.
    public func kind(_ index: Int) -> Kind { nodes[index].kind }

    /// The value of member `key` of the object at `index`, or nil when absent (or `index` is not an object).
    public func member(_ key: String, of index: Int) -> Int? { withView { $0.member(key, of: index) } }

    /// The value at a path of object keys from the root, if every step exists.
    public func member(at path: [String]) -> Int? { withView { $0.member(at: path) } }

    /// The integer at `index`, if it is one.
    public func int(_ index: Int) -> Int? { withView { $0.int(index) } }

    /// The number at `index` written with a fraction or exponent, if it is one.
    public func double(_ index: Int) -> Double? { withView { $0.double(index) } }

    /// The string at `index`, if it is one.
    public func string(_ index: Int) -> String? { withView { $0.string(index) } }

    /// The string at a path of object keys from the root, if every step exists and the last is a string.
    public func string(at path: [String]) -> String? { withView { $0.string(at: path) } }

    /// The number of items of an array or members of an object; 0 for anything else.
    public func count(_ index: Int) -> Int { withView { $0.count(index) } }

    // MARK: - Trees

    /// The value at `index` as a tree.
    public func value(_ index: Int) -> LeadValue { withView { $0.value(index) } }

    /// The root object as a tree (empty when the root is not an object).
    public var object: LeadObject {
        withView { view in
            guard let root = view.nodes.first, root.kind == .object else { return LeadObject() }
            return view.objectValue(Self.root)
        }
    }
}

/// A document read through pointers to its arrays, from `LeadDocument.withView`: the same nodes, no reference
/// counting. Every reader of a lead's values goes through one.
public struct LeadView {
    @usableFromInline package let nodes: UnsafeBufferPointer<LeadDocument.Node>
    @usableFromInline let text: UnsafeBufferPointer<UInt8>
    /// Whether every string of the document is ASCII (`LeadDocument.asciiStrings`).
    @usableFromInline package let asciiStrings: Bool

    @inlinable
    init(nodes: UnsafeBufferPointer<LeadDocument.Node>, text: UnsafeBufferPointer<UInt8>, asciiStrings: Bool) {
        self.nodes = nodes
        self.text = text
        self.asciiStrings = asciiStrings
    }

    /// The kind of the value at `index`.
    @inlinable
    public func kind(_ index: Int) -> LeadDocument.Kind { nodes[index].kind }

    /// The index just past the value at `index` and everything inside it.
    @inlinable
    public func end(_ index: Int) -> Int {
        nodes[index].end(at: index)
    }

    /// The number of items of an array or members of an object; 0 for anything else.
    @inlinable
    public func count(_ index: Int) -> Int {
        let node = nodes[index]
        return node.kind == .array || node.kind == .object ? Int(node.a) : 0
    }

    /// The integer at `index`, if it is one.
    @inlinable
    public func int(_ index: Int) -> Int? {
        let node = nodes[index]
        return node.kind == .int ? Int(Int64(bitPattern: node.bits)) : nil
    }

    /// The number at `index` written with a fraction or exponent, if it is one.
    @inlinable
    public func double(_ index: Int) -> Double? {
        let node = nodes[index]
        return node.kind == .double ? Double(bitPattern: node.bits) : nil
    }

    /// The UTF-8 bytes of the string (or key) at `index`; empty for anything else.
    @inlinable
    public func bytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let node = nodes[index]
        guard node.kind == .string else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(rebasing: text[Int(node.a)..<Int(node.a) + Int(node.b)])
    }

    /// Every string's bytes, one after another: what `bytes(_:)` gives slices of, for readers that keep a string as
    /// an offset into them.
    @inlinable
    public var allText: UnsafeBufferPointer<UInt8> { text }

    /// The string at `index`, if it is one.
    public func string(_ index: Int) -> String? {
        guard nodes[index].kind == .string else { return nil }
        return String(decoding: bytes(index), as: UTF8.self)
    }

    /// The items of the array at `index`, as node indices (none for anything else).
    @inlinable
    public func items(_ index: Int) -> Children {
        Children(view: self, following: index + 1, remaining: kind(index) == .array ? count(index) : 0, keyed: false)
    }

    /// The members of the object at `index`, as the node index of each key (its value is the next node).
    @inlinable
    public func members(_ index: Int) -> Children {
        Children(view: self, following: index + 1, remaining: kind(index) == .object ? count(index) : 0, keyed: true)
    }

    /// Node indices of an array's items, or of an object's keys.
    public struct Children: Sequence, IteratorProtocol {
        @usableFromInline let view: LeadView
        @usableFromInline var following: Int
        @usableFromInline var remaining: Int
        @usableFromInline let keyed: Bool

        @inlinable
        init(view: LeadView, following: Int, remaining: Int, keyed: Bool) {
            self.view = view
            self.following = following
            self.remaining = remaining
            self.keyed = keyed
        }

        @inlinable
        public mutating func next() -> Int? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            let current = following
            following = view.end(keyed ? current + 1 : current)
            return current
        }
    }

    /// Whether the string (or key) at `index` has exactly the bytes `bytes`.
    @inlinable
    public func textEquals(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let node = nodes[index]
        guard node.kind == .string, Int(node.b) == bytes.count else { return false }
        let start = Int(node.a)
        for k in 0..<bytes.count where text[start + k] != bytes[k] { return false }
        return true
    }

    /// The value of member `key` of the object at `index`, or nil when absent (or `index` is not an object).
    @inlinable
    public func member(_ key: String, of index: Int) -> Int? {
        // Native strings lend their bytes in place; `withUTF8` on a copy would retain and release it.
        if let found = key.utf8.withContiguousStorageIfAvailable({ member($0, of: index) }) { return found }
        var key = key
        return key.withUTF8 { member($0, of: index) }
    }

    /// The value of the member whose key has the bytes `key`, of the object at `index`.
    @inlinable
    public func member(_ key: UnsafeBufferPointer<UInt8>, of index: Int) -> Int? {
        let node = nodes[index]
        guard node.kind == .object else { return nil }
        var current = index + 1
        for _ in 0..<node.a {
            if textEquals(current, key) { return current + 1 }
            current = end(current + 1)
        }
        return nil
    }

    /// The value at a path of object keys from the root, if every step exists.
    @inlinable
    public func member(at path: [String]) -> Int? {
        var current = LeadDocument.root
        for key in path {
            guard let next = member(key, of: current) else { return nil }
            current = next
        }
        return current
    }

    /// The string at a path of object keys from the root, if every step exists and the last is a string.
    public func string(at path: [String]) -> String? {
        member(at: path).flatMap(string)
    }

    /// The value at `index` as a tree.
    public func value(_ index: Int) -> LeadValue {
        let node = nodes[index]
        switch node.kind {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .int: return .int(Int(Int64(bitPattern: node.bits)))
        case .double: return .double(Double(bitPattern: node.bits))
        case .string: return .string(string(index) ?? "")
        case .array: return .array(items(index).map(value))
        case .object: return .object(objectValue(index))
        }
    }

    func objectValue(_ index: Int) -> LeadObject {
        LeadObject(
            uniqueFields: members(index).map { key in LeadObject.Field(key: string(key) ?? "", value: value(key + 1)) }
        )
    }
}

extension LeadDocument: Hashable {
    /// Equal when they hold equal trees.
    public static func == (lhs: LeadDocument, rhs: LeadDocument) -> Bool {
        lhs.value(root) == rhs.value(root)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(value(Self.root))
    }
}
