/// A source of physical time for the hybrid logical clock.
///
/// SyncCore never reads the wall clock itself: the replica and the server inject the
/// system clock, and tests inject a ``ManualWallClock`` to freeze, skew or step time back.
public protocol WallClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func milliseconds() -> UInt64
}

/// A wall clock that reads a value set by hand: for tests that freeze or skew time.
public final class ManualWallClock: WallClock, @unchecked Sendable {
    // A lock-free box would do; tests drive it from one task at a time.
    private var value: UInt64

    /// Creates a clock that reads `milliseconds` until it is moved.
    public init(milliseconds: UInt64) { self.value = milliseconds }

    public func milliseconds() -> UInt64 { value }

    /// Moves the clock to `milliseconds`, forwards or backwards.
    public func set(_ milliseconds: UInt64) { value = milliseconds }

    /// Moves the clock forwards (or backwards, with a negative delta) by `delta` milliseconds.
    public func advance(by delta: Int64) {
        value = delta >= 0 ? value + UInt64(delta) : value - UInt64(-delta)
    }
}
