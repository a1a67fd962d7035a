public import Foundation
public import PostgresClient

/// What `report lifecycle` covers.
public struct LifecycleQuery: Sendable, Equatable {
  public var scopeID: Int?
  public var project: String?
  /// Only this server (id or name).
  public var server: String?
  /// A server in BUILD or ERROR for longer is "stuck" (default 1 hour).
  public var stuckAfter: TimeInterval
  /// A server SHUTOFF for longer is listed as stopped (default 30 days).
  public var stoppedFor: TimeInterval
  /// The end of every open period: the report's "now" (passed in).
  public var now: Date
  /// Whether to read the status periods (one row per version: the html timeline and the
  /// `periods` section); a table of the other sections does without them.
  public var includePeriods: Bool

  public init(
    scopeID: Int? = nil, project: String? = nil, server: String? = nil,
    stuckAfter: TimeInterval = 3600, stoppedFor: TimeInterval = 30 * 86_400, now: Date,
    includePeriods: Bool = true
  ) {
    self.scopeID = scopeID
    self.project = project
    self.server = server
    self.stuckAfter = stuckAfter
    self.stoppedFor = stoppedFor
    self.now = now
    self.includePeriods = includePeriods
  }
}

/// One server's life as the ledger saw it.
public struct ServerLifecycle: Sendable, Equatable {
  public var scopeID: Int
  public var serverID: String
  public var name: String?
  public var projectID: String?
  /// Current (or last) status; `DELETED` for tombstones.
  public var status: String?
  /// Since when the server has had its current status.
  public var statusSince: Date?
  /// Nova `created`.
  public var createdAt: Date?
  /// Nova `launched_at`.
  public var launchedAt: Date?
  /// When the ledger first recorded the server.
  public var firstSeen: Date?
  /// Nova `terminated_at`.
  public var terminatedAt: Date?
  /// When the ledger recorded the deletion.
  public var deletedAt: Date?
  /// From `created_at` (or first seen) to the deletion (or now).
  public var age: TimeInterval
  /// Seconds per status, from the server's versions (valid_from to valid_to or now).
  public var timeInStatus: [String: TimeInterval]
  /// Resize, rebuild and reboot counts: instance actions, or (resize, rebuild) observed
  /// flavor / image changes when those are more.
  public var resizes: Int
  public var rebuilds: Int
  public var reboots: Int

  public init(
    scopeID: Int, serverID: String, name: String?, projectID: String?, status: String?,
    statusSince: Date?, createdAt: Date?, launchedAt: Date?, firstSeen: Date?,
    terminatedAt: Date?, deletedAt: Date?, age: TimeInterval, timeInStatus: [String: TimeInterval],
    resizes: Int, rebuilds: Int, reboots: Int
  ) {
    self.scopeID = scopeID
    self.serverID = serverID
    self.name = name
    self.projectID = projectID
    self.status = status
    self.statusSince = statusSince
    self.createdAt = createdAt
    self.launchedAt = launchedAt
    self.firstSeen = firstSeen
    self.terminatedAt = terminatedAt
    self.deletedAt = deletedAt
    self.age = age
    self.timeInStatus = timeInStatus
    self.resizes = resizes
    self.rebuilds = rebuilds
    self.reboots = reboots
  }
}

/// One UTC day of the fleet.
public struct FleetDay: Sendable, Equatable {
  /// `YYYY-MM-DD`.
  public var day: String
  /// Servers whose Nova `created` falls on the day.
  public var created: Int
  /// Servers the ledger recorded deleted on the day.
  public var deleted: Int
  /// Live servers at the end of the day (or at "now" for today).
  public var fleetSize: Int

  public init(day: String, created: Int, deleted: Int, fleetSize: Int) {
    self.day = day
    self.created = created
    self.deleted = deleted
    self.fleetSize = fleetSize
  }
}

/// Churn of one project over the ledger's history.
public struct ProjectChurn: Sendable, Equatable {
  public var projectID: String
  /// Live now.
  public var live: Int
  /// Every server the ledger has seen in the project.
  public var seen: Int
  /// Created while the ledger watched (Nova `created` on or after the first day).
  public var created: Int
  public var deleted: Int
  /// Field changes recorded (modified rows of the change log).
  public var changes: Int

