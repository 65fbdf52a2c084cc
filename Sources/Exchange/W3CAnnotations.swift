import Foundation

/// The W3C Web Annotation Data Model (https://www.w3.org/TR/annotation-model/), both ways:
/// a project as one `AnnotationCollection` in JSON-LD, and collections (or pages, single
/// annotations, arrays of them) read back as an ``ExchangeImport``.
///
/// Export: each highlight is an `Annotation` whose target is a `SpecificResource` (the
/// article) with a `TextQuoteSelector` and a `TextPositionSelector` (alternatives for the
/// same span); its codes are `TextualBody` bodies with purpose `tagging`, each with its
/// coder as creator. Codes on a whole article are one `Annotation` per article and coder,
/// targeting the article. Each note is an `Annotation` with motivation `commenting` (a
/// reply: `replying`, targeting the annotation it answers). Articles, users and
/// annotations are named by `urn:annot:` IRIs.
public enum W3CAnnotations {
    /// The JSON-LD context every annotation document names.
    public static let context = "http://www.w3.org/ns/anno.jsonld"

    static func iri(_ kind: String, _ id: String) -> String {
        "urn:annot:\(kind):" + (id.addingPercentEncoding(withAllowedCharacters: unreserved) ?? id)
    }

    /// RFC 3986 unreserved characters: what an IRI segment may hold as it is.
    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    /// An xsd:dateTime in UTC, as the model's `created` and `modified` want it.
    static func dateTime(_ milliseconds: UInt64) -> String { UTCTime.string(milliseconds, fractional: true) }

    static func agent(_ user: String) -> [String: Any] {
        ["id": iri("user", user), "type": "Person", "name": user, "nickname": user]
    }

    // MARK: - Export

