import Foundation
import Ledger
import PostgresClient
import TestSupport
import Testing

@Suite("Schema: the documented interface", .serialized)
struct SchemaTests {
  @Test func everyTableViewAndColumnIsDocumented() throws {
    let db = try LedgerDatabase()
    let undocumented = try db.connection.query(
      """
      SELECT c.relname || coalesce('.' || a.attname, '') AS name
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE c.relkind IN ('r', 'v')
         AND (obj_description(c.oid) IS NULL
              OR (a.attname IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))
       ORDER BY 1
      """
    ).map { try $0.decode("name", as: String.self) }
    #expect(undocumented.isEmpty, "\(undocumented)")
  }

  @Test func serverColumnListMatchesTheTables() throws {
    let db = try LedgerDatabase()
    for table in ["servers", "server_versions"] {
      let columns = Set(
        try db.connection.query(
          """
          SELECT column_name::text AS c FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name = \(table)
          """
        ).map { try $0.decode("c", as: String.self) })
      #expect(Set(ServerColumns.all).isSubset(of: columns), "\(table)")
      let types = try db.connection.query(
        """
        SELECT a.attname::text AS c, format_type(a.atttypid, a.atttypmod) AS t
          FROM pg_attribute a WHERE a.attrelid = \(table)::regclass AND a.attnum > 0
        """)
      var byName: [String: String] = [:]
      for row in types { byName[try row.decode("c", as: String.self)] = try row.decode("t") }
      for column in ServerColumns.nova + ServerColumns.related {
        let expected = column.sqlType == "timestamptz" ? "timestamp with time zone" : column.sqlType
        #expect(byName[column.name] == expected, "\(table).\(column.name)")
      }
    }
  }

  @Test func auditorRoleReadsEverythingAndWritesNothing() throws {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "a"))])
    try db.connection.execute(raw: "SET ROLE stackledger_auditor")
    defer { try? db.connection.execute(raw: "RESET ROLE") }
    #expect(try db.scalar("SELECT count(*) FROM current_servers", as: Int.self) == 1)
    #expect(try db.scalar("SELECT count(*) FROM changes", as: Int.self) == 1)
    #expect(try db.scalar("SELECT count(*) FROM servers_as_of(now())", as: Int.self) == 1)
    for statement in [
      "INSERT INTO scopes (name, auth_url) VALUES ('x', 'y')",
      "UPDATE servers SET name = 'x'", "DELETE FROM sync_runs",
      "INSERT INTO changes (scope_id, run_id, observed_at, entity_type, entity_id, change_kind, row_hash) VALUES (1, 1, now(), 'server', 'x', 'created', '')",
      "CREATE TABLE auditor_was_here (x int)",
    ] {
      let error = #expect(throws: PostgresError.self) {
        try db.connection.execute(raw: statement)
      }
      #expect(error?.sqlState == "42501", "\(statement): \(String(describing: error))")
    }
  }

  @Test func serverAsOfATimeComesFromOneVersionPerServer() throws {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "first"))])
    let between = try db.scalar("SELECT clock_timestamp()", as: Date.self)
    var renamed = baseline(serverA, name: "second")
    renamed["status"] = "SHUTOFF"
    try db.sync([record(serverA, renamed)])
    #expect(
      try db.scalar("SELECT name FROM servers_as_of(\(between))", as: String.self) == "first")
    #expect(try db.scalar("SELECT name FROM servers_as_of(now())", as: String.self) == "second")
  }

  @Test func abandonedRunsAreMarkedByTheNextRun() throws {
    let db = try LedgerDatabase()
    let stale = try db.store.beginRun(
      scopeID: db.scopeID, mode: "full", dryRun: false, hostname: "gone", pid: 99, version: "x")
    #expect(try db.store.abandonStaleRuns(scopeID: db.scopeID) == 1)
    #expect(
      try db.scalar("SELECT status FROM sync_runs WHERE run_id = \(stale.runID)", as: String.self)
        == "abandoned")
  }
}
