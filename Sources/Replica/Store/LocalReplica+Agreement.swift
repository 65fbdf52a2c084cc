import GRDB
import SyncCore

// MARK: - Coding status, blind mode, agreement and adjudication

extension LocalReplica {
    /// What ``mark(_:done:)`` did.
    public struct StatusResult: Sendable, Codable {
        /// Whether the articles are now marked done (or not done).
        public let done: Bool
        /// Articles whose status changed.
        public let changed: [String]
        /// Articles that already had that status.
        public let unchanged: [String]
    }

    /// Marks articles as coded by this replica's user (`done`), or as not coded yet, in
    /// one changeset.
    public func mark(_ prefixes: [String], done: Bool) throws(ReplicaError) -> StatusResult {
        try perform { db, builder in
            let user = try Self.identity(db, path: path).user.rawValue
            var changed: [String] = []
            var unchanged: [String] = []
            for prefix in prefixes {
                let article = try Self.article(prefix, db)
                guard !changed.contains(article), !unchanged.contains(article) else { continue }
                let current = try Bool.fetchOne(
                    db, sql: "SELECT done FROM coding_status WHERE article = ? AND author = ?", arguments: [article, user])
                if (current ?? false) == done {
                    unchanged.append(article)
                } else {
                    let id = try ArticleID(article)
                    try builder.add { _ in .articleStatus(article: id, done: done) }
                    changed.append(article)
                }
            }
            return StatusResult(done: done, changed: changed, unchanged: unchanged)
        }.1
    }

    /// Turns blind mode on or off: with it on, views show only this replica's user's codes,
    /// highlights and notes. A local setting, never synced; the data still syncs.
    public func setBlind(_ on: Bool) throws(ReplicaError) {
        try ReplicaError.guarded { try database.write { db in try db.execute(sql: "UPDATE replica SET blind = ?", arguments: [on]) } }
    }

    /// Whether blind mode is on.
    public func isBlind() throws(ReplicaError) -> Bool {
        try ReplicaError.guarded { try database.read { db in try Self.viewer(db) != nil } }
    }

    /// The user whose work alone views show, in blind mode; nil when every coder's is shown.
    static func viewer(_ db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT user_name FROM replica WHERE blind = 1"))
    }

    /// An SQL condition ` AND column = 'viewer'`, or nothing when `viewer` is nil.
    static func only(_ viewer: String?, _ column: String) -> String {
        guard let viewer else { return "" }
        return " AND \(column) = '\(viewer.replacingOccurrences(of: "'", with: "''"))'"
    }

    /// The facts agreement is computed from: statuses and codings of `users` (every user
    /// who marked an article done, when nil).
    /// - Throws: ``ReplicaError/noCodingStatus(_:)`` for a named user who marked nothing
    ///   done; ``ReplicaError/blind(_:)`` in blind mode.
    public func codingFacts(users: [String]? = nil) throws(ReplicaError) -> CodingFacts {
        try ReplicaError.guarded { try database.read { db in try Self.codingFacts(users: users, db) } }
    }

    static func codingFacts(users: [String]?, _ db: Database) throws -> CodingFacts {
        guard try viewer(db) == nil else { throw ReplicaError.blind("agreement") }
        var done: [String: Set<String>] = [:]
        var marked: Set<String> = []
        for row in try Row.fetchAll(db, sql: "SELECT article, author FROM coding_status WHERE done = 1") {
            done[row["article"], default: []].insert(row["author"])
            marked.insert(row["author"])
        }
        let coders: [String]
        if let users {
            var named: [String] = []
            for user in users {
                let name = try UserName(user).rawValue
                guard marked.contains(name) else { throw ReplicaError.noCodingStatus(name) }
                if !named.contains(name) { named.append(name) }
            }
            coders = named
        } else {
            coders = marked.sorted()
        }
        let whole = try Row.fetchAll(
            db,
            sql: """
                SELECT DISTINCT t.article, t.author, c.path FROM tag_additions t JOIN codes c ON c.id = t.tag
                WHERE t.live = 1 AND t.highlight IS NULL
                """
        ).map { CodingFacts.ArticleCoding(article: $0["article"], coder: $0["author"], code: $0["path"]) }
        let spans = try Row.fetchAll(
            db,
            sql: """
                SELECT t.article, t.author, c.path, h.id, h.start, h."end" FROM tag_additions t
                JOIN codes c ON c.id = t.tag
                JOIN highlights h ON h.id = t.highlight AND h.deleted = 0 AND h.article = t.article
                WHERE t.live = 1
                """
        ).map {
            CodingFacts.SpanCoding(
                article: $0["article"], coder: $0["author"], code: $0["path"], highlight: $0["id"],
                span: SpanAgreement.Span(start: $0["start"], end: $0["end"]))
        }
        return CodingFacts(coders: coders, done: done, articleCodings: Set(whole), spanCodings: Set(spans))
    }

    /// Agreement between coders (`annot agree`), for the codes at `tags` (every code used
    /// on an article marked done, when empty).
    public func agreement(tags: [String] = [], users: [String]? = nil) throws(ReplicaError) -> AgreementReport {
        let paths = try Self.codePaths(tags)
        return try ReplicaError.guarded {
            try database.read { db in
                for path in paths where try Self.code(at: path, db) == nil { throw ReplicaError.unknownTag(path) }
                return AgreementReport(try Self.codingFacts(users: users, db), codes: paths.isEmpty ? nil : paths)
            }
        }
    }

