import Foundation
import SeededRandom
import Testing

@testable import Exchange

/// The exchange formats on their own: what they write, and what they do with hostile files.
@Suite(.timeLimit(.minutes(10)))
struct ExchangeTests {
    static let text = "The talks in Doha resumed. “A ceasefire”, said the Taliban; the Taliban agreed."

    static func project() -> ExchangeProject {
        let scalars = Array(text.unicodeScalars)
        func span(_ quote: String, _ occurrence: Int) -> (Int, Int) {
            var found = 0
            for start in 0...(scalars.count - quote.unicodeScalars.count)
            where String(String.UnicodeScalarView(scalars[start..<(start + quote.unicodeScalars.count)])) == quote {
                found += 1
                if found == occurrence { return (start, start + quote.unicodeScalars.count) }
            }
            fatalError("no such quote")
        }
        let (s1, e1) = span("Taliban", 2)
        let (s2, e2) = span("“A ceasefire”", 1)
        return ExchangeProject(
            users: ["alice", "bob"],
            codes: [
                .init(id: "actors", path: "actors", memo: "Parties <to> the talks & \"others\"", createdBy: "alice", created: 1_700_000_000_000),
                .init(id: "talks", path: "talks", memo: nil, createdBy: "alice", created: 1_700_000_000_000),
                .init(id: "talks/doha", path: "talks/doha", memo: nil, createdBy: "bob", created: 1_700_000_000_001),
            ],
            articles: [.init(id: "a1", title: "Talks", text: text, importedBy: "alice", imported: 1_700_000_000_000)],
            highlights: [
                .init(id: "h1", article: "a1", author: "alice", created: 1_700_000_001_000, exact: "Taliban", prefix: "the ", suffix: " agreed",
                    start: s1, end: e1),
                .init(id: "h2", article: "a1", author: "bob", created: 1_700_000_002_000, exact: "“A ceasefire”", prefix: "", suffix: "",
                    start: s2, end: e2),
            ],
            codings: [
                .init(article: "a1", code: "actors", highlight: "h1", coder: "alice", created: 1_700_000_001_000),
                .init(article: "a1", code: "actors", highlight: "h1", coder: "bob", created: 1_700_000_003_000),
                .init(article: "a1", code: "talks/doha", highlight: nil, coder: "bob", created: 1_700_000_003_000),
            ],
            notes: [
                .init(id: "n1", article: "a1", highlight: "h1", replyTo: nil, author: "alice", created: 1_700_000_004_000,
                    updated: 1_700_000_005_000, body: "Which faction?\u{0001}"),
                .init(id: "n2", article: "a1", highlight: nil, replyTo: "n1", author: "bob", created: 1_700_000_006_000,
                    updated: 1_700_000_006_000, body: "The Doha office."),
            ])
    }

    // MARK: - W3C

