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
                Pushes the operations you authored (on this replica or another of yours) that the server \
                does not have, then pulls until caught up. Safe to interrupt and to repeat: the next \
                sync continues where this one stopped, and nothing is applied twice.

                Sync uses the system's libcurl, loaded when a sync starts; set $ANNOT_LIBCURL to the \
                path of a libcurl the loader does not find by itself.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Option(help: "Operations per push request.")
        var batch = 2000
        @Option(help: "Operations per pull request (every ten pages are applied in one transaction).")
        var pullPageSize = 5000
        @OptionGroup var output: OutputOptions

        struct Report: Encodable {
            var pushed = 0
            var alreadyOnServer = 0
            var received = 0
            var duplicates = 0
            var server = ""
        }

        func validate() throws {
            guard (1...20_000).contains(batch) else { throw ValidationError("--batch must be from 1 to 20000") }
            guard (1...20_000).contains(pullPageSize) else {
                throw ValidationError("--pull-page-size must be from 1 to 20000")
            }
        }

        func run() throws {
            let local = try replica.open()
            guard let remote = try local.remote() else {
                throw AnnotError("no sync server set: use 'annot remote set URL --token TOKEN'")
            }
            let client = SyncClient(baseURL: remote.url, token: remote.token)
            var report = Report(server: remote.url)
            do {
                try client.checkReachable()
                var settings = remote
                // Twice at most: once more if the server's store turns out not to be the one
                // this replica's cursors came from.
                for _ in 0..<2 {
                    try push(local, client, &report)
                    guard try pull(local, client, settings, &report) == .startedOver, let renewed = try local.remote() else { break }
                    settings = renewed
                    if !output.json {
                        Output.note(
                            "The server's store is not the one this replica last synced with (it was replaced or restored): sending and receiving everything again.")
                    }
                }
                try local.recordSync(error: nil)
            } catch {
                try? local.recordSync(error: "\(error)")
                throw error
            }
            if output.json { return Output.json(report) }
            Output.line("Sent \(report.pushed) operation(s)\(report.alreadyOnServer > 0 ? " (\(report.alreadyOnServer) already there)" : ""); received \(report.received) new operation(s) from \(report.server).")
        }

        private func push(_ local: LocalReplica, _ client: SyncClient, _ report: inout Report) throws {
            var size = batch
            while let next = try local.pendingPush(limit: size) {
                if next.operations == 0 {
                    try local.markPushed(through: next.lastSeq)
                    break
                }
                do {
                    let outcome = try client.push(next.document)
                    try local.markPushed(through: next.lastSeq)
                    report.pushed += outcome.accepted
                    report.alreadyOnServer += outcome.duplicates
                } catch let rejection as ServerRejection where rejection.status == 413 && size > 1 {
                    size = max(1, size / 4)  // the server's limits are lower than ours: smaller batches
                }
            }
        }

        enum PullEnd { case caughtUp, startedOver }

        /// Pull pages applied in one transaction.
        static let pagesPerCommit = 10

        private func pull(
            _ local: LocalReplica, _ client: SyncClient, _ remote: RemoteSettings, _ report: inout Report
        ) throws -> PullEnd {
            var cursor = remote.pullCursor
            var storeChecked = false
            let interactive = Output.stderrIsTerminal && !output.json
            // Pages are applied `Self.pagesPerCommit` at a time, in one transaction: every
            // commit writes out each index page its operations touched, so one commit per
            // page made a long catch-up slower (a fresh pull of 100,000 operations: 8.9-9.3 s
            // against 6.6-7.0 s, BENCHMARKS.md). An interrupted sync resumes from the last
            // commit.
            var held: [Changeset] = []
            var heldPages = 0
            var fetched = 0
            var showedProgress = false
            while true {
                let page = try client.pull(after: cursor, limit: pullPageSize)
                if !storeChecked, let store = page.store {
                    storeChecked = true
                    if let known = remote.storeID, known != store {
                        try local.startOver(withStore: store)
                        return .startedOver
                    }
                    if remote.storeID == nil { try local.recordStore(store) }
                }
                held += page.changesets
                heldPages += 1
                fetched += page.operations
                cursor = page.cursor
                if heldPages == Self.pagesPerCommit || !page.more {
                    let applied = try local.applyPulled(held, cursor: cursor)
                    report.received += applied.applied
                    report.duplicates += applied.duplicates
                    held = []
                    heldPages = 0
                }
                if interactive && page.more {
                    Output.progress("\rReceived \(fetched) operation(s)…")
                    showedProgress = true
                }
                if !page.more { break }
            }
            if showedProgress { Output.progress("\n") }
            return .caughtUp
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the replica, its pending operations and its last sync.")

        @OptionGroup var replica: ReplicaOptions
        @OptionGroup var output: OutputOptions

        struct Report: Encodable {
            let replica: String
            let user: String
            let path: String
            let pending: Int
            let server: String?
            let lastSync: String?
            let lastError: String?
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
                pending: try local.pendingCount(), server: remote?.url,
                lastSync: lastSync, lastError: remote?.lastError)
            if output.json { return Output.json(report) }
            Output.line("Replica \(report.replica) of \(report.user) at \(report.path)")
            Output.line("Pending: \(report.pending) operation(s) not yet on the server")
            Output.line("Server: \(report.server ?? "none (annot remote set URL --token TOKEN)")")
            Output.line("Last sync: \(report.lastSync ?? "never")")
            if let error = report.lastError { Output.line("Last sync failed: \(error)") }
        }
    }
}