    /// One disagreement with the standing decisions on it.
    public struct DisagreementRecord: Sendable, Hashable, Codable {
        public let disagreement: Disagreement
        /// The standing decision on the code for the article, or (for a span) on each coder's
        /// highlight of it: `accept` or `reject`.
        public let decisions: [DecisionRecord]
    }

    /// Codes (and spans) on which coders who marked an article done differ, with the
    /// curators' decisions on them.
    public func disagreements(article prefix: String? = nil, users: [String]? = nil) throws(ReplicaError) -> [DisagreementRecord] {
        try ReplicaError.guarded {
            try database.read { db in
                let article = try prefix.map { try Self.article($0, db) }
                let decisions = try Self.decisionRecords(article: article, db)
                return Disagreement.all(in: try Self.codingFacts(users: users, db), article: article).map { item in
                    let highlights = Set(item.highlights.values)
                    return DisagreementRecord(
                        disagreement: item,
                        decisions: decisions.filter {
                            $0.article == item.article && $0.tag == item.code
                                && (item.span == nil ? $0.highlight == nil : $0.highlight.map(highlights.contains) ?? false)
                        })
                }
            }
        }
    }

    /// A standing decision of the adjudicated layer.
    public struct DecisionRecord: Sendable, Hashable, Codable {
        public let article: String
        /// The code's path now.
        public let tag: String
        public let highlight: String?
        /// `accept` or `reject`.
        public let decision: String
        public let decidedBy: String
        public let decided: String
        /// Concurrent decisions that lost (`decision` null: a clearing).
        public let conflicts: [Conflict]

        public struct Conflict: Sendable, Hashable, Codable {
            public let decision: String?
            public let decidedBy: String
            public let decided: String
        }
    }

    /// The adjudicated layer: every standing decision.
    public func decisions(article prefix: String? = nil) throws(ReplicaError) -> [DecisionRecord] {
        try ReplicaError.guarded {
            try database.read { db in try Self.decisionRecords(article: try prefix.map { try Self.article($0, db) }, db) }
        }
    }

    static func decisionRecords(article: String?, _ db: Database) throws -> [DecisionRecord] {
        try DecisionStore.standing(article: article, db).map { key, resolution in
            let winner = resolution.winner!
            return DecisionRecord(
                article: key.article.rawValue, tag: try codePath(of: key.tag.rawValue, db), highlight: key.highlight?.rawValue,
                decision: winner.body!, decidedBy: winner.author.rawValue, decided: winner.timestamp.description,
                conflicts: resolution.losers.map {
                    DecisionRecord.Conflict(decision: $0.body, decidedBy: $0.author.rawValue, decided: $0.timestamp.description)
                })
        }
    }

    /// The path of the code with this id.
    static func codePath(of id: String, _ db: Database) throws -> String {
        try String.fetchOne(db.cachedStatement(sql: "SELECT path FROM codes WHERE id = ?"), arguments: [id]) ?? id
    }

    /// What ``adjudicate(_:accept:reject:clear:highlight:)`` recorded.
    public struct AdjudicationResult: Sendable, Codable {
        public let article: String
        public let highlight: String?
        public let accepted: [String]
        public let rejected: [String]
        public let cleared: [String]
    }

    /// Records a curator's decisions on an article (or one of its highlights): the codes
    /// at `accept` apply, those at `reject` do not, those at `clear` have no decision.
    /// The coders' own codings are not changed.
    /// - Throws: ``ReplicaError/decisionNotAllowed(user:role:)`` once the server has said
    ///   this user is not a curator or admin.
    public func adjudicate(
        _ articlePrefix: String, accept: [String] = [], reject: [String] = [], clear: [String] = [], highlight: String? = nil
    ) throws(ReplicaError) -> AdjudicationResult {
        let accepted = try Self.codePaths(accept)
        let rejected = try Self.codePaths(reject)
        let cleared = try Self.codePaths(clear)
        let all = accepted + rejected + cleared
        guard !all.isEmpty else { throw .nothingGiven("nothing to decide: give --accept, --reject or --clear with a code") }
        if let twice = all.first(where: { path in all.filter { $0 == path }.count > 1 }) {
            throw .nothingGiven("'\(twice)' is given twice: decide each code once")
        }
        return try perform { db, builder in
            let identity = try Self.identity(db, path: path)
            if let role = try KeyDirectory(db).ownRoleBelowCurator() {
                throw ReplicaError.decisionNotAllowed(user: identity.user.rawValue, role: role)
            }
            let article = try Self.article(articlePrefix, db)
            let articleID = try ArticleID(article)
            let span = try highlight.map { try Self.highlight($0, on: article, db) }
            var maker = CodeMaker()
            for (paths, decision) in [(accepted, DecideTag.Decision.accept), (rejected, .reject), (cleared, .clear)] {
                for path in paths {
                    let code: TagName
                    if decision == .clear {
                        guard let known = try Self.code(at: path, db) else { throw ReplicaError.unknownTag(path) }
                        code = known
                    } else {
                        code = try maker.code(at: path, db, &builder)
                    }
                    let key = DecisionKey(article: articleID, tag: code, highlight: span)
                    let heads = try DecisionStore.heads(of: key, db).map(\.timestamp).sorted()
                    try builder.add { _ in
                        .decideTag(
                            article: articleID, tag: code, highlight: span, decision: decision,
                            base: Array(heads.prefix(WireFormat.maxReferences)))
                    }
                }
            }
            return AdjudicationResult(
                article: article, highlight: span?.rawValue, accepted: accepted, rejected: rejected, cleared: cleared)
        }.1
    }
}
