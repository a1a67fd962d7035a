import Foundation
import Ledger
import OpenStackClient
import PostgresClient

struct SyncCommand: Command {
  static let name = "sync"
  static let abstract = "Snapshot every server of a cloud and record what changed."
  static let usage = """
    Usage: stackledger sync [--os-cloud NAME] [--full|--incremental] [--wait] [--dry-run]
                            [--full-every 24h] [--debug] [--database-url URL]

    Lists every server the credentials can see (all projects for an admin) with their ports,
    floating IPs, security groups and volumes, and records new versions and field-level
    changes in one transaction. A second run of the same scope exits 75 unless --wait.

      --os-cloud NAME              cloud in clouds.yaml (default: $OS_CLOUD, else OS_* variables)
      --os-region-name NAME        region (default: region_name of the cloud)
      --os-compute-api-version V   pin the compute microversion (default: negotiated, max 2.100)
      --full                       list every server (confirm vanished ones one by one)
      --incremental                only servers Nova reports changed since the last run
      --full-every DURATION        automatic mode: full when the last full run is older (24h)
      --wait                       wait for a running sync of the scope instead of exiting 75
      --dry-run                    fetch and compare; write only the run row
      --page-size N                servers per Nova page (default 1000)
      --debug                      log every HTTP request (tokens and secrets redacted)
    \(DatabaseOptions.help)
    Exit codes: 0 ok, 1 failed, 64 usage, 75 another run holds the scope's lock.
    """

  var cloud: String?
  var region: String?
  var computeVersion: String?
  var full: Bool
  var incremental: Bool
  var fullEvery: TimeInterval = 24 * 3600
  var wait: Bool
  var dryRun: Bool
  var debug: Bool
  var pageSize = 1000
  var database: DatabaseOptions

  init(parsing arguments: inout Arguments) throws {
    cloud = try arguments.option("--os-cloud")
    region = try arguments.option("--os-region-name")
    computeVersion = try arguments.option("--os-compute-api-version")
    full = arguments.flag("--full")
    incremental = arguments.flag("--incremental")
    wait = arguments.flag("--wait")
    dryRun = arguments.flag("--dry-run")
    debug = arguments.flag("--debug")
    if let text = try arguments.option("--full-every") {
      guard let seconds = DurationText.parse(text) else {
        throw UsageError("--full-every takes a duration such as 24h or 90m, not '\(text)'")
      }
      fullEvery = seconds
    }
    if let text = try arguments.option("--page-size") {
      guard let size = Int(text), size > 0 else {
        throw UsageError("--page-size takes a positive number")
      }
      pageSize = size
    }
    database = try DatabaseOptions(parsing: &arguments)
  }

  func validate() throws {
    if full && incremental { throw UsageError("--full and --incremental exclude each other") }
  }

  func run() async throws -> Int32 {
    var overrides: [String: String] = [:]
    if let region { overrides["region_name"] = region }
    if let computeVersion { overrides["compute_api_version"] = computeVersion }
    let config = try CloudConfigLoader.live().load(cloud: cloud, overrides: overrides)
    var debugLog: DebugLog?
    if debug {
      debugLog = { line in Console.err("debug: \(line)") }
    }
    let openstack = OpenStackCloud(config: config, debugLog: debugLog)
    let connection = try database.connect()
    defer { connection.close() }

    var options = SyncOptions()
    options.mode = full ? .full : (incremental ? .incremental : .automatic)
    options.fullEvery = fullEvery
    options.wait = wait
    options.dryRun = dryRun
    options.pageSize = pageSize
    options.scopeName = config.cloudName
    options.version = StackledgerVersion.current
    let progress = Progress(enabled: Console.stderrIsTerminal && !debug)
    let reporter = SyncReporter(
      log: { line in
        progress.clear()
        Console.err("sync: \(line)")
      },
      progress: { pages, servers in progress.update(pages: pages, servers: servers) })
    do {
      let summary = try await SyncEngine(
        cloud: openstack, connection: connection, options: options, reporter: reporter,
        reconnect: { try database.connect() }
      ).run()
      progress.clear()
      Console.out(
        "run \(summary.runID) \(summary.mode.rawValue)\(summary.dryRun ? " (dry run)" : ""): seen \(summary.serversSeen), created \(summary.counts.serversCreated), changed \(summary.counts.serversChanged), deleted \(summary.counts.serversDeleted), changes \(summary.counts.changesWritten), duration \(DurationText.format(summary.duration))"
      )
      return ExitCode.ok
    } catch let error as SyncError {
      progress.clear()
      if case .locked = error {
        Console.err("sync: \(error)")
        return ExitCode.locked
      }
      throw error
    }
  }
}

/// A one-line progress display on a terminal (pages, servers, rate); silent otherwise.
final class Progress: @unchecked Sendable {
  private let enabled: Bool
  private let start = Date()
  private let lock = NSLock()
  private var shown = false

  init(enabled: Bool) { self.enabled = enabled }

  func update(pages: Int, servers: Int) {
    guard enabled else { return }
    let elapsed = max(Date().timeIntervalSince(start), 0.001)
    let line = String(
      format: "\r\u{1B}[Ksync: %d pages, %d servers, %.0f servers/s", pages, servers,
      Double(servers) / elapsed)
    lock.withLock {
      FileHandle.standardError.write(Data(line.utf8))
      shown = true
    }
  }

  func clear() {
    lock.withLock {
      guard shown else { return }
      FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
      shown = false
    }
  }
}

enum StackledgerVersion {
  static let current = "0.1.0"
}
