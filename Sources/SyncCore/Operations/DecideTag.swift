/// `tag.decide`: a curator's decision on a code for an article, or for one of its
/// highlights (a coded span): `accept` (the code applies), `reject` (it does not) or
/// `clear` (no decision), superseding the decisions its author saw (`base`).
///
/// Decisions are the adjudicated layer: they never change the coders' own codings. Each
/// (article, code, highlight) is a register that merges like a note (``NoteResolution``):
/// the latest head wins, concurrent decisions stay visible as conflicts, and a decision
/// beats a concurrent clearing. Only curators and admins decide (docs/sync-model.md §4).
public struct DecideTag: OperationKind {
    public static let kind = "tag.decide"

    /// What a decision says.
    public enum Decision: String, Sendable, Hashable, Codable, CaseIterable {
        case accept
        case reject
        case clear
    }

    public let article: ArticleID
    var mentionedArticle: ArticleID? { article }
    /// The code's id.
    public let tag: TagName
    /// The highlight decided on, or nil for the whole article.
    public let highlight: EntityID?
    public let decision: Decision
    public let base: [Timestamp]

    public init(article: ArticleID, tag: TagName, highlight: EntityID?, decision: Decision, base: [Timestamp]) {
        self.article = article
        self.tag = tag
        self.highlight = highlight
        self.decision = decision
        self.base = base
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        let article = try fields.articleID()
        let tag = try fields.tag()
        let highlight = try fields.optionalEntityID("highlight")
        guard let decision = Decision(rawValue: try fields.string("decision")) else {
            throw .invalidValue(field: "decision", reason: "must be \"accept\", \"reject\" or \"clear\"")
        }
        self.init(
            article: article, tag: tag, highlight: highlight, decision: decision, base: try fields.references("base", before: stamp))
    }

    func write(to object: inout WireObject) {
        object.set("article", article.rawValue)
        object.set("base", base)
        object.set("decision", decision.rawValue)
        object.set("highlight", highlight?.rawValue)
        object.set("tag", tag.rawValue)
    }

    /// The register the decision writes.
    public var key: DecisionKey { DecisionKey(article: article, tag: tag, highlight: highlight) }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.mention(tag, operation)
        for version in base { state.decisionSupersessions.insert(CorpusState.DecisionSupersession(version: version, key: key)) }
        state.decisionVersions[key, default: [:]][operation.timestamp] = NoteVersion(
            timestamp: operation.timestamp, author: operation.author, body: decision == .clear ? nil : decision.rawValue)
    }

    var summary: String { summary(naming: \.rawValue) }
    func summary(naming: (TagName) -> String) -> String {
        let target = "\(article)\(highlight.map { " (highlight \($0.rawValue.prefix(7)))" } ?? "")"
        return switch decision {
        case .accept: "accepted '\(naming(tag))' on \(target)"
        case .reject: "rejected '\(naming(tag))' on \(target)"
        case .clear: "cleared the decision on '\(naming(tag))' for \(target)"
        }
    }
    var action: Action { .decideTag(self) }
}

/// What a decision is about: one code on one article, or on one of its highlights.
public struct DecisionKey: Sendable, Hashable, Codable, Comparable {
    public let article: ArticleID
    public let tag: TagName
    public let highlight: EntityID?

    public init(article: ArticleID, tag: TagName, highlight: EntityID?) {
        self.article = article
        self.tag = tag
        self.highlight = highlight
    }

    public static func < (a: DecisionKey, b: DecisionKey) -> Bool {
        (a.article, a.tag, a.highlight?.rawValue ?? "") < (b.article, b.tag, b.highlight?.rawValue ?? "")
    }
}
