import GRDB
import SyncCore

// MARK: - Blame

extension LocalReplica {
    /// Every code, highlight and note on an article, with who made it and when, oldest
    /// first. Codes are shown by their current path (renames and merges followed).
    public func blame(_ articlePrefix: String) throws(ReplicaError) -> [BlameEntry] {
        try ReplicaError.guarded {
            try database.read { db in
                guard try Self.viewer(db) == nil else { throw ReplicaError.blind("blame") }
                let article = try Self.article(articlePrefix, db)
                var entries: [BlameEntry] = []
                func entry(_ kind: String, _ what: String, _ id: String?, _ row: Row) throws -> BlameEntry {
                    BlameEntry(
                        kind: kind, what: what, id: id, author: row["author"],
                        time: Self.isoTime(try Timestamp(parsing: row["hlc"]).milliseconds), hlc: row["hlc"],
                        changeset: row["changeset"])
                }
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT t.hlc, t.author, t.highlight, c.path, o.changeset FROM tag_additions t
                        JOIN codes c ON c.id = t.tag JOIN operations o ON o.hlc = t.hlc
                        LEFT JOIN highlights h ON h.id = t.highlight
                        WHERE t.article = ? AND t.live = 1 AND (t.highlight IS NULL OR (h.deleted = 0 AND h.article = t.article))
                        """, arguments: [article])
                {
                    let highlight: String? = row["highlight"]
                    entries.append(try entry(highlight == nil ? "tag" : "span-tag", row["path"], highlight, row))
                }
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT h.id, h.created AS hlc, h.author, h.exact, o.changeset FROM highlights h
                        JOIN operations o ON o.hlc = h.created WHERE h.article = ? AND h.deleted = 0
                        """, arguments: [article])
                {
                    entries.append(try entry("highlight", row["exact"], row["id"], row))
                }
                for note in try NoteStore.resolved(article: article, db) {
                    guard let winner = note.resolution.winner,
                        let row = try Row.fetchOne(
                            db, sql: "SELECT hlc, author, changeset FROM operations WHERE hlc = ?", arguments: [note.created])
                    else { continue }
                    entries.append(try entry(note.replyTo == nil ? "note" : "reply", winner.body ?? "", note.id, row))
                }
                return entries.sorted { $0.hlc < $1.hlc }
            }
        }
    }
}

// MARK: - Undo

extension LocalReplica {
    /// Undoes this user's last changeset that is not an undo and was not undone (or the
    /// changeset `changesetPrefix` names), with new operations in one changeset: each tag
    /// added is removed, each tag removed is added again, each note created is deleted,
    /// each note edit or deletion is reverted to the text before it, each highlight made is
    /// deleted, each rename, merge or memo is reverted to the version before it. An `undo`
    /// marker records it, so that this user's other replicas know.
    ///
    /// Works after a sync too: the undo is made of ordinary operations. What changed since
    /// (a note edited again, a code renamed again) is left as it is, and said so.
    /// - Throws: ``ReplicaError/cannotUndo(changeset:reason:)`` for imports, highlight
    ///   deletions (final) and others' changesets; ``ReplicaError/nothingToUndo(_:)``.
    public func undo(_ changesetPrefix: String? = nil) throws(ReplicaError) -> UndoResult {
        let (changeset, (undone, words)) = try perform { db, builder -> (String, [String]) in
            let user = try Self.identity(db, path: path).user.rawValue
            // Walking back, a changeset whose effects are gone already (undone by hand,
            // or overwritten since) is passed over for the one before it.
            var target = ""
            var undoing: [Action] = []
            for candidate in try Self.undoTargets(changesetPrefix, user: user, db) where undoing.isEmpty {
                target = candidate
                let operations = try Row.fetchAll(
                    db, sql: "SELECT payload FROM operations WHERE changeset = ? ORDER BY hlc DESC", arguments: [target]
                ).map { try WireFormat.decodeOperation($0["payload"] as String) }
                for operation in operations {
                    undoing += try Self.inverse(of: operation, target: target, db)
                }
            }
            guard !undoing.isEmpty else { throw ReplicaError.nothingToUndo(changesetPrefix == nil ? nil : target) }
            let marker = Action.undoChangeset(try ChangesetID(target))
            try builder.add { _ in marker }
            var words: [String] = []
            for action in undoing {
                words.append(try builder.add { _ in action }.action.summary)
            }
            return (target, words)
        }
        return UndoResult(undone: undone, changeset: changeset?.id.rawValue ?? "", operations: words)
    }

