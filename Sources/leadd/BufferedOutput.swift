import Glibc

/// Buffered writes to a file descriptor, for output of millions of lines without a syscall each.
final class BufferedOutput {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let limit = 1 << 16

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(limit + 4096)
    }

    /// Appends bytes with `body`, flushing when the buffer is full.
    func write(_ body: (inout [UInt8]) -> Void) {
        body(&buffer)
        if buffer.count >= limit { flush() }
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= limit { flush() }
    }

    /// Writes out what is buffered; stops quietly if the reader went away (a closed pipe).
    func flush() {
        var offset = 0
        buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while offset < raw.count {
                let n = Glibc.write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        flush()
    }
}
