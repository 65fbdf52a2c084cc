import ArgumentParser
import Exchange
import Foundation
import Replica

extension Annot {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import articles from text files, or annotations from other tools.",
            discussion: """
                Articles (the default, --format text): a file's name without its extension is the \
                article's id. Folders are read for their .txt, .text and .md files. The title is \
                found in the text. Importing a file again changes nothing; a file whose id exists \
                with a different text is refused, and then nothing is imported.

                Annotations (--format w3c, qdpx or qdc, one FILE): codes, highlights, codings and \
                notes made in another tool become your own operations. Each quote is re-anchored in \
                the article's text; articles are matched by id (or unique prefix), so import the \
                texts first. What cannot be placed, or that annot does not hold (colours, \
                variables, cases, ...), is listed, never silently dropped. Importing the same file \
                again adds nothing.

                Examples:
                  annot import ../shared/corpus
                  annot import --format w3c annotations.jsonld
                  annot import --format qdpx project.qdpx
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: ArgumentHelp("Files or folders to import.", valueName: "path"))
        var paths: [String]
        @Option(help: "text (articles, the default), w3c, qdpx or qdc.")
        var format: ExchangeFormat = .text
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if format != .text && paths.count != 1 { throw ValidationError("--format \(format.rawValue) imports one FILE") }
        }

        func run() throws {
            let target = try replica.open()
            if format != .text {
                let path = paths[0]
                let plan: ExchangeImport
                switch format {
                case .w3c: plan = try W3CAnnotations.read(try ExchangeFormat.read(path, limit: W3CAnnotations.maxBytes))
                case .qdpx: plan = try REFIQDA.readProject(try ExchangeFormat.read(path, limit: REFIQDA.maxArchiveBytes))
                default: plan = try REFIQDA.readCodebook(try ExchangeFormat.read(path, limit: REFIQDA.maxArchiveBytes))
                }
                return ExchangeFormat.report(try target.importExchange(plan), json: output.json)
            }
            let names = try ArticleFile.collect(paths)
            guard !names.isEmpty else { throw AnnotError("no text files found in \(paths.joined(separator: ", "))") }
            let showProgress = Output.stderrIsTerminal && !output.json && names.count >= 50
            var files: [ArticleFile] = []
            for (index, name) in names.enumerated() {
                files.append(try ArticleFile(path: name))
                if showProgress && (index % 25 == 0 || index == names.count - 1) {
                    Output.progress("\rReading \(index + 1)/\(names.count) files")
                }
            }
            if showProgress { Output.progress("\n") }
            let report = try target.importArticles(from: files) { done, total in
                if showProgress && (done % 25 == 0 || done == total) {
                    Output.progress("\rImporting \(done)/\(total) articles")
                }
            }
            if showProgress { Output.progress("\n") }
            if output.json {
                Output.json(report)
            } else {
                Output.line("Imported \(report.imported.count) article(s), \(report.unchanged.count) already present.")
            }
        }
    }
}
