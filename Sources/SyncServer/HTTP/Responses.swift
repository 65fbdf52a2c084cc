import CompressNIO
import Foundation
import Hummingbird

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

    static func accepts(gzip request: Request) -> Bool {
        guard let header = request.headers[.acceptEncoding]?.lowercased() else { return false }
        return header.split(separator: ",").contains { part in
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            return fields.first == "gzip" && !fields.dropFirst().contains("q=0")
        }
    }
}
