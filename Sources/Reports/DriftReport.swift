public import Foundation
internal import Ledger
public import PostgresClient

/// What `report drift` compares and how it filters.
public struct DriftQuery: Sendable, Equatable {
  /// Only this scope; nil for every scope.
  public var scopeID: Int?
  public var since: ResolvedPoint
  public var until: ResolvedPoint
  /// Only servers of this project (at either point).
  public var project: String?
  /// Only this server: an id, or a name it had at either point.
  public var server: String?
  /// Only changes of these fields (`status`, `flavor_name`, `metadata.owner`, ...); when set,
  /// added and removed servers are left out.
  public var fields: [String]

  public init(
    scopeID: Int? = nil, since: ResolvedPoint, until: ResolvedPoint, project: String? = nil,
    server: String? = nil, fields: [String] = []
  ) {
    self.scopeID = scopeID
    self.since = since
    self.until = until
    self.project = project
    self.server = server
    self.fields = fields
  }
}

/// One line of drift: an added or removed server, or one changed field of a server.
public struct DriftRow: Sendable, Equatable {
  public enum Change: String, Sendable, Equatable {
    case added
    case removed
    case changed
  }

  public var change: Change
  public var scopeID: Int
  public var serverID: String
  /// The name at the later point (at the earlier one for removed servers).
  public var name: String?
  public var projectID: String?
  /// The changed field; nil for added and removed servers.
  public var field: String?
  /// JSON value at `since` (nil: absent).
  public var oldValue: String?
  /// JSON value at `until` (nil: absent).
  public var newValue: String?
  /// For added servers their status and flavor; for removed ones when and why.
  public var detail: String?

  public init(
    change: Change, scopeID: Int, serverID: String, name: String?, projectID: String?,
    field: String?, oldValue: String?, newValue: String?, detail: String?
  ) {
    self.change = change
    self.scopeID = scopeID
    self.serverID = serverID
    self.name = name
    self.projectID = projectID
    self.field = field
    self.oldValue = oldValue
    self.newValue = newValue
    self.detail = detail
  }
}

/// The net change between two points: added, removed and changed servers.
public struct DriftResult: Sendable, Equatable {
  public var query: DriftQuery
  public var rows: [DriftRow]

  public init(query: DriftQuery, rows: [DriftRow]) {
    self.query = query
    self.rows = rows
  }

  public var added: Int { rows.filter { $0.change == .added }.count }
  public var removed: Int { rows.filter { $0.change == .removed }.count }
  /// Servers with at least one changed field.
  public var changed: Int {
    Set(rows.filter { $0.change == .changed }.map { "\($0.scopeID)/\($0.serverID)" }).count
  }
  public var hasDrift: Bool { !rows.isEmpty }

  /// `Drift: 1 added, 2 removed, 3 changed.` or `No drift.`
  public var summaryLine: String {
    hasDrift ? "Drift: \(added) added, \(removed) removed, \(changed) changed." : "No drift."
  }
}

/// `report drift`: the NET change of the fleet between two points in time.
///
/// Compares the servers as of `since` with the servers as of `until` (the `servers_as_of`
/// rule on `server_versions`: `valid_from <= T < valid_to`, tombstones excluded). A server
/// present only at `until` is added, one present only at `since` is removed (with the
/// deletion evidence when the ledger has it), and for one present at both every tracked
/// column (and every metadata key) whose value differs is a changed row, old → new. Changes
/// that happened and were undone in between are not drift.
///
/// One pass over `server_versions` finds each server's version at both points; only servers
/// whose version differs (a server with the same version at both has no drift) are read in
/// full and compared, so the cost follows the servers that changed, not the fleet.
public enum DriftReport {
  /// Columns of the table, csv and json rows, in order.
  public static let columns = [
    "change", "server_id", "name", "project_id", "field", "old_value", "new_value", "detail",
    "scope_id",
  ]

  /// The tracked server columns compared, in change-log order.
  static var comparedFields: [String] {
    comparedColumns.map(\.name)
  }

  static var comparedColumns: [ServerColumn] {
    (ServerColumns.nova + ServerColumns.related).filter(\.tracked)
  }

  /// A column's value as JSON; times as UTC ISO-8601 strings (`2026-03-01T06:00:00Z`).
  static func jsonValue(_ table: String, _ column: ServerColumn) -> String {
    guard column.sqlType == "timestamptz" else { return "to_jsonb(\(table).\(column.name))" }
    return "to_jsonb(to_char(\(table).\(column.name) AT TIME ZONE 'UTC', "
      + "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"
  }

