import ArgumentParser
import Foundation
import Replica
import SyncCore

extension Annot {
    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Send your changes to the server and receive everyone else's.",
            discussion: """
                Claims this replica's key for your user on the server, reads the server's key \
                directory, pushes the changesets you authored (on this replica or another of yours) \
                that the server does not have, then pulls until caught up. Every changeset received \
                is verified against its author's key. Safe to interrupt and to repeat: the next sync \
                continues where this one stopped, and nothing is applied twice.

                With --watch, sync keeps running: others' changes arrive within a second of their \
                push (a long poll on the server), your changes are pushed as you make them (from any \
                terminal), and when the server goes away it tries again, waiting 1 s, then 2, 4 … up \
                to 30 s. It prints a line for each sync that moved something (with --json, one JSON \
                object per line). Stop it with Ctrl-C (a second Ctrl-C stops at once; nothing is lost).

                A new replica, or one that has not synced for an hour and is far behind, starts from \
                the server's snapshot of its state (a replica database, checked before use) rather \
                than receiving every operation, when the server has one at least 20,000 operations \
                ahead (--snapshot-gap) and nothing of this replica would be lost; it then follows the log from there. \
                The state up to the snapshot is the server's word ('annot status' says which \
                snapshot); --no-snapshot receives and verifies every operation instead.

                Sync uses the system's libcurl, loaded when a sync starts; set $ANNOT_LIBCURL to the \
                path of a libcurl the loader does not find by itself.

                Examples:
                  annot sync
                  annot sync --watch
                  annot sync --watch --json | jq -c 'select(.event == "synced")'
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Option(help: "Operations per push request.")
        var batch = 2000
        @Option(help: "Operations per pull request (every ten pages are applied in one transaction).")
        var pullPageSize = 5000
        @Flag(help: "Send again the changesets the server refused before (after the cause was fixed).")
        var retryRefused = false
        @Flag(help: "Keep syncing until stopped: receive others' changes as they are pushed, push yours as you make them.")
        var watch = false
        @Flag(help: "Never start from the server's snapshot: receive and verify every operation.")
        var noSnapshot = false
        @Option(help: ArgumentHelp("Start from the server's snapshot when it is at least this many operations ahead.", valueName: "operations"))
        var snapshotGap: Int64 = 20_000
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard (1...20_000).contains(batch) else { throw ValidationError("--batch must be from 1 to 20000") }
            guard (1...20_000).contains(pullPageSize) else {
                throw ValidationError("--pull-page-size must be from 1 to 20000")
            }
            guard snapshotGap >= 1 else { throw ValidationError("--snapshot-gap must be at least 1") }
        }

        func run() throws {
            let local = try replica.open()
            guard let remote = try local.remote() else {
                throw AnnotError("no sync server set: use 'annot remote set URL --token TOKEN'")
            }
            if retryRefused { try local.forgetRefusals() }
            if watch {
                return try Annot.watching(
                    local, remote: remote, json: output.json, batch: batch, pullPageSize: pullPageSize,
                    snapshots: noSnapshot ? nil : snapshotGap)
            }
            let client = SyncClient(baseURL: remote.url, token: remote.token)
            do {
                try client.checkReachable()
            } catch {
                try? local.recordSync(error: "\(error)")
                throw error
            }
            var session = SyncSession(replica: local, transport: client)
            session.pushBatch = batch
            session.pullPageSize = pullPageSize
            session.snapshots = !noSnapshot
            session.snapshotGap = snapshotGap
            let interactive = Output.stderrIsTerminal && !output.json
            var showedProgress = false
            session.snapshotProgress = { received, total in
                guard interactive else { return }
                Output.progress("\rReceiving the server's snapshot: \(received / 1_048_576) of \(total / 1_048_576) MiB…")
                showedProgress = true
            }
            session.progress = { received in
                guard interactive else { return }
                Output.progress("\rReceived \(received) operation(s)…")
                showedProgress = true
            }
            let json = output.json
            session.warning = { Output.note("annot: warning: \($0)") }
            session.startingOver = { lostWork in
                guard !json else { return }
                Output.note(
                    lostWork
                        ? "The server does not hold work this replica pushed before (it was restored from a backup): sending it again."
                        : "The server's log is not the one this replica last synced with (it was replaced or restored from a backup): sending and receiving everything again.")
            }
            let report: SyncSession.Report
            do {
                report = try session.run()
            } catch {
                if showedProgress { Output.progress("\n") }
                throw error
            }
            if showedProgress { Output.progress("\n") }
            if output.json { return Output.json(report) }
            if let snapshot = report.snapshot {
                Output.line(
                    "Started from the server's snapshot of \(snapshot.operations) operation(s) (\(snapshot.bytes / 1_048_576) MiB, log position \(snapshot.cursor)); 'annot status' says which.")
            }
            Output.line(
                "Sent \(report.pushed) operation(s)\(report.alreadyOnServer > 0 ? " (\(report.alreadyOnServer) already there)" : ""); received \(report.received) new operation(s) from \(report.server).")
            if report.held > 0 {
                Output.line("\(report.held) changeset(s) held back, not applied: 'annot status' says why.")
            }
            if report.refused > 0 {
                Output.note(
                    "annot: warning: the server refused \(report.refused) of your changeset(s); they are kept here and not sent again: 'annot status' says why ('annot sync --retry-refused' once the cause is fixed).")
            }
        }
    }

    // MARK: - Watching

    /// One line of `annot sync --watch --json`.
    struct WatchEvent: Encodable {
        let event: String
        let at: String
        var report: SyncSession.Report?
        var error: String?
        var retryIn: Double?
    }

    /// `annot sync --watch`: a ``LiveSync`` until SIGINT or SIGTERM.
    static func watching(
        _ local: LocalReplica, remote: RemoteSettings, json: Bool, batch: Int, pullPageSize: Int, snapshots gap: Int64?
    ) throws {
        let live = LiveSync(replica: local, makeTransport: { SyncClient(baseURL: remote.url, token: remote.token) }) { session in
            session.pushBatch = batch
            session.pullPageSize = pullPageSize
            session.snapshots = gap != nil
            session.snapshotGap = gap ?? session.snapshotGap
            session.warning = { Output.note("annot: warning: \($0)") }
        }
        let stops = StopSignals { live.stop() }
        defer { withExtendedLifetime(stops) {} }
        if !json { Output.note("Watching \(remote.url) (Ctrl-C to stop).") }
        var failing = false
        var outputFailure: (any Error)?
        try live.run { event in
            let now = Date().formatted(.iso8601)
            let time = Date().formatted(date: .omitted, time: .standard)
            switch event {
            case .synced(let report):
                let moved = report.pushed + report.received + report.held + report.refused > 0
                defer { failing = false }
                guard moved || failing else { return }
                if json {
                    printWatchEvent(WatchEvent(event: "synced", at: now, report: report))
                } else {
                    var text = "\(time) sent \(report.pushed), received \(report.received)"
                    if report.held > 0 { text += ", held back \(report.held) ('annot status' says why)" }
                    if report.refused > 0 { text += ", refused by the server \(report.refused) ('annot status')" }
                    Output.line(failing && !moved ? "\(time) connected again" : text)
                }
            case .failed(let error, let delay):
                failing = true
                if json {
                    printWatchEvent(WatchEvent(event: "failed", at: now, error: error, retryIn: delay))
                } else {
                    Output.note("\(time) annot: \(error) (trying again in \(Int(delay.rounded())) s)")
                }
            }
            // Nobody reads the lines any more (a closed pipe, a full disk): stop, and say so.
            do {
                try Output.flush()
            } catch {
                outputFailure = error
                live.stop()
            }
        }
        if let outputFailure { throw outputFailure }
        if !json { Output.note("Stopped watching.") }
    }

    private static func printWatchEvent(_ event: WatchEvent) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        Output.line(String(decoding: try! encoder.encode(event), as: UTF8.self), escaping: false)
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the replica, its pending operations and its last sync.")

        @OptionGroup var replica: ReplicaOptions
        @OptionGroup var output: OutputOptions

        struct Report: Encodable {
            let replica: String
            let user: String
            let path: String
            let key: String
            let pending: Int
            let held: [HeldChangeset]
            let refused: [RefusedChangeset]
            let server: String?
            let lastSync: String?
            let lastError: String?
            /// The snapshot the replica started from, if it did: its state up to there is the server's word.
            let snapshot: SnapshotOrigin?
        }

        func run() throws {
            let local = try replica.open()
            let identity = try local.identity()
            let remote = try local.remote()
            let lastSync = remote?.lastSyncAt.map {
                Date(timeIntervalSince1970: Double($0) / 1000).formatted(.iso8601)
            }
            let report = Report(
                replica: identity.replica.rawValue, user: identity.user.rawValue, path: local.path,
                key: identity.key.fingerprint, pending: try local.pendingCount(), held: try local.heldChangesets(), refused: try local.refusedChangesets(),
                server: remote?.url, lastSync: lastSync, lastError: remote?.lastError, snapshot: try local.snapshotOrigin())
            if output.json { return Output.json(report) }
            Output.line("Replica \(report.replica) of \(report.user) at \(report.path)")
            Output.line("Key fingerprint: \(report.key)")
            Output.line("Pending: \(report.pending) operation(s) not yet on the server")
            if !report.held.isEmpty {
                Output.line("Held back: \(report.held.count) changeset(s) received but not applied:")
                for held in report.held {
                    Output.line("  \(held.id.prefix(12)) by \(held.author), \(held.operations) operation(s): \(held.reason)")
                }
                Output.line("  They are applied once their key is known: 'annot sync', or 'annot key trust KEY USER'.")
            }
            if !report.refused.isEmpty {
                Output.line("Refused by the server: \(report.refused.count) of your changeset(s), kept here and not sent again:")
                for refused in report.refused {
                    Output.line("  \(refused.id.prefix(12)), \(refused.operations) operation(s) (\(refused.code)): \(refused.reason)")
                }
            }
            Output.line("Server: \(report.server ?? "none (annot remote set URL --token TOKEN)")")
            Output.line("Last sync: \(report.lastSync ?? "never")")
            if let error = report.lastError { Output.line("Last sync failed: \(error)") }
            if let origin = report.snapshot {
                let when = Date(timeIntervalSince1970: Double(origin.installed) / 1000).formatted(.iso8601)
                Output.line(
                    "Started from a snapshot of \(origin.server) on \(when): \(origin.manifest.operations) operation(s) up to log position "
                        + "\(origin.manifest.cursor), SHA-256 \(origin.manifest.sha256.prefix(16))…")
                Output.line("  The state up to there is the server's word; every operation since was verified here.")
            }
        }
    }
}
