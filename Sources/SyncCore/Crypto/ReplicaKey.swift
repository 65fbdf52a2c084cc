import Crypto

/// A replica's public signing key (Ed25519, 32 bytes), written as 64 lowercase hex digits.
///
/// The key is what a replica is: its ``ReplicaID`` is derived from it
/// (``ReplicaID/init(key:)``), so timestamps stamped with a replica id can only be signed
/// by the holder of that replica's private key, and no one can stamp operations in
/// another replica's name.
public struct ReplicaKey: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The key, as 64 lowercase hex digits.
    public let rawValue: String
    /// The key's 32 bytes. (Crypto's key types are not `Sendable`: they are made when needed.)
    let bytes: [UInt8]

    /// Validates a key written as 64 lowercase hex digits.
    /// - Throws: ``SyncCoreError/invalidValue(field:reason:)``.
    public init(_ rawValue: String) throws(SyncCoreError) {
        guard let bytes = Digest.bytes(hex: rawValue, count: 32),
            (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil
        else { throw .invalidValue(field: "key", reason: "\(SyncCoreError.quoted(rawValue)) is not an Ed25519 public key in 64 lowercase hex digits") }
        self.rawValue = rawValue
        self.bytes = bytes
    }

    init(_ key: Curve25519.Signing.PublicKey) {
        self.bytes = Array(key.rawRepresentation)
        self.rawValue = Digest.hex(bytes)
    }

    /// The replica id this key signs for.
    public var replica: ReplicaID { ReplicaID(key: self) }

    /// A short form for people to compare out of band (`annot key show`): the SHA-256 of
    /// the key, in groups of four hex digits.
    public var fingerprint: String {
        let digest = Digest.sha256Hex(bytes)
        return stride(from: 0, to: 32, by: 4).map { offset in
            let start = digest.index(digest.startIndex, offsetBy: offset)
            return String(digest[start..<digest.index(start, offsetBy: 4)])
        }.joined(separator: " ")
    }

    /// Whether the key is a point of small order (the identity, or a point of order 2, 4 or
    /// 8), for which signatures can be made without the private key: anyone could then sign
    /// in the name of whoever claimed it. Such keys are refused wherever a key is bound to a
    /// user (a claim, a first push, `annot key trust`).
    ///
    /// Tested by the forgery itself: the signature (R = identity, S = 0) verifies for a
    /// message exactly when [k]A is the identity, which for a small-order A happens for one
    /// message in at most 8, and never for a point of the prime-order subgroup (with or
    /// without a torsion component). 64 messages miss a small-order key with probability
    /// (7/8)^64 < 0.02%.
    /// - Complexity: 64 signature verifications (a few milliseconds).
    public var isWeak: Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else { return true }
        let trivial = [0x01] + [UInt8](repeating: 0, count: 63)
        return (0..<64).contains { index in key.isValidSignature(trivial, for: Array("annot-weak-key \(index)".utf8)) }
    }

    /// Whether `signature` is this key's signature of `message`.
    public func verifies(_ signature: ChangesetSignature, of message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else { return false }
        return key.isValidSignature(signature.bytes, for: message)
    }

    public static func == (lhs: ReplicaKey, rhs: ReplicaKey) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    public static func < (lhs: ReplicaKey, rhs: ReplicaKey) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// An Ed25519 signature of a changeset, written as 128 lowercase hex digits.
public struct ChangesetSignature: Sendable, Hashable, CustomStringConvertible {
    /// The signature, as 128 lowercase hex digits.
    public let rawValue: String
    let bytes: [UInt8]

    /// Validates a signature written as 128 lowercase hex digits.
    public init(_ rawValue: String) throws(SyncCoreError) {
        guard let bytes = Digest.bytes(hex: rawValue, count: 64) else {
            throw .invalidValue(field: "signature", reason: "not 128 lowercase hex digits")
        }
        self.rawValue = rawValue
        self.bytes = bytes
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
        self.rawValue = Digest.hex(bytes)
    }

    public var description: String { rawValue }
}
