public import Foundation
public import OpenStackClient
public import PostgresClient

/// Which kind of run to make.
public enum SyncMode: String, Sendable {
  /// Full when the last full run is older than `fullEvery` (or there is none), else incremental.
  case automatic
  /// List every server; confirm vanished ones one by one.
  case full
  /// Only servers Nova reports changed since the watermark (`changes-since`).
  case incremental
}

/// Options of one sync run.
public struct SyncOptions: Sendable {
  public var mode: SyncMode = .automatic
  /// Automatic mode makes a full run when the last one is older than this (default 24 h).
  public var fullEvery: TimeInterval = 24 * 3600
  /// Wait for another run of the scope to finish instead of exiting.
  public var wait = false
  /// Fetch and compare, report what would change, write nothing but the run row.
  public var dryRun = false
  /// Subtracted from the watermark for `changes-since` (clock skew, in-flight updates).
  public var safetyMargin: TimeInterval = 300
  /// Servers per Nova page (Nova caps it at its `max_limit`, 1000 by default).
  public var pageSize = 1000
  /// Concurrent requests for instance actions and 404 confirmations.
  public var concurrency = 8
  /// At most this many servers get their instance actions fetched per run.
  public var attributionLimit = 5000
  /// When more than this share of live servers vanish from a full listing at once (and more
  /// than `suspectMinimum`), the listing is recorded as suspect and nothing is deleted.
  public var suspectShare = 0.25
  public var suspectMinimum = 20
  /// A label for the scope (the cloud's name).
  public var scopeName = "default"
  public var hostname = ProcessInfo.processInfo.hostName
  public var processID = Int(ProcessInfo.processInfo.processIdentifier)
  public var version = "dev"

  public init() {}
}

/// What a run did.
public struct SyncSummary: Sendable {
  public var runID: Int64 = 0
  public var scopeID = 0
  public var mode: SyncMode = .full
  public var dryRun = false
  public var allProjects = false
  public var microversion = ""
  public var serversSeen = 0
  public var serversPartial = 0
  public var serversUnconfirmed = 0
  public var listingSuspect = false
  public var counts = ApplyCounts()
  public var duration: TimeInterval = 0
  public var notes: [String] = []
}

/// Errors that decide the exit code.
public enum SyncError: Error, CustomStringConvertible {
  /// Another run holds the scope's lock (exit 75).
  case locked(scopeID: Int)
  /// An incremental run was asked for but there is no successful run to continue from.
  case noWatermark

  public var description: String {
    switch self {
    case .locked(let scope):
      return
        "another sync of scope \(scope) is running (it holds the scope's lock); use --wait to wait for it"
    case .noWatermark:
      return "--incremental needs a previous successful run of this scope; run a full sync first"
    }
  }
}

/// Progress and log lines of a run, for the CLI to show.
public struct SyncReporter: Sendable {
  /// One line per phase (and warnings).
  public var log: @Sendable (String) -> Void
  /// Called after each staged page: servers so far.
  public var progress: @Sendable (_ pages: Int, _ servers: Int) -> Void

  public init(
    log: @escaping @Sendable (String) -> Void,
    progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
  ) {
    self.log = log
    self.progress = progress
  }

  public static let silent = SyncReporter(log: { _ in })
}

/// One sync run (DESIGN.md §5): lock, fetch, stage, then one transaction of set-based SQL.
public struct SyncEngine {
  public let cloud: OpenStackCloud
  public let connection: PostgresConnection
  public let options: SyncOptions
  public let reporter: SyncReporter
  /// Opens a new connection to the same database. When the connection breaks while a run's
  /// COMMIT is acknowledged, the outcome is unknown to this side; with `reconnect` the engine
  /// asks the database whether the run was recorded instead of reporting a failure that did
  /// not happen.
  public let reconnect: (() throws -> PostgresConnection)?

  public init(
    cloud: OpenStackCloud, connection: PostgresConnection, options: SyncOptions,
    reporter: SyncReporter = .silent, reconnect: (() throws -> PostgresConnection)? = nil
  ) {
    self.cloud = cloud
    self.connection = connection
    self.options = options
    self.reporter = reporter
    self.reconnect = reconnect
  }

