extension UnsafeBufferPointer {
    /// A copy of `array` in memory allocated for it, read through plain pointers (a Swift array read on every lead
    /// costs a reference count on its buffer each time). Never a nil address, even when empty. Its owner frees it with
    /// `freeCopy()`.
    static func copying(_ array: [Element]) -> UnsafeBufferPointer<Element> {
        let memory = UnsafeMutablePointer<Element>.allocate(capacity: Swift.max(array.count, 1))
        memory.initialize(from: array, count: array.count)
        return UnsafeBufferPointer(start: memory, count: array.count)
    }

    /// Frees a buffer made by `copying(_:)`: it is not used after.
    func freeCopy() {
        guard let base = baseAddress else { return }
        UnsafeMutablePointer(mutating: base).deinitialize(count: count)
        UnsafeMutablePointer(mutating: base).deallocate()
    }
}