    @Test func theW3CExportSatisfiesTheModelsMusts() throws {
        // Given a project, When it is exported as an AnnotationCollection
        let data = W3CAnnotations.collection(Self.project())
        let collection = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        // Then the collection has the anno.jsonld context as a string, an IRI id, its type,
        // a label, a total and an embedded first page with one item or more
        #expect(collection["@context"] as? String == "http://www.w3.org/ns/anno.jsonld")
        #expect(Self.isIRI(collection["id"]))
        #expect(collection["type"] as? String == "AnnotationCollection")
        #expect(collection["label"] is String)
        let page = try #require(collection["first"] as? [String: Any])
        #expect(page["type"] as? String == "AnnotationPage" && Self.isIRI(page["id"]))
        #expect(page["partOf"] as? String == collection["id"] as? String)
        let items = try #require(page["items"] as? [[String: Any]])
        #expect(collection["total"] as? Int == items.count && items.count == 5)
        let motivations = ["tagging", "highlighting", "commenting", "replying"]
        for item in items {
            // Each annotation: an IRI id, type Annotation, one or more targets, a known
            // motivation, a creator (a Person with an IRI), created as xsd:dateTime in UTC
            #expect(Self.isIRI(item["id"]))
            #expect(item["type"] as? String == "Annotation")
            #expect(item["target"] != nil)
            #expect(motivations.contains(item["motivation"] as? String ?? ""))
            let creator = try #require(item["creator"] as? [String: Any])
            #expect(creator["type"] as? String == "Person" && Self.isIRI(creator["id"]))
            #expect(Self.isUTCDateTime(item["created"]))
            if let modified = item["modified"] { #expect(Self.isUTCDateTime(modified)) }
            #expect(!(item["body"] != nil && item["bodyValue"] != nil))
            for body in (item["body"] as? [[String: Any]]) ?? [item["body"] as? [String: Any]].compactMap({ $0 }) {
                #expect(body["type"] as? String == "TextualBody")
                #expect(body["value"] is String)
                #expect(motivations.contains(body["purpose"] as? String ?? ""))
            }
            if let target = item["target"] as? [String: Any] {
                // A SpecificResource: one source, a TextQuoteSelector (exact) and a
                // TextPositionSelector (non-negative start and end) of the same span
                #expect(target["type"] as? String == "SpecificResource")
                #expect(Self.isIRI(target["source"]))
                let selectors = try #require(target["selector"] as? [[String: Any]])
                let quote = try #require(selectors.first { $0["type"] as? String == "TextQuoteSelector" })
                let position = try #require(selectors.first { $0["type"] as? String == "TextPositionSelector" })
                let start = try #require(position["start"] as? Int)
                let end = try #require(position["end"] as? Int)
                #expect(start >= 0 && end > start)
                let scalars = Array(Self.text.unicodeScalars)
                #expect(String(String.UnicodeScalarView(scalars[start..<end])) == quote["exact"] as? String)
            } else {
                #expect(Self.isIRI(item["target"]))
            }
        }
        // And codes are tagging bodies with their coders, and the reply targets its note
        let reply = try #require(items.first { $0["motivation"] as? String == "replying" })
        #expect(reply["target"] as? String == "urn:annot:note:n1")
        let tagged = try #require(items.first { $0["id"] as? String == "urn:annot:highlight:h1" })
        #expect((tagged["body"] as? [[String: Any]])?.map { ($0["creator"] as? [String: Any])?["nickname"] as? String } == ["alice", "bob"])
        // And an empty corpus is a collection with total 0 and no page (a page holds one or more)
        let empty = try #require(
            try JSONSerialization.jsonObject(
                with: W3CAnnotations.collection(ExchangeProject(users: [], codes: [], articles: [], highlights: [], codings: [], notes: [])))
                as? [String: Any])
        #expect(empty["total"] as? Int == 0 && empty["first"] == nil)
    }

    @Test func theW3CReaderTakesEveryShapeAndReportsWhatItCannotHold() throws {
        // Given our own export, read back
        let plan = try W3CAnnotations.read(W3CAnnotations.collection(Self.project()))
        #expect(plan.annotations.count == 5)
        #expect(plan.annotations.first { $0.sourceID == "urn:annot:highlight:h1" }?.codes == ["actors", "actors"])
        #expect(plan.annotations.first { $0.sourceID == "urn:annot:note:n2" }?.replyTo == "urn:annot:note:n1")
        // And a single annotation from another tool: bodyValue, an external body, an
        // unknown selector, a target given as {id}
        let foreign = """
            {"@context": ["http://www.w3.org/ns/anno.jsonld", {"x": "http://example.org/x"}], "id": "http://example.org/anno/7",
             "type": ["Annotation"], "bodyValue": "Interesting", "motivation": "commenting",
             "body": "http://example.org/body.html",
             "target": [{"source": "http://example.org/articles/003_e7379399b3230908.html",
                         "selector": [{"type": "CssSelector", "value": "#p1"},
                                      {"type": "TextQuoteSelector", "exact": "Taliban", "prefix": "the "}]},
                        {"id": "http://example.org/elsewhere"}]}
            """
        let read = try W3CAnnotations.read(Data(foreign.utf8))
        #expect(read.annotations.count == 2)
        #expect(read.annotations[0].notes == ["Interesting"])
        #expect(read.annotations[0].anchor?.exact == "Taliban")
        #expect(read.skipped.contains { $0.contains("external resource") })
        #expect(read.skipped.contains { $0.contains("CssSelector") })
        // And a page, and an array of annotations, are read too
        let page = #"{"type": "AnnotationPage", "id": "p", "items": [{"type": "Annotation", "id": "a", "target": "urn:x:a1"}]}"#
        #expect(try W3CAnnotations.read(Data(page.utf8)).annotations.count == 1)
        let array = #"[{"type": "Annotation", "id": "a", "target": "urn:x:a1"}, {"type": "Annotation", "id": "b"}]"#
        let both = try W3CAnnotations.read(Data(array.utf8))
        #expect(both.annotations.count == 1 && both.skipped == ["b: no target"])
    }

