import Foundation
import NIOConcurrencyHelpers
import SyncCore

/// Per-user limits on what pushes may store: bytes (of changes, decompressed) and
/// operations per time window, as token buckets that refill evenly over the window.
///
/// A push that would overdraw either bucket is refused whole with 429 and `Retry-After`
/// (the seconds until the buckets hold enough); nothing of it is stored or charged. Each
/// `syncd` instance keeps its own buckets: with several instances on one PostgreSQL, a
/// user may store up to that many times the limit.
final class PushQuota: @unchecked Sendable {
    /// The limits; 0 switches one off.
    struct Limits: Sendable, Equatable {
        /// Bytes of changes a user may push per window (decompressed, as stored).
        var bytes: Int
        /// Operations a user may push per window.
        var operations: Int
        /// The window.
        var window: Duration

        /// Generous for a team of analysts, and a bound on what one token can fill a
        /// disk with: 256 MiB and 200,000 operations an hour.
        static let standard = Limits(bytes: 256 * 1024 * 1024, operations: 200_000, window: .seconds(3600))
    }

    private struct Bucket {
        var bytes: Double
        var operations: Double
        var updated: ContinuousClock.Instant
    }

    let limits: Limits
    private let lock = NIOLock()
    private var buckets: [String: Bucket] = [:]
    private let now: @Sendable () -> ContinuousClock.Instant

    init(_ limits: Limits, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limits = limits
        self.now = now
    }

    /// Takes `bytes` and `operations` from `user`'s buckets.
    /// - Throws: ``SyncServerError`` 429 `quota_exceeded` when either bucket holds too little;
    ///   nothing is taken then.
    func charge(_ user: String, bytes: Int, operations: Int) throws {
        guard limits.bytes > 0 || limits.operations > 0 else { return }
        let window = limits.window.inSeconds
        let instant = now()
        try lock.withLock {
            var bucket = buckets[user] ?? Bucket(bytes: Double(limits.bytes), operations: Double(limits.operations), updated: instant)
            let seconds = (instant - bucket.updated).inSeconds
            // Refill evenly: the whole limit over one window.
            bucket.bytes = min(Double(limits.bytes), bucket.bytes + Double(limits.bytes) * seconds / window)
            bucket.operations = min(Double(limits.operations), bucket.operations + Double(limits.operations) * seconds / window)
            bucket.updated = instant
            // A request larger than the whole limit waits for a full bucket, then passes.
            var wait = 0.0
            var what: [String] = []
            if limits.bytes > 0 {
                let need = min(Double(bytes), Double(limits.bytes))
                if bucket.bytes < need {
                    wait = max(wait, (need - bucket.bytes) * window / Double(limits.bytes))
                    what.append("\(limits.bytes) bytes")
                }
            }
            if limits.operations > 0 {
                let need = min(Double(operations), Double(limits.operations))
                if bucket.operations < need {
                    wait = max(wait, (need - bucket.operations) * window / Double(limits.operations))
                    what.append("\(limits.operations) operations")
                }
            }
            guard what.isEmpty else {
                buckets[user] = bucket
                throw SyncServerError.quotaExceeded(
                    what.joined(separator: " and ") + " per \(Int(window)) s", retryAfter: max(1, Int(wait.rounded(.up))))
            }
            if limits.bytes > 0 { bucket.bytes -= min(Double(bytes), Double(limits.bytes)) }
            if limits.operations > 0 { bucket.operations -= min(Double(operations), Double(limits.operations)) }
            buckets[user] = bucket
        }
    }

    /// Gives back what ``charge(_:bytes:operations:)`` took for a push that stored nothing
    /// (refused, or all duplicates).
    func refund(_ user: String, bytes: Int, operations: Int) {
        guard limits.bytes > 0 || limits.operations > 0 else { return }
        lock.withLock {
            guard var bucket = buckets[user] else { return }
            bucket.bytes = min(Double(limits.bytes), bucket.bytes + min(Double(bytes), Double(limits.bytes)))
            bucket.operations = min(Double(limits.operations), bucket.operations + min(Double(operations), Double(limits.operations)))
            buckets[user] = bucket
        }
    }
}
