/// What a user may do on the server.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// May pull and read the merged corpus.
    case reader
    /// May also push operations authored by itself: codes, notes, highlights.
    case annotator
    /// May also import articles, whose texts everyone annotates.
    case curator
    /// May also manage users.
    case admin

    /// Whether the role may push operations.
    public var canPush: Bool { self != .reader }
    /// Whether the role may import articles (docs/sync-model.md §4, "Who may import").
    public var canImport: Bool { self == .curator || self == .admin }
    /// Whether the role may record adjudication decisions (`tag.decide`).
    public var canAdjudicate: Bool { self == .curator || self == .admin }
    /// Whether the role may manage users.
    public var canManageUsers: Bool { self == .admin }
}

/// A user of the server, as authenticated by a bearer token.
public struct ServerUser: Sendable, Hashable, Codable {
    public let name: String
    public let role: Role
    public let revoked: Bool

    public init(name: String, role: Role, revoked: Bool = false) {
        self.name = name
        self.role = role
        self.revoked = revoked
    }
}
