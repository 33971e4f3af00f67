internal import CLinux
import Glibc

/// A new file written through a buffer, synced when closed: the staged outputs.
///
/// The disk is asked to write each mebibyte back as soon as it is written (write-behind), so the sync at close waits
/// for the last one or so, not for the whole file: the writing overlaps the work on the file's next leads.
final class OutputFile {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var lines = 0
    /// Bytes written to the file, and of those, the ones whose writing back was asked for.
    private var written: Int64 = 0
    private var writingBack: Int64 = 0
    /// How many bytes written make a request to write them back.
    static let writeBehind: Int64 = 1 << 20

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
        written += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
        if written - writingBack >= Self.writeBehind {
            // A hint: should it fail, the sync at close writes these bytes as it would have anyway.
            _ = clinux_start_writeback(fd, writingBack, written - writingBack)
            writingBack = written
        }
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
