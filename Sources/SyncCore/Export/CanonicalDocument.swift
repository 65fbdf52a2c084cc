import Foundation

/// The layout of the canonical export document (``CorpusSnapshot/canonicalJSON()``), for
/// writing it list by list from elements encoded one at a time: the snapshot in memory
/// writes it this way, and the server writes it from its store's tables.
///
/// The bytes are those of `JSONEncoder` with sorted keys, pretty printing and unescaped
/// slashes encoding the whole document
/// `{articles, codes, decisions, format, highlights, notes, statuses, tags, version}`:
/// each element is encoded on its own (``encode(_:)``) and indented by two levels
/// (``append(element:to:)``), which gives the same bytes since no JSON string holds a raw
/// newline.
public enum CanonicalDocument {
    /// The document's lists, in the order of their keys.
    public enum List: String, CaseIterable, Sendable {
        case articles, codes, decisions, highlights, notes, statuses, tags
    }

    /// The document's first bytes.
    public static let opening = Array("{\n".utf8)

    /// What comes before a list's first element (with the `format` member that sorts
    /// before `highlights`).
    public static func open(_ list: List) -> [UInt8] {
        let format = list == .highlights ? "  \"format\" : \"annot-export\",\n" : ""
        return Array((format + "  \"\(list.rawValue)\" : [\n").utf8)
    }

    /// What comes between two elements of a list.
    public static let separator = Array(",\n".utf8)

    /// What ends a list (the encoder writes an empty list as `[`, an empty line, `]`).
    public static let close = Array("\n  ],\n".utf8)

    /// The document's last bytes.
    public static let closing = Array("  \"version\" : \(CorpusSnapshot.version)\n}\n".utf8)

    /// One element on its own, as the document's encoder writes it before indentation.
    public static func encode<Element: Encodable>(_ element: Element) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings, integers and booleans cannot fail.
        return try! encoder.encode(element)
    }

    /// Appends an element from ``encode(_:)``, indented by two levels: four spaces at the
    /// start of every line but the empty ones.
    public static func append<Bytes: Sequence<UInt8>>(element encoded: Bytes, to chunk: inout Data) {
        chunk.append(contentsOf: [0x20, 0x20, 0x20, 0x20])
        var previous: UInt8 = 0
        for byte in encoded {
            if previous == 0x0A, byte != 0x0A { chunk.append(contentsOf: [0x20, 0x20, 0x20, 0x20]) }
            chunk.append(byte)
            previous = byte
        }
    }
}