    /// The project as one `AnnotationCollection` whose first (and only) page embeds every
    /// annotation; keys sorted, so equal projects give equal bytes.
    public static func collection(_ project: ExchangeProject, label: String = "annot export") -> Data {
        var highlights: [String: ExchangeProject.Highlight] = [:]
        for highlight in project.highlights { highlights[highlight.id] = highlight }
        var items: [[String: Any]] = []
        func target(_ highlight: ExchangeProject.Highlight) -> [String: Any] {
            [
                "type": "SpecificResource",
                "source": iri("article", highlight.article),
                "selector": [
                    [
                        "type": "TextQuoteSelector", "exact": highlight.exact, "prefix": highlight.prefix,
                        "suffix": highlight.suffix,
                    ],
                    ["type": "TextPositionSelector", "start": highlight.start, "end": highlight.end],
                ],
            ]
        }
        func tagging(_ coding: ExchangeProject.Coding) -> [String: Any] {
            [
                "type": "TextualBody", "value": coding.code, "purpose": "tagging", "format": "text/plain",
                "creator": agent(coding.coder), "created": dateTime(coding.created),
            ]
        }
        let spanCodings = Dictionary(grouping: project.codings.filter { $0.highlight != nil }, by: { $0.highlight! })
        for highlight in project.highlights {
            let bodies = (spanCodings[highlight.id] ?? []).map(tagging)
            var annotation: [String: Any] = [
                "id": iri("highlight", highlight.id), "type": "Annotation",
                "motivation": bodies.isEmpty ? "highlighting" : "tagging",
                "creator": agent(highlight.author), "created": dateTime(highlight.created), "target": target(highlight),
            ]
            if !bodies.isEmpty { annotation["body"] = bodies }
            items.append(annotation)
        }
        let wholeCodings = Dictionary(grouping: project.codings.filter { $0.highlight == nil }) { "\($0.article)\n\($0.coder)" }
        for key in wholeCodings.keys.sorted() {
            let codings = wholeCodings[key]!
            let first = codings.min { $0.created < $1.created }!
            items.append([
                "id": iri("codes", "\(first.article)/\(first.coder)"), "type": "Annotation", "motivation": "tagging",
                "creator": agent(first.coder), "created": dateTime(first.created),
                "modified": dateTime(codings.map(\.created).max()!),
                "target": iri("article", first.article), "body": codings.map(tagging),
            ])
        }
        for note in project.notes {
            let purpose = note.replyTo == nil ? "commenting" : "replying"
            var annotation: [String: Any] = [
                "id": iri("note", note.id), "type": "Annotation", "motivation": purpose,
                "creator": agent(note.author), "created": dateTime(note.created),
                "body": ["type": "TextualBody", "value": note.body, "format": "text/plain", "purpose": purpose],
            ]
            if note.updated != note.created { annotation["modified"] = dateTime(note.updated) }
            if let parent = note.replyTo {
                annotation["target"] = iri("note", parent)
            } else if let id = note.highlight, let highlight = highlights[id] {
                annotation["target"] = target(highlight)
            } else {
                annotation["target"] = iri("article", note.article)
            }
            items.append(annotation)
        }
        var collection: [String: Any] = [
            "@context": context, "id": iri("collection", "export"), "type": "AnnotationCollection", "label": label,
            "total": items.count,
        ]
        // A page holds one annotation or more: an empty collection has none.
        if !items.isEmpty {
            let page = iri("collection", "export") + "/page1"
            collection["first"] = [
                "id": page, "type": "AnnotationPage", "partOf": iri("collection", "export"), "startIndex": 0, "items": items,
            ]
            collection["last"] = page
        }
        // Plain strings, numbers, arrays and objects: serializing cannot fail.
        return try! JSONSerialization.data(withJSONObject: collection, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            + Data("\n".utf8)
    }

    // MARK: - Import

    /// The largest document read.
    public static let maxBytes = 64 * 1024 * 1024

    /// Reads annotations from an `AnnotationCollection` (its embedded pages), an
    /// `AnnotationPage`, one `Annotation` or an array of them. Bodies and targets of kinds
    /// the model does not hold are reported in ``ExchangeImport/skipped``, never fatal.
    public static func read(_ data: Data) throws(ExchangeError) -> ExchangeImport {
        guard data.count <= maxBytes else { throw .tooLarge("the file is over \(maxBytes / 1024 / 1024) MiB") }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .malformed("not a JSON document: \(error.localizedDescription)")
        }
        var result = ExchangeImport()
        var items: [Any] = []
        func types(_ object: [String: Any]) -> [String] {
            if let one = object["type"] as? String { return [one] }
            return (object["type"] as? [Any])?.compactMap { $0 as? String } ?? []
        }
        func collect(_ value: Any, depth: Int) throws(ExchangeError) {
            guard depth < 8 else { throw .malformed("annotations nested too deep") }
            if let list = value as? [Any] {
                for element in list { try collect(element, depth: depth + 1) }
                return
            }
            guard let object = value as? [String: Any] else { throw .malformed("expected annotations, found a \(kind(of: value))") }
            let kinds = types(object)
            if kinds.contains("Annotation") {
                items.append(object)
            } else if kinds.contains("AnnotationPage") {
                try collect(object["items"] ?? [], depth: depth + 1)
                if let next = object["next"] as? [String: Any] { try collect(next, depth: depth + 1) }
                else if let next = object["next"] as? String { result.skipped.append("page \(next) is not in the file: only embedded pages are read") }
            } else if kinds.contains("AnnotationCollection") {
                if let first = object["first"] as? [String: Any] { try collect(first, depth: depth + 1) }
                else if let first = object["first"] as? String { result.skipped.append("page \(first) is not in the file: only embedded pages are read") }
            } else {
                throw .malformed("expected an Annotation, AnnotationPage or AnnotationCollection, found type \(kinds.isEmpty ? "none" : kinds.joined(separator: ","))")
            }
        }
        try collect(root, depth: 0)
        for (index, item) in items.enumerated() {
            let object = item as! [String: Any]
            let id = object["id"] as? String ?? "annotation #\(index + 1)"
            result.annotations.append(contentsOf: annotation(object, id: id, skipped: &result.skipped))
        }
        return result
    }

