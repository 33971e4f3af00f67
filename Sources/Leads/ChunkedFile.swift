import Glibc

/// A regular file read in chunks with read(2), so a file of any size streams through a fixed buffer.
///
/// Opens with `O_NONBLOCK` and checks the type before reading, so a FIFO or a device is refused, never waited on.
final class ChunkedFile {
    enum OpenError: Error {
        /// A system call failed with this errno.
        case system(Int32)
        case notRegular(String)

        var reason: String {
            switch self {
            case .system(let code): String(cString: strerror(code))
            case .notRegular(let kind): kind
            }
        }

        var errorNumber: Int32? {
            if case .system(let code) = self { code } else { nil }
        }
    }

    private let fd: Int32
    let size: Int

    init(path: String) throws(OpenError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw .system(errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .system(code)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .notRegular(Self.kind(info.st_mode))
        }
        self.fd = fd
        self.size = Int(info.st_size)
    }

    deinit {
        close(fd)
    }

    /// Reads up to `count` bytes into `buffer` at `offset`; 0 at the end of the file.
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws(OpenError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw .system(errno)
        }
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }
}

/// A growable window over a file: bytes `[start, end)` of `storage` are read but not yet consumed.
struct ReadWindow {
    var storage: [UInt8]
    var start = 0
    var end = 0
    var eof = false
    /// The file offset of `storage[0]`.
    var baseOffset = 0

    init(capacity: Int) {
        storage = [UInt8](repeating: 0, count: capacity)
    }

    var available: Int { end - start }

    /// Moves the unconsumed bytes to the front, grows the storage if it is full, and reads more.
    mutating func fill(from file: ChunkedFile, chunk: Int) throws(ChunkedFile.OpenError) {
        if start > 0 {
            let count = end - start
            storage.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memmove(base, base + start, count)
            }
            baseOffset += start
            start = 0
            end = count
        }
        if storage.count - end < chunk {
            storage.append(contentsOf: repeatElement(0, count: chunk - (storage.count - end)))
        }
        let room = storage.count - end
        let end = self.end
        let result = storage.withUnsafeMutableBytes { raw in
            Result { () throws(ChunkedFile.OpenError) -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return try file.read(into: base + end, count: room)
            }
        }
        let n = try result.get()
        if n == 0 { eof = true }
        self.end += n
    }

    /// Drops consumed bytes without reading, for skipping an over-long record.
    mutating func discardAll() {
        baseOffset += end
        start = 0
        end = 0
    }
}
