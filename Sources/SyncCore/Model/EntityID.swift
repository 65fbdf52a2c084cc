/// The id of a note or a highlight: 16 lowercase hex digits derived from the timestamp of
/// the operation that created it.
///
/// Derived rather than random so that SyncCore stays deterministic; hashed rather than the
/// timestamp itself so that short prefixes (`annot note --edit 4f2a`) are unique, as with git.
public struct EntityID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// Validates `rawValue`: exactly 16 lowercase hex digits.
    /// - Throws: ``SyncCoreError/invalidValue(field:reason:)``.
    public init(_ rawValue: String) throws(SyncCoreError) {
        guard rawValue.utf8.count == 16, rawValue.utf8.allSatisfy(Identifier.isLowerHex) else {
            throw .invalidValue(field: "id", reason: "\(SyncCoreError.quoted(rawValue)) is not 16 lowercase hex digits")
        }
        self.rawValue = rawValue
    }

    /// The id of the entity created by the operation stamped `timestamp` (64-bit FNV-1a, mixed).
    public init(creator timestamp: Timestamp) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in timestamp.description.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        // FNV's low bits mix poorly for short, similar inputs: finish with a murmur-style avalanche.
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash = hash &* 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        self.rawValue = Timestamp.hex(hash, width: 16)
    }

    public static func < (lhs: EntityID, rhs: EntityID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
