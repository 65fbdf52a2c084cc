import CZlib
import Foundation

/// A ZIP archive in memory, as REFI-QDA projects are: written with each entry deflated,
/// read with stored and deflated entries. Reading treats the bytes as hostile: sizes,
/// offsets and names are checked, the total inflated size is capped (no zip bombs), CRCs
/// are verified, and encrypted, multi-disk and ZIP64 archives are refused in one line.
public enum ZipArchive {
    /// The most an archive may inflate to, all entries together.
    public static let maxInflatedBytes = 512 * 1024 * 1024
    /// The most entries an archive may hold.
    public static let maxEntries = 100_000

    // MARK: - Writing

    /// An archive of the entries, in the order given, each deflated (or stored, when
    /// deflating does not make it smaller), with a fixed time: equal entries give equal bytes.
    public static func write(_ entries: [(name: String, data: Data)]) -> Data {
        var archive = Data()
        var directory = Data()
        for (name, data) in entries {
            let nameBytes = Array(name.utf8)
            let crc = crc32(data)
            let deflated = deflate(data)
            let (method, body): (UInt16, Data) = deflated.map { $0.count < data.count ? (8, $0) : (0, data) } ?? (0, data)
            let offset = UInt32(archive.count)
            // Local file header.
            archive.append(le32: 0x0403_4b50)
            archive.append(le16: 20)  // version needed: 2.0
            archive.append(le16: 0x0800)  // UTF-8 names
            archive.append(le16: method)
            archive.append(le16: 0)  // 00:00
            archive.append(le16: 0x0021)  // 1980-01-01
            archive.append(le32: crc)
            archive.append(le32: UInt32(body.count))
            archive.append(le32: UInt32(data.count))
            archive.append(le16: UInt16(nameBytes.count))
            archive.append(le16: 0)
            archive.append(contentsOf: nameBytes)
            archive.append(body)
            // Its central directory entry.
            directory.append(le32: 0x0201_4b50)
            directory.append(le16: 0x031E)  // made by: Unix, 3.0
            directory.append(le16: 20)
            directory.append(le16: 0x0800)
            directory.append(le16: method)
            directory.append(le16: 0)
            directory.append(le16: 0x0021)
            directory.append(le32: crc)
            directory.append(le32: UInt32(body.count))
            directory.append(le32: UInt32(data.count))
            directory.append(le16: UInt16(nameBytes.count))
            directory.append(le16: 0)  // extra
            directory.append(le16: 0)  // comment
            directory.append(le16: 0)  // disk
            directory.append(le16: 0)  // internal attributes
            directory.append(le32: 0o100644 << 16)  // external: a regular file, rw-r--r--
            directory.append(le32: offset)
            directory.append(contentsOf: nameBytes)
        }
        let directoryOffset = UInt32(archive.count)
        archive.append(directory)
        archive.append(le32: 0x0605_4b50)
        archive.append(le16: 0)
        archive.append(le16: 0)
        archive.append(le16: UInt16(entries.count))
        archive.append(le16: UInt16(entries.count))
        archive.append(le32: UInt32(directory.count))
        archive.append(le32: directoryOffset)
        archive.append(le16: 0)
        return archive
    }

    // MARK: - Reading

