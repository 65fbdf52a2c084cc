import Foundation
import TestSupport
import Testing

/// Expects a command to have exited 0, showing its exit status and standard error if not.
@discardableResult
func expectSuccess(_ result: AnnotCLI.Result, sourceLocation: SourceLocation = #_sourceLocation) -> AnnotCLI.Result {
    #expect(result.status == 0, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
    return result
}

extension SyncdProcess {
    /// An analyst with a replica in `folder`, pointed at this server with a new token for
    /// `role`; a curator (the default) imports the sample corpus first.
    func analyst(_ name: String, in folder: TemporaryFolder, role: String = "curator", imports: Bool = true) throws -> AnnotCLI {
        let cli = AnnotCLI(replica: folder.path("\(name).sqlite"))
        expectSuccess(try cli.run(["init", "--user", name]))
        if imports { expectSuccess(try cli.run(["import", AnnotCLI.corpus])) }
        expectSuccess(try cli.run(["remote", "set", url, "--token", try addUser(name, role: role)]))
        return cli
    }
}
