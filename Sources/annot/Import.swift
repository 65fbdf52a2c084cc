import ArgumentParser
import Foundation
import Replica

extension Annot {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import articles from text files or folders of them.",
            discussion: """
                A file's name without its extension is the article's id. Folders are read for their \
                .txt, .text and .md files. The title is found in the text. Importing a file again \
                changes nothing; a file whose id exists with a different text is refused, and then \
                nothing is imported.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: ArgumentHelp("Files or folders to import.", valueName: "path"))
        var paths: [String]
        @OptionGroup var output: OutputOptions

        func run() throws {
            let target = try replica.open()
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
