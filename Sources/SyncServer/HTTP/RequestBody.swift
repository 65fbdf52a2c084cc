import CompressNIO
import Hummingbird
import NIOCore
import NIOHTTP1

/// Reads request bodies within the limits, decompressing gzip.
enum RequestBody {
    /// The body of `request`, at most `limit` bytes both as sent and once decompressed.
    ///
    /// The declared `Content-Length` is checked first, so an oversize body is refused
    /// before it is read; a body without one is refused as soon as it passes the limit.
    static func read(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw SyncServerError.tooLarge(limit)
        }
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw SyncServerError.tooLarge(limit)
        } catch is NIOTooManyBytesError {
            // A chunked body (no Content-Length) that grew past the limit.
            throw SyncServerError.tooLarge(limit)
        } catch let error as HTTPParserError {
            throw error  // bad framing: a 400 (ErrorMiddleware)
        } catch {
            // The connection closed, or missed the body deadline (ConnectionGuard).
            throw SyncServerError.bodyIncomplete("\(error)")
        }
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity":
            return buffer
        case "gzip":
            do {
                // `maxSize` bounds the buffers CompressNIO allocates, which NIO rounds up to a
                // power of two: the output itself must be checked against the limit.
                let inflated = try buffer.decompress(with: .gzip, maxSize: limit)
                guard inflated.readableBytes <= limit else { throw SyncServerError.tooLarge(limit) }
                return inflated
            } catch let error as SyncServerError {
                throw error
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw SyncServerError.tooLarge(limit)
            } catch {
                throw SyncServerError.badRequest("the body is not valid gzip")
            }
        case let other?:
            throw SyncServerError.unsupportedEncoding(other)
        }
    }

    /// Counts operations in a changes document without parsing it, so that a request with
    /// too many is refused before the JSON parser spends time on it. Every operation has
    /// exactly one `"hlc"` key; the bytes `"hlc"` inside a string value are escaped
    /// (`\"hlc\"`), so the count is exact for well-formed documents.
    static func operationCount(_ buffer: ByteBuffer) -> Int {
        let needle = Array("\"hlc\"".utf8)
        return buffer.withUnsafeReadableBytes { bytes in
            var count = 0
            var index = 0
            let end = bytes.count - needle.count
            while index <= end {
                if bytes[index] == 0x22, bytes[index + 1] == 0x68, bytes[index + 2] == 0x6C, bytes[index + 3] == 0x63,
                    bytes[index + 4] == 0x22, index == 0 || bytes[index - 1] != 0x5C
                {
                    count += 1
                    index += needle.count
                } else {
                    index += 1
                }
            }
            return count
        }
    }
}
