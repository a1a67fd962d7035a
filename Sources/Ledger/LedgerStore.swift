public import Foundation
public import PostgresClient

/// What one apply wrote.
public struct ApplyCounts: Sendable, Equatable {
  public var serversCreated = 0
  public var serversChanged = 0
  public var serversDeleted = 0
  public var changesWritten = 0
  public var blockHash = ""

  public init(
    serversCreated: Int = 0, serversChanged: Int = 0, serversDeleted: Int = 0,
    changesWritten: Int = 0, blockHash: String = ""
  ) {
    self.serversCreated = serversCreated
    self.serversChanged = serversChanged
    self.serversDeleted = serversDeleted
    self.changesWritten = changesWritten
    self.blockHash = blockHash
  }
}

/// The run-level facts the apply needs.
public struct ApplyContext: Sendable {
  public var scopeID: Int
  public var runID: Int64
  /// When the run observed the state (the run's start, database clock).
  public var observedAt: Date
  public var allProjects: Bool
  public var fullRun: Bool
  public var havePorts: Bool
  public var haveVolumes: Bool
  public var haveSecurityGroups: Bool

  public init(
    scopeID: Int, runID: Int64, observedAt: Date, allProjects: Bool, fullRun: Bool,
    havePorts: Bool, haveVolumes: Bool, haveSecurityGroups: Bool
  ) {
    self.scopeID = scopeID
    self.runID = runID
    self.observedAt = observedAt
    self.allProjects = allProjects
    self.fullRun = fullRun
    self.havePorts = havePorts
    self.haveVolumes = haveVolumes
    self.haveSecurityGroups = haveSecurityGroups
  }
}

/// Scopes, runs and the apply transaction: the ledger's side of PostgreSQL.
public struct LedgerStore {
  public let connection: PostgresConnection

  public init(connection: PostgresConnection) {
    self.connection = connection
  }

  /// The scope id for a cloud endpoint, region and visibility, created on first use.
  public func scopeID(name: String, authURL: String, region: String, projectID: String) throws
    -> Int
  {
    let rows = try connection.query(
      """
      INSERT INTO scopes (name, auth_url, region, project_id)
      VALUES (\(name), \(authURL), \(region), \(projectID))
      ON CONFLICT (auth_url, region, project_id) DO UPDATE SET name = scopes.name
      RETURNING scope_id
      """)
    guard let row = rows.first else {
      throw PostgresError(kind: .protocol, message: "INSERT INTO scopes returned no row")
    }
    return try row.decode("scope_id", as: Int.self)
  }

  /// The advisory-lock key of a scope: one lock per scope, distinct from the migrator's.
  public static func lockKey(scopeID: Int) -> Int64 {
    0x534C_5300_0000_0000 | Int64(scopeID)
  }

  /// Marks runs of the scope still `running` as abandoned. Call only while holding the
  /// scope's lock: then no live process can own them.
  @discardableResult
  public func abandonStaleRuns(scopeID: Int) throws -> Int {
    try connection.execute(
      """
      UPDATE sync_runs SET status = 'abandoned', finished_at = clock_timestamp(),
             error = 'the process running it ended without finishing (found by a later run)'
       WHERE scope_id = \(scopeID) AND status = 'running'
      """)
  }

  /// Inserts the run row (committed at once, so a failure can be recorded against it).
  public func beginRun(
    scopeID: Int, mode: String, dryRun: Bool, hostname: String, pid: Int, version: String
  ) throws -> (runID: Int64, startedAt: Date) {
    let rows = try connection.query(
      """
      INSERT INTO sync_runs (scope_id, mode, dry_run, hostname, pid, stackledger_version)
      VALUES (\(scopeID), \(mode), \(dryRun), \(hostname), \(pid), \(version))
      RETURNING run_id, started_at
      """)
    guard let row = rows.first else {
      throw PostgresError(kind: .protocol, message: "INSERT INTO sync_runs returned no row")
    }
    return (try row.decode("run_id", as: Int64.self), try row.decode("started_at", as: Date.self))
  }

  /// The latest successful run of a scope: its mode, start and watermark.
  public func lastSucceededRun(scopeID: Int, mode: String? = nil) throws -> (
    runID: Int64, startedAt: Date, watermark: Date?
  )? {
    let rows = try connection.query(
      """
      SELECT run_id, started_at, watermark FROM sync_runs
       WHERE scope_id = \(scopeID) AND status = 'succeeded' AND NOT dry_run
         AND (\(mode)::text IS NULL OR mode = \(mode))
       ORDER BY run_id DESC LIMIT 1
      """)
    guard let row = rows.first else { return nil }
    return (
      try row.decode("run_id", as: Int64.self), try row.decode("started_at", as: Date.self),
      try row.decode("watermark", as: Date?.self)
    )
  }

