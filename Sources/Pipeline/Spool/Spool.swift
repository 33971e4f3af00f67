internal import CLinux
import Glibc

/// The spool: `inbox/`, `processing/`, `outbox/`, `archive/`, `rejected/` under one folder, on one file system, so
/// every move between them is an atomic rename. One process at a time holds it (`.leadd.lock`).
///
/// See docs/protocol.md for the protocol these folders carry.
public struct Spool: Sendable {
    public let root: String
    public var inbox: String { root + "/inbox" }
    public var processing: String { root + "/processing" }
    public var outbox: String { root + "/outbox" }
    public var archive: String { root + "/archive" }
    public var rejected: String { root + "/rejected" }

    public static let folders = ["inbox", "processing", "outbox", "archive", "rejected"]

    public enum OpenError: Error, Sendable, CustomStringConvertible {
        case fileSystem(FileSystemError)
        /// A folder is on another file system than the spool's root.
        case crossesFileSystems(folder: String)

        public var description: String {
            switch self {
            case .fileSystem(let error): "\(error)"
            case .crossesFileSystems(let folder):
                "\(folder) is on another file system than the spool; every spool folder must be on one file system, "
                    + "so moves between them are atomic renames"
            }
        }
    }

    /// Creates the folders that are missing and checks they share one file system.
    public init(root: String) throws(OpenError) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        do {
            try DurableFiles.makeDirectory(self.root)
            for folder in Self.folders { try DurableFiles.makeDirectory(self.root + "/" + folder) }
        } catch {
            throw .fileSystem(error)
        }
        var rootInfo = stat()
        guard stat(self.root, &rootInfo) == 0 else { throw .fileSystem(DurableFiles.fail("stat", self.root)) }
        for folder in Self.folders {
            var info = stat()
            guard stat(self.root + "/" + folder, &info) == 0 else {
                throw .fileSystem(DurableFiles.fail("stat", self.root + "/" + folder))
            }
            if info.st_dev != rootInfo.st_dev { throw .crossesFileSystems(folder: self.root + "/" + folder) }
        }
    }
}

/// The spool's lock: an exclusive `flock` on `.leadd.lock`, held while the process lives, with its pid inside for
/// the message a second instance prints.
public final class SpoolLock: Sendable {
    let fd: Int32
    public let path: String

    public struct Held: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var pid: String?

        public var description: String {
            "another leadd (pid \(pid ?? "unknown")) is running on this spool; it holds \(path)"
        }
    }

    public init(spool: Spool) throws {
        path = spool.root + "/.leadd.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o664)
        guard fd >= 0 else { throw DurableFiles.fail("open", path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = read(fd, &buffer, 32)
            close(fd)
            let pid = count > 0 ? String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first : nil
            throw Held(path: path, pid: pid.map(String.init))
        }
        let text = Array("\(getpid())\n".utf8)
        ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
    }

    deinit {
        close(fd)
    }
}
