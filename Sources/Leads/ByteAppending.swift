extension Array where Element == UInt8 {
    /// Appends `other`'s bytes through a pointer to them. `append(contentsOf:)` given an array retains and releases
    /// its storage, two atomic operations, which the loops writing records and outbox lines from many small arrays
    /// would pay at each one.
    @inlinable @inline(__always)
    public mutating func append(bytesOf other: [UInt8]) {
        other.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    /// `append(bytesOf:)` of an array's slice.
    @inlinable @inline(__always)
    public mutating func append(bytesOf other: ArraySlice<UInt8>) {
        other.withUnsafeBufferPointer { append(contentsOf: $0) }
    }
}
