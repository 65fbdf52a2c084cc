import Foundation

/// Kills a child process that outlives its time, so that a hang fails the test that
/// caused it instead of stalling the whole run.
public final class Watchdog: @unchecked Sendable {
    private let item: DispatchWorkItem
    private let lock = NSLock()
    private var fired = false

    /// Arms the watchdog: the process `pid` is sent SIGKILL after `seconds` unless
    /// ``disarm()`` is called first.
    public init(pid: Int32, seconds: Double) {
        var item: DispatchWorkItem!
        let box = Box()
        item = DispatchWorkItem {
            box.watchdog?.fire(pid)
        }
        self.item = item
        box.watchdog = self
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: item)
    }

    private final class Box: @unchecked Sendable { weak var watchdog: Watchdog? }

    private func fire(_ pid: Int32) {
        lock.lock()
        defer { lock.unlock() }
        guard !item.isCancelled else { return }
        fired = true
        kill(pid, SIGKILL)
    }

    /// Stops the watchdog (the process ended in time).
    /// - Returns: whether it had already killed the process.
    @discardableResult
    public func disarm() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        item.cancel()
        return fired
    }
}
