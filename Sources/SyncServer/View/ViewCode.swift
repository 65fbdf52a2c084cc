import Foundation
import SyncCore

/// One code of the merged view's codebook, as its store keeps it: the first operation that
/// named it, its registers (``CodeRegisters``), the link its place derives from, and its
/// place (``CodePlace``).
public struct ViewCode: Sendable, Hashable {
    public var id: TagName
    public var created: Timestamp
    public var createdBy: UserName
    /// The winning name version, `nil` when the code was never renamed or merged.
    public var winner: TagVersion?
    /// The code its place derives from (``CodebookResolver/link(of:winner:)``).
    public var link: TagName?
    /// Its place: "" until it is placed.
    public var path: String
    public var representative: TagName
    public var memo: String?
    public var nameConflicts: [CorpusSnapshot.CodeVersion]
    public var memoConflicts: [CorpusSnapshot.NoteConflict]

    /// A code named for the first time by `mention`, never renamed, not yet placed.
    init(id: TagName, mention: CodeMention) {
        self.id = id
        created = mention.timestamp
        createdBy = mention.author
        winner = nil
        link = id.parent
        path = ""
        representative = id
        memo = nil
        nameConflicts = []
        memoConflicts = []
    }

    public init(
        id: TagName, created: Timestamp, createdBy: UserName, winner: TagVersion?, link: TagName?, path: String,
        representative: TagName, memo: String?, nameConflicts: [CorpusSnapshot.CodeVersion],
        memoConflicts: [CorpusSnapshot.NoteConflict]
    ) {
        self.id = id
        self.created = created
        self.createdBy = createdBy
        self.winner = winner
        self.link = link
        self.path = path
        self.representative = representative
        self.memo = memo
        self.nameConflicts = nameConflicts
        self.memoConflicts = memoConflicts
    }

    /// The code as the export shows it.
    public var element: CorpusSnapshot.Code {
        CorpusSnapshot.Code(
            id: id, name: path, mergedInto: representative == id ? nil : representative, created: created, createdBy: createdBy,
            memo: memo, nameConflicts: nameConflicts, memoConflicts: memoConflicts)
    }

    /// The winner's columns: `(parent, label, into)`.
    var winnerColumns: (parent: String?, label: String?, into: String?) {
        switch winner?.value {
        case nil: (nil, nil, nil)
        case .name(let parent, let label): (parent?.rawValue, label, nil)
        case .merge(let into): (nil, nil, into.rawValue)
        }
    }

    /// The winner read back from its columns.
    static func winner(hlc: String?, author: String?, parent: String?, label: String?, into: String?) throws -> TagVersion? {
        guard let hlc, let author else { return nil }
        let value: TagVersion.Value =
            if let into { .merge(into: TagName(normalized: into)) } else { .name(parent: parent.map(TagName.init(normalized:)), label: label ?? "") }
        return TagVersion(timestamp: try Timestamp(parsing: hlc), author: try UserName(author), value: value)
    }

    /// The conflicts as stored: compact JSON arrays.
    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
