import Foundation
import SyncCore
@_exported import TestSupport

@testable import Replica

enum Corpus {
    /// The sample corpus beside the clone (`../shared/corpus`), or nil when it is absent.
    static var sharedFolder: String? { SampleCorpus.shared }

    /// Small articles made up for tests that must not depend on the sample corpus.
    static func files(in folder: TemporaryFolder) -> [ArticleFile] {
        let texts = [
            "a1": "First article\n\nThe talks in Doha resumed on Tuesday. The talks were long.",
            "a2": "Second article\n\nA ceasefire was the precondition for any talks on an agreement.",
        ]
        return texts.keys.sorted().map { id in
            let path = folder.path("\(id).txt")
            try! texts[id]!.write(toFile: path, atomically: true, encoding: .utf8)
            return try! ArticleFile(path: path)
        }
    }
}

extension LocalReplica {
    /// Trusts the keys of `others` as their users', as curators (so their imports apply
    /// too): what analysts who sync by file do with `annot key trust`.
    func trust(_ others: [LocalReplica]) throws {
        for other in others where other.path != path {
            let identity = try other.identity()
            _ = try trust(key: identity.key, user: identity.user, role: "curator")
        }
    }
}
