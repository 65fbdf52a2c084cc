/// A failure of the benchmark itself, or of a process or server it drives, in one line a
/// person can act on.
struct SyncBenchError: Error, CustomStringConvertible, Sendable {
    let description: String

    init(_ description: String) { self.description = description }
}
