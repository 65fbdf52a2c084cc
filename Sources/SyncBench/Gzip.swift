import CompressNIO
import Foundation
import NIOCore

/// gzip, as the sync protocol uses it for pushes and pull responses.
enum Gzip {
    static func compress(_ bytes: some Sequence<UInt8>) throws -> ByteBuffer {
        var buffer = ByteBuffer(bytes: bytes)
        return try buffer.compress(with: .gzip)
    }

    /// Inflates `buffer` when it starts with the gzip magic bytes; otherwise returns it as is.
    static func inflateIfCompressed(_ buffer: ByteBuffer, maxSize: Int = 1 << 30) throws -> ByteBuffer {
        guard buffer.getBytes(at: buffer.readerIndex, length: 2) == [0x1f, 0x8b] else { return buffer }
        var compressed = buffer
        return try compressed.decompress(with: .gzip, maxSize: maxSize)
    }
}
