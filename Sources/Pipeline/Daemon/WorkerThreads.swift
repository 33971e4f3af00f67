import Foundation
import Synchronization

/// The daemon's own threads, as a task executor: file work blocks (read, write, fsync, SQLite) and the intake loop
/// blocks in poll(2), so neither runs on Swift's cooperative pool, which stays free for signal handling and the
/// service group. Tasks started under `withTaskExecutorPreference(threads)` (and their child tasks) run here.
public final class WorkerThreads: TaskExecutor, Sendable {
    private let queue = Mutex<[UnownedJob]>([])
    /// Counts queued jobs; a thread sleeps on it while the queue is empty. A raw POSIX semaphore, owned by this
    /// object for its whole life and only used through sem_post/sem_wait, which are thread-safe.
    private nonisolated(unsafe) let semaphore: UnsafeMutablePointer<sem_t>

    public init(count: Int) {
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
        for index in 0..<max(1, count) {
            let thread = Thread { [self] in
                while true {
                    while sem_wait(semaphore) != 0 {}
                    let job = queue.withLock { $0.isEmpty ? nil : $0.removeFirst() }
                    job?.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
            thread.name = "leadd-worker-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        queue.withLock { $0.append(unowned) }
        sem_post(semaphore)
    }
}
