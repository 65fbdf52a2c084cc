import ArgumentParser

extension ReplicaOptions {
    /// The options with their value, as ``DirectInvocation`` reads them.
    static func parsed(replica: String?) -> ReplicaOptions {
        var options = ReplicaOptions()
        options.replica = replica
        return options
    }
}

extension OutputOptions {
    /// The options with their value, as ``DirectInvocation`` reads them. (Not the memberwise
    /// `init(json:)`: it only gives the flag a default for ArgumentParser to parse, and
    /// reading the flag of a value made that way stops the program.)
    static func parsed(json: Bool) -> OutputOptions {
        var options = OutputOptions()
        options.json = json
        return options
    }
}
