import Crypto

/// SHA-256 in the forms the wire format uses: content ids, entity ids and text hashes.
public enum Digest {
    /// The SHA-256 of `bytes`, as 64 lowercase hex digits.
    public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hex(Array(Crypto.SHA256.hash(data: Array(bytes))))
    }

    /// The SHA-256 of a text's UTF-8 bytes, as 64 lowercase hex digits.
    public static func sha256Hex(_ text: String) -> String { sha256Hex(Array(text.utf8)) }

    /// Lowercase hex of `bytes`.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of `text` when it is exactly `count` bytes in lowercase hex, else `nil`.
    public static func bytes(hex text: String, count: Int) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == count * 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// Whether `text` is exactly `length` lowercase hex digits.
    static func isLowerHex(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy(Identifier.isLowerHex)
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

extension Digest {
    /// SHA-256 over bytes given a piece at a time (a file read or received in pieces).
    public struct Hasher {
        private var state = Crypto.SHA256()

        public init() {}

        public mutating func update(_ bytes: UnsafeRawBufferPointer) { state.update(bufferPointer: bytes) }

        /// The digest, as 64 lowercase hex digits.
        public func finalize() -> String { Digest.hex(Array(state.finalize())) }
    }
}
