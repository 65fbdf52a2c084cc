import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A small element tree read with Foundation's XMLParser, for REFI-QDA documents. The
/// document is refused before parsing when it declares a DTD (entities could expand or
/// reach outside the file), and the tree is bounded in depth and size.
final class XMLTree: NSObject, XMLParserDelegate {
    final class Element {
        /// The local name (no namespace prefix).
        let name: String
        let namespace: String?
        let attributes: [String: String]
        var children: [Element] = []
        var text = ""

        init(name: String, namespace: String?, attributes: [String: String]) {
            self.name = name
            self.namespace = namespace
            self.attributes = attributes
        }

        func child(_ name: String) -> Element? { children.first { $0.name == name } }
        func all(_ name: String) -> [Element] { children.filter { $0.name == name } }
    }

    static let maxDepth = 64
    static let maxElements = 2_000_000

    private var stack: [Element] = []
    private var root: Element?
    private var count = 0
    private var failure: String?

    /// Parses a document; the root element.
    static func parse(_ data: Data) throws(ExchangeError) -> Element {
        // The prolog: everything before the first element's `<` (a letter follows it).
        var end = data.startIndex
        while end + 1 < data.endIndex {
            let next = data[end + 1] | 0x20
            if data[end] == UInt8(ascii: "<"), next >= UInt8(ascii: "a"), next <= UInt8(ascii: "z") { break }
            end += 1
        }
        let prolog = String(decoding: data[data.startIndex..<end], as: UTF8.self)
        guard !prolog.contains("<!DOCTYPE"), !prolog.contains("<!ENTITY") else {
            throw .unsupported("the XML declares a DTD or entities, which REFI-QDA files do not use")
        }
        // From a stream: on Linux, XMLParser(data:) fails at the end of large documents
        // (over about 10 MB) that are well-formed.
        let parser = XMLParser(stream: InputStream(data: data))
        let tree = XMLTree()
        parser.delegate = tree
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let parsed = parser.parse()
        if let failure = tree.failure { throw .malformed(failure) }
        // Every element closed: libxml2 may report success on a document cut short.
        guard parsed, parser.parserError == nil, tree.stack.isEmpty, let root = tree.root else {
            let line = parser.lineNumber
            throw .malformed("not well-formed XML (line \(line)): \(parser.parserError?.localizedDescription ?? "unknown error")")
        }
        return root
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        count += 1
        guard stack.count < Self.maxDepth, count <= Self.maxElements else {
            failure = "the XML is nested too deep or holds too many elements"
            parser.abortParsing()
            return
        }
        let element = Element(name: name, namespace: namespaceURI, attributes: attributes)
        if let parent = stack.last { parent.children.append(element) } else { root = element }
        stack.append(element)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        stack.last?.text += String(decoding: block, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
        failure = "the XML declares an external entity"
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        failure = "the XML declares an entity"
        parser.abortParsing()
    }
}
