import ArgumentParser
import Foundation
import Replica
import SyncCore

extension Annot {
    struct Changes: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "changes",
            abstract: "Write this replica's operations as a changes file, for sync by file.",
            discussion: """
                annot changes > alice.changes            everything this replica holds
                annot changes --since 42 > new.changes   only what it applied after cursor 42

                The cursor to use next time is printed on standard error. Anyone can merge the file \
                with 'annot apply', any number of times, in any order.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Option(help: "Only operations applied after this cursor.")
        var since = 0

        func validate() throws {
            guard since >= 0 else { throw ValidationError("--since takes a cursor of 0 or more") }
        }

        func run() throws {
            let page = try replica.open().changes(since: since)
            Output.write(Data(page.document))
            // The cursor is worth giving only once the whole file is written.
            try Output.flush()
            Output.note("\(page.operations) operation(s); next time use --since \(page.cursor)")
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Merge changes files made by 'annot changes' on other replicas.",
            discussion: "All files are merged in one transaction: on any error nothing is applied. Use - for standard input."
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: ArgumentHelp("Changes files.", valueName: "file"))
        var files: [String]
        @OptionGroup var output: OutputOptions

        func run() throws {
            var changesets: [Changeset] = []
            for file in files {
                let data: Data
                if file == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    guard let contents = FileManager.default.contents(atPath: file) else {
                        throw ReplicaError.unreadable(path: file, reason: "no such file, or not readable")
                    }
                    data = contents
                }
                do {
                    changesets += try WireFormat.decode(data)
                } catch {
                    throw AnnotError("\(file): \(error)")
                }
            }
            let report = try replica.open().apply(changesets, origin: .file)
            if output.json { return Output.json(report) }
            Output.line("Merged \(report.applied) new operation(s) from \(report.changesets) changeset(s); \(report.duplicates) already present.")
            if report.held > 0 {
                Output.line("\(report.held) changeset(s) held back, not applied, until their key is trusted: 'annot status' says why.")
            }
        }
    }
}
