public import Foundation
public import PostgresClient

/// The server a history is about.
public struct HistoryServer: Sendable, Equatable {
  public var scopeID: Int
  public var serverID: String
  public var name: String?
  public var projectID: String?
  public var status: String?
  public var createdAt: Date?
  public var firstSeen: Date?
  public var deletedAt: Date?
  public var deletionEvidence: String?
  public var versions: Int
}

/// One event of a server's timeline: a recorded change (created, modified field, deleted),
/// or a Nova instance action that no change row explains.
public struct HistoryEvent: Sendable, Equatable {
  /// When it was observed (changes: the run's start) or started (actions).
  public var time: Date
  public var runID: Int64?
  /// The version the run recorded (nil for bare actions).
  public var versionNo: Int?
  /// `created`, `modified`, `deleted` or `action`.
  public var kind: String
  public var field: String?
  public var oldValue: String?
  public var newValue: String?
  public var action: String?
  public var userID: String?
  public var requestID: String?
  public var actionTime: Date?
}

/// A server's versions and changes, with who did them.
public struct HistoryResult: Sendable, Equatable {
  public var server: HistoryServer
  public var events: [HistoryEvent]
}

/// `history SERVER`: the timeline of one server.
public enum HistoryReport {
  public static let columns = [
    "time", "run_id", "version", "kind", "field", "old_value", "new_value", "action", "user_id",
    "request_id", "action_time",
  ]

  /// Finds the server by id or by a name that is unique (in the scope, when given).
  ///
  /// - Throws: ``ReportError/serverNotFound(_:)``, ``ReportError/ambiguousServer(_:candidates:)``.
  public static func run(
    server text: String, scopeID: Int?, on connection: PostgresConnection
  ) throws -> HistoryResult {
    let matches = try connection.query(
      """
      SELECT s.scope_id, s.server_id, s.name, s.project_id, s.status, s.created_at,
             s.deleted_at, s.deletion_evidence, s.version_no,
             (SELECT min(v.valid_from) FROM server_versions v
               WHERE v.scope_id = s.scope_id AND v.server_id = s.server_id) AS first_seen,
             (s.server_id::text = lower(\(text))) AS by_id
        FROM servers s
       WHERE (\(scopeID)::integer IS NULL OR s.scope_id = \(scopeID))
         AND (s.server_id::text = lower(\(text)) OR s.name = \(text))
       ORDER BY by_id DESC, s.scope_id, s.server_id
      """)
    guard let first = matches.first else { throw ReportError.serverNotFound(text) }
    let byID: Bool = try first.decode("by_id")
    if !byID && matches.count > 1 {
      throw ReportError.ambiguousServer(
        text,
        candidates: try matches.map {
          "\(try $0.decode("server_id", as: String.self)) (scope \(try $0.decode("scope_id", as: Int.self)))"
        })
    }
    let server = HistoryServer(
      scopeID: try first.decode("scope_id"), serverID: try first.decode("server_id"),
      name: try first.decode("name"), projectID: try first.decode("project_id"),
      status: try first.decode("status"), createdAt: try first.decode("created_at"),
      firstSeen: try first.decode("first_seen"), deletedAt: try first.decode("deleted_at"),
      deletionEvidence: try first.decode("deletion_evidence"),
      versions: try first.decode("version_no"))
    let rows = try connection.query(
      """
      SELECT e.* FROM (
        SELECT c.observed_at AS time, c.run_id, v.version_no, c.change_kind AS kind, c.field,
               c.old_value, c.new_value, c.action, c.action_user_id AS user_id, c.request_id,
               c.action_start_time AS action_time, 0 AS source, c.change_id AS ord
          FROM changes c
          LEFT JOIN server_versions v
            ON v.scope_id = c.scope_id AND v.server_id = c.server_id AND v.run_id = c.run_id
         WHERE c.scope_id = \(server.scopeID) AND c.server_id = \(server.serverID)::uuid
        UNION ALL
        SELECT a.start_time, NULL, NULL, 'action', NULL, NULL, NULL, a.action, a.user_id,
               a.request_id, a.start_time, 1, 0
          FROM instance_actions a
         WHERE a.scope_id = \(server.scopeID) AND a.server_id = \(server.serverID)::uuid
           AND NOT EXISTS (SELECT 1 FROM changes c
                            WHERE c.scope_id = a.scope_id AND c.server_id = a.server_id
                              AND c.request_id = a.request_id)
      ) e
      ORDER BY e.time NULLS FIRST, e.source, e.ord, e.request_id
      """)
    let events = try rows.map { row in
      HistoryEvent(
        time: try row.decode("time"), runID: try row.decode("run_id"),
        versionNo: try row.decode("version_no"), kind: try row.decode("kind"),
        field: try row.decode("field"), oldValue: try row.decode("old_value"),
        newValue: try row.decode("new_value"), action: try row.decode("action"),
        userID: try row.decode("user_id"), requestID: try row.decode("request_id"),
        actionTime: try row.decode("action_time"))
    }
    return HistoryResult(server: server, events: events)
  }

  public static func document(_ result: HistoryResult, generatedAt: Date) -> ReportDocument {
    let server = result.server
    let rows: [[ReportValue]] = result.events.map { event in
      [
        .time(event.time), event.runID.map { .integer(Int($0)) } ?? .null,
        event.versionNo.map { .integer($0) } ?? .null, .text(event.kind), .text(event.field),
        .json(event.oldValue), .json(event.newValue), .text(event.action), .text(event.userID),
        .text(event.requestID), .time(event.actionTime),
      ]
    }
    let columns = columns.map {
      ReportColumn($0, inDefaultTable: !["action_time", "version", "run_id"].contains($0))
    }
    return ReportDocument(
      report: "history",
      title: "History of server \(server.name ?? "(no name)") (\(server.serverID))",
      generatedAt: generatedAt,
      parameters: [
        ReportField("server_id", .text(server.serverID)),
        ReportField("name", .text(server.name)),
        ReportField("project_id", .text(server.projectID)),
        ReportField("status", .text(server.status)),
        ReportField("created_at", .time(server.createdAt)),
        ReportField("first_seen", .time(server.firstSeen)),
        ReportField("deleted_at", .time(server.deletedAt)),
        ReportField("deletion_evidence", .text(server.deletionEvidence)),
        ReportField("scope", .integer(server.scopeID)),
      ],
      summary: [
        ReportField("versions", .integer(server.versions)),
        ReportField("events", .integer(result.events.count)),
      ],
      sections: [ReportSection(name: "events", title: "Timeline", columns: columns, rows: rows)])
  }
}