  /// (created + deleted) / seen.
  public var churnRate: Double { seen == 0 ? 0 : Double(created + deleted) / Double(seen) }

  public init(projectID: String, live: Int, seen: Int, created: Int, deleted: Int, changes: Int) {
    self.projectID = projectID
    self.live = live
    self.seen = seen
    self.created = created
    self.deleted = deleted
    self.changes = changes
  }
}

/// One period of a server in one status (for the status timeline).
public struct StatusPeriod: Sendable, Equatable {
  public var serverID: String
  public var name: String?
  public var status: String
  public var from: Date
  /// nil while open (the server still has this status).
  public var to: Date?

  public init(serverID: String, name: String?, status: String, from: Date, to: Date?) {
    self.serverID = serverID
    self.name = name
    self.status = status
    self.from = from
    self.to = to
  }
}

/// Everything `report lifecycle` found.
public struct LifecycleResult: Sendable, Equatable {
  public var query: LifecycleQuery
  public var servers: [ServerLifecycle]
  public var days: [FleetDay]
  public var projects: [ProjectChurn]
  public var periods: [StatusPeriod]

  /// Live servers in BUILD or ERROR for longer than `stuckAfter`.
  public var stuck: [ServerLifecycle] {
    servers.filter { server in
      guard server.deletedAt == nil, let status = server.status, let since = server.statusSince,
        status == "BUILD" || status == "ERROR"
      else { return false }
      return query.now.timeIntervalSince(since) > query.stuckAfter
    }
  }

  /// Live servers SHUTOFF for longer than `stoppedFor`.
  public var stopped: [ServerLifecycle] {
    servers.filter { server in
      guard server.deletedAt == nil, server.status == "SHUTOFF", let since = server.statusSince
      else { return false }
      return query.now.timeIntervalSince(since) > query.stoppedFor
    }
  }
}

/// `report lifecycle`: each server's life (created, launched, first seen, deleted, age, time
/// per status, resizes, rebuilds, reboots) and the fleet's (creations and deletions per day,
/// fleet size, stuck and long-stopped servers, churn per project).
public enum LifecycleReport {
  /// Statuses that get their own `time_*` column; the rest add up in `time_other`.
  public static let statusColumns = ["ACTIVE", "SHUTOFF", "BUILD", "ERROR"]

