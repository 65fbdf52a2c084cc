import Foundation
import TestSupport
import Testing

extension EndToEnd {
/// What other users wrote reaches the terminal escaped: a note body, an article's text or a
/// server's message cannot move the cursor, clear the screen, retitle the window or reverse
/// the text direction (`ESC ] 0 ; … BEL`, `ESC [ 2 J`, U+202E). `--json` stays exact.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct TerminalTests {
    let folder = TemporaryFolder()

    static let hostile = "Pwned\u{1B}]0;owned\u{07}\u{1B}[2J \u{202E}txet desrever\u{9B}31m"

    /// Alice, who trusts bob (a curator), and has his article and note.
    func aliceWithBobsWork() throws -> AnnotCLI {
        let alice = AnnotCLI(replica: folder.path("alice.sqlite"))
        let bob = AnnotCLI(replica: folder.path("bob.sqlite"))
        for (cli, name) in [(alice, "alice"), (bob, "bob")] { #expect(try cli.run(["init", "--user", name]).status == 0) }
        let article = folder.path("666_hostile.txt")
        try "A hostile article\n\nIt says \(Self.hostile) in its text.".write(toFile: article, atomically: true, encoding: .utf8)
        #expect(try bob.run(["import", article]).status == 0)
        #expect(try bob.run(["note", "666", Self.hostile]).status == 0)
        let changes = folder.path("bob.changes")
        try Data(try bob.run(["changes"]).stdout.utf8).write(to: URL(fileURLWithPath: changes))
        try alice.trust(bob)
        #expect(try alice.run(["apply", changes]).status == 0)
        return alice
    }

    /// No raw control character in `text`; with `whole`, the hostile text shown escaped in full.
    static func expectEscaped(_ text: String, whole: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{202E}" || $0 == "\u{9B}" },
            "raw control characters reached the output: \(text.debugDescription)", sourceLocation: sourceLocation)
        if whole {
            #expect(text.contains("Pwned^[]0;owned^G^[[2J <U+202E>txet desrever<U+009B>31m"), "\(text.debugDescription)",
                sourceLocation: sourceLocation)
        }
    }

    @Test func notesShowAndSearchEscapeControlCharacters() throws {
        let alice = try aliceWithBobsWork()
        Self.expectEscaped(try alice.run(["notes", "666"]).stdout)
        Self.expectEscaped(try alice.run(["show", "666"]).stdout)
        Self.expectEscaped(try alice.run(["search", "pwned"]).stdout, whole: false)
        Self.expectEscaped(try alice.run(["log", "666"]).stdout, whole: false)
    }

    @Test func jsonKeepsTheExactText() throws {
        let alice = try aliceWithBobsWork()
        let notes = try JSONSerialization.jsonObject(with: Data(try alice.run(["notes", "666", "--json"]).stdout.utf8)) as? [[String: Any]]
        #expect(notes?.first?["body"] as? String == Self.hostile)
    }

    @Test func onATerminalOnlyAnnotsOwnColoursAreEmitted() throws {
        // Given bob's article, highlighted by alice, shown on a pseudo-terminal (colour on)
        let alice = try aliceWithBobsWork()
        #expect(try alice.run(["highlight", "666", "--quote", "It says"]).status == 0)
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        script.arguments = ["-qec", "\(AnnotCLI.binary) show 666", "/dev/null"]
        var environment = ProcessInfo.processInfo.environment
        environment["ANNOT_REPLICA"] = alice.replica
        script.environment = environment
        let out = Pipe()
        script.standardOutput = out
        script.standardInput = Pipe()
        try script.run()
        let watchdog = Watchdog(pid: script.processIdentifier, seconds: 60)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        script.waitUntilExit()
        watchdog.disarm()
        let shown = String(decoding: data, as: UTF8.self)
        // Then the highlight is in colour, and every other escape is shown, not obeyed
        #expect(shown.contains("\u{1B}[4;33mIt says\u{1B}[0m"), "\(shown.debugDescription)")
        let stripped = shown.replacingOccurrences(of: "\u{1B}[4;33m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "")
        Self.expectEscaped(stripped)
    }
}
}
