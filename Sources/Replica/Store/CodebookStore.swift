import GRDB
import SyncCore

/// What one changeset did to the codebook: the codes it named (with the first operation
/// naming each) and the codes whose name it changed.
final class CodebookChanges {
    private(set) var mentions: [String: (hlc: String, author: String)] = [:]
    var renamed: Set<String> = []

    /// Records that the operation being applied names `tag`.
    func mention(_ tag: TagName, _ context: ApplyContext) {
        if let held = mentions[tag.rawValue], held.hlc <= context.hlc { return }
        mentions[tag.rawValue] = (context.hlc, context.author)
    }
}

/// The replica's codebook: the `codes` table, each code placed by SyncCore's
/// ``SyncCore/CodebookResolver`` and kept placed as changesets arrive.
enum CodebookStore {
    /// Adds the codes a changeset named, takes each renamed code's winning name from its
    /// heads, and places again the codes whose place can have changed: those and every
    /// code whose links lead to them (their subtrees and the codes merged into them).
    /// - Complexity: O(codes affected); nothing when the changeset names only known codes.
    static func place(_ changes: CodebookChanges, _ db: Database) throws {
        guard !changes.mentions.isEmpty || !changes.renamed.isEmpty else { return }
        var changed: Set<String> = []
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO codes (id, created, creator, winner, link, path, representative)
                VALUES (?1, ?2, ?3, NULL, ?4, '', ?1) ON CONFLICT (id) DO NOTHING
                """)
        let earlier = try db.cachedStatement(sql: "UPDATE codes SET created = ?2, creator = ?3 WHERE id = ?1 AND created > ?2")
        for (tag, mention) in changes.mentions {
            for name in TagName(normalized: tag).lineage {
                try insert.execute(bound: [.text(name.rawValue), .text(mention.hlc), .text(mention.author), .text(name.parent?.rawValue)])
                if db.changesCount > 0 {
                    changed.insert(name.rawValue)
                } else {
                    try earlier.execute(bound: [.text(name.rawValue), .text(mention.hlc), .text(mention.author)])
                }
            }
        }
        let setWinner = try db.cachedStatement(sql: "UPDATE codes SET winner = ?, link = ? WHERE id = ?")
        for tag in changes.renamed {
            let id = TagName(normalized: tag)
            let winner = TagResolution(heads: try nameHeads(of: tag, db)).winner
            let link = CodebookResolver.link(of: id, winner: winner)
            try setWinner.execute(bound: [.text(winner?.timestamp.description), .text(link?.rawValue), .text(tag)])
            changed.insert(tag)
        }
        guard !changed.isEmpty else { return }
        var affected = changed
        var queue = Array(changed)
        let dependents = try db.cachedStatement(sql: "SELECT id FROM codes WHERE link = ?")
        while let next = queue.popLast() {
            for id in try String.fetchAll(dependents, arguments: [next]) where affected.insert(id).inserted {
                queue.append(id)
            }
        }
        let stored = try db.cachedStatement(sql: "SELECT path, representative FROM codes WHERE id = ?")
        let places = try CodebookResolver.places(
            of: affected.sorted().map(TagName.init(normalized:)),
            winner: { try winner(of: $0.rawValue, db) },
            known: { id in
                guard !affected.contains(id.rawValue), let row = try Row.fetchOne(stored, arguments: [id.rawValue]) else {
                    return nil
                }
                return CodePlace(path: row["path"], representative: TagName(normalized: row["representative"]))
            })
        let write = try db.cachedStatement(
            sql: "UPDATE codes SET path = ?1, representative = ?2 WHERE id = ?3 AND (path <> ?1 OR representative <> ?2)")
        for (id, place) in places where affected.contains(id.rawValue) {
            try write.execute(bound: [.text(place.path), .text(place.representative.rawValue), .text(id.rawValue)])
        }
    }

    /// The current heads of a code's name register.
    static func nameHeads(of tag: String, _ db: Database) throws -> [TagVersion] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT * FROM code_versions WHERE tag = ? AND register = 'name' AND superseded = 0"),
            arguments: [tag]
        ).map(version)
    }

    /// The current heads of a code's memo register.
    static func memoHeads(of tag: String, _ db: Database) throws -> [NoteVersion] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT hlc, author, memo FROM code_versions WHERE tag = ? AND register = 'memo' AND superseded = 0"),
            arguments: [tag]
        ).map { NoteVersion(timestamp: try Timestamp(parsing: $0["hlc"]), author: try UserName($0["author"]), body: $0["memo"]) }
    }

    /// The winning name version stored for a code, if it was ever renamed.
    static func winner(of tag: String, _ db: Database) throws -> TagVersion? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT v.* FROM codes c JOIN code_versions v ON v.hlc = c.winner WHERE c.id = ?"),
            arguments: [tag]
        ).map(version)
    }

    static func version(_ row: Row) throws -> TagVersion {
        let value: TagVersion.Value
        if let into: String = row["into_tag"] {
            value = .merge(into: TagName(normalized: into))
        } else {
            value = .name(parent: (row["parent"] as String?).map(TagName.init(normalized:)), label: row["label"])
        }
        return TagVersion(timestamp: try Timestamp(parsing: row["hlc"]), author: try UserName(row["author"]), value: value)
    }
}
