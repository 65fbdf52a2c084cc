import SyncCore

/// Finds a title in the messy text of a scraped article.
///
/// The corpus texts carry HTML debris (`" />`, tags, entities), breadcrumbs
/// (`Home / Afghanistan / …`), inline dates (`date 2020-01-06 KABUL …`) and site names
/// (`… - Sahar News`). The title is the first line that reads like a headline once that is
/// cleaned away; when there is none, the opening words of the first sentence.
public enum TitleExtractor {
    /// The longest title kept, in characters.
    public static let maxLength = 120
    /// How much of a line is read: more than a headline (200 characters) or a title can use.
    static let linePrefix = 1000

    /// The title of `text`, never empty (`Untitled` when the text has no words at all):
    /// one line, without control characters, within the wire format's limit.
    public static func title(of text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in headline(of: text).unicodeScalars.prefix(ImportArticle.maxTitleScalars) {
            scalars.append(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? " " : scalar)
        }
        return String(scalars)
    }

    static func headline(of text: String) -> String {
        // Only the first twelve lines with words are candidates, and only the start of a line
        // can make a title: cleaning every line of a 4 MiB text took minutes.
        var lines: [String] = []
        for line in text.split(maxSplits: 256, whereSeparator: \.isNewline) {
            let cleaned = clean(String(line.prefix(Self.linePrefix)))
            guard !cleaned.isEmpty else { continue }
            lines.append(cleaned)
            if lines.count == 12 { break }
        }
        let candidates = lines[...]
        for (index, line) in candidates.enumerated() where isHeadline(line) {
            // "Headline - Site Name": drop the site when the bare headline appears too.
            if let dash = line.range(of: " - ", options: .backwards) ?? line.range(of: " | ", options: .backwards) {
                let bare = String(line[..<dash.lowerBound])
                if candidates.dropFirst(index + 1).contains(where: { $0 == bare || $0.hasSuffix("/ " + bare) }) {
                    return bare
                }
            }
            return line
        }
        guard let first = lines.first else { return "Untitled" }
        return shorten(firstSentence(of: first))
    }

    /// Removes HTML tags and debris, entities, and a leading `date YYYY-MM-DD`.
    static func clean(_ line: String) -> String {
        var text = line
        text = replacing(#"<[^>]*>"#, in: text, with: " ")
        text = replacing(#"^[\s"'/>]*/?>"#, in: text, with: " ")
        text = replacing(#"&nbsp;|&#160;"#, in: text, with: " ")
        text = replacing(#"&amp;"#, in: text, with: "&")
        text = replacing(#"&(quot|#34);"#, in: text, with: "\"")
        text = replacing(#"&(apos|#39);"#, in: text, with: "'")
        text = replacing(#"^\s*date\s+\d{4}-\d{2}-\d{2}\s*"#, in: text, with: "")
        let words = text.split(whereSeparator: { $0.isWhitespace })
        return words.joined(separator: " ")
    }

    /// A headline: a few words, not a sentence, not a breadcrumb.
    static func isHeadline(_ line: String) -> Bool {
        let words = line.split(separator: " ")
        guard words.count >= 3, line.count <= 200 else { return false }
        if line.components(separatedBy: " / ").count >= 3 { return false }  // breadcrumb
        if line.hasSuffix(".") && words.count > 12 { return false }  // a body sentence
        return line.first.map { $0.isLetter || $0.isNumber || $0 == "\"" || $0 == "“" } ?? false
    }

    static func firstSentence(of line: String) -> String {
        // Skip a dateline in parentheses, "KABUL (Agency - 06th January, 2020) …".
        var text = line
        if let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")"),
            text.distance(from: text.startIndex, to: open) < 30
        {
            text = String(text[text.index(after: close)...]).trimmingWhitespace()
        }
        if let end = text.range(of: ". ") { return String(text[..<end.lowerBound]) }
        return text
    }

    static func shorten(_ text: String) -> String {
        guard text.count > maxLength else { return text }
        let cut = text.prefix(maxLength)
        let atWord = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        return String(atWord) + "…"
    }

    private static func replacing(_ pattern: String, in text: String, with replacement: String) -> String {
        guard let regex = try? Regex(pattern) else { return text }
        return text.replacing(regex, with: replacement)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice = slice.dropFirst() }
        while slice.last?.isWhitespace == true { slice = slice.dropLast() }
        return String(slice)
    }
}
