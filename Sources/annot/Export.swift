import ArgumentParser
import Exchange
import Foundation
import Replica
import SyncCore

extension Annot {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export the corpus: annot's canonical JSON, or a format other tools read.",
            discussion: """
                Formats (--format):
                  text   annot's canonical JSON of the whole merged state (the default): two \
                replicas holding the same operations print byte-identical output.
                  w3c    a W3C Web Annotation AnnotationCollection (JSON-LD): each highlight and \
                note is an Annotation, codes are TextualBody bodies with purpose tagging.
                  qdpx   a REFI-QDA project for ATLAS.ti, NVivo, MAXQDA, QualCoder (FILE needed).
                  qdc    the codebook alone, as a REFI-QDA codebook.

                --layer adjudicated prints the curators' decisions alone ('annot adjudicate'): \
                for each article, code and span, the standing decision, who made it and when, and \
                any concurrent decisions.

                With FILE, the export is written there atomically; else on standard output.

                Examples:
                  annot export > state.json
                  annot export --format w3c annotations.jsonld
                  annot export --format qdpx project.qdpx
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
        @Option(help: "text (the default), w3c, qdpx or qdc.")
        var format: ExchangeFormat = .text
        @Option(help: "all (the default) or adjudicated.")
        var layer: Layer = .all
        @Argument(help: "Write the export to this file (atomically) instead of standard output.")
        var file: String?

        func validate() throws {
            if layer == .adjudicated && format != .text { throw ValidationError("--layer adjudicated is written as JSON: drop --format") }
            if format == .qdpx && file == nil { throw ValidationError("a qdpx project is a ZIP archive: give the FILE to write") }
        }

        func run() throws {
            let opened = try replica.open()
            let data: Data
            switch (format, layer) {
            case (_, .adjudicated):
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                data = try encoder.encode(AdjudicatedLayer(decisions: try opened.decisions())) + Data("\n".utf8)
            case (.text, _): data = try opened.snapshot().canonicalJSON()
            case (.w3c, _): data = W3CAnnotations.collection(try opened.exchangeProject())
            case (.qdpx, _): data = try REFIQDA.project(try opened.exchangeProject())
            case (.qdc, _): data = REFIQDA.codebook(try opened.exchangeProject())
            }
            if let file { try ExchangeFormat.write(data, to: file) } else { Output.write(data) }
        }
    }
}
