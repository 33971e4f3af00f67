// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "leadd",
    products: [
        .executable(name: "leadd", targets: ["leadd"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The system libyaml, wrapped by the YAML module only.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // libyaml events -> YAMLNode tree with source positions; diagnostics shared by every stage.
        .target(name: "YAML", dependencies: ["CYAML"]),
        // The lead value tree and the readers (JSON, NDJSON, CSV) that make records of files.
        .target(name: "Leads", dependencies: ["YAML", "CLinux"]),
        // Rule files -> checked, compiled Program -> Decision with its explanation.
        .target(name: "Rules", dependencies: ["YAML", "Leads"]),
        // Opportunity assignment: owners from teams, accounts and strategies, with durable state in SQLite.
        .target(
            name: "Assignment",
            dependencies: [
                "YAML", "Leads", "Rules", .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's own C calls, for the rows written once per lead (`RowWriter`).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "CSQLite",
                // sync_file_range, to start writing the log back before it is synced.
                "CLinux",
            ]
        ),
        // sqlite3_config, which is variadic, for Swift (the system SQLite, as GRDBSQLite links it).
        .target(name: "CSQLite"),
        // Changing rules safely: rule unit tests (tests/*.yaml in a rules directory) and what-if replay of archived
        // leads against a candidate rule set.
        .target(name: "Review", dependencies: ["YAML", "Leads", "Rules", "Assignment"]),
        // Closing the loop: figures from the ledger's decisions and outcome updates (`leadd report`).
        .target(name: "Analytics", dependencies: ["YAML", "Leads", "Assignment"]),
        // The few Linux calls Glibc's module does not show: renameat2, inotify, flock, statfs, case-blind fnmatch.
        .target(name: "CLinux"),
        // Where a lead enters: the spool (inbox, processing, outbox, archive, rejected), its crash-safe file protocol,
        // and the processing of one claimed file.
        // The daemon (Daemon/): a service that watches the inbox and runs files on bounded workers; logs, metrics.
        .target(
            name: "Pipeline",
            dependencies: [
                "CLinux", "YAML", "Leads", "Rules", "Assignment", "Review",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The executable: thin commands over the modules above.
        .executableTarget(
            name: "leadd",
            dependencies: [
                "YAML",
                "Leads",
                "Rules",
                "Assignment",
                "Review",
                "Analytics",
                "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // `make bench`: figures for the speed and memory targets (see bench/README.md).
        .executableTarget(
            name: "leadd-bench",
            dependencies: ["Leads", "Rules", "Assignment", "Pipeline", "Review", "YAML", "TestSupport"],
            path: "bench/Sources/leadd-bench"
        ),
        // Temporary directories and a process runner shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Leads"], path: "Tests/TestSupport"),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
        .testTarget(name: "LeadsTests", dependencies: ["Leads", "YAML", "TestSupport"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "Leads", "YAML", "TestSupport"]),
        .testTarget(name: "AssignmentTests", dependencies: ["Assignment", "Rules", "Leads", "YAML", "TestSupport"]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "Assignment", "Rules", "Leads", "YAML", "TestSupport"]
        ),
        .testTarget(
            name: "ReviewTests",
            dependencies: ["Review", "Assignment", "Rules", "Leads", "YAML", "TestSupport"]
        ),
        .testTarget(name: "leaddTests", dependencies: ["leadd", "Leads", "Assignment", "TestSupport"]),
    ]
)

// One settings loop for all targets, like apple/swift-log's.
for target in package.targets where target.type != .system && target.name != "CLinux" {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
