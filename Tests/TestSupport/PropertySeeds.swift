import Foundation

/// The seeds of a property test: `CONVERGENCE_SEED=N` replays one, `CONVERGENCE_SEEDS=N`
/// runs N, else `defaultCount`; each suite spreads its own over the 64-bit range with its
/// own `stride` and `offset`, so that suites do not test the same histories.
public enum PropertySeeds {
    public static func seeds(defaultCount: Int, stride: UInt64, offset: UInt64) -> [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let one = environment["CONVERGENCE_SEED"].flatMap(UInt64.init) { return [one] }
        let count = environment["CONVERGENCE_SEEDS"].flatMap(Int.init) ?? defaultCount
        return (0..<UInt64(count)).map { $0 &* stride &+ offset }
    }
}
