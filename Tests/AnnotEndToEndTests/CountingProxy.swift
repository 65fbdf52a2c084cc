import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP proxy on 127.0.0.1 in front of a server's port that counts the connections made
/// through it, so a test can see how many connections a client opened. Bytes pass through
/// unchanged, one thread per direction; `stop()` closes the listening port.
final class CountingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let target: Int
    private let lock = NSLock()
    private var accepted = 0
    private var stopped = false

    /// The connections accepted so far.
    var connections: Int { lock.withLock { accepted } }

    init(forwardingTo target: Int) throws {
        (listener, port) = try LoopbackSocket.listen()
        self.target = target
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }  // the listener was closed
            guard lock.withLock({ () -> Bool in
                if !stopped { accepted += 1 }
                return !stopped
            }), let server = try? LoopbackSocket.connect(port: target) else {
                close(client)
                continue
            }
            let finished = Pipes()
            Thread.detachNewThread { Self.pump(from: client, to: server, finished) }
            Thread.detachNewThread { Self.pump(from: server, to: client, finished) }
        }
    }

    /// Copies bytes until end of file or an error, then passes the end on; the second
    /// direction to finish closes both sockets.
    private static func pump(from source: Int32, to destination: Int32, _ finished: Pipes) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        copying: while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            var offset = 0
            while offset < count {
                let written = buffer[offset..<count].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
                guard written > 0 else { break copying }
                offset += written
            }
        }
        shutdown(destination, Int32(SHUT_WR))
        if finished.oneDone() {
            close(source)
            close(destination)
        }
    }

    /// Counts the two directions of one connection.
    private final class Pipes: @unchecked Sendable {
        private let lock = NSLock()
        private var done = 0
        /// Records one direction as finished; true for the second.
        func oneDone() -> Bool { lock.withLock { done += 1; return done == 2 } }
    }
}
