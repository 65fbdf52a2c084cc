import Exchange
import Foundation
import GRDB
import SyncCore

// MARK: - Exchange with other tools (W3C Web Annotation, REFI-QDA)

extension LocalReplica {
    /// The corpus as the exchange formats see it: every article, the codebook (one entry
    /// per path: codes merged in are not listed apart), live highlights, codings and notes,
    /// each with who made it and when.
    public func exchangeProject() throws(ReplicaError) -> ExchangeProject {
        try ReplicaError.guarded {
            try database.read { db in
                func milliseconds(_ hlc: String) throws -> UInt64 { try Timestamp(parsing: hlc).milliseconds }
                let articles = try Row.fetchAll(db, sql: "SELECT id, title, text, author, hlc FROM articles").map { row in
                    ExchangeProject.Article(
                        id: row["id"], title: row["title"], text: row["text"], importedBy: row["author"],
                        imported: try milliseconds(row["hlc"]))
                }
                var created: [String: (hlc: String, creator: String)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT path, created, creator FROM codes ORDER BY created") where created[row["path"]] == nil {
                    created[row["path"]] = (row["created"], row["creator"])
                }
                let codes = try Self.codebookEntries(db).map { entry in
                    let first = created[entry.tag]
                    return ExchangeProject.Code(
                        id: entry.ids.first ?? entry.tag, path: entry.tag, memo: entry.memo, createdBy: first?.creator ?? "",
                        created: try first.map { try milliseconds($0.hlc) } ?? 0)
                }
                let highlights = try Row.fetchAll(db, sql: "SELECT * FROM highlights WHERE deleted = 0").map { row in
                    ExchangeProject.Highlight(
                        id: row["id"], article: row["article"], author: row["author"], created: try milliseconds(row["created"]),
                        exact: row["exact"], prefix: row["prefix"], suffix: row["suffix"], start: row["start"], end: row["end"])
                }
                // One coding per coder, code path and target: the earliest live addition.
                let codings = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT t.article, c.path, t.highlight, t.author, min(t.hlc) AS hlc FROM tag_additions t
                        JOIN codes c ON c.id = t.tag LEFT JOIN highlights h ON h.id = t.highlight
                        WHERE t.live = 1 AND (t.highlight IS NULL OR (h.deleted = 0 AND h.article = t.article))
                        GROUP BY t.article, c.path, t.highlight, t.author
                        """
                ).map { row in
                    ExchangeProject.Coding(
                        article: row["article"], code: row["path"], highlight: row["highlight"], coder: row["author"],
                        created: try milliseconds(row["hlc"]))
                }
                let live = Set(highlights.map(\.id))
                let notes = try NoteStore.resolved(article: nil, db).map { note in
                    let winner = note.resolution.winner!
                    return ExchangeProject.Note(
                        id: note.id, article: note.article, highlight: note.highlight.flatMap { live.contains($0) ? $0 : nil },
                        replyTo: note.replyTo, author: note.author, created: try milliseconds(note.created),
                        updated: winner.timestamp.milliseconds, body: winner.body!)
                }
                let users =
                    articles.map(\.importedBy) + codes.map(\.createdBy).filter { !$0.isEmpty } + highlights.map(\.author)
                    + codings.map(\.coder) + notes.map(\.author)
                return ExchangeProject(
                    users: users, codes: codes, articles: articles, highlights: highlights, codings: codings, notes: notes)
            }
        }
    }

    /// What ``importExchange(_:)`` did.
    public struct ExchangeReport: Sendable, Codable {
        /// Texts of the file imported as new articles (by a curator).
        public var articles = 0
        public var codes = 0
        public var highlights = 0
        public var codings = 0
        public var notes = 0
        /// Annotations already present (the same span, code or note text), left as they are.
        public var unchanged = 0
        /// What was not imported, one line each, with why.
        public var skipped: [String] = []
    }

    /// Brings in what another tool exported, as this user's own operations: codes (with
    /// memos), the file's texts (matched to articles by name or text; imported as new
    /// articles when this user may import), highlights re-anchored by their quote in the
    /// article's text, codings, notes and replies. Articles are found by id, by unique id
    /// prefix or by an IRI or file name ending in one. Importing the same file again adds
    /// nothing: a highlight of the same span, a code already there, a note with the same
    /// text are left alone. One transaction: all of it, or (on an error) nothing.
    public func importExchange(_ plan: ExchangeImport) throws(ReplicaError) -> ExchangeReport {
        try ReplicaError.guarded {
            try database.write { db in
                let identity = try Self.identity(db, path: path)
                var state = ExchangeState(report: ExchangeReport(skipped: plan.skipped))
                var builder = identity.changesetBuilder(now: wallClock.milliseconds())
                func flush() throws {
                    state.pendingBytes = 0
                    guard let changeset = try builder.build() else { return }
                    _ = try OperationApplier(db: db, now: wallClock.milliseconds()).apply(changeset, origin: .local)
                    builder = identity.changesetBuilder(now: wallClock.milliseconds(), clock: builder.clock)
                    state.made = ExchangeState.Made()
                }
                func flushIfLarge() throws {
                    if builder.operations.count >= Self.importChunk || state.pendingBytes >= Self.importChunkBytes { try flush() }
                }
                // The file's texts: an article of the same name or text, or a new article.
                var sources: [String: String] = [:]
                let mayImport = try KeyDirectory(db).ownRoleBelowCurator() == nil
                for source in plan.sources {
                    if let id = try Self.articleNamed(source.name, db) ?? String.fetchOne(
                        db, sql: "SELECT article FROM article_imports WHERE text_hash = ? ORDER BY hlc LIMIT 1",
                        arguments: [ContentHash.of(source.text)])
                    {
                        sources[source.sourceID] = id
                    } else if !mayImport {
                        state.report.skipped.append(
                            "source '\(source.name)': no article has this name or text, and only curators import articles")
                    } else if let id = Self.newArticleID(for: source.name, db), let text = try? ImportArticle.text(source.text),
                        !text.isEmpty
                    {
                        let title = source.title.flatMap { try? ImportArticle.title($0) } ?? TitleExtractor.title(of: text)
                        let articleID = try ArticleID(id)
                        try builder.add { _ in .importArticle(article: articleID, title: title, text: text) }
                        state.pendingBytes += text.utf8.count
                        sources[source.sourceID] = id
                        state.report.articles += 1
                        try flushIfLarge()
                    } else {
                        state.report.skipped.append("source '\(source.name)': its name is no article id, and its text cannot be imported")
                    }
                }
                // Texts first, so that annotations anchor in them.
                try flush()
                var maker = CodeMaker()
                for code in plan.codes {
                    guard let path = try? Self.codePath(code.path) else {
                        state.report.skipped.append("code '\(code.path)': not a valid code name")
                        continue
                    }
                    let isNew = try Self.code(at: path, db) == nil && state.made.codes.insert(path).inserted
                    let before = builder.operations.count
                    let id = try maker.code(at: path, db, &builder)
                    if isNew {
                        state.report.codes += 1
                        // A code exists from the first operation naming it: a codebook entry
                        // nobody has used yet is named by placing it where it is.
                        if builder.operations.count == before {
                            try builder.add { _ in .renameTag(tag: id, parent: id.parent, label: id.label, base: []) }
                        }
                    }
                    if let memo = code.memo.flatMap({ try? DescribeTag.memo($0) }), !memo.isEmpty {
                        let heads = try CodebookStore.memoHeads(of: id.rawValue, db)
                        if NoteResolution(heads: heads).winner?.body != memo {
                            let base = Array(heads.map(\.timestamp).sorted().prefix(WireFormat.maxReferences))
                            try builder.add { _ in .describeTag(tag: id, memo: memo, base: base) }
                        }
                    }
                }
                try flush()
                maker = CodeMaker()
                // Annotations; replies may come before what they answer: a few passes place them.
                var pending = plan.annotations.map { annotation in
                    var annotation = annotation
                    if let name = annotation.article, name.hasPrefix("source:") {
                        annotation.article = sources[String(name.dropFirst("source:".count))] ?? name
                    }
                    return annotation
                }
                let targets = Set(plan.annotations.map(\.sourceID) + plan.annotations.flatMap { $0.noteIDs.map { "note:" + $0 } })
                for _ in 0..<4 where !pending.isEmpty {
                    var later: [ExchangeImport.Annotation] = []
                    for annotation in pending {
                        if let parent = annotation.replyTo, state.landed[parent] == nil, targets.contains(parent) {
                            later.append(annotation)
                            continue
                        }
                        try Self.place(annotation, state: &state, maker: &maker, db, &builder)
                        try flushIfLarge()
                    }
                    pending = later
                }
                for annotation in pending {
                    state.report.skipped.append("\(annotation.sourceID): replies to an annotation that could not be placed")
                }
                try flush()
                try Self.store(clock: builder.clock, db)
                return state.report
            }
        }
    }

    /// What an exchange import has done so far.
    struct ExchangeState {
        /// What the pending changeset made, which the tables do not show yet.
        struct Made {
            var codes: Set<String> = []
            var highlights: [String: EntityID] = [:]
            var codings: Set<String> = []
            var notes: [String: EntityID] = [:]
        }

        var report: ExchangeReport
        var made = Made()
        var pendingBytes = 0
        /// Where each annotation (and each note of the file) landed, for replies.
        var landed: [String: (article: ArticleID, highlight: EntityID?, note: EntityID?)] = [:]
    }

    private static func place(
        _ annotation: ExchangeImport.Annotation, state: inout ExchangeState, maker: inout CodeMaker, _ db: Database,
        _ builder: inout ChangesetBuilder
    ) throws {
        let label = annotation.sourceID
        // Where it goes: an article (and maybe a span), or the note it replies to.
        var article: ArticleID
        var highlight: EntityID?
        var replyTo: EntityID?
        if let parent = annotation.replyTo {
            if let place = state.landed[parent] {
                article = place.article
                highlight = place.highlight
                replyTo = place.note
            } else if parent.hasPrefix("urn:annot:note:"), let id = try? Self.note(String(parent.dropFirst("urn:annot:note:".count)), db) {
                // A reply to a note this replica holds.
                let row = try Row.fetchOne(db, sql: "SELECT article, highlight FROM notes WHERE id = ?", arguments: [id])!
                article = try ArticleID(row["article"] as String)
                highlight = try (row["highlight"] as String?).map { try EntityID($0) }
                replyTo = try EntityID(id)
            } else {
                state.report.skipped.append("\(label): replies to \(parent), which is not in the file or the corpus")
                return
            }
            guard replyTo != nil else {
                state.report.skipped.append("\(label): replies to \(parent), which holds no note")
                return
            }
        } else {
            guard let name = annotation.article, let id = try articleNamed(name, db) else {
                state.report.skipped.append("\(label): no article of the corpus is \(annotation.article ?? "named")")
                return
            }
            article = try ArticleID(id)
            if let anchor = annotation.anchor {
                switch try anchorHighlight(anchor, article: id, made: &state.made, db, &builder) {
                case .placed(let made, let isNew):
                    highlight = made
                    if isNew { state.report.highlights += 1 } else { state.report.unchanged += 1 }
                case .failed(let reason):
                    state.report.skipped.append("\(label): \(reason)")
                    return
                }
            }
        }
        for code in annotation.codes {
            guard let path = try? codePath(code) else {
                state.report.skipped.append("\(label): '\(code)' is not a valid code name")
                continue
            }
            let key = "\(article.rawValue)\n\(highlight?.rawValue ?? "")\n\(path)"
            if try !liveAdditions(article: article.rawValue, path: path, highlight: highlight, db).isEmpty
                || !state.made.codings.insert(key).inserted
            {
                state.report.unchanged += 1
                continue
            }
            let id = try maker.code(at: path, db, &builder)
            try builder.add { _ in .addTag(article: article, tag: id, highlight: highlight) }
            state.report.codings += 1
        }
        var first: EntityID?
        for (index, text) in annotation.notes.enumerated() {
            guard let body = try? noteBody(text) else {
                state.report.skipped.append("\(label): a note that is empty or too long")
                continue
            }
            let key = "\(article.rawValue)\n\(highlight?.rawValue ?? "")\n\(replyTo?.rawValue ?? "")\n\(body)"
            var note: EntityID
            if let same = try String.fetchOne(
                db,
                sql: """
                    SELECT n.id FROM notes n JOIN note_versions v ON v.note = n.id AND v.superseded = 0 AND v.arrived = 1
                    WHERE n.article = ? AND n.highlight IS ? AND n.reply_to IS ? AND v.body = ?
                    """, arguments: [article.rawValue, highlight?.rawValue, replyTo?.rawValue, body])
            {
                note = try EntityID(same)
                state.report.unchanged += 1
            } else if let made = state.made.notes[key] {
                note = made
                state.report.unchanged += 1
            } else {
                let made = try builder.add { time in
                    .createNote(note: EntityID(creator: time), article: article, body: body, highlight: highlight, replyTo: replyTo)
                }
                note = EntityID(creator: made.timestamp)
                state.made.notes[key] = note
                state.pendingBytes += body.utf8.count
                state.report.notes += 1
            }
            if first == nil { first = note }
            if index < annotation.noteIDs.count { state.landed["note:" + annotation.noteIDs[index]] = (article, highlight, note) }
        }
        state.landed[annotation.sourceID] = (article, highlight, first)
    }

    /// An article id for a text named `name` in another tool: the name's stem, with every
    /// character an id cannot hold replaced by `-`; nil if that id is taken or empty.
    static func newArticleID(for name: String, _ db: Database) -> String? {
        var stem = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? name
        if let dot = stem.lastIndex(of: "."), dot != stem.startIndex { stem = String(stem[..<dot]) }
        let id = String(String.UnicodeScalarView(stem.unicodeScalars.map { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar)) ? scalar : "-"
        }).prefix(128))
        guard (try? ArticleID(id)) != nil, (try? Bool.exists(db, "SELECT 1 FROM articles WHERE id = ?", [id])) == false else { return nil }
        return id
    }

    /// The article an exchange file names: its id, a unique prefix, or the last segment of
    /// an IRI or path (`urn:annot:article:003_…`, `…/003_e737.txt`).
    static func articleNamed(_ name: String, _ db: Database) throws -> String? {
        var candidates = [name]
        if let last = name.split(whereSeparator: { $0 == "/" || $0 == ":" || $0 == "\\" }).last.map(String.init) {
            candidates.append(last.removingPercentEncoding ?? last)
            if let dot = last.lastIndex(of: ".") { candidates.append(String(last[..<dot])) }
        }
        for candidate in candidates where !candidate.isEmpty {
            if case .found(let id) = try resolve(candidate, in: "articles", db) { return id }
        }
        return nil
    }

    enum Anchoring {
        case placed(EntityID, isNew: Bool)
        case failed(String)
    }

    /// Finds the span an anchor names in the article's text (re-anchoring by the quote,
    /// the position telling occurrences apart), and the live highlight of exactly that span,
    /// or makes one.
    static func anchorHighlight(
        _ anchor: ExchangeImport.Anchor, article: String, made: inout ExchangeState.Made, _ db: Database,
        _ builder: inout ChangesetBuilder
    ) throws -> Anchoring {
        let text = try String.fetchOne(db, sql: "SELECT text FROM articles WHERE id = ?", arguments: [article]) ?? ""
        let scalars = Array(text.unicodeScalars)
        var start: Int
        var end: Int
        if let exact = anchor.exact, !exact.isEmpty {
            let starts = QuoteLocator.occurrences(of: exact, in: text)
            guard !starts.isEmpty else { return .failed("its quote is not in article \(article)") }
            let length = exact.unicodeScalars.count
            func context(_ at: Int) -> Int {
                var score = 0
                if let prefix = anchor.prefix, !prefix.isEmpty,
                    String(String.UnicodeScalarView(scalars[max(0, at - prefix.unicodeScalars.count)..<at])) == prefix
                { score += 2 }
                if let suffix = anchor.suffix, !suffix.isEmpty,
                    String(String.UnicodeScalarView(scalars[(at + length)..<min(scalars.count, at + length + suffix.unicodeScalars.count)])) == suffix
                { score += 2 }
                if at == anchor.start { score += 1 }
                return score
            }
            let best = starts.max { context($0) < context($1) || (context($0) == context($1) && $0 > $1) }!
            start = best
            end = best + length
        } else if let from = anchor.start, let to = anchor.end, from >= 0, to > from, to <= scalars.count {
            start = from
            end = to
        } else {
            return .failed("its position is outside article \(article)")
        }
        let key = "\(article)\n\(start)\n\(end)"
        if let held = made.highlights[key] { return .placed(held, isNew: false) }
        if let held = try String.fetchOne(
            db, sql: "SELECT id FROM highlights WHERE article = ? AND deleted = 0 AND start = ? AND \"end\" = ? ORDER BY id LIMIT 1",
            arguments: [article, start, end])
        {
            return .placed(try EntityID(held), isNew: false)
        }
        let selector = TextSelector(text: text, start: start, end: end)
        do {
            try selector.validate()
        } catch {
            return .failed("its span cannot be highlighted (\(error))")
        }
        let articleID = try ArticleID(article)
        let operation = try builder.add { time in .createHighlight(highlight: EntityID(creator: time), article: articleID, selector: selector) }
        made.highlights[key] = EntityID(creator: operation.timestamp)
        return .placed(EntityID(creator: operation.timestamp), isNew: true)
    }
}
