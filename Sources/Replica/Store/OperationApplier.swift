import GRDB
import SyncCore

/// Applies changesets to the replica's tables inside the caller's transaction: logs each
/// operation with its changeset (skipping changesets already held) and updates the
/// materialized state with each kind's rule (`Sources/Replica/Operations/`).
///
/// Each rule records grow-only facts and derives state from them, like ``CorpusState``,
/// so the tables end up the same in any delivery order. Every statement is keyed by an
/// index: applying a batch costs in proportion to the batch, not to the replica.
struct OperationApplier {
    let db: Database
    let now: UInt64

    /// What applying one changeset did.
    enum Outcome {
        case applied
        case duplicate
    }

    /// Applies one changeset, all of its operations or none.
    ///
    /// - Throws: ``SyncCore/SyncCoreError/collision(_:held:received:)`` when the replica
    ///   holds another operation with one of its timestamps, and
    ///   ``ReplicaError/changesetOverlap(_:)`` when it holds some of its operations in
    ///   another changeset: both mean a forgery or a copied replica, and nothing is applied.
    func apply(_ changeset: Changeset, origin: Origin) throws -> Outcome {
        let id = changeset.id.rawValue
        let hlcs = changeset.operations.map(\.timestamp.description)
        // A changeset is logged whole, in one transaction: its row says it is held.
        if try Bool.exists(db, "SELECT 1 FROM changesets WHERE id = ?", [id]) {
            if origin == .server {
                // The server holds it: this replica's own operations it pushed are echoed.
                let echo = try db.cachedStatement(sql: "UPDATE operations SET echoed = 1 WHERE hlc = ? AND echoed = 0")
                for hlc in hlcs { try echo.execute(arguments: [hlc]) }
            }
            return .duplicate
        }
        try db.cachedStatement(sql: "INSERT INTO changesets (id, key, signature, author) VALUES (?, ?, ?, ?)")
            .execute(arguments: [id, changeset.key.rawValue, changeset.signature.rawValue, changeset.author.rawValue])
        // Log every operation before applying any: a timestamp already held (the insert
        // does nothing) is a collision or an overlap, and what was logged of the changeset is
        // taken back before anything else was written.
        let log = try db.cachedStatement(
            sql: """
                INSERT INTO operations (hlc, id, changeset, author, kind, article, subject, payload, origin, received_at, echoed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hlc) DO NOTHING
                """)
        let received = Int64(now)
        for (index, operation) in changeset.operations.enumerated() {
            let fields = operation.action.logFields
            try log.execute(bound: [
                .text(hlcs[index]), .text(operation.id.rawValue), .text(id), .text(operation.author.rawValue), .text(fields.kind),
                .text(fields.article), .text(fields.subject), .text(operation.canonicalJSON), .text(origin.rawValue),
                .integer(received), .flag(origin == .server),
            ])
            if db.changesCount == 0 { throw try refuse(changeset, held: index, hlcs: hlcs) }
        }
        let codebook = CodebookChanges()
        for (index, operation) in changeset.operations.enumerated() {
            try apply(operation, hlc: hlcs[index], codebook: codebook)
        }
        try CodebookStore.place(codebook, db)
        return .applied
    }

    /// Takes back the first `held` operations logged of `changeset` and its row, and names
    /// what the replica holds in place of the next one.
    private func refuse(_ changeset: Changeset, held: Int, hlcs: [String]) throws -> ReplicaError {
        let remove = try db.cachedStatement(sql: "DELETE FROM operations WHERE hlc = ?")
        for hlc in hlcs[..<held] { try remove.execute(arguments: [hlc]) }
        try db.execute(sql: "DELETE FROM changesets WHERE id = ?", arguments: [changeset.id.rawValue])
        let operation = changeset.operations[held]
        let existing = try Row.fetchOne(db, sql: "SELECT id FROM operations WHERE hlc = ?", arguments: [hlcs[held]])
        let heldID: String? = existing?["id"]
        guard heldID == operation.id.rawValue else {
            return .invalid(.collision(operation.timestamp, held: try OperationID(heldID ?? String(repeating: "0", count: 64)), received: operation.id))
        }
        return .changesetOverlap(hlcs[held])
    }

