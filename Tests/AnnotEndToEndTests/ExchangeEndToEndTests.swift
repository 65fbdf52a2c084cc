import Exchange
import Foundation
import TestSupport
import Testing

extension EndToEnd {
/// The exchange formats through the built `annot`: a REFI-QDA project valid against the
/// schema, round trips through a new replica, W3C annotations re-anchored in another
/// analyst's replica, and hostile files refused in one line with nothing written.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct ExchangeEndToEndTests {
    let folder = TemporaryFolder()

    /// alice's replica: the corpus, codes on articles and spans, a memo, notes and a reply.
    func coded() throws -> AnnotCLI {
        let alice = AnnotCLI(replica: folder.path("alice.sqlite"))
        expectSuccess(try alice.run(["init", "--user", "alice"]))
        expectSuccess(try alice.run(["import", AnnotCLI.corpus]))
        expectSuccess(try alice.run(["tag", "003", "precondition", "talks/doha"]))
        expectSuccess(try alice.run(["tag", "001", "talks"]))
        expectSuccess(try alice.run(["highlight", "003", "--quote", "Taliban", "--occurrence", "1", "--tag", "actors", "--note", "Which wing?"]))
        expectSuccess(try alice.run(["highlight", "001", "--quote", "Taliban", "--occurrence", "2", "--tag", "actors", "--tag", "talks"]))
        expectSuccess(try alice.run(["tag", "describe", "actors", "Parties to the talks, <armed> & not"]))
        let note = try expectSuccess(alice.run(["note", "003", "Compare with 004."])).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        expectSuccess(try alice.run(["reply", note, "Done: 004 says the same."]))
        return alice
    }

