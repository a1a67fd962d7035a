import Foundation
import PostgresClient
import TestSupport
import Testing

/// The real `stackledger` binary (built next to the test bundle by `swift build --build-tests`),
/// run as a process against a temporary database and the fake cloud.
struct StackledgerBinary {
  /// Why the binary could not be found.
  struct NotFound: Error, CustomStringConvertible {
    var candidates: [String]
    var description: String {
      "the stackledger binary was not found (looked in: \(candidates.joined(separator: ", "))); "
        + "build it with `swift build --build-tests` before running these tests"
    }
  }

  /// What one run did.
  struct Outcome {
    var status: Int32
    var signaled: Bool
    var pid: Int32
    var stdout: String
    var stderr: String
  }

  let url: URL
  let database: String
  let cloudsYAML: String
  let directory: URL

  init(database: String, cloudsYAML: String) throws {
    let fileManager = FileManager.default
    var candidates: [URL] = []
    let bundle = Bundle.main.bundleURL
    candidates.append(bundle.appendingPathComponent("stackledger"))
    candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("stackledger"))
    let argument0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
    candidates.append(argument0.deletingLastPathComponent().appendingPathComponent("stackledger"))
    for test in Bundle.allBundles where test.bundlePath.hasSuffix(".xctest") {
      candidates.append(
        test.bundleURL.deletingLastPathComponent().appendingPathComponent("stackledger"))
    }
    candidates.append(
      TemporaryDatabase.projectRoot().appendingPathComponent(".build/debug/stackledger"))
    guard
      let found = candidates.first(where: {
        var isDirectory: ObjCBool = false
        return fileManager.fileExists(atPath: $0.path, isDirectory: &isDirectory)
          && !isDirectory.boolValue && fileManager.isExecutableFile(atPath: $0.path)
      })
    else {
      throw NotFound(candidates: candidates.map(\.path))
    }
    url = found
    self.database = database
    self.cloudsYAML = cloudsYAML
    directory = fileManager.temporaryDirectory.appendingPathComponent(
      "stackledger-process-\(UUID().uuidString)")
    try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  /// Starts `stackledger <arguments> --database-url <db>` with the fake's clouds.yaml.
  func start(_ arguments: [String], cloud: String = "fake-admin") throws -> (Process, URL, URL) {
    let process = Process()
    process.executableURL = url
    process.arguments = arguments + ["--database-url", database]
    var environment = ProcessInfo.processInfo.environment
    environment["OS_CLIENT_CONFIG_FILE"] = cloudsYAML
    environment["OS_CLOUD"] = cloud
    process.environment = environment
    let name = UUID().uuidString
    let out = directory.appendingPathComponent("\(name).out")
    let err = directory.appendingPathComponent("\(name).err")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return (process, out, err)
  }

  /// Waits for a started process by polling (waitUntilExit spins a run loop on Linux).
  func finish(_ started: (Process, URL, URL), timeout: TimeInterval = 120) async throws -> Outcome {
    let (process, out, err) = started
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
      if Date() > deadline {
        kill(process.processIdentifier, SIGKILL)
        Issue.record("stackledger \(process.arguments ?? []) did not finish within \(timeout) s")
      }
      try await Task.sleep(nanoseconds: 10_000_000)
    }
    let read = { (file: URL) in
      String(decoding: FileManager.default.contents(atPath: file.path) ?? Data(), as: UTF8.self)
    }
    return Outcome(
      status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
      pid: process.processIdentifier, stdout: read(out), stderr: read(err))
  }

  func run(_ arguments: [String], cloud: String = "fake-admin") async throws -> Outcome {
    try await finish(try start(arguments, cloud: cloud))
  }
}

/// A ledger database checked from outside the process: a digest of the current state and history.
struct LedgerProbe {
  let connection: PostgresConnection

  /// Servers (id, fingerprint, version, deletion, related state) plus history counts; not the
  /// sync_runs and ledger_blocks rows a run without changes still appends.
  func digest() throws -> String {
    let rows = try connection.query(
      """
      SELECT concat_ws('|',
        (SELECT md5(coalesce(string_agg(server_id || ':' || encode(coalesce(fingerprint, ''::bytea),
                'hex') || ':' || version_no || ':' || coalesce(deleted_at::text, '') || ':'
                || coalesce(addresses::text, '') || ':' || coalesce(volumes::text, ''),
                ',' ORDER BY server_id), '')) FROM servers),
        (SELECT count(*) FROM changes), (SELECT count(*) FROM server_versions),
        (SELECT count(*) FROM server_addresses), (SELECT count(*) FROM server_volumes)) AS d
      """)
    return try rows.first?.decode("d", as: String.self) ?? ""
  }

  /// The status of the run a process with this pid started after `run`.
  func status(pid: Int32, after run: Int64) throws -> String? {
    let rows = try connection.query(
      """
      SELECT status FROM sync_runs WHERE pid = \(Int(pid)) AND run_id > \(run)
       ORDER BY run_id LIMIT 1
      """)
    return try rows.first?.decode("status", as: String.self)
  }

  func lastRun() throws -> Int64 {
    let rows = try connection.query("SELECT coalesce(max(run_id), 0) AS r FROM sync_runs")
    return try rows.first?.decode("r", as: Int64.self) ?? 0
  }

  /// Succeeded runs whose [started, finished] spans overlap (must stay 0 within one scope).
  func overlappingRuns() throws -> Int {
    let rows = try connection.query(
      """
      SELECT count(*) AS n FROM sync_runs a JOIN sync_runs b
          ON a.scope_id = b.scope_id AND a.run_id < b.run_id
         AND b.started_at < a.finished_at AND a.started_at < b.finished_at
       WHERE a.status = 'succeeded' AND b.status = 'succeeded'
      """)
    return try rows.first?.decode("n", as: Int.self) ?? 0
  }

