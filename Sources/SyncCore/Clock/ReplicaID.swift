/// The identity of one replica: 1...64 lowercase ASCII letters and digits.
///
/// `annot init` draws 16 random hex digits. The id breaks ties between timestamps with
/// equal physical and logical parts, so two replicas must never share one.
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
