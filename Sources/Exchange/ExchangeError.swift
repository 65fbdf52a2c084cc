/// Every error the exchange formats report: a file that is not what it claims, or that
/// this build cannot read, each with one line a person can act on.
public enum ExchangeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file is not valid in its format (not JSON, not XML, not a ZIP archive, ...).
    case malformed(String)
    /// The file is valid but uses something this build does not support.
    case unsupported(String)
    /// The file is larger than the importer accepts.
    case tooLarge(String)

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .malformed: "malformed_file"
        case .unsupported: "unsupported_file"
        case .tooLarge: "file_too_large"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let message), .unsupported(let message), .tooLarge(let message): message
        }
    }
}
