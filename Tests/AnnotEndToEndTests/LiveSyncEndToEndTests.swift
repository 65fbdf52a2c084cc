import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// `annot sync --watch` (issue 14): two analysts' replicas kept in sync through a real
    /// `syncd` while they work, across a restart of the server.
    @Suite(.timeLimit(.minutes(5)))
    struct LiveSyncEndToEndTests {
        let folder = TemporaryFolder()

        /// Polls bob's replica until `tag` is on article 003, and returns how long that took;
        /// nil after `timeout` seconds.
        func arrival(of tag: String, at cli: AnnotCLI, timeout: Double) throws -> Double? {
            let start = Date()
            while Date().timeIntervalSince(start) < timeout {
                let listed = try cli.run(["list", "--tag", tag, "--json"]).jsonArray ?? []
                if listed.contains(where: { ($0["id"] as? String)?.hasPrefix("003") == true }) {
                    return Date().timeIntervalSince(start)
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return nil
        }

        @Test func watchingReplicasReceiveEachOthersWorkAndReconnectAfterTheServerWentAway() throws {
            // Given alice (a curator, with the corpus) and bob, synced once, each running
            // annot sync --watch
            let server = SyncdProcess(data: folder.path("server"))
            try server.start()
            defer { server.stop() }
            let alice = try server.analyst("alice", in: folder)
            let bob = try server.analyst("bob", in: folder, role: "annotator", imports: false)
            expectSuccess(try alice.run(["sync"]))
            expectSuccess(try bob.run(["sync"]))
            let watchers = try [alice, bob].map { try $0.start(["sync", "--watch", "--json"]) }
            defer { for watcher in watchers where watcher.process.isRunning { kill(watcher.process.processIdentifier, SIGKILL) } }

            // When alice tags an article (locally: she runs no sync herself)
            expectSuccess(try alice.run(["tag", "003", "live/first"]))
            // Then bob's replica has it within seconds
            let first = try arrival(of: "live/first", at: bob, timeout: 20)
            #expect(first != nil && first! < 5, "bob received alice's tag after \(first.map { "\($0) s" } ?? "more than 20 s")")

            // And when bob replies with a tag of his own, alice's replica has it
            expectSuccess(try bob.run(["tag", "003", "live/reply"]))
            #expect(try arrival(of: "live/reply", at: alice, timeout: 20) != nil)

            // When the server goes away, alice tags while it is down, and it comes back
            let port = server.port
            server.stop()
            expectSuccess(try alice.run(["tag", "003", "live/offline"]))
            Thread.sleep(forTimeInterval: 1.5)
            try server.start(port: port)
            // Then both watchers reconnect by themselves and bob receives what alice did offline
            #expect(try arrival(of: "live/offline", at: bob, timeout: 60) != nil)

            // When both are stopped with Ctrl-C, Then they exit 0, and printed one JSON object
            // per line: syncs, and the failures while the server was away
            for watcher in watchers { kill(watcher.process.processIdentifier, SIGINT) }
            let results = watchers.map { $0.wait(timeout: 60) }
            for result in results {
                #expect(result.status == 0, "exit \(result.status): \(result.stderr)")
                let events = result.stdout.split(separator: "\n").map {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
                }
                #expect(!events.isEmpty && events.allSatisfy { $0 != nil }, "not JSON lines: \(result.stdout)")
                #expect(events.contains { $0?["event"] as? String == "synced" })
            }
            #expect(results.contains { $0.stdout.contains(#""event":"failed""#) }, "no watcher saw the server go away")
            // And the replicas agree
            let exports = try [alice, bob].map { try expectSuccess($0.run(["export"])).stdout }
            #expect(exports[0] == exports[1])
        }

        /// Given a watcher whose standard output cannot be written any more (here a full disk,
        /// `/dev/full`; a closed pipe is the same failure), when it has a line to print, then it
        /// stops with one line on standard error and exit status 74, rather than syncing on,
        /// unheard, for good.
        @Test func aWatcherWhoseOutputFailsStops() throws {
            let server = SyncdProcess(data: folder.path("server-full"))
            try server.start()
            defer { server.stop() }
            let carol = try server.analyst("carol", in: folder)
            expectSuccess(try carol.run(["sync"]))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: AnnotCLI.binary)
            process.arguments = ["sync", "--watch", "--json"]
            var environment = ProcessInfo.processInfo.environment
            environment["ANNOT_REPLICA"] = carol.replica
            process.environment = environment
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
            let err = Pipe()
            process.standardError = err
            try process.run()
            let watchdog = Watchdog(pid: process.processIdentifier, seconds: 60)
            defer { watchdog.disarm() }
            Thread.sleep(forTimeInterval: 1)
            expectSuccess(try carol.run(["tag", "003", "unheard"]))
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 74, "exit \(process.terminationStatus): \(stderr)")
            #expect(stderr.contains("standard output"), "\(stderr)")
        }
    }
}
