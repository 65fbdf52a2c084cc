/// The SHA-256 of a text's UTF-8 bytes, as 64 hex digits: how both implementations tell
/// the distinct texts imported under one article id apart.
///
/// Texts are compared by these bytes, never with Swift's `==` on `String`, which treats
/// canonically equivalent texts (a precomposed `é` and `e` + combining acute) as equal:
/// the model and the SQLite replica must agree on what "the same text" is.
public enum ContentHash {
    /// The hash of `text`'s UTF-8 bytes.
    public static func of(_ text: String) -> String { Digest.sha256Hex(text) }
}