  /// Runs the sync. Throws ``SyncError/locked(scopeID:)`` when another run holds the lock; any
  /// other failure is recorded in the run row (status failed) and rethrown, with nothing applied.
  public func run() async throws -> SyncSummary {
    let started = Date()
    let token = try await cloud.authenticate()
    let allProjects = token.isAdmin
    let store = LedgerStore(connection: connection)
    let scopeID = try store.scopeID(
      name: options.scopeName, authURL: cloud.config.authURL.absoluteString,
      region: cloud.config.regionName ?? "", projectID: allProjects ? "" : (token.projectID ?? ""))
    // If this process dies mid-statement, let the server notice within seconds (PostgreSQL 14+)
    // instead of finishing a long apply statement while still holding the scope's lock.
    try? connection.execute(raw: "SET client_connection_check_interval = '2s'")
    // The apply's statements are planned once and run once: LLVM compilation of their
    // expressions (PostgreSQL's JIT) cost more than it saved, up to 0.6 s per statement.
    try? connection.execute(raw: "SET jit = off")
    let lockKey = LedgerStore.lockKey(scopeID: scopeID)
    if try !connection.tryAdvisoryLock(lockKey) {
      guard options.wait else { throw SyncError.locked(scopeID: scopeID) }
      reporter.log("waiting for the running sync of scope \(scopeID) to finish")
      try connection.advisoryLock(lockKey)
    }
    defer { try? connection.advisoryUnlock(lockKey) }
    let abandoned = try store.abandonStaleRuns(scopeID: scopeID)
    if abandoned > 0 {
      reporter.log("marked \(abandoned) run(s) left running by a dead process as abandoned")
    }

    let lastFull = try store.lastSucceededRun(scopeID: scopeID, mode: "full")
    let lastAny = try store.lastSucceededRun(scopeID: scopeID)
    let mode: SyncMode
    switch options.mode {
    case .full: mode = .full
    case .incremental:
      guard lastAny?.watermark != nil else { throw SyncError.noWatermark }
      mode = .incremental
    case .automatic:
      if let lastFull, lastAny?.watermark != nil,
        Date().timeIntervalSince(lastFull.startedAt) < options.fullEvery
      {
        mode = .incremental
      } else {
        mode = .full
      }
    }

    let run = try store.beginRun(
      scopeID: scopeID, mode: mode.rawValue, dryRun: options.dryRun, hostname: options.hostname,
      pid: options.processID, version: options.version)
    var summary = SyncSummary()
    summary.runID = run.runID
    summary.scopeID = scopeID
    summary.mode = mode
    summary.dryRun = options.dryRun
    summary.allProjects = allProjects
    reporter.log(
      "run \(run.runID): \(mode.rawValue) sync of scope \(scopeID) (\(options.scopeName))"
        + (options.dryRun ? ", dry run" : ""))
    if !allProjects {
      let note =
        "the credentials have no admin role: syncing project \(token.projectID ?? "?") only; admin-only fields keep their last values"
      summary.notes.append(note)
      reporter.log("warning: \(note)")
    }
    do {
      try await fetchAndApply(
        run: run, scopeID: scopeID, mode: mode, allProjects: allProjects,
        hadHistory: lastAny != nil, changesSince: lastAny?.watermark,
        previousRunStart: lastAny?.startedAt,
        summary: &summary)
    } catch {
      if let recorded = recordedOutcome(of: run.runID, after: error, summary: summary) {
        var summary = recorded
        summary.duration = Date().timeIntervalSince(started)
        return summary
      }
      let reason = String(describing: error)
      try? connection.execute(raw: "ROLLBACK")
      try? store.failRun(run.runID, error: reason)
      throw error
    }
    summary.duration = Date().timeIntervalSince(started)
    return summary
  }

