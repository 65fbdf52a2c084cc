import Foundation

/// The versioned JSON encoding of operations and changesets, shared by `annot changes`,
/// `annot apply` and the HTTP protocol. `docs/protocol.md` describes it field by field.
///
/// A document is `{"changesets":[{"operations":[…]}, …],"format":"annot-changes","version":1}`.
/// Encoding is canonical (sorted keys, no white space, one escaping), so an operation has
/// exactly one byte form. Decoding validates everything and reports the first problem as a
/// typed ``SyncCoreError``; nothing malformed gets through to a merge.
public enum WireFormat {
    /// The `format` value of a changes document.
    public static let formatName = "annot-changes"
    /// The format version this build writes, and the newest it reads.
    public static let version = 1

    /// The largest article text, in UTF-8 bytes.
    public static let maxArticleBytes = 4 * 1024 * 1024
    /// The longest article title, in characters.
    public static let maxTitleLength = 1000
    /// The largest note body, in UTF-8 bytes.
    public static let maxNoteBytes = 64 * 1024
    /// The most timestamps a `removes` or `base` list may hold.
    public static let maxReferences = 1000

    // MARK: - Encoding

    /// Encodes changesets as one canonical changes document.
    public static func encode(_ changesets: [Changeset]) -> Data {
        var writer = JSONWriter(capacity: 128 * changesets.count + 64)
        writer.raw("{")
        writer.key("changesets", first: true)
        writer.array(changesets) { writer, changeset in
            writer.raw("{")
            writer.key("operations", first: true)
            writer.array(changeset.operations) { writer, operation in write(operation, to: &writer) }
            writer.raw("}")
        }
        writer.key("format")
        writer.value(formatName)
        writer.key("version")
        writer.value(version)
        writer.raw("}")
        return Data(writer.bytes)
    }

    /// The canonical JSON of one operation, as stored in operation logs.
    public static func encode(_ operation: SyncOperation) -> String {
        var writer = JSONWriter()
        write(operation, to: &writer)
        return writer.string
    }

    static func write(_ operation: SyncOperation, to writer: inout JSONWriter) {
        // Keys in byte order, so the output is canonical without sorting at run time.
        writer.raw("{")
        let action = operation.action
        switch action {
        case .importArticle(let article, let title, let text):
            writer.key("article", first: true); writer.value(article.rawValue)
            writeHeader(operation, to: &writer)
            writer.key("text"); writer.value(text)
            writer.key("title"); writer.value(title)
        case .addTag(let article, let tag):
            writer.key("article", first: true); writer.value(article.rawValue)
            writeHeader(operation, to: &writer)
            writer.key("tag"); writer.value(tag.rawValue)
        case .removeTag(let article, let tag, let removes):
            writer.key("article", first: true); writer.value(article.rawValue)
            writeHeader(operation, to: &writer)
            writer.key("removes"); writer.array(removes) { $0.value($1.description) }
            writer.key("tag"); writer.value(tag.rawValue)
        case .createNote(let note, let article, let body, let highlight):
            writer.key("article", first: true); writer.value(article.rawValue)
            writer.key("author"); writer.value(operation.author.rawValue)
            writer.key("body"); writer.value(body)
            if let highlight { writer.key("highlight"); writer.value(highlight.rawValue) }
            writer.key("hlc"); writer.value(operation.timestamp.description)
            writer.key("kind"); writer.value(action.kind)
            writer.key("note"); writer.value(note.rawValue)
        case .editNote(let note, let body, let base):
            writer.key("author", first: true); writer.value(operation.author.rawValue)
            writer.key("base"); writer.array(base) { $0.value($1.description) }
            writer.key("body"); writer.value(body)
            writer.key("hlc"); writer.value(operation.timestamp.description)
            writer.key("kind"); writer.value(action.kind)
            writer.key("note"); writer.value(note.rawValue)
        case .deleteNote(let note, let base):
            writer.key("author", first: true); writer.value(operation.author.rawValue)
            writer.key("base"); writer.array(base) { $0.value($1.description) }
            writer.key("hlc"); writer.value(operation.timestamp.description)
            writer.key("kind"); writer.value(action.kind)
            writer.key("note"); writer.value(note.rawValue)
        case .createHighlight(let highlight, let article, let selector):
            writer.key("article", first: true); writer.value(article.rawValue)
            writer.key("author"); writer.value(operation.author.rawValue)
            writer.key("end"); writer.value(selector.end)
            writer.key("exact"); writer.value(selector.exact)
            writer.key("highlight"); writer.value(highlight.rawValue)
            writer.key("hlc"); writer.value(operation.timestamp.description)
            writer.key("kind"); writer.value(action.kind)
            writer.key("prefix"); writer.value(selector.prefix)
            writer.key("start"); writer.value(selector.start)
            writer.key("suffix"); writer.value(selector.suffix)
        case .deleteHighlight(let highlight):
            writer.key("author", first: true); writer.value(operation.author.rawValue)
            writer.key("highlight"); writer.value(highlight.rawValue)
            writer.key("hlc"); writer.value(operation.timestamp.description)
            writer.key("kind"); writer.value(action.kind)
        }
        writer.raw("}")
    }