  public static func run(_ query: LifecycleQuery, on connection: PostgresConnection) throws
    -> LifecycleResult
  {
    let scope = query.scopeID
    let now = query.now
    // Set-based: each history table is read once and aggregated per server (hash joins), not
    // looked up per server, so the cost stays linear in the history at 100k servers.
    let serverRows = try connection.query(
      """
      WITH f AS (
        SELECT s.scope_id, s.server_id, s.name, s.project_id, s.status, s.created_at,
               s.launched_at, s.terminated_at, s.deleted_at
          FROM servers s
         WHERE (\(scope)::integer IS NULL OR s.scope_id = \(scope))
           AND (\(query.project)::text IS NULL OR s.project_id = \(query.project))
           AND (\(query.server)::text IS NULL OR s.server_id::text = lower(\(query.server))
                OR s.name = \(query.server))
      ), sv AS (
        SELECT v.scope_id, v.server_id, v.version_no, v.status, v.valid_from, v.valid_to,
               (v.version_kind <> 'deleted' AND v.valid_from <= \(now)) AS counted,
               -- the last version with another status than the current one
               max(v.version_no) FILTER (WHERE v.status IS DISTINCT FROM f.status)
                 OVER (PARTITION BY v.scope_id, v.server_id) AS last_other
          FROM server_versions v
          JOIN f ON f.scope_id = v.scope_id AND f.server_id = v.server_id
      ), per_status AS (
        SELECT scope_id, server_id, status,
               bool_or(counted) AS counted,
               min(valid_from) FILTER (WHERE counted) AS first_seen,
               round(sum(extract(epoch FROM greatest(least(coalesce(valid_to, \(now)), \(now))
                                                     - valid_from, interval '0')))
                       FILTER (WHERE counted))::bigint AS seconds,
               min(valid_from) FILTER (WHERE version_no > coalesce(last_other, 0)) AS since
          FROM sv
         GROUP BY scope_id, server_id, status
      ), t AS (
        SELECT scope_id, server_id, min(first_seen) AS first_seen,
               jsonb_object_agg(status, seconds) FILTER (WHERE counted AND status IS NOT NULL)
                 AS durations,
               min(since) AS status_since
          FROM per_status
         GROUP BY scope_id, server_id
      ), ia AS (
        SELECT a.scope_id, a.server_id,
               count(*) FILTER (WHERE a.action = 'resize') AS resizes,
               count(*) FILTER (WHERE a.action = 'rebuild') AS rebuilds,
               count(*) FILTER (WHERE a.action = 'reboot') AS reboots
          FROM instance_actions a
         WHERE a.action IN ('resize', 'rebuild', 'reboot')
           AND (\(scope)::integer IS NULL OR a.scope_id = \(scope))
         GROUP BY a.scope_id, a.server_id
      ), ch AS (
        SELECT c.scope_id, c.server_id,
               count(DISTINCT c.run_id) FILTER (WHERE c.field = 'flavor_name') AS flavor_changes,
               count(DISTINCT c.run_id) FILTER (WHERE c.field = 'image_id') AS image_changes
          FROM changes c
         WHERE c.change_kind = 'modified' AND c.field IN ('flavor_name', 'image_id')
           AND (\(scope)::integer IS NULL OR c.scope_id = \(scope))
         GROUP BY c.scope_id, c.server_id
      )
      SELECT f.scope_id, f.server_id, f.name, f.project_id, f.status, f.created_at,
             f.launched_at, f.terminated_at, f.deleted_at, t.first_seen, t.durations,
             t.status_since,
             greatest(coalesce(ia.resizes, 0), coalesce(ch.flavor_changes, 0)) AS resizes,
             greatest(coalesce(ia.rebuilds, 0), coalesce(ch.image_changes, 0)) AS rebuilds,
             coalesce(ia.reboots, 0) AS reboots
        FROM f
        LEFT JOIN t ON t.scope_id = f.scope_id AND t.server_id = f.server_id
        LEFT JOIN ia ON ia.scope_id = f.scope_id AND ia.server_id = f.server_id
        LEFT JOIN ch ON ch.scope_id = f.scope_id AND ch.server_id = f.server_id
       ORDER BY f.name NULLS LAST, f.server_id, f.scope_id
      """)
    let servers: [ServerLifecycle] = try serverRows.map { row in
      let createdAt: Date? = try row.decode("created_at")
      let firstSeen: Date? = try row.decode("first_seen")
      let deletedAt: Date? = try row.decode("deleted_at")
      let start = createdAt ?? firstSeen ?? now
      let end = deletedAt ?? now
      var durations: [String: TimeInterval] = [:]
      if let json: PostgresJSON = try row.decode("durations"),
        let object = try json.jsonObject() as? [String: Any]
      {
        for (status, value) in object {
          if let number = value as? NSNumber { durations[status] = number.doubleValue }
        }
      }
      return ServerLifecycle(
        scopeID: try row.decode("scope_id"), serverID: try row.decode("server_id"),
        name: try row.decode("name"), projectID: try row.decode("project_id"),
        status: try row.decode("status"), statusSince: try row.decode("status_since"),
        createdAt: createdAt, launchedAt: try row.decode("launched_at"), firstSeen: firstSeen,
        terminatedAt: try row.decode("terminated_at"), deletedAt: deletedAt,
        age: max(0, end.timeIntervalSince(start)), timeInStatus: durations,
        resizes: try row.decode("resizes"), rebuilds: try row.decode("rebuilds"),
        reboots: try row.decode("reboots"))
    }

    // Fleet size by a running sum of arrivals and departures (O(servers + days)): a server is
    // live at the end of day D when it was first seen before D+1 and its last state lasted
    // until D+1 or later (states after "now" are ignored).
    let dayRows = try connection.query(
      """
      WITH f AS (
        SELECT s.scope_id, s.server_id, s.created_at, s.deleted_at
          FROM servers s
         WHERE (\(scope)::integer IS NULL OR s.scope_id = \(scope))
           AND (\(query.project)::text IS NULL OR s.project_id = \(query.project))
           AND (\(query.server)::text IS NULL OR s.server_id::text = lower(\(query.server))
                OR s.name = \(query.server))
      ), life AS (
        SELECT v.scope_id, v.server_id, min(v.valid_from) AS born,
               CASE WHEN bool_or(v.valid_to IS NULL OR v.valid_to > \(now)) THEN NULL
                    ELSE max(v.valid_to) END AS gone
          FROM server_versions v JOIN f USING (scope_id, server_id)
         WHERE v.version_kind <> 'deleted' AND v.valid_from <= \(now)
         GROUP BY v.scope_id, v.server_id
      ), moves AS (
        SELECT day, sum(delta) AS delta
          FROM (SELECT (born AT TIME ZONE 'UTC')::date AS day, 1 AS delta FROM life
                UNION ALL
                SELECT (gone AT TIME ZONE 'UTC')::date, -1 FROM life WHERE gone IS NOT NULL) m
         GROUP BY day
      ), created AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM f GROUP BY 1
      ), deleted AS (
        SELECT (deleted_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM f GROUP BY 1
      ), days AS (
        SELECT d::date AS day
          FROM generate_series(
                 (SELECT date_trunc('day', min(born) AT TIME ZONE 'UTC') FROM life),
                 date_trunc('day', \(now)::timestamptz AT TIME ZONE 'UTC'),
                 interval '1 day') d
      )
      SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(c.n, 0) AS created,
             coalesce(x.n, 0) AS deleted,
             sum(coalesce(m.delta, 0)) OVER (ORDER BY d.day)::bigint AS fleet_size
        FROM days d
        LEFT JOIN moves m ON m.day = d.day
        LEFT JOIN created c ON c.day = d.day
        LEFT JOIN deleted x ON x.day = d.day
       ORDER BY d.day
      """)
    let days = try dayRows.map { row in
      FleetDay(
        day: try row.decode("day"), created: try row.decode("created"),
        deleted: try row.decode("deleted"), fleetSize: try row.decode("fleet_size"))
    }

    let projectRows = try connection.query(
      """
      WITH f AS (
        SELECT s.scope_id, s.server_id, s.project_id, s.created_at, s.deleted_at FROM servers s
         WHERE (\(scope)::integer IS NULL OR s.scope_id = \(scope))
           AND (\(query.project)::text IS NULL OR s.project_id = \(query.project))
           AND (\(query.server)::text IS NULL OR s.server_id::text = lower(\(query.server))
                OR s.name = \(query.server))
      ), start AS (
        SELECT date_trunc('day', min(v.valid_from) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS at
          FROM server_versions v JOIN f USING (scope_id, server_id)
      ), modified AS (
        SELECT c.scope_id, c.server_id, count(*) AS n
          FROM changes c
         WHERE c.change_kind = 'modified' AND c.server_id IS NOT NULL
           AND (\(scope)::integer IS NULL OR c.scope_id = \(scope))
         GROUP BY c.scope_id, c.server_id
      )
      SELECT coalesce(f.project_id, '') AS project_id,
             count(*) FILTER (WHERE f.deleted_at IS NULL) AS live,
             count(*) AS seen,
             count(*) FILTER (WHERE f.created_at >= (SELECT at FROM start)) AS created,
             count(*) FILTER (WHERE f.deleted_at IS NOT NULL) AS deleted,
             coalesce(sum(m.n), 0)::bigint AS changes
        FROM f
        LEFT JOIN modified m ON m.scope_id = f.scope_id AND m.server_id = f.server_id
       GROUP BY coalesce(f.project_id, '')
       ORDER BY 1
      """)
    let projects = try projectRows.map { row in
      ProjectChurn(
        projectID: try row.decode("project_id"), live: try row.decode("live"),
        seen: try row.decode("seen"), created: try row.decode("created"),
        deleted: try row.decode("deleted"), changes: try row.decode("changes"))
    }

    guard query.includePeriods else {
      return LifecycleResult(
        query: query, servers: servers, days: days, projects: projects, periods: [])
    }
    let periodRows = try connection.query(
      """
      SELECT v.server_id, s.name, coalesce(v.status, '?') AS status, v.valid_from, v.valid_to,
             v.version_kind
        FROM server_versions v
        JOIN servers s ON s.scope_id = v.scope_id AND s.server_id = v.server_id
       WHERE (\(scope)::integer IS NULL OR s.scope_id = \(scope))
         AND (\(query.project)::text IS NULL OR s.project_id = \(query.project))
         AND (\(query.server)::text IS NULL OR s.server_id::text = lower(\(query.server))
              OR s.name = \(query.server))
         AND v.version_kind <> 'deleted' AND v.valid_from <= \(now)
       ORDER BY s.name NULLS LAST, v.server_id, v.scope_id, v.version_no
      """)
    var periods: [StatusPeriod] = []
    for row in periodRows {
      let period = StatusPeriod(
        serverID: try row.decode("server_id"), name: try row.decode("name"),
        status: try row.decode("status"), from: try row.decode("valid_from"),
        to: try row.decode("valid_to"))
      // Versions that only changed other fields continue the same status period.
      if let last = periods.last, last.serverID == period.serverID, last.status == period.status,
        last.to == period.from
      {
        periods[periods.count - 1].to = period.to
      } else {
        periods.append(period)
      }
    }
    return LifecycleResult(
      query: query, servers: servers, days: days, projects: projects, periods: periods)
  }

