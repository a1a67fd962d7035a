public import PostgresClient

/// Session-local staging tables that a run fills with COPY before it applies anything.
///
/// They are `TEMP` tables: private to the run's connection, gone when it closes, so a run
/// killed halfway leaves nothing behind.
public enum Staging {
  /// Column lists of the non-server staging tables, in COPY order.
  public enum Columns {
    public static let seen = ["server_id", "status", "updated_at", "partial", "fingerprint"]
    public static let ports = [
      "port_id", "server_id", "network_id", "network_name", "mac_address", "fixed_ips",
      "security_group_ids", "project_id", "fingerprint",
    ]
    public static let floatingIPs = ["floating_ip_id", "floating_ip", "fixed_ip", "port_id"]
    public static let volumes = [
      "volume_id", "name", "description", "status", "size_gb", "volume_type", "bootable",
      "encrypted", "multiattach", "availability_zone", "project_id", "created_at", "updated_at",
      "metadata", "fingerprint",
    ]
    public static let attachments = [
      "volume_id", "server_id", "device", "attachment_id", "attached_at", "host_name",
    ]
    public static let securityGroups = [
      "security_group_id", "name", "description", "project_id", "stateful", "revision_number",
      "tags", "created_at", "updated_at", "fingerprint",
    ]
    public static let rules = [
      "rule_id", "security_group_id", "direction", "ethertype", "protocol", "port_range_min",
      "port_range_max", "remote_ip_prefix", "remote_group_id", "remote_address_group_id",
      "description",
    ]
    public static let actions = [
      "server_id", "request_id", "action", "user_id", "project_id", "start_time", "updated_at",
      "message", "events",
    ]
    /// stage_servers: the Nova columns, then raw and fingerprint.
    public static var servers: [String] {
      ["server_id"] + ServerColumns.nova.map(\.name) + ["raw", "fingerprint"]
    }
  }

  /// DDL that (re)creates every staging table for a run.
  static var createSQL: String {
    let novaColumns = ServerColumns.nova.map { "  \($0.name) \($0.sqlType)" }
      .joined(separator: ",\n")
    return """
      DROP TABLE IF EXISTS stage_seen, stage_servers, stage_ports, stage_fips, stage_volumes,
        stage_attachments, stage_sgs, stage_sg_rules, stage_actions, stage_not_found;
      CREATE TEMP TABLE stage_seen (
        server_id uuid NOT NULL, status text, updated_at timestamptz, partial boolean NOT NULL,
        fingerprint bytea NOT NULL);
      CREATE TEMP TABLE stage_servers (
        server_id uuid NOT NULL,
      \(novaColumns),
        raw jsonb NOT NULL,
        fingerprint bytea NOT NULL);
      CREATE TEMP TABLE stage_ports (
        port_id uuid NOT NULL, server_id uuid NOT NULL, network_id uuid, network_name text,
        mac_address macaddr, fixed_ips jsonb NOT NULL, security_group_ids uuid[] NOT NULL,
        project_id text, fingerprint bytea NOT NULL);
      CREATE TEMP TABLE stage_fips (
        floating_ip_id uuid NOT NULL, floating_ip inet NOT NULL, fixed_ip inet, port_id uuid);
      CREATE TEMP TABLE stage_volumes (
        volume_id uuid NOT NULL, name text, description text, status text, size_gb integer,
        volume_type text, bootable boolean, encrypted boolean, multiattach boolean,
        availability_zone text, project_id text, created_at timestamptz, updated_at timestamptz,
        metadata jsonb, fingerprint bytea NOT NULL);
      CREATE TEMP TABLE stage_attachments (
        volume_id uuid NOT NULL, server_id uuid NOT NULL, device text, attachment_id uuid,
        attached_at timestamptz, host_name text);
      CREATE TEMP TABLE stage_sgs (
        security_group_id uuid NOT NULL, name text, description text, project_id text,
        stateful boolean, revision_number integer, tags text[], created_at timestamptz,
        updated_at timestamptz, fingerprint bytea NOT NULL);
      CREATE TEMP TABLE stage_sg_rules (
        rule_id uuid NOT NULL, security_group_id uuid NOT NULL, direction text, ethertype text,
        protocol text, port_range_min integer, port_range_max integer, remote_ip_prefix cidr,
        remote_group_id uuid, remote_address_group_id uuid, description text);
      CREATE TEMP TABLE stage_actions (
        server_id uuid NOT NULL, request_id text NOT NULL, action text NOT NULL, user_id text,
        project_id text, start_time timestamptz, updated_at timestamptz, message text,
        events jsonb);
      CREATE TEMP TABLE stage_not_found (server_id uuid NOT NULL);
      """
  }

