/// The command line of `SyncBench`, parsed by hand as `AnnotBench` does.
struct SyncBenchOptions: Sendable {
    /// One workload of the benchmark.
    enum Workload: String, CaseIterable, Sendable {
        case fresh, incremental, concurrent, wire, writers, live, reads, bootstrap, instances
    }

    /// How big each workload is: the sizes, or small ones for a smoke run.
    struct Sizes: Sendable {
        let freshOperations: Int
        let histories: [Int]
        let concurrentDuration: Duration
        let wireOperations: Int
        let catchUpOperations: Int
        let liveRounds: Int
        let bootstrapOperations: Int

        static let full = Sizes(
            freshOperations: 100_000, histories: [10_000, 1_000_000], concurrentDuration: .seconds(20),
            wireOperations: 100_000, catchUpOperations: 1_000_000, liveRounds: 200, bootstrapOperations: 1_000_000)
        static let quick = Sizes(
            freshOperations: 10_000, histories: [1_000, 100_000], concurrentDuration: .seconds(5),
            wireOperations: 10_000, catchUpOperations: 100_000, liveRounds: 30, bootstrapOperations: 100_000)
    }

    static let usage = """
        usage: SyncBench [fresh|incremental|concurrent|wire|writers|live|reads|bootstrap|instances|all] [--runs N] [--quick]
                 [--instances N] [--rate OPS] [--syncd-arg ARG]... [--serve-arg ARG]... [--postgres URL] [--no-replay]

          fresh        a fresh replica pulls 100,000 operations (annot sync against a plain HTTP pull loop)
          incremental  annot sync of 10 new operations against histories of 10,000 and 1,000,000 operations
          concurrent   32 in-process clients pushing and pulling for 20 s
          wire         bytes per operation on the wire for 100,000 tag and note operations
          writers      annot tag on a replica while it catches up with 1,000,000 operations, against
                       annot tag on the idle replica
          live         propagation of 200 tags between two replicas running annot sync --watch, against
                       annot sync on the writer then the reader
          reads        the server's filtered, paged reads against histories of 10,000 and 1,000,000 operations
          bootstrap    a new replica of 1,000,000 operations starting from the server's snapshot, then list, search
                       and tag; against curl receiving the snapshot (and, once, replaying the log)
          instances    32 clients on one and on two syncd instances sharing a PostgreSQL database, flat out
                       and then paced at 50% and 80% of one instance's throughput, with the lock waits
                       sampled (needs --postgres)
          all          every workload (the default; instances only with --postgres)

          --runs N         timed runs per measurement (default 7; the incremental sync runs at least 7)
          --quick          smaller sizes, for a smoke run (10,000 operations, histories of 1,000 and
                           100,000, 5 s of concurrent clients, a catch-up of 100,000, 30 live tags)
          --instances N    'syncd serve' processes on one store for the concurrent clients (default 1;
                           more than 1 needs a shared store: --syncd-arg --store --syncd-arg URL);
                           the clients are spread over them round-robin
          --rate OPS       the concurrent clients push OPS operations per second in all, each on a fixed
                           schedule, a push's latency counted from when it was due (default: flat out)
          --postgres URL   a PostgreSQL database where the instances workload may create databases
          --no-replay      in the bootstrap workload, do not also time replaying the whole log
          --syncd-arg ARG  passed to every 'syncd serve' and 'syncd user add' (repeat for several);
                           '{server}' in ARG becomes the name of the server being started, so that
                           each workload can get a store of its own
          --serve-arg ARG  passed to every 'syncd serve' only (repeat for several), for example
                           --serve-arg --pull-cache-bytes --serve-arg 0
        """

    var workloads: Set<Workload> = Set(Workload.allCases)
    var runCount = 7
    var quick = false
    /// `syncd serve` processes sharing one store in the concurrent workload.
    var instances = 1
    /// Operations per second the concurrent clients push in all; `nil`: flat out.
    var rate: Double?
    var syncdArguments: [String] = []
    /// Passed to every `syncd serve` only.
    var serveArguments: [String] = []
    var postgres: String?
    var replay = true
    var help = false

    var sizes: Sizes { quick ? .quick : .full }

    func runs(_ workload: Workload) -> Bool { workloads.contains(workload) }

    static func parse(_ arguments: [String]) throws -> SyncBenchOptions {
        var options = SyncBenchOptions()
        var selected: Set<Workload> = []
        var index = 0
        func value(after flag: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw SyncBenchError("\(flag) needs a value\n\n\(usage)") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--runs":
                let text = try value(after: argument)
                guard let runs = Int(text), (1...1000).contains(runs) else {
                    throw SyncBenchError("--runs must be a whole number from 1 to 1000, not '\(text)'")
                }
                options.runCount = runs
            case "--instances":
                let text = try value(after: argument)
                guard let instances = Int(text), (1...16).contains(instances) else {
                    throw SyncBenchError("--instances must be a whole number from 1 to 16, not '\(text)'")
                }
                options.instances = instances
            case "--rate":
                let text = try value(after: argument)
                guard let rate = Double(text), rate >= 1, rate <= 1_000_000 else {
                    throw SyncBenchError("--rate must be a number of operations per second from 1 to 1000000, not '\(text)'")
                }
                options.rate = rate
            case "--quick":
                options.quick = true
            case "--postgres":
                options.postgres = try value(after: argument)
            case "--no-replay":
                options.replay = false
            case "--syncd-arg":
                options.syncdArguments.append(try value(after: argument))
            case "--serve-arg":
                options.serveArguments.append(try value(after: argument))
            case "-h", "--help":
                options.help = true
            case "all":
                selected.formUnion(Workload.allCases.filter { $0 != .instances })
            default:
                guard let workload = Workload(rawValue: argument) else {
                    throw SyncBenchError("unknown argument '\(argument)'\n\n\(usage)")
                }
                selected.insert(workload)
            }
            index += 1
        }
        if !selected.isEmpty { options.workloads = selected }
        if options.postgres == nil {
            guard !selected.contains(.instances) else {
                throw SyncBenchError("the instances workload needs --postgres URL: a database where it may create databases")
            }
            options.workloads.remove(.instances)
        }
        if options.instances > 1,
            !SyncdBinary(path: "", storeArguments: options.syncdArguments).namesStore
        {
            throw SyncBenchError(
                "--instances \(options.instances) needs a store that several syncd instances can share: "
                    + "the embedded SQLite store of --data belongs to one process; "
                    + "add --syncd-arg --store --syncd-arg postgres://USER@HOST:PORT/DATABASE")
        }
        return options
    }
}
