import ArgumentParser
import Foundation
import Replica

extension Annot {
    struct Upgrade: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "upgrade",
            abstract: "Carry the work of a replica made before signed operations into a new one.",
            discussion: """
                Replicas made by annot before wire format 2 hold unsigned operations, which no \
                server or replica accepts any more. This command keeps that file as it is, under a \
                new name (PATH.format-1), and makes a new replica at PATH for the same user, with a \
                new key, holding your work as new signed operations: the articles you imported, \
                your tags that are still on, your notes (their current text) and your highlights. \
                Others' work comes back when they upgrade and sync. Your server settings are kept; \
                the next 'annot sync' sends and receives everything.

                  annot upgrade                   the replica at the usual place
                  annot upgrade --replica PATH    another one
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let path = replica.path
            guard FileManager.default.fileExists(atPath: path) else { throw ReplicaError.notFound(path: path) }
            let kept = path + ".format-1"
            guard !FileManager.default.fileExists(atPath: kept) else {
                throw AnnotError("\(kept) already exists: move it away first (it may be an earlier upgrade's)")
            }
            do {
                try FileManager.default.moveItem(atPath: path, toPath: kept)
                for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                    try FileManager.default.moveItem(atPath: path + suffix, toPath: kept + suffix)
                }
            } catch {
                throw AnnotError("cannot move \(path) to \(kept): \(error.localizedDescription)")
            }
            let report: UpgradeReport
            do {
                report = try LocalReplica.upgrade(formatOne: kept, to: path)
            } catch {
                // Put the old replica back: nothing was carried.
                try? FileManager.default.moveItem(atPath: kept, toPath: path)
                for suffix in ["-wal", "-shm"] { try? FileManager.default.moveItem(atPath: kept + suffix, toPath: path + suffix) }
                throw error
            }
            if output.json { return Output.json(report) }
            Output.line(
                "Carried \(report.articles) article(s), \(report.tags) tag(s), \(report.notes) note(s) and \(report.highlights) highlight(s) of \(report.user) into a new replica at \(report.newPath).")
            Output.line("The old replica is kept at \(report.oldPath).")
            if report.othersOperations > 0 {
                Output.line("\(report.othersOperations) operation(s) by others were not carried: they come back when their authors upgrade and sync.")
            }
            if report.remote != nil { Output.line("Run 'annot sync' to send your work and receive everyone else's.") }
        }
    }
}
