import GRDB

extension LocalReplica {
    /// Finds the one id in `table` that `prefix` names: an exact match, or else the only id
    /// starting with it (as git does with hashes).
    static func resolve(
        _ prefix: String, in table: String, where condition: String = "1", _ db: Database
    ) throws -> ResolvedID {
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE id = ? AND \(condition))",
            arguments: [prefix]) == true
        {
            return .found(prefix)
        }
        // A range scan on the id index: ids starting with `prefix` sort between it and `prefix~`.
        let candidates = try String.fetchAll(
            db,
            sql: "SELECT id FROM \(table) WHERE id > ? AND id < ? AND \(condition) ORDER BY id LIMIT 9",
            arguments: [prefix, prefix + "~"])
        switch candidates.count {
        case 0: return .none
        case 1: return .found(candidates[0])
        default: return .ambiguous(candidates)
        }
    }

    enum ResolvedID {
        case found(String)
        case none
        case ambiguous([String])
    }

    static func article(_ prefix: String, _ db: Database) throws -> String {
        switch try resolve(prefix, in: "articles", db) {
        case .found(let id): return id
        case .none: throw ReplicaError.unknownArticle(prefix)
        case .ambiguous(let candidates): throw ReplicaError.ambiguousArticle(prefix, candidates: candidates)
        }
    }

    static func note(_ prefix: String, _ db: Database) throws -> String {
        switch try resolve(prefix, in: "notes", db) {
        case .found(let id): return id
        case .none: throw ReplicaError.unknownNote(prefix)
        case .ambiguous(let candidates): throw ReplicaError.ambiguousNote(prefix, candidates: candidates)
        }
    }

    static func highlight(_ prefix: String, _ db: Database) throws -> String {
        switch try resolve(prefix, in: "highlights", where: "deleted = 0", db) {
        case .found(let id): return id
        case .none: throw ReplicaError.unknownHighlight(prefix)
        case .ambiguous(let candidates): throw ReplicaError.ambiguousHighlight(prefix, candidates: candidates)
        }
    }

    /// Resolves an article prefix to its full id.
    public func resolveArticle(_ prefix: String) throws(ReplicaError) -> String {
        try ReplicaError.guarded { try database.read { db in try Self.article(prefix, db) } }
    }
}
