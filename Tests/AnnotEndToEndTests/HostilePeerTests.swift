import Foundation
import TestSupport
import SyncCore
import Testing

extension EndToEnd {
/// The attacks of a hostile annotator (with nothing but a valid token of their own), of a
/// copied replica, and of a server restored from a backup, against real `syncd` and
/// `annot` processes (docs/sync-model.md, "Trust model"). Each worked before wire format 2.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct HostilePeerTests {
    let folder = TemporaryFolder()

    func startServer(_ name: String = "server") throws -> SyncdProcess {
        let server = SyncdProcess(data: folder.path(name))
        try server.start()
        return server
    }

    /// An analyst with a replica pointed at `server`; a curator imports the sample corpus.
    func analyst(_ name: String, server: SyncdProcess, role: String = "curator", imports: Bool = true) throws -> AnnotCLI {
        try server.analyst(name, in: folder, role: role, imports: imports)
    }

    func export(_ server: SyncdProcess) throws -> String {
        let (status, body) = try server.get("/v1/export", token: try server.addUser("auditor", role: "reader"))
        #expect(status == 200)
        return String(decoding: body, as: UTF8.self)
    }

    /// The `error.code` of a JSON error answer.
    static func code(_ body: Data) -> String? {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?["code"]
            as? String
    }

    static func reason(_ body: Data) -> String? {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?["reason"]
            as? String
    }

    /// The newest operation's timestamp in an analyst's log.
    static func latest(_ cli: AnnotCLI) throws -> Timestamp {
        let log = try JSONSerialization.jsonObject(with: Data(try cli.run(["log", "--json", "--limit", "1"]).stdout.utf8))
        let hlc = try #require((log as? [[String: Any]])?.first?["hlc"] as? String)
        return try Timestamp(parsing: hlc)
    }

    static let article = try! ArticleID("003_e7379399b3230908")
    static var now: UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    // MARK: - 1. Squatting another replica's timestamps

