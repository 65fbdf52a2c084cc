import Foundation
import GRDB
import SyncCore

// MARK: - Reading the codebook

extension LocalReplica {
    /// Normalizes a code's path as typed (`Talks / Doha` is `talks/doha`).
    static func codePath(_ text: String) throws(ReplicaError) -> String {
        do {
            return try TagName.path(text)
        } catch {
            throw .invalid(error)
        }
    }

    /// A path as one name, within a name's limits (new codes and renames must fit them).
    static func tagName(_ path: String) throws(ReplicaError) -> TagName {
        do {
            return try TagName(path)
        } catch {
            throw .invalid(error)
        }
    }

    /// The codebook's paths, sorted, with the articles and live spans coded with each: every
    /// path in use, each path above one, and codes renamed or described even if unused.
    static func codeCounts(viewer: String? = nil, _ db: Database) throws -> [(key: String, value: (articles: Int, spans: Int))] {
        var counts: [String: (articles: Int, spans: Int)] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT c.path, count(DISTINCT CASE WHEN t.highlight IS NULL THEN t.article END) AS articles,
                    count(DISTINCT t.highlight) AS spans
                FROM tag_additions t JOIN codes c ON c.id = t.tag
                LEFT JOIN highlights h ON h.id = t.highlight
                WHERE t.live = 1 AND (t.highlight IS NULL OR (h.deleted = 0 AND h.article = t.article))\(only(viewer, "t.author"))
                GROUP BY c.path
                """)
        {
            counts[row["path"]] = (row["articles"], row["spans"])
        }
        for path in try viewer != nil ? [] : String.fetchAll(
            db,
            sql: """
                SELECT path FROM codes WHERE id = representative
                    AND (winner IS NOT NULL OR id IN (SELECT tag FROM code_versions WHERE register = 'memo'))
                """)
        where counts[path] == nil {
            counts[path] = (0, 0)
        }
        // Each path above a path in use is a node of the tree.
        for path in Array(counts.keys) {
            var end = path.startIndex
            while let slash = path[end...].firstIndex(of: "/") {
                let above = String(path[..<slash])
                if counts[above] == nil { counts[above] = (0, 0) }
                end = path.index(after: slash)
            }
        }
        return counts.sorted { $0.key < $1.key }
    }

    /// The codebook: every code as ``codeCounts(_:)`` lists them, with its ids, memo,
    /// creator and whether a concurrent rename or memo edit is unresolved.
    public func codebook() throws(ReplicaError) -> [CodebookEntry] {
        try ReplicaError.guarded { try database.read { db in try Self.codebookEntries(db) } }
    }

    static func codebookEntries(_ db: Database) throws -> [CodebookEntry] {
                var byPath: [String: [Row]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, path, representative, created, creator FROM codes ORDER BY id") {
                    byPath[row["path"], default: []].append(row)
                }
                let conflicted = Set(
                    try String.fetchAll(
                        db, sql: "SELECT tag FROM code_versions WHERE superseded = 0 GROUP BY tag, register HAVING count(*) > 1"))
                return try Self.codeCounts(db).map { path, count in
                    let rows = byPath[path] ?? []
                    let first = rows.min { ($0["created"] as String) < ($1["created"] as String) }
                    var memo: String?
                    // The memos of codes merged in are kept, after the code's own.
                    let merged = { (row: Row) -> Bool in (row["id"] as String) != (row["representative"] as String) }
                    for row in rows.filter({ !merged($0) }) + rows.filter(merged) {
                        let id: String = row["id"]
                        guard var body = NoteResolution(heads: try CodebookStore.memoHeads(of: id, db)).winner?.body else { continue }
                        if id != (row["representative"] as String) { body = "(merged from '\(id)') " + body }
                        memo = memo.map { $0 + "\n" + body } ?? body
                    }
                    return CodebookEntry(
                        tag: path, ids: rows.map { $0["id"] }, memo: memo, createdBy: first?["creator"] ?? "",
                        created: try first.map { Self.isoTime(try Timestamp(parsing: $0["created"]).milliseconds) } ?? "",
                        articles: count.articles, spans: count.spans,
                        conflicted: rows.contains { conflicted.contains($0["id"]) })
                }
    }

    /// The codebook in canonical form, for the export.
    static func snapshotCodes(_ db: Database) throws -> [CorpusSnapshot.Code] {
        var names: [String: [TagVersion]] = [:]
        var memos: [String: [NoteVersion]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM code_versions WHERE superseded = 0") {
            if (row["register"] as String) == "name" {
                names[row["tag"], default: []].append(try CodebookStore.version(row))
            } else {
                memos[row["tag"], default: []].append(
                    NoteVersion(timestamp: try Timestamp(parsing: row["hlc"]), author: try UserName(row["author"]), body: row["memo"]))
            }
        }
        return try Row.fetchAll(db, sql: "SELECT id, path, representative, created, creator FROM codes").map { row in
            let id: String = row["id"]
            let representative: String = row["representative"]
            let name = TagResolution(heads: names[id] ?? [])
            let memo = NoteResolution(heads: memos[id] ?? [])
            return CorpusSnapshot.Code(
                id: TagName(normalized: id), name: row["path"],
                mergedInto: representative == id ? nil : TagName(normalized: representative),
                created: try Timestamp(parsing: row["created"]), createdBy: try UserName(row["creator"]), memo: memo.winner?.body,
                nameConflicts: name.losers.map(CorpusSnapshot.CodeVersion.init),
                memoConflicts: (memo.winner == nil ? [] : memo.losers).map(CorpusSnapshot.NoteConflict.init))
        }
    }

    /// Codes renamed concurrently and memos edited concurrently, for `annot conflicts`.
    static func codeConflicts(_ db: Database) throws -> ([ConflictReport.CodeConflict], [ConflictReport.MemoConflict]) {
        let tags = try Row.fetchAll(
            db,
            sql: """
                SELECT v.tag, v.register, c.path FROM code_versions v JOIN codes c ON c.id = v.tag
                WHERE v.superseded = 0 GROUP BY v.tag, v.register HAVING count(*) > 1 ORDER BY c.path, v.tag
                """)
        var codes: [ConflictReport.CodeConflict] = []
        var memos: [ConflictReport.MemoConflict] = []
        for row in tags {
            let tag: String = row["tag"]
            if (row["register"] as String) == "name" {
                let resolution = TagResolution(heads: try CodebookStore.nameHeads(of: tag, db))
                guard let winner = resolution.winner else { continue }
                codes.append(
                    ConflictReport.CodeConflict(
                        id: tag, tag: row["path"], current: try record(winner, db), others: try resolution.losers.map { try record($0, db) }))
            } else {
                let resolution = NoteResolution(heads: try CodebookStore.memoHeads(of: tag, db))
                guard let winner = resolution.winner else { continue }
                func version(_ v: NoteVersion) -> ConflictReport.Version {
                    .init(hlc: v.timestamp.description, author: v.author.rawValue, body: v.body)
                }
                memos.append(
                    ConflictReport.MemoConflict(
                        id: tag, tag: row["path"], current: version(winner), others: resolution.losers.map(version)))
            }
        }
        return (codes, memos)
    }

    /// A name version in words: the path it gives, with its parent as it is called now.
    static func record(_ version: TagVersion, _ db: Database) throws -> CodeVersionRecord {
        func path(_ id: TagName) throws -> String {
            try String.fetchOne(db, sql: "SELECT path FROM codes WHERE id = ?", arguments: [id.rawValue]) ?? id.rawValue
        }
        switch version.value {
        case .name(let parent, let label):
            return CodeVersionRecord(
                hlc: version.timestamp.description, author: version.author.rawValue,
                name: try parent.map { try path($0) + "/" + label } ?? label, mergedInto: nil)
        case .merge(let into):
            return CodeVersionRecord(
                hlc: version.timestamp.description, author: version.author.rawValue, name: nil, mergedInto: try path(into))
        }
    }

    /// The code shown under `path`: the representative with the smallest id, if any.
    static func code(at path: String, _ db: Database) throws -> TagName? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT min(representative) FROM codes WHERE path = ?"), arguments: [path]
        ).map(TagName.init(normalized:))
    }

    /// Every code id shown under `path` (merged ones included).
    static func codeIDs(at path: String, _ db: Database) throws -> [TagName] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM codes WHERE path = ? ORDER BY id"), arguments: [path])
            .map(TagName.init(normalized:))
    }

    /// The representatives shown under `path`, smallest id first.
    static func representatives(at path: String, _ db: Database) throws -> [TagName] {
        try String.fetchAll(
            db, sql: "SELECT DISTINCT representative FROM codes WHERE path = ? ORDER BY representative", arguments: [path]
        ).map(TagName.init(normalized:))
    }
}

// MARK: - Writing the codebook

/// Finds or makes the codes a command names, within one changeset: codes it makes are
/// remembered, so that `annot tag 003 a/b a/c` makes `a` once.
struct CodeMaker {
    private var made: [String: TagName] = [:]

    /// The id of the code at `path`, making it (and codes above it) when none exists.
    ///
    /// A new code takes its path as its id when that id is free and its parent is the code
    /// the path's parent names: it then needs no operation of its own, and the first
    /// `tag.add` names it. Otherwise (the id belongs to a code renamed since, or the parent
    /// was renamed to this name) it gets a fresh id (`label~8 hex digits`) and a
    /// `tag.rename` that places it.
    mutating func code(at path: String, _ db: Database, _ builder: inout ChangesetBuilder) throws -> TagName {
        if let known = made[path] { return known }
        if let existing = try LocalReplica.code(at: path, db) { return existing }
        let name = try LocalReplica.tagName(path)
        let parent = try name.parent.map { try code(at: $0.rawValue, db, &builder) }
        let free = try !Bool.exists(db, "SELECT 1 FROM codes WHERE id = ?", [path])
        if free, parent == name.parent {
            made[path] = name
            return name
        }
        let label = name.label
        let operation = try builder.add { time in
            .renameTag(tag: Self.freshID(label: label, time: time), parent: parent, label: label, base: [])
        }
        let id = Self.freshID(label: label, time: operation.timestamp)
        made[path] = id
        return id
    }

    /// A fresh code id: the label (cut to fit) and 8 hex digits of the creating operation's id.
    static func freshID(label: String, time: Timestamp) -> TagName {
        let suffix = "~" + EntityID(creator: time).rawValue.prefix(8)
        let room = TagName.maxLength - suffix.count
        let kept = String(String.UnicodeScalarView(label.unicodeScalars.prefix(room)))
        let trimmed = kept.trimmingCharacters(in: .whitespaces)
        return TagName(normalized: trimmed + suffix)
    }
}

extension LocalReplica {
    /// What ``renameTag(_:to:)`` did.
    public struct RenameResult: Sendable, Codable {
        public let from: String
        public let to: String
        /// Whether `to` existed, so that the code was merged into it.
        public let merged: Bool
    }

    /// Renames or moves the code at `from` to the path `to`, with its subtree
    /// (`annot tag mv talks/doha negotiations/doha`). When a code is already called `to`,
    /// this is a merge (``mergeTag(_:into:)``), and the result says so.
    public func renameTag(_ from: String, to: String) throws(ReplicaError) -> RenameResult {
        let source = try Self.codePath(from)
        let target = try Self.codePath(to)
        return try perform { db, builder in
            let representatives = try Self.representatives(at: source, db)
            guard let first = representatives.first else { throw ReplicaError.unknownTag(source) }
            guard source != target else { throw ReplicaError.invalidMove("'\(source)' is already called '\(target)'") }
            if try Self.code(at: target, db) != nil {
                try Self.merge(representatives, from: source, into: target, db, &builder)
                return RenameResult(from: source, to: target, merged: true)
            }
            guard !target.hasPrefix(source + "/") else {
                throw ReplicaError.invalidMove("cannot move '\(source)' below itself, to '\(target)'")
            }
            let name = try Self.tagName(target)
            var maker = CodeMaker()
            let parent = try name.parent.map { try maker.code(at: $0.rawValue, db, &builder) }
            let heads = try CodebookStore.nameHeads(of: first.rawValue, db).map(\.timestamp).sorted()
            try builder.add { _ in .renameTag(tag: first, parent: parent, label: name.label, base: Array(heads.prefix(WireFormat.maxReferences))) }
            // Codes given this name concurrently are one code from now on.
            for other in representatives.dropFirst() {
                let heads = try CodebookStore.nameHeads(of: other.rawValue, db).map(\.timestamp).sorted()
                try builder.add { _ in .mergeTag(tag: other, into: first, base: Array(heads.prefix(WireFormat.maxReferences))) }
            }
            return RenameResult(from: source, to: target, merged: false)
        }.1
    }

    /// Folds the code at `from` into the code at `into`: its codings, memo and subtree count
    /// as `into`'s from now on, wherever `into` moves. Undone only by `annot undo`.
    public func mergeTag(_ from: String, into: String) throws(ReplicaError) -> RenameResult {
        let source = try Self.codePath(from)
        let target = try Self.codePath(into)
        return try perform { db, builder in
            let representatives = try Self.representatives(at: source, db)
            guard !representatives.isEmpty else { throw ReplicaError.unknownTag(source) }
            guard try Self.code(at: target, db) != nil else { throw ReplicaError.unknownTag(target) }
            guard source != target else { throw ReplicaError.invalidMove("cannot merge '\(source)' into itself") }
            try Self.merge(representatives, from: source, into: target, db, &builder)
            return RenameResult(from: source, to: target, merged: true)
        }.1
    }

    private static func merge(
        _ representatives: [TagName], from source: String, into target: String, _ db: Database,
        _ builder: inout ChangesetBuilder
    ) throws {
        guard !target.hasPrefix(source + "/") else {
            throw ReplicaError.invalidMove("cannot merge '\(source)' into '\(target)', which is below it")
        }
        let into = try code(at: target, db)!
        for code in representatives {
            let heads = try CodebookStore.nameHeads(of: code.rawValue, db).map(\.timestamp).sorted()
            try builder.add { _ in .mergeTag(tag: code, into: into, base: Array(heads.prefix(WireFormat.maxReferences))) }
        }
    }

    /// Sets the memo of the code at `tag` (what it means, when to apply it); an empty memo
    /// clears it. - Returns: the code's path.
    public func describeTag(_ tag: String, memo text: String) throws(ReplicaError) -> String {
        let path = try Self.codePath(tag)
        let memo: String
        do {
            memo = try DescribeTag.memo(text)
        } catch {
            throw .invalid(error)
        }
        return try perform { db, builder in
            guard let code = try Self.code(at: path, db) else { throw ReplicaError.unknownTag(path) }
            let heads = try CodebookStore.memoHeads(of: code.rawValue, db).map(\.timestamp).sorted()
            try builder.add { _ in .describeTag(tag: code, memo: memo, base: Array(heads.prefix(WireFormat.maxReferences))) }
            return path
        }.1
    }
}
