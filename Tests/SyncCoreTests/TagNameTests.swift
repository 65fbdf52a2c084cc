import Testing

@testable import SyncCore

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

    @Test func theParentOfAHierarchicalTag() throws {
        #expect(try TagName("talks/doha/2020").parent == TagName("talks/doha"))
        #expect(try TagName("talks").parent == nil)
    }
}
