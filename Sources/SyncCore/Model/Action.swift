/// What an operation does. Each case is one kind on the wire (`tag.add`, `note.edit`, ...),
/// defined with its fields, validation, merge and summary in `Sources/SyncCore/Operations/`.
///
/// Operations name what they act on by id, never by position, and carry what the author saw
/// when that matters for merging (the tag additions a removal cancels, the note versions an
/// edit replaces), so that every replica reaches the same state in any delivery order.
public enum Action: Sendable, Hashable {
    case importArticle(ImportArticle)
    case addTag(AddTag)
    case removeTag(RemoveTag)
    case createNote(CreateNote)
    case editNote(EditNote)
    case deleteNote(DeleteNote)
    case createHighlight(CreateHighlight)
    case deleteHighlight(DeleteHighlight)
    case renameTag(RenameTag)
    case mergeTag(MergeTag)
    case describeTag(DescribeTag)
    case undoChangeset(UndoChangeset)
    case articleStatus(ArticleStatus)
    case decideTag(DecideTag)

    /// Every kind, by wire name: the one registry the decoder reads. A test checks that each
    /// case above is listed here.
    static let kinds: [String: any OperationKind.Type] = Dictionary(
        uniqueKeysWithValues: ([
            ImportArticle.self, AddTag.self, RemoveTag.self, CreateNote.self, EditNote.self, DeleteNote.self,
            CreateHighlight.self, DeleteHighlight.self, RenameTag.self, MergeTag.self, DescribeTag.self,
            UndoChangeset.self, ArticleStatus.self, DecideTag.self,
        ] as [any OperationKind.Type]).map { ($0.kind, $0) })

    /// The wire names of every kind this build knows.
    public static var kindNames: [String] { kinds.keys.sorted() }

    /// The kind's definition.
    var body: any OperationKind {
        switch self {
        case .importArticle(let body): body
        case .addTag(let body): body
        case .removeTag(let body): body
        case .createNote(let body): body
        case .editNote(let body): body
        case .deleteNote(let body): body
        case .createHighlight(let body): body
        case .deleteHighlight(let body): body
        case .renameTag(let body): body
        case .mergeTag(let body): body
        case .describeTag(let body): body
        case .undoChangeset(let body): body
        case .articleStatus(let body): body
        case .decideTag(let body): body
        }
    }

    /// The wire name of this kind of action.
    public var kind: String { type(of: body).kind }

    /// The article the action concerns, when it names one directly.
    public var article: ArticleID? { body.mentionedArticle }

    /// The note or highlight the action concerns, if any.
    public var subject: EntityID? { body.subject }

    /// One line in words, as `annot log` shows it.
    public var summary: String { body.summary }

    /// ``summary`` with each code shown by `naming` (a replica passes its current path).
    public func summary(naming: (TagName) -> String) -> String { body.summary(naming: naming) }

    /// What an operation log records of the action besides its JSON: its kind, the article
    /// it names, and the note, highlight, code (a rename, merge or memo) or changeset (an
    /// undo) it concerns (one dispatch for the three).
    ///
    /// A `switch` of its own rather than through ``body``: it runs for every operation a
    /// replica applies, and an existential of a larger kind costs an allocation.
    public var logFields: (kind: String, article: String?, subject: String?) {
        switch self {
        case .importArticle(let body): (ImportArticle.kind, body.article.rawValue, nil)
        case .addTag(let body): (AddTag.kind, body.article.rawValue, nil)
        case .removeTag(let body): (RemoveTag.kind, body.article.rawValue, nil)
        case .createNote(let body): (CreateNote.kind, body.article.rawValue, body.note.rawValue)
        case .editNote(let body): (EditNote.kind, nil, body.note.rawValue)
        case .deleteNote(let body): (DeleteNote.kind, nil, body.note.rawValue)
        case .createHighlight(let body): (CreateHighlight.kind, body.article.rawValue, body.highlight.rawValue)
        case .deleteHighlight(let body): (DeleteHighlight.kind, nil, body.highlight.rawValue)
        case .renameTag(let body): (RenameTag.kind, nil, body.tag.rawValue)
        case .mergeTag(let body): (MergeTag.kind, nil, body.tag.rawValue)
        case .describeTag(let body): (DescribeTag.kind, nil, body.tag.rawValue)
        case .undoChangeset(let body): (UndoChangeset.kind, nil, body.changeset.rawValue)
        case .articleStatus(let body): (ArticleStatus.kind, body.article.rawValue, nil)
        case .decideTag(let body): (DecideTag.kind, body.article.rawValue, body.highlight?.rawValue)
        }
    }

