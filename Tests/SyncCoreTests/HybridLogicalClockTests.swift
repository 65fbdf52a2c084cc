import SeededRandom
import Testing

@testable import SyncCore

@Suite(.timeLimit(.minutes(10)))
struct HybridLogicalClockTests {
    let replica = try! ReplicaID("aaaa")

    @Test func ticksFollowTheWallClockWhenItMovesForward() throws {
        var clock = HybridLogicalClock(replica: replica)
        let first = try clock.tick(now: 1_000)
        let second = try clock.tick(now: 2_000)
        #expect(first == Timestamp(milliseconds: 1_000, counter: 0, replica: replica))
        #expect(second == Timestamp(milliseconds: 2_000, counter: 0, replica: replica))
    }

    @Test func aFrozenWallClockStillGivesIncreasingTimestamps() throws {
        var clock = HybridLogicalClock(replica: replica)
        var previous = try clock.tick(now: 5_000)
        for _ in 0..<100 {
            let next = try clock.tick(now: 5_000)
            #expect(previous < next)
            #expect(next.milliseconds == 5_000)
            previous = next
        }
        #expect(previous.counter == 100)
    }

    @Test func aWallClockSteppingBackDoesNotMakeTimeGoBack() throws {
        // Given a clock that has seen 10 s
        var clock = HybridLogicalClock(replica: replica)
        let before = try clock.tick(now: 10_000)
        // When the wall clock steps back by 5 s
        let after = try clock.tick(now: 5_000)
        // Then timestamps still increase, keeping the physical part
        #expect(before < after)
        #expect(after.milliseconds == 10_000)
        #expect(after.counter == 1)
    }

    @Test func observingARemoteTimestampOrdersLaterTicksAfterIt() throws {
        var clock = HybridLogicalClock(replica: try ReplicaID("zzzz"))
        let remote = Timestamp(milliseconds: 9_000, counter: 7, replica: try ReplicaID("bbbb"))
        try clock.observe(remote, now: 8_000)
        let next = try clock.tick(now: 8_500)
        #expect(remote < next)
        #expect(next.replica.rawValue == "zzzz")
    }

    @Test func observingStaysCausalWhateverTheReplicaIDsOrder() throws {
        // "0000" sorts before "ffff": a naive copy of the remote reading would tie-break below it.
        var clock = HybridLogicalClock(replica: try ReplicaID("0000"))
        let remote = Timestamp(milliseconds: 3_000, counter: 2, replica: try ReplicaID("ffff"))
        try clock.observe(remote, now: 3_000)
        #expect(remote < (try clock.tick(now: 3_000)))
    }

    @Test func aRemoteTimestampTooFarAheadIsRejectedAndLeavesTheClockAlone() throws {
        var clock = HybridLogicalClock(replica: replica, maxDrift: 60_000)
        _ = try clock.tick(now: 1_000_000)
        let before = clock
        let remote = Timestamp(milliseconds: 1_000_000 + 60_001, counter: 0, replica: try ReplicaID("bbbb"))
        #expect(throws: SyncCoreError.clockDrift(remote: remote, aheadByMilliseconds: 60_001, limitMilliseconds: 60_000)) {
            try clock.observe(remote, now: 1_000_000)
        }
        #expect(clock == before)
    }

    @Test func aRemoteTimestampJustWithinTheBoundIsAccepted() throws {
        var clock = HybridLogicalClock(replica: replica)
        let remote = Timestamp(
            milliseconds: 1_000_000 + HybridLogicalClock.defaultMaxDrift, counter: 0, replica: try ReplicaID("bbbb"))
        try clock.observe(remote, now: 1_000_000)
        #expect(clock.latest!.milliseconds == remote.milliseconds)
    }

    @Test func theCounterOverflowsIntoThePhysicalPart() throws {
        let start = Timestamp(milliseconds: 42, counter: .max, replica: replica)
        var clock = HybridLogicalClock(replica: replica, latest: start)
        let next = try clock.tick(now: 10)
        #expect(next == Timestamp(milliseconds: 43, counter: 0, replica: replica))
    }

    @Test func aManualWallClockCanBeSkewedBothWays() {
        let wall = ManualWallClock(milliseconds: 1_000)
        wall.advance(by: 500)
        #expect(wall.milliseconds() == 1_500)
        wall.advance(by: -1_200)
        #expect(wall.milliseconds() == 300)
    }
}

@Suite(.timeLimit(.minutes(10)))
struct TimestampTests {
    @Test func theStringFormRoundTripsAndSortsLikeTheValue() throws {
        var generator = SplitMix64(seed: 7)
        var stamps: [Timestamp] = []
        for _ in 0..<500 {
            let replica = ReplicaID(bits: generator.next() % 5)
            stamps.append(
                Timestamp(
                    milliseconds: generator.next() % 0xFFFF_FFFF_FFFF,
                    counter: UInt32(truncatingIfNeeded: generator.next() >> (generator.next() % 64)),
                    replica: replica))
        }
        for stamp in stamps {
            #expect(try Timestamp(parsing: stamp.description) == stamp)
        }
        #expect(stamps.sorted().map(\.description) == stamps.map(\.description).sorted())
    }

    @Test func theStringFormIsFixedWidthLowercaseHexadecimal() {
        // Given timestamps at both ends of each field's range
        let replica = ReplicaID(bits: 0x7f3a_9c2e_11d0_4b6a)
        // When they are written out / Then each field is zero-padded to its width
        #expect(
            Timestamp(milliseconds: 0x0193_f1a2_b3c4, counter: 0x2a, replica: replica).description
                == "0193f1a2b3c4-0000002a-7f3a9c2e11d04b6a")
        #expect(Timestamp(milliseconds: 0, counter: 0, replica: ReplicaID(bits: 0)).description
            == "000000000000-00000000-0000000000000000")
        #expect(
            Timestamp(milliseconds: .max, counter: .max, replica: ReplicaID(bits: .max)).description
                == "ffffffffffff-ffffffff-ffffffffffffffff")
    }

    @Test(arguments: ["", "xyz", "0193f1a2b3c4-00000000-", "0193F1A2B3C4-00000000-ab", "0193f1a2b3c4_00000000-ab",
        "0193f1a2b3c4-0000000g-ab", "0193f1a2b3c4-00000000-AB"])
    func malformedTimestampsAreRejected(text: String) {
        #expect(throws: SyncCoreError.badTimestamp(text)) { try Timestamp(parsing: text) }
    }
}
