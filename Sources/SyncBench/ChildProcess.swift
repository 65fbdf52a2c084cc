import Foundation

/// A child process started with `posix_spawn`, its output appended to a file.
///
/// `posix_spawn` and `wait4` rather than Foundation's `Process`: `Process` adds tens of
/// milliseconds of its own on Linux, and `wait4` reports the child's peak resident memory.
struct ChildProcess: Sendable {
    let pid: pid_t

    /// How a command that ran to completion ended, and what it used.
    struct Completion: Sendable {
        /// The command line, for messages.
        let command: String
        /// The raw status from `wait4`.
        let status: Int32
        /// Wall time from just before the spawn to the end of the process.
        let seconds: Double
        /// The child's peak resident memory (`ru_maxrss`), in KiB.
        let maxResidentKiB: Int

        var succeeded: Bool { status == 0 }

        /// How the process ended, in words.
        var outcome: String {
            status & 0x7f == 0 ? "exit status \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
        }

        /// Throws, quoting the end of the output, unless the command succeeded.
        func requireSuccess(output: String) throws {
            guard succeeded else {
                throw SyncBenchError("\(command) failed (\(outcome)): \(ChildProcess.tail(of: output))")
            }
        }
    }

    /// Starts `executable` in the background, output and errors appended to `output`.
    static func start(_ executable: String, _ arguments: [String], output: String) throws -> ChildProcess {
        ChildProcess(pid: try spawn(executable, arguments, output: output))
    }

    /// Runs `executable` to completion, timing it. The waiting happens on a thread of its
    /// own, not on the concurrency pool.
    static func run(_ executable: String, _ arguments: [String], output: String) async throws -> Completion {
        let command = ([executable] + arguments).joined(separator: " ")
        let result: Result<Completion, SyncBenchError> = await onThread {
            let start = ContinuousClock.now
            let pid: pid_t
            do throws(SyncBenchError) {
                pid = try spawn(executable, arguments, output: output)
            } catch {
                return .failure(error)
            }
            var status: Int32 = 0
            var usage = rusage()
            while wait4(pid, &status, 0, &usage) == -1 {
                guard errno == EINTR else {
                    return .failure(SyncBenchError("cannot wait for \(command): errno \(errno)"))
                }
            }
            return .success(
                Completion(
                    command: command, status: status, seconds: Statistics.seconds(ContinuousClock.now - start),
                    maxResidentKiB: usage.ru_maxrss))
        }
        return try result.get()
    }

    /// Whether the process has ended (collecting it if so).
    func hasExited() -> Bool {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        return result == pid || (result == -1 && errno == ECHILD)
    }

    /// Stops the process with SIGTERM and waits for it; SIGKILL if it is still there after
    /// `grace`.
    func stop(grace: Duration = .seconds(10)) {
        guard kill(pid, SIGTERM) == 0 else { return }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if hasExited() { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The last lines of a log file, on one line, for error messages.
    static func tail(of path: String, lines: Int = 5) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "(no output in \(path))" }
        let last = text.split(whereSeparator: \.isNewline).suffix(lines).joined(separator: " | ")
        return last.isEmpty ? "(no output)" : last
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], output: String
    ) throws(SyncBenchError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The benchmark ignores SIGINT and SIGTERM (``Interruption`` handles them), and a
        // spawned process would inherit that: give it the default handlers back.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw SyncBenchError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    private static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }
}
