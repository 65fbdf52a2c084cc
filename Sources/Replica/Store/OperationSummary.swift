import SyncCore

/// One line in words for an operation, as `annot log` shows it.
enum OperationSummary {
    static func describe(_ operation: SyncOperation) -> String {
        switch operation.action {
        case .importArticle(let article, let title, _):
            "imported \(article): \(title)"
        case .addTag(let article, let tag):
            "tagged \(article) '\(tag)'"
        case .removeTag(let article, let tag, _):
            "untagged \(article) '\(tag)'"
        case .createNote(let note, let article, let body, let highlight):
            "noted on \(article)\(highlight == nil ? "" : " (highlight \(highlight!.rawValue.prefix(7)))") "
                + "[\(note.rawValue.prefix(7))]: \(excerpt(body))"
        case .editNote(let note, let body, let base):
            "edited note \(note.rawValue.prefix(7))\(base.count > 1 ? " (resolving \(base.count) versions)" : ""): \(excerpt(body))"
        case .deleteNote(let note, _):
            "deleted note \(note.rawValue.prefix(7))"
        case .createHighlight(let highlight, let article, let selector):
            "highlighted \(article) [\(highlight.rawValue.prefix(7))]: \"\(excerpt(selector.exact))\""
        case .deleteHighlight(let highlight):
            "deleted highlight \(highlight.rawValue.prefix(7))"
        }
    }

    static func excerpt(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 60 ? line.prefix(59) + "…" : line
    }
}
