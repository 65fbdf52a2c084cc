import ArgumentParser
import Foundation
import Replica
import SyncCore

extension Annot {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print the whole merged state as canonical JSON.",
            discussion: """
                Two replicas holding the same operations print byte-identical output.

                --layer adjudicated prints the curators' decisions alone ('annot adjudicate'): \
                for each article, code and span, the standing decision, who made it and when, and \
                any concurrent decisions. The coders' own codings are in the default layer.
                """
        )

        enum Layer: String, ExpressibleByArgument, CaseIterable {
            case all
            case adjudicated
        }

        /// The adjudicated layer as `export --layer adjudicated` writes it.
        struct AdjudicatedLayer: Encodable {
            let format = "annot-adjudicated"
            let version = 1
            let decisions: [LocalReplica.DecisionRecord]
        }

        @OptionGroup var replica: ReplicaOptions
        @Option(help: "all (the default) or adjudicated.")
        var layer: Layer = .all

        func run() throws {
            switch layer {
            case .all: Output.write(try replica.open().snapshot().canonicalJSON())
            case .adjudicated: Output.json(AdjudicatedLayer(decisions: try replica.open().decisions()))
            }
        }
    }
}