    /// The changesets to undo, the first with something left to undo: the one named (this
    /// user's), or this user's latest ones that are neither undos nor undone, newest first
    /// (at most 100).
    static func undoTargets(_ prefix: String?, user: String, _ db: Database) throws -> [String] {
        guard let prefix else {
            let latest = try String.fetchAll(
                db,
                sql: """
                    SELECT c.id FROM changesets c JOIN operations o ON o.changeset = c.id
                    WHERE c.author = ? AND c.id NOT IN (SELECT changeset FROM undone_changesets)
                    GROUP BY c.id HAVING sum(o.kind = 'undo') = 0 ORDER BY max(o.hlc) DESC LIMIT 100
                    """, arguments: [user])
            guard !latest.isEmpty else { throw ReplicaError.nothingToUndo(nil) }
            return latest
        }
        let id: String
        switch try resolve(prefix, in: "changesets", db) {
        case .found(let found): id = found
        case .none: throw ReplicaError.unknownChangeset(prefix)
        case .ambiguous(let candidates): throw ReplicaError.ambiguousChangeset(prefix, candidates: candidates)
        }
        let author = try String.fetchOne(db, sql: "SELECT author FROM changesets WHERE id = ?", arguments: [id])
        guard author == user else {
            throw ReplicaError.cannotUndo(changeset: id, reason: "it is \(author ?? "someone else")'s; you can undo only your own")
        }
        if try Bool.exists(db, "SELECT 1 FROM undone_changesets WHERE changeset = ?", [id]) {
            throw ReplicaError.cannotUndo(changeset: id, reason: "it was undone already")
        }
        return [id]
    }

    /// The actions that take back what `operation` did, given the replica's state now.
    static func inverse(of operation: SyncOperation, target: String, _ db: Database) throws -> [Action] {
        let time = operation.timestamp.description
        switch operation.action {
        case .importArticle:
            throw ReplicaError.cannotUndo(changeset: target, reason: "it imports articles, and imports are permanent")
        case .deleteHighlight:
            throw ReplicaError.cannotUndo(changeset: target, reason: "it deletes a highlight, and deleting a highlight is final")
        case .undoChangeset:
            return []
        case .addTag(let body):
            guard try Bool.exists(db, "SELECT 1 FROM tag_additions WHERE hlc = ? AND live = 1", [time]) else { return [] }
            return [.removeTag(article: body.article, tag: body.tag, highlight: body.highlight, removes: [operation.timestamp])]
        case .removeTag(let body):
            let live = try Bool.exists(
                db, "SELECT 1 FROM tag_additions WHERE article = ? AND tag = ? AND highlight IS ? AND live = 1",
                [body.article.rawValue, body.tag.rawValue, body.highlight?.rawValue])
            if let highlight = body.highlight,
                try !Bool.exists(db, "SELECT 1 FROM highlights WHERE id = ? AND deleted = 0", [highlight.rawValue])
            {
                return []
            }
            return live ? [] : [.addTag(article: body.article, tag: body.tag, highlight: body.highlight)]
        case .createNote(let body):
            let heads = try NoteStore.heads(of: body.note.rawValue, db)
            guard !NoteResolution(heads: heads).isDeleted else { return [] }
            return [.deleteNote(note: body.note, base: heads.map(\.timestamp).sorted())]
        case .editNote(let body):
            return try revertNote(body.note, version: operation.timestamp, base: body.base, db)
        case .deleteNote(let body):
            return try revertNote(body.note, version: operation.timestamp, base: body.base, db)
        case .createHighlight(let body):
            guard try Bool.exists(db, "SELECT 1 FROM highlights WHERE id = ? AND deleted = 0", [body.highlight.rawValue]) else {
                return []
            }
            return [.deleteHighlight(highlight: body.highlight)]
        case .renameTag(let body):
            return try revertName(body.tag, version: operation.timestamp, base: body.base, db)
        case .mergeTag(let body):
            return try revertName(body.tag, version: operation.timestamp, base: body.base, db)
        case .describeTag(let body):
            let heads = try CodebookStore.memoHeads(of: body.tag.rawValue, db)
            guard heads.contains(where: { $0.timestamp == operation.timestamp }) else { return [] }
            let before = try memoVersions(body.base, of: body.tag.rawValue, db)
            let memo = NoteResolution(heads: before).winner?.body ?? ""
            return [.describeTag(tag: body.tag, memo: memo, base: heads.map(\.timestamp).sorted())]
        case .articleStatus(let body):
            // Back to the status the author had before, if this one is still the status.
            let current = try Bool.fetchOne(
                db, sql: "SELECT done FROM coding_status WHERE article = ? AND author = ?",
                arguments: [body.article.rawValue, operation.author.rawValue])
            guard current == body.done else { return [] }
            let previous = try String.fetchOne(
                db,
                sql: """
                    SELECT payload FROM operations
                    WHERE kind = 'article.status' AND article = ? AND author = ? AND hlc < ? ORDER BY hlc DESC LIMIT 1
                    """, arguments: [body.article.rawValue, operation.author.rawValue, time]
            ).map { try WireFormat.decodeOperation($0) }
            let before = if case .articleStatus(let status)? = previous?.action { status.done } else { false }
            return [.articleStatus(article: body.article, done: before)]
        case .decideTag(let body):
            // Back to the decision before this one, if the decision standing is still this
            // one's (an undo that restored it included).
            let heads = try DecisionStore.heads(of: body.key, db)
            let standing = NoteResolution(heads: heads).winner?.body ?? DecideTag.Decision.clear.rawValue
            guard standing == body.decision.rawValue, heads.count == 1 else { return [] }
            let before = try DecisionStore.versions(body.base, of: body.key, db)
            let decision = NoteResolution(heads: before).winner?.body.flatMap(DecideTag.Decision.init(rawValue:)) ?? .clear
            guard decision != body.decision else { return [] }
            return [
                .decideTag(
                    article: body.article, tag: body.tag, highlight: body.highlight, decision: decision,
                    base: heads.map(\.timestamp).sorted())
            ]
        }
    }

