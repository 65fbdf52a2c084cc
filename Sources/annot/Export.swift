import ArgumentParser
import Foundation
import Replica

extension Annot {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print the whole merged state as canonical JSON.",
            discussion: "Two replicas holding the same operations print byte-identical output."
        )

        @OptionGroup var replica: ReplicaOptions

        func run() throws {
            Output.write(try replica.open().snapshot().canonicalJSON())
        }
    }
}
