// swift-tools-version:6.1
import PackageDescription

// Dependencies point one way: SyncCore <- Replica <- annot, SyncCore <- SyncServer <- syncd;
// SyncCore <- Exchange (file formats) <- Replica; Replica, SyncServer <- Snapshots <- syncd
// (the server's snapshots are made by a replica of its log).
// `migrations/` at the top level is the one source of truth for every schema; the
// EmbedMigrations build-tool plugin turns it into Swift source so installed binaries
// carry their schema with them.
let strictSwift: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "annot",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "annot", targets: ["annot"]),
        .executable(name: "syncd", targets: ["syncd"]),
        .library(name: "SyncCore", targets: ["SyncCore"]),
        .library(name: "Replica", targets: ["Replica"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // MARK: - Model
        // Pure computation only: SHA-256 content ids and Ed25519 signatures come from swift-crypto.
        .target(
            name: "SyncCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: strictSwift),
        // Writes to standard output and error that report their failures, for both executables.
        .target(name: "StandardStreams", swiftSettings: strictSwift),
        // A seeded generator shared by the property tests and the benchmarks.
        .target(name: "SeededRandom", swiftSettings: strictSwift),

        // MARK: - Schema embedding
        .executableTarget(name: "embed-migrations", swiftSettings: strictSwift),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["embed-migrations"]
        ),

        // MARK: - Exchange formats
        // W3C Web Annotation and REFI-QDA, both ways: pure transformations of bytes.
        .target(name: "Exchange", dependencies: ["SyncCore", "CZlib"], swiftSettings: strictSwift),
        // The system's zlib (deflate in REFI-QDA archives).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // MARK: - Replica and CLI
        .target(
            name: "Replica",
            dependencies: [
                "SyncCore", "Exchange", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwift,
            plugins: ["EmbedMigrations"]
        ),
        // HTTP over the system's libcurl, loaded only when `annot sync` runs (dlopen), and
        // gzip with zlib: `annot` links no network stack of its own.
        .target(
            name: "CurlTransport",
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("dl")]
        ),
        .executableTarget(
            name: "annot",
            dependencies: [
                "Replica", "SyncCore", "Exchange", "CurlTransport", "StandardStreams",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // `annot` is a short-lived process: most of a command's time used to be start-up
            // (BENCHMARKS.md, AnnotBench (b)). In release builds: generic metadata through
            // direct accessors (scripts/build-release does this for every module); a non-PIE
            // link, so the loader has no metadata to relocate; no exported symbols, which the
            // runtime's start-up scanned; and libstdc++ linked statically (the linker script
            // in scripts/link turns the toolchain's own `-lstdc++` into the static archive).
            swiftSettings: strictSwift + [
                .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"], .when(configuration: .release))
            ],
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic",
                        "-Xclang-linker", "-L\(Context.packageDirectory)/scripts/link",
                    ], .when(platforms: [.linux], configuration: .release))
            ]
        ),

        // MARK: - Server
        .target(
            name: "SyncServer",
            dependencies: [
                "SyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: strictSwift,
            plugins: ["EmbedMigrations"]
        ),
        // The server's snapshots: a replica of its log (Replica's own code) that follows the
        // store and publishes the files the router serves. Replica and SyncServer do not
        // know each other; this glue knows both.
        .target(
            name: "Snapshots",
            dependencies: [
                "Replica", "SyncServer", "SyncCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "syncd",
            dependencies: [
                "SyncServer", "Snapshots", "SyncCore", "StandardStreams",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),

        // MARK: - Benchmarks
        .executableTarget(
            name: "AnnotBench",
            dependencies: ["Replica", "SyncCore", "SeededRandom", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "SyncBench",
            dependencies: [
                "Replica", "SyncCore", "SeededRandom",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSwift
        ),

        // MARK: - Tests
        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore", "SeededRandom"], swiftSettings: strictSwift),
        .testTarget(
            name: "ReplicaTests", dependencies: ["Replica", "SyncCore", "SeededRandom", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "AnnotTests", dependencies: ["annot", "SeededRandom"], swiftSettings: strictSwift),
        .testTarget(name: "ExchangeTests", dependencies: ["Exchange", "SeededRandom", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(
            name: "AnnotEndToEndTests",
            // SyncCore only to forge documents as a hostile peer would; the code under test
            // is the built binaries.
            dependencies: ["annot", "syncd", "SyncCore", "Exchange", "TestSupport"],
            swiftSettings: strictSwift
        ),
        // The sync protocol end to end in process: replicas' sync sessions against the
        // server's router, and one validation for every peer.
        .testTarget(
            name: "ProtocolTests",
            dependencies: [
                "Replica", "SyncServer", "Snapshots", "SyncCore", "SeededRandom", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwift
        ),
        // Helpers every test target shares: temporary folders, failures, the sample corpus.
        .target(name: "TestSupport", dependencies: ["SyncCore", "SeededRandom"], path: "Tests/TestSupport", swiftSettings: strictSwift),
        .testTarget(
            name: "SyncServerTests",
            dependencies: [
                "SyncServer", "SyncCore", "SeededRandom", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSwift
        ),
    ]
)
