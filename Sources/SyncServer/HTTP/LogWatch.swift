/// Wakes the pulls that wait for news (`GET /v1/pull?wait=S`, a long poll) when a push on
/// this instance stores something. Pushes that another instance sharing the store takes
/// are not seen here: a waiting pull also looks at the store every
/// ``SyncServerConfiguration/longPollInterval``.
actor LogWatch {
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0

    /// How many pulls are waiting.
    var waiting: Int { waiters.count }

    /// Wakes every waiting pull: the log has grown.
    func logGrew() {
        let woken = waiters
        waiters = [:]
        for continuation in woken.values { continuation.resume() }
    }

    /// Returns when the log grows on this instance, or after `interval`, whichever is first.
    func wait(upTo interval: Duration) async {
        let id = nextWaiter
        nextWaiter += 1
        await withCheckedContinuation { continuation in
            waiters[id] = continuation
            Task {
                try? await Task.sleep(for: interval)
                self.timeOut(id)
            }
        }
    }

    private func timeOut(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }
}
