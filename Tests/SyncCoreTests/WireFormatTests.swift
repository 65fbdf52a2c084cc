import Foundation
import Testing

@testable import SyncCore

@Suite(.timeLimit(.minutes(10)))
struct WireFormatTests {
    typealias F = Fixtures

    // MARK: - Every kind, in one place

    /// The kind's wire name, by an exhaustive switch: a new case of ``Action`` does not
    /// compile here until it is named, and the test below then fails until the kind is in
    /// ``Action/kinds`` and in the fixtures.
    static func wireName(_ action: Action) -> String {
        switch action {
        case .importArticle: ImportArticle.kind
        case .addTag: AddTag.kind
        case .removeTag: RemoveTag.kind
        case .createNote: CreateNote.kind
        case .editNote: EditNote.kind
        case .deleteNote: DeleteNote.kind
        case .createHighlight: CreateHighlight.kind
        case .deleteHighlight: DeleteHighlight.kind
        case .renameTag: RenameTag.kind
        case .mergeTag: MergeTag.kind
        case .describeTag: DescribeTag.kind
        case .undoChangeset: UndoChangeset.kind
        case .articleStatus: ArticleStatus.kind
        case .decideTag: DecideTag.kind
        }
    }

    @Test func everyKindIsRegisteredAndInTheFixtures() {
        let names = F.oneOfEachKind().map { Self.wireName($0.action) }
        #expect(Set(names) == Set(Action.kindNames))
        #expect(Set(names).count == Action.kindNames.count)
        for operation in F.oneOfEachKind() {
            #expect(operation.action.kind == Self.wireName(operation.action))
            #expect(!operation.action.summary.isEmpty)
        }
    }

    @Test func everyKindOfOperationRoundTrips() throws {
        let changeset = try F.changeset(F.oneOfEachKind())
        let data = WireFormat.encode([changeset])
        let decoded = try WireFormat.decode(data)
        #expect(decoded == [changeset])
        #expect(decoded[0].operations.map(\.id) == changeset.operations.map(\.id))
        // Canonical: encoding the decoded value gives the same bytes.
        #expect(WireFormat.encode(decoded) == data)
    }

    @Test func anExtraFieldIsNamedInTheErrorWhateverTheKind() throws {
        // Given one operation of each kind, each with a field no kind has
        for operation in F.oneOfEachKind() {
            let json = operation.canonicalJSON.replacingOccurrences(of: #"{"#, with: #"{"zz_extra":1,"#, options: .anchored)
            // When it is decoded, Then the error names that field (not one the kind does have)
            #expect(throws: SyncCoreError.unknownField("zz_extra"), "\(operation.action)") {
                _ = try WireFormat.decodeOperation(json)
            }
        }
    }