    /// Whether only curators and admins may make the operation: imports, which define the
    /// corpus, and decisions, which adjudicate it (docs/sync-model.md §4).
    public var requiresCurator: Bool {
        switch self {
        case .importArticle, .decideTag: true
        default: false
        }
    }

    /// A one-line excerpt of at most 60 characters.
    public static func excerpt(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 60 ? line.prefix(59) + "…" : line
    }
}

// MARK: - Building actions

extension Action {
    /// An `article.import`.
    public static func importArticle(article: ArticleID, title: String, text: String) -> Action {
        .importArticle(ImportArticle(article: article, title: title, text: text))
    }
    /// A `tag.add` of the code `tag` (an id) to an article, or to one of its highlights.
    public static func addTag(article: ArticleID, tag: TagName, highlight: EntityID? = nil) -> Action {
        .addTag(AddTag(article: article, tag: tag, highlight: highlight))
    }
    /// A `tag.remove` cancelling the additions `removes`.
    public static func removeTag(article: ArticleID, tag: TagName, highlight: EntityID? = nil, removes: [Timestamp]) -> Action {
        .removeTag(RemoveTag(article: article, tag: tag, highlight: highlight, removes: removes))
    }
    /// A `note.create`, a reply when `replyTo` names a note.
    public static func createNote(
        note: EntityID, article: ArticleID, body: String, highlight: EntityID?, replyTo: EntityID? = nil
    ) -> Action {
        .createNote(CreateNote(note: note, article: article, body: body, highlight: highlight, replyTo: replyTo))
    }
    /// A `tag.rename` of the code `tag` to `label` under `parent`.
    public static func renameTag(tag: TagName, parent: TagName?, label: String, base: [Timestamp]) -> Action {
        .renameTag(RenameTag(tag: tag, parent: parent, label: label, base: base))
    }
    /// A `tag.merge` of the code `tag` into `into`.
    public static func mergeTag(tag: TagName, into: TagName, base: [Timestamp]) -> Action {
        .mergeTag(MergeTag(tag: tag, into: into, base: base))
    }
    /// A `tag.describe` setting a code's memo (empty to clear it).
    public static func describeTag(tag: TagName, memo: String, base: [Timestamp]) -> Action {
        .describeTag(DescribeTag(tag: tag, memo: memo, base: base))
    }
    /// An `undo` marker for `changeset`.
    public static func undoChangeset(_ changeset: ChangesetID) -> Action { .undoChangeset(UndoChangeset(changeset: changeset)) }
    /// An `article.status` marking an article done (or not) by its author.
    public static func articleStatus(article: ArticleID, done: Bool) -> Action {
        .articleStatus(ArticleStatus(article: article, done: done))
    }
    /// A `tag.decide` on a code for an article or one of its highlights.
    public static func decideTag(
        article: ArticleID, tag: TagName, highlight: EntityID? = nil, decision: DecideTag.Decision, base: [Timestamp]
    ) -> Action {
        .decideTag(DecideTag(article: article, tag: tag, highlight: highlight, decision: decision, base: base))
    }
    /// A `note.edit` superseding `base`.
    public static func editNote(note: EntityID, body: String, base: [Timestamp]) -> Action {
        .editNote(EditNote(note: note, body: body, base: base))
    }
    /// A `note.delete` superseding `base`.
    public static func deleteNote(note: EntityID, base: [Timestamp]) -> Action {
        .deleteNote(DeleteNote(note: note, base: base))
    }
    /// A `highlight.create`.
    public static func createHighlight(highlight: EntityID, article: ArticleID, selector: TextSelector) -> Action {
        .createHighlight(CreateHighlight(highlight: highlight, article: article, selector: selector))
    }
    /// A `highlight.delete`.
    public static func deleteHighlight(highlight: EntityID) -> Action { .deleteHighlight(DeleteHighlight(highlight: highlight)) }
}