    @Test(arguments: [
        "", "not json", "42", "{\"type\": \"Dataset\"}", "[[[[[[[[[[[[{}]]]]]]]]]]]]", "{\"type\": \"Annotation\", \"target\": 5}",
        "{\"type\": \"AnnotationCollection\", \"first\": \"http://example.org/page2\"}",
    ])
    func hostileW3CDocumentsAreOneClearError(document: String) {
        // When a hostile or foreign document is read, Then it is an ExchangeError or a plan
        // with what it skipped, never a crash
        do {
            let plan = try W3CAnnotations.read(Data(document.utf8))
            #expect(plan.annotations.isEmpty)
        } catch {
            #expect(!error.description.isEmpty)
        }
    }

    // MARK: - REFI-QDA

    @Test func aProjectSurvivesTheArchiveAndTheReader() throws {
        // Given a project exported as .qdpx
        let archive = try REFIQDA.project(Self.project())
        let entries = try ZipArchive.read(archive)
        #expect(entries.keys.sorted().first == "Sources/" + REFIQDA.guid("text", "a1") + ".txt" || entries["project.qde"] != nil)
        #expect(String(decoding: entries["Sources/\(REFIQDA.guid("text", "a1")).txt"]!, as: UTF8.self) == Self.text)
        // When it is read back
        let plan = try REFIQDA.readProject(archive)
        // Then the codebook keeps its hierarchy and memos, the source its text, the
        // selections their exact quotes and codes, and the reply its parent
        #expect(plan.codes.map(\.path) == ["actors", "talks", "talks/doha"])
        #expect(plan.codes[0].memo == "Parties <to> the talks & \"others\"")
        #expect(plan.sources.map(\.text) == [Self.text])
        let selection = try #require(plan.annotations.first { $0.anchor?.exact == "Taliban" })
        #expect(selection.codes == ["actors", "actors"])
        // The control character XML cannot hold is replaced, not an invalid document
        #expect(selection.notes == ["Which faction?\u{FFFD}"])
        #expect(plan.annotations.first { $0.anchor == nil && $0.replyTo == nil }?.codes == ["talks/doha"])
        #expect(plan.annotations.contains { $0.replyTo?.hasPrefix("note:") == true && $0.notes == ["The Doha office."] })
        // And the same project always gives the same bytes
        #expect(try REFIQDA.project(Self.project()) == archive)
    }

    @Test func theCodebookAloneRoundTrips() throws {
        let plan = try REFIQDA.readCodebook(REFIQDA.codebook(Self.project()))
        #expect(plan.codes.map(\.path) == ["actors", "talks", "talks/doha"])
        #expect(plan.annotations.isEmpty)
    }

