/// A 64-bit FNV-1a hash of a text, as 16 hex digits: how replicas index the distinct
/// texts imported under one article id without comparing megabytes of text.
///
/// Two different texts of one article sharing a hash would be taken for one; with 64 bits
/// and a handful of texts per article that chance is about 1 in 10^18.
public enum ContentHash {
    /// The hash of `text`'s UTF-8 bytes.
    public static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Timestamp.hex(hash, width: 16)
    }
}