    @Test func squattingAnotherReplicasTimestampsIsRefusedAndHidesNothing() throws {
        // Given alice, synced, and mallory, an annotator with a valid token of her own
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["sync"]))
        let mallory = Forger(name: "mallory", token: try server.addUser("mallory", role: "annotator"))
        try mallory.claimKey(on: server)
        // When mallory pushes an operation stamped with alice's replica id just ahead of her clock
        let ahead = try Self.latest(alice)
        let squat = Timestamp(milliseconds: ahead.milliseconds + 1000, counter: 0, replica: ahead.replica)
        let forged = try mallory.document([squat], action: .addTag(article: Self.article, tag: try TagName("squat")))
        let (status, body) = try server.post("/v1/push", body: forged, token: mallory.token)
        // Then the server refuses it: her key does not sign for alice's replica
        #expect(status == 400)
        #expect(Self.reason(body) == "bad_signature")
        // And alice's next work still reaches everyone, with nothing shown pending falsely
        expectSuccess(try alice.run(["tag", "003", "precondition"]))
        #expect(try alice.pending() == 1)
        let synced = expectSuccess(try alice.run(["sync", "--json"]))
        #expect(synced.json?["pushed"] as? Int == 1)
        let bob = try analyst("bob", server: server, imports: false)
        expectSuccess(try bob.run(["sync"]))
        #expect(try bob.run(["list", "--tag", "precondition"]).stdout.hasPrefix("003_e7379399b3230908"))
        #expect(!(try export(server)).contains("squat"))
    }

    @Test func aCopiedReplicaCollidingWithItsOriginalIsRefusedLoudly() throws {
        // Given alice's replica, synced, whose clock runs a minute ahead of the wall clock…
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["sync"]))
        try Self.sql(alice.replica, "UPDATE replica SET clock = '\(Timestamp(milliseconds: Self.now + 60_000, counter: 0, replica: try Self.latest(alice).replica))'")
        // …copied to another machine: both copies stamp their next operation alike
        let copy = AnnotCLI(replica: folder.path("copy.sqlite"))
        try FileManager.default.copyItem(atPath: alice.replica, toPath: copy.replica)
        expectSuccess(try alice.run(["tag", "003", "original"]))
        expectSuccess(try copy.run(["tag", "003", "copied"]))
        #expect(try Self.latest(alice) == Self.latest(copy))
        // When both sync
        expectSuccess(try alice.run(["sync"]))
        let second = expectSuccess(try copy.run(["sync"]))
        // Then the second is refused as a collision, said in one line, and kept on the copy,
        // which holds the original back rather than mix the two
        #expect(second.stderr.contains("refused 1"), "\(second.stderr)")
        #expect(second.stdout.contains("1 changeset(s) held back"), "\(second.stdout)")
        let status = try copy.run(["status"]).stdout
        #expect(status.contains("hlc_collision"), "\(status)")
        #expect(status.contains("copied replica"), "\(status)")
        #expect(try copy.run(["list", "--tag", "copied"]).stdout.hasPrefix("003_"))
        // And the server holds the original only, never a silent mix of the two
        let held = try export(server)
        #expect(held.contains("\"original\""))
        #expect(!held.contains("\"copied\""))
    }

    // MARK: - 2. Ids that cannot collide

    @Test func entityIDsAreSHA256OfTheCreatingTimestamp() throws {
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        let note = expectSuccess(try alice.run(["note", "003", "A note."])).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let created = try Self.latest(alice)
        #expect(note.count == 32)
        #expect(note == EntityID(creator: created).rawValue)
        #expect(note == String(Digest.sha256Hex("annot-entity\n\(created)").prefix(32)))
    }

    // MARK: - 3. Impersonation by file

    @Test func aChangesFileClaimingAnotherAuthorIsNeverAppliedNorPushed() throws {
        // Given alice, synced, and mallory, who made a changes file claiming to be alice
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["sync"]))
        let mallory = Forger(name: "mallory", token: try server.addUser("mallory", role: "annotator"))
        let forged = try mallory.document(
            [Timestamp(milliseconds: Self.now - 1000, counter: 0, replica: mallory.signer.replica)],
            author: try UserName("alice"), action: .addTag(article: Self.article, tag: try TagName("forged-by-mallory")))
        let file = folder.path("gift.changes")
        try forged.write(to: URL(fileURLWithPath: file))
        // When alice applies it, her replica not knowing mallory's key
        let applied = expectSuccess(try alice.run(["apply", file]))
        // Then it is held back, not applied, and listed with why
        #expect(applied.stdout.contains("held back"), "\(applied.stdout)")
        #expect(!(try alice.run(["tags"]).stdout.contains("forged-by-mallory")))
        #expect(try alice.run(["status"]).stdout.contains("does not know yet"))
        #expect(try alice.pending() == 0)
        // And her sync pushes nothing of it
        expectSuccess(try alice.run(["sync"]))
        #expect(!(try export(server)).contains("forged-by-mallory"))
        // Once the server's directory says the key is mallory's, applying it is refused in one line
        try mallory.claimKey(on: server)
        expectSuccess(try alice.run(["sync"]))
        let refused = try alice.run(["apply", file])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("belongs to 'mallory'"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(!(try alice.run(["tags"]).stdout.contains("forged-by-mallory")))
    }

    // MARK: - 4. One push must not stop every pull

    @Test func twoChangesetsSharingAnOperationAreRefusedAndPullsGoOn() throws {
        // Given a server with alice's work
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["sync"]))
        let mallory = Forger(name: "mallory", token: try server.addUser("mallory", role: "annotator"))
        // When mallory pushes two changesets that share their first operation
        let first = Timestamp(milliseconds: Self.now - 2000, counter: 0, replica: mallory.signer.replica)
        let second = Timestamp(milliseconds: Self.now - 1000, counter: 0, replica: mallory.signer.replica)
        let tag = Action.addTag(article: Self.article, tag: try TagName("m"))
        let a = try mallory.changeset([first], action: tag)
        let b = try mallory.changeset([first, second], action: tag)
        let (status, body) = try server.post("/v1/push", body: WireFormat.encode([a, b]), token: mallory.token)
        #expect(status == 400)
        #expect(Self.reason(body) == "duplicate_operation")
        // Or the second after the first, in another push
        #expect(try server.post("/v1/push", body: WireFormat.encode([a]), token: mallory.token).status == 200)
        let overlap = try server.post("/v1/push", body: WireFormat.encode([b]), token: mallory.token)
        #expect(overlap.status == 409)
        #expect(Self.code(overlap.body) == "changeset_overlap")
        // Then every replica still syncs and bootstraps
        let bob = try analyst("bob", server: server, imports: false)
        expectSuccess(try bob.run(["sync"]))
        expectSuccess(try alice.run(["sync"]))
        #expect(try bob.run(["export"]).stdout == alice.run(["export"]).stdout)
    }

    // MARK: - 5. Backdated imports

    @Test func aBackdatedImportByAnAnnotatorNeverRewritesAnArticle() throws {
        // Given a curator's corpus, annotated, on the server
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["highlight", "003", "--quote", "Taliban", "--occurrence", "1"]))
        expectSuccess(try alice.run(["sync"]))
        let before = try export(server)
        // When mallory, an annotator, pushes another text for 003 stamped in 1970
        let mallory = Forger(name: "mallory", token: try server.addUser("mallory", role: "annotator"))
        let forged = try mallory.document(
            [Timestamp(milliseconds: 1000, counter: 0, replica: mallory.signer.replica)],
            action: .importArticle(article: Self.article, title: "Forged", text: "A forged text."))
        let (status, body) = try server.post("/v1/push", body: forged, token: mallory.token)
        // Then the server refuses it, and the text everyone annotated is unchanged
        #expect(status == 403)
        #expect(Self.code(body) == "import_forbidden")
        #expect(try export(server) == before)
        // And by file too: alice holds it back, since mallory is not known as a curator
        try mallory.claimKey(on: server)
        expectSuccess(try alice.run(["sync"]))
        let file = folder.path("forged.changes")
        try forged.write(to: URL(fileURLWithPath: file))
        let applied = expectSuccess(try alice.run(["apply", file]))
        #expect(applied.stdout.contains("held back"))
        #expect(!(try alice.run(["show", "003"]).stdout.contains("A forged text.")))
        // And an annotator who imports locally is refused that import alone: the rest of
        // her work syncs, and she is told why
        let dana = try analyst("dana", server: server, role: "annotator")
        expectSuccess(try dana.run(["tag", "003", "danas"]))
        let synced = expectSuccess(try dana.run(["sync", "--json"]))
        #expect((synced.json?["refused"] as? Int ?? 0) >= 1, "\(synced.stdout)")
        #expect(try export(server).contains("\"danas\""))
        #expect(try dana.run(["status"]).stdout.contains("import_forbidden"))
        // And once her replica knows her role, it refuses an import before making it
        let again = try dana.run(["import", AnnotCLI.corpus])
        #expect(again.status == 1)
        #expect(again.stderr.contains("only curators import"), "\(again.stderr)")
    }

    // MARK: - 6. Scoped facts

    @Test func removalsAndEditsReachOnlyTheirOwnTagsAndNotes() throws {
        // Given alice's tag and note, synced
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["tag", "003", "precondition"]))
        let note = expectSuccess(try alice.run(["note", "003", "Alice's note."])).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        expectSuccess(try alice.run(["sync"]))
        let log = try JSONSerialization.jsonObject(with: Data(try alice.run(["log", "--json"]).stdout.utf8)) as? [[String: Any]] ?? []
        let addition = try Timestamp(parsing: try #require(log.first { $0["kind"] as? String == "tag.add" }?["hlc"] as? String))
        let version = try Timestamp(parsing: try #require(log.first { $0["kind"] as? String == "note.create" }?["hlc"] as? String))
        // When mallory removes her own tag naming alice's addition, and edits her own note
        // naming alice's note version
        let mallory = Forger(name: "mallory", token: try server.addUser("mallory", role: "annotator"))
        let t = (0..<3).map { Timestamp(milliseconds: Self.now + UInt64($0), counter: 0, replica: mallory.signer.replica) }
        let own = EntityID(creator: t[1])
        let actions: [Action] = [
            .removeTag(article: Self.article, tag: try TagName("other"), removes: [addition]),
            .createNote(note: own, article: Self.article, body: "Mallory's note.", highlight: nil),
            .editNote(note: own, body: "Mallory's edit.", base: [t[1], version]),
        ]
        let forged = try mallory.document(t, actions: actions)
        #expect(try server.post("/v1/push", body: forged, token: mallory.token).status == 200)
        // Then alice's tag and note stay, on the server and on every replica
        let bob = try analyst("bob", server: server, imports: false)
        for cli in [alice, bob] {
            expectSuccess(try cli.run(["sync"]))
            #expect(try cli.run(["list", "--tag", "precondition"]).stdout.hasPrefix("003_"))
            let notes = try cli.run(["notes", "003"]).stdout
            #expect(notes.contains("Alice's note."), "\(notes)")
            #expect(notes.contains("Mallory's edit."))
        }
        #expect(try export(server).contains(note))
    }

    // MARK: - 7. One validation for every peer

    @Test func whatOnePeerRefusesEveryPeerRefuses() throws {
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["sync"]))
        let mallory = Forger(name: "mallory", token: try server.addUser("mallory", role: "annotator"))
        try mallory.claimKey(on: server)
        expectSuccess(try alice.run(["sync"]))
        let time = Timestamp(milliseconds: Self.now - 1000, counter: 0, replica: mallory.signer.replica)
        // A NUL in a note body, a tag that is not its own normalization, a zero-width character
        let bad: [(String, String)] = [
            (#"{"article":"003_e7379399b3230908","author":"mallory","body":"a\u0000b","hlc":"\#(time)","kind":"note.create","note":"\#(EntityID(creator: time))"}"#, "invalid_value"),
            (#"{"article":"003_e7379399b3230908","author":"mallory","hlc":"\#(time)","kind":"tag.add","tag":"Talks"}"#, "invalid_tag"),
            ("{\"article\":\"003_e7379399b3230908\",\"author\":\"mallory\",\"hlc\":\"\(time)\",\"kind\":\"tag.add\",\"tag\":\"ta\u{200B}lks\"}", "invalid_tag"),
        ]
        for (operation, reason) in bad {
            let document = mallory.rawDocument([operation])
            // The server refuses it…
            let (status, body) = try server.post("/v1/push", body: document, token: mallory.token)
            #expect(status == 400)
            #expect(Self.reason(body) == reason, "\(String(decoding: body, as: UTF8.self))")
            // …and so does a replica, by file, with the same reason
            let file = folder.path("bad.changes")
            try document.write(to: URL(fileURLWithPath: file))
            let applied = try alice.run(["apply", file])
            #expect(applied.status == 1)
            #expect(applied.stderr.split(separator: "\n").count == 1)
        }
        #expect(try alice.run(["tags"]).stdout.contains("No tags"))
    }

    // MARK: - 8. A server restored from a backup

    @Test func aServerRestoredFromABackupIsDetectedAndGetsEveryonesWorkBack() throws {
        // Given alice and bob synced with a server, which is then backed up
        let server = try startServer()
        let alice = try analyst("alice", server: server)
        let bob = try analyst("bob", server: server, imports: false)
        expectSuccess(try alice.run(["sync"]))
        expectSuccess(try bob.run(["sync"]))
        server.stop()
        let store = folder.path("server") + "/syncd.sqlite"
        let backup = folder.path("backup.sqlite")
        try Self.sql(store, "VACUUM INTO '\(backup)'")  // a consistent copy, its write-ahead log included
        try server.start()
        // …after which both keep working and syncing
        expectSuccess(try alice.run(["tag", "003", "after-backup"]))
        expectSuccess(try alice.run(["sync"]))
        expectSuccess(try bob.run(["tag", "004", "bobs-later-work"]))
        expectSuccess(try bob.run(["sync"]))
        expectSuccess(try alice.run(["sync"]))
        // When the server is restored from the backup (same store identity, older log)
        server.stop()
        try FileManager.default.removeItem(atPath: store)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: store)
        try server.start()
        defer { server.stop() }
        // And a newcomer's work lands in it before anyone else syncs
        let carol = try analyst("carol", server: server, imports: false)
        expectSuccess(try carol.run(["sync"]))
        expectSuccess(try carol.run(["tag", "001", "carols"]))
        expectSuccess(try carol.run(["sync"]))
        // Then each replica notices, starts over, and pushes again what the server lost
        let resynced = expectSuccess(try alice.run(["sync"]))
        #expect(resynced.stderr.contains("restored from a backup"), "\(resynced.stderr)")
        expectSuccess(try bob.run(["sync"]))
        for cli in [alice, bob, carol] { expectSuccess(try cli.run(["sync"])) }
        let held = try export(server)
        for tag in ["after-backup", "bobs-later-work", "carols"] { #expect(held.contains("\"\(tag)\""), "lost \(tag)") }
        for cli in [alice, bob, carol] { #expect(try cli.run(["export"]).stdout == held) }
    }

    /// Runs one SQL statement on a replica file with the sqlite3 shell.
    static func sql(_ path: String, _ statement: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", path, statement]
        try process.run()
        let watchdog = Watchdog(pid: process.processIdentifier, seconds: 60)
        process.waitUntilExit()
        watchdog.disarm()
        guard process.terminationStatus == 0 else { throw TestFailure("sqlite3 failed on \(statement)") }
    }
}
}