    /// `author`, `hlc`, `kind`: the fields every operation has, for kinds whose other keys sort around them.
    private static func writeHeader(_ operation: SyncOperation, to writer: inout JSONWriter) {
        writer.key("author"); writer.value(operation.author.rawValue)
        writer.key("hlc"); writer.value(operation.timestamp.description)
        writer.key("kind"); writer.value(operation.action.kind)
    }

    // MARK: - Decoding

    /// Decodes and validates a changes document.
    /// - Throws: ``SyncCoreError`` naming the first problem found; nothing is returned then.
    public static func decode(_ data: Data) throws(SyncCoreError) -> [Changeset] {
        guard String(validating: data, as: UTF8.self) != nil else { throw .badUTF8 }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw .malformed("not valid JSON")
        }
        guard let document = root as? [String: Any] else { throw .malformed("the document must be a JSON object") }
        return try decodeDocument(document)
    }

    static func decodeDocument(_ document: [String: Any]) throws(SyncCoreError) -> [Changeset] {
        var fields = Fields(document, context: "document")
        let format = try fields.string("format")
        guard format == formatName else { throw .malformed("format must be \"\(formatName)\", not \"\(format)\"") }
        let version = try fields.integer("version")
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let list = try fields.array("changesets")
        try fields.finish()
        var changesets: [Changeset] = []
        changesets.reserveCapacity(list.count)
        for (index, item) in list.enumerated() {
            guard let object = item as? [String: Any] else { throw .malformed("changeset \(index) must be an object") }
            var changeset = Fields(object, context: "changeset \(index)")
            let operations = try changeset.array("operations")
            try changeset.finish()
            var decoded: [SyncOperation] = []
            decoded.reserveCapacity(operations.count)
            for element in operations {
                guard let object = element as? [String: Any] else { throw .malformed("an operation must be an object") }
                decoded.append(try decodeOperation(object))
            }
            changesets.append(try Changeset(decoded))
        }
        return changesets
    }

    /// Decodes one operation from its canonical JSON (as stored in an operation log).
    public static func decodeOperation(_ json: String) throws(SyncCoreError) -> SyncOperation {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [])
        } catch {
            throw .malformed("not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else { throw .malformed("an operation must be an object") }
        return try decodeOperation(dictionary)
    }

    static func decodeOperation(_ object: [String: Any]) throws(SyncCoreError) -> SyncOperation {
        var fields = Fields(object, context: "operation")
        let timestamp = try Timestamp(parsing: try fields.string("hlc"))
        let author = try UserName(try fields.string("author"))
        let kind = try fields.string("kind")
        let action: Action
        switch kind {
        case "article.import":
            let text = try fields.string("text")
            guard text.utf8.count <= maxArticleBytes else { throw .oversize(field: "article text", limit: maxArticleBytes) }
            let title = try fields.string("title")
            guard title.count <= maxTitleLength else { throw .oversize(field: "article title", limit: maxTitleLength) }
            action = .importArticle(article: try ArticleID(try fields.string("article")), title: title, text: text)
        case "tag.add":
            action = .addTag(article: try ArticleID(try fields.string("article")), tag: try TagName(wire: try fields.string("tag")))
        case "tag.remove":
            action = .removeTag(
                article: try ArticleID(try fields.string("article")),
                tag: try TagName(wire: try fields.string("tag")),
                removes: try fields.timestamps("removes")
            )
        case "note.create":
            let highlight = try fields.optionalString("highlight").map { (text: String) throws(SyncCoreError) in try EntityID(text) }
            action = .createNote(
                note: try EntityID(try fields.string("note")),
                article: try ArticleID(try fields.string("article")),
                body: try noteBody(try fields.string("body")),
                highlight: highlight
            )
            guard case .createNote(let note, _, _, _) = action, note == EntityID(creator: timestamp) else {
                throw .invalidValue(field: "note", reason: "a new note's id must derive from its operation's hlc")
            }
        case "note.edit":
            action = .editNote(
                note: try EntityID(try fields.string("note")),
                body: try noteBody(try fields.string("body")),
                base: try fields.timestamps("base")
            )
        case "note.delete":
            action = .deleteNote(note: try EntityID(try fields.string("note")), base: try fields.timestamps("base"))
        case "highlight.create":
            let highlight = try EntityID(try fields.string("highlight"))
            guard highlight == EntityID(creator: timestamp) else {
                throw .invalidValue(field: "highlight", reason: "a new highlight's id must derive from its operation's hlc")
            }
            let selector = TextSelector(
                exact: try fields.string("exact"),
                prefix: try fields.string("prefix"),
                suffix: try fields.string("suffix"),
                start: try fields.integer("start"),
                end: try fields.integer("end")
            )
            try selector.validate()
            action = .createHighlight(highlight: highlight, article: try ArticleID(try fields.string("article")), selector: selector)
        case "highlight.delete":
            action = .deleteHighlight(highlight: try EntityID(try fields.string("highlight")))
        default:
            throw .unknownKind(kind)
        }
        try fields.finish()
        return SyncOperation(timestamp: timestamp, author: author, action: action)
    }

    /// Checks a note body: not empty, at most ``maxNoteBytes``.
    public static func noteBody(_ body: String) throws(SyncCoreError) -> String {
        guard !body.isEmpty else { throw .invalidValue(field: "note", reason: "a note may not be empty") }
        guard body.utf8.count <= maxNoteBytes else { throw .oversize(field: "note body", limit: maxNoteBytes) }
        return body
    }
}