    @Test func theEncodingIsValidJSONWithSortedKeys() throws {
        let data = WireFormat.encode([try F.changeset(F.oneOfEachKind())])
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(object["format"] as? String == "annot-changes")
        #expect(object["version"] as? Int == 2)
        // Every operation's keys are written in sorted order, and its id is the SHA-256 of its bytes.
        for operation in F.oneOfEachKind() {
            let json = WireFormat.encode(operation)
            let keys = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]).keys
            let positions = keys.map { json.range(of: "\"\($0)\":")!.lowerBound }
            #expect(zip(keys, positions).sorted { $0.1 < $1.1 }.map(\.0) == keys.sorted())
            #expect(operation.id.rawValue == Digest.sha256Hex(json))
        }
    }

    @Test func rawDocumentsMatchEncodedOnes() throws {
        let operations = F.oneOfEachKind()
        let changesets = [try F.changeset(Array(operations[0..<4])), try F.changeset(Array(operations[4...]))]
        let raw = WireFormat.document(rawChangesets: changesets.map(RawChangeset.init))
        #expect(Data(raw) == WireFormat.encode(changesets))
    }

    @Test func entityIDsAndTextHashesAreSHA256() {
        let time = F.stamp(1)
        #expect(EntityID(creator: time).rawValue == String(Digest.sha256Hex("annot-entity\n\(time)").prefix(32)))
        #expect(ContentHash.of("text") == "982d9e3eb996f559e633f4d194def3761d909f5a3b647d1a851fead67c32c9d1")
    }

    // MARK: - Hand-written documents

    static let op = #"{"article":"003","author":"alice","hlc":"018bcfe56800-00000000-\#(F.signer.replica)","kind":"tag.add","tag":"x"}"#

    static func document(_ operation: String, version: String = "2", format: String = "annot-changes") -> Data {
        F.document([operation], version: version, format: format)
    }

    static func replacing(_ target: String, with replacement: String) -> Data {
        document(op.replacingOccurrences(of: target, with: replacement))
    }

    @Test func aWellFormedHandWrittenDocumentDecodes() throws {
        let decoded = try WireFormat.decode(Self.document(Self.op))
        #expect(decoded.count == 1)
        #expect(decoded[0].operations[0].action == .addTag(article: try ArticleID("003"), tag: try TagName("x")))
        #expect(decoded[0].key == F.signer.key)
    }

    @Test(arguments: [
        (Data([0x7B, 0xFF, 0xFE, 0x7D]), SyncCoreError.badUTF8),
        (Data("{not json".utf8), .malformed("not valid JSON")),
        (Data("[]".utf8), .malformed("the document must be a JSON object")),
        (document(op, version: "3"), .unsupportedVersion(3)),
        (document(op, version: "1"), .unsupportedVersion(1)),
        (document(op, format: "other"), .malformed("format must be \"annot-changes\", not \"'other'\"")),
        (Data(#"{"format":"annot-changes","version":2}"#.utf8), .missingField("changesets")),
        (F.document([]), .malformed("a changeset must hold at least one operation")),
        (replacing("tag.add", with: "tag.fly"), .unknownKind("tag.fly")),
        (replacing(#","tag":"x""#, with: ""), .missingField("tag")),
        (replacing(#""tag":"x""#, with: #""tag":"x","color":"red""#), .unknownField("color")),
        (replacing("018bcfe56800-00000000-\(F.signer.replica)", with: "yesterday"), .badTimestamp("yesterday")),
        (replacing(#""alice""#, with: #""al ice""#), .invalidUserName("al ice")),
        (replacing(#""003""#, with: #""../etc""#), .invalidArticleID("../etc")),
        (replacing(#""tag":"x""#, with: #""tag":"""#), .invalidTag("", reason: "not a normalized tag name")),
        (replacing(#""tag":"x""#, with: #""tag":"Talks""#), .invalidTag("Talks", reason: "not a normalized tag name")),
        (replacing(#""tag":"x""#, with: "\"tag\":\"x\u{200B}y\""), .invalidTag("x\u{200B}y", reason: "not a normalized tag name")),
        (replacing(#""tag":"x""#, with: #""tag":"a  b""#), .invalidTag("a  b", reason: "not a normalized tag name")),
        (replacing(#""tag":"x""#, with: #""tag":7"#), .malformed("tag must be a string")),
    ])
    func malformedInputIsRejectedWithATypedError(data: Data, expected: SyncCoreError) {
        #expect(throws: expected) { try WireFormat.decode(data) }
    }

    @Test func oversizeValuesAreRejected() {
        let big = String(repeating: "a", count: CreateNote.maxBodyBytes + 1)
        let note = EntityID(creator: F.stamp(1))
        let json = #"{"article":"003","author":"alice","body":"\#(big)","hlc":"\#(F.stamp(1))","kind":"note.create","note":"\#(note)"}"#
        #expect(throws: SyncCoreError.oversize(field: "note body", limit: CreateNote.maxBodyBytes)) {
            try WireFormat.decode(Self.document(json))
        }
    }

    @Test func limitsCountScalarsNotGraphemeClusters() throws {
        // 1000 scalars that are 500 grapheme clusters (e + combining acute): at the limit.
        let title = String(repeating: "e\u{301}", count: 500)
        #expect(title.count == 500)
        let time = F.stamp(1)
        let ok = #"{"article":"003","author":"alice","hlc":"\#(time)","kind":"article.import","text":"t","title":"\#(title)"}"#
        #expect(try WireFormat.decode(Self.document(ok)).count == 1)
        let over = ok.replacingOccurrences(of: #""title":""#, with: #""title":"e"#)
        #expect(throws: SyncCoreError.oversize(field: "article title", limit: 1000)) { try WireFormat.decode(Self.document(over)) }
    }

    @Test func nulAndControlCharactersAreRefusedWhereTheyWouldDiffer() {
        let note = EntityID(creator: F.stamp(1))
        let body = #"{"article":"003","author":"alice","body":"a\u0000b","hlc":"\#(F.stamp(1))","kind":"note.create","note":"\#(note)"}"#
        #expect(throws: SyncCoreError.invalidValue(field: "note body", reason: "NUL characters are not allowed")) {
            try WireFormat.decode(Self.document(body))
        }
        let title = #"{"article":"003","author":"alice","hlc":"\#(F.stamp(1))","kind":"article.import","text":"t","title":"a\u001b]0;x\u0007"}"#
        #expect(throws: SyncCoreError.invalidValue(field: "article title", reason: "control characters are not allowed")) {
            try WireFormat.decode(Self.document(title))
        }
    }

    @Test func anOperationMayNameOnlyOperationsMadeBeforeIt() {
        // A removal listing a timestamp of the future: a guess at someone's next tag, made
        // to cancel it in advance. Likewise an edit superseding a version yet to come.
        let time = F.stamp(10)
        let later = Timestamp(milliseconds: 11, counter: 0, replica: F.bobSigner.replica)
        let remove = #"{"article":"003","author":"alice","hlc":"\#(time)","kind":"tag.remove","removes":["\#(later)"],"tag":"x"}"#
        let edit = #"{"author":"alice","base":["\#(time)"],"body":"b","hlc":"\#(time)","kind":"note.edit","note":"\#(EntityID(creator: time))"}"#
        #expect(throws: SyncCoreError.invalidValue(field: "removes", reason: "an operation may only name operations made before it")) {
            try WireFormat.decode(Self.document(remove))
        }
        #expect(throws: SyncCoreError.invalidValue(field: "base", reason: "an operation may only name operations made before it")) {
            try WireFormat.decode(Self.document(edit))
        }
    }

    @Test func aNoteIDThatDoesNotDeriveFromItsTimestampIsRejected() {
        let json = #"{"article":"003","author":"alice","body":"x","hlc":"\#(F.stamp(1))","kind":"note.create","note":"0123456789abcdef0123456789abcdef"}"#
        #expect(throws: SyncCoreError.invalidValue(field: "note", reason: "a new note's id must derive from its operation's hlc")) {
            try WireFormat.decode(Self.document(json))
        }
    }

    @Test func aHighlightWhoseQuoteDoesNotFitItsOffsetsIsRejected() {
        let time = F.stamp(1)
        let json = #"{"article":"003","author":"alice","end":9,"exact":"quick","highlight":"\#(EntityID(creator: time))","hlc":"\#(time)","kind":"highlight.create","prefix":"","start":2,"suffix":""}"#
        #expect(throws: SyncCoreError.invalidValue(field: "highlight", reason: "the quote's length does not match its offsets")) {
            try WireFormat.decode(Self.document(json))
        }
    }

    // MARK: - Signatures

    @Test func aTamperedOperationOrSignatureDoesNotVerify() throws {
        // Given a signed document
        let good = String(decoding: Self.document(Self.op), as: UTF8.self)
        // When an operation is changed after signing, or the signature is someone else's
        let tampered = good.replacingOccurrences(of: #""tag":"x""#, with: #""tag":"y""#)
        let otherSignature = String(decoding: F.document([Self.op], signer: F.bobSigner), as: UTF8.self)
            .replacingOccurrences(of: F.bobSigner.key.rawValue, with: F.signer.key.rawValue)
        // Then neither decodes
        for text in [tampered, otherSignature] {
            #expect(throws: SyncCoreError.badSignature("the signature of a changeset by alice does not verify")) {
                try WireFormat.decode(Data(text.utf8))
            }
        }
    }

    @Test func anOperationStampedByAnotherReplicaThanTheSignersIsRefused() {
        // Bob signs an operation stamped with alice's replica id: squatting her timestamps.
        #expect(throws: SyncCoreError.self) { try WireFormat.decode(F.document([Self.op], signer: F.bobSigner)) }
        #expect(throws: SyncCoreError.self) {
            try Changeset(
                signing: [F.operation(F.stamp(1), .addTag(article: F.article, tag: F.tag("x")))], with: F.bobSigner)
        }
    }

    @Test func theSameOperationTwiceInOneDocumentIsRefused() throws {
        // Two changesets sharing their first operation, as one hostile push would send them
        let one = String(decoding: Self.document(Self.op), as: UTF8.self)
        let changeset = String(one[one.range(of: "[{")!.upperBound..<one.range(of: "}],\"format\"")!.lowerBound])
        let twice = #"{"changesets":[{\#(changeset)},{\#(changeset)}],"format":"annot-changes","version":2}"#
        #expect(throws: SyncCoreError.duplicateOperation(try Timestamp(parsing: "018bcfe56800-00000000-\(F.signer.replica)"))) {
            try WireFormat.decode(Data(twice.utf8))
        }
    }

    @Test func changesetsMustNotMixAuthorsOrGoBackInTime() throws {
        let first = F.operation(F.stamp(2), F.alice, .addTag(article: F.article, tag: F.tag("a")))
        let other = F.operation(F.stamp(3), F.bob, .addTag(article: F.article, tag: F.tag("b")))
        let earlier = F.operation(F.stamp(1), F.alice, .addTag(article: F.article, tag: F.tag("c")))
        #expect(throws: SyncCoreError.malformed("the operations of one changeset must share an author")) {
            try F.changeset([first, other])
        }
        #expect(throws: SyncCoreError.malformed("the operations of a changeset must have increasing timestamps")) {
            try F.changeset([first, earlier])
        }
    }
}