  /// Records facts learned while the run fetches (rights, microversion, counts).
  public func updateRun(_ runID: Int64, _ assignments: [String: (any PostgresEncodable)?]) throws {
    guard !assignments.isEmpty else { return }
    var sql = "UPDATE sync_runs SET "
    var binds: [String?] = []
    for (offset, (column, value)) in assignments.sorted(by: { $0.key < $1.key }).enumerated() {
      binds.append(value?.postgresBind)
      sql += (offset == 0 ? "" : ", ") + "\(column) = $\(binds.count)"
    }
    binds.append(String(runID))
    sql += " WHERE run_id = $\(binds.count)"
    try connection.execute(PostgresQuery(unsafeSQL: sql, binds: binds))
  }

  /// Marks a run failed with its reason. Runs outside any transaction.
  public func failRun(_ runID: Int64, error: String) throws {
    try connection.execute(
      """
      UPDATE sync_runs SET status = 'failed', finished_at = clock_timestamp(), error = \(error)
       WHERE run_id = \(runID) AND status = 'running'
      """)
  }

  /// Lists servers the scope holds as live that the run's listing did not include.
  public func vanishedServers(scopeID: Int) throws -> [String] {
    try connection.query(
      """
      SELECT s.server_id::text AS id FROM servers s
       WHERE s.scope_id = \(scopeID) AND s.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM stage_seen n WHERE n.server_id = s.server_id)
       ORDER BY s.server_id
      """
    ).map { try $0.decode("id", as: String.self) }
  }

  /// Live servers in the scope.
  public func liveServerCount(scopeID: Int) throws -> Int {
    let rows = try connection.query(
      "SELECT count(*) AS n FROM servers WHERE scope_id = \(scopeID) AND deleted_at IS NULL")
    return try rows.first?.decode("n", as: Int.self) ?? 0
  }

  /// Server ids whose state this run is about to change (staged records and related-state
  /// moves), for fetching instance actions before the apply. Excludes servers never seen
  /// before when `includeNew` is false (the first sync of a large fleet).
  public func serversNeedingAttribution(
    context: ApplyContext, includeNew: Bool, limit: Int
  ) throws -> [String] {
    // The work tables stay for the apply that follows (it rebuilds them only if they are gone).
    try prepare(context)
    return try connection.query(
      """
      SELECT id FROM (
        SELECT server_id::text AS id, is_new FROM changed
        UNION SELECT server_id::text, false FROM stage_not_found) c
       WHERE \(includeNew) OR NOT c.is_new
       ORDER BY c.is_new, c.id
       LIMIT \(limit)
      """
    ).map { try $0.decode("id", as: String.self) }
  }

  /// Whether the work tables were built for this run (by the attribution pass) and still exist.
  func isPrepared(_ context: ApplyContext) throws -> Bool {
    let rows = try connection.query(
      """
      SELECT to_regclass('pg_temp.run_ctx') IS NOT NULL
             AND to_regclass('pg_temp.changed') IS NOT NULL AS ready
      """)
    guard try rows.first?.decode("ready", as: Bool.self) == true else { return false }
    let run = try connection.query("SELECT run_id FROM run_ctx")
    return try run.first?.decode("run_id", as: Int64.self) == context.runID
  }

  /// Builds the work tables: context, de-duplicated staging, related state.
  func prepare(_ context: ApplyContext) throws {
    try connection.execute(raw: ApplySQL.dropWorkTables)
    try connection.execute(raw: ApplySQL.createContext)
    try connection.execute(
      PostgresQuery(
        unsafeSQL: ApplySQL.context,
        binds: [
          String(context.scopeID), String(context.runID), context.observedAt.postgresText,
          context.allProjects.postgresText, context.fullRun.postgresText,
          context.havePorts.postgresText, context.haveVolumes.postgresText,
          context.haveSecurityGroups.postgresText,
        ]))
    // One row; without statistics the planner assumes 1,540 and overestimates every join.
    try connection.execute(raw: "ANALYZE run_ctx")
    try connection.execute(raw: ApplySQL.dedupe)
    try Staging.finish(on: connection, analyzeAll: false)
    try connection.execute(raw: ApplySQL.relatedInputs)
    try connection.execute(raw: ApplySQL.relatedState)
    try connection.execute(raw: ApplySQL.candidates)
    try connection.execute(raw: ApplySQL.changed)
  }

