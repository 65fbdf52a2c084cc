/// A failure of a test's own set-up or helper, with what went wrong in words.
public struct TestFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
