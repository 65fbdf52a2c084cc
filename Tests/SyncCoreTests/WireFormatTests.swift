import Foundation
import Testing

@testable import SyncCore

struct WireFormatTests {
    @Test func everyKindOfOperationRoundTrips() throws {
        let changeset = try Changeset(Fixtures.oneOfEachKind())
        let data = WireFormat.encode([changeset])
        let decoded = try WireFormat.decode(data)
        #expect(decoded == [changeset])
        // Canonical: encoding the decoded value gives the same bytes.
        #expect(WireFormat.encode(decoded) == data)
    }

    @Test func theEncodingIsValidJSONWithSortedKeys() throws {
        let data = WireFormat.encode([try Changeset(Fixtures.oneOfEachKind())])
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(object["format"] as? String == "annot-changes")
        #expect(object["version"] as? Int == 1)
        let reencoded = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        #expect(try JSONSerialization.jsonObject(with: reencoded) as? NSDictionary == object as NSDictionary)
        // Every operation's keys are written in sorted order.
        for operation in Fixtures.oneOfEachKind() {
            let json = WireFormat.encode(operation)
            let keys = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]).keys
            let positions = keys.map { json.range(of: "\"\($0)\":")!.lowerBound }
            #expect(zip(keys, positions).sorted { $0.1 < $1.1 }.map(\.0) == keys.sorted())
        }
    }

    @Test func rawDocumentsMatchEncodedOnes() throws {
        let operations = Fixtures.oneOfEachKind()
        let changesets = [try Changeset(Array(operations[0..<4])), try Changeset(Array(operations[4...]))]
        let raw = WireFormat.document(rawChangesets: changesets.map { $0.operations.map(WireFormat.encode) })
        #expect(Data(raw) == WireFormat.encode(changesets))
    }

    static let op = #"{"article":"003","author":"alice","hlc":"018bcfe56800-00000000-aaaa","kind":"tag.add","tag":"x"}"#

    static func document(_ operations: String, version: String = "1", format: String = "annot-changes") -> Data {
        Data(#"{"changesets":[{"operations":[\#(operations)]}],"format":"\#(format)","version":\#(version)}"#.utf8)
    }

    @Test func aWellFormedHandWrittenDocumentDecodes() throws {
        let decoded = try WireFormat.decode(Self.document(Self.op))
        #expect(decoded.count == 1)
        #expect(decoded[0].operations[0].action == .addTag(article: try ArticleID("003"), tag: try TagName("x")))
    }

    @Test(arguments: [
        (Data([0x7B, 0xFF, 0xFE, 0x7D]), SyncCoreError.badUTF8),
        (Data("{not json".utf8), .malformed("not valid JSON")),
        (Data("[]".utf8), .malformed("the document must be a JSON object")),
        (document(op, version: "2"), .unsupportedVersion(2)),
        (document(op, format: "other"), .malformed("format must be \"annot-changes\", not \"other\"")),
        (Data(#"{"format":"annot-changes","version":1}"#.utf8), .missingField("changesets")),
        (document(""), .malformed("a changeset must hold at least one operation")),
        (document(op.replacingOccurrences(of: "tag.add", with: "tag.rename")), .unknownKind("tag.rename")),
        (document(op.replacingOccurrences(of: #","tag":"x""#, with: "")), .missingField("tag")),
        (document(op.replacingOccurrences(of: #""tag":"x""#, with: #""tag":"x","color":"red""#)), .unknownField("color")),
        (document(op.replacingOccurrences(of: "018bcfe56800-00000000-aaaa", with: "yesterday")), .badTimestamp("yesterday")),
        (document(op.replacingOccurrences(of: #""alice""#, with: #""al ice""#)), .invalidUserName("al ice")),
        (document(op.replacingOccurrences(of: #""003""#, with: #""../etc""#)), .invalidArticleID("../etc")),
        (document(op.replacingOccurrences(of: #""tag":"x""#, with: #""tag":"""#)), .invalidTag("", reason: "not a normalized tag name")),
        (document(op.replacingOccurrences(of: #""tag":"x""#, with: #""tag":7"#)), .malformed("tag must be a string")),
    ])
    func malformedInputIsRejectedWithATypedError(data: Data, expected: SyncCoreError) {
        #expect(throws: expected) { try WireFormat.decode(data) }
    }

    @Test func oversizeValuesAreRejected() {
        let big = String(repeating: "a", count: WireFormat.maxNoteBytes + 1)
        let note = EntityID(creator: Fixtures.stamp(1))
        let json = #"{"article":"003","author":"alice","body":"\#(big)","hlc":"\#(Fixtures.stamp(1))","kind":"note.create","note":"\#(note)"}"#
        #expect(throws: SyncCoreError.oversize(field: "note body", limit: WireFormat.maxNoteBytes)) {
            try WireFormat.decode(Self.document(json))
        }
    }

    @Test func aNoteIDThatDoesNotDeriveFromItsTimestampIsRejected() {
        let json = #"{"article":"003","author":"alice","body":"x","hlc":"\#(Fixtures.stamp(1))","kind":"note.create","note":"0123456789abcdef"}"#
        #expect(throws: SyncCoreError.invalidValue(field: "note", reason: "a new note's id must derive from its operation's hlc")) {
            try WireFormat.decode(Self.document(json))
        }
    }

    @Test func aHighlightWhoseQuoteDoesNotFitItsOffsetsIsRejected() {
        let time = Fixtures.stamp(1)
        let json = #"{"article":"003","author":"alice","end":9,"exact":"quick","highlight":"\#(EntityID(creator: time))","hlc":"\#(time)","kind":"highlight.create","prefix":"","start":2,"suffix":""}"#
        #expect(throws: SyncCoreError.invalidValue(field: "highlight", reason: "the quote's length does not match its offsets")) {
            try WireFormat.decode(Self.document(json))
        }
    }

    @Test func changesetsMustNotMixAuthorsOrGoBackInTime() throws {
        let first = Fixtures.operation(Fixtures.stamp(2), Fixtures.alice, .addTag(article: Fixtures.article, tag: Fixtures.tag("a")))
        let other = Fixtures.operation(Fixtures.stamp(3), Fixtures.bob, .addTag(article: Fixtures.article, tag: Fixtures.tag("b")))
        let earlier = Fixtures.operation(Fixtures.stamp(1), Fixtures.alice, .addTag(article: Fixtures.article, tag: Fixtures.tag("c")))
        #expect(throws: SyncCoreError.malformed("the operations of one changeset must share an author and a replica")) {
            try Changeset([first, other])
        }
        #expect(throws: SyncCoreError.malformed("the operations of a changeset must have increasing timestamps")) {
            try Changeset([first, earlier])
        }
    }
}
