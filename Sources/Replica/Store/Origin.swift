/// Where an operation in the log came from.
public enum Origin: String, Sendable, Codable {
    /// Made on this replica by its user.
    case local
    /// Merged from a changes file (`annot apply`).
    case file
    /// Pulled from a sync server.
    case server
}
