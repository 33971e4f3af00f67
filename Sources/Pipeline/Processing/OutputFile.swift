internal import CLinux
import Glibc

/// A new file written through a buffer, synced when closed: the staged outputs.
final class OutputFile {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var lines = 0

    init(path: String) throws(FileSystemError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o664)
        guard fd >= 0 else { throw DurableFiles.fail("create", path) }
        buffer.reserveCapacity(1 << 16)
    }

    /// Appends one line written by `body` (the newline is added).
    func line(_ body: (inout [UInt8]) -> Void) throws(FileSystemError) {
        body(&buffer)
        buffer.append(0x0A)
        lines += 1
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws(FileSystemError) {
        try DurableFiles.writeAll(fd, buffer, path: path)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and syncs the file.
    func close() throws(FileSystemError) {
        try flush()
        guard fsync(fd) == 0 else { throw DurableFiles.fail("fsync", path) }
    }

    deinit {
        Glibc.close(fd)
    }
}