  /// Creates (or empties) the staging tables on this connection.
  ///
  /// Temp tables live in the session's local buffers: with PostgreSQL's default 8 MB they
  /// spill to disk at a few thousand servers, so a larger `temp_buffers` is set first (it can
  /// only change before the session's first temp table; later it is left as it is).
  public static func create(on connection: PostgresConnection) throws {
    try? connection.execute(raw: "SET temp_buffers = '512MB'")
    try connection.execute(raw: createSQL)
  }

  /// Indexes and analyzes the staging tables once they are loaded, so the planner knows
  /// their sizes (temp tables are never auto-analyzed) and joins on server ids stay hash or
  /// index joins.
  ///
  /// With `analyzeAll: false` (the apply, after the listings were finished once) only the
  /// tables filled late in a run (confirmed deletions, instance actions) are analyzed again.
  public static func finish(on connection: PostgresConnection, analyzeAll: Bool = true) throws {
    let analyze =
      analyzeAll
      ? """
      ANALYZE stage_seen (server_id), stage_servers (server_id, updated_at, status),
        stage_ports (port_id, server_id), stage_fips (port_id), stage_volumes (volume_id),
        stage_attachments (server_id, volume_id), stage_sgs, stage_sg_rules, stage_actions,
        stage_not_found;
      """
      : "ANALYZE stage_servers (server_id, updated_at, status), stage_actions, stage_not_found;"
    try connection.execute(
      raw: """
        CREATE INDEX IF NOT EXISTS stage_seen_id ON stage_seen (server_id);
        CREATE INDEX IF NOT EXISTS stage_ports_server ON stage_ports (server_id);
        CREATE INDEX IF NOT EXISTS stage_ports_id ON stage_ports (port_id);
        CREATE INDEX IF NOT EXISTS stage_attachments_server ON stage_attachments (server_id);
        CREATE INDEX IF NOT EXISTS stage_not_found_id ON stage_not_found (server_id);
        \(analyze)
        """)
  }

  /// `COPY <table> (<columns>) FROM STDIN`.
  static func copySQL(_ table: String, _ columns: [String]) -> String {
    "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN"
  }

  /// Loads rows into a staging table with COPY; returns the number loaded.
  @discardableResult
  public static func copy(
    _ rows: [[String?]], into table: String, columns: [String], on connection: PostgresConnection
  ) throws -> Int {
    guard !rows.isEmpty else { return 0 }
    return try connection.copyFrom(copySQL(table, columns)) { writer in
      for row in rows { try writer.writeRow(row) }
    }
  }

  /// Stages one page of Nova records: every record into stage_seen, and the full row of those
  /// whose fingerprint differs from the stored one (or that are new) into stage_servers.
  ///
  /// Returns the ids of the records staged in full (new or changed).
  @discardableResult
  public static func stageServerPage(
    _ records: [ServerRecord], scopeID: Int, on connection: PostgresConnection
  ) throws -> [String] {
    guard !records.isEmpty else { return [] }
    let stored = try storedFingerprints(
      ids: records.filter(\.isApplicable).map(\.id), scopeID: scopeID, on: connection)
    let seenRows: [[String?]] = records.map { record in
      [
        record.id, record.status, record.updatedAt.map(\.postgresText),
        record.isApplicable ? "f" : "t", Fingerprint.byteaText(record.fingerprint),
      ]
    }
    try copy(seenRows, into: "stage_seen", columns: Columns.seen, on: connection)
    let changed = records.filter { record in
      record.isApplicable && stored[record.id] != Fingerprint.hex(record.fingerprint)
    }
    let serverRows: [[String?]] = changed.map { record in
      [record.id] + record.values + [record.rawJSON, Fingerprint.byteaText(record.fingerprint)]
    }
    try copy(serverRows, into: "stage_servers", columns: Columns.servers, on: connection)
    return changed.map(\.id)
  }

  /// The stored fingerprints (hex) of the given servers (missing ones are new).
  static func storedFingerprints(
    ids: [String], scopeID: Int, on connection: PostgresConnection
  ) throws -> [String: String] {
    guard !ids.isEmpty else { return [:] }
    let rows = try connection.query(
      """
      SELECT server_id::text AS id, encode(fingerprint, 'hex') AS fingerprint FROM servers
       WHERE scope_id = \(scopeID) AND server_id = ANY(\(ids)::uuid[])
      """)
    var result: [String: String] = [:]
    for row in rows {
      result[try row.decode("id", as: String.self)] = try row.decode(
        "fingerprint", as: String.self)
    }
    return result
  }
}
