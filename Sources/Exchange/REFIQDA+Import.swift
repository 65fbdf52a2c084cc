import Foundation

extension REFIQDA {
    /// Reads a `.qdpx` project: its codebook, its text sources (with their texts, to match
    /// or import them as articles), selections, codings and notes. What the model does not
    /// hold (variables, cases, sets, graphs, pictures, audio, video, PDF sources, code
    /// colours) is reported in ``ExchangeImport/skipped``.
    public static func readProject(_ archive: Data) throws(ExchangeError) -> ExchangeImport {
        let entries = try ZipArchive.read(archive)
        guard let qde = entries.first(where: { $0.key.lowercased() == "project.qde" || $0.key.lowercased().hasSuffix("/project.qde") })
        else { throw .malformed("the archive holds no project.qde: not a REFI-QDA project") }
        let root = try XMLTree.parse(qde.value)
        guard root.name == "Project" else { throw .malformed("project.qde's root is <\(root.name)>, not <Project>") }
        var result = ExchangeImport()
        // Sources folder entries by lowercased name: tools differ in the folder's case.
        var files: [String: Data] = [:]
        for (name, data) in entries { files[name.lowercased()] = data }

        var codePaths: [String: String] = [:]
        if let codes = root.child("CodeBook")?.child("Codes") {
            readCodes(codes, parent: nil, into: &result, paths: &codePaths)
        }
        // Notes, by GUID.
        var notes: [String: String] = [:]
        for note in root.child("Notes")?.all("Note") ?? [] {
            guard let guid = note.attributes["guid"] else { continue }
            if let text = note.child("PlainTextContent")?.text, !text.isEmpty {
                notes[guid] = text
            } else if let path = note.attributes["plainTextPath"], let data = file(path, files) {
                notes[guid] = text(data)
            } else if let description = note.child("Description")?.text, !description.isEmpty {
                notes[guid] = description
            }
        }
        var noted = Set<String>()
        // Replies: a link named reply from one note to another.
        var replies: [String: String] = [:]
        for link in root.child("Links")?.all("Link") ?? [] {
            if link.attributes["name"] == "reply", let origin = link.attributes["originGUID"], let target = link.attributes["targetGUID"],
                notes[origin] != nil, notes[target] != nil
            {
                replies[origin] = target
            } else {
                result.skipped.append("link \(link.attributes["name"] ?? link.attributes["guid"] ?? ""): annot keeps only reply links between notes")
            }
        }
        func codes(of element: XMLTree.Element, _ owner: String) -> [String] {
            element.all("Coding").compactMap { coding in
                guard let target = coding.child("CodeRef")?.attributes["targetGUID"] else { return nil }
                guard let path = codePaths[target] else {
                    result.skipped.append("\(owner): a coding with code \(target), which is not in the codebook")
                    return nil
                }
                return path
            }
        }
        func noteTexts(of element: XMLTree.Element) -> [(guid: String, text: String)] {
            element.all("NoteRef").compactMap { ref in
                guard let guid = ref.attributes["targetGUID"], let text = notes[guid], replies[guid] == nil else { return nil }
                noted.insert(guid)
                return (guid, text)
            }
        }
        for source in root.child("Sources")?.children ?? [] {
            let name = source.attributes["name"] ?? source.attributes["guid"] ?? "a source"
            guard source.name == "TextSource" else {
                result.skipped.append("\(source.name) '\(name)': annot holds text sources only")
                continue
            }
            var content: String?
            if let inline = source.child("PlainTextContent")?.text, !inline.isEmpty {
                content = inline.hasPrefix("\u{FEFF}") ? String(inline.dropFirst()) : inline
            } else if let path = source.attributes["plainTextPath"] {
                guard let data = file(path, files) else {
                    result.skipped.append("source '\(name)': its text \(path) is not in the archive")
                    continue
                }
                content = text(data)
            }
            guard let content else {
                result.skipped.append("source '\(name)': it has no plain text")
                continue
            }
            let sourceID = source.attributes["guid"] ?? name
            result.sources.append(.init(sourceID: sourceID, name: name, title: source.child("Description")?.text, text: content))
            let scalars = Array(content.unicodeScalars)
            for selection in source.all("PlainTextSelection") {
                let label = "selection \(selection.attributes["guid"] ?? "?") of '\(name)'"
                guard let start = selection.attributes["startPosition"].flatMap(Int.init),
                    let end = selection.attributes["endPosition"].flatMap(Int.init), start >= 0, end > start, end <= scalars.count
                else {
                    result.skipped.append("\(label): its positions are outside the source's text")
                    continue
                }
                let exact = String(String.UnicodeScalarView(scalars[start..<end]))
                let prefix = String(String.UnicodeScalarView(scalars[max(0, start - 32)..<start]))
                let suffix = String(String.UnicodeScalarView(scalars[end..<min(scalars.count, end + 32)]))
                let attached = noteTexts(of: selection)
                result.annotations.append(
                    .init(
                        sourceID: selection.attributes["guid"] ?? label, article: "source:" + sourceID,
                        anchor: .init(exact: exact, prefix: prefix, suffix: suffix, start: start, end: end),
                        codes: codes(of: selection, label), notes: attached.map(\.text)))
                for note in attached { result.annotations[result.annotations.count - 1].noteIDs.append(note.guid) }
            }
            let whole = codes(of: source, "source '\(name)'")
            let attached = noteTexts(of: source)
            if !whole.isEmpty || !attached.isEmpty {
                result.annotations.append(
                    .init(sourceID: sourceID, article: "source:" + sourceID, anchor: nil, codes: whole, notes: attached.map(\.text)))
                result.annotations[result.annotations.count - 1].noteIDs = attached.map(\.guid)
            }
            if !source.all("VariableValue").isEmpty {
                result.skipped.append("source '\(name)': \(source.all("VariableValue").count) variable value(s); annot has no variables")
            }
        }
        // Replies, after what they answer; notes nothing refers to are reported.
        for (reply, parent) in replies.sorted(by: { $0.key < $1.key }) {
            result.annotations.append(.init(sourceID: reply, article: nil, anchor: nil, notes: [notes[reply]!], replyTo: "note:" + parent))
        }
        let loose = notes.keys.filter { !noted.contains($0) && replies[$0] == nil }.count
        if loose > 0 { result.skipped.append("\(loose) note(s) attached to no source or selection (project or code notes): annot keeps notes on articles and spans") }
        for element in ["Variables", "Cases", "Sets", "Graphs"] where root.child(element) != nil {
            result.skipped.append("\(element): annot has no \(element.lowercased()), so they are not imported")
        }
        return result
    }

