import Foundation
import SyncCore

/// The machine's real-time clock, for production use of the hybrid logical clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func milliseconds() -> UInt64 {
        UInt64(max(0, (Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
