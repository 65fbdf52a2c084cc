import ArgumentParser
import Foundation
import Replica

extension Annot {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the whole merged state as canonical JSON.",
            discussion: "Two replicas holding the same operations print byte-identical output."
        )

        @OptionGroup var replica: ReplicaOptions

        func run() async throws {
            FileHandle.standardOutput.write(try replica.open().snapshot().canonicalJSON())
        }
    }
}
