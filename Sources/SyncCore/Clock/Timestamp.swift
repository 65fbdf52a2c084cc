/// A hybrid logical clock reading: physical milliseconds, a logical counter, and the
/// replica that issued it as the final tie-break.
///
/// Timestamps are totally ordered and globally unique (a replica never issues the same
/// one twice), so a timestamp doubles as an operation's id. The string form is fixed-width
/// hexadecimal, so comparing strings orders timestamps exactly as comparing values does:
/// `0193f1a2b3c4-00000000-7f3a9c2e11d04b6a`.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// Milliseconds since 1970 (48 bits are used: enough until the year 10889).
    public let milliseconds: UInt64
    /// Logical counter that orders events within one millisecond.
    public let counter: UInt32
    /// The replica that issued the timestamp.
    public let replica: ReplicaID

    /// The largest physical time a timestamp can carry.
    public static let maxMilliseconds: UInt64 = 0xFFFF_FFFF_FFFF

    public init(milliseconds: UInt64, counter: UInt32, replica: ReplicaID) {
        self.milliseconds = min(milliseconds, Self.maxMilliseconds)
        self.counter = counter
        self.replica = replica
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        if lhs.milliseconds != rhs.milliseconds { return lhs.milliseconds < rhs.milliseconds }
        if lhs.counter != rhs.counter { return lhs.counter < rhs.counter }
        return lhs.replica.rawValue < rhs.replica.rawValue
    }

    /// The canonical string form, `MMMMMMMMMMMM-CCCCCCCC-replica`.
    ///
    /// Written in one pass into the string's own storage: applying operations formats a
    /// timestamp several times each, and concatenating pieces cost about a tenth of it.
    public var description: String {
        let replica = replica.rawValue.utf8
        return String(unsafeUninitializedCapacity: 22 + replica.count) { buffer in
            Self.writeHex(milliseconds, width: 12, into: buffer, at: 0)
            buffer[12] = UInt8(ascii: "-")
            Self.writeHex(UInt64(counter), width: 8, into: buffer, at: 13)
            buffer[21] = UInt8(ascii: "-")
            var index = 22
            for byte in replica {
                buffer[index] = byte
                index += 1
            }
            return index
        }
    }

    /// Parses the canonical string form.
    ///
    /// - Throws: ``SyncCoreError/badTimestamp(_:)`` when the text is not a canonical timestamp.
    public init(parsing text: String) throws(SyncCoreError) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 23, utf8.count <= 22 + 64, utf8[12] == UInt8(ascii: "-"), utf8[21] == UInt8(ascii: "-"),
            let millis = Self.parseHex(utf8[0..<12]), let counter = Self.parseHex(utf8[13..<21])
        else { throw .badTimestamp(text) }
        guard let replica = ReplicaID(validating: String(decoding: utf8[22...], as: UTF8.self)) else {
            throw .badTimestamp(text)
        }
        self.init(milliseconds: millis, counter: UInt32(counter), replica: replica)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// `value` as `width` lowercase hexadecimal digits, zero-padded (its low digits only,
    /// when it needs more).
    static func hex(_ value: UInt64, width: Int) -> String {
        String(unsafeUninitializedCapacity: width) { buffer in
            writeHex(value, width: width, into: buffer, at: 0)
            return width
        }
    }

    private static func writeHex(_ value: UInt64, width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var rest = value
        for index in stride(from: start + width - 1, through: start, by: -1) {
            let digit = UInt8(truncatingIfNeeded: rest & 0xF)
            buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") - 10 + digit
            rest >>= 4
        }
    }

    private static func parseHex(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for byte in bytes {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}
