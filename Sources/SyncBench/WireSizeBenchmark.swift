import Foundation
import SyncCore

/// (d) Bytes per operation on the wire, for a batch of tag and note operations: the changes
/// document (`WireFormat.encode`) plain and gzip-compressed, and what `syncd` actually sends
/// for it in pull pages. The baseline is the same information as one tab-separated line per
/// operation (no keys, no quotes), gzip-compressed: roughly the least a text format could send.
struct WireSizeBenchmark {
    let context: BenchContext
    let operations: Int

    func run() async throws {
        Output.line(
            "\n(d) bytes per operation on the wire, \(Statistics.count(operations)) tag and note operations "
                + "(55% tag.add, 10% tag.remove, 20% note.create, 15% note.edit)")
        let seeders = try (1...4).map { try UserName("seed-\($0)") }
        var generator = try WorkloadGenerator(authors: seeders, articles: 1000, importArticles: false, seed: 0xD0C)
        var changesets: [Changeset] = []
        var made = 0
        while made < operations {
            let changeset = try generator.nextChangeset(limit: operations - made)
            made += changeset.operations.count
            changesets.append(changeset)
        }

        let document = WireFormat.encode(changesets)
        let documentGzip = try Gzip.compress(document).readableBytes
        let table = changesets.flatMap(\.operations).map(Self.tabSeparatedLine).joined()
        let tableGzip = try Gzip.compress(Array(table.utf8)).readableBytes
        let (pages, wireBytes, jsonBytes) = try await pullSizes(changesets, seeders: seeders)

        func perOperation(_ bytes: Int) -> String {
            Statistics.format(Double(bytes) / Double(operations), 1) + " bytes/op"
        }
        func bytes(_ count: Int) -> String { Statistics.count(count) + " bytes" }
        Output.row(
            "changes document",
            "\(perOperation(document.count)) plain, \(perOperation(documentGzip)) gzip "
                + "(\(bytes(document.count)) and \(bytes(documentGzip)) for \(changesets.count) changesets)"
        )
        Output.row(
            "pull responses",
            "\(perOperation(wireBytes)) as sent, gzip; \(perOperation(jsonBytes)) inflated "
                + "(\(bytes(wireBytes)) in \(pages) pages of up to \(Statistics.count(FreshPullBenchmark.pageLimit)))")
        Output.row(
            "baseline",
            "\(perOperation(tableGzip)) gzip, \(perOperation(table.utf8.count)) plain: "
                + "one tab-separated line per operation, same fields")
        let ratio = Double(wireBytes) / Double(tableGzip)
        Output.row("ratio", "the pull responses are \(Statistics.format(ratio))x the gzip baseline")
    }

    /// Pushes the changesets to a new server, then pulls them all as `annot sync` would,
    /// adding up the response bodies as they crossed the wire and once inflated.
    private func pullSizes(
        _ changesets: [Changeset], seeders: [UserName]
    ) async throws -> (pages: Int, wire: Int, json: Int) {
        let name = "wire"
        let data = try context.subfolder(name)
        var tokens: [UserName: String] = [:]
        for user in seeders {
            tokens[user] = try await context.syncd.addUser(user.rawValue, role: "curator", data: data, server: name)
        }
        let server = try await context.syncd.serve(data: data, server: name)
        defer { server.stop() }
        return try await SyncEndpoint.using(server.url) { endpoint in
            var seeder = HistorySeeder(endpoint: endpoint, tokens: tokens)
            for changeset in changesets { try await seeder.add(changeset) }
            let head = try await seeder.finish().head
            let token = tokens[seeders[0]] ?? ""
            var cursor: Int64 = 0
            var totals = (pages: 0, wire: 0, json: 0)
            while true {
                let page = try await endpoint.pull(after: cursor, limit: FreshPullBenchmark.pageLimit, token: token)
                totals.pages += 1
                totals.wire += page.wireBytes
                totals.json += page.jsonBytes
                cursor = page.cursor
                if !page.more { break }
            }
            guard cursor == head else { throw SyncBenchError("pulled up to \(cursor), expected \(head)") }
            return totals
        }
    }

    /// One line per operation: timestamp, author, kind, entity id, article, value (tag,
    /// body, title or quote), and the timestamps it refers to, tab-separated.
    static func tabSeparatedLine(_ operation: SyncOperation) -> String {
        let fields: [String]
        switch operation.action {
        case .importArticle(let a):
            fields = ["", a.article.rawValue, a.title + " " + a.text, ""]
        case .addTag(let a):
            fields = ["", a.article.rawValue, a.tag.rawValue, ""]
        case .removeTag(let a):
            fields = ["", a.article.rawValue, a.tag.rawValue, a.removes.map(\.description).joined(separator: ",")]
        case .createNote(let a):
            fields = [a.note.rawValue, a.article.rawValue, a.body, a.highlight?.rawValue ?? ""]
        case .editNote(let a):
            fields = [a.note.rawValue, "", a.body, a.base.map(\.description).joined(separator: ",")]
        case .deleteNote(let a):
            fields = [a.note.rawValue, "", "", a.base.map(\.description).joined(separator: ",")]
        case .createHighlight(let a):
            fields = [a.highlight.rawValue, a.article.rawValue, a.selector.exact, "\(a.selector.start),\(a.selector.end)"]
        case .deleteHighlight(let a):
            fields = [a.highlight.rawValue, "", "", ""]
        case .renameTag(let a):
            fields = [a.tag.rawValue, "", (a.parent.map { $0.rawValue + "/" } ?? "") + a.label, a.base.map(\.description).joined(separator: ",")]
        case .mergeTag(let a):
            fields = [a.tag.rawValue, "", a.into.rawValue, a.base.map(\.description).joined(separator: ",")]
        case .describeTag(let a):
            fields = [a.tag.rawValue, "", a.memo, a.base.map(\.description).joined(separator: ",")]
        case .undoChangeset(let a):
            fields = [a.changeset.rawValue, "", "", ""]
        case .articleStatus(let a):
            fields = ["", a.article.rawValue, a.done ? "done" : "todo", ""]
        case .decideTag(let a):
            fields = [a.tag.rawValue, a.article.rawValue, a.decision.rawValue, a.base.map(\.description).joined(separator: ",")]
        }
        let line = [operation.timestamp.description, operation.author.rawValue, operation.action.kind] + fields
        return line.map { $0.replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n") }
            .joined(separator: "\t") + "\n"
    }
}
