import Foundation

/// SIGINT and SIGTERM for a command that runs until stopped (`annot sync --watch`): the first
/// asks it to stop once the work in hand is done; a second ends the process at once, which
/// loses nothing (every write is one SQLite transaction, rolled back if cut short).
final class StopSignals {
    private let sources: [any DispatchSourceSignal]

    init(onStop: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "annot.signals")
        let asked = Asked()
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if asked.once() {
                    onStop()
                } else {
                    exit(128 + number)
                }
            }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// Whether a stop was asked for already (touched on the signal queue only).
    private final class Asked: @unchecked Sendable {
        private var asked = false
        func once() -> Bool {
            defer { asked = true }
            return !asked
        }
    }
}
