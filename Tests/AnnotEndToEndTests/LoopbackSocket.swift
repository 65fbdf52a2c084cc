import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
    private let streamSocket = Int32(SOCK_STREAM.rawValue)
#elseif canImport(Darwin)
    import Darwin
    private let streamSocket = SOCK_STREAM
#endif

/// TCP sockets on 127.0.0.1 for test servers: a listener on a free port, and a client.
enum LoopbackSocket {
    /// A socket listening on a free port of 127.0.0.1, and that port.
    static func listen(backlog: Int32 = 16) throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, streamSocket, 0)
        guard descriptor >= 0 else { throw TestFailure("socket: \(errno)") }
        var address = loopback(port: 0)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, size) }
        }
        #if canImport(Glibc)
            let listening = Glibc.listen(descriptor, backlog)
        #else
            let listening = Darwin.listen(descriptor, backlog)
        #endif
        guard bound == 0, listening == 0 else {
            close(descriptor)
            throw TestFailure("bind or listen: \(errno)")
        }
        var length = size
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A socket connected to `port` on 127.0.0.1.
    /// - Parameter receiveBuffer: a receive buffer this small, in bytes (a slow reader's
    ///   window), when given.
    static func connect(port: Int, receiveBuffer: Int32? = nil) throws -> Int32 {
        let descriptor = socket(AF_INET, streamSocket, 0)
        guard descriptor >= 0 else { throw TestFailure("socket: \(errno)") }
        if var size = receiveBuffer {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #if canImport(Glibc)
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #else
                    Darwin.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #endif
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestFailure("connect to port \(port): \(errno)")
        }
        return descriptor
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

}

#if canImport(Glibc)
extension LoopbackSocket {
    /// Writes all of `bytes` to a connected socket.
    static func send(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestFailure("send: \(errno)") }
            offset += sent
        }
    }

    /// What a socket receives until the peer closes it or `timeout` seconds pass.
    /// - Returns: the bytes, and how long until the peer closed (nil: still open at the timeout).
    static func receive(_ descriptor: Int32, timeout: Double) -> (bytes: [UInt8], closedAfter: Double?) {
        let start = Date()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = timeout - Date().timeIntervalSince(start)
            guard left > 0 else { return (received, nil) }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(left * 1000)) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (received, Date().timeIntervalSince(start)) }
            received += buffer[0..<count]
        }
    }

    /// One request on a new connection: the raw answer, read until the server closes the
    /// connection (or `timeout`).
    static func exchange(port: Int, _ request: String, timeout: Double = 10) throws -> String {
        let descriptor = try connect(port: port)
        defer { close(descriptor) }
        try send(descriptor, Array(request.utf8))
        return String(decoding: receive(descriptor, timeout: timeout).bytes, as: UTF8.self)
    }
}
#endif
