/// The merge rule for a code's name, as a pure function of its current versions (heads).
///
/// A code's name is a multi-value register, like a note: every `tag.rename` and `tag.merge`
/// names the versions its author saw (`base`), which it supersedes. With several heads
/// (concurrent renames):
///
/// - **A merge beats a concurrent rename**: nothing undoes a merge silently. Among merges,
///   and among renames when there is no merge, the greatest timestamp wins, so every
///   replica shows the same name.
/// - The other heads stay visible (`annot conflicts`) until somebody renames the code again
///   having seen them, which supersedes every head.
public struct TagResolution: Sendable, Hashable {
    /// The winning head, or `nil` when the code has never been renamed (its name is its id).
    public let winner: TagVersion?
    /// The other heads, newest first.
    public let losers: [TagVersion]

    /// Resolves a code's name from its heads. The order of `heads` does not matter.
    public init(heads: [TagVersion]) {
        let sorted = heads.sorted { $0.timestamp > $1.timestamp }
        let winner = sorted.first(where: \.isMerge) ?? sorted.first
        self.winner = winner
        self.losers = sorted.filter { $0.timestamp != winner?.timestamp }
    }

    /// Whether concurrent renames left more than one head.
    public var isConflicted: Bool { !losers.isEmpty }
}
