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

    /// Waits until something may have arrived, or `timeout` seconds pass. Returns true when woken by an event.
    @discardableResult
    public func wait(timeout: Double) -> Bool {
        guard mode == .inotify, fd >= 0 else {
            usleep(useconds_t(max(0, timeout) * 1_000_000))
            return false
        }
        // The inbox was replaced or removed: watch it again once it is back; until then look every second.
        if watch < 0 { addWatch() }
        if watch < 0 {
            usleep(useconds_t(min(max(0, timeout), 1) * 1_000_000))
            return false
        }
        var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = Glibc.poll(&poll, 1, Int32(max(0, timeout) * 1000))
        guard ready > 0 else { return false }
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
                offset += MemoryLayout<inotify_event>.size + length
            }
        }
        if rewatch {
            inotify_rm_watch(fd, watch)
            watch = -1
            addWatch()
        }
        return true
    }
}
