import GRDB
import SyncCore

/// Every error the replica reports, each with a one-line ``description`` a person can act on
/// and a stable ``code`` for `--json` output.
public enum ReplicaError: Error, Sendable, CustomStringConvertible {
    /// No replica file at the path.
    case notFound(path: String)
    /// `annot init` on a path that already holds a replica.
    case alreadyExists(path: String)
    /// The file exists but is not a replica (or is damaged).
    case notAReplica(path: String, reason: String)
    /// The replica was written by a newer build.
    case newerSchema(path: String)
    /// No article id starts with the prefix.
    case unknownArticle(String)
    /// Several article ids start with the prefix.
    case ambiguousArticle(String, candidates: [String])
    /// No note id starts with the prefix.
    case unknownNote(String)
    /// Several note ids start with the prefix.
    case ambiguousNote(String, candidates: [String])
    /// No highlight id starts with the prefix.
    case unknownHighlight(String)
    /// Several highlight ids start with the prefix.
    case ambiguousHighlight(String, candidates: [String])
    /// The note has been deleted.
    case noteDeleted(String)
    /// `annot untag` of a tag the article does not have.
    case tagNotOnArticle(article: String, tag: String)
    /// No code has this path.
    case unknownTag(String)
    /// A rename or move the codebook cannot take (a code under its own subtree, a name too
    /// long or too deep, ...).
    case invalidMove(String)
    /// No changeset id starts with the prefix.
    case unknownChangeset(String)
    /// Several changeset ids start with the prefix.
    case ambiguousChangeset(String, candidates: [String])
    /// `annot undo` of a changeset that cannot be undone (an import, someone else's, ...).
    case cannotUndo(changeset: String, reason: String)
    /// `annot undo` of a changeset whose effects are all gone already (or, `nil`, with no
    /// changeset of this user left to undo).
    case nothingToUndo(String?)
    /// A decision by a user whose role (as the server said) may not adjudicate.
    case decisionNotAllowed(user: String, role: String)
    /// `annot agree --users` names a user who marked no article done here.
    case noCodingStatus(String)
    /// A view that would show others' codings, asked for in blind mode.
    case blind(String)
    /// A command given nothing to do (no code to accept, reject or clear, ...).
    case nothingGiven(String)
    /// An import would replace the text of an article that exists with another text.
    case conflictingImport(article: String, file: String)
    /// The same article id appears twice in one import with different texts.
    case duplicateInImport(article: String, files: [String])
    /// A file or folder could not be read.
    case unreadable(path: String, reason: String)
    /// A highlight's quote is not in the article's text.
    case quoteNotFound(article: String, quote: String)
    /// A highlight's quote appears more than once and no occurrence was chosen.
    case ambiguousQuote(article: String, occurrences: Int)
    /// The chosen occurrence of a quote does not exist.
    case noSuchOccurrence(article: String, occurrence: Int, occurrences: Int)
    /// A replica made before wire format 2, whose unsigned operations can no longer sync.
    case formatOne(path: String)
    /// A changeset some of whose operations the replica holds in another changeset.
    case changesetOverlap(String)
    /// A changeset signed by a key that the key directory binds to another user than its author.
    case forgedAuthor(author: String, keyOwner: String, key: String)
    /// An import by a user whose role (as the server said) may not import.
    case importNotAllowed(user: String, role: String)
    /// A key the directory already binds to another user, or a conflicting binding.
    case keyConflict(String)
    /// No such key in the directory.
    case unknownKey(String)
    /// The server answered something the sync protocol does not allow.
    case protocolViolation(String)
    /// A snapshot the server sent failed a check (docs/protocol.md §16); the replica is as
    /// it was, and pulls the log instead.
    case snapshotRefused(String)
    /// The replica stayed in use by another process while this one wanted it alone.
    case replicaBusy(String)
    /// Data rejected by the model: a bad tag, malformed changes, a clock too far ahead, ...
    case invalid(SyncCoreError)
    /// An SQLite failure (disk full, I/O error, database locked for too long, ...).
    case storage(String)

