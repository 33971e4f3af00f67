internal import CLinux
import Glibc

/// A system call that failed: which, on what, and errno's text.
public struct FileSystemError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var code: Int32

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }

    /// Faults of the environment (disk full, I/O error, too many open files, no memory, a file size limit) that must
    /// not reject the input: the file is kept and tried again later.
    public var isEnvironmental: Bool {
        [ENOSPC, EIO, EMFILE, ENFILE, ENOMEM, EDQUOT, EROFS, EAGAIN, EBUSY, EFBIG].contains(code)
    }
}

/// The durable file operations of the spool protocol: renames that never replace, and fsync of files and of the
/// directories whose entries changed (a rename is durable only once both directories are synced).
enum DurableFiles {
    static func fail(_ operation: String, _ path: String) -> FileSystemError {
        FileSystemError(operation: operation, path: path, code: errno)
    }

    /// Renames `from` to `to`, failing with EEXIST rather than replacing `to`.
    static func renameNoReplace(_ from: String, _ to: String) throws(FileSystemError) {
        if clinux_rename_noreplace(from, to) == 0 { return }
        guard errno == EINVAL || errno == ENOSYS else { throw fail("rename", from) }
        // A file system without RENAME_NOREPLACE: link (fails if `to` exists), then unlink.
        guard link(from, to) == 0 else { throw fail("link", from) }
        guard unlink(from) == 0 else { throw fail("unlink", from) }
    }

    /// fsync(2) of a file or directory by path.
    static func sync(_ path: String, directory: Bool = false) throws(FileSystemError) {
        let fd = open(path, (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw fail("fsync", path) }
    }

    static func syncDirectory(_ path: String) throws(FileSystemError) {
        try sync(path, directory: true)
    }

    /// Creates a directory if missing, with its missing parents as `mkdir -p` does (`make run` starts on `var/spool`
    /// before `var` exists), and syncs the parent of each one it made.
    static func makeDirectory(_ path: String) throws(FileSystemError) {
        if mkdir(path, 0o775) != 0 && errno == ENOENT {
            let above = parent(path)
            guard above != path, above != ".", above != "/" else { throw fail("mkdir", path) }
            try makeDirectory(above)
        }
        try makeDirectoryIn(existingParent: path)
    }

    /// `makeDirectory` once the parent exists.
    private static func makeDirectoryIn(existingParent path: String) throws(FileSystemError) {
        if mkdir(path, 0o775) == 0 {
            try syncDirectory(parent(path))
            return
        }
        guard errno == EEXIST else { throw fail("mkdir", path) }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw FileSystemError(operation: "mkdir", path: path, code: ENOTDIR)
        }
    }

    /// Writes `bytes` to a new file at `path` (never replacing one) and syncs it.
    static func writeNew(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o664)
        guard fd >= 0 else { throw fail("create", path) }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
        guard fsync(fd) == 0 else { throw fail("fsync", path) }
    }

    /// Writes every byte to `fd`, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileSystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw fail("write", path)
            }
            offset += written
        }
    }

    /// Removes a file, or a directory and everything in it (symbolic links are removed, never followed).
    static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? entries(path)) ?? [] { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// The names in a directory, without `.` and `..`.
    static func entries(_ path: String) throws(FileSystemError) -> [String] {
        guard let directory = opendir(path) else { throw fail("opendir", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}
