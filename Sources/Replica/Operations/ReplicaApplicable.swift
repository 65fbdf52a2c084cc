import GRDB
import SyncCore

/// What the SQLite replica does with one kind of operation: the same rule as the kind's
/// reference merge in SyncCore, applied incrementally to the replica's tables.
///
/// Each kind conforms in its own file beside this one; ``OperationApplier`` dispatches with
/// one exhaustive `switch`. Facts that may arrive before what they refer to (a removal
/// before its addition, a supersession before its version, a deletion before its
/// highlight) are recorded on their own, and the target checks for them when it arrives,
/// so every rule is a few indexed statements per fact, in any order.
protocol ReplicaApplicable {
    func apply(in context: ApplyContext) throws
}

/// The operation being applied, inside the caller's transaction.
struct ApplyContext {
    let db: Database
    /// The operation's timestamp, canonical text.
    let hlc: String
    let author: String
    /// The codes the changeset names and renames, placed once it is applied.
    let codebook: CodebookChanges
}
