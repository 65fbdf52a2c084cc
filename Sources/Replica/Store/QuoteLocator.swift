/// Finds a quote in an article's text, in Unicode scalar offsets (the W3C
/// TextPositionSelector's unit).
enum QuoteLocator {
    /// The start offsets of every occurrence of `quote` in `text`, overlapping ones included.
    /// - Complexity: O(*n* · *m*) in the lengths of text and quote; articles are short.
    static func occurrences(of quote: String, in text: String) -> [Int] {
        let needle = Array(quote.unicodeScalars)
        let haystack = Array(text.unicodeScalars)
        guard !needle.isEmpty, needle.count <= haystack.count else { return [] }
        var starts: [Int] = []
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { starts.append(start) }
        }
        return starts
    }
}
