import ArgumentParser
import Replica

extension Annot {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show an article: its text with highlights marked, its tags and notes.",
            discussion: "Highlights are marked ⟦like this⟧, or in colour on a terminal; a coded span is followed by its codes, ⟦like this⟧{code}."
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The article's id or a unique prefix of it.")
        var article: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let detail = try replica.open().article(article)
            if output.json { return Output.json(detail) }
            Output.line("\(detail.title)")
            Output.line("\(detail.id) · imported by \(detail.importedBy)")
            Output.line("Tags: " + (detail.tags.isEmpty ? "none" : detail.tags.joined(separator: ", ")))
            Output.line("")
            // The text's own control characters are escaped around the markers, which are
            // the only escapes `annot show` writes.
            Output.line(Self.marked(detail.text, highlights: detail.highlights, colour: Output.stdoutIsTerminal), escaping: false)
            if !detail.highlights.isEmpty {
                Output.line("\nHighlights:")
                for highlight in detail.highlights {
                    let codes = highlight.tags.isEmpty ? "" : "  [\(highlight.tags.joined(separator: ", "))]"
                    Output.line("  \(Output.short(highlight.id))  \(highlight.author): \"\(highlight.exact)\"\(codes)")
                }
            }
            if !detail.notes.isEmpty {
                Output.line("\nNotes:")
                for note in detail.notes {
                    let flag = note.conflicted ? "  (conflict: see 'annot conflicts')" : ""
                    let anchor = note.highlight.map { " on highlight \(Output.short($0))" } ?? ""
                    Output.line("  \(Output.short(note.id))  \(note.updatedBy)\(anchor): \(note.body)\(flag)")
                }
            }
        }

        /// The text with each highlight wrapped in markers; overlapping highlights are merged.
        static func marked(_ text: String, highlights: [HighlightRecord], colour: Bool) -> String {
            let (open, close) = colour ? ("\u{1B}[4;33m", "\u{1B}[0m") : ("⟦", "⟧")
            var spans: [(Int, Int, [String])] = []
            for highlight in highlights.sorted(by: { $0.start < $1.start }) {
                if let last = spans.last, highlight.start <= last.1 {
                    spans[spans.count - 1].1 = max(last.1, highlight.end)
                    spans[spans.count - 1].2 += highlight.tags.filter { !last.2.contains($0) }
                } else {
                    spans.append((highlight.start, highlight.end, highlight.tags))
                }
            }
            let scalars = Array(text.unicodeScalars)
            func escaped(_ range: Range<Int>) -> String {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[range])
                return TerminalText.escaped(String(view))
            }
            var out = ""
            var position = 0
            for (start, end, codes) in spans where end <= scalars.count {
                let label = codes.isEmpty ? "" : "{" + TerminalText.escaped(codes.joined(separator: ", ")) + "}"
                out += escaped(position..<start) + open + escaped(start..<end) + close + label
                position = end
            }
            return out + escaped(position..<scalars.count)
        }
    }
}
