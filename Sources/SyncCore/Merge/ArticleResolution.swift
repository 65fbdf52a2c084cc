/// The merge rule for articles, which are immutable.
///
/// Of all imports of one article id, the one with the smallest timestamp defines the
/// article. Imports with the same text are duplicates and change nothing. An import with a
/// different text is a *conflicting import*: it is kept and reported (`annot conflicts`),
/// never applied over the text others have annotated.
public enum ArticleResolution {
    /// Which of two imports of the same id defines the article: the earlier one.
    public static func prefers(_ candidate: Timestamp, over current: Timestamp) -> Bool {
        candidate < current
    }
}
