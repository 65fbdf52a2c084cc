/// The merge rule for notes, as a pure function of the note's current versions.
///
/// A note is a multi-value register. Every edit and delete names the versions its author
/// saw (`base`); those are superseded. The versions nobody has superseded yet are the
/// *heads*. One head is the normal case. Several heads mean concurrent writes:
///
/// - The displayed body is the head with the greatest timestamp among the non-deletions
///   (last writer wins by HLC), so every replica shows the same text.
/// - The note is **conflicted**, and the other heads stay visible (`annot conflicts`) until
///   somebody writes the note again having seen them all, which supersedes every head.
/// - **Edit beats a concurrent delete**: the note stays alive with the edit and the delete
///   is listed as a conflict. Nothing someone typed is ever silently dropped.
/// - When every head is a deletion, the note is deleted.
public struct NoteResolution: Sendable, Hashable {
    /// The winning non-deletion head, or `nil` when the note is deleted.
    public let winner: NoteVersion?
    /// The other heads (edits that lost, and deletions concurrent with the winner), newest first.
    public let losers: [NoteVersion]

    /// Resolves a note from its heads. Order of `heads` does not matter.
    /// - Complexity: O(*n* log *n*) in the number of heads (almost always 1).
    public init(heads: [NoteVersion]) {
        let sorted = heads.sorted { $0.timestamp > $1.timestamp }
        let winner = sorted.first { !$0.isDeletion }
        self.winner = winner
        self.losers = sorted.filter { $0.timestamp != winner?.timestamp }
    }

    /// Whether the note has no surviving text.
    public var isDeleted: Bool { winner == nil }
    /// Whether concurrent writes left more than one head.
    public var isConflicted: Bool { winner != nil && !losers.isEmpty }
}
