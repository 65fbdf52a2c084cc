/// One version of a code's name: a rename (a label, under a parent code or at the top) or
/// a merge into another code.
///
/// A code's id is a ``TagName`` that never changes (for codes first used by a `tag.add`,
/// the name it was first used with); its name is a multi-value register of these versions,
/// resolved by ``TagResolution``.
public struct TagVersion: Sendable, Hashable {
    /// What a version says.
    public enum Value: Sendable, Hashable {
        /// The code is called `label`, under the code `parent` (its id), or at the top.
        case name(parent: TagName?, label: String)
        /// The code is folded into the code `into` (its id): its codings count as that code's.
        case merge(into: TagName)
    }

    /// The operation that made this version.
    public let timestamp: Timestamp
    /// Who made it.
    public let author: UserName
    public let value: Value

    public init(timestamp: Timestamp, author: UserName, value: Value) {
        self.timestamp = timestamp
        self.author = author
        self.value = value
    }

    /// Whether this version merges the code into another.
    public var isMerge: Bool {
        if case .merge = value { return true }
        return false
    }
}