    static func qde(_ archive: String) throws -> String {
        let entries = try ZipArchive.read(try Data(contentsOf: URL(fileURLWithPath: archive)))
        return String(decoding: try #require(entries["project.qde"]), as: UTF8.self)
    }

    /// The project without the times of creation, which an import makes anew.
    static func withoutTimes(_ xml: String) -> String {
        xml.replacingOccurrences(of: #" (creation|modified)DateTime="[^"]*""#, with: "", options: .regularExpression)
    }

    @Test func aREFIQDAProjectIsValidAndRoundTrips() throws {
        // Given alice's coded replica, exported as a REFI-QDA project
        let alice = try coded()
        let archive = folder.path("project.qdpx")
        expectSuccess(try alice.run(["export", "--format", "qdpx", archive]))
        // Then project.qde is valid against the REFI-QDA Project schema
        let qde = try Self.qde(archive)
        let file = folder.path("project.qde")
        try qde.write(toFile: file, atomically: true, encoding: .utf8)
        let validation = try Self.xmllint(file)
        #expect(validation.status == 0, "\(validation.output)")
        #expect(qde.contains("Parties to the talks, &lt;armed&gt; &amp; not"))
        // When a new replica (alice on another machine, with no articles) imports it
        let copy = AnnotCLI(replica: folder.path("copy.sqlite"))
        expectSuccess(try copy.run(["init", "--user", "alice"]))
        let imported = try expectSuccess(copy.run(["import", "--format", "qdpx", archive, "--json"]))
        #expect(imported.json?["articles"] as? Int == 5, "\(imported.stdout)")
        #expect(imported.json?["highlights"] as? Int == 2)
        // Then exporting it again gives the same project (but for when things were made)
        let again = folder.path("again.qdpx")
        expectSuccess(try copy.run(["export", "--format", "qdpx", again]))
        #expect(Self.withoutTimes(try Self.qde(again)) == Self.withoutTimes(qde))
        #expect(try ZipArchive.read(Data(contentsOf: URL(fileURLWithPath: again))).filter { $0.key != "project.qde" }
            == ZipArchive.read(Data(contentsOf: URL(fileURLWithPath: archive))).filter { $0.key != "project.qde" })
        // And importing it a second time adds nothing
        let twice = try expectSuccess(copy.run(["import", "--format", "qdpx", archive, "--json"]))
        for key in ["articles", "codes", "highlights", "codings", "notes"] { #expect(twice.json?[key] as? Int == 0, "\(key)") }
        // And the codebook alone round trips as .qdc
        let codebook = folder.path("codes.qdc")
        expectSuccess(try alice.run(["export", "--format", "qdc", codebook]))
        let fresh = AnnotCLI(replica: folder.path("fresh.sqlite"))
        expectSuccess(try fresh.run(["init", "--user", "carol"]))
        expectSuccess(try fresh.run(["import", "--format", "qdc", codebook]))
        let second = folder.path("codes2.qdc")
        expectSuccess(try fresh.run(["export", "--format", "qdc", second]))
        #expect(try String(contentsOfFile: second, encoding: .utf8) == String(contentsOfFile: codebook, encoding: .utf8))
        #expect(try expectSuccess(fresh.run(["codebook"])).stdout.contains("Parties to the talks"))
    }

    @Test func w3cAnnotationsAreReanchoredInAnotherReplica() throws {
        // Given alice's annotations exported as W3C Web Annotations
        let alice = try coded()
        let file = folder.path("annotations.jsonld")
        expectSuccess(try alice.run(["export", "--format", "w3c", file]))
        // When bob, who has the corpus, imports them
        let bob = AnnotCLI(replica: folder.path("bob.sqlite"))
        expectSuccess(try bob.run(["init", "--user", "bob"]))
        expectSuccess(try bob.run(["import", AnnotCLI.corpus]))
        let report = try expectSuccess(bob.run(["import", "--format", "w3c", file, "--json"]))
        #expect(report.json?["highlights"] as? Int == 2, "\(report.stdout)")
        #expect((report.json?["skipped"] as? [String])?.isEmpty == true, "\(report.stdout)")
        // Then bob has the same spans with the same codes, the notes and the reply thread
        func spans(_ cli: AnnotCLI, _ article: String) throws -> [String] {
            let detail = try expectSuccess(cli.run(["show", article, "--json"])).json
            return ((detail?["highlights"] as? [[String: Any]]) ?? []).map { "\($0["start"]!)-\($0["end"]!):\($0["tags"]!)" }
        }
        for article in ["001", "003"] { #expect(try spans(bob, article) == spans(alice, article)) }
        #expect(try expectSuccess(bob.run(["list", "--tag", "talks", "--json"])).jsonArray?.count == 2)
        let notes = try expectSuccess(bob.run(["notes", "--json"])).jsonArray ?? []
        let reply = try #require(notes.first { $0["body"] as? String == "Done: 004 says the same." })
        #expect(notes.first { $0["id"] as? String == reply["replyTo"] as? String }?["body"] as? String == "Compare with 004.")
        // And importing the file again adds nothing
        let again = try expectSuccess(bob.run(["import", "--format", "w3c", file, "--json"]))
        #expect(again.json?["highlights"] as? Int == 0 && again.json?["notes"] as? Int == 0 && again.json?["codings"] as? Int == 0)
    }

    @Test func hostileFilesAreRefusedInOneLineWithNothingWritten() throws {
        let alice = try coded()
        let before = try expectSuccess(alice.run(["export"])).stdout
        let cases: [(String, String, Data)] = [
            ("qdpx", "garbage.qdpx", Data("not a zip at all".utf8)),
            ("qdpx", "bomb.qdpx", ZipArchive.write([("project.qde", Data("<Project".utf8))])),
            ("qdc", "entity.qdc", Data("<!DOCTYPE c [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><CodeBook>&x;</CodeBook>".utf8)),
            ("w3c", "nested.jsonld", Data((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8)),
            ("w3c", "binary.jsonld", Data((0..<4096).map { UInt8($0 % 251) })),
        ]
        for (format, name, data) in cases {
            let path = folder.path(name)
            try data.write(to: URL(fileURLWithPath: path))
            let result = try alice.run(["import", "--format", format, path])
            #expect(result.status == 1, "\(name): \(result.stdout)")
            #expect(result.stderr.hasPrefix("annot: error: ") && result.stderr.split(separator: "\n").count == 1, "\(name): \(result.stderr)")
        }
        // And a missing file, and an export to a folder that does not exist
        #expect(try alice.run(["import", "--format", "qdpx", folder.path("none.qdpx")]).status == 1)
        let failed = try alice.run(["export", "--format", "qdpx", folder.path("no/such/folder/p.qdpx")])
        #expect(failed.status == 1 && failed.stderr.contains("nothing was written"), "\(failed.stderr)")
        #expect(try expectSuccess(alice.run(["export"])).stdout == before)
    }

    /// Runs xmllint against the REFI-QDA Project schema beside the clone.
    static func xmllint(_ file: String) throws -> (status: Int32, output: String) {
        let schema = try #require(SampleCorpus.sharedFolder(named: "refi-qda"), "../shared/refi-qda is missing") + "/Project-mrt2019.xsd"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xmllint", "--noout", "--schema", schema, file]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
}
