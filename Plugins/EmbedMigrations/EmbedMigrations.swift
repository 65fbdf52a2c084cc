import Foundation
import PackagePlugin

/// Turns the SQL files under the package's top-level `migrations/` folder into Swift
/// source for the target that uses this plugin.
///
/// SwiftPM only bundles resources that live inside a target's own folder, and a resource
/// bundle has to ship beside the binary. Generating code instead keeps `migrations/` the
/// one source of truth and makes every schema part of the executable itself.
///
/// SwiftPM asks the plugin for its commands when it plans the build, so a migration file
/// added to an existing build folder is seen once the plan is redone: `touch Package.swift`.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let root = context.package.directoryURL.appending(path: "migrations")
        var files = try Self.sqlFiles(under: root)
        let openapi = context.package.directoryURL.appending(path: "docs/openapi.yaml")
        if FileManager.default.fileExists(atPath: openapi.path(percentEncoded: false)) { files.append(openapi) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        let tool = try context.tool(named: "embed-migrations")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migrations into \(target.name)",
                executable: tool.url,
                arguments: [root.path(percentEncoded: false), output.path(percentEncoded: false)],
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }

    static func sqlFiles(under root: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            return []
        }
        return walker.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.path < $1.path }
    }
}