    @Test func aForeignProjectIsReadWithWhatItCannotHoldReported() throws {
        // Given a project as another tool writes it: braced lower-case GUIDs, colours,
        // inline text with a byte order mark, variables, cases, sets, a picture source
        let qde = """
            <?xml version="1.0" encoding="utf-8"?>
            <Project xmlns="urn:QDA-XML:project:1.0" name="From ATLAS.ti" origin="ATLAS.ti 23">
              <CodeBook><Codes>
                <Code guid="{0b1f6a3e-0000-4000-8000-000000000001}" name="Actors" isCodable="true" color="#ff0000">
                  <Code guid="{0b1f6a3e-0000-4000-8000-000000000002}" name="Taliban / TTP" isCodable="true"/>
                </Code>
              </Codes></CodeBook>
              <Variables><Variable guid="0b1f6a3e-0000-4000-8000-000000000009" name="year" typeOfVariable="Integer"/></Variables>
              <Cases><Case guid="0b1f6a3e-0000-4000-8000-00000000000a" name="c"/></Cases>
              <Sources>
                <TextSource guid="0b1f6a3e-0000-4000-8000-000000000003" name="interview-1.txt">
                  <PlainTextContent>\u{FEFF}We met the Taliban in Doha.</PlainTextContent>
                  <PlainTextSelection guid="0b1f6a3e-0000-4000-8000-000000000004" startPosition="11" endPosition="18">
                    <Coding guid="0b1f6a3e-0000-4000-8000-000000000005"><CodeRef targetGUID="{0b1f6a3e-0000-4000-8000-000000000002}"/></Coding>
                    <Coding guid="0b1f6a3e-0000-4000-8000-000000000006"><CodeRef targetGUID="0b1f6a3e-0000-4000-8000-0000000000ff"/></Coding>
                  </PlainTextSelection>
                  <PlainTextSelection guid="0b1f6a3e-0000-4000-8000-000000000007" startPosition="5" endPosition="900"/>
                </TextSource>
                <PictureSource guid="0b1f6a3e-0000-4000-8000-000000000008" name="map.png"/>
              </Sources>
              <Sets><Set guid="0b1f6a3e-0000-4000-8000-00000000000b" name="s"/></Sets>
            </Project>
            """
        let archive = ZipArchive.write([("Project.qde", Data(qde.utf8))])
        // When it is read
        let plan = try REFIQDA.readProject(archive)
        // Then the codes, the source and the good selection are there, a slash in a name
        // does not make a level, and everything else is reported
        #expect(plan.codes.map(\.path) == ["Actors", "Actors/Taliban - TTP"])
        #expect(plan.sources.first?.text == "We met the Taliban in Doha.")
        #expect(plan.annotations.first?.anchor?.exact == "Taliban")
        #expect(plan.annotations.first?.codes == ["Actors/Taliban - TTP"])
        for expected in ["colour", "Variables", "Cases", "Sets", "PictureSource", "outside the source", "not in the codebook"] {
            #expect(plan.skipped.contains { $0.contains(expected) }, "missing: \(expected) in \(plan.skipped)")
        }
    }

    @Test func aLargeProjectIsRead() throws {
        // Given a well-formed project.qde of over 12 MB (Foundation's XMLParser(data:)
        // fails at the end of such documents on Linux), When it is read, Then every note is there
        var qde = "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"big\"><Sources>"
        qde += "<TextSource guid=\"0b1f6a3e-0000-4000-8000-000000000003\" name=\"a1\"><PlainTextContent>"
        qde += String(repeating: "The talks resumed. ", count: 700_000) + "</PlainTextContent>"
        qde += "<PlainTextSelection guid=\"0b1f6a3e-0000-4000-8000-000000000004\" startPosition=\"4\" endPosition=\"9\"/></TextSource></Sources></Project>"
        #expect(qde.utf8.count > 12_000_000)
        let plan = try REFIQDA.readProject(ZipArchive.write([("project.qde", Data(qde.utf8))]))
        #expect(plan.annotations.first?.anchor?.exact == "talks")
    }

