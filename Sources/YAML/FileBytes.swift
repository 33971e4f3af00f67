import Glibc

/// Reads whole small files (rule files, mappings) with the system's own error text on failure.
package enum FileBytes {
    /// An I/O failure: the path and `strerror`'s text.
    package struct ReadError: Error, Sendable, CustomStringConvertible {
        package var path: String
        package var reason: String
        package var description: String { "\(path): \(reason)" }
    }

    /// The whole content of a regular file, refusing files larger than `limit` bytes.
    package static func read(_ path: String, limit: Int = 64 << 20) throws(ReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw ReadError(path: path, reason: "not a regular file") }
        guard Int(info.st_size) <= limit else {
            throw ReadError(path: path, reason: "file is larger than the limit of \(limit) bytes")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= limit else {
                throw ReadError(path: path, reason: "file is larger than the limit of \(limit) bytes")
            }
        }
        return bytes
    }
}
