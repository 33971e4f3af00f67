import Leads

/// The paths of a program's field slots as a tree of keys: a lead's fields are found in one pass over the members of
/// the objects they are in, where a search from the root for each field reads the root's members once per field.
///
/// Each object member is taken as a member search takes it: the first member with a key, and only that one.
struct SlotTree: Sendable {
    /// One key of a path: `keyCount` bytes of `keyBytes` from `keyStart`; the slot whose path ends here, or -1; and
    /// the edges of the keys that follow it, `edges[childStart..<childStart + childCount]`.
    struct Edge: Sendable {
        /// The key's first eight bytes packed, first byte lowest, zeros after a shorter key (`head`).
        var head: UInt64
        var keyStart: Int32
        var keyCount: Int32
        var slot: Int32
        var childStart: Int32
        var childCount: Int32
        /// The hash table of the keys that follow: `tableMask + 1` entries of `table` from `tableStart`.
        var tableStart: Int32 = 0
        var tableMask: Int32 = 0
    }

    /// The root's edges first, then each node's edges one after another.
    private let edges: [Edge]
    private let keyBytes: [UInt8]
    private let rootCount: Int
    /// Per node, an open-addressing table of its edges by the hash of their key's length and head: the index of the
    /// edge in each entry, or -1. The root's comes first.
    private let table: [Int32]
    private let rootMask: Int
    /// Slots whose path is another slot's: each copies that slot's node. And slots with an empty path, the root.
    private let copies: [(slot: Int, of: Int)]
    private let rootSlots: [Int]

    /// The tree of `paths`, by slot: slot `s`'s field is at `paths[s]`, a path of object keys from the root.
    init(paths: [[String]]) {
        // A node of the tree while it is built: its keys in the order first seen.
        final class Node {
            var keys: [String] = []
            var children: [String: Node] = [:]
            var slots: [String: Int] = [:]
        }
        let root = Node()
        var copies: [(slot: Int, of: Int)] = []
        for (slot, path) in paths.enumerated() where !path.isEmpty {
            var node = root
            for (depth, key) in path.enumerated() {
                if node.children[key] == nil {
                    node.children[key] = Node()
                    node.keys.append(key)
                }
                if depth == path.count - 1 {
                    if let first = node.slots[key] {
                        copies.append((slot, first))
                    } else {
                        node.slots[key] = slot
                    }
                } else if let next = node.children[key] {
                    node = next
                }
            }
        }
        self.copies = copies
        rootSlots = paths.indices.filter { paths[$0].isEmpty }
        // Breadth first, so each node's edges are together.
        var edges: [Edge] = []
        var keyBytes: [UInt8] = []
        var queue: [(node: Node, edge: Int)] = [(root, -1)]
        var next = 0
        while next < queue.count {
            let (node, parent) = queue[next]
            next += 1
            if parent >= 0 {
                edges[parent].childStart = Int32(edges.count)
                edges[parent].childCount = Int32(node.keys.count)
            }
            for key in node.keys {
                edges.append(
                    Edge(
                        head: FoldedText.withBytes(key) { Self.head($0, in: $0) },
                        keyStart: Int32(keyBytes.count),
                        keyCount: Int32(key.utf8.count),
                        slot: Int32(node.slots[key] ?? -1),
                        childStart: 0,
                        childCount: 0
                    )
                )
                keyBytes += key.utf8
                if let child = node.children[key], !child.keys.isEmpty { queue.append((child, edges.count - 1)) }
            }
        }
        // Each node's table, the root's first.
        var table: [Int32] = []
        func addTable(_ edgeRange: Range<Int>) -> (start: Int, mask: Int) {
            var size = 4
            while size < edgeRange.count * 2 { size *= 2 }
            let start = table.count
            table += repeatElement(-1, count: size)
            for index in edgeRange {
                var slot = Self.hash(edges[index].head, Int(edges[index].keyCount)) & (size - 1)
                while table[start + slot] >= 0 { slot = (slot + 1) & (size - 1) }
                table[start + slot] = Int32(index)
            }
            return (start, size - 1)
        }
        rootMask = addTable(0..<root.keys.count).mask
        for index in edges.indices where edges[index].childCount > 0 {
            let start = Int(edges[index].childStart)
            let (tableStart, mask) = addTable(start..<(start + Int(edges[index].childCount)))
            edges[index].tableStart = Int32(tableStart)
            edges[index].tableMask = Int32(mask)
        }
        self.table = table
        self.edges = edges
        self.keyBytes = keyBytes
        rootCount = root.keys.count
    }

