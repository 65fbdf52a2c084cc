import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// A new analyst starts from the server's snapshot (real `syncd` and `annot` on loopback),
    /// with the same state as one who received every operation.
    @Suite(.timeLimit(.minutes(10)), .serialized)
    struct SnapshotEndToEndTests {
        let folder = TemporaryFolder()

        @Test func aNewAnalystStartsFromTheSnapshotAndFollowsTheLog() throws {
            // Given a server that publishes snapshots of any log, and a curator's coded corpus on it
            let server = SyncdProcess(data: folder.path("server"))
            server.serveOptions = ["--snapshot-min-operations", "1"]
            try server.start()
            defer { server.stop() }
            let curator = try server.analyst("curator", in: folder)
            expectSuccess(try curator.run(["tag", "003", "precondition", "talks/doha"]))
            expectSuccess(try curator.run(["note", "004", "A note before the snapshot."]))
            expectSuccess(try curator.run(["sync"]))
            let reader = try server.addUser("reader", role: "reader")
            var published = false
            let deadline = Date().addingTimeInterval(60)
            while !published, Date() < deadline {
                published = try server.get("/v1/snapshot", token: reader).status == 200
                if !published { Thread.sleep(forTimeInterval: 0.2) }
            }
            #expect(published, "no snapshot within 60 s")
            expectSuccess(try curator.run(["tag", "001", "after-the-snapshot"]))
            expectSuccess(try curator.run(["sync"]))

            // When a new analyst syncs for the first time, and another with --no-snapshot
            let dana = AnnotCLI(replica: folder.path("dana.sqlite"))
            expectSuccess(try dana.run(["init", "--user", "dana"]))
            expectSuccess(try dana.run(["remote", "set", server.url, "--token", try server.addUser("dana", role: "annotator")]))
            let first = expectSuccess(try dana.run(["sync", "--snapshot-gap", "1"]))
            let erin = AnnotCLI(replica: folder.path("erin.sqlite"))
            expectSuccess(try erin.run(["init", "--user", "erin"]))
            expectSuccess(try erin.run(["remote", "set", server.url, "--token", try server.addUser("erin", role: "annotator")]))
            let replayed = expectSuccess(try erin.run(["sync", "--no-snapshot", "--json"]))

            // Then dana started from the snapshot, followed the log past it, and says so
            #expect(first.stdout.contains("Started from the server's snapshot"), "\(first.stdout)")
            #expect(replayed.json?["snapshot"] == nil)
            let status = expectSuccess(try dana.run(["status"])).stdout
            #expect(status.contains("Started from a snapshot of \(server.url)"), "\(status)")
            #expect(try dana.run(["status", "--json"]).json?["snapshot"] != nil)
            // and holds what erin, who received every operation, holds, and what the server holds
            let export = expectSuccess(try dana.run(["export"])).stdout
            #expect(export == expectSuccess(try erin.run(["export"])).stdout)
            let (_, body) = try server.get("/v1/export", token: reader)
            #expect(export == String(decoding: body, as: UTF8.self))
            #expect(expectSuccess(try dana.run(["list", "--tag", "after-the-snapshot"])).stdout.hasPrefix("001_"))
            #expect(expectSuccess(try dana.run(["search", "snapshot"])).stdout.contains("A note before the"))
            // and works on: its tag reaches the server
            expectSuccess(try dana.run(["tag", "002", "from-dana"]))
            expectSuccess(try dana.run(["sync"]))
            #expect(try dana.pending() == 0)
            expectSuccess(try erin.run(["sync"]))
            #expect(expectSuccess(try erin.run(["list", "--tag", "from-dana"])).stdout.hasPrefix("002_"))
        }
    }
}
