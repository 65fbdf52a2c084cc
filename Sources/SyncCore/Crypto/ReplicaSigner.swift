import Crypto

/// A replica's private signing key, which never leaves the replica: it signs every
/// changeset the replica makes.
public struct ReplicaSigner: Sendable {
    /// The private key's 32-byte seed. (Crypto's key types are not `Sendable`: the key is
    /// made when needed.)
    private let seed: [UInt8]
    /// The public half.
    public let key: ReplicaKey

    private var privateKey: Curve25519.Signing.PrivateKey {
        // The seed was checked when the signer was made.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    private init(_ privateKey: Curve25519.Signing.PrivateKey) {
        seed = Array(privateKey.rawRepresentation)
        key = ReplicaKey(privateKey.publicKey)
    }

    /// A new random key pair.
    public init() { self.init(Curve25519.Signing.PrivateKey()) }

    /// The key stored as 64 lowercase hex digits (its 32-byte seed).
    /// - Throws: ``SyncCoreError/invalidValue(field:reason:)`` when it is not such a key.
    public init(storedKey: String) throws(SyncCoreError) {
        guard let bytes = Digest.bytes(hex: storedKey, count: 32),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
        else { throw .invalidValue(field: "signing key", reason: "the stored private key is damaged") }
        self.init(key)
    }

    /// A key pair derived from `seed`, for tests and benchmarks that must be reproducible.
    public init(seed: UInt64) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var state = seed
        for index in 0..<32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        self.init(try! Curve25519.Signing.PrivateKey(rawRepresentation: bytes))
    }

    /// The private key as 64 lowercase hex digits, for the replica's own file only.
    public var storedKey: String { Digest.hex(seed) }

    /// The replica id this key signs for.
    public var replica: ReplicaID { key.replica }

    /// Signs `message`.
    public func sign(_ message: [UInt8]) -> ChangesetSignature {
        // Signing with a valid key cannot fail.
        ChangesetSignature(bytes: Array(try! privateKey.signature(for: message)))
    }
}