  /// After the connection broke (a COMMIT whose answer was lost, or a failure after it): the
  /// run as the database recorded it, if it succeeded; nil when it did not or cannot be asked.
  func recordedOutcome(of runID: Int64, after error: any Error, summary: SyncSummary)
    -> SyncSummary?
  {
    guard let failure = error as? PostgresError, failure.kind == .connection,
      let reconnect, let fresh = try? reconnect()
    else { return nil }
    defer { fresh.close() }
    guard
      let row = try? fresh.query(
        """
        SELECT status, coalesce(servers_created, 0) AS created,
               coalesce(servers_changed, 0) AS changed, coalesce(servers_deleted, 0) AS deleted,
               coalesce(changes_written, 0) AS written
          FROM sync_runs WHERE run_id = \(runID)
        """
      ).first,
      (try? row.decode("status", as: String.self)) == "succeeded"
    else { return nil }
    var result = summary
    result.counts = ApplyCounts(
      serversCreated: (try? row.decode("created", as: Int.self)) ?? 0,
      serversChanged: (try? row.decode("changed", as: Int.self)) ?? 0,
      serversDeleted: (try? row.decode("deleted", as: Int.self)) ?? 0,
      changesWritten: (try? row.decode("written", as: Int.self)) ?? 0)
    let note =
      "the database connection broke after the run was committed (\(failure.message.split(separator: "\n").first ?? "")); run \(runID) is recorded as succeeded"
    result.notes.append(note)
    reporter.log("warning: \(note)")
    return result
  }

  func fetchAndApply(
    run: (runID: Int64, startedAt: Date), scopeID: Int, mode: SyncMode, allProjects: Bool,
    hadHistory: Bool, changesSince watermark: Date?, previousRunStart: Date?,
    summary: inout SyncSummary
  ) async throws {
    let store = LedgerStore(connection: connection)
    let compute = try await cloud.compute()
    summary.microversion = compute.microversion.description
    try store.updateRun(
      run.runID,
      ["compute_microversion": compute.microversion.description, "all_projects": allProjects])
    try Staging.create(on: connection)

    // Neutron and Cinder are listed in full every run (Nova's `updated` misses their changes).
    var notes = summary.notes
    let network = try await optionalService({ try await cloud.network() }, "network", &notes)
    let storage = try await optionalService(
      { try await cloud.blockStorage() }, "block-storage", &notes)
    var groupCount = 0
    var names: [String: String] = [:]
    if let network {
      names = Dictionary(
        try await network.networks().map { ($0.id, $0.name ?? "") },
        uniquingKeysWith: { first, _ in first })
      let groups = try await network.securityGroups(pageSize: 1000).map(
        Normalizer.securityGroupRows)
      groupCount = groups.count
      try Staging.copy(
        groups.map(\.group), into: "stage_sgs", columns: Staging.Columns.securityGroups,
        on: connection)
      try Staging.copy(
        groups.flatMap(\.rules), into: "stage_sg_rules", columns: Staging.Columns.rules,
        on: connection)
    }
    let havePorts = network != nil
    let haveSecurityGroups = network != nil
    let haveVolumes = storage != nil

    // Nova, Neutron and Cinder are listed at the same time; this task stages every page.
    var query = ServerQuery(limit: options.pageSize, allTenants: allProjects)
    if mode == .incremental, let watermark {
      let since = watermark.addingTimeInterval(-options.safetyMargin)
      query.changesSince = since
      try store.updateRun(run.runID, ["changes_since": since])
    }
    let listed = try await stageListings(
      compute: compute, query: query, network: network, storage: storage, networkNames: names,
      allProjects: allProjects, scopeID: scopeID)
    let portCount = listed.ports
    let volumeCount = listed.volumes
    if network != nil {
      reporter.log(
        "network: \(listed.ports) server ports, \(listed.floatingIPs) floating IPs, \(groupCount) security groups"
      )
    }
    if storage != nil { reporter.log("block-storage: \(listed.volumes) volumes") }
    let seen = listed.servers.seen
    let partial = listed.servers.partial
    let pages = listed.servers.pages
    let newest = listed.servers.newest
    let rejected = listed.servers.rejected
    summary.serversSeen = seen
    summary.serversPartial = partial
    if !rejected.isEmpty {
      let shown = rejected.prefix(10).joined(separator: "; ")
      let note =
        "\(rejected.count) server record(s) not applied, their last state kept: \(shown)"
        + (rejected.count > 10 ? "; ..." : "")
      notes.append(note)
      reporter.log("warning: \(note)")
    }
    reporter.log(
      "compute: \(seen) servers in \(pages) pages" + (partial > 0 ? " (\(partial) partial)" : ""))

    try Staging.finish(on: connection)

    // Deletion only on Nova's word: confirm servers that vanished from a full listing.
    var unconfirmed = 0
    var suspect = false
    if mode == .full {
      let vanished = try store.vanishedServers(scopeID: scopeID)
      let live = try store.liveServerCount(scopeID: scopeID)
      if vanished.count > options.suspectMinimum
        && Double(vanished.count) > options.suspectShare * Double(live)
      {
        suspect = true
        unconfirmed = vanished.count
        let note =
          "\(vanished.count) of \(live) live servers vanished from the listing at once: recorded as suspect, nothing deleted"
        notes.append(note)
        reporter.log("warning: \(note)")
      } else if !vanished.isEmpty {
        let outcome = try await confirm(vanished, compute: compute)
        try Staging.copy(
          outcome.notFound.map { [$0] }, into: "stage_not_found", columns: ["server_id"],
          on: connection)
        try Staging.stageServerPage(outcome.deletedRecords, scopeID: scopeID, on: connection)
        unconfirmed = outcome.unconfirmed
        reporter.log(
          "confirmed \(outcome.notFound.count + outcome.deletedRecords.count) deletion(s); \(outcome.unconfirmed) vanished server(s) still exist or could not be checked"
        )
      }
    }
    summary.serversUnconfirmed = unconfirmed
    summary.listingSuspect = suspect

    let context = ApplyContext(
      scopeID: scopeID, runID: run.runID, observedAt: run.startedAt, allProjects: allProjects,
      fullRun: mode == .full, havePorts: havePorts, haveVolumes: haveVolumes,
      haveSecurityGroups: haveSecurityGroups)

    // Attribution: instance actions of the servers about to change.
    // A scope's first run has nothing to attribute: every server is new to the ledger.
    let needing =
      hadHistory
      ? try store.serversNeedingAttribution(
        context: context, includeNew: true, limit: options.attributionLimit) : []
    if !needing.isEmpty {
      let since = previousRunStart?.addingTimeInterval(-options.safetyMargin)
      let (rows, failures) = await fetchActions(for: needing, since: since, compute: compute)
      try Staging.copy(
        rows, into: "stage_actions", columns: Staging.Columns.actions, on: connection)
      reporter.log(
        "attribution: \(rows.count) instance actions for \(needing.count) servers"
          + (failures > 0 ? " (\(failures) could not be fetched)" : ""))
      if failures > 0 {
        notes.append("instance actions of \(failures) server(s) could not be fetched")
      }
    }

    var updates: [String: (any PostgresEncodable)?] = [
      "servers_seen": seen, "servers_partial": partial, "servers_unconfirmed": unconfirmed,
      "ports_seen": portCount, "volumes_seen": volumeCount, "security_groups_seen": groupCount,
      "listing_suspect": suspect,
      "notes": notes.isEmpty ? nil : notes.joined(separator: "; "),
    ]
    if let newest { updates["watermark"] = newest }
    if mode == .incremental, newest == nil, let watermark { updates["watermark"] = watermark }
    summary.notes = notes
    if options.dryRun {
      summary.counts = try store.dryRun(context, runUpdates: updates)
    } else {
      summary.counts = try store.apply(context, runUpdates: updates)
      try store.analyzeIfLarge(summary.counts, liveServers: seen)
    }
    reporter.log(
      "applied: \(summary.counts.serversCreated) created, \(summary.counts.serversChanged) changed, \(summary.counts.serversDeleted) deleted, \(summary.counts.changesWritten) change rows"
        + (options.dryRun ? " (dry run: nothing written)" : ""))
  }

