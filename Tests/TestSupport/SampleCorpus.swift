import Foundation

/// The sample corpus the tests import: `../shared/corpus` beside the clone when it is
/// there (as in CI), else one generated once per test process, with the same five article
/// ids and texts as messy as scraped ones (markup, blank lines, repeated headlines).
public enum SampleCorpus {
    /// The ids of the sample corpus' articles (the files' stems).
    public static let ids = [
        "000_25222154afcd076b", "001_f2295d65c82515b6", "002_e62f7cc97fa339b7", "003_e7379399b3230908",
        "004_03a8792a78a0fa29",
    ]

    /// The clone's root folder.
    public static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `../shared/corpus`, or nil when it is absent.
    public static var shared: String? {
        let folder = root.deletingLastPathComponent().appendingPathComponent("shared/corpus").path
        return FileManager.default.fileExists(atPath: folder) ? folder : nil
    }

    /// A folder of `../shared` (`refi-qda`), or nil when it is absent.
    public static func sharedFolder(named name: String) -> String? {
        let folder = root.deletingLastPathComponent().appendingPathComponent("shared/\(name)").path
        return FileManager.default.fileExists(atPath: folder) ? folder : nil
    }

    /// The folder to import: the shared corpus, or the generated one.
    public static var folder: String { shared ?? generated }

    /// A corpus made up for machines without `../shared/corpus`.
    public static let generated: String = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("annot-sample-corpus-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let places = ["Doha", "Kabul", "Islamabad", "Washington", "Qatar"]
        for (index, id) in ids.enumerated() {
            let place = places[index]
            let text = """
                " /> Talks with the Taliban resume in \(place) - News \(index)
                Home / Afghanistan / Talks with the Taliban resume in \(place)
                Talks with the Taliban resume in \(place)

                \(place) (News) - US Special Representative Zalmay Khalilzad arrived in \(place) on Sunday for \
                the latest round of peace talks with the Taliban, officials said.

                The Taliban have said a ceasefire is not a precondition for talks with the Afghan government. \
                "We are ready," a Taliban spokesman said. Talks were paused in September.

                Share this:   Facebook   Twitter   WhatsApp

                An agreement would allow a withdrawal of US troops; the talks in \(place) are expected to last a week.

                """
            try? text.write(to: folder.appendingPathComponent("\(id).txt"), atomically: true, encoding: .utf8)
        }
        return folder.path
    }()
}