  public static func run(_ query: DriftQuery, on connection: PostgresConnection) throws
    -> DriftResult
  {
    // Each field is compared as its column first (cheap; equal columns give equal JSON), and
    // only the columns that differ are turned into JSON and compared as the report shows them.
    let fieldTests = comparedColumns.enumerated().map { index, column in
      "(\(index), '\(column.name)', a.\(column.name) IS DISTINCT FROM b.\(column.name))"
    }.joined(separator: ",\n          ")
    func fieldJSON(_ table: String) -> String {
      "CASE d.ord "
        + comparedColumns.enumerated().map { index, column in
          "WHEN \(index) THEN \(jsonValue(table, column))"
        }.joined(separator: "\n            ") + " END"
    }
    let t1 = query.since.date
    let t2 = query.until.date
    let scope = query.scopeID
    let fields: [String]? = query.fields.isEmpty ? nil : query.fields
    let rows = try connection.query(
      """
      WITH points AS (
        SELECT v.scope_id, v.server_id,
               max(v.version_no) FILTER (WHERE v.valid_from <= \(t1)
                                           AND (v.valid_to IS NULL OR v.valid_to > \(t1)))
                 AS a_no,
               max(v.version_no) FILTER (WHERE v.valid_from <= \(t2)
                                           AND (v.valid_to IS NULL OR v.valid_to > \(t2)))
                 AS b_no
          FROM server_versions v
         WHERE (\(scope)::integer IS NULL OR v.scope_id = \(scope))
           AND v.valid_from <= greatest(\(t1)::timestamptz, \(t2)::timestamptz)
           AND (v.valid_to IS NULL OR v.valid_to > least(\(t1)::timestamptz, \(t2)::timestamptz))
           AND v.version_kind <> 'deleted'
         GROUP BY v.scope_id, v.server_id
      ), pairs AS MATERIALIZED (
        SELECT p.scope_id, p.server_id, p.a_no, p.b_no
          FROM points p
          LEFT JOIN server_versions a
            ON a.scope_id = p.scope_id AND a.server_id = p.server_id AND a.version_no = p.a_no
          LEFT JOIN server_versions b
            ON b.scope_id = p.scope_id AND b.server_id = p.server_id AND b.version_no = p.b_no
         WHERE p.a_no IS DISTINCT FROM p.b_no
           AND (\(query.project)::text IS NULL OR a.project_id = \(query.project)
                OR b.project_id = \(query.project))
           AND (\(query.server)::text IS NULL OR p.server_id::text = lower(\(query.server))
                OR a.name = \(query.server) OR b.name = \(query.server))
      ), drift AS (
        SELECT 3 AS kind_order, 'changed' AS change, b.scope_id, b.server_id, b.name,
               b.project_id, f.ord, f.field, f.old_value, f.new_value, NULL::text AS detail
          FROM pairs p
          JOIN server_versions a
            ON a.scope_id = p.scope_id AND a.server_id = p.server_id AND a.version_no = p.a_no
          JOIN server_versions b
            ON b.scope_id = p.scope_id AND b.server_id = p.server_id AND b.version_no = p.b_no
          CROSS JOIN LATERAL (
            SELECT d.ord, d.field, j.old_value, j.new_value
              FROM (VALUES
              \(raw: fieldTests)
              ) AS d(ord, field, differs)
              CROSS JOIN LATERAL (
                SELECT \(raw: fieldJSON("a")) AS old_value,
                       \(raw: fieldJSON("b")) AS new_value) AS j
             WHERE d.differs AND j.old_value IS DISTINCT FROM j.new_value
            UNION ALL
            SELECT 1000, 'metadata.' || k.key, a.metadata -> k.key, b.metadata -> k.key
              FROM (SELECT jsonb_object_keys(coalesce(a.metadata, '{}'::jsonb)) AS key
                    UNION SELECT jsonb_object_keys(coalesce(b.metadata, '{}'::jsonb))) k
             WHERE a.metadata IS DISTINCT FROM b.metadata
               AND (a.metadata -> k.key) IS DISTINCT FROM (b.metadata -> k.key)
          ) AS f
        UNION ALL
        SELECT 1, 'added', b.scope_id, b.server_id, b.name, b.project_id, 0, NULL, NULL, NULL,
               concat_ws(', ', 'status ' || b.status, 'flavor ' || b.flavor_name,
                         'first seen ' || to_char((SELECT min(w.valid_from) FROM server_versions w
                                                    WHERE w.scope_id = b.scope_id
                                                      AND w.server_id = b.server_id)
                                                  AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
          FROM pairs p
          JOIN server_versions b
            ON b.scope_id = p.scope_id AND b.server_id = p.server_id AND b.version_no = p.b_no
         WHERE p.a_no IS NULL
        UNION ALL
        SELECT 2, 'removed', a.scope_id, a.server_id, a.name, a.project_id, 0, NULL, NULL, NULL,
               CASE WHEN s.deleted_at IS NOT NULL AND s.deleted_at <= \(t2)
                    THEN 'deleted ' || to_char(s.deleted_at AT TIME ZONE 'UTC',
                                               'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                         || ' (' || s.deletion_evidence || ')'
                    ELSE 'not in the ledger at ' || to_char(\(t2)::timestamptz AT TIME ZONE 'UTC',
                                                            'YYYY-MM-DD"T"HH24:MI:SS"Z"')
               END
          FROM pairs p
          JOIN server_versions a
            ON a.scope_id = p.scope_id AND a.server_id = p.server_id AND a.version_no = p.a_no
          LEFT JOIN servers s ON s.scope_id = a.scope_id AND s.server_id = a.server_id
         WHERE p.b_no IS NULL
      )
      SELECT change, scope_id, server_id, name, project_id, field, old_value, new_value, detail
        FROM drift
       WHERE \(fields)::text[] IS NULL OR (change = 'changed' AND field = ANY(\(fields)::text[]))
       ORDER BY kind_order, name NULLS LAST, server_id, scope_id, ord, field
      """)
    let result = try rows.map { row in
      DriftRow(
        change: DriftRow.Change(rawValue: try row.decode("change", as: String.self)) ?? .changed,
        scopeID: try row.decode("scope_id"),
        serverID: try row.decode("server_id"),
        name: try row.decode("name"),
        projectID: try row.decode("project_id"),
        field: try row.decode("field"),
        oldValue: try row.decode("old_value"),
        newValue: try row.decode("new_value"),
        detail: try row.decode("detail"))
    }
    return DriftResult(query: query, rows: result)
  }

