// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "stackledger",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "stackledger", targets: ["stackledger"])
  ],
  targets: [
    // C libraries from Debian, found through pkg-config.
    .systemLibrary(
      name: "CLibPQ",
      pkgConfig: "libpq",
      providers: [.apt(["libpq-dev"])]
    ),
    .systemLibrary(
      name: "CCrypto",
      pkgConfig: "libcrypto",
      providers: [.apt(["libssl-dev"])]
    ),
    .systemLibrary(
      name: "CYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"])]
    ),

    // Libraries. Dependencies point one way: stackledger -> Reports/Ledger -> clients.
    .target(name: "PostgresClient", dependencies: ["CLibPQ"], swiftSettings: strict),
    .target(
      name: "OpenStackClient", dependencies: ["CYAML", "CCrypto"], swiftSettings: strict),
    .target(
      name: "Ledger",
      dependencies: ["PostgresClient", "OpenStackClient", "CCrypto"],
      swiftSettings: strict
    ),
    .target(
      name: "Reports",
      dependencies: ["PostgresClient", "Ledger"],
      swiftSettings: strict
    ),
    .target(
      name: "TestSupport",
      dependencies: ["PostgresClient", "OpenStackClient"],
      swiftSettings: strict
    ),

    // The thin executable: parsing, wiring, exit codes.
    .executableTarget(
      name: "stackledger",
      dependencies: ["PostgresClient", "OpenStackClient", "Ledger", "Reports"],
      swiftSettings: strict
    ),

    .testTarget(
      name: "PostgresClientTests",
      dependencies: ["PostgresClient", "TestSupport"],
      swiftSettings: strict
    ),
    .testTarget(
      name: "OpenStackClientTests",
      dependencies: ["OpenStackClient", "TestSupport"],
      resources: [.copy("Fixtures")],
      swiftSettings: strict
    ),
    .testTarget(
      name: "LedgerTests",
      dependencies: ["Ledger", "PostgresClient", "OpenStackClient", "TestSupport"],
      swiftSettings: strict
    ),
    .testTarget(
      name: "ReportsTests",
      dependencies: ["Reports", "Ledger", "PostgresClient", "TestSupport"],
      swiftSettings: strict
    ),
  ]
)
