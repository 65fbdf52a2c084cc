import Foundation
import PostgresNIO
import SyncCore
@testable import SyncServer
import TestSupport
import Testing

/// The PostgreSQL store's hot statements, as the planner plans them on a log of some size:
/// a push group's write and a pull's window of the log must reach `operations` and
/// `changesets` through their indexes, never by reading either table whole (which made
/// every push and every pull cost as much as the log).
@Suite(.timeLimit(.minutes(5)), .enabled(if: TestDatabase.adminURL != nil, "needs SYNCD_TEST_POSTGRES_URL"))
struct PostgresPlanTests {
    /// Given a log of 3,000 operations in 1,000 changesets, its statistics taken, when the
    /// planner plans a push group's write and a window of 100 operations, then neither plan
    /// reads `operations` or `changesets` whole.
    @Test func pushesAndPullsReachTheLogThroughItsIndexes() async throws {
        let database = try await TestStore(.postgres)
        try await database.withInstance { store in
            let postgres = try #require(store as? PostgresChangeStore)
            let changesets = ServerFixture.changesets(by: "alice", replica: "big", count: 1_000, perChangeset: 3)
            _ = try await store.push(changesets.map(EncodedChangeset.init), by: "alice")
            try await postgres.client.query("ANALYZE")

            let seqs = Array(Int64(3_001)...3_010)
            let write = PostgresChangeStore.groupWrite(
                changesets: (["c"], ["k"], ["s"], ["alice"]),
                operations: (seqs, seqs.map { "h\($0)" }, seqs.map { "i\($0)" }, seqs.map { _ in "c" }, seqs.map { _ in "alice" }, seqs.map { _ in "{}" }),
                receivedAt: 0, reservation: 3_001...3_010)
            let window = PostgresChangeStore.logWindow(after: 1_500, upTo: 1_600)
            for (name, statement) in [("a push group's write", write), ("a window of the log", window)] {
                let wholeReads = try await Self.wholeTableReads(statement, client: postgres.client)
                #expect(wholeReads.isEmpty, "\(name) reads \(wholeReads) whole")
            }
        }
    }

    /// The tables of the log that `statement`'s plan reads whole: a sequential scan, or an
    /// index scan with no condition and no `Limit` above it.
    static func wholeTableReads(_ statement: PostgresQuery, client: PostgresClient) async throws -> [String] {
        var explain = statement
        explain.sql = "EXPLAIN (FORMAT JSON) " + statement.sql
        var text = ""
        for try await row in try await client.query(explain).decode(String.self) { text += row }
        let plans = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        var found: [String] = []
        func walk(_ node: [String: Any], underLimit: Bool) {
            let type = node["Node Type"] as? String ?? ""
            if let relation = node["Relation Name"] as? String, ["operations", "changesets"].contains(relation), type != "ModifyTable" {
                let conditioned = node["Index Cond"] != nil || node["Recheck Cond"] != nil
                if type == "Seq Scan" || (!conditioned && !underLimit) { found.append("\(relation) (\(type))") }
            }
            for child in node["Plans"] as? [[String: Any]] ?? [] { walk(child, underLimit: underLimit || type == "Limit") }
        }
        for plan in plans { if let root = plan["Plan"] as? [String: Any] { walk(root, underLimit: false) } }
        return found
    }
}