  /// The report as a document (table, json, csv, html).
  public static func document(_ result: DriftResult, generatedAt: Date) -> ReportDocument {
    let rows: [[ReportValue]] = result.rows.map { row in
      [
        .text(row.change.rawValue), .text(row.serverID), .text(row.name), .text(row.projectID),
        .text(row.field), .json(row.oldValue), .json(row.newValue), .text(row.detail),
        .integer(row.scopeID),
      ]
    }
    let section = ReportSection(
      name: "drift", title: "Changes",
      columns: columns.map {
        ReportColumn($0, inDefaultTable: !["scope_id", "server_id"].contains($0))
      },
      rows: rows)
    var fieldCounts: [String: Int] = [:]
    for row in result.rows where row.change == .changed {
      fieldCounts[row.field ?? "", default: 0] += 1
    }
    let topFields = fieldCounts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(12)
    var charts: [ReportChart] = [
      .bars(
        title: "Servers added, removed and changed", labels: ["added", "removed", "changed"],
        series: [
          ChartSeries(
            name: "servers",
            values: [Double(result.added), Double(result.removed), Double(result.changed)])
        ])
    ]
    if !topFields.isEmpty {
      charts.append(
        .bars(
          title: "Changed fields", labels: topFields.map(\.key),
          series: [ChartSeries(name: "servers", values: topFields.map { Double($0.value) })]))
    }
    return ReportDocument(
      report: "drift",
      title: "Drift from \(result.query.since.label) to \(result.query.until.label)",
      generatedAt: generatedAt,
      parameters: parameters(result.query),
      summary: [
        ReportField("added", .integer(result.added)),
        ReportField("removed", .integer(result.removed)),
        ReportField("changed", .integer(result.changed)),
      ],
      sections: [section], charts: charts, footer: result.summaryLine)
  }

  static func parameters(_ query: DriftQuery) -> [ReportField] {
    [
      ReportField("since", .time(query.since.date)),
      ReportField("until", .time(query.until.date)),
      ReportField("scope", query.scopeID.map { .integer($0) } ?? .null),
      ReportField("project", .text(query.project)),
      ReportField("server", .text(query.server)),
      ReportField(
        "fields", query.fields.isEmpty ? .null : .text(query.fields.joined(separator: ","))),
    ]
  }

  /// The plan format: one line per added or removed server and per changed field, grouped
  /// (added, removed, changed) like a refresh-only plan, then the counts.
  ///
  /// ```
  /// + server app-1 (id): status ACTIVE, flavor m1.small, first seen ...
  /// - server web-2 (id): deleted 2026-03-06T06:00:00Z (listed-deleted)
  /// ~ server web-1 (id): status ACTIVE → SHUTOFF
  ///
  /// Drift: 1 added, 1 removed, 1 changed.
  /// ```
  ///
  /// - Parameter width: clip lines to this width (a terminal's); nil writes them whole.
  public static func plan(_ result: DriftResult, width: Int? = nil) -> String {
    var lines = ["Drift from \(result.query.since.label) to \(result.query.until.label)", ""]
    for row in result.rows {
      let who = "server \(row.name ?? "(no name)") (\(row.serverID))"
      let line: String
      switch row.change {
      case .added: line = "+ \(who)" + (row.detail.map { ": \($0)" } ?? "")
      case .removed: line = "- \(who)" + (row.detail.map { ": \($0)" } ?? "")
      case .changed:
        let old = row.oldValue.map(ReportFormatting.jsonDisplay) ?? "null"
        let new = row.newValue.map(ReportFormatting.jsonDisplay) ?? "null"
        line = "~ \(who): \(row.field ?? "?") \(old) → \(new)"
      }
      let flat = TableRenderer.oneLine(line)
      lines.append(width.map { TableRenderer.truncate(flat, to: max($0, 20)) } ?? flat)
    }
    if result.hasDrift { lines.append("") }
    lines.append(result.summaryLine)
    return lines.joined(separator: "\n") + "\n"
  }
}
