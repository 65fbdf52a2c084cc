/// An operation's content id: the SHA-256 of its canonical JSON, as 64 lowercase hex digits.
///
/// The timestamp orders operations and must be unique; the content id says what the
/// operation is. Two operations with one timestamp and different content ids are a
/// collision (a forgery or a copied replica), refused wherever they meet.
public struct OperationID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// Validates `rawValue`: 64 lowercase hex digits.
    public init(_ rawValue: String) throws(SyncCoreError) {
        guard Digest.isLowerHex(rawValue, length: 64) else {
            throw .invalidValue(field: "operation id", reason: "\(SyncCoreError.quoted(rawValue)) is not 64 lowercase hex digits")
        }
        self.rawValue = rawValue
    }

    /// The id of an operation whose canonical JSON is `canonical`.
    /// The content id of the operation whose canonical JSON is `canonical`.
    public init(canonical: String) { rawValue = Digest.sha256Hex(canonical) }

    public static func < (lhs: OperationID, rhs: OperationID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A changeset's id: the SHA-256 of the message its replica signed (``Changeset/signedMessage``),
/// as 64 lowercase hex digits. `annot log` names changesets by it, as git names commits.
public struct ChangesetID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// Validates `rawValue`: 64 lowercase hex digits.
    public init(_ rawValue: String) throws(SyncCoreError) {
        guard Digest.isLowerHex(rawValue, length: 64) else {
            throw .invalidValue(field: "changeset id", reason: "\(SyncCoreError.quoted(rawValue)) is not 64 lowercase hex digits")
        }
        self.rawValue = rawValue
    }

    init(message: [UInt8]) { rawValue = Digest.sha256Hex(message) }

    public static func < (lhs: ChangesetID, rhs: ChangesetID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