  /// Refreshes the planner's statistics of the ledger tables after a large apply (the first
  /// sync of a scope, say), so the next run's joins are planned for the real sizes instead of
  /// waiting for autovacuum.
  public func analyzeIfLarge(_ counts: ApplyCounts, liveServers: Int) throws {
    let touched = counts.serversCreated + counts.serversChanged + counts.serversDeleted
    guard touched > 1000, touched * 5 > liveServers else { return }
    try connection.execute(
      raw: """
        ANALYZE servers (scope_id, server_id, deleted_at, project_id, status), server_versions
          (scope_id, server_id, version_no, valid_from, valid_to), server_addresses,
          server_volumes, server_security_groups, server_ports,
          volumes (scope_id, volume_id, deleted_at)
        """)
  }

  /// The apply: ONE transaction that writes history, current state, the run's outcome and
  /// its ledger block, or nothing at all.
  public func apply(_ context: ApplyContext, runUpdates: [String: (any PostgresEncodable)?])
    throws -> ApplyCounts
  {
    try connection.transaction { _ in try write(context, runUpdates: runUpdates) }
  }

  private struct DryRunRollback: Error {}

  /// The apply of a dry run: everything is computed in the transaction, then rolled back; only
  /// the run row (status succeeded, dry_run true, the counts it would have written) remains.
  public func dryRun(_ context: ApplyContext, runUpdates: [String: (any PostgresEncodable)?])
    throws -> ApplyCounts
  {
    var counts = ApplyCounts()
    do {
      try connection.transaction { _ in
        counts = try write(context, runUpdates: runUpdates)
        throw DryRunRollback()
      }
    } catch is DryRunRollback {}
    var updates = runUpdates
    updates["servers_created"] = counts.serversCreated
    updates["servers_changed"] = counts.serversChanged
    updates["servers_deleted"] = counts.serversDeleted
    updates["changes_written"] = 0
    try updateRun(context.runID, updates)
    try connection.execute(
      """
      UPDATE sync_runs SET status = 'succeeded', finished_at = clock_timestamp(),
             notes = concat_ws('; ', notes, \("dry run: \(counts.changesWritten) change rows were computed and discarded")::text)
       WHERE run_id = \(context.runID)
      """)
    counts.blockHash = ""
    return counts
  }

  /// The statements of the apply, inside the caller's transaction.
  private func write(_ context: ApplyContext, runUpdates: [String: (any PostgresEncodable)?])
    throws -> ApplyCounts
  {
    do {
      try connection.execute(raw: "SET LOCAL work_mem = '128MB'")
      if try !isPrepared(context) { try prepare(context) }
      for statement in [
        ApplySQL.actions, ApplySQL.serverChanges,
        ApplySQL.versions,
        ApplySQL.currentServers, ApplySQL.notFound, ApplySQL.currentRelated, ApplySQL.volumes,
        ApplySQL.securityGroups, ApplySQL.flavorsAndImages, ApplySQL.refreshFingerprints,
      ] {
        try connection.execute(raw: statement)
      }
      var counts = ApplyCounts()
      let countRows = try connection.query(
        """
        SELECT (SELECT count(*) FROM changed WHERE is_new) AS created,
               (SELECT count(*) FROM changed WHERE NOT is_new AND NOT becomes_deleted) AS changed,
               (SELECT count(*) FROM changed WHERE becomes_deleted)
                 + (SELECT count(*) FROM gone) AS deleted,
               (SELECT count(*) FROM changes
                 WHERE scope_id = \(context.scopeID) AND run_id = \(context.runID)) AS written
        """)
      if let row = countRows.first {
        counts.serversCreated = try row.decode("created", as: Int.self)
        counts.serversChanged = try row.decode("changed", as: Int.self)
        counts.serversDeleted = try row.decode("deleted", as: Int.self)
        counts.changesWritten = try row.decode("written", as: Int.self)
      }
      var updates = runUpdates
      updates["servers_created"] = counts.serversCreated
      updates["servers_changed"] = counts.serversChanged
      updates["servers_deleted"] = counts.serversDeleted
      updates["changes_written"] = counts.changesWritten
      try LedgerStore(connection: connection).updateRun(context.runID, updates)
      try connection.execute(
        """
        UPDATE sync_runs SET status = 'succeeded', finished_at = clock_timestamp()
         WHERE run_id = \(context.runID)
        """)
      let sealed = try connection.query(
        """
        SELECT encode(ledger_seal_run(\(context.scopeID), \(context.runID)), 'hex') AS hash
        """)
      counts.blockHash = try sealed.first?.decode("hash", as: String.self) ?? ""
      try connection.execute(raw: ApplySQL.dropWorkTables)
      return counts
    }
  }
}
