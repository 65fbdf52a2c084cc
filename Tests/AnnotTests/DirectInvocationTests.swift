import ArgumentParser
import SeededRandom
import Testing

@testable import annot

/// `DirectInvocation` must read a command line exactly as ArgumentParser does, or leave it
/// to ArgumentParser.
@Suite(.timeLimit(.minutes(10)))
struct DirectInvocationTests {
    /// What a command was read as, field by field.
    struct Reading: Equatable, CustomStringConvertible {
        let command: String
        let replica: String?
        let values: [String]
        let edit: String?
        let delete: String?
        let json: Bool

        init?(_ command: any ParsableCommand) {
            if let tags = command as? any ArticleTagsCommand {
                self.command = tags is Annot.Tag ? "tag" : "untag"
                (replica, values, edit, delete, json) =
                    (tags.replica.replica, [tags.article] + tags.tags, nil, nil, tags.output.json)
            } else if let note = command as? Annot.Note {
                self.command = "note"
                (replica, values, edit, delete, json) =
                    (note.replica.replica, note.arguments, note.edit, note.delete, note.output.json)
            } else {
                return nil
            }
        }

        var description: String { "\(command) replica=\(replica ?? "-") \(values) edit=\(edit ?? "-") json=\(json)" }
    }

    @Test(arguments: [
        ["tag", "003", "precondition"],
        ["tag", "003", "precondition", "talks/doha", "Peace Talks"],
        ["tag", "--replica", "r.sqlite", "003", "precondition"],
        ["tag", "003", "--replica=r.sqlite", "precondition", "--json"],
        ["untag", "--json", "003", "precondition"],
        ["note", "003", "The precondition is a ceasefire."],
        ["note", "--replica", "r.sqlite", "003", "text", "--json"],
    ])
    func plainFormsAreReadAsArgumentParserReadsThem(arguments: [String]) throws {
        // Given a command line in a plain form
        // When both read it
        let direct = try #require(DirectInvocation.command(for: arguments))
        let parsed = try Annot.parseAsRoot(arguments)
        // Then they give the same command with the same values, all of them set
        #expect(try #require(Reading(direct)) == Reading(parsed))
        #expect(String(describing: direct) == String(describing: parsed))
        #expect(!String(describing: direct).contains("definition"))
    }

    @Test(arguments: [
        [], ["tag"], ["tag", "003"], ["tag", "--help"], ["tag", "-h"], ["--version"], ["help", "tag"],
        ["tag", "003", "-x"], ["tag", "--", "003", "-x"], ["tag", "003", "t", "--replica"],
        ["tag", "--replica", "a", "--replica", "b", "003", "t"], ["tag", "--replica=", "003", "t"],
        ["tag", "--json", "--json", "003", "t"], ["note", "003"], ["note", "003", "a", "b"],
        ["note", "--edit", "n1", "text"], ["note", "--delete", "n1"], ["list", "--tag", "t"], ["tags"],
        ["show", "003"], ["export"],
    ])
    func everythingElseIsLeftToArgumentParser(arguments: [String]) {
        // Given a command line that is not in a plain form of tag, untag or note
        // When it is read directly
        // Then it is not recognized
        #expect(DirectInvocation.command(for: arguments) == nil)
    }

    @Test func generatedCommandLinesAreReadAsArgumentParserReadsThem() {
        // Given 4,000 command lines drawn from a fixed seed: command names, values, the
        // options of the plain forms, and options and values that are not plain
        let commands = ["tag", "tag", "untag", "note", "note", "tags", "list", "show", "help"]
        let plain = ["003", "precondition", "talks/doha", "a b", "", "help", "tag", "é", "=", "003_e7379399b3230908"]
        let options = ["--replica", "--replica=r.sqlite", "--replica=", "--replica=a=b", "--json", "r.sqlite"]
        let other = ["--", "-h", "--help", "--version", "--edit", "--delete", "-x", "--tag", "-", "--json=true", "-j"]
        var random = SplitMix64(seed: 0xD1EC7)
        var recognized = 0
        for _ in 0..<4_000 {
            var arguments = [commands.randomElement(using: &random)!]
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                let roll = Int.random(in: 0..<10, using: &random)
                let pool = roll < 7 ? plain : roll < 9 ? options : other
                arguments.append(pool.randomElement(using: &random)!)
            }
            // When DirectInvocation recognizes one
            guard let direct = DirectInvocation.command(for: arguments) else { continue }
            recognized += 1
            // Then ArgumentParser reads the same command, with the same values
            do {
                let parsed = try Annot.parseAsRoot(arguments)
                #expect(Reading(direct) != nil, "\(arguments)")
                #expect(Reading(direct) == Reading(parsed), "\(arguments)")
            } catch {
                Issue.record("\(arguments): read directly, but ArgumentParser rejects it: \(Annot.message(for: error))")
            }
        }
        // And the generator reached the plain forms often enough to mean something
        #expect(recognized > 500)
    }
}