    private func apply(_ operation: SyncOperation, hlc: String, codebook: CodebookChanges) throws {
        let action = operation.action
        let context = ApplyContext(db: db, hlc: hlc, author: operation.author.rawValue, codebook: codebook)
        // Dispatched by a switch, not through an existential: this runs for every operation.
        switch action {
        case .importArticle(let body): try body.apply(in: context)
        case .addTag(let body): try body.apply(in: context)
        case .removeTag(let body): try body.apply(in: context)
        case .createNote(let body): try body.apply(in: context)
        case .editNote(let body): try body.apply(in: context)
        case .deleteNote(let body): try body.apply(in: context)
        case .createHighlight(let body): try body.apply(in: context)
        case .deleteHighlight(let body): try body.apply(in: context)
        case .renameTag(let body): try body.apply(in: context)
        case .mergeTag(let body): try body.apply(in: context)
        case .describeTag(let body): try body.apply(in: context)
        case .undoChangeset(let body): try body.apply(in: context)
        case .articleStatus(let body): try body.apply(in: context)
        case .decideTag(let body): try body.apply(in: context)
        }
    }
}

/// Reads of notes, resolved from their heads with SyncCore's ``NoteResolution``.
enum NoteStore {
    /// A created note and the resolution of its current heads.
    struct ResolvedNote {
        let id: String
        let article: String
        let highlight: String?
        let replyTo: String?
        let author: String
        let created: String
        let resolution: NoteResolution
    }

    static func heads(of note: String, _ db: Database) throws -> [NoteVersion] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT hlc, author, body FROM note_versions WHERE note = ? AND superseded = 0 AND arrived = 1"),
            arguments: [note]
        ).map(version)
    }

    static func version(_ row: Row) throws -> NoteVersion {
        NoteVersion(timestamp: try Timestamp(parsing: row["hlc"]), author: try UserName(row["author"]), body: row["body"])
    }

    /// Created notes (of one article, or all) with their resolved state, oldest first;
    /// deleted ones included only when `includeDeleted`.
    /// - Complexity: one indexed join; resolution is per note, over its heads (usually one).
    static func resolved(article: String?, includeDeleted: Bool = false, _ db: Database) throws -> [ResolvedNote] {
        var sql = """
            SELECT n.id, n.article, n.highlight, n.reply_to, n.author AS creator, n.created, v.hlc, v.author, v.body
            FROM notes n JOIN note_versions v ON v.note = n.id AND v.superseded = 0 AND v.arrived = 1
            """
        var arguments: StatementArguments = []
        if let article {
            sql += " WHERE n.article = ?"
            arguments = [article]
        }
        sql += " ORDER BY n.created, n.id"
        var notes: [ResolvedNote] = []
        var heads: [NoteVersion] = []
        var current: Row?
        func flush() {
            guard let row = current else { return }
            let resolution = NoteResolution(heads: heads)
            if includeDeleted || !resolution.isDeleted {
                notes.append(
                    ResolvedNote(
                        id: row["id"], article: row["article"], highlight: row["highlight"], replyTo: row["reply_to"],
                        author: row["creator"],
                        created: row["created"], resolution: resolution))
            }
        }
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            if current?["id"] as String? != row["id"] as String {
                flush()
                current = row.copy()
                heads = []
            }
            heads.append(try version(row))
        }
        flush()
        return notes
    }

    /// Whether a note exists and is not deleted.
    static func isLive(_ note: String, _ db: Database) throws -> Bool {
        !NoteResolution(heads: try heads(of: note, db)).isDeleted
    }
}
