import Testing

@testable import SyncCore

/// The drift bounds agree: what a server takes within its bound, a replica whose clock
/// is up to a minute behind takes too, and a replica's clock never runs further ahead of
/// its wall clock than that.
@Suite(.timeLimit(.minutes(10)))
struct ClockBoundsTests {
    let replica = try! ReplicaID("0123456789abcdef0123456789abcdef")
    let now: UInt64 = 1_800_000_000_000

    @Test func aReplicaAMinuteBehindTakesWhatTheServerTook() throws {
        // Given an operation the server accepted at the very edge of its bound
        let server = HybridLogicalClock(replica: try ReplicaID("server"))
        let edge = Timestamp(milliseconds: now + HybridLogicalClock.defaultMaxDrift, counter: 0, replica: replica)
        try server.check(edge, now: now)
        // When a replica whose clock is a minute behind the server's receives it
        var receiver = HybridLogicalClock(replica: try ReplicaID("receiver"))
        // Then it takes it, with the receiving allowance
        try receiver.observe(edge, now: now - 60_000, allowance: HybridLogicalClock.skewAllowance)
        #expect(receiver.latest?.milliseconds == edge.milliseconds)
        // And without the allowance it would have refused it (the bug this fixes)
        var strict = HybridLogicalClock(replica: try ReplicaID("receiver"))
        #expect(throws: SyncCoreError.self) { try strict.observe(edge, now: now - 60_000) }
    }

    @Test func theClockNeverTicksFurtherAheadThanTheBound() throws {
        // Given a clock whose latest timestamp is an hour ahead (the wall clock was set back)
        let ahead = Timestamp(milliseconds: now + 3_600_000, counter: 0, replica: replica)
        var clock = HybridLogicalClock(replica: replica, latest: ahead)
        // When it is asked for a timestamp, Then it refuses, saying how far ahead it is
        #expect(throws: SyncCoreError.clockAhead(
            aheadByMilliseconds: 3_600_000, limitMilliseconds: HybridLogicalClock.defaultMaxDrift + HybridLogicalClock.skewAllowance)
        ) { _ = try clock.tick(now: now) }
        // And a clock just inside the bound ticks on from its latest
        let inside = Timestamp(
            milliseconds: now + HybridLogicalClock.defaultMaxDrift + HybridLogicalClock.skewAllowance, counter: 0, replica: replica)
        var near = HybridLogicalClock(replica: replica, latest: inside)
        #expect(try near.tick(now: now) > inside)
    }
}
