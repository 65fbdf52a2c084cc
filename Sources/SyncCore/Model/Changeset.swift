/// The operations that one user action produced, signed by the replica that made them and
/// applied all together or not at all.
///
/// `annot highlight 003 --quote … --note …` is one changeset of two operations: nobody ever
/// sees the highlight without its note. All operations of a changeset share an author and
/// a replica, and the replica's key (``key``, from which the replica id derives) signs the
/// list of their content ids (``signedMessage``). A changeset that exists is valid: the
/// initializer checks all of this, so nothing unsigned or mis-signed reaches a merge.
public struct Changeset: Sendable, Hashable {
    /// The most operations one changeset may hold.
    public static let maxOperations = 10_000

    /// The operations, in the order they were made (ascending timestamps).
    public let operations: [SyncOperation]
    /// The public key of the replica that made and signed the changeset.
    public let key: ReplicaKey
    /// The replica's signature of ``signedMessage``.
    public let signature: ChangesetSignature
    /// The changeset's id: the SHA-256 of ``signedMessage``.
    public let id: ChangesetID

    /// A changeset as received: checks that the operations belong together and that `key`
    /// signed them.
    /// - Throws: ``SyncCoreError/malformed(_:)`` when the list is empty, too long, out of
    ///   order, repeats an operation, or mixes authors; ``SyncCoreError/badSignature(_:)``
    ///   when an operation is stamped by another replica than the key's or the signature
    ///   does not verify.
    public init(_ operations: [SyncOperation], key: ReplicaKey, signature: ChangesetSignature) throws(SyncCoreError) {
        try Self.check(operations, key: key)
        let message = Self.signedMessage(operations, key: key)
        guard key.verifies(signature, of: message) else {
            throw .badSignature("the signature of a changeset by \(operations[0].author) does not verify")
        }
        self.operations = operations
        self.key = key
        self.signature = signature
        self.id = ChangesetID(message: message)
    }

    /// Signs operations made by `signer`'s replica as one changeset.
    public init(signing operations: [SyncOperation], with signer: ReplicaSigner) throws(SyncCoreError) {
        let key = signer.key
        try Self.check(operations, key: key)
        let message = Self.signedMessage(operations, key: key)
        self.operations = operations
        self.key = key
        self.signature = signer.sign(message)
        self.id = ChangesetID(message: message)
    }

    private static func check(_ operations: [SyncOperation], key: ReplicaKey) throws(SyncCoreError) {
        guard let first = operations.first else { throw .malformed("a changeset must hold at least one operation") }
        guard operations.count <= maxOperations else { throw .oversize(field: "changeset", limit: maxOperations) }
        let replica = key.replica
        var previous: Timestamp?
        for operation in operations {
            guard operation.author == first.author else {
                throw .malformed("the operations of one changeset must share an author")
            }
            guard operation.replica == replica else {
                throw .badSignature("operation \(operation.timestamp) is stamped by replica \(operation.replica), not by the signing key's replica \(replica)")
            }
            if let previous, !(previous < operation.timestamp) {
                throw .malformed("the operations of a changeset must have increasing timestamps")
            }
            previous = operation.timestamp
        }
    }

    /// What the replica signs: `annot-changeset 2`, the key, and each operation's content
    /// id, one per line (ASCII). Signing the ids signs the operations' full content.
    public static func signedMessage(_ operations: [SyncOperation], key: ReplicaKey) -> [UInt8] {
        var message = Array("annot-changeset 2\n\(key.rawValue)\n".utf8)
        message.reserveCapacity(message.count + operations.count * 65)
        for operation in operations {
            message += operation.id.rawValue.utf8
            message.append(0x0A)
        }
        return message
    }

    /// The author of every operation in the changeset.
    public var author: UserName { operations[0].author }
    /// The replica that made the changeset.
    public var replica: ReplicaID { operations[0].replica }

    public static func == (lhs: Changeset, rhs: Changeset) -> Bool { lhs.id == rhs.id && lhs.signature == rhs.signature }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}
