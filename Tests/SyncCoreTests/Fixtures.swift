import Foundation

@testable import SyncCore

/// Builders of operations for tests, with explicit timestamps.
enum Fixtures {
    static let alice = try! UserName("alice")
    static let bob = try! UserName("bob")
    static let article = try! ArticleID("003_e7379399b3230908")

    /// Alice's replica key: stamps without a replica name are hers, so they can be signed.
    static let signer = ReplicaSigner(seed: 1)
    /// Bob's.
    static let bobSigner = ReplicaSigner(seed: 2)

    /// A timestamp of `replica` (alice's signing replica by default).
    static func stamp(_ milliseconds: UInt64, _ replica: String? = nil, counter: UInt32 = 0) -> Timestamp {
        Timestamp(milliseconds: milliseconds, counter: counter, replica: replica.map { try! ReplicaID($0) } ?? signer.replica)
    }

    /// Alice's operations as one signed changeset.
    static func changeset(_ operations: [SyncOperation]) throws -> Changeset {
        try Changeset(signing: operations, with: signer)
    }

    /// A changes document of one changeset holding `operations` (canonical JSON strings),
    /// signed by `signer` over the SHA-256 of each string.
    static func document(
        _ operations: [String], signer: ReplicaSigner = signer, version: String = "2", format: String = "annot-changes"
    ) -> Data {
        var message = Array("annot-changeset 2\n\(signer.key.rawValue)\n".utf8)
        for operation in operations { message += Digest.sha256Hex(operation).utf8 + [0x0A] }
        let signature = signer.sign(message).rawValue
        return Data(
            #"{"changesets":[{"key":"\#(signer.key.rawValue)","operations":[\#(operations.joined(separator: ","))],"signature":"\#(signature)"}],"format":"\#(format)","version":\#(version)}"#
                .utf8)
    }

    static func operation(_ time: Timestamp, _ author: UserName, _ action: Action) -> SyncOperation {
        SyncOperation(timestamp: time, author: author, action: action)
    }

    static func operation(_ time: Timestamp, _ action: Action) -> SyncOperation {
        SyncOperation(timestamp: time, author: alice, action: action)
    }

    static func tag(_ name: String) -> TagName { try! TagName(name) }

    /// One operation of every kind, stamped by one replica in increasing order.
    static func oneOfEachKind() -> [SyncOperation] {
        let t = (1...18).map { stamp(1_700_000_000_000 + UInt64($0)) }
        let note = EntityID(creator: t[3])
        let highlight = EntityID(creator: t[6])
        let selector = TextSelector(text: "The quick brown fox", start: 4, end: 9)
        return [
            operation(t[0], .importArticle(article: article, title: "Title \"quoted\"", text: "Line 1\nLine\t2 — ü ✓ \\")),
            operation(t[1], .addTag(article: article, tag: tag("talks/doha"))),
            operation(t[2], .removeTag(article: article, tag: tag("talks/doha"), removes: [t[1]])),
            operation(t[3], .createNote(note: note, article: article, body: "first", highlight: nil)),
            operation(t[4], .editNote(note: note, body: "second\u{0001}", base: [t[3]])),
            operation(t[5], .deleteNote(note: note, base: [t[4]])),
            operation(t[6], .createHighlight(highlight: highlight, article: article, selector: selector)),
            operation(t[7], .createNote(note: EntityID(creator: t[7]), article: article, body: "on it", highlight: highlight)),
            operation(t[8], .addTag(article: article, tag: tag("ceasefire"), highlight: highlight)),
            operation(t[9], .removeTag(article: article, tag: tag("ceasefire"), highlight: highlight, removes: [t[8]])),
            operation(t[10], .renameTag(tag: tag("talks/doha"), parent: tag("negotiations"), label: "doha", base: [])),
            operation(t[11], .mergeTag(tag: tag("truce"), into: tag("ceasefire"), base: [])),
            operation(t[12], .describeTag(tag: tag("ceasefire"), memo: "Any halt to fighting.\nFormal or not.", base: [])),
            operation(
                t[13],
                .createNote(note: EntityID(creator: t[13]), article: article, body: "a reply", highlight: nil, replyTo: note)),
            operation(t[14], .deleteHighlight(highlight: highlight)),
            operation(t[15], .undoChangeset(ChangesetID(message: Array("a changeset".utf8)))),
            operation(t[16], .articleStatus(article: article, done: true)),
            operation(
                t[17], .decideTag(article: article, tag: tag("ceasefire"), highlight: highlight, decision: .reject, base: [])),
        ]
    }
}