  /// Pages for staging, produced by the listing tasks.
  enum StagingBatch: Sendable {
    case servers([ServerRecord])
    case ports([[String?]])
    case floatingIPs([[String?]])
    case volumes([[String?]], attachments: [[String?]])
  }

  /// What the Nova listing staged.
  struct ServerListing {
    var pages = 0
    var seen = 0
    var partial = 0
    var newest: Date?
    var rejected: [String] = []
  }

  /// Lists servers (Nova), ports and floating IPs (Neutron) and volumes (Cinder) concurrently,
  /// one task per service, and stages every page on this task as it arrives. Nova pages are
  /// decoded on other cores while the next one is fetched. Only a few fetched pages may wait
  /// for staging (``PageBudget``), so memory stays flat when PostgreSQL is slower than the
  /// APIs. A failure of any listing fails the run; no task outlives it.
  func stageListings(
    compute: ComputeService, query: ServerQuery, network: NetworkService?,
    storage: BlockStorageService?, networkNames: [String: String], allProjects: Bool,
    scopeID: Int
  ) async throws -> (servers: ServerListing, ports: Int, floatingIPs: Int, volumes: Int) {
    let (stream, continuation) = AsyncThrowingStream<StagingBatch, any Error>.makeStream()
    // Decoded Nova pages are the large ones (the raw records are kept until staged): one may
    // wait, besides the two decoding; pages of ports, floating IPs and volumes are rows already.
    let serverBudget = PageBudget(pages: 1)
    let budget = PageBudget(pages: 4)
    let producer = Task {
      do {
        try await withThrowingTaskGroup(of: Void.self) { group in
          group.addTask {
            try await Self.listServers(compute: compute, query: query) { records in
              try await serverBudget.acquire()
              continuation.yield(.servers(records))
            }
          }
          if let network {
            group.addTask {
              try await network.forEachPortPage(
                fields: NetworkService.ledgerPortFields, pageSize: 1000
              ) { page in
                try await budget.acquire()
                continuation.yield(
                  .ports(page.compactMap { Normalizer.portRow($0, networkNames: networkNames) }))
              }
              try await network.forEachFloatingIPPage(pageSize: 1000) { page in
                try await budget.acquire()
                continuation.yield(.floatingIPs(page.compactMap(Normalizer.floatingIPRow)))
              }
            }
          }
          if let storage {
            group.addTask {
              try await storage.forEachVolumePage(allTenants: allProjects, pageSize: 1000) {
                page in
                let rows = page.map(Normalizer.volumeRows)
                try await budget.acquire()
                continuation.yield(
                  .volumes(rows.map(\.volume), attachments: rows.flatMap(\.attachments)))
              }
            }
          }
          try await group.waitForAll()
        }
        continuation.finish()
      } catch {
        continuation.finish(throwing: error)
      }
    }
    var servers = ServerListing()
    var counts = (ports: 0, floatingIPs: 0, volumes: 0)
    do {
      for try await batch in stream {
        switch batch {
        case .servers(let records):
          try Staging.stageServerPage(records, scopeID: scopeID, on: connection)
          servers.pages += 1
          servers.seen += records.count
          for record in records {
            if record.isPartial {
              servers.partial += 1
            } else if let reason = record.rejection {
              servers.rejected.append("server \(record.id): \(reason)")
            } else if let updated = record.updatedAt, servers.newest.map({ updated > $0 }) ?? true {
              servers.newest = updated
            }
          }
          reporter.progress(servers.pages, servers.seen)
          await serverBudget.release()
        case .ports(let rows):
          counts.ports += rows.count
          try Staging.copy(
            rows, into: "stage_ports", columns: Staging.Columns.ports, on: connection)
        case .floatingIPs(let rows):
          counts.floatingIPs += rows.count
          try Staging.copy(
            rows, into: "stage_fips", columns: Staging.Columns.floatingIPs, on: connection)
        case .volumes(let rows, let attachments):
          counts.volumes += rows.count
          try Staging.copy(
            rows, into: "stage_volumes", columns: Staging.Columns.volumes, on: connection)
          try Staging.copy(
            attachments, into: "stage_attachments", columns: Staging.Columns.attachments,
            on: connection)
        }
        if case .servers = batch {} else { await budget.release() }
      }
    } catch {
      producer.cancel()
      await serverBudget.close()
      await budget.close()
      _ = await producer.result
      throw error
    }
    _ = await producer.result
    return (servers, counts.ports, counts.floatingIPs, counts.volumes)
  }

