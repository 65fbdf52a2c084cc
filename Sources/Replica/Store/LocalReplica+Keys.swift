import Foundation
import GRDB
import SyncCore

/// One entry of the key directory.
public struct KeyEntry: Sendable, Hashable, Codable {
    /// The replica's public key (64 hex digits).
    public let key: String
    /// The replica id the key signs for.
    public let replica: String
    /// The user the key belongs to.
    public let user: String
    /// The user's role, when the server said.
    public let role: String?
    /// `self`, `server` or `trusted`.
    public let source: String
    /// The key's fingerprint, to compare out of band.
    public let fingerprint: String
}

/// A changeset received but not applied.
public struct HeldChangeset: Sendable, Hashable, Codable {
    public let id: String
    public let author: String
    public let key: String
    public let reason: String
    public let operations: Int
}

extension LocalReplica {
    /// This replica's own public key.
    public func publicKey() throws(ReplicaError) -> ReplicaKey { try identity().key }

    /// Every key in the directory, this replica's own first.
    public func keys() throws(ReplicaError) -> [KeyEntry] {
        try ReplicaError.guarded {
            try database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT key, replica, user_name, role, source FROM keys ORDER BY source = 'self' DESC, user_name, key"
                ).map { row in
                    KeyEntry(
                        key: row["key"], replica: row["replica"], user: row["user_name"], role: row["role"],
                        source: row["source"], fingerprint: try ReplicaKey(row["key"] as String).fingerprint)
                }
            }
        }
    }

    /// Trusts `key` as `user`'s (trust on first use, for teams without a server), then
    /// applies what was held for want of it.
    /// - Parameter role: `curator` to also accept the articles this key imports.
    /// - Throws: ``ReplicaError/keyConflict(_:)`` when the directory binds the key to someone else.
    /// - Returns: how many held changesets were applied.
    public func trust(key: ReplicaKey, user: UserName, role: String?) throws(ReplicaError) -> Int {
        try ReplicaError.guarded {
            try database.write { db in
                try Self.bind(key: key, user: user.rawValue, role: role, source: "trusted", db)
                return try releaseHeld(db)
            }
        }
    }

    /// What recording the server's key directory did.
    public struct KeyRecording: Sendable {
        /// Held changesets applied now that their keys are known.
        public var released = 0
        /// Bindings refused because this replica knows the key as someone else's: the server
        /// lies, or a key trusted by hand was wrong. One line each, for a warning.
        public var conflicts: [String] = []
    }

    /// Records the server's key directory, then applies what was held for want of it. A
    /// binding that contradicts one this replica holds is not taken (the replica's stands,
    /// and the changesets of that key stay refused or held), and reported in `conflicts`.
    @discardableResult
    public func recordServerKeys(_ bindings: [SyncProtocol.KeyBinding]) throws(ReplicaError) -> KeyRecording {
        try ReplicaError.guarded {
            try database.write { db in
                var recording = KeyRecording()
                for binding in bindings {
                    guard binding.replica == binding.key.replica else {
                        throw ReplicaError.protocolViolation(
                            "the server's key directory gives key \(binding.key.rawValue.prefix(16))… the wrong replica id")
                    }
                    do {
                        try Self.bind(key: binding.key, user: binding.user.rawValue, role: binding.role, source: "server", db)
                    } catch let conflict as ReplicaError {
                        recording.conflicts.append("the server says \(conflict.description)")
                    }
                }
                recording.released = try releaseHeld(db)
                return recording
            }
        }
    }

    static func bind(key: ReplicaKey, user: String, role: String?, source: String, _ db: Database) throws {
        let known = try Bool.exists(db, "SELECT 1 FROM keys WHERE key = ?", [key.rawValue])
        guard source == "self" || known || !key.isWeak else {
            throw ReplicaError.keyConflict(
                "key \(key.rawValue.prefix(16))… is a point of small order, for which anyone can forge signatures: it is not trusted")
        }
        if let existing = try String.fetchOne(db, sql: "SELECT user_name FROM keys WHERE key = ?", arguments: [key.rawValue]) {
            guard existing == user else {
                throw ReplicaError.keyConflict(
                    "key \(key.rawValue.prefix(16))… is \(user)'s, but it is known here as \(existing)'s; nothing was changed")
            }
            // The server's word on roles is news for every key, this replica's own included
            // (its user's role decides whether it may import).
            try db.execute(sql: "UPDATE keys SET role = coalesce(?, role) WHERE key = ?", arguments: [role, key.rawValue])
            return
        }
        try db.execute(
            sql: "INSERT INTO keys (key, replica, user_name, role, source, added_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [key.rawValue, key.replica.rawValue, user, role, source, Int64(Date().timeIntervalSince1970 * 1000)])
    }

    /// The changesets received but held back, with why.
    public func heldChangesets() throws(ReplicaError) -> [HeldChangeset] {
        try ReplicaError.guarded {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT id, author, key, reason, document FROM held_changesets ORDER BY received_at, id")
                    .map { row in
                        let count = (try? WireFormat.decode(Data((row["document"] as String).utf8)))?.first?.operations.count ?? 0
                        return HeldChangeset(
                            id: row["id"], author: row["author"], key: row["key"], reason: row["reason"], operations: count)
                    }
            }
        }
    }
}
