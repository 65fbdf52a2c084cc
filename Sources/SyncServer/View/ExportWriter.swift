import NIOCore
import SyncCore

/// Writes the canonical export document (``CanonicalDocument``) list by list, as a store
/// reads its view a page at a time, handing chunks of about `chunkBytes` to `emit`: an
/// export holds one chunk and one page, whatever the size of the corpus.
struct ExportWriter {
    /// Where the chunks go (the response body).
    typealias Emit = (ByteBuffer) async throws -> Void

    let chunkBytes: Int
    private var chunk: ByteBuffer
    private var elements = 0

    init(chunkBytes: Int) {
        self.chunkBytes = max(1, chunkBytes)
        chunk = ByteBufferAllocator().buffer(capacity: 0)
    }

    nonisolated(nonsending) mutating func write(_ bytes: [UInt8], _ emit: Emit) async throws {
        chunk.writeBytes(bytes)
        try await spill(emit)
    }

    nonisolated(nonsending) mutating func open(_ list: CanonicalDocument.List, _ emit: Emit) async throws {
        elements = 0
        try await write(CanonicalDocument.open(list), emit)
    }

    /// One element from ``CanonicalDocument/encode(_:)``, indented as the document wants it
    /// (four spaces at the start of every line but the empty ones).
    nonisolated(nonsending) mutating func element<Bytes: Collection<UInt8>>(_ encoded: Bytes, _ emit: Emit) async throws {
        if elements > 0 { chunk.writeBytes(CanonicalDocument.separator) }
        elements += 1
        chunk.reserveCapacity(minimumWritableBytes: encoded.count + encoded.count / 8 + 8)
        let indent: [UInt8] = [0x20, 0x20, 0x20, 0x20]
        chunk.writeBytes(indent)
        var previous: UInt8 = 0
        for byte in encoded {
            if previous == 0x0A, byte != 0x0A { chunk.writeBytes(indent) }
            chunk.writeInteger(byte)
            previous = byte
        }
        try await spill(emit)
    }

    nonisolated(nonsending) mutating func close(_ emit: Emit) async throws { try await write(CanonicalDocument.close, emit) }

    /// Hands out what is left.
    nonisolated(nonsending) mutating func flush(_ emit: Emit) async throws {
        guard chunk.readableBytes > 0 else { return }
        let out = chunk
        chunk = ByteBufferAllocator().buffer(capacity: 0)
        try await emit(out)
    }

    nonisolated(nonsending) private mutating func spill(_ emit: Emit) async throws {
        if chunk.readableBytes >= chunkBytes { try await flush(emit) }
    }
}