    /// Reads a `.qdc` codebook.
    public static func readCodebook(_ data: Data) throws(ExchangeError) -> ExchangeImport {
        let root = try XMLTree.parse(data)
        guard root.name == "CodeBook" else { throw .malformed("the root is <\(root.name)>, not <CodeBook>: not a REFI-QDA codebook") }
        var result = ExchangeImport()
        var paths: [String: String] = [:]
        if let codes = root.child("Codes") { readCodes(codes, parent: nil, into: &result, paths: &paths) }
        if root.child("Sets") != nil { result.skipped.append("Sets: annot has no code sets, so they are not imported") }
        return result
    }

    /// Nested `Code` elements as paths; colours are reported, not kept.
    static func readCodes(
        _ element: XMLTree.Element, parent: String?, into result: inout ExchangeImport, paths: inout [String: String]
    ) {
        var coloured = 0
        func walk(_ element: XMLTree.Element, _ parent: String?) {
            for code in element.all("Code") {
                let name = (code.attributes["name"] ?? "").replacingOccurrences(of: "/", with: "-").trimmingCharacters(in: .whitespacesAndNewlines)
                guard !name.isEmpty else {
                    result.skipped.append("a code without a name (guid \(code.attributes["guid"] ?? "?"))")
                    continue
                }
                let path = parent.map { $0 + "/" + name } ?? name
                if let guid = code.attributes["guid"] { paths[guid] = path }
                if code.attributes["color"] != nil { coloured += 1 }
                let memo = code.child("Description")?.text.trimmingCharacters(in: .whitespacesAndNewlines)
                result.codes.append(.init(path: path, memo: memo?.isEmpty == false ? memo : nil, sourceID: code.attributes["guid"]))
                walk(code, path)
            }
        }
        walk(element, parent)
        if coloured > 0 { result.skipped.append("\(coloured) code colour(s): annot does not keep code colours") }
    }

    /// An `internal://` file of the archive (in `Sources/`, any case), or nil.
    static func file(_ path: String, _ files: [String: Data]) -> Data? {
        guard path.hasPrefix("internal://") else { return nil }
        let name = String(path.dropFirst("internal://".count)).lowercased()
        return files["sources/" + name] ?? files[name]
    }

    /// A UTF-8 text, without a byte order mark.
    static func text(_ data: Data) -> String {
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text
    }
}
