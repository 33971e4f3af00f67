internal import CLinux
import Glibc

/// Wakes the daemon when something arrives in the inbox: inotify (close-write, moved-to, create), or plain polling
/// where inotify cannot see other machines' writes (NFS, CIFS, FUSE) or when asked for.
///
/// The watch is added before the first scan, so a file that arrives during the scan still wakes the next one; a
/// missed event costs at most one `rescan` interval, because every wake-up scans the whole inbox.
public final class InboxWatcher {
    public enum Mode: String, Sendable, CaseIterable {
        case inotify
        case poll
    }

    public let mode: Mode
    private var fd: Int32 = -1
    private var watch: Int32 = -1
    private let inbox: String
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Names renamed into the inbox since the last `takeMovedIn()`.
    private var movedIn: Set<String> = []

    /// The names renamed into the inbox since the last call: complete files, to take without settling.
    public func takeMovedIn() -> Set<String> {
        defer { movedIn.removeAll() }
        return movedIn
    }

    /// `requested` nil picks inotify unless the inbox is on a network or FUSE file system.
    public init(inbox: String, requested: Mode?) {
        self.inbox = inbox
        var chosen = requested ?? (Self.isRemote(inbox) ? .poll : .inotify)
        if chosen == .inotify {
            fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
            if fd < 0 { chosen = .poll }
        }
        mode = chosen
        if mode == .inotify { addWatch() }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    private func addWatch() {
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF)
        watch = inotify_add_watch(fd, inbox, mask)
    }

    /// NFS, CIFS/SMB and FUSE: inotify sees only this machine's writes there.
    static func isRemote(_ path: String) -> Bool {
        var info = statfs()
        guard statfs(path, &info) == 0 else { return false }
        let type = UInt64(bitPattern: Int64(info.f_type))
        return [0x6969, 0xFF53_4D42, 0xFE53_4D42, 0x517B, 0x6573_5546].contains(type)
    }

    /// Why `wait` returned.
    public enum Wake: Sendable, Equatable {
        /// Something changed in the inbox.
        case inbox
        /// `wakeup` was signalled: a worker finished, or shutdown began.
        case woken
        case timeout
    }

    /// Waits until something may have arrived in the inbox, `wakeup` is signalled, or `timeout` seconds pass.
    @discardableResult
    public func wait(timeout: Double, wakeup: Wakeup? = nil, rules: RulesNotifier? = nil) -> Wake {
        // The inbox was replaced or removed: watch it again once it is back; until then look every second.
        var timeout = max(0, timeout)
        if mode == .inotify, fd >= 0, watch < 0 { addWatch() }
        let watching = mode == .inotify && fd >= 0 && watch >= 0
        if mode == .inotify && !watching { timeout = min(timeout, 1) }
        var fds = [
            pollfd(fd: wakeup?.fd ?? -1, events: Int16(POLLIN), revents: 0),
            pollfd(fd: rules?.fd ?? -1, events: Int16(POLLIN), revents: 0),
        ]
        if watching { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        let ready = Glibc.poll(&fds, nfds_t(fds.count), Int32((timeout * 1000).rounded(.up)))
        guard ready > 0 else { return .timeout }
        if fds[0].revents != 0 { wakeup?.drain() }
        guard watching, fds[2].revents != 0 else { return fds[0].revents | fds[1].revents != 0 ? .woken : .timeout }
        var rewatch = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let (mask, length) = buffer.withUnsafeBytes { raw in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.mask, Int(event.len))
                }
                // The inbox itself was removed, moved or replaced: watch the new one.
                if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 { rewatch = true }
                // Renamed in: complete by the producers' protocol, so it need not settle.
                if mask & UInt32(IN_MOVED_TO) != 0 && length > 0 {
                    let start = offset + MemoryLayout<inotify_event>.size
                    let name = buffer[start..<(start + length)].prefix { $0 != 0 }
                    movedIn.insert(String(decoding: name, as: UTF8.self))
                }
                offset += MemoryLayout<inotify_event>.size + length
            }
        }
        if rewatch {
            inotify_rm_watch(fd, watch)
            watch = -1
            addWatch()
        }
        return .inbox
    }
}

/// An eventfd that wakes `InboxWatcher.wait` from another thread or a signal handler's task.
public final class Wakeup: Sendable {
    let fd: Int32

    public init() {
        fd = clinux_eventfd()
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    public func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }

    func drain() {
        var value: UInt64 = 0
        _ = Glibc.read(fd, &value, 8)
    }
}

/// inotify on the rules directory and its subfolders, so an edit wakes the daemon at once; the signature check of
/// `RulesWatch` decides whether anything really changed (and still runs every second, should an event be missed).
public final class RulesNotifier {
    let fd: Int32
    private let directory: String
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)

    public init(directory: String) {
        self.directory = directory
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        addWatches()
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    private func addWatches() {
        guard fd >= 0 else { return }
        let mask = UInt32(
            IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF
                | IN_MOVE_SELF
        )
        func add(_ path: String, depth: Int) {
            guard depth < 4, inotify_add_watch(fd, path, mask) >= 0 else { return }
            for name in (try? DurableFiles.entries(path)) ?? [] {
                var info = stat()
                if stat(path + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
                    add(path + "/" + name, depth: depth + 1)
                }
            }
        }
        add(directory, depth: 0)
    }

    /// Whether anything happened in the rules since the last call; watches folders made since.
    public func takeChanged() -> Bool {
        guard fd >= 0 else { return false }
        var changed = false
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 { changed = true }
        if changed { addWatches() }
        return changed
    }
}
