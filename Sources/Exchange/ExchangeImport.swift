/// What an importer found in a file: codes, annotations to anchor in the corpus, and what
/// it could not take, each with the reason. Nothing in it is trusted: the replica checks
/// every article, quote and name again when it applies the plan.
public struct ExchangeImport: Sendable, Hashable {
    /// A code of the file's codebook.
    public struct Code: Sendable, Hashable {
        /// The code's path, from the file's hierarchy (`parent/child`).
        public var path: String
        public var memo: String?
        /// The file's own id of the code (a REFI-QDA GUID), kept to report.
        public var sourceID: String?

        public init(path: String, memo: String? = nil, sourceID: String? = nil) {
            self.path = path
            self.memo = memo
            self.sourceID = sourceID
        }
    }

    /// Where in an article an annotation sits: a quote (with optional context) and/or a
    /// position, in Unicode scalars, end exclusive.
    public struct Anchor: Sendable, Hashable {
        public var exact: String?
        public var prefix: String?
        public var suffix: String?
        public var start: Int?
        public var end: Int?

        public init(exact: String? = nil, prefix: String? = nil, suffix: String? = nil, start: Int? = nil, end: Int? = nil) {
            self.exact = exact
            self.prefix = prefix
            self.suffix = suffix
            self.start = start
            self.end = end
        }
    }

    /// One annotation: codes and notes on an article as a whole (no anchor) or on a span,
    /// or a reply to another annotation of the same file.
    public struct Annotation: Sendable, Hashable {
        /// The file's id of the annotation (an IRI, a GUID), which replies name.
        public var sourceID: String
        /// How the file names the article (an IRI, a file name, an article id).
        public var article: String?
        public var anchor: Anchor?
        /// Code paths.
        public var codes: [String]
        /// Note texts.
        public var notes: [String]
        /// The `sourceID` of the annotation this one replies to (or `note:` and a note's id).
        public var replyTo: String?
        /// The file's ids of `notes`, in order, which replies may name as `note:` and the id.
        public var noteIDs: [String] = []

        public init(
            sourceID: String, article: String?, anchor: Anchor?, codes: [String] = [], notes: [String] = [],
            replyTo: String? = nil
        ) {
            self.sourceID = sourceID
            self.article = article
            self.anchor = anchor
            self.codes = codes
            self.notes = notes
            self.replyTo = replyTo
        }
    }

    /// A text the file carries (a REFI-QDA text source), which annotations name as
    /// `source:` and its `sourceID`: matched to an article by name or by text, or imported.
    public struct Source: Sendable, Hashable {
        public var sourceID: String
        public var name: String
        public var title: String?
        public var text: String

        public init(sourceID: String, name: String, title: String?, text: String) {
            self.sourceID = sourceID
            self.name = name
            self.title = title
            self.text = text
        }
    }

    public var codes: [Code]
    public var sources: [Source] = []
    public var annotations: [Annotation]
    /// What the file holds that the model does not, or that could not be read: one line each.
    public var skipped: [String]

    public init(codes: [Code] = [], annotations: [Annotation] = [], skipped: [String] = []) {
        self.codes = codes
        self.annotations = annotations
        self.skipped = skipped
    }
}
