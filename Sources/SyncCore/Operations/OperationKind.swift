import Foundation

/// One kind of operation, defined in one place: its wire fields and their validation, its
/// reference merge into ``CorpusState``, and its summary in words.
///
/// Each kind is a struct in `Sources/SyncCore/Operations/`, listed once in
/// ``Action/kinds``; the SQLite replica applies it in `Sources/Replica/Operations/`. A test
/// checks that every kind listed round-trips through the wire format and both merges.
protocol OperationKind: Sendable, Hashable {
    /// The kind's name on the wire (`tag.add`).
    static var kind: String { get }
    /// Reads and validates the kind's own fields (everything but `author`, `hlc` and `kind`).
    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError)
    /// Writes the kind's own fields, in any order.
    func write(to object: inout WireObject)
    /// Records the operation's facts in the reference model.
    func merge(into state: inout CorpusState, _ operation: SyncOperation)
    /// The article the operation names directly, if any.
    var mentionedArticle: ArticleID? { get }
    /// The note or highlight the operation concerns, if any.
    var subject: EntityID? { get }
    /// One line in words, as `annot log` shows it.
    var summary: String { get }
    /// ``summary`` with each code it names shown by `naming` (its current path, in a
    /// replica), rather than by its id.
    func summary(naming: (TagName) -> String) -> String
    /// Wraps the kind as an ``Action``.
    var action: Action { get }
}

extension OperationKind {
    func summary(naming: (TagName) -> String) -> String { summary }
    var mentionedArticle: ArticleID? { nil }
    var subject: EntityID? { nil }
}

/// The limits and character rules every peer applies to wire strings, the same on the
/// server, the replica and the reference model.
///
/// Lengths are counted in UTF-8 bytes or Unicode scalars, never in grapheme clusters,
/// whose boundaries depend on the Unicode tables of the build.
enum WireText {
    /// A free text (article text, note body): any scalar but NUL, at most `maxBytes` of UTF-8.
    static func text(_ text: String, field: String, maxBytes: Int) throws(SyncCoreError) -> String {
        guard text.utf8.count <= maxBytes else { throw .oversize(field: field, limit: maxBytes) }
        guard !text.utf8.contains(0) else { throw .invalidValue(field: field, reason: "NUL characters are not allowed") }
        return text
    }

    /// A one-line text (a title): no control characters, at most `maxScalars` scalars.
    static func line(_ text: String, field: String, maxScalars: Int) throws(SyncCoreError) -> String {
        guard text.unicodeScalars.count <= maxScalars else { throw .oversize(field: field, limit: maxScalars) }
        guard !text.unicodeScalars.contains(where: isControl) else {
            throw .invalidValue(field: field, reason: "control characters are not allowed")
        }
        return text
    }

    /// C0 and C1 control characters and DEL.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}

/// The fields of one JSON object as read from the wire, remembering which were used so
/// that unknown fields are reported.
struct WireFields {
    let object: [String: Any]
    private var used: Set<String> = []

    init(_ object: [String: Any]) { self.object = object }

    mutating func value(_ key: String) throws(SyncCoreError) -> Any {
        guard let value = object[key], !(value is NSNull) else { throw .missingField(key) }
        used.insert(key)
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

    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(SyncCoreError) -> Int {
        let raw = try value(key)
        // JSONSerialization yields NSNumber for numbers and booleans alike (and `is Bool`
        // holds for 0 and 1): tell them apart by the stored type, and refuse fractions.
        guard let number = raw as? NSNumber, String(cString: number.objCType) != "c",
            let double = Optional(number.doubleValue), double.rounded() == double,
            double >= Double(range.lowerBound), double <= Double(range.upperBound)
        else { throw .malformed("\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)") }
        return Int(double)
    }

    mutating func array(_ key: String) throws(SyncCoreError) -> [Any] {
        guard let list = try value(key) as? [Any] else { throw .malformed("\(key) must be an array") }
        return list
    }

    mutating func articleID(_ key: String = "article") throws(SyncCoreError) -> ArticleID {
        try ArticleID(try string(key))
    }

    mutating func entityID(_ key: String) throws(SyncCoreError) -> EntityID {
        try EntityID(try string(key))
    }

    mutating func optionalEntityID(_ key: String) throws(SyncCoreError) -> EntityID? {
        try optionalString(key).map { (text: String) throws(SyncCoreError) in try EntityID(text) }
    }

    mutating func tag(_ key: String = "tag") throws(SyncCoreError) -> TagName {
        try TagName(wire: try string(key))
    }

    /// A list of distinct timestamps, at most ``WireFormat/maxReferences``, each earlier
    /// than `stamp`: an operation can only name what was made before it. (Honest replicas
    /// observe before they stamp; a later timestamp could only be a guess at someone's
    /// future work, made to cancel it in advance.)
    mutating func references(_ key: String, before stamp: Timestamp) throws(SyncCoreError) -> [Timestamp] {
        let list = try timestamps(key)
        guard list.allSatisfy({ $0 < stamp }) else {
            throw .invalidValue(field: key, reason: "an operation may only name operations made before it")
        }
        return list
    }

    /// A list of distinct timestamps, at most ``WireFormat/maxReferences``.
    mutating func timestamps(_ key: String) throws(SyncCoreError) -> [Timestamp] {
        let list = try array(key)
        guard list.count <= WireFormat.maxReferences else { throw .oversize(field: key, limit: WireFormat.maxReferences) }
        var result: [Timestamp] = []
        result.reserveCapacity(list.count)
        for item in list {
            guard let text = item as? String else { throw .malformed("\(key) must hold timestamp strings") }
            result.append(try Timestamp(parsing: text))
        }
        guard Set(result).count == result.count else {
            throw .invalidValue(field: key, reason: "the same timestamp is listed twice")
        }
        return result
    }

    /// Fails on the first field (in byte order) that nothing read.
    func finish() throws(SyncCoreError) {
        guard used.count == object.count else {
            throw .unknownField(object.keys.sorted().first { !used.contains($0) } ?? "")
        }
    }
}

/// The fields of one JSON object to write, put in canonical (byte) order when written.
struct WireObject {
    enum Value {
        case string(String)
        case integer(Int)
        case timestamps([Timestamp])
    }

    private(set) var fields: [(key: String, value: Value)] = []

    mutating func set(_ key: String, _ text: String) { fields.append((key, .string(text))) }
    mutating func set(_ key: String, _ number: Int) { fields.append((key, .integer(number))) }
    mutating func set(_ key: String, _ list: [Timestamp]) { fields.append((key, .timestamps(list))) }
    mutating func set(_ key: String, _ text: String?) { if let text { set(key, text) } }

    func write(to writer: inout JSONWriter) {
        writer.raw("{")
        var first = true
        for field in fields.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            writer.key(field.key, first: first)
            first = false
            switch field.value {
            case .string(let text): writer.value(text)
            case .integer(let number): writer.value(number)
            case .timestamps(let list): writer.array(list) { $0.value($1.description) }
            }
        }
        writer.raw("}")
    }
}
