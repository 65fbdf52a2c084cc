import ArgumentParser

extension Annot.Note {
    /// The command adding a note, as ``DirectInvocation`` reads it (a static function for
    /// the reason given at ``ArticleTagsCommand/parsed(replica:article:tags:output:)``).
    static func parsed(replica: ReplicaOptions, article: String, text: String, output: OutputOptions) -> Self {
        var command = Self()
        command.replica = replica
        command.edit = nil
        command.delete = nil
        command.arguments = [article, text]
        command.output = output
        return command
    }
}