  /// Columns of the servers section (the primary one).
  public static let serverColumns: [ReportColumn] = [
    "name", "server_id", "project_id", "status", "status_since", "created_at", "launched_at",
    "first_seen", "terminated_at", "deleted_at", "age", "time_active", "time_shutoff",
    "time_build", "time_error", "time_other", "resizes", "rebuilds", "reboots", "scope_id",
  ].map { ReportColumn($0, inDefaultTable: defaultTableColumns.contains($0)) }

  /// What `-f table` shows without `-c` (a deleted server's status is DELETED).
  public static let defaultTableColumns: Set<String> = [
    "name", "status", "created_at", "age", "time_active", "time_shutoff", "resizes",
    "rebuilds", "reboots",
  ]

  public static func document(_ result: LifecycleResult) -> ReportDocument {
    let query = result.query
    let servers = result.servers.map { server -> [ReportValue] in
      let known = Set(statusColumns)
      let other = server.timeInStatus.filter { !known.contains($0.key) }.map(\.value)
        .reduce(0, +)
      return [
        .text(server.name), .text(server.serverID), .text(server.projectID),
        .text(server.status), .time(server.statusSince), .time(server.createdAt),
        .time(server.launchedAt), .time(server.firstSeen), .time(server.terminatedAt),
        .time(server.deletedAt), .duration(server.age),
      ] + statusColumns.map { .duration(server.timeInStatus[$0] ?? 0) } + [
        .duration(other), .integer(server.resizes), .integer(server.rebuilds),
        .integer(server.reboots), .integer(server.scopeID),
      ]
    }
    func flagged(_ list: [ServerLifecycle]) -> [[ReportValue]] {
      list.map { server in
        [
          .text(server.name), .text(server.serverID), .text(server.projectID),
          .text(server.status), .time(server.statusSince),
          .duration(server.statusSince.map { query.now.timeIntervalSince($0) } ?? 0),
        ]
      }
    }
    let flaggedColumns = ["name", "server_id", "project_id", "status", "since", "for"].map {
      ReportColumn($0)
    }
    let sections = [
      ReportSection(name: "servers", title: "Servers", columns: serverColumns, rows: servers),
      ReportSection(
        name: "daily", title: "Fleet per day (UTC)",
        columns: ["day", "created", "deleted", "fleet_size"].map { ReportColumn($0) },
        rows: result.days.map {
          [.text($0.day), .integer($0.created), .integer($0.deleted), .integer($0.fleetSize)]
        }),
      ReportSection(
        name: "stuck",
        title:
          "Stuck in BUILD or ERROR for more than \(ReportFormatting.duration(query.stuckAfter))",
        columns: flaggedColumns, rows: flagged(result.stuck)),
      ReportSection(
        name: "stopped",
        title: "SHUTOFF for more than \(ReportFormatting.duration(query.stoppedFor))",
        columns: flaggedColumns, rows: flagged(result.stopped)),
      ReportSection(
        name: "projects", title: "Churn per project",
        columns: ["project_id", "live", "seen", "created", "deleted", "changes", "churn_rate"]
          .map { ReportColumn($0) },
        rows: result.projects.map {
          [
            .text($0.projectID), .integer($0.live), .integer($0.seen), .integer($0.created),
            .integer($0.deleted), .integer($0.changes), .number($0.churnRate),
          ]
        }),
      ReportSection(
        name: "periods", title: "Status periods",
        columns: ["name", "server_id", "status", "from", "to"].map { ReportColumn($0) },
        rows: result.periods.map {
          [.text($0.name), .text($0.serverID), .text($0.status), .time($0.from), .time($0.to)]
        }, inTable: false),
    ]
    return ReportDocument(
      report: "lifecycle", title: "Server lifecycle", generatedAt: query.now,
      parameters: [
        ReportField("scope", query.scopeID.map { .integer($0) } ?? .null),
        ReportField("project", .text(query.project)),
        ReportField("server", .text(query.server)),
        ReportField("stuck_after", .duration(query.stuckAfter)),
        ReportField("stopped_for", .duration(query.stoppedFor)),
      ],
      summary: [
        ReportField("servers", .integer(result.servers.count)),
        ReportField("live", .integer(result.servers.filter { $0.deletedAt == nil }.count)),
        ReportField("deleted", .integer(result.servers.filter { $0.deletedAt != nil }.count)),
        ReportField("stuck", .integer(result.stuck.count)),
        ReportField("stopped", .integer(result.stopped.count)),
      ],
      sections: sections, charts: charts(result))
  }