  /// Waits until no `stackledger` session is left: a killed client's backend runs on until
  /// its statement ends, holding the scope's advisory lock.
  func waitForOrphanedBackends() async throws {
    for _ in 0..<3000 {
      let rows = try connection.query(
        """
        SELECT count(*) AS n FROM pg_stat_activity
         WHERE application_name = 'stackledger' AND datname = current_database()
        """)
      if try rows.first?.decode("n", as: Int.self) == 0 { return }
      try await Task.sleep(nanoseconds: 20_000_000)
    }
    Issue.record("a stackledger backend was still running after 60 s")
  }
}

/// A deterministic generator for the kill delays (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite("The stackledger process: kill -9 and the scope lock", .serialized)
struct ProcessTests {
  @Test func killedSyncLeavesStateBeforeOrAfterAndNextRunSucceeds() async throws {
    let fake = try FakeCloud(servers: 600, seed: 21)
    defer { fake.stop() }
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let connection = try database.connect()
    defer { connection.close() }
    let probe = LedgerProbe(connection: connection)
    let binary = try StackledgerBinary(database: database.url, cloudsYAML: fake.cloudsYAMLPath)
    let migrate = try await binary.run(["migrate"])
    try #require(migrate.status == 0, "migrate failed: \(migrate.stderr)")

    // A first full sync, then one after churn to measure how long a sync with changes takes.
    let first = try await binary.run(["sync", "--full"])
    try #require(first.status == 0, "first sync failed: \(first.stderr)")
    try await fake.control("/_fake/churn", json: ["count": 40, "seed": 1])
    let started = Date()
    let measured = try await binary.run(["sync", "--full"])
    try #require(measured.status == 0, "sync failed: \(measured.stderr)")
    let duration = Date().timeIntervalSince(started)

    var generator = SeededGenerator(state: 8)
    var outcomes: [String] = []
    for trial in 0..<4 {
      try await fake.control("/_fake/churn", json: ["count": 30, "seed": 100 + trial])
      let before = try probe.digest()
      let lastRun = try probe.lastRun()
      // Spread the kills over the run: one per quarter of the measured duration.
      let delay = duration * (Double(trial) + Double.random(in: 0..<1, using: &generator)) / 4
      let running = try binary.start(["sync", "--full"])
      try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
      let exitedFirst = !running.0.isRunning
      if !exitedFirst { kill(running.0.processIdentifier, SIGKILL) }
      let killed = try await binary.finish(running)
      try await probe.waitForOrphanedBackends()
      let middle = try probe.digest()

      let next = try await binary.run(["sync", "--full"])
      #expect(next.status == 0, "trial \(trial): the next run failed: \(next.stderr)")
      let after = try probe.digest()
      let status = try probe.status(pid: killed.pid, after: lastRun)
      #expect(
        middle == before || middle == after,
        "trial \(trial) (kill at \(delay) s): the state is neither before nor after the run")
      switch status {
      case "succeeded":
        #expect(middle == after, "trial \(trial): succeeded but not the after state")
      case "abandoned", nil:
        #expect(middle == before, "trial \(trial): not applied but the state changed")
      default:
        Issue.record("trial \(trial): the killed run is '\(status ?? "")' after the next run")
      }
      if status == "abandoned" {
        #expect(next.stderr.contains("abandoned"), "the next run did not report the abandoned run")
      }
      let verify = try await binary.run(["verify"])
      #expect(verify.status == 0, "trial \(trial): verify: \(verify.stdout)")
      outcomes.append(exitedFirst ? "completed" : (status ?? "no run row"))
    }
    #expect(outcomes.count == 4)
  }

  @Test func twoConcurrentSyncsOfOneScopeNeverApplyTogether() async throws {
    let fake = try FakeCloud(servers: 1500, seed: 22)
    defer { fake.stop() }
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let connection = try database.connect()
    defer { connection.close() }
    let probe = LedgerProbe(connection: connection)
    let binary = try StackledgerBinary(database: database.url, cloudsYAML: fake.cloudsYAMLPath)
    let migrate = try await binary.run(["migrate"])
    try #require(migrate.status == 0, "migrate failed: \(migrate.stderr)")
    let first = try await binary.run(["sync", "--full"])
    try #require(first.status == 0, "first sync failed: \(first.stderr)")

    var sawLocked = false
    for attempt in 0..<4 where !sawLocked {
      try await fake.control("/_fake/churn", json: ["count": 20, "seed": 200 + attempt])
      let one = try binary.start(["sync", "--full"])
      let two = try binary.start(["sync", "--full"])
      let outcomes = [try await binary.finish(one), try await binary.finish(two)]
      let codes = outcomes.map(\.status).sorted()
      #expect(outcomes.allSatisfy { !$0.signaled }, "a sync died by a signal: \(outcomes)")
      #expect(codes.allSatisfy { $0 == 0 || $0 == 75 }, "exit codes \(codes)")
      #expect(codes.contains(0), "neither sync succeeded: \(outcomes.map(\.stderr))")
      #expect(try probe.overlappingRuns() == 0, "two runs of one scope overlapped")
      for outcome in outcomes where outcome.status == 75 {
        sawLocked = true
        #expect(outcome.stderr.contains("lock"), "exit 75 without a word about the lock")
      }
    }
    #expect(sawLocked, "in 4 races no sync exited 75 (the first always finished before the second)")
    let verify = try await binary.run(["verify"])
    #expect(verify.status == 0, "verify: \(verify.stdout)")
  }
}
