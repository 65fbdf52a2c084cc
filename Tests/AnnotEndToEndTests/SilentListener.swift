import Foundation
import TestSupport

/// A TCP port on 127.0.0.1 that accepts connections (the kernel completes them) and never
/// answers: a server that hangs. The port closes when the value is released.
final class SilentListener {
    let port: Int
    private let descriptor: Int32

    init() throws {
        (descriptor, port) = try LoopbackSocket.listen()
    }

    deinit { close(descriptor) }
}