    @Test func hostileArchivesAreOneClearError() throws {
        let good = ZipArchive.write([("project.qde", Data("<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\"/>".utf8))])
        #expect(try REFIQDA.readProject(good).annotations.isEmpty)
        var cases: [(String, Data)] = [
            ("empty", Data()), ("not a zip", Data("PK but not really a zip archive at all....".utf8)),
            ("truncated", good.prefix(good.count - 10)), ("no project.qde", ZipArchive.write([("other.txt", Data("x".utf8))])),
            ("a DTD", ZipArchive.write([("project.qde", Data("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><Project name=\"&a;\"/>".utf8))])),
            ("not XML", ZipArchive.write([("project.qde", Data("<Project name=".utf8))])),
            (
                "a DTD after 8 KiB of comments",
                ZipArchive.write([
                    ("project.qde", Data(("<!--" + String(repeating: "x", count: 8192) + "--><!DOCTYPE x [<!ENTITY a \"aaaa\">]><Project name=\"&a;\"/>").utf8))
                ])
            ),
            ("another root", ZipArchive.write([("project.qde", Data("<Codebook/>".utf8))])),
        ]
        // A flipped byte in the deflated data (CRC or inflate fails)
        var damaged = ZipArchive.write([("project.qde", Data(String(repeating: "<Project/>", count: 100).utf8))])
        damaged[45] ^= 0xFF  // inside the deflated data (local header 30 bytes + the 11-byte name)
        cases.append(("damaged", damaged))
        // An entry that claims to be small but inflates to more (a zip bomb), and one that
        // claims more than the cap
        var bomb = ZipArchive.write([("project.qde", Data(repeating: 0x41, count: 100_000))])
        Self.patch32(&bomb, at: 22, 10)  // local header: uncompressed size
        Self.patch32(&bomb, at: Self.centralDirectory(bomb) + 24, 10)
        cases.append(("bomb", bomb))
        var huge = ZipArchive.write([("project.qde", Data("x".utf8))])
        Self.patch32(&huge, at: Self.centralDirectory(huge) + 24, UInt32(ZipArchive.maxInflatedBytes + 1))
        cases.append(("huge", huge))
        var encrypted = good
        encrypted[Self.centralDirectory(encrypted) + 8] |= 1
        cases.append(("encrypted", encrypted))
        for (name, data) in cases {
            #expect(throws: ExchangeError.self, "\(name)") { try REFIQDA.readProject(data) }
        }
        // A DTD is refused as one before parsing, however far into the prolog it is
        let late = ZipArchive.write([
            ("project.qde", Data(("<!--" + String(repeating: "x", count: 8192) + "--><!DOCTYPE x []><Project name=\"x\"/>").utf8))
        ])
        #expect { try REFIQDA.readProject(late) } throws: { "\($0)".contains("declares a DTD") }
        // And random bytes never crash the reader
        var random = SplitMix64(seed: 7)
        for _ in 0..<200 {
            var bytes = [UInt8](good)
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            _ = try? REFIQDA.readProject(Data(bytes))
        }
    }

    @Test(arguments: [
        (UInt64(0), "1970-01-01T00:00:00.000Z"), (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (1_700_000_000_123, "2023-11-14T22:13:20.123Z"), (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
    ])
    func timesAreUTCDateTimes(milliseconds: UInt64, expected: String) {
        #expect(UTCTime.string(milliseconds, fractional: true) == expected)
        #expect(UTCTime.string(milliseconds, fractional: false) == expected.prefix(19) + "Z")
    }

    // MARK: - Helpers

    static func isIRI(_ value: Any?) -> Bool {
        guard let text = value as? String, let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return false }
        return !text.contains(" ") && text[..<colon].allSatisfy { $0.isLetter || $0.isNumber || "+-.".contains($0) }
    }

    static func isUTCDateTime(_ value: Any?) -> Bool {
        guard let text = value as? String else { return false }
        return text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"#, options: .regularExpression) != nil
    }

    static func centralDirectory(_ data: Data) -> Int {
        let bytes = [UInt8](data)
        let end = bytes.count - 22
        return Int(bytes[end + 16]) | Int(bytes[end + 17]) << 8 | Int(bytes[end + 18]) << 16 | Int(bytes[end + 19]) << 24
    }

    static func patch32(_ data: inout Data, at offset: Int, _ value: UInt32) {
        for index in 0..<4 { data[offset + index] = UInt8((value >> (8 * UInt32(index))) & 0xFF) }
    }
}
