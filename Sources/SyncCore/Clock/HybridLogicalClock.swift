/// A hybrid logical clock (Kulkarni et al., 2014): timestamps close to physical time that
/// still respect causality, even when wall clocks disagree or step backwards.
///
/// The clock is a value: the replica stores ``latest`` with its data and rebuilds the
/// clock on open, so timestamps keep growing across process restarts.
public struct HybridLogicalClock: Sendable, Hashable {
    /// The default bound on how far ahead of the local wall clock a remote timestamp may be.
    public static let defaultMaxDrift: UInt64 = 5 * 60 * 1000

    /// How far two honest clocks may disagree (one minute, with a minute of margin): a
    /// replica receiving operations allows this much on top of ``maxDrift``, so that an
    /// operation the server took within its bound is never refused by a replica whose clock
    /// is up to a minute behind the server's; and the clock never issues a timestamp further
    /// than ``maxDrift`` plus this past the wall clock.
    public static let skewAllowance: UInt64 = 2 * 60 * 1000

    /// The replica this clock issues timestamps for.
    public let replica: ReplicaID
    /// The greatest timestamp issued or observed so far.
    public private(set) var latest: Timestamp?
    /// Remote timestamps further ahead of the wall clock than this many milliseconds are refused.
    public var maxDrift: UInt64

    public init(replica: ReplicaID, latest: Timestamp? = nil, maxDrift: UInt64 = Self.defaultMaxDrift) {
        self.replica = replica
        self.latest = latest
        self.maxDrift = maxDrift
    }

    /// Issues a new timestamp, greater than every one issued or observed before.
    ///
    /// When the wall clock has stepped back, the physical part stays where it was and the
    /// counter grows; when the counter is exhausted the physical part moves on by one.
    /// - Parameter now: the wall clock's reading, in milliseconds since 1970.
    /// - Throws: ``SyncCoreError/clockAhead(aheadByMilliseconds:limitMilliseconds:)`` when
    ///   the clock is further ahead of `now` than ``maxDrift`` plus ``skewAllowance`` (the
    ///   wall clock was set back): no peer would take the timestamp.
    public mutating func tick(now: UInt64) throws(SyncCoreError) -> Timestamp {
        let wall = min(now, Timestamp.maxMilliseconds)
        let limit = maxDrift &+ Self.skewAllowance
        if let latest, latest.milliseconds > wall, latest.milliseconds - wall > limit {
            throw .clockAhead(aheadByMilliseconds: latest.milliseconds - wall, limitMilliseconds: limit)
        }
        let next: Timestamp
        if let latest, latest.milliseconds >= wall {
            if latest.counter == UInt32.max {
                guard latest.milliseconds < Timestamp.maxMilliseconds else { throw .clockExhausted }
                next = Timestamp(milliseconds: latest.milliseconds + 1, counter: 0, replica: replica)
            } else {
                next = Timestamp(milliseconds: latest.milliseconds, counter: latest.counter + 1, replica: replica)
            }
        } else {
            next = Timestamp(milliseconds: wall, counter: 0, replica: replica)
        }
        latest = next
        return next
    }

    /// Checks a remote timestamp against the drift bound and merges it into the clock, so
    /// that every timestamp issued afterwards is greater than it.
    ///
    /// - Throws: ``SyncCoreError/clockDrift(remote:aheadByMilliseconds:limitMilliseconds:)``
    ///   when `remote` is more than ``maxDrift`` ahead of `now`; the clock is then unchanged.
    /// - Parameter allowance: added to ``maxDrift``: a replica receiving passes
    ///   ``skewAllowance``.
    public mutating func observe(_ remote: Timestamp, now: UInt64, allowance: UInt64 = 0) throws(SyncCoreError) {
        try check(remote, now: now, allowance: allowance)
        if latest == nil || latest! < remote {
            // Keep our own replica id; `tick` bumps the counter, so the next timestamp
            // issued sorts after `remote` whichever replica id is greater.
            latest = Timestamp(milliseconds: remote.milliseconds, counter: remote.counter, replica: replica)
        }
    }

    /// Checks a remote timestamp against the drift bound without changing the clock.
    public func check(_ remote: Timestamp, now: UInt64, allowance: UInt64 = 0) throws(SyncCoreError) {
        let limit = maxDrift &+ allowance
        if remote.milliseconds > now, remote.milliseconds - now > limit {
            throw .clockDrift(remote: remote, aheadByMilliseconds: remote.milliseconds - now, limitMilliseconds: limit)
        }
    }
}
