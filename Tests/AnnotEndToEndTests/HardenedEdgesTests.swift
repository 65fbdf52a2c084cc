import Foundation
import SyncCore
import TestSupport
import Testing

extension EndToEnd {
/// The edges a careful user and a hostile peer reach, against real `syncd` and `annot`
/// processes: silent and slow sockets, framing errors, quotas, concurrent exports, full
/// disks and closed pipes, and command lines that look like options.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct HardenedEdgesTests {
    let folder = TemporaryFolder(prefix: "annot-e2e")

    func startServer(_ options: [String] = [], descriptorLimit: Int? = nil) throws -> SyncdProcess {
        let server = SyncdProcess(data: folder.path("server"))
        server.serveOptions = options
        server.descriptorLimit = descriptorLimit
        try server.start()
        return server
    }

    func analyst(_ name: String, server: SyncdProcess, role: String = "curator", imports: Bool = true) throws -> AnnotCLI {
        try server.analyst(name, in: folder, role: role, imports: imports)
    }

    // MARK: - Sockets

    @Test func silentSocketsDoNotLockOutClients() throws {
        // Given syncd limited to 256 open files, and 300 connections that send nothing
        let server = try startServer(descriptorLimit: 256)
        let token = try server.addUser("alice")
        var silent: [Int32] = []
        defer { silent.forEach { close($0) } }
        for _ in 0..<300 { if let socket = try? LoopbackSocket.connect(port: server.port) { silent.append(socket) } }
        #expect(silent.count >= 256)
        // When a client asks something
        let start = Date()
        let answer = try LoopbackSocket.exchange(
            port: server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 10)
        // Then it is served at once, and so is an authenticated request
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(80))")
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(try server.get("/v1/keys", token: token).status == 200)
    }

    @Test func eachPhaseOfARequestHasADeadline() throws {
        // Given syncd with one-second idle, header and body timeouts
        let server = try startServer(["--idle-timeout", "1", "--header-timeout", "1", "--body-timeout", "1"])
        let token = try server.addUser("alice")
        // When a connection sends nothing, Then it is closed after the idle timeout
        let idle = try LoopbackSocket.connect(port: server.port)
        defer { close(idle) }
        let idleClosed = LoopbackSocket.receive(idle, timeout: 10).closedAfter
        #expect(idleClosed.map { $0 < 4 } == true, "idle connection open after \(idleClosed ?? -1) s")
        // When a head trickles in a byte at a time, Then it is closed after the header timeout
        let header = try LoopbackSocket.connect(port: server.port)
        defer { close(header) }
        let headerStart = Date()
        for byte in Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 40) {
            guard (try? LoopbackSocket.send(header, [byte])) != nil else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        _ = LoopbackSocket.receive(header, timeout: 5)
        #expect(Date().timeIntervalSince(headerStart) < 6)
        // When a body stops half way, Then it is closed after the body timeout
        let body = try LoopbackSocket.connect(port: server.port)
        defer { close(body) }
        try LoopbackSocket.send(
            body, Array("POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Length: 1000\r\n\r\n{\"format\"".utf8))
        let bodyClosed = LoopbackSocket.receive(body, timeout: 10).closedAfter
        #expect(bodyClosed.map { $0 < 4 } == true, "half-sent body open after \(bodyClosed ?? -1) s")
    }

    /// A server whose corpus exports to about 5 MB, started with `options`, and a reader's token.
    func serverWithALargeCorpus(_ options: [String]) throws -> (server: SyncdProcess, reader: String) {
        let server = try startServer(options)
        let alice = try analyst("alice", server: server, imports: false)
        let articles = TemporaryFolder(prefix: "large-articles")
        for index in 0..<4 {
            let line = "Article \(index): talks in Doha resumed, said the spokesman of the delegation, line "
            let text = "Large article \(index)\n\n" + (0..<14_000).map { "\(line)\($0).\n" }.joined()
            try text.write(toFile: articles.path("big\(index).txt"), atomically: true, encoding: .utf8)
        }
        expectSuccess(try alice.run(["import", articles.path]))
        expectSuccess(try alice.run(["sync"]))
        return (server, try server.addUser("auditor", role: "reader"))
    }

    static func exportRequest(_ token: String) -> [UInt8] {
        Array("GET /v1/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n".utf8)
    }

    @Test func aSlowReaderGetsItsWholeAnswer() throws {
        // Given a server with a one-second idle timeout and a 5 MB export
        let (server, reader) = try serverWithALargeCorpus(["--idle-timeout", "1", "--send-timeout", "10"])
        // When a client with a small window reads the export slowly, for several seconds
        // (a Python client: it sleeps between reads as a slow link would)
        let script = """
            import socket, sys, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            s.connect(("127.0.0.1", int(sys.argv[1]))); s.settimeout(20)
            s.sendall(("GET /v1/export HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer %s\\r\\n\\r\\n" % sys.argv[2]).encode())
            got, start = b"", time.time()
            while not got.endswith(b"\\r\\n0\\r\\n\\r\\n"):
                data = s.recv(16384)
                if not data: break
                got += data
                time.sleep(0.02)
            print("complete" if got.endswith(b"\\r\\n0\\r\\n\\r\\n") else "cut", len(got), round(time.time() - start, 1))
            """
        let python = AnnotCLI(replica: folder.path("unused.sqlite"), executable: "/usr/bin/env")
        let result = try python.start(["python3", "-c", script, String(server.port), reader]).wait(timeout: 90)
        // Then the answer is whole (the chunked body's last chunk arrived), however long it took
        let words = result.stdout.split(separator: " ")
        #expect(words.first == "complete", "\(result.stdout) \(result.stderr)")
        #expect((words.dropFirst().first.flatMap { Int($0) } ?? 0) > 4_500_000)
        #expect((words.last.flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0) > 1, "read faster than the idle timeout")
    }

    /// `syncd_connections_open` from `/metrics`.
    static func openConnections(_ server: SyncdProcess) -> Int? {
        guard let text = try? LoopbackSocket.exchange(port: server.port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 5),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("syncd_connections_open ") })
        else { return nil }
        return Double(line.split(separator: " ").last ?? "").map { Int($0) }
    }

    @Test func aClientThatStopsReadingIsClosedAfterTheSendTimeout() throws {
        // Given a server with a two-second send timeout and a 5 MB export
        let (server, reader) = try serverWithALargeCorpus(["--send-timeout", "2"])
        // When two clients ask for the export and never read it
        let stalled = try (0..<2).map { _ in try LoopbackSocket.connect(port: server.port, receiveBuffer: 16 * 1024) }
        defer { stalled.forEach { close($0) } }
        for socket in stalled { try LoopbackSocket.send(socket, Self.exportRequest(reader)) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect((Self.openConnections(server) ?? 0) >= 3, "the two stalled ones and this one")
        // Then within seconds the server closes them (only this request's connection is left),
        // long before any other deadline (60 s by default). The send timeout starts once the
        // kernel's send buffer is full (megabytes on loopback), which takes a debug build
        // under the parallel suite several seconds of making the export (measured: up to 11 s).
        let start = Date()
        var open = Self.openConnections(server)
        while (open ?? 99) > 1, Date().timeIntervalSince(start) < 40 {
            Thread.sleep(forTimeInterval: 0.5)
            open = Self.openConnections(server)
        }
        #expect(open == 1, "still open: \(open.map(String.init) ?? "no metric")")
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test func aBodySentAfterItsAnswerDoesNotHoldASlot() throws {
        // Given a server with two connection slots
        let server = try startServer(["--max-connections", "2"])
        // When two clients each send a head with a body, get their answer, then send the body
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<2 {
            let socket = try LoopbackSocket.connect(port: server.port)
            sockets.append(socket)
            try LoopbackSocket.send(socket, Array("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n".utf8))
            var answer = [UInt8](repeating: 0, count: 4096)
            _ = answer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            try LoopbackSocket.send(socket, Array("abcde".utf8))
        }
        Thread.sleep(forTimeInterval: 0.3)
        // Then a third client is served at once: the two wait for a next request, and the
        // one that waited longest makes room
        let answer = try LoopbackSocket.exchange(port: server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 5)
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(80))")
    }

    @Test func framingErrorsAre400sWithAJSONBody() throws {
        // Given a server and a token
        let server = try startServer()
        let token = try server.addUser("alice")
        // When a request is not HTTP, Then the answer is a 400 with a JSON error code
        let garbage = try LoopbackSocket.exchange(port: server.port, "HELLO THERE\r\n\r\n")
        #expect(garbage.hasPrefix("HTTP/1.1 400"))
        #expect(garbage.contains(#""code":"malformed_request""#), "\(garbage)")
        // When a chunked push has a broken chunk size, Then a 400 with a JSON body, not a 500
        let chunked = try LoopbackSocket.exchange(
            port: server.port,
            "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n")
        #expect(chunked.hasPrefix("HTTP/1.1 400"), "\(chunked.prefix(60))")
        #expect(chunked.contains(#""code":"malformed_request""#), "\(chunked)")
    }

    // MARK: - Quotas and memory

    @Test func pushesOverAUsersQuotaAre429WithRetryAfter() throws {
        // Given syncd allowing 10 operations per user per hour, and alice's first 8 (the
        // corpus and three tags), pushed
        let server = try startServer(["--quota-operations", "10", "--quota-window", "3600"])
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["tag", "003", "a", "b", "c"]))
        expectSuccess(try alice.run(["sync"]))
        // When she makes five more and syncs
        expectSuccess(try alice.run(["tag", "003", "d", "e", "f", "g", "h"]))
        let refused = try alice.run(["sync"])
        // Then the sync fails with one line naming the quota, and the five wait to be pushed
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("quota"), "\(refused.stderr)")
        #expect(try alice.pending() == 5)
        // And the raw answer is a 429 with Retry-After and a stable code
        let document = try alice.run(["changes"]).stdout
        let answer = try LoopbackSocket.exchange(
            port: server.port,
            "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(try server.addUser("alice"))\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(document.utf8.count)\r\nConnection: close\r\n\r\n\(document)")
        #expect(answer.hasPrefix("HTTP/1.1 429"), "\(answer.prefix(80))")
        #expect(answer.lowercased().contains("retry-after: "))
        #expect(answer.contains(#""code":"quota_exceeded""#))
    }

    /// The peak resident memory of a process, in bytes (Linux).
    static func peakMemory(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "").map { $0 * 1024 }
    }

    @Test func concurrentExportsStayWithinTheirMemoryBound() throws {
        // Given a corpus of four articles of 1.2 MB each (5 MB), on the server
        let (server, reader) = try serverWithALargeCorpus([])
        let first = try server.get("/v1/export", token: reader)
        #expect(first.status == 200 && first.body.count > 4_500_000)
        // (The export is streamed, never built whole: chunked, with no Content-Length. The
        // memory bound below alone does not show it at this corpus size: two cores encode
        // at most two whole exports at once.)
        let head = try LoopbackSocket.exchange(
            port: server.port, "GET /v1/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(reader)\r\nConnection: close\r\n\r\n"
        ).prefix(while: { $0 != "{" }).lowercased()
        #expect(head.contains("transfer-encoding: chunked") && !head.contains("content-length"), "\(head)")
        let pid = try #require(server.pid)
        let before = try #require(Self.peakMemory(pid))
        // When eight clients export at once, reading at 2 MB/s (so that the exports overlap),
        // half of them gzip-compressed
        var clients: [Process] = []
        for index in 0..<8 {
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            curl.arguments =
                ["-s", "-o", "/dev/null", "--limit-rate", index % 2 == 0 ? "2M" : "200K", "-H", "Authorization: Bearer \(reader)"]
                + (index % 2 == 0 ? [] : ["--compressed"]) + ["--max-time", "60", "\(server.url)/v1/export"]
            try curl.run()
            clients.append(curl)
        }
        for curl in clients {
            let watchdog = Watchdog(pid: curl.processIdentifier, seconds: 90)
            curl.waitUntilExit()
            watchdog.disarm()
            #expect(curl.terminationStatus == 0)
        }
        // Then the server's peak memory grew by far less than the eight exports' size (40 MB,
        // which exports built whole would hold while the slow clients read them): each holds
        // one element at a time, a few copies of a 1.2 MB article while it is encoded
        let after = try #require(Self.peakMemory(pid))
        #expect(after - before < 24 * 1024 * 1024, "peak grew by \((after - before) / 1024 / 1024) MiB")
    }

    // MARK: - Sync never gets stuck

    @Test func aChangesetOverTheServersLimitIsSetAsideAndEverythingElseFlows() throws {
        // Given syncd taking bodies of at most 1 MiB, and alice with a 1.5 MiB article
        let server = try startServer(["--max-body-bytes", "1048576"])
        let alice = try analyst("alice", server: server)
        let bob = try analyst("bob", server: server, role: "annotator", imports: false)
        let large = TemporaryFolder(prefix: "large-article")
        let text = "A long report\n\n" + (0..<20_000).map { "Paragraph \($0) of the report on the talks in Doha, with figures.\n" }.joined()
        try text.write(toFile: large.path("report.txt"), atomically: true, encoding: .utf8)
        expectSuccess(try alice.run(["import", large.path("report.txt")]))
        expectSuccess(try alice.run(["tag", "003", "precondition"]))
        // When alice syncs, and bob, then alice again
        let first = try alice.run(["sync"])
        expectSuccess(try bob.run(["sync"]))
        expectSuccess(try bob.run(["tag", "003", "talks"]))
        expectSuccess(try bob.run(["sync"]))
        let second = try alice.run(["sync"])
        // Then the large import is set aside with the reason, her other work is on the
        // server, and she receives bob's: nothing is stuck in either direction
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("refused 1 of your changeset"), "\(first.stderr)")
        expectSuccess(second)
        let status = try alice.run(["status"]).stdout
        #expect(status.contains("Refused by the server: 1"), "\(status)")
        #expect(status.contains("body_too_large"))
        #expect(try alice.pending() == 0)
        #expect(try alice.run(["list", "--tag", "talks"]).stdout.contains("003"))
        #expect(try bob.run(["list", "--tag", "precondition"]).stdout.contains("003"))
    }

    @Test func aClockFarAheadOfTheWallClockStopsWritingWithOneLine() throws {
        // Given a replica whose clock stamped operations an hour ahead (the system clock was
        // then set back)
        let cli = AnnotCLI(replica: folder.path("alice.sqlite"))
        expectSuccess(try cli.run(["init", "--user", "alice"]))
        expectSuccess(try cli.run(["import", AnnotCLI.corpus]))
        let latest = try HostilePeerTests.latest(cli)
        let ahead = Timestamp(milliseconds: HostilePeerTests.now + 3_600_000, counter: 0, replica: latest.replica)
        try HostilePeerTests.sql(cli.replica, "UPDATE replica SET clock = '\(ahead)'")
        // When alice tags
        let tagged = try cli.run(["tag", "003", "precondition"])
        // Then nothing is written, and one line says why and what to do
        #expect(tagged.status != 0)
        #expect(tagged.stderr.contains("ahead of this machine's clock"), "\(tagged.stderr)")
        #expect(tagged.stderr.split(separator: "\n").count == 1)
        #expect(!(try cli.run(["tags"]).stdout.contains("precondition")))
    }

    // MARK: - Output that cannot be written

    /// Runs `executable` with standard output (and, with `errorToo`, standard error) on `/dev/full`.
    func runOnFullDisk(_ executable: String, _ arguments: [String], replica: String? = nil, errorToo: Bool = false) throws
        -> (status: Int32, reason: Process.TerminationReason, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        if let replica { environment["ANNOT_REPLICA"] = replica }
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let err = Pipe()
        process.standardError = errorToo ? FileHandle(forWritingAtPath: "/dev/full") : err
        try process.run()
        let watchdog = Watchdog(pid: process.processIdentifier, seconds: 60)
        let stderr = errorToo ? Data() : err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.disarm()
        return (process.terminationStatus, process.terminationReason, String(decoding: stderr, as: UTF8.self))
    }

    @Test func annotOnAFullDiskFailsWithOneLine() throws {
        // Given a replica with the corpus
        let cli = AnnotCLI(replica: folder.path("alice.sqlite"))
        expectSuccess(try cli.run(["init", "--user", "alice"]))
        expectSuccess(try cli.run(["import", AnnotCLI.corpus]))
        // When `annot changes` writes to a full disk, Then it fails with one line, and
        // gives no cursor for next time (the file it meant to write is not whole)
        let changes = try runOnFullDisk(AnnotCLI.binary, ["changes"], replica: cli.replica)
        #expect(changes.status == 74)
        #expect(changes.stderr.contains("cannot write to standard output: No space left on device"), "\(changes.stderr)")
        #expect(!changes.stderr.contains("next time"))
        #expect(changes.stderr.split(separator: "\n").count == 1)
        // When `annot export` does, Then it fails too
        let export = try runOnFullDisk(AnnotCLI.binary, ["export"], replica: cli.replica)
        #expect(export.status == 74)
        // When standard error is full as well, Then annot still exits with a status, no crash
        let list = try runOnFullDisk(AnnotCLI.binary, ["list"], replica: cli.replica, errorToo: true)
        #expect(list.reason == .exit)
        #expect(list.status == 74)
    }

    @Test func syncdOnAFullDiskFailsWithOneLineAndKeepsTheOldToken() throws {
        // Given a store with alice and her token
        let server = SyncdProcess(data: folder.path("server"))
        let token = try server.addUser("alice")
        // When her token is renewed with the output on a full disk
        let renewed = try runOnFullDisk(SyncdProcess.binary, ["user", "add", "alice", "--role", "curator", "--data", folder.path("server")])
        // Then it fails with one line, and the old token still works (nothing was replaced)
        #expect(renewed.status == 74)
        #expect(renewed.stderr.contains("cannot write to standard output"), "\(renewed.stderr)")
        try server.start()
        #expect(try server.get("/v1/keys", token: token).status == 200)
        server.stop()
        // When `syncd serve` cannot write where it listens, Then it stops with one line
        let serve = try runOnFullDisk(SyncdProcess.binary, ["serve", "--port", "0", "--data", folder.path("server")])
        #expect(serve.reason == .exit)
        #expect(serve.status == 74)
        #expect(serve.stderr.contains("cannot write to standard output"), "\(serve.stderr)")
    }

    // MARK: - Command lines and files

    @Test func aValueThatLooksLikeOptionsIsAnErrorNotHelp() throws {
        // Given a replica with the corpus
        let cli = AnnotCLI(replica: folder.path("alice.sqlite"))
        expectSuccess(try cli.run(["init", "--user", "alice"]))
        expectSuccess(try cli.run(["import", AnnotCLI.corpus]))
        // When a tag starts with a dash (ArgumentParser reads -dash as -d -a -s -h)
        let dashed = try cli.run(["tag", "003", "-dash"])
        // Then it is a usage error naming the way out, not help with exit 0
        #expect(dashed.status == 64)
        #expect(dashed.stdout.isEmpty)
        #expect(dashed.stderr.contains("annot tag … -- '-dash'"), "\(dashed.stderr)")
        // And the way out works
        expectSuccess(try cli.run(["tag", "003", "--", "-dash"]))

    }

    @Test func importRefusesLargeFilesAndDevicesWithoutReadingThem() throws {
        // Given a replica, a sparse 50 MB file, and a device that never ends
        let cli = AnnotCLI(replica: folder.path("alice.sqlite"))
        expectSuccess(try cli.run(["init", "--user", "alice"]))
        let large = folder.path("large.txt")
        FileManager.default.createFile(atPath: large, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: large))
        try handle.truncate(atOffset: 50_000_000)
        try handle.close()
        // When each is imported, Then each is refused at once, by size or by kind
        let start = Date()
        let big = try cli.run(["import", large])
        #expect(big.status != 0)
        #expect(big.stderr.contains("larger than 4 MiB"), "\(big.stderr)")
        let device = try cli.start(["import", "/dev/zero"]).wait(timeout: 20)
        #expect(device.status != 0)
        #expect(device.stderr.contains("not a regular file"), "\(device.stderr)")
        #expect(Date().timeIntervalSince(start) < 10)
        // And a symbolic link to an article file is read as the file it names
        let linked = folder.path("linked.txt")
        try FileManager.default.createSymbolicLink(
            atPath: linked, withDestinationPath: SampleCorpus.folder + "/" + SampleCorpus.ids[3] + ".txt")
        expectSuccess(try cli.run(["import", linked]))
    }

    @Test func aLargeImportShowsProgressOnATerminal() throws {
        // Given 60 article files and a replica
        let cli = AnnotCLI(replica: folder.path("alice.sqlite"))
        expectSuccess(try cli.run(["init", "--user", "alice"]))
        let articles = TemporaryFolder(prefix: "many-articles")
        for index in 0..<60 {
            try "Article \(index)\n\nTalks resumed in Doha.".write(toFile: articles.path("a\(index).txt"), atomically: true, encoding: .utf8)
        }
        // When they are imported with standard error on a terminal (script(1) gives a pty)
        let shell = AnnotCLI(replica: cli.replica, executable: "/usr/bin/script")
        let result = try shell.run(["-qec", "'\(AnnotCLI.binary)' import '\(articles.path)'", "/dev/null"])
        // Then the terminal shows how far the import has gone
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("Importing 60/60 articles"), "\(result.stdout)")
        #expect(result.stdout.contains("Imported 60 article(s)"))
    }
}
}