  /// Fleet size, creations and deletions per day, and a status timeline (first 60 servers).
  static func charts(_ result: LifecycleResult) -> [ReportChart] {
    let days = result.days
    var charts: [ReportChart] = [
      .line(
        title: "Fleet size (live servers at the end of each day)", series: "servers",
        points: days.map {
          ChartPoint(label: String($0.day.dropFirst(5)), value: Double($0.fleetSize))
        }),
      .bars(
        title: "Servers created and deleted per day",
        labels: days.map { String($0.day.dropFirst(5)) },
        series: [
          ChartSeries(name: "created", values: days.map { Double($0.created) }),
          ChartSeries(name: "deleted", values: days.map { Double($0.deleted) }),
        ]),
    ]
    var lanes: [TimelineLane] = []
    var order: [String] = []
    var spans: [String: [TimelineSpan]] = [:]
    var names: [String: String] = [:]
    for period in result.periods {
      if spans[period.serverID] == nil {
        // Only the first 60 servers get a lane; skip the rest without building theirs.
        guard order.count < 60 else { continue }
        order.append(period.serverID)
        names[period.serverID] = period.name ?? String(period.serverID.prefix(8))
      }
      spans[period.serverID, default: []].append(
        TimelineSpan(from: period.from, to: period.to ?? result.query.now, state: period.status))
    }
    for id in order.prefix(60) {
      lanes.append(TimelineLane(label: names[id] ?? id, spans: spans[id] ?? []))
    }
    if let start = result.periods.map(\.from).min() {
      charts.append(
        .timeline(
          title: "Status per server", start: start, end: result.query.now, lanes: lanes))
    }
    return charts
  }
}
