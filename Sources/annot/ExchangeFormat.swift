import ArgumentParser
import Exchange
import Foundation
import Replica

/// The file formats `annot export` and `annot import` exchange with other tools.
enum ExchangeFormat: String, ExpressibleByArgument, CaseIterable {
    /// Plain text files, one article each (import), or annot's canonical JSON (export).
    case text
    /// A W3C Web Annotation `AnnotationCollection` (JSON-LD).
    case w3c
    /// A REFI-QDA project (`.qdpx`).
    case qdpx
    /// A REFI-QDA codebook (`.qdc`).
    case qdc

    /// Reads an exchange file whole, refusing what is too large to be one.
    static func read(_ path: String, limit: Int) throws -> Data {
        let url = URL(fileURLWithPath: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else { throw AnnotError("cannot read \(path): no such file") }
        guard size <= limit else { throw AnnotError("\(path) is \(size / 1024 / 1024) MiB, over the \(limit / 1024 / 1024) MiB an import reads") }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw AnnotError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Writes a file atomically: a temporary file beside it, renamed over it once whole.
    static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw AnnotError("cannot write \(path): \(error.localizedDescription); nothing was written")
        }
    }

    /// Prints what an import did.
    static func report(_ report: LocalReplica.ExchangeReport, json: Bool) {
        if json { return Output.json(report) }
        Output.line(
            "Imported \(report.articles > 0 ? "\(report.articles) article(s), " : "")\(report.codes) code(s), "
                + "\(report.highlights) highlight(s), \(report.codings) coding(s), "
                + "\(report.notes) note(s); \(report.unchanged) already present.")
        if !report.skipped.isEmpty {
            Output.line("Not imported (\(report.skipped.count)):")
            for line in report.skipped.prefix(50) { Output.line("  \(line)") }
            if report.skipped.count > 50 { Output.line("  … and \(report.skipped.count - 50) more (--json lists them all)") }
        }
    }
}
