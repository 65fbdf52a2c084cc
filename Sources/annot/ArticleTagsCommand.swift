import ArgumentParser

/// A command on one article and a list of tags: `annot tag` and `annot untag`.
protocol ArticleTagsCommand: ParsableCommand {
    var replica: ReplicaOptions { get set }
    var article: String { get set }
    var tags: [String] { get set }
    var highlight: String? { get set }
    var output: OutputOptions { get set }
}

extension ArticleTagsCommand {
    /// The command with its values, as ``DirectInvocation`` reads it.
    ///
    /// A static function rather than an initializer: in an initializer, assigning a wrapped
    /// property that has a default re-creates its wrapper with a new default instead of
    /// setting its value, and reading it later would stop the program.
    static func parsed(replica: ReplicaOptions, article: String, tags: [String], output: OutputOptions) -> Self {
        var command = Self()
        command.replica = replica
        command.article = article
        command.tags = tags
        command.highlight = nil
        command.output = output
        return command
    }
}

extension Annot.Tag: ArticleTagsCommand {}
extension Annot.Untag: ArticleTagsCommand {}
