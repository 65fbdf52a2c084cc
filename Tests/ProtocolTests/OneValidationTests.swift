import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SeededRandom
import SyncCore
import TestSupport
import Testing

@testable import Replica

/// One validation for every peer: the reference model, the SQLite replica (by file) and
/// the server (a push through its router) accept and refuse exactly the same documents,
/// thousands of them made by a seeded mutator from valid ones and signed again, so that
/// what decides is validation, not the signature. The states they end in are then equal.
@Suite(.timeLimit(.minutes(10)))
struct OneValidationTests {
    static var documents: Int { ProcessInfo.processInfo.environment["MUTATION_DOCUMENTS"].flatMap(Int.init) ?? 1500 }

    @Test func theModelTheReplicaAndTheServerAgreeOnEveryMutatedDocument() async throws {
        let folder = TemporaryFolder()
        let server = try InProcessServer()
        let token = try await server.addUser("alice")
        let replica = try LocalReplica.create(at: folder.path("r.sqlite"), user: try UserName("reader"))
        _ = try replica.trust(key: Mutator.signer.key, user: try UserName("alice"), role: "curator")
        let (disagreements, accepted, model) = try await server.test { client in
            var mutator = Mutator(seed: 0x5EED)
            var model = CorpusState()
            var disagreements: [String] = []
            var accepted = 0
            let transport = RouterTransport(client: client, token: token)
            for index in 0..<Self.documents {
                let document = mutator.next()
                // The model: the wire format's decoder, the drift bound, the key's owner, and collisions.
                var modelAccepts = false
                if let changesets = try? WireFormat.decode(document), Self.admits(changesets, model) {
                    modelAccepts = true
                    for changeset in changesets { model.apply(changeset) }
                }
                let replicaAccepts: Bool
                do {
                    _ = try replica.apply(try WireFormat.decode(document), origin: .file)
                    replicaAccepts = true
                } catch {
                    replicaAccepts = false
                }
                let serverAccepts = try await InProcessServer.blocking {
                    (try? transport.send(method: "POST", path: "/v1/push", body: Array(document))) != nil
                }
                if modelAccepts { accepted += 1 }
                if modelAccepts != replicaAccepts || modelAccepts != serverAccepts {
                    disagreements.append(
                        "document \(index) (model \(modelAccepts), replica \(replicaAccepts), server \(serverAccepts)): "
                            + String(decoding: document.prefix(600), as: UTF8.self))
                }
            }
            let export = try await client.execute(uri: "/v1/export", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(String(buffer: export.body) == String(decoding: model.snapshot().canonicalJSON(), as: UTF8.self))
            return (disagreements, accepted, model)
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, first: \(disagreements.first ?? "")")
        // The mutator must exercise both sides.
        #expect(accepted > Self.documents / 10)
        #expect(accepted < Self.documents * 9 / 10)
        #expect(try replica.snapshot().canonicalJSON() == model.snapshot().canonicalJSON())
    }

    /// What every peer checks beyond decoding: timestamps within the drift bound of now, the
    /// key's owner (alice) as author, and no collision with what is held.
    static func admits(_ changesets: [Changeset], _ model: CorpusState) -> Bool {
        let clock = HybridLogicalClock(replica: Mutator.signer.replica)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        return changesets.allSatisfy { changeset in
            changeset.key == Mutator.signer.key && changeset.author.rawValue == "alice"
                && changeset.operations.allSatisfy { (try? clock.check($0.timestamp, now: now)) != nil && model.collision(with: $0) == nil }
        }
    }
}

/// Makes changes documents: valid ones of every kind, then mutated at one place (a value
/// replaced by a hostile one, a field dropped or added, a kind or timestamp changed, an
/// operation repeated), each re-signed by alice's key over what it now holds.
struct Mutator {
    static let signer = ReplicaSigner(seed: 0xA11CE)

    /// A JSON value, written canonically (sorted keys, the wire format's one escaping).
    indirect enum Value {
        case string(String)
        case integer(Int)
        case raw(String)
        case list([Value])
        case object([String: Value])
    }

    var random: SplitMix64
    var counter: UInt32 = 0
    var tags: [String] = []
    var notes: [(note: String, version: String)] = []
    var highlights: [String] = []
    let start = UInt64(Date().timeIntervalSince1970 * 1000) - 120_000

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func stamp() -> Timestamp {
        counter += 1
        return Timestamp(milliseconds: start + UInt64(counter / 8), counter: counter, replica: Self.signer.replica)
    }

    /// The next document: one to three operations, one of them mutated four times in five.
    mutating func next() -> Data {
        var operations = (0..<Int.random(in: 1...3, using: &random)).map { _ in valid() }
        if Int.random(in: 0..<5, using: &random) > 0 {
            let index = Int.random(in: 0..<operations.count, using: &random)
            operations = mutate(operations, at: index)
        }
        let texts = operations.map { Self.json(.object($0)) }
        var message = Array("annot-changeset 2\n\(Self.signer.key.rawValue)\n".utf8)
        for text in texts { message += Digest.sha256Hex(text).utf8 + [0x0A] }
        return Data(
            WireFormat.document(rawChangesets: [
                RawChangeset(key: Self.signer.key.rawValue, signature: Self.signer.sign(message).rawValue, operations: texts)
            ]))
    }

    mutating func valid() -> [String: Value] {
        let time = stamp()
        let hlc = time.description
        let article = ["003_e7379399b3230908", "004_03a8792a78a0fa29"].randomElement(using: &random)!
        var fields: [String: Value] = ["author": .string("alice"), "hlc": .string(hlc)]
        switch Int.random(in: 0..<8, using: &random) {
        case 0:
            fields["kind"] = .string("article.import")
            fields["article"] = .string(article)
            fields["title"] = .string("Title \(counter)")
            fields["text"] = .string("Text \(Int.random(in: 0..<3, using: &random)) of the talks.")
        case 1, 2:
            let tag = ["talks", "talks/doha", "précondition", "x"].randomElement(using: &random)!
            fields["kind"] = .string("tag.add")
            fields["article"] = .string(article)
            fields["tag"] = .string(tag)
            tags.append(hlc)
        case 3:
            fields["kind"] = .string("tag.remove")
            fields["article"] = .string(article)
            fields["tag"] = .string("talks")
            fields["removes"] = .list(tags.suffix(2).map(Value.string))
        case 4:
            let note = EntityID(creator: time).rawValue
            fields["kind"] = .string("note.create")
            fields["article"] = .string(article)
            fields["note"] = .string(note)
            fields["body"] = .string("A note \(counter).")
            if let highlight = highlights.last, Bool.random(using: &random) { fields["highlight"] = .string(highlight) }
            notes.append((note, hlc))
        case 5:
            guard let last = notes.last else { return valid() }
            fields["kind"] = .string(Bool.random(using: &random) ? "note.edit" : "note.delete")
            fields["note"] = .string(last.note)
            fields["base"] = .list([.string(last.version)])
            if case .string("note.edit") = fields["kind"]! { fields["body"] = .string("Edited \(counter).") }
            notes.append((last.note, hlc))
        case 6:
            let highlight = EntityID(creator: time).rawValue
            fields["kind"] = .string("highlight.create")
            fields["article"] = .string(article)
            fields["highlight"] = .string(highlight)
            fields["exact"] = .string("talks")
            fields["prefix"] = .string("The ")
            fields["suffix"] = .string(" resumed")
            fields["start"] = .integer(4)
            fields["end"] = .integer(9)
            highlights.append(highlight)
        default:
            guard let highlight = highlights.last else { return valid() }
            fields["kind"] = .string("highlight.delete")
            fields["highlight"] = .string(highlight)
        }
        return fields
    }

    /// Hostile values for a field: what the validation of one peer or another once let through.
    static let hostileStrings: [String] = [
        "", "a\u{0}b", "Talks", "ta\u{200B}lks", " talks", "talks ", "talks//doha", "e\u{301}", "\u{1B}]0;pwned\u{7}", "x\ny",
        "\u{FEFF}bom", "\u{202E}evil", String(repeating: "é", count: 65), String(repeating: "e\u{301}", count: 40),
        String(repeating: "a", count: 64 * 1024 + 1), "../etc", "0", "\u{10FFFF}", "💬", "abc", "Title\u{85}",
    ]

    static let hostileRaw: [String] = [
        "null", "true", "1.5", "-1", "4294967296", "1e3", "[]", "{}", "[1]", "\"1\"", "9007199254740993",
    ]

    mutating func mutate(_ operations: [[String: Value]], at index: Int) -> [[String: Value]] {
        var operations = operations
        var fields = operations[index]
        let keys = fields.keys.sorted()
        let key = keys.randomElement(using: &random)!
        switch Int.random(in: 0..<9, using: &random) {
        case 0, 1, 2:
            fields[key] = .string(Self.hostileStrings.randomElement(using: &random)!)
        case 3:
            fields[key] = .raw(Self.hostileRaw.randomElement(using: &random)!)
        case 4:
            fields[key] = nil
        case 5:
            fields[["color", "replyTo", "extra"].randomElement(using: &random)!] = .string("x")
        case 6:
            fields["kind"] = .string(Action.kindNames.randomElement(using: &random)! + (Bool.random(using: &random) ? "" : "s"))
        case 7:
            // Timestamps: an hour ahead, in 1970, another replica's, malformed, or reused.
            let time = stamp()
            let choices = [
                Timestamp(milliseconds: time.milliseconds + 3_600_000, counter: 0, replica: time.replica).description,
                Timestamp(milliseconds: 1000, counter: 0, replica: time.replica).description,
                Timestamp(milliseconds: time.milliseconds, counter: 0, replica: ReplicaSigner(seed: 9).replica).description,
                "018bcfe56800-00000000", tags.first ?? time.description,
            ]
            fields["hlc"] = .string(choices.randomElement(using: &random)!)
        default:
            operations.append(fields)
        }
        operations[index] = fields
        return operations
    }

    static func json(_ value: Value) -> String {
        switch value {
        case .string(let text):
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .integer(let number): return String(number)
        case .raw(let text): return text
        case .list(let items): return "[" + items.map(json).joined(separator: ",") + "]"
        case .object(let fields):
            let keys = fields.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return "{" + keys.map { json(.string($0)) + ":" + json(fields[$0]!) }.joined(separator: ",") + "}"
        }
    }
}
