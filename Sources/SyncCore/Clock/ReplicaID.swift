/// The identity of one replica: 1...64 lowercase ASCII letters and digits.
///
/// In wire format 2 a replica's id is derived from its signing key (``init(key:)``, 32 hex
/// digits), so only the holder of that key can sign operations stamped with it. The id
/// breaks ties between timestamps with equal physical and logical parts.
public struct ReplicaID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// Validates `rawValue`, returning `nil` when it is not a well-formed replica id.
    public init?(validating rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 64,
            rawValue.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    /// Validates `rawValue`.
    /// - Throws: ``SyncCoreError/invalidReplicaID(_:)``.
    public init(_ rawValue: String) throws(SyncCoreError) {
        guard let id = ReplicaID(validating: rawValue) else { throw .invalidReplicaID(rawValue) }
        self = id
    }

    /// The id of the replica that signs with `key`: the first 128 bits of the key's SHA-256,
    /// as 32 hex digits.
    public init(key: ReplicaKey) {
        self.rawValue = String(Digest.sha256Hex("annot-replica\n" + key.rawValue).prefix(32))
    }

    /// A replica id made of 16 hex digits from `bits` (for example 64 random bits).
    public init(bits: UInt64) {
        self.rawValue = Timestamp.hex(bits, width: 16)
    }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
