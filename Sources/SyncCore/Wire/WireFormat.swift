import Foundation

/// The versioned JSON encoding of operations and changesets, shared by `annot changes`,
/// `annot apply` and the HTTP protocol. `docs/protocol.md` describes it field by field.
///
/// A document (format 2) is
/// `{"changesets":[{"key":K,"operations":[…],"signature":S}, …],"format":"annot-changes","version":2}`.
/// Encoding is canonical (sorted keys, no white space, one escaping), so an operation has
/// exactly one byte form, and its content id is the SHA-256 of that form. Decoding
/// validates everything, signatures included, and reports the first problem as a typed
/// ``SyncCoreError``; nothing malformed or unsigned gets through to a merge.
public enum WireFormat {
    /// The `format` value of a changes document.
    public static let formatName = "annot-changes"
    /// The format version this build writes, and the only one it reads.
    public static let version = 2

    /// The most timestamps a `removes` or `base` list may hold.
    public static let maxReferences = 1000

    // MARK: - Encoding

    /// Encodes changesets as one canonical changes document.
    public static func encode(_ changesets: [Changeset]) -> Data {
        Data(document(rawChangesets: changesets.map(RawChangeset.init)))
    }

    /// The canonical JSON of one operation, as stored in operation logs.
    public static func encode(_ operation: SyncOperation) -> String { operation.canonicalJSON }

    /// The canonical JSON of an operation: its kind's fields with `author`, `hlc` and
    /// `kind`, keys in byte order, no white space.
    static func canonicalJSON(timestamp: Timestamp, author: UserName, action: Action) -> String {
        var object = WireObject()
        object.set("author", author.rawValue)
        object.set("hlc", timestamp.description)
        object.set("kind", action.kind)
        action.body.write(to: &object)
        var writer = JSONWriter(capacity: 192)
        object.write(to: &writer)
        return writer.string
    }

    // MARK: - Decoding

    /// Decodes and validates a changes document, checking every signature.
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

    /// Decodes a changes document already parsed into a JSON object (for example the
    /// `changes` member of a pull response).
    public static func decode(document: [String: Any]) throws(SyncCoreError) -> [Changeset] {
        try decodeDocument(document)
    }

    static func decodeDocument(_ document: [String: Any]) throws(SyncCoreError) -> [Changeset] {
        var fields = WireFields(document)
        let format = try fields.string("format")
        guard format == formatName else { throw .malformed("format must be \"\(formatName)\", not \"\(SyncCoreError.quoted(format))\"") }
        guard let number = document["version"] as? NSNumber, String(cString: number.objCType) != "c",
            let version = Int(exactly: number.doubleValue)
        else { throw .malformed("version must be an integer") }
        _ = try fields.value("version")
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let list = try fields.array("changesets")
        try fields.finish()
        var changesets: [Changeset] = []
        changesets.reserveCapacity(list.count)
        var seen = Set<Timestamp>()
        for (index, item) in list.enumerated() {
            guard let object = item as? [String: Any] else { throw .malformed("changeset \(index) must be an object") }
            var changeset = WireFields(object)
            let key = try ReplicaKey(try changeset.string("key"))
            let signature = try ChangesetSignature(try changeset.string("signature"))
            let operations = try changeset.array("operations")
            try changeset.finish()
            guard operations.count <= Changeset.maxOperations else {
                throw .oversize(field: "changeset", limit: Changeset.maxOperations)
            }
            var decoded: [SyncOperation] = []
            decoded.reserveCapacity(operations.count)
            for element in operations {
                guard let object = element as? [String: Any] else { throw .malformed("an operation must be an object") }
                let operation = try decodeOperation(object)
                guard seen.insert(operation.timestamp).inserted else { throw .duplicateOperation(operation.timestamp) }
                decoded.append(operation)
            }
            changesets.append(try Changeset(decoded, key: key, signature: signature))
        }
        return changesets
    }

    /// Checks an operation made here exactly as a peer receiving it checks it: its fields
    /// go through its kind's reader, without a round trip through JSON text.
    /// - Throws: the ``SyncCoreError`` a peer would refuse it with.
    public static func validate(_ operation: SyncOperation) throws(SyncCoreError) {
        var object = WireObject()
        object.set("author", operation.author.rawValue)
        object.set("hlc", operation.timestamp.description)
        object.set("kind", operation.action.kind)
        operation.action.body.write(to: &object)
        var dictionary: [String: Any] = [:]
        for (key, value) in object.fields {
            switch value {
            case .string(let text): dictionary[key] = text
            case .integer(let number): dictionary[key] = NSNumber(value: number)
            case .timestamps(let list): dictionary[key] = list.map(\.description)
            }
        }
        _ = try decodeOperation(dictionary)
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
        var fields = WireFields(object)
        let timestamp = try Timestamp(parsing: try fields.string("hlc"))
        let author = try UserName(try fields.string("author"))
        let kind = try fields.string("kind")
        guard let definition = Action.kinds[kind] else { throw .unknownKind(kind) }
        let body = try definition.init(reading: &fields, stamp: timestamp)
        try fields.finish()
        return SyncOperation(timestamp: timestamp, author: author, action: body.action)
    }
}

// MARK: - Documents spliced from stored operations

/// A changeset as a log stores it: its key and signature, and its operations in canonical
/// JSON, ready to be written into a document without decoding them again.
public struct RawChangeset: Sendable {
    public let key: String
    public let signature: String
    public var operations: [String]

    public init(key: String, signature: String, operations: [String]) {
        self.key = key
        self.signature = signature
        self.operations = operations
    }

    public init(_ changeset: Changeset) {
        self.init(key: changeset.key.rawValue, signature: changeset.signature.rawValue, operations: changeset.operations.map(\.canonicalJSON))
    }
}

extension WireFormat {
    /// Groups operations read from a log in order into changesets: each run of consecutive
    /// operations with one changeset id is one group, ready for ``document(rawChangesets:)``.
    /// - Complexity: O(n).
    public static func changesetRuns<Operations: Sequence>(
        _ operations: Operations
    ) -> [RawChangeset] where Operations.Element == (changeset: String, key: String, signature: String, payload: String) {
        var groups: [RawChangeset] = []
        var current: String?
        for operation in operations {
            if operation.changeset != current {
                groups.append(RawChangeset(key: operation.key, signature: operation.signature, operations: []))
                current = operation.changeset
            }
            groups[groups.count - 1].operations.append(operation.payload)
        }
        return groups
    }

    /// Builds a changes document from changesets already in canonical JSON (as stored in an
    /// operation log), without decoding them again.
    ///
    /// The caller vouches that each group is one whole, signed changeset; the result is
    /// then byte-identical to ``encode(_:)-([Changeset])``.
    public static func document(rawChangesets groups: [RawChangeset]) -> [UInt8] {
        var writer = JSONWriter(capacity: groups.reduce(64) { $0 + $1.operations.reduce(220) { $0 + $1.utf8.count + 1 } })
        writer.raw("{")
        writer.key("changesets", first: true)
        writer.array(groups) { writer, group in
            writer.raw("{")
            writer.key("key", first: true)
            writer.value(group.key)
            writer.key("operations")
            writer.array(group.operations) { writer, json in writer.rawText(json) }
            writer.key("signature")
            writer.value(group.signature)
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