    private static func kind(of value: Any) -> String {
        switch value {
        case is String: "string"
        case is NSNumber: "number"
        default: "value"
        }
    }

    /// One annotation per target (a W3C annotation may have several).
    private static func annotation(_ object: [String: Any], id: String, skipped: inout [String]) -> [ExchangeImport.Annotation] {
        let motivations = (object["motivation"] as? String).map { [$0] } ?? (object["motivation"] as? [Any])?.compactMap { $0 as? String } ?? []
        var codes: [String] = []
        var notes: [String] = []
        var bodies: [Any] = []
        if let body = object["body"] { bodies = (body as? [Any]) ?? [body] }
        if let value = object["bodyValue"] as? String { notes.append(value) }
        for body in bodies {
            guard let body = body as? [String: Any] else {
                skipped.append("\(id): a body that is an external resource (\(body)) is not kept")
                continue
            }
            let kinds = (body["type"] as? String).map { [$0] } ?? (body["type"] as? [Any])?.compactMap { $0 as? String } ?? []
            guard kinds.contains("TextualBody") || body["value"] is String, let value = body["value"] as? String else {
                skipped.append("\(id): a body of type \(kinds.joined(separator: ",")) is not kept")
                continue
            }
            let purpose = (body["purpose"] as? String) ?? (motivations.contains("tagging") && motivations.count == 1 ? "tagging" : nil)
            if purpose == "tagging" || purpose == "classifying" { codes.append(value) } else { notes.append(value) }
        }
        var targets: [Any] = []
        if let target = object["target"] { targets = (target as? [Any]) ?? [target] }
        guard !targets.isEmpty else {
            skipped.append("\(id): no target")
            return []
        }
        var result: [ExchangeImport.Annotation] = []
        for target in targets {
            if let source = target as? String {
                // An IRI: an article, or (for a reply) another annotation.
                if motivations.contains("replying") || source.hasPrefix("urn:annot:note:") || source.hasPrefix("urn:annot:highlight:") {
                    result.append(.init(sourceID: id, article: nil, anchor: nil, codes: codes, notes: notes, replyTo: source))
                } else {
                    result.append(.init(sourceID: id, article: source, anchor: nil, codes: codes, notes: notes))
                }
                continue
            }
            guard let resource = target as? [String: Any], let source = (resource["source"] as? String) ?? (resource["id"] as? String) else {
                skipped.append("\(id): a target without a source")
                continue
            }
            var anchor = ExchangeImport.Anchor()
            var selectors: [Any] = []
            if let selector = resource["selector"] { selectors = (selector as? [Any]) ?? [selector] }
            for selector in selectors {
                guard let selector = selector as? [String: Any] else { continue }
                switch selector["type"] as? String {
                case "TextQuoteSelector":
                    anchor.exact = selector["exact"] as? String
                    anchor.prefix = selector["prefix"] as? String
                    anchor.suffix = selector["suffix"] as? String
                case "TextPositionSelector":
                    if let start = selector["start"] as? Int, let end = selector["end"] as? Int, start >= 0, end > start {
                        anchor.start = start
                        anchor.end = end
                    }
                default:
                    skipped.append("\(id): a \(selector["type"] as? String ?? "untyped") selector is not read")
                }
            }
            let anchored = anchor.exact != nil || anchor.start != nil
            if motivations.contains("replying"), !anchored {
                result.append(.init(sourceID: id, article: nil, anchor: nil, codes: codes, notes: notes, replyTo: source))
            } else {
                result.append(.init(sourceID: id, article: source, anchor: anchored ? anchor : nil, codes: codes, notes: notes))
            }
        }
        return result
    }
}
