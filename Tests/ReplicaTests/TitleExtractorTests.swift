import Foundation
import Testing

@testable import Replica

@Suite(.timeLimit(.minutes(10)))
struct TitleExtractorTests {
    @Test(arguments: [
        ("US may resume talks with Taliban next week\n\nBody text.", "US may resume talks with Taliban next week"),
        ("\" /> Headline of the day - Sahar News\nHome / World / Headline of the day\nHeadline of the day\n\nBody",
            "Headline of the day"),
        ("News \u{00A0}/\u{00A0} Afghanistan \u{00A0}/\u{00A0} Editor's Choice\n\nAfghan officials leave for Doha\n\nBody.",
            "Afghan officials leave for Doha"),
        ("<p>Tagged <b>headline</b> here</p>\nBody", "Tagged headline here"),
        ("", "Untitled"),
    ])
    func titlesAreFoundInMessyText(text: String, expected: String) {
        #expect(TitleExtractor.title(of: text) == expected)
    }

    @Test func aTextWithoutHeadlineGetsItsOpeningWordsWithoutTheDateline() {
        let text = " date 2020-01-06 KABUL (UrduPoint News / Sputnik - 06th January, 2020) Zalmay Khalilzad has arrived in Qatar for the latest set of bilateral peace talks with the Taliban, a Sputnik correspondent reported on Sunday, with many leading Afghan officials hopeful that a binding agreement can be signed. More text."
        let title = TitleExtractor.title(of: text)
        #expect(title.hasPrefix("Zalmay Khalilzad has arrived in Qatar"))
        #expect(title.count <= TitleExtractor.maxLength + 1)
    }

    @Test func theSampleCorpusGetsReadableTitles() throws {
        guard let folder = Corpus.sharedFolder else { return }
        let titles = try ArticleFile.collect([folder]).map { TitleExtractor.title(of: try ArticleFile(path: $0).text) }
        #expect(titles.count == 5)
        #expect(titles[3] == "Khalilzad in Kabul to Discuss Ways of Resuming Peace Talks")
        #expect(titles.allSatisfy { !$0.contains("/>") && !$0.contains("date 20") })
    }
}
