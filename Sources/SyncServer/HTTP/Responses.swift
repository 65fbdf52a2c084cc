import CompressNIO
import Foundation
import Hummingbird
import NIOFoundationCompat

/// Building JSON responses, gzip-compressed when the client accepts it.
enum Responses {
    /// Bodies smaller than this are not worth compressing.
    static let compressionThreshold = 1024

    static func json(encoded bytes: [UInt8], request: Request, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        var buffer = ByteBuffer(bytes: bytes)
        if bytes.count >= compressionThreshold, accepts(gzip: request), let compressed = try? buffer.compress(with: .gzip) {
            headers[.contentEncoding] = "gzip"
            buffer = compressed
        }
        if bytes.count >= compressionThreshold {
            headers[.vary] = "Accept-Encoding"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    static func json<T: Encodable>(_ value: T, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return json(encoded: Array(try! encoder.encode(value)), request: request, status: status)
    }

    /// A JSON body written chunk by chunk as the client reads it (gzip-compressed as one
    /// stream when the client accepts it), so that a large answer never sits whole in memory:
    /// `produce` hands each chunk to the closure it is given, which returns once the chunk
    /// is on its way.
    static func stream(
        request: Request, _ produce: @escaping @Sendable (_ emit: (ByteBuffer) async throws -> Void) async throws -> Void
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.vary] = "Accept-Encoding"
        let gzip = accepts(gzip: request)
        if gzip { headers[.contentEncoding] = "gzip" }
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let compressor = gzip ? CompressionAlgorithm.gzip().compressor : nil
                if let compressor {
                    compressor.window = ByteBufferAllocator().buffer(capacity: 64 * 1024)
                    try compressor.startStream()
                }
                defer { try? compressor?.finishStream() }
                func send(_ bytes: ByteBuffer, last: Bool) async throws {
                    var buffer = bytes
                    guard let compressor else {
                        if buffer.readableBytes > 0 { try await writer.write(buffer) }
                        return
                    }
                    var compressed: [ByteBuffer] = []
                    try buffer.compressStream(with: compressor, flush: last ? .finish : .no) { compressed.append($0) }
                    for piece in compressed { try await writer.write(piece) }
                }
                try await produce { try await send($0, last: false) }
                try await send(ByteBuffer(), last: true)
                try await writer.finish(nil)
            })
    }

    static func accepts(gzip request: Request) -> Bool {
        guard let header = request.headers[.acceptEncoding]?.lowercased() else { return false }
        return header.split(separator: ",").contains { part in
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            return fields.first == "gzip" && !fields.dropFirst().contains("q=0")
        }
    }
}