    /// Restores a note's text from before `version`, if `version` is still a head.
    private static func revertNote(_ note: EntityID, version: Timestamp, base: [Timestamp], _ db: Database) throws -> [Action] {
        let heads = try NoteStore.heads(of: note.rawValue, db)
        guard heads.contains(where: { $0.timestamp == version }) else { return [] }
        let before = try Row.fetchAll(
            db,
            sql: "SELECT hlc, author, body FROM note_versions WHERE note = ? AND arrived = 1 AND hlc IN (\(databaseQuestionMarks(count: max(1, base.count))))",
            arguments: StatementArguments([note.rawValue] + (base.isEmpty ? [""] : base.map(\.description)))
        ).map(NoteStore.version)
        guard let body = NoteResolution(heads: before).winner?.body else { return [] }
        return [.editNote(note: note, body: body, base: heads.map(\.timestamp).sorted())]
    }

    /// Restores a code's name from before `version` (its id's own name if it had none), if
    /// `version` is still a head.
    private static func revertName(_ tag: TagName, version: Timestamp, base: [Timestamp], _ db: Database) throws -> [Action] {
        let heads = try CodebookStore.nameHeads(of: tag.rawValue, db)
        guard heads.contains(where: { $0.timestamp == version }) else { return [] }
        let before = try Row.fetchAll(
            db,
            sql: "SELECT * FROM code_versions WHERE tag = ? AND register = 'name' AND hlc IN (\(databaseQuestionMarks(count: max(1, base.count))))",
            arguments: StatementArguments([tag.rawValue] + (base.isEmpty ? [""] : base.map(\.description)))
        ).map(CodebookStore.version)
        let current = heads.map(\.timestamp).sorted()
        switch TagResolution(heads: before).winner?.value {
        case .merge(let into)?: return [.mergeTag(tag: tag, into: into, base: current)]
        case .name(let parent, let label)?: return [.renameTag(tag: tag, parent: parent, label: label, base: current)]
        case nil: return [.renameTag(tag: tag, parent: tag.parent, label: tag.label, base: current)]
        }
    }

    private static func memoVersions(_ base: [Timestamp], of tag: String, _ db: Database) throws -> [NoteVersion] {
        try Row.fetchAll(
            db,
            sql: "SELECT hlc, author, memo FROM code_versions WHERE tag = ? AND register = 'memo' AND hlc IN (\(databaseQuestionMarks(count: max(1, base.count))))",
            arguments: StatementArguments([tag] + (base.isEmpty ? [""] : base.map(\.description)))
        ).map { NoteVersion(timestamp: try Timestamp(parsing: $0["hlc"]), author: try UserName($0["author"]), body: $0["memo"]) }
    }
}
