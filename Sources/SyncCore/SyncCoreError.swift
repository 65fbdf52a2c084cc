/// Every error the pure model reports: invalid names, malformed wire data, clock faults.
///
/// Each case has a stable ``code`` (used by HTTP bodies and `--json` output) and a
/// one-line ``description`` a person can act on.
public enum SyncCoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A tag name that is empty, too long, or contains characters tags may not hold.
    case invalidTag(String, reason: String)
    /// An article id that is not 1...128 characters of letters, digits, `.`, `_` or `-`.
    case invalidArticleID(String)
    /// A user name that is not 1...64 characters of letters, digits, `.`, `_` or `-`.
    case invalidUserName(String)
    /// A replica id that is not 1...64 lowercase letters and digits.
    case invalidReplicaID(String)
    /// A value that does not fit its field (a note body, a quote, ...).
    case invalidValue(field: String, reason: String)
    /// A remote timestamp further ahead of the local wall clock than the allowed drift.
    case clockDrift(remote: Timestamp, aheadByMilliseconds: UInt64, limitMilliseconds: UInt64)
    /// The local clock cannot issue a new timestamp (its physical part would overflow).
    case clockExhausted
    /// The replica's clock is further ahead of the wall clock than any peer accepts: the
    /// wall clock was set back after operations were stamped with it.
    case clockAhead(aheadByMilliseconds: UInt64, limitMilliseconds: UInt64)
    /// Wire data that is not valid UTF-8.
    case badUTF8
    /// Wire data that is not the JSON the format describes.
    case malformed(String)
    /// A wire document of a format version this build does not understand.
    case unsupportedVersion(Int)
    /// An operation kind this build does not know.
    case unknownKind(String)
    /// A required field is missing.
    case missingField(String)
    /// A field this format version does not define.
    case unknownField(String)
    /// A value larger than the format allows.
    case oversize(field: String, limit: Int)
    /// A timestamp string that does not parse.
    case badTimestamp(String)
    /// A changeset whose signature does not verify, or whose operations were stamped by
    /// another replica than the one whose key signed it.
    case badSignature(String)
    /// The same operation (timestamp) twice in one document.
    case duplicateOperation(Timestamp)
    /// Two different operations with one timestamp: a forgery, or a copied replica.
    case collision(Timestamp, held: OperationID, received: OperationID)

    /// A stable, machine-readable identifier of the error kind.
    public var code: String {
        switch self {
        case .invalidTag: "invalid_tag"
        case .invalidArticleID: "invalid_article_id"
        case .invalidUserName: "invalid_user_name"
        case .invalidReplicaID: "invalid_replica_id"
        case .invalidValue: "invalid_value"
        case .clockDrift: "clock_drift"
        case .clockExhausted: "clock_exhausted"
        case .clockAhead: "clock_ahead"
        case .badUTF8: "bad_utf8"
        case .malformed: "malformed"
        case .unsupportedVersion: "unsupported_version"
        case .unknownKind: "unknown_kind"
        case .missingField: "missing_field"
        case .unknownField: "unknown_field"
        case .oversize: "oversize"
        case .badTimestamp: "bad_timestamp"
        case .badSignature: "bad_signature"
        case .duplicateOperation: "duplicate_operation"
        case .collision: "hlc_collision"
        }
    }

    public var description: String {
        switch self {
        case .invalidTag(let name, let reason):
            "invalid tag \(Self.quoted(name)): \(reason)"
        case .invalidArticleID(let id):
            "invalid article id \(Self.quoted(id)): use 1 to 128 letters, digits, '.', '_' or '-'"
        case .invalidUserName(let name):
            "invalid user name \(Self.quoted(name)): use 1 to 64 letters, digits, '.', '_' or '-'"
        case .invalidReplicaID(let id):
            "invalid replica id \(Self.quoted(id)): use 1 to 64 lowercase letters and digits"
        case .invalidValue(let field, let reason):
            "invalid \(field): \(reason)"
        case .clockDrift(let remote, let ahead, let limit):
            "timestamp \(remote) is \(ahead / 1000)s ahead of this clock (limit \(limit / 1000)s): "
                + "the sending machine's clock is wrong; fix it and send again"
        case .clockExhausted:
            "the hybrid logical clock cannot advance any further"
        case .clockAhead(let ahead, let limit):
            "this replica's clock is \(ahead / 1000)s ahead of this machine's clock (limit \((limit / 1000))s): "
                + "the system clock was set back or is wrong; fix it, or wait \((ahead - limit) / 1000 + 1)s, and try again (nothing was written)"
        case .badUTF8:
            "the data is not valid UTF-8"
        case .malformed(let detail):
            "malformed changes: \(detail)"
        case .unsupportedVersion(let version) where version < WireFormat.version:
            "changes use format version \(version), from before signed operations, which this build no longer accepts: "
                + "the sender must upgrade annot and carry its work over (docs/sync-model.md, \"Upgrading from format 1\")"
        case .unsupportedVersion(let version):
            "changes use format version \(version), which this build does not understand: upgrade annot"
        case .unknownKind(let kind):
            "unknown operation kind \(Self.quoted(kind))"
        case .missingField(let field):
            "missing field \(Self.quoted(field))"
        case .unknownField(let field):
            "unknown field \(Self.quoted(field))"
        case .oversize(let field, let limit):
            "\(field) is larger than the limit of \(limit)"
        case .badTimestamp(let text):
            "bad timestamp \(Self.quoted(text))"
        case .badSignature(let detail):
            "forged or damaged changes: \(detail)"
        case .duplicateOperation(let timestamp):
            "operation \(timestamp) appears twice in the changes"
        case .collision(let timestamp, let held, let received):
            "two different operations share the timestamp \(timestamp): operation \(held.rawValue.prefix(12)) is held, "
                + "\(received.rawValue.prefix(12)) was received; one was forged or made by a copied replica, and neither is applied twice"
        }
    }

    /// Quotes a user-supplied value for an error message, escaping what would break the line.
    static func quoted(_ value: String) -> String {
        var out = "'"
        for scalar in value.unicodeScalars.prefix(80) {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.properties.generalCategory == .control:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        if value.unicodeScalars.count > 80 { out += "…" }
        return out + "'"
    }
}
