import SeededRandom
import Testing

@testable import SyncCore

@Suite(.timeLimit(.minutes(10)))
struct TagNameTests {
    @Test(arguments: [
        ("precondition", "precondition"),
        ("  Precondition  ", "precondition"),
        ("Talks/Doha", "talks/doha"),
        (" talks / doha ", "talks/doha"),
        ("peace   talks", "peace talks"),
        ("CAFE\u{0301}", "café"),  // decomposed é, upper case: NFC + case fold
        ("Straße", "strasse"),  // case folding, not just lower-casing
    ])
    func namesAreNormalized(input: String, expected: String) throws {
        #expect(try TagName(input).rawValue == expected)
    }

    @Test func equivalentSpellingsAreOneTag() throws {
        #expect(try TagName("Caf\u{00E9}") == TagName("cafe\u{0301}"))
    }

    @Test(arguments: [
        ("", "tags may not be empty"),
        ("   ", "tags may not be empty"),
        ("talks//doha", "a tag's '/'-separated parts may not be empty"),
        ("/talks", "a tag's '/'-separated parts may not be empty"),
        ("talks/", "a tag's '/'-separated parts may not be empty"),
        ("bad\u{0007}bell", "tags may not contain control characters"),
        ("line\nbreak", "tags may not contain control characters"),
        (String(repeating: "x", count: 65), "tags may be at most 64 characters long"),
        ("a/b/c/d/e/f/g/h/i", "tags may have at most 8 '/'-separated levels"),
    ])
    func badNamesAreRejectedWithAReason(input: String, reason: String) {
        #expect(throws: SyncCoreError.invalidTag(input, reason: reason)) { try TagName(input) }
    }

    @Test func theLimitIsCountedAfterNormalization() throws {
        #expect(try TagName(String(repeating: "x", count: 64)).rawValue.count == 64)
        #expect(try TagName("  " + String(repeating: "y", count: 64) + "  ").rawValue.count == 64)
    }

    @Test func asciiIsFoldedAsFoundationFoldsIt() {
        // Given every ASCII character alone, and 2,000 random ASCII strings from a fixed seed
        var samples = (0..<128).map { String(decoding: [UInt8($0)], as: UTF8.self) }
        var random = SplitMix64(seed: 0x7A6)
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...24, using: &random)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0..<128, using: &random) }
            samples.append(String(decoding: bytes, as: UTF8.self))
        }
        for sample in samples {
            // When the ASCII path and Foundation fold it
            // Then they agree
            #expect(TagName.fold(sample) == TagName.unicodeFold(sample), "\(sample.debugDescription)")
        }
    }

    @Test func theParentOfAHierarchicalTag() throws {
        #expect(try TagName("talks/doha/2020").parent == TagName("talks/doha"))
        #expect(try TagName("talks").parent == nil)
    }
}