  /// Fetches Nova's server pages one after another (each needs the previous page's marker)
  /// while up to two earlier pages decode on other cores; hands each decoded page to `body` in
  /// order. A repeated marker (a paging loop) is an error.
  static func listServers(
    compute: ComputeService, query: ServerQuery,
    _ body: ([ServerRecord]) async throws -> Void
  ) async throws {
    var marker: String?
    var markers: Set<String> = []
    var pending: [Task<[ServerRecord], any Error>] = []
    do {
      repeat {
        let data = try await compute.fetchServerPageData(query: query, marker: marker)
        marker = ComputeService.nextMarker(in: data)
        pending.append(
          Task.detached {
            try ComputeService.decodeServerPage(data).servers.map(Normalizer.record)
          })
        if pending.count >= 2 {
          try await body(try await pending.removeFirst().value)
        }
        if let next = marker, !markers.insert(next).inserted {
          throw OpenStackError.malformedJSON(
            resource: "servers", reason: "the next page link repeats marker \(next) (paging loop)")
        }
      } while marker != nil
      while !pending.isEmpty {
        try await body(try await pending.removeFirst().value)
      }
    } catch {
      // No decoding task may outlive the run: the process exits right after a failure, and a
      // task still hashing in libcrypto then crashes in its exit-time cleanup.
      for task in pending { task.cancel() }
      for task in pending { _ = try? await task.value }
      throw error
    }
  }

