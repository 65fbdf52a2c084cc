import ArgumentParser

/// `--users A,B,…`: the coders `agree` and `disagreements` compare.
struct CoderOptions: ParsableArguments {
    @Option(help: "The coders to compare, comma-separated; everyone who marked an article done by default.")
    var users: String?

    /// The names given, trimmed; nil for everyone.
    var coders: [String]? {
        users.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }
}
