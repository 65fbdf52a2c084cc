import Foundation
import SyncCore

/// A text file to import as an article: its id is the file's stem.
public struct ArticleFile: Sendable, Hashable {
    /// The file extensions picked up when a folder is imported.
    public static let textExtensions: Set<String> = ["txt", "text", "md"]

    public let path: String
    public let id: ArticleID
    public let text: String

    /// Reads one file.
    /// - Throws: ``ReplicaError/unreadable(path:reason:)`` or an invalid-id error naming the file.
    public init(path: String) throws(ReplicaError) {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        do {
            self.id = try ArticleID(stem)
        } catch {
            throw .unreadable(path: path, reason: "its name does not make an article id (\(error))")
        }
        // Refuse by size before reading: a 50 MB file is not read whole to be refused.
        let limit = ImportArticle.maxTextBytes
        // Of what a symbolic link points to (attributesOfItem does not follow links).
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)
        // A device or a pipe (/dev/zero, a FIFO) could be read forever.
        guard attributes?[.type] as? FileAttributeType == .typeRegular else {
            throw .unreadable(path: path, reason: "it is not a regular file")
        }
        if let size = attributes?[.size] as? NSNumber, size.intValue > limit {
            throw .unreadable(path: path, reason: "it is larger than \(limit / 1024 / 1024) MiB")
        }
        let data: Data
        do {
            // At most one byte over the limit, should the file grow while it is read.
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw .unreadable(path: path, reason: "it is not UTF-8 text")
        }
        guard !text.contains("\0") else { throw .unreadable(path: path, reason: "it is binary, not text") }
        guard data.count <= limit else {
            throw .unreadable(path: path, reason: "it is larger than \(limit / 1024 / 1024) MiB")
        }
        guard !text.allSatisfy(\.isWhitespace) else { throw .unreadable(path: path, reason: "it is empty") }
        self.path = path
        self.text = text
    }

    /// The files named by `paths`: files as they are, folders by their text files (not
    /// recursively, hidden files skipped), in name order.
    public static func collect(_ paths: [String]) throws(ReplicaError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .unreadable(path: path, reason: "no such file or folder")
            }
            if isDirectory.boolValue {
                let names: [String]
                do {
                    names = try FileManager.default.contentsOfDirectory(atPath: path)
                } catch {
                    throw .unreadable(path: path, reason: "cannot list the folder")
                }
                let texts = names.filter {
                    !$0.hasPrefix(".") && textExtensions.contains(($0 as NSString).pathExtension.lowercased())
                }
                files += texts.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        return files
    }
}
