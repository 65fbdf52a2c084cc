/// What an operation does. Each case is one kind on the wire (`tag.add`, `note.edit`, ...).
///
/// Operations name what they act on by id, never by position, and carry what the author saw
/// when that matters for merging (the tag additions a removal cancels, the note versions an
/// edit replaces), so that every replica reaches the same state in any delivery order.
public enum Action: Sendable, Hashable {
    /// Adds an article with its text. Articles are immutable: a second import of the same id
    /// with the same text changes nothing; with a different text it is kept as a conflict.
    case importArticle(article: ArticleID, title: String, text: String)
    /// Adds `tag` to an article. Each addition is distinct (its id is the operation's).
    case addTag(article: ArticleID, tag: TagName)
    /// Cancels the additions of `tag` to an article that the author had seen (`removes`).
    /// An addition the author had not seen survives: a concurrent add wins over a remove.
    case removeTag(article: ArticleID, tag: TagName, removes: [Timestamp])
    /// Creates a note on an article, optionally on one of its highlights.
    /// `replyTo` is reserved for threaded replies and must be absent in format version 1.
    case createNote(note: EntityID, article: ArticleID, body: String, highlight: EntityID?)
    /// Replaces the note's current versions (`base`, the ones its author saw) with `body`.
    case editNote(note: EntityID, body: String, base: [Timestamp])
    /// Deletes the note versions the author saw (`base`). A concurrent edit survives.
    case deleteNote(note: EntityID, base: [Timestamp])
    /// Highlights a span of an article's text.
    case createHighlight(highlight: EntityID, article: ArticleID, selector: TextSelector)
    /// Deletes a highlight. Deletion is final.
    case deleteHighlight(highlight: EntityID)

    /// The wire name of this kind of action.
    public var kind: String {
        switch self {
        case .importArticle: "article.import"
        case .addTag: "tag.add"
        case .removeTag: "tag.remove"
        case .createNote: "note.create"
        case .editNote: "note.edit"
        case .deleteNote: "note.delete"
        case .createHighlight: "highlight.create"
        case .deleteHighlight: "highlight.delete"
        }
    }

    /// The article the action concerns, when it names one directly.
    public var article: ArticleID? {
        switch self {
        case .importArticle(let article, _, _), .addTag(let article, _), .removeTag(let article, _, _),
            .createNote(_, let article, _, _), .createHighlight(_, let article, _):
            article
        case .editNote, .deleteNote, .deleteHighlight:
            nil
        }
    }
}