  /// A service that may be missing from the catalog: nil (with a note) when it is.
  func optionalService<Service>(
    _ make: () async throws -> Service, _ name: String, _ notes: inout [String]
  ) async throws -> Service? {
    do {
      return try await make()
    } catch let error as OpenStackError {
      if case .endpointNotFound = error {
        notes.append("no \(name) endpoint in the catalog: its data was left as it was")
        reporter.log("warning: no \(name) endpoint in the catalog; skipping it")
        return nil
      }
      throw error
    }
  }

  struct Confirmation: Sendable {
    var notFound: [String] = []
    var deletedRecords: [ServerRecord] = []
    var unconfirmed = 0
  }

  /// Asks Nova about each vanished server: 404 means deleted; a DELETED/SOFT_DELETED record is
  /// applied as such; anything else (alive, a partial record, an error) deletes nothing.
  func confirm(_ ids: [String], compute: ComputeService) async throws -> Confirmation {
    try await withThrowingTaskGroup(of: (String, Result<ServerRecord?, any Error>).self) { group in
      var result = Confirmation()
      var iterator = ids.makeIterator()
      func add(
        _ group: inout ThrowingTaskGroup<(String, Result<ServerRecord?, any Error>), any Error>
      ) {
        guard let id = iterator.next() else { return }
        group.addTask {
          do {
            return (id, .success(Normalizer.record(try await compute.server(id: id))))
          } catch let error as OpenStackError where error.isNotFound {
            return (id, .success(nil))
          } catch {
            return (id, .failure(error))
          }
        }
      }
      for _ in 0..<options.concurrency { add(&group) }
      while let (id, outcome) = try await group.next() {
        switch outcome {
        case .success(nil): result.notFound.append(id)
        case .success(let record?) where record.isDeletedRecord && record.isApplicable:
          result.deletedRecords.append(record)
        case .success, .failure: result.unconfirmed += 1
        }
        add(&group)
      }
      return result
    }
  }

  /// Fetches instance actions with bounded concurrency; failures are counted, not fatal.
  func fetchActions(for ids: [String], since: Date?, compute: ComputeService) async -> (
    [[String?]], Int
  ) {
    await withTaskGroup(of: [[String?]]?.self) { group in
      var rows: [[String?]] = []
      var failures = 0
      var iterator = ids.makeIterator()
      func add(_ group: inout TaskGroup<[[String?]]?>) {
        guard let id = iterator.next() else { return }
        group.addTask {
          guard
            let actions = try? await compute.instanceActions(
              serverID: id, changesSince: since, pageSize: 100)
          else { return nil }
          return actions.compactMap { Normalizer.actionRow(serverID: id, $0) }
        }
      }
      for _ in 0..<options.concurrency { add(&group) }
      while let outcome = await group.next() {
        if let outcome { rows += outcome } else { failures += 1 }
        add(&group)
      }
      return (rows, failures)
    }
  }
}

/// A count of fetched pages allowed to wait for staging: listing tasks take one before they
/// hand a page over, the staging loop gives it back once the page is in PostgreSQL.
actor PageBudget {
  private var available: Int
  private var waiting: [CheckedContinuation<Void, any Error>] = []
  private var closed = false

  init(pages: Int) {
    available = pages
  }

  /// Waits for a free page; throws `CancellationError` once the budget is closed.
  func acquire() async throws {
    if closed || Task.isCancelled { throw CancellationError() }
    if available > 0 {
      available -= 1
      return
    }
    try await withCheckedThrowingContinuation { waiting.append($0) }
  }

  /// Returns a page: wakes the longest waiting listing task, if any.
  func release() {
    if waiting.isEmpty {
      available += 1
    } else {
      waiting.removeFirst().resume()
    }
  }

  /// Ends the listing: every waiting and later `acquire` throws.
  func close() {
    closed = true
    for continuation in waiting { continuation.resume(throwing: CancellationError()) }
    waiting.removeAll()
  }
}
