import Foundation
import TestSupport
import Testing

extension EndToEnd {
/// The built `annot` binary on the sample corpus in `../shared/corpus`, as an analyst uses it.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct AnnotEndToEndTests {
    let folder = TemporaryFolder()

    func analyst(_ name: String) throws -> AnnotCLI {
        let cli = AnnotCLI(replica: folder.path("\(name).sqlite"))
        let created = try cli.run(["init", "--user", name])
        #expect(created.status == 0, "\(created.stderr)")
        let imported = try cli.run(["import", AnnotCLI.corpus])
        #expect(imported.status == 0, "\(imported.stderr)")
        return cli
    }

    @Test func tagByPrefixThenListByTag() throws {
        let alice = try analyst("alice")
        #expect(try alice.run(["list"]).stdout.split(separator: "\n").count == 5)
        let tagged = try alice.run(["tag", "003", "precondition"])
        #expect(tagged.status == 0)
        #expect(tagged.stdout.contains("003_e7379399b3230908"))
        let listed = try alice.run(["list", "--tag", "precondition"])
        #expect(listed.status == 0)
        #expect(listed.stdout.split(separator: "\n").map { $0.prefix(20) } == ["003_e7379399b3230908"])
        let json = try alice.run(["list", "--tag", "precondition", "--json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
        #expect(parsed.map { $0["id"] as? String } == ["003_e7379399b3230908"])
    }

    /// Every error is one line on stderr with a non-zero exit: never a stack trace.
    static func expectCleanFailure(_ result: AnnotCLI.Result, mentioning words: [String]) {
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)")
        for word in words { #expect(result.stderr.contains(word), "\(result.stderr) lacks \(word)") }
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
    }

    @Test func ambiguousAndUnknownIDsAreClearErrors() throws {
        let alice = try analyst("alice")
        Self.expectCleanFailure(try alice.run(["tag", "00", "x"]), mentioning: ["ambiguous", "000_25222154afcd076b", "004_03a8792a78a0fa29"])
        Self.expectCleanFailure(try alice.run(["show", "999"]), mentioning: ["no article matches '999'"])
        Self.expectCleanFailure(try alice.run(["note", "--edit", "ffff", "text"]), mentioning: ["no note matches"])
        #expect(try alice.run(["tags"]).stdout.contains("No tags"))  // nothing was written
    }

    @Test(arguments: [
        ("", "may not be empty"), ("talks//doha", "parts may not be empty"), ("bell\u{7}", "control characters"),
        (String(repeating: "t", count: 65), "at most 64 characters"),
    ])
    func badTagsAreClearErrors(tag: String, reason: String) throws {
        let alice = try analyst("alice")
        Self.expectCleanFailure(try alice.run(["tag", "003", "fine", tag]), mentioning: [reason])
        #expect(try alice.run(["tags"]).stdout.contains("No tags"))
    }

    @Test func usingAReplicaBeforeInitSaysWhatToDo() throws {
        let cli = AnnotCLI(replica: folder.path("none.sqlite"))
        Self.expectCleanFailure(try cli.run(["list"]), mentioning: ["annot init --user"])
    }

    @Test func concurrentProcessesOnOneReplicaLoseNothing() throws {
        let alice = try analyst("alice")
        // 24 processes at once, each adding its own tag and its own note.
        let running = try (0..<12).flatMap { index in
            [try alice.start(["tag", "003", "t\(index)"]), try alice.start(["note", "004", "note \(index)"])]
        }
        let results = running.map { $0.wait() }
        for result in results { #expect(result.status == 0, "\(result.stderr)") }
        let tags = try JSONSerialization.jsonObject(with: Data(try alice.run(["tags", "--json"]).stdout.utf8)) as! [[String: Any]]
        #expect(Set(tags.compactMap { $0["tag"] as? String }) == Set((0..<12).map { "t\($0)" }))
        let notes = try JSONSerialization.jsonObject(with: Data(try alice.run(["notes", "004", "--json"]).stdout.utf8)) as! [[String: Any]]
        #expect(notes.count == 12)
    }

    @Test func twoAnalystsConvergeThroughChangesFiles() throws {
        let alice = try analyst("alice")
        let bob = try analyst("bob")
        // They met once and compared key fingerprints (trust on first use).
        try alice.trust(bob)
        try bob.trust(alice)
        // Shared starting point: alice's note and tag reach bob.
        let note = try alice.run(["note", "003", "Ceasefire is the precondition"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try alice.run(["tag", "003", "precondition"]).status == 0)
        let start = folder.path("alice-0.changes")
        try Data(try alice.run(["changes"]).stdout.utf8).write(to: URL(fileURLWithPath: start))
        #expect(try bob.run(["apply", start]).status == 0)
        // Offline, conflicting work: both edit the note; bob removes the tag alice re-adds.
        #expect(try alice.run(["note", "--edit", String(note.prefix(6)), "alice's wording"]).status == 0)
        #expect(try bob.run(["note", "--edit", String(note.prefix(6)), "bob's wording"]).status == 0)
        let untagged = try bob.run(["untag", "003", "Precondition", "--json"])
        #expect(untagged.status == 0)
        #expect(untagged.stdout.contains(#""article" : "003_e7379399b3230908""#), "\(untagged.stdout)")
        #expect(untagged.stdout.contains(#""removed" : ["#) && untagged.stdout.contains(#""precondition""#))
        #expect(try alice.run(["tag", "003", "talks/doha"]).status == 0)
        // Exchange everything, in both directions, one file applied twice.
        let fromAlice = folder.path("alice.changes")
        let fromBob = folder.path("bob.changes")
        try Data(try alice.run(["changes"]).stdout.utf8).write(to: URL(fileURLWithPath: fromAlice))
        try Data(try bob.run(["changes"]).stdout.utf8).write(to: URL(fileURLWithPath: fromBob))
        #expect(try alice.run(["apply", fromBob, fromBob]).status == 0)
        #expect(try bob.run(["apply", fromAlice]).status == 0)
        let again = try bob.run(["apply", fromAlice, "--json"])
        #expect(again.stdout.contains("\"applied\" : 0"))

        let exportA = try alice.run(["export"]).stdout
        let exportB = try bob.run(["export"]).stdout
        #expect(exportA == exportB)
        #expect(!exportA.isEmpty)
        let conflicts = try alice.run(["conflicts"]).stdout
        #expect(conflicts.contains("alice's wording") && conflicts.contains("bob's wording"))
        // Resolving: an edit that has seen both versions clears the conflict everywhere.
        #expect(try alice.run(["note", "--edit", String(note.prefix(6)), "agreed wording"]).status == 0)
        let resolution = folder.path("resolution.changes")
        try Data(try alice.run(["changes"]).stdout.utf8).write(to: URL(fileURLWithPath: resolution))
        #expect(try bob.run(["apply", resolution]).status == 0)
        #expect(try bob.run(["conflicts"]).stdout.contains("No conflicts"))
        #expect(try bob.run(["notes", "003"]).stdout.contains("agreed wording"))
    }

    @Test func aMalformedChangesFileChangesNothing() throws {
        let alice = try analyst("alice")
        let bad = folder.path("bad.changes")
        try Data(#"{"changesets":[{"operations":[{"kind":"tag.add"}]}],"format":"annot-changes","version":2}"#.utf8)
            .write(to: URL(fileURLWithPath: bad))
        Self.expectCleanFailure(try alice.run(["apply", bad]), mentioning: ["bad.changes", "missing field"])
        let old = folder.path("old.changes")
        try Data(#"{"changesets":[{"operations":[{"kind":"tag.add"}]}],"format":"annot-changes","version":1}"#.utf8)
            .write(to: URL(fileURLWithPath: old))
        Self.expectCleanFailure(try alice.run(["apply", old]), mentioning: ["old.changes", "format version 1", "upgrade"])
        Self.expectCleanFailure(try alice.run(["apply", folder.path("absent.changes")]), mentioning: ["absent.changes"])
    }

    @Test func helpTeaches() throws {
        let cli = AnnotCLI(replica: folder.path("x.sqlite"))
        let help = try cli.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("annot tag 003 precondition"))
        let tagHelp = try cli.run(["help", "note"])
        #expect(tagHelp.stdout.contains("--edit"))
    }

    // MARK: - Secrets, read-only replicas, arguments

    @Test func theReplicaAndItsFolderArePrivateWhateverTheUmask() throws {
        let folder = self.folder.path("private")
        let cli = AnnotCLI(replica: folder + "/replica.sqlite")
        let created = try cli.run(["init", "--user", "alice"], environment: [:])
        #expect(created.status == 0, "\(created.stderr)")
        let file = try FileManager.default.attributesOfItem(atPath: cli.replica)[.posixPermissions] as? Int
        let directory = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
        #expect(file == 0o600)
        #expect(directory == 0o700)
    }

    @Test func theTokenCanComeFromStandardInputOrTheEnvironment() throws {
        let alice = try analyst("alice")
        #expect(try alice.run(["remote", "set", "http://127.0.0.1:9"], stdin: Data("annot_fromstdin\n".utf8)).status == 0)
        #expect(try Self.token(of: alice) == "annot_fromstdin")
        #expect(try alice.run(["remote", "set", "http://127.0.0.1:9"], environment: ["ANNOT_TOKEN": "annot_fromenv"]).status == 0)
        #expect(try Self.token(of: alice) == "annot_fromenv")
        Self.expectCleanFailure(try alice.run(["remote", "set", "http://127.0.0.1:9"], stdin: Data()), mentioning: ["no token"])
    }

    static func token(of cli: AnnotCLI) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", cli.replica, "SELECT token FROM remotes"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let watchdog = Watchdog(pid: process.processIdentifier, seconds: 60)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.disarm()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aReplicaThatCannotBeWrittenCanStillBeRead() throws {
        // Given a replica the user may read but not write
        let alice = try analyst("alice")
        #expect(try alice.run(["tag", "003", "precondition"]).status == 0)
        chmod(alice.replica, 0o444)
        defer { chmod(alice.replica, 0o600) }
        // (root may write anything: as root, the commands run as nobody, who may only read)
        let reader = getuid() == 0
            ? AnnotCLI(replica: alice.replica, executable: "/usr/bin/setpriv", prefix: ["--reuid=65534", "--regid=65534", "--clear-groups", AnnotCLI.binary])
            : alice
        // Then reading works, and writing says why not, in one line
        let listed = try reader.run(["list", "--tag", "precondition"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.hasPrefix("003_"))
        Self.expectCleanFailure(try reader.run(["tag", "003", "more"]), mentioning: ["read-only"])
    }

    @Test func anArgumentThatIsNotUTF8IsRefused() throws {
        let alice = try analyst("alice")
        // Bytes of Latin-1 "café": not UTF-8
        let result = try alice.runRaw(["tag", "003"], rawLast: [0x63, 0x61, 0x66, 0xE9])
        #expect(result.status == 64)
        #expect(result.stderr.contains("not valid UTF-8"), "\(result.stderr)")
        #expect(try alice.run(["tags"]).stdout.contains("No tags"))
    }
}
}