    /// A stable, machine-readable identifier of the error kind.
    public var code: String {
        switch self {
        case .notFound: "replica_not_found"
        case .alreadyExists: "replica_exists"
        case .notAReplica: "not_a_replica"
        case .newerSchema: "newer_schema"
        case .unknownArticle: "unknown_article"
        case .ambiguousArticle: "ambiguous_article"
        case .unknownNote: "unknown_note"
        case .ambiguousNote: "ambiguous_note"
        case .unknownHighlight: "unknown_highlight"
        case .ambiguousHighlight: "ambiguous_highlight"
        case .noteDeleted: "note_deleted"
        case .tagNotOnArticle: "tag_not_on_article"
        case .unknownTag: "unknown_tag"
        case .invalidMove: "invalid_move"
        case .unknownChangeset: "unknown_changeset"
        case .ambiguousChangeset: "ambiguous_changeset"
        case .cannotUndo: "cannot_undo"
        case .nothingToUndo: "nothing_to_undo"
        case .decisionNotAllowed: "decision_forbidden"
        case .noCodingStatus: "no_coding_status"
        case .blind: "blind_mode"
        case .nothingGiven: "nothing_given"
        case .conflictingImport: "conflicting_import"
        case .duplicateInImport: "duplicate_in_import"
        case .unreadable: "unreadable"
        case .quoteNotFound: "quote_not_found"
        case .ambiguousQuote: "ambiguous_quote"
        case .noSuchOccurrence: "no_such_occurrence"
        case .formatOne: "format_1_replica"
        case .changesetOverlap: "changeset_overlap"
        case .forgedAuthor: "forged_author"
        case .importNotAllowed: "import_forbidden"
        case .keyConflict: "key_conflict"
        case .unknownKey: "unknown_key"
        case .protocolViolation: "protocol_violation"
        case .snapshotRefused: "snapshot_refused"
        case .replicaBusy: "replica_busy"
        case .invalid(let error): error.code
        case .storage: "storage"
        }
    }