    /// Every file entry of an archive, by name (folders left out).
    public static func read(_ archive: Data) throws(ExchangeError) -> [String: Data] {
        let bytes = [UInt8](archive)
        guard bytes.count >= 22 else { throw .malformed("not a ZIP archive: too short") }
        // The end of central directory record: in the last 64 KiB + 22 bytes.
        var end = -1
        var position = bytes.count - 22
        while position >= max(0, bytes.count - 65_557) {
            if read32(bytes, position) == 0x0605_4b50 {
                end = position
                break
            }
            position -= 1
        }
        guard end >= 0 else { throw .malformed("not a ZIP archive: no central directory") }
        guard read16(bytes, end + 4) == 0, read16(bytes, end + 6) == 0 else { throw .unsupported("multi-disk ZIP archives are not read") }
        let count = Int(read16(bytes, end + 10))
        let directorySize = Int(read32(bytes, end + 12))
        let directoryOffset = Int(read32(bytes, end + 16))
        guard count != 0xFFFF, directorySize != 0xFFFF_FFFF, directoryOffset != 0xFFFF_FFFF else {
            throw .unsupported("ZIP64 archives are not read")
        }
        guard count <= maxEntries else { throw .tooLarge("the archive holds over \(maxEntries) entries") }
        guard directoryOffset + directorySize <= end else { throw .malformed("the ZIP central directory is out of bounds") }
        var entries: [String: Data] = [:]
        var inflated = 0
        var cursor = directoryOffset
        for _ in 0..<count {
            guard cursor + 46 <= end, read32(bytes, cursor) == 0x0201_4b50 else { throw .malformed("a damaged ZIP central directory") }
            let flags = read16(bytes, cursor + 8)
            let method = read16(bytes, cursor + 10)
            let crc = read32(bytes, cursor + 16)
            let compressed = Int(read32(bytes, cursor + 20))
            let size = Int(read32(bytes, cursor + 24))
            let nameLength = Int(read16(bytes, cursor + 28))
            let extraLength = Int(read16(bytes, cursor + 30))
            let commentLength = Int(read16(bytes, cursor + 32))
            let local = Int(read32(bytes, cursor + 42))
            guard cursor + 46 + nameLength <= end else { throw .malformed("a damaged ZIP central directory") }
            guard let name = String(validating: bytes[(cursor + 46)..<(cursor + 46 + nameLength)], as: UTF8.self) else {
                throw .malformed("a ZIP entry name that is not UTF-8")
            }
            cursor += 46 + nameLength + extraLength + commentLength
            if name.hasSuffix("/") { continue }
            guard flags & 1 == 0 else { throw .unsupported("\(name) is encrypted: export the project without a password") }
            guard compressed != 0xFFFF_FFFF, size != 0xFFFF_FFFF else { throw .unsupported("ZIP64 entries are not read") }
            inflated += size
            guard inflated <= maxInflatedBytes else {
                throw .tooLarge("the archive inflates to over \(maxInflatedBytes / 1024 / 1024) MiB")
            }
            guard local + 30 <= bytes.count, read32(bytes, local) == 0x0403_4b50 else {
                throw .malformed("\(name): a damaged ZIP local header")
            }
            let start = local + 30 + Int(read16(bytes, local + 26)) + Int(read16(bytes, local + 28))
            guard start + compressed <= bytes.count else { throw .malformed("\(name) is cut short") }
            let body = Data(bytes[start..<(start + compressed)])
            let data: Data
            switch method {
            case 0: data = body
            case 8: data = try inflate(body, expected: size, name: name)
            default: throw .unsupported("\(name) is compressed with method \(method); only stored and deflated entries are read")
            }
            guard data.count == size, crc32(data) == crc else { throw .malformed("\(name) fails its CRC check: the archive is damaged") }
            entries[name] = data
        }
        return entries
    }

    // MARK: - zlib

    static func crc32(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { buffer in
            UInt32(CZlib.crc32(0, buffer.bindMemory(to: Bytef.self).baseAddress, uInt(buffer.count)))
        }
    }

    /// Raw deflate (no zlib header), as ZIP stores it; nil if zlib fails.
    static func deflate(_ data: Data) -> Data? {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        var input = [UInt8](data)
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        let result = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer -> Int32 in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else { return nil }
        return Data(output[0..<Int(stream.total_out)])
    }

    /// Inflates raw deflate data that must give exactly `expected` bytes.
    static func inflate(_ data: Data, expected: Int, name: String) throws(ExchangeError) -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .malformed("\(name): zlib failed to start")
        }
        defer { inflateEnd(&stream) }
        var input = [UInt8](data)
        // One byte more than declared: more output than that is a lie about the size.
        var output = [UInt8](repeating: 0, count: expected + 1)
        let result = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer -> Int32 in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END, Int(stream.total_out) == expected else {
            throw .malformed("\(name) does not inflate to its declared size: the archive is damaged")
        }
        return Data(output[0..<expected])
    }

    private static func read16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        guard at >= 0, at + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    private static func read32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        guard at >= 0, at + 4 <= bytes.count else { return 0 }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}

extension Data {
    fileprivate mutating func append(le16 value: UInt16) { append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8)]) }
    fileprivate mutating func append(le32 value: UInt32) {
        append(contentsOf: [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)])
    }
}