/// A hostile peer: a user with a valid token and a key of their own, who writes documents
/// by hand instead of using `annot`.
struct Forger {
    let user: UserName
    let token: String
    let signer = ReplicaSigner()

    init(name: String, token: String) {
        user = try! UserName(name)
        self.token = token
    }

    /// Binds this forger's key to its user on the server, as `annot sync` does.
    func claimKey(on server: SyncdProcess) throws {
        let claim = try JSONEncoder().encode(SyncProtocol.KeyClaim(user: user, signer: signer))
        let (status, _) = try server.post("/v1/keys", body: claim, token: token)
        guard status == 200 else { throw TestFailure("key claim answered \(status)") }
    }

    /// A changeset of one operation per timestamp, each doing `action`, signed with this
    /// forger's key (valid only when the timestamps are of its replica).
    func changeset(_ times: [Timestamp], action: Action) throws -> Changeset {
        try Changeset(signing: times.map { SyncOperation(timestamp: $0, author: user, action: action) }, with: signer)
    }

    /// A document of one operation per timestamp, signed with this forger's key whatever
    /// replica the timestamps name and whoever `author` claims to be.
    func document(_ times: [Timestamp], author: UserName? = nil, action: Action) throws -> Data {
        try document(times, author: author, actions: Array(repeating: action, count: times.count))
    }

    func document(_ times: [Timestamp], author: UserName? = nil, actions: [Action]) throws -> Data {
        let operations = zip(times, actions).map { SyncOperation(timestamp: $0, author: author ?? user, action: $1) }
        let signature = signer.sign(Changeset.signedMessage(operations, key: signer.key))
        return Data(
            WireFormat.document(rawChangesets: [
                RawChangeset(key: signer.key.rawValue, signature: signature.rawValue, operations: operations.map(\.canonicalJSON))
            ]))
    }

    /// A document of operations written by hand (canonical JSON strings), signed over their
    /// SHA-256 as the format defines.
    func rawDocument(_ operations: [String]) -> Data {
        var message = Array("annot-changeset 2\n\(signer.key.rawValue)\n".utf8)
        for operation in operations { message += Digest.sha256Hex(operation).utf8 + [0x0A] }
        return Data(
            WireFormat.document(rawChangesets: [
                RawChangeset(key: signer.key.rawValue, signature: signer.sign(message).rawValue, operations: operations)
            ]))
    }
}