    public var description: String {
        switch self {
        case .notFound(let path):
            "no replica at \(path): create one with 'annot init --user NAME'"
        case .alreadyExists(let path):
            "a replica already exists at \(path)"
        case .notAReplica(let path, let reason):
            "\(path) is not an annot replica (\(reason))"
        case .newerSchema(let path):
            "the replica at \(path) was written by a newer annot: upgrade annot"
        case .unknownArticle(let prefix):
            "no article matches '\(prefix)': 'annot list' shows the articles"
        case .ambiguousArticle(let prefix, let candidates):
            "article '\(prefix)' is ambiguous: it could be \(Self.list(candidates))"
        case .unknownNote(let prefix):
            "no note matches '\(prefix)': 'annot notes' shows the notes"
        case .ambiguousNote(let prefix, let candidates):
            "note '\(prefix)' is ambiguous: it could be \(Self.list(candidates))"
        case .unknownHighlight(let prefix):
            "no highlight matches '\(prefix)'"
        case .ambiguousHighlight(let prefix, let candidates):
            "highlight '\(prefix)' is ambiguous: it could be \(Self.list(candidates))"
        case .noteDeleted(let id):
            "note \(id) has been deleted"
        case .tagNotOnArticle(let article, let tag):
            "article \(article) has no tag '\(tag)'"
        case .unknownTag(let tag):
            "no code is called '\(tag)' ('annot tags' lists the codebook)"
        case .invalidMove(let reason):
            reason
        case .unknownChangeset(let prefix):
            "no changeset id starts with '\(prefix)' ('annot log' names them)"
        case .ambiguousChangeset(let prefix, let candidates):
            "'\(prefix)' names \(candidates.count) changesets (\(candidates.prefix(3).map { String($0.prefix(12)) }.joined(separator: ", "))…); give more of the id"
        case .cannotUndo(let changeset, let reason):
            "changeset \(changeset.prefix(12)) cannot be undone: \(reason)"
        case .nothingToUndo(let changeset?):
            "changeset \(changeset.prefix(12)) has nothing left to undo: what it did is already gone"
        case .nothingToUndo(nil):
            "nothing to undo: every changeset you made is undone already"
        case .decisionNotAllowed(let user, let role):
            "\(user) is \(role == "annotator" || role == "admin" ? "an" : "a") \(role) on the sync server, and only curators "
                + "and admins adjudicate: ask an admin for the curator role"
        case .noCodingStatus(let user):
            "\(user) has marked no article done here ('annot done ID' marks one; 'annot sync' brings the others' statuses)"
        case .blind(let what):
            "blind mode is on, and \(what) would show the other coders' codings: 'annot blind off' first"
        case .nothingGiven(let message):
            message
        case .conflictingImport(let article, let file):
            "article \(article) already exists with a different text; \(file) was not imported "
                + "(articles are immutable: import it under another file name)"
        case .duplicateInImport(let article, let files):
            "article \(article) appears in several files with different texts: \(files.joined(separator: ", "))"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .quoteNotFound(let article, let quote):
            "the quote '\(quote.prefix(60))' is not in article \(article) (quotes must match the text exactly)"
        case .ambiguousQuote(let article, let occurrences):
            "the quote appears \(occurrences) times in article \(article): choose one with --occurrence 1...\(occurrences)"
        case .noSuchOccurrence(let article, let occurrence, let occurrences):
            "occurrence \(occurrence) does not exist: the quote appears \(occurrences) time(s) in article \(article)"
        case .formatOne(let path):
            "the replica at \(path) was made before signed operations (wire format 1) and can no longer sync; carry your "
                + "work over with 'annot upgrade --replica \(path)' (docs/sync-model.md, \"Upgrading from format 1\")"
        case .changesetOverlap(let hlc):
            "a changeset shares operation \(hlc) with another changeset this replica holds: it was forged or made by a copied replica; nothing was applied"
        case .forgedAuthor(let author, let owner, let key):
            "a changeset claims author '\(author)' but is signed by key \(key.prefix(16))…, which belongs to '\(owner)'; nothing was applied"
        case .importNotAllowed(let user, let role):
            "\(user) is \(role == "annotator" || role == "admin" ? "an" : "a") \(role) on the sync server, and only curators import articles: "
                + "'annot sync' brings the corpus, or ask an admin for the curator role"
        case .keyConflict(let message):
            message
        case .unknownKey(let key):
            "no key \(key) in this replica's directory: 'annot key list' shows the keys"
        case .protocolViolation(let message):
            message
        case .snapshotRefused(let reason):
            "the server's snapshot was refused: \(reason)"
        case .replicaBusy(let message):
            message
        case .invalid(let error):
            error.description
        case .storage(let message):
            "storage error: \(message)"
        }
    }

    private static func list(_ candidates: [String]) -> String {
        let shown = candidates.prefix(8).joined(separator: ", ")
        return candidates.count > 8 ? shown + ", …" : shown
    }

    /// Whether the error is two different operations with one timestamp, or a changeset
    /// held in part: a forgery or a copied replica.
    public var isCollision: Bool {
        switch self {
        case .changesetOverlap: true
        case .invalid(.collision): true
        default: false
        }
    }

    /// Runs `body`, turning model and SQLite errors into ``ReplicaError``.
    static func guarded<T>(_ body: () throws -> T) throws(ReplicaError) -> T {
        do {
            return try body()
        } catch let error as ReplicaError {
            throw error
        } catch let error as SyncCoreError {
            throw .invalid(error)
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                throw .storage("the replica stayed locked by another process for too long; try again")
            case .SQLITE_FULL:
                throw .storage("the disk is full")
            case .SQLITE_READONLY:
                throw .storage("the replica is read-only")
            default:
                throw .storage(error.message ?? "\(error.resultCode)")
            }
        } catch {
            throw .storage("\(error)")
        }
    }
}
