#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to standard output and standard error without losing a failure: the
/// executables' last step before they report success.
///
/// Foundation's `FileHandle.write` kills the process (SIGILL) when the write fails, as on
/// a full disk or a closed pipe, and `print` ignores the failure: a command would then
/// exit 0 with a truncated file. These writes retry partial writes and interrupts, and
/// say why they failed.
public enum StandardStreams {
    /// A write that failed, with the system's reason.
    public struct WriteFailure: Error, Sendable, CustomStringConvertible {
        /// `errno` of the failed write.
        public let code: Int32
        /// Which stream: "standard output" or "standard error".
        public let stream: String

        public init(code: Int32, stream: String) {
            self.code = code
            self.stream = stream
        }

        /// Whether the reader went away (`annot list | head`): not worth a message.
        public var isBrokenPipe: Bool { code == EPIPE }

        public var description: String { "cannot write to \(stream): \(String(cString: strerror(code)))" }
    }

    /// The exit status for a failed write of the output (EX_IOERR of sysexits.h).
    public static let ioErrorStatus: Int32 = 74
    /// The exit status for a reader that went away, as if killed by SIGPIPE.
    public static let brokenPipeStatus: Int32 = 128 + 13

    /// Makes a closed pipe an error of `write` (EPIPE) rather than a signal that kills the
    /// process mid-write.
    public static func ignoreBrokenPipeSignal() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes all of `bytes` to standard output.
    public static func writeOutput(_ bytes: [UInt8]) throws(WriteFailure) {
        try write(bytes, to: 1, stream: "standard output")
    }

    /// Writes `text` to standard error, ignoring failures: there is nowhere left to say them,
    /// and the exit status still tells.
    public static func writeError(_ text: String) {
        try? write(Array(text.utf8), to: 2, stream: "standard error")
    }

    /// Writes all of `bytes` to `descriptor`.
    public static func write(_ bytes: [UInt8], to descriptor: Int32, stream: String) throws(WriteFailure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                #if canImport(Glibc)
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                #else
                Darwin.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteFailure(code: errno, stream: stream)
            }
            offset += written
        }
    }
}