    /// The node of each slot's field in `lead`, by slot, or -1 where a key of its path is missing (or a step is not
    /// an object).
    func resolve(_ lead: LeadView, into nodes: UnsafeMutableBufferPointer<Int>) {
        nodes.update(repeating: -1)
        for slot in rootSlots { nodes[slot] = LeadDocument.root }
        defer { for copy in copies { nodes[copy.slot] = nodes[copy.of] } }
        guard lead.kind(LeadDocument.root) == .object else { return }
        edges.withUnsafeBufferPointer { edges in
            keyBytes.withUnsafeBufferPointer { keyBytes in
                table.withUnsafeBufferPointer { table in
                    withUnsafeTemporaryAllocation(of: Bool.self, capacity: edges.count) { taken in
                        taken.initialize(repeating: false)
                        Self.visit(
                            LeadDocument.root,
                            edges: rootCount,
                            table: 0,
                            mask: rootMask,
                            lead: lead,
                            tree: (edges, keyBytes, table),
                            taken: taken,
                            into: nodes
                        )
                    }
                }
            }
        }
    }

    /// Finds the members of `object` that `count` edges name (those in its table, from `table`), and the members
    /// of the objects they hold that their children name.
    private static func visit(
        _ object: Int,
        edges count: Int,
        table start: Int,
        mask: Int,
        lead: LeadView,
        tree: (
            edges: UnsafeBufferPointer<Edge>, keyBytes: UnsafeBufferPointer<UInt8>, table: UnsafeBufferPointer<Int32>
        ),
        taken: UnsafeMutableBufferPointer<Bool>,
        into nodes: UnsafeMutableBufferPointer<Int>
    ) {
        var left = count
        let text = lead.allText
        for key in lead.members(object) {
            let name = lead.bytes(key)
            let head = Self.head(name, in: text)
            var slot = hash(head, name.count) & mask
            while true {
                let index = Int(tree.table[start + slot])
                if index < 0 { break }
                slot = (slot + 1) & mask
                let edge = tree.edges[index]
                guard edge.head == head, Int(edge.keyCount) == name.count else { continue }
                let keyStart = Int(edge.keyStart)
                var same = true
                for offset in Swift.min(8, name.count)..<name.count
                where name[offset] != tree.keyBytes[keyStart + offset] {
                    same = false
                    break
                }
                guard same else { continue }
                // The first member with the key is the one.
                if taken[index] { break }
                taken[index] = true
                left -= 1
                let value = key + 1
                if edge.slot >= 0 { nodes[Int(edge.slot)] = value }
                if edge.childCount > 0 && lead.kind(value) == .object {
                    visit(
                        value,
                        edges: Int(edge.childCount),
                        table: Int(edge.tableStart),
                        mask: Int(edge.tableMask),
                        lead: lead,
                        tree: tree,
                        taken: taken,
                        into: nodes
                    )
                }
                break
            }
            if left == 0 { return }
        }
    }

    @inline(__always)
    private static func hash(_ head: UInt64, _ count: Int) -> Int {
        Int(truncatingIfNeeded: ((head ^ UInt64(truncatingIfNeeded: count)) &* 0x9E37_79B9_7F4A_7C15) >> 40)
    }

    /// The first eight bytes of `bytes` packed, first byte lowest, zeros after a shorter text. `bytes` lie in `text`:
    /// when eight bytes from its start do too, they are read as one word.
    @inline(__always)
    static func head(_ bytes: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = bytes.baseAddress, let end = text.baseAddress.map({ $0 + text.count }) else { return 0 }
        if base + 8 <= end {
            let word = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
            return bytes.count >= 8 ? word : word & ((1 << (8 * UInt64(bytes.count))) - 1)
        }
        var head: UInt64 = 0
        for index in 0..<Swift.min(8, bytes.count) { head |= UInt64(bytes[index]) << (8 * index) }
        return head
    }
}
