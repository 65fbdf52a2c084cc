import Foundation
import SyncCore

/// The REFI-QDA exchange standard (https://www.qdasoftware.org): a project (`.qdpx`, a ZIP
/// of `project.qde` and `Sources/`) and a codebook (`.qdc`), both ways.
///
/// Export: users; the codebook as nested `Code`s (the path's hierarchy) with memos as
/// `Description`; each article a `TextSource` whose text is `Sources/<guid>.txt`; each
/// highlight a `PlainTextSelection` (positions in Unicode code points, end exclusive) with
/// a `Coding` per coder and code; codes on a whole article as `Coding`s of the source;
/// notes in `Notes`, referred to by `NoteRef`, and replies as a `Link` named `reply`.
/// GUIDs derive from content (a code's path, an article's id, a span, a note's text), so
/// equal projects give equal files.
public enum REFIQDA {
    public static let projectNamespace = "urn:QDA-XML:project:1.0"
    public static let codebookNamespace = "urn:QDA-XML:codebook:1.0"
    /// The largest archive (or codebook) read.
    public static let maxArchiveBytes = 256 * 1024 * 1024

    /// A GUID from a key: the first 128 bits of its SHA-256, as an RFC 4122 name-based id.
    static func guid(_ kind: String, _ key: String) -> String {
        var hex = Array(Digest.sha256Hex("refi-qda \(kind)\n\(key)").prefix(32))
        hex[12] = "5"
        hex[16] = ["8", "9", "a", "b"][Int(String(hex[16]), radix: 16)! % 4]
        let text = String(hex).uppercased()
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(text[text.index(text.startIndex, offsetBy: range.lowerBound)..<text.index(text.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }

    static func dateTime(_ milliseconds: UInt64) -> String { UTCTime.string(milliseconds, fractional: false) }

    // MARK: - Export

    /// The project as a `.qdpx` archive.
    public static func project(_ project: ExchangeProject) throws -> Data {
        var entries: [(name: String, data: Data)] = [("project.qde", Data(projectXML(project).utf8))]
        for article in project.articles {
            entries.append(("Sources/\(guid("text", article.id)).txt", Data(article.text.utf8)))
        }
        return ZipArchive.write(entries)
    }

    /// `project.qde`: the project document, valid against the REFI-QDA Project schema.
    public static func projectXML(_ project: ExchangeProject) -> String {
        var xml = XMLText()
        xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        xml.open("Project", ["xmlns": projectNamespace, "name": "annot export", "origin": "annot"])
        if !project.users.isEmpty {
            xml.open("Users")
            for user in project.users { xml.empty("User", ["guid": guid("user", user), "name": user, "id": user]) }
            xml.close("Users")
        }
        writeCodes(project.codes, into: &xml, notes: true)
        // GUIDs from content, not from ids: a project imported elsewhere and exported again
        // gives the same GUIDs.
        var selectionGUIDs: [String: String] = [:]
        for highlight in project.highlights {
            selectionGUIDs[highlight.id] = guid("selection", "\(highlight.article)\n\(highlight.start)\n\(highlight.end)\n\(highlight.author)")
        }
        let noteGUIDs = Self.noteGUIDs(project.notes, selections: selectionGUIDs)
        func noteGUID(_ note: ExchangeProject.Note) -> String { noteGUIDs[note.id]! }
        var notesOn: [String: [ExchangeProject.Note]] = [:]
        for note in project.notes where note.replyTo == nil { notesOn[note.highlight ?? "article:" + note.article, default: []].append(note) }
        let highlights = Dictionary(grouping: project.highlights, by: \.article)
        let codings = Dictionary(grouping: project.codings, by: { $0.highlight ?? "article:" + $0.article })
        let user = { (name: String) in guid("user", name) }
        func writeCodings(_ list: [ExchangeProject.Coding], in xml: inout XMLText) {
            for coding in list {
                xml.open(
                    "Coding",
                    [
                        "guid": guid(
                            "coding", "\(coding.article)\n\(coding.highlight.flatMap { selectionGUIDs[$0] } ?? "")\n\(coding.code)\n\(coding.coder)"),
                        "creatingUser": user(coding.coder), "creationDateTime": dateTime(coding.created),
                    ])
                xml.empty("CodeRef", ["targetGUID": guid("code", coding.code)])
                xml.close("Coding")
            }
        }
        if !project.articles.isEmpty {
            xml.open("Sources")
            for article in project.articles {
                xml.open(
                    "TextSource",
                    [
                        "guid": guid("source", article.id), "name": article.id,
                        "plainTextPath": "internal://\(guid("text", article.id)).txt",
                        "creatingUser": user(article.importedBy), "creationDateTime": dateTime(article.imported),
                    ])
                xml.element("Description", article.title)
                for highlight in highlights[article.id] ?? [] {
                    xml.open(
                        "PlainTextSelection",
                        [
                            "guid": selectionGUIDs[highlight.id]!,
                            "name": highlight.exact, "startPosition": String(highlight.start), "endPosition": String(highlight.end),
                            "creatingUser": user(highlight.author), "creationDateTime": dateTime(highlight.created),
                        ])
                    writeCodings(codings[highlight.id] ?? [], in: &xml)
                    for note in (notesOn[highlight.id] ?? []).sorted(by: { noteGUID($0) < noteGUID($1) }) {
                        xml.empty("NoteRef", ["targetGUID": noteGUID(note)])
                    }
                    xml.close("PlainTextSelection")
                }
                writeCodings(codings["article:" + article.id] ?? [], in: &xml)
                for note in (notesOn["article:" + article.id] ?? []).sorted(by: { noteGUID($0) < noteGUID($1) }) {
                    xml.empty("NoteRef", ["targetGUID": noteGUID(note)])
                }
                xml.close("TextSource")
            }
            xml.close("Sources")
        }
        if !project.notes.isEmpty {
            xml.open("Notes")
            for note in project.notes.sorted(by: { noteGUID($0) < noteGUID($1) }) {
                var attributes = [
                    "guid": noteGUID(note), "name": String(note.body.prefix(40)), "creatingUser": user(note.author),
                    "creationDateTime": dateTime(note.created),
                ]
                if note.updated != note.created { attributes["modifiedDateTime"] = dateTime(note.updated) }
                xml.open("Note", attributes)
                xml.element("PlainTextContent", note.body)
                xml.close("Note")
            }
            xml.close("Notes")
        }
        let replies = project.notes.filter { $0.replyTo != nil }
        let byID = Dictionary(uniqueKeysWithValues: project.notes.map { ($0.id, $0) })
        let links = replies.compactMap { reply in byID[reply.replyTo!].map { (reply, $0) } }
        if !links.isEmpty {
            xml.open("Links")
            for (reply, parent) in links.sorted(by: { noteGUID($0.0) < noteGUID($1.0) }) {
                xml.empty(
                    "Link",
                    [
                        "guid": guid("link", noteGUID(reply)), "name": "reply", "direction": "OneWay", "originGUID": noteGUID(reply),
                        "targetGUID": noteGUID(parent),
                    ])
            }
            xml.close("Links")
        }
        xml.close("Project")
        return xml.text
    }

    /// Each note's GUID, from its article, the selection it is on, its author, its text
    /// and (for a reply) the note it answers; notes alike in all of that are numbered in
    /// the order they were made.
    static func noteGUIDs(_ notes: [ExchangeProject.Note], selections: [String: String]) -> [String: String] {
        let byID = Dictionary(uniqueKeysWithValues: notes.map { ($0.id, $0) })
        var result: [String: String] = [:]
        var used: [String: Int] = [:]
        func key(_ note: ExchangeProject.Note, depth: Int) -> String {
            let parent = depth < 8 ? note.replyTo.flatMap { byID[$0] }.map { key($0, depth: depth + 1) } ?? "" : ""
            return "\(note.article)\n\(note.highlight.flatMap { selections[$0] } ?? "")\n\(note.author)\n\(note.body)\n\(parent)"
        }
        for note in notes.sorted(by: { ($0.created, $0.id) < ($1.created, $1.id) }) {
            let base = key(note, depth: 0)
            let count = used[base, default: 0]
            used[base] = count + 1
            result[note.id] = guid("note", count == 0 ? base : base + "\n#\(count)")
        }
        return result
    }

    /// The codebook alone, as a `.qdc` document.
    public static func codebook(_ project: ExchangeProject) -> Data {
        var xml = XMLText()
        xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        xml.open("CodeBook", ["xmlns": codebookNamespace, "origin": "annot"])
        writeCodes(project.codes, into: &xml, notes: false, wrapper: false)
        xml.close("CodeBook")
        return Data(xml.text.utf8)
    }

    /// The codes as nested `Code` elements, each path under its parent's.
    static func writeCodes(_ codes: [ExchangeProject.Code], into xml: inout XMLText, notes: Bool, wrapper: Bool = true) {
        guard !codes.isEmpty else { return }
        var children: [String: [ExchangeProject.Code]] = [:]
        let paths = Set(codes.map(\.path))
        for code in codes {
            var parent = code.path.contains("/") ? String(code.path[..<code.path.lastIndex(of: "/")!]) : ""
            while !parent.isEmpty && !paths.contains(parent) {
                parent = parent.contains("/") ? String(parent[..<parent.lastIndex(of: "/")!]) : ""
            }
            children[parent, default: []].append(code)
        }
        func write(_ code: ExchangeProject.Code, _ xml: inout XMLText) {
            let label = code.path.split(separator: "/").last.map(String.init) ?? code.path
            xml.open("Code", ["guid": guid("code", code.path), "name": label, "isCodable": "true"])
            if let memo = code.memo { xml.element("Description", memo) }
            for child in children[code.path] ?? [] { write(child, &xml) }
            xml.close("Code")
        }
        if wrapper { xml.open("CodeBook") }
        xml.open("Codes")
        for code in children[""] ?? [] { write(code, &xml) }
        xml.close("Codes")
        if wrapper { xml.close("CodeBook") }
    }
}

/// XML written by hand: elements indented, attributes sorted, text escaped, and the
/// characters XML 1.0 cannot hold (C0 controls but tab, newline and return) replaced by U+FFFD.
struct XMLText {
    private(set) var text = ""
    private var depth = 0

    mutating func raw(_ string: String) { text += string }

    mutating func open(_ name: String, _ attributes: [String: String] = [:]) {
        text += indent() + "<" + name + Self.attributes(attributes) + ">\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        text += indent() + "</" + name + ">\n"
    }

    mutating func empty(_ name: String, _ attributes: [String: String]) {
        text += indent() + "<" + name + Self.attributes(attributes) + "/>\n"
    }

    mutating func element(_ name: String, _ content: String) {
        text += indent() + "<" + name + ">" + Self.escape(content, attribute: false) + "</" + name + ">\n"
    }

    private func indent() -> String { String(repeating: "  ", count: depth) }

    private static func attributes(_ attributes: [String: String]) -> String {
        // xmlns first, then the rest sorted: a fixed order, for equal bytes.
        attributes.sorted { ($0.key == "xmlns" ? "" : $0.key) < ($1.key == "xmlns" ? "" : $1.key) }
            .map { " \($0.key)=\"\(escape($0.value, attribute: true))\"" }.joined()
    }

    static func escape(_ text: String, attribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where attribute: result += "&quot;"
            case "\r": result += "&#13;"
            case "\n" where attribute: result += "&#10;"
            case "\t" where attribute: result += "&#9;"
            case "\n", "\t": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                let allowed = value >= 0x20 && !(0xFFFE...0xFFFF).contains(value)
                result.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return result
    }
}
