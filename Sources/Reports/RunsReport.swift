public import Foundation
public import PostgresClient

/// One sync run as `runs` lists it.
public struct RunRow: Sendable, Equatable {
  public var runID: Int64
  public var scopeID: Int
  public var scopeName: String
  public var mode: String
  public var status: String
  public var dryRun: Bool
  public var startedAt: Date
  public var finishedAt: Date?
  public var serversSeen: Int
  public var created: Int
  public var changed: Int
  public var deleted: Int
  public var changes: Int
  public var error: String?

  /// finished − started; nil while running.
  public var duration: TimeInterval? { finishedAt.map { $0.timeIntervalSince(startedAt) } }
}

/// `runs`: the most recent sync runs with status, counts and durations.
public enum RunsReport {
  public static let columns: [ReportColumn] = [
    "run_id", "scope_id", "scope", "mode", "status", "dry_run", "started_at", "finished_at",
    "duration", "seen", "created", "changed", "deleted", "changes", "error",
  ].map { ReportColumn($0, inDefaultTable: defaultTableColumns.contains($0)) }

  /// What `-f table` shows without `-c`.
  public static let defaultTableColumns: Set<String> = [
    "run_id", "scope", "mode", "status", "started_at", "duration", "seen", "changes", "error",
  ]

  /// The newest `limit` runs (of one scope, or of all), newest first.
  public static func run(scopeID: Int?, limit: Int, on connection: PostgresConnection) throws
    -> [RunRow]
  {
    try connection.query(
      """
      SELECT r.run_id, r.scope_id, sc.name AS scope_name, r.mode, r.status, r.dry_run,
             r.started_at, r.finished_at, r.servers_seen, r.servers_created, r.servers_changed,
             r.servers_deleted, r.changes_written, r.error
        FROM sync_runs r JOIN scopes sc ON sc.scope_id = r.scope_id
       WHERE (\(scopeID)::integer IS NULL OR r.scope_id = \(scopeID))
       ORDER BY r.started_at DESC, r.run_id DESC
       LIMIT \(max(limit, 0))
      """
    ).map { row in
      RunRow(
        runID: try row.decode("run_id"), scopeID: try row.decode("scope_id"),
        scopeName: try row.decode("scope_name"), mode: try row.decode("mode"),
        status: try row.decode("status"), dryRun: try row.decode("dry_run"),
        startedAt: try row.decode("started_at"), finishedAt: try row.decode("finished_at"),
        serversSeen: try row.decode("servers_seen"), created: try row.decode("servers_created"),
        changed: try row.decode("servers_changed"), deleted: try row.decode("servers_deleted"),
        changes: try row.decode("changes_written"), error: try row.decode("error"))
    }
  }

  public static func document(_ runs: [RunRow], scopeID: Int?, limit: Int, generatedAt: Date)
    -> ReportDocument
  {
    let rows: [[ReportValue]] = runs.map { run in
      [
        .integer(Int(run.runID)), .integer(run.scopeID), .text(run.scopeName), .text(run.mode),
        .text(run.status), .text(run.dryRun ? "yes" : "no"), .time(run.startedAt),
        .time(run.finishedAt), run.duration.map { .duration($0) } ?? .null,
        .integer(run.serversSeen), .integer(run.created), .integer(run.changed),
        .integer(run.deleted), .integer(run.changes), .text(run.error),
      ]
    }
    return ReportDocument(
      report: "runs", title: "Sync runs", generatedAt: generatedAt,
      parameters: [
        ReportField("scope", scopeID.map { .integer($0) } ?? .null),
        ReportField("limit", .integer(limit)),
      ],
      sections: [ReportSection(name: "runs", title: "Runs", columns: columns, rows: rows)])
  }
}