/// Reads the fields of one JSON object, remembering which were used so that unknown
/// fields can be reported.
private struct Fields {
    let object: [String: Any]
    let context: String
    var used = 0

    init(_ object: [String: Any], context: String) {
        self.object = object
        self.context = context
    }

    mutating func value(_ key: String) throws(SyncCoreError) -> Any {
        guard let value = object[key], !(value is NSNull) else { throw .missingField(key) }
        used += 1
        return value
    }

    mutating func string(_ key: String) throws(SyncCoreError) -> String {
        guard let text = try value(key) as? String else { throw .malformed("\(key) must be a string") }
        return text
    }

    mutating func optionalString(_ key: String) throws(SyncCoreError) -> String? {
        guard object[key] != nil else { return nil }
        return try string(key)
    }

    mutating func integer(_ key: String) throws(SyncCoreError) -> Int {
        let raw = try value(key)
        // JSONSerialization yields NSNumber for numbers and booleans alike (and `is Bool`
        // holds for 0 and 1): tell them apart by the stored type, and refuse fractions.
        guard let number = raw as? NSNumber, String(cString: number.objCType) != "c",
            let integer = Int(exactly: number.doubleValue)
        else { throw .malformed("\(key) must be an integer") }
        return integer
    }

    mutating func array(_ key: String) throws(SyncCoreError) -> [Any] {
        guard let list = try value(key) as? [Any] else { throw .malformed("\(key) must be an array") }
        return list
    }

    mutating func timestamps(_ key: String) throws(SyncCoreError) -> [Timestamp] {
        let list = try array(key)
        guard list.count <= WireFormat.maxReferences else { throw .oversize(field: key, limit: WireFormat.maxReferences) }
        var result: [Timestamp] = []
        result.reserveCapacity(list.count)
        for item in list {
            guard let text = item as? String else { throw .malformed("\(key) must hold timestamp strings") }
            result.append(try Timestamp(parsing: text))
        }
        return result
    }

    func finish() throws(SyncCoreError) {
        guard used == object.count else {
            let unknown = object.keys.sorted().first { key in !Self.known.contains(key) } ?? object.keys.sorted()[0]
            throw .unknownField("\(unknown)")
        }
    }

    // Used only to name an unknown field in the error; `used` is what detects one.
    private static let known: Set<String> = [
        "article", "author", "base", "body", "changesets", "end", "exact", "format", "highlight", "hlc", "kind",
        "note", "operations", "prefix", "removes", "start", "suffix", "tag", "text", "title", "version",
    ]
}

extension WireFormat {
    /// Builds a changes document from operations already in canonical JSON (as stored in
    /// an operation log), grouped by changeset, without decoding them again.
    ///
    /// The caller vouches that each string is one canonical operation and each group one
    /// changeset; the result is then byte-identical to ``encode(_:)-([Changeset])``.
    /// Groups operations read from a log in order into changesets: each run of consecutive
    /// operations with one changeset id is one group, ready for ``document(rawChangesets:)``.
    /// - Complexity: O(n).
    public static func changesetRuns<Operations: Sequence>(
        _ operations: Operations
    ) -> [[String]] where Operations.Element == (changeset: String, payload: String) {
        var groups: [[String]] = []
        var current: String?
        for operation in operations {
            if operation.changeset != current {
                groups.append([])
                current = operation.changeset
            }
            groups[groups.count - 1].append(operation.payload)
        }
        return groups
    }

    public static func document(rawChangesets groups: [[String]]) -> [UInt8] {
        var writer = JSONWriter(capacity: groups.reduce(64) { $0 + $1.reduce(20) { $0 + $1.utf8.count + 1 } })
        writer.raw("{")
        writer.key("changesets", first: true)
        writer.array(groups) { writer, operations in
            writer.raw("{")
            writer.key("operations", first: true)
            writer.array(operations) { writer, json in writer.rawText(json) }
            writer.raw("}")
        }
        writer.key("format")
        writer.value(formatName)
        writer.key("version")
        writer.value(version)
        writer.raw("}")
        return writer.bytes
    }
}

extension WireFormat {
    /// Decodes a changes document already parsed into a JSON object (for example the
    /// `changes` member of a pull response).
    public static func decode(document: [String: Any]) throws(SyncCoreError) -> [Changeset] {
        try decodeDocument(document)
    }
}
