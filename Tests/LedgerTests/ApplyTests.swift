import Foundation
import Ledger
import PostgresClient
import TestSupport
import Testing

/// A migrated temporary database with one scope.
final class LedgerDatabase: @unchecked Sendable {
  let database: TemporaryDatabase
  let connection: PostgresConnection
  let store: LedgerStore
  let scopeID: Int

  init() throws {
    database = try TemporaryDatabase()
    connection = try database.connect()
    try Migrator(directory: TemporaryDatabase.migrationsDirectory).migrate(on: connection)
    store = LedgerStore(connection: connection)
    scopeID = try store.scopeID(
      name: "test", authURL: "http://keystone.test/v3", region: "RegionOne", projectID: "")
  }

  deinit {
    connection.close()
    database.drop()
  }

  /// Stages the given state and applies it as one run; returns the counts and the run id.
  @discardableResult
  func sync(
    _ servers: [ServerRecord], ports: [[String?]] = [], floatingIPs: [[String?]] = [],
    attachments: [[String?]] = [], notFound: [String] = [], allProjects: Bool = true,
    havePorts: Bool = true
  ) throws -> (ApplyCounts, Int64) {
    let run = try store.beginRun(
      scopeID: scopeID, mode: "full", dryRun: false, hostname: "test", pid: 1, version: "test")
    try Staging.create(on: connection)
    try Staging.stageServerPage(servers, scopeID: scopeID, on: connection)
    // Port rows as the normalizer makes them: the fingerprint of the other columns last.
    let portRows = ports.map { $0 + [Fingerprint.byteaText(Fingerprint.sha256(fields: $0))] }
    try Staging.copy(
      portRows, into: "stage_ports", columns: Staging.Columns.ports, on: connection)
    try Staging.copy(
      floatingIPs, into: "stage_fips", columns: Staging.Columns.floatingIPs, on: connection)
    try Staging.copy(
      attachments, into: "stage_attachments", columns: Staging.Columns.attachments,
      on: connection)
    try Staging.copy(
      notFound.map { [$0] }, into: "stage_not_found", columns: ["server_id"], on: connection)
    let context = ApplyContext(
      scopeID: scopeID, runID: run.runID, observedAt: run.startedAt, allProjects: allProjects,
      fullRun: true, havePorts: havePorts, haveVolumes: true, haveSecurityGroups: true)
    let counts = try store.apply(context, runUpdates: ["servers_seen": servers.count])
    return (counts, run.runID)
  }

  func changes(run: Int64) throws -> [String] {
    try connection.query(
      """
      SELECT change_kind || ' ' || entity_id || ' ' || coalesce(field, '-') || ' '
             || coalesce(old_value::text, 'null') || ' -> ' || coalesce(new_value::text, 'null')
             AS line
        FROM changes WHERE run_id = \(run) ORDER BY change_id
      """
    ).map { try $0.decode("line", as: String.self) }
  }

  func scalar<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) throws -> T {
    let row = try #require(try connection.query(query).first)
    return try row.decode(0, as: type)
  }
}

/// Builds a server record from column values (everything else NULL).
func record(_ id: String, _ columns: [String: String], partial: Bool = false) -> ServerRecord {
  var values = [String?](repeating: nil, count: ServerColumns.nova.count)
  for (name, value) in columns {
    if let index = ServerColumns.nova.firstIndex(where: { $0.name == name }) {
      values[index] = value
    }
  }
  let raw = "{\"id\":\"\(id)\",\"status\":\"\(columns["status"] ?? "")\"}"
  return ServerRecord(
    id: id, status: columns["status"], updatedAt: nil, isPartial: partial, values: values,
    rawJSON: raw)
}

let serverA = "00000000-0000-4000-8000-00000000000a"
let serverB = "00000000-0000-4000-8000-00000000000b"
let serverC = "00000000-0000-4000-8000-00000000000c"

func baseline(_ id: String, name: String) -> [String: String] {
  [
    "name": name, "status": "ACTIVE", "vm_state": "active", "power_state": "1",
    "project_id": "p1", "user_id": "u1", "flavor_name": "m1.small",
    "metadata": "{\"env\":\"prod\"}",
    "compute_host": "cmp-1", "created_at": "2026-01-01T00:00:00Z",
  ]
}

@Suite("Apply: staging to history", .serialized)
struct ApplyTests {
  @Test func firstSyncRecordsEveryServerAsCreated() throws {
    let db = try LedgerDatabase()
    let (counts, run) = try db.sync([
      record(serverA, baseline(serverA, name: "a")), record(serverB, baseline(serverB, name: "b")),
    ])
    #expect(counts.serversCreated == 2)
    #expect(counts.serversChanged == 0)
    #expect(counts.changesWritten == 2)
    #expect(try db.changes(run: run).allSatisfy { $0.hasPrefix("created ") })
    #expect(try db.scalar("SELECT count(*) FROM server_versions", as: Int.self) == 2)
    #expect(
      try db.scalar("SELECT status FROM sync_runs WHERE run_id = \(run)", as: String.self)
        == "succeeded")
  }

  @Test func resyncWithoutChangeWritesNothing() throws {
    let db = try LedgerDatabase()
    let fleet = [
      record(serverA, baseline(serverA, name: "a")), record(serverB, baseline(serverB, name: "b")),
    ]
    try db.sync(fleet)
    let (counts, run) = try db.sync(fleet)
    #expect(counts == ApplyCounts(changesWritten: 0, blockHash: counts.blockHash))
    #expect(try db.changes(run: run).isEmpty)
    #expect(try db.scalar("SELECT count(*) FROM server_versions", as: Int.self) == 2)
  }

  @Test func fieldChangesAreRecordedOneRowPerFieldAndMetadataKey() throws {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "a"))])
    var changed = baseline(serverA, name: "a")
    changed["status"] = "SHUTOFF"
    changed["vm_state"] = "stopped"
    changed["power_state"] = "4"
    changed["metadata"] = "{\"env\":\"dev\",\"owner\":\"ops\"}"
    let (counts, run) = try db.sync([record(serverA, changed)])
    #expect(counts.serversChanged == 1)
    let lines = try db.changes(run: run)
    #expect(lines.contains("modified \(serverA) status \"ACTIVE\" -> \"SHUTOFF\""))
    #expect(lines.contains("modified \(serverA) vm_state \"active\" -> \"stopped\""))
    #expect(lines.contains("modified \(serverA) power_state 1 -> 4"))
    #expect(lines.contains("modified \(serverA) metadata.env \"prod\" -> \"dev\""))
    #expect(lines.contains("modified \(serverA) metadata.owner null -> \"ops\""))
    #expect(lines.count == 5)
    #expect(
      try db.scalar(
        "SELECT count(*) FROM server_versions WHERE server_id = \(serverA)::uuid AND valid_to IS NULL",
        as: Int.self) == 1)
    #expect(try db.scalar("SELECT max(version_no) FROM server_versions", as: Int.self) == 2)
  }

  @Test func deletionNeedsNovaWordAndLeavesATombstone() throws {
    let db = try LedgerDatabase()
    try db.sync([
      record(serverA, baseline(serverA, name: "a")), record(serverB, baseline(serverB, name: "b")),
      record(serverC, baseline(serverC, name: "c")),
    ])
    var deleted = baseline(serverA, name: "a")
    deleted["status"] = "DELETED"
    deleted["vm_state"] = "deleted"
    // A listed DELETED record, a 404 for B, and C simply absent: only A and B are deleted.
    let (counts, run) = try db.sync([record(serverA, deleted)], notFound: [serverB])
    #expect(counts.serversDeleted == 2)
    let lines = try db.changes(run: run)
    #expect(lines.filter { $0.hasPrefix("deleted ") }.count == 2)
    #expect(
      try db.scalar(
        "SELECT string_agg(deletion_evidence, ',' ORDER BY server_id) FROM servers WHERE deleted_at IS NOT NULL",
        as: String.self) == "listed-deleted,not-found")
    #expect(try db.scalar("SELECT count(*) FROM current_servers", as: Int.self) == 1)
  }

  @Test func partialRecordsAreNeverApplied() throws {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "a"))])
    let (counts, run) = try db.sync([record(serverA, ["status": "UNKNOWN"], partial: true)])
    #expect(counts.changesWritten == 0)
    #expect(try db.changes(run: run).isEmpty)
    #expect(try db.scalar("SELECT status FROM servers", as: String.self) == "ACTIVE")
  }

  @Test func aRecordThatDiffersOnlyInItsFingerprintIsStagedOnce() throws {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "a"))])
    // The same state with the raw JSON's keys in another order: a new fingerprint, no change.
    var reordered = record(serverA, baseline(serverA, name: "a"))
    reordered = ServerRecord(
      id: reordered.id, status: reordered.status, updatedAt: nil, isPartial: false,
      values: reordered.values, rawJSON: "{\"status\":\"ACTIVE\",\"id\":\"\(serverA)\"}")
    let (counts, run) = try db.sync([reordered])
    #expect(counts.serversChanged == 0)
    #expect(try db.changes(run: run).isEmpty)
    try Staging.create(on: db.connection)
    let staged = try Staging.stageServerPage([reordered], scopeID: db.scopeID, on: db.connection)
    #expect(staged.isEmpty, "the stored fingerprint was refreshed")
  }

  @Test func aRecordWithANulIsRejectedAndTheServerKeepsItsLastState() throws {
    let db = try LedgerDatabase()
    try db.sync([
      record(serverA, baseline(serverA, name: "a")), record(serverB, baseline(serverB, name: "b")),
    ])
    let hostile = record(serverA, baseline(serverA, name: "evil\u{0}name"))
    #expect(hostile.rejection != nil)
    var renamed = baseline(serverB, name: "b2")
    renamed["status"] = "ACTIVE"
    let (counts, _) = try db.sync([hostile, record(serverB, renamed)])
    #expect(counts.serversChanged == 1)
    #expect(counts.serversDeleted == 0)
    #expect(
      try db.scalar("SELECT name FROM servers WHERE server_id = \(serverA)::uuid", as: String.self)
        == "a")
  }

  @Test func adminOnlyFieldsInvisibleToTheRunAreNotChanges() throws {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "a"))])
    var memberView = baseline(serverA, name: "a")
    memberView["compute_host"] = nil
    let (counts, run) = try db.sync([record(serverA, memberView)], allProjects: false)
    #expect(try db.changes(run: run).isEmpty)
    #expect(counts.serversChanged == 0)
    #expect(try db.scalar("SELECT compute_host FROM servers", as: String.self) == "cmp-1")
  }

  @Test func portMovesAreAddressChangesEvenWhenNovaIsUnchanged() throws {
    let db = try LedgerDatabase()
    let fleet = [record(serverA, baseline(serverA, name: "a"))]
    func port(_ ip: String) -> [String?] {
      [
        "10000000-0000-4000-8000-000000000001", serverA, "20000000-0000-4000-8000-000000000001",
        "private", "fa:16:3e:00:00:01", "[{\"ip_address\":\"\(ip)\",\"subnet_id\":null}]",
        "{30000000-0000-4000-8000-000000000001}", "p1",
      ]
    }
    try db.sync(fleet, ports: [port("10.0.0.5")])
    #expect(
      try db.scalar("SELECT host(ip_address) FROM server_addresses", as: String.self)
        == "10.0.0.5")
    let (counts, run) = try db.sync(fleet, ports: [port("10.0.0.9")])
    #expect(counts.serversChanged == 1)
    let lines = try db.changes(run: run)
    #expect(lines.count == 1)
    #expect(lines.first?.contains("addresses") == true)
    #expect(
      try db.scalar("SELECT host(ip_address) FROM server_addresses", as: String.self)
        == "10.0.0.9")
    #expect(try db.scalar("SELECT count(*) FROM server_security_groups", as: Int.self) == 1)
  }

  @Test func relatedOnlyChangesAreFoundAndAnUnchangedRunRecomputesNothing() throws {
    let db = try LedgerDatabase()
    let fleet = [record(serverA, baseline(serverA, name: "a"))]
    let portID = "10000000-0000-4000-8000-000000000001"
    func port(group: String = "30000000-0000-4000-8000-000000000001") -> [String?] {
      [
        portID, serverA, "20000000-0000-4000-8000-000000000001", "private",
        "fa:16:3e:00:00:01", "[{\"ip_address\":\"10.0.0.5\",\"subnet_id\":null}]",
        "{\(group)}", "p1",
      ]
    }
    let floating: [String?] = [
      "40000000-0000-4000-8000-000000000001", "203.0.113.7", "10.0.0.5", portID,
    ]
    let attachment: [String?] = [
      "50000000-0000-4000-8000-000000000001", serverA, "/dev/vdb",
      "60000000-0000-4000-8000-000000000001", "2026-01-02 03:04:05+00", nil,
    ]
    func fields(_ run: Int64) throws -> [String] {
      try db.connection.query(
        "SELECT coalesce(field, change_kind) AS f FROM changes WHERE run_id = \(run) ORDER BY change_id"
      ).map { try $0.decode("f", as: String.self) }
    }
    try db.sync(fleet, ports: [port()])
    #expect(try db.scalar("SELECT count(*) FROM server_ports", as: Int.self) == 1)

    // A floating IP bound to the port: an address change, though the port itself is the same.
    var (counts, run) = try db.sync(fleet, ports: [port()], floatingIPs: [floating])
    #expect(try fields(run) == ["addresses"])
    #expect(try db.scalar("SELECT count(*) FROM server_addresses", as: Int.self) == 2)

    // Nothing changed: nothing written, the port's row untouched.
    (counts, run) = try db.sync(fleet, ports: [port()], floatingIPs: [floating])
    #expect(counts.changesWritten == 0)
    #expect(
      try db.scalar("SELECT last_changed_run FROM server_ports", as: Int64.self) == run - 1)

    // A volume attached, then detached, with Nova's record unchanged.
    (counts, run) = try db.sync(
      fleet, ports: [port()], floatingIPs: [floating], attachments: [attachment])
    #expect(try fields(run) == ["volumes"])
    (counts, run) = try db.sync(
      fleet, ports: [port()], floatingIPs: [floating], attachments: [attachment])
    #expect(counts.changesWritten == 0)
    (counts, run) = try db.sync(fleet, ports: [port()], floatingIPs: [floating])
    #expect(try fields(run) == ["volumes"])
    #expect(try db.scalar("SELECT count(*) FROM server_volumes", as: Int.self) == 0)

    // The port's security group replaced.
    let other = "30000000-0000-4000-8000-000000000002"
    (counts, run) = try db.sync(fleet, ports: [port(group: other)], floatingIPs: [floating])
    #expect(try fields(run) == ["security_group_ids"])
    #expect(
      try db.scalar("SELECT security_group_id::text FROM server_security_groups", as: String.self)
        == other)

    // The port deleted: no addresses, no groups, and the port's row is gone.
    (counts, run) = try db.sync(fleet)
    #expect(Set(try fields(run)) == ["addresses", "security_group_ids"])
    #expect(try db.scalar("SELECT count(*) FROM server_addresses", as: Int.self) == 0)
    #expect(try db.scalar("SELECT count(*) FROM server_ports", as: Int.self) == 0)
  }

  @Test func everyRunSealsABlockAndTheChainVerifies() throws {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "a"))])
    var changed = baseline(serverA, name: "a")
    changed["name"] = "renamed"
    try db.sync([record(serverA, changed)])
    #expect(try db.scalar("SELECT count(*) FROM ledger_blocks", as: Int.self) == 2)
    #expect(
      try db.scalar(
        "SELECT count(*) FROM changes WHERE row_hash <> change_row_hash(changes)", as: Int.self)
        == 0)
  }

  @Test func historyTablesRefuseUpdateAndDelete() throws {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "a"))])
    for statement in [
      "UPDATE changes SET field = 'x'", "DELETE FROM changes", "DELETE FROM server_versions",
      "UPDATE server_versions SET name = 'x'", "UPDATE ledger_blocks SET change_count = 0",
      "TRUNCATE changes",
    ] {
      let error = #expect(throws: PostgresError.self) {
        try db.connection.execute(raw: statement)
      }
      #expect(error?.sqlState == "23001", "\(statement)")
    }
  }
}

@Suite("Verify: tamper evidence", .serialized)
struct VerifyTests {
  func history() throws -> LedgerDatabase {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "a"))])
    var changed = baseline(serverA, name: "a")
    changed["name"] = "renamed"
    try db.sync([record(serverA, changed), record(serverB, baseline(serverB, name: "b"))])
    return db
  }

  @Test func untouchedHistoryVerifies() throws {
    let db = try history()
    let report = try LedgerVerifier(connection: db.connection).verify()
    #expect(report.isIntact, "\(report.problems)")
    #expect(report.blocksChecked == 2)
    #expect(report.changesChecked == 3)
  }

  @Test func rowEditedBySuperuserWithTriggersDisabledIsNamed() throws {
    let db = try history()
    let target = try db.scalar("SELECT max(change_id) FROM changes", as: Int64.self)
    try db.connection.execute(
      raw: """
        SET session_replication_role = replica;
        UPDATE changes SET new_value = '"innocent"' WHERE change_id = \(target);
        SET session_replication_role = origin;
        """)
    let report = try LedgerVerifier(connection: db.connection).verify()
    #expect(!report.isIntact)
    #expect(report.problems.first?.hasPrefix("change \(target) ") == true, "\(report.problems)")
  }

  @Test func removingTheLastRunsRowsAndBlockTogetherIsDetected() throws {
    let db = try history()
    let last = try db.scalar("SELECT max(run_id) FROM ledger_blocks", as: Int64.self)
    try db.connection.execute(
      raw: """
        SET session_replication_role = replica;
        DELETE FROM changes WHERE run_id = \(last);
        DELETE FROM ledger_blocks WHERE run_id = \(last);
        SET session_replication_role = origin;
        """)
    let report = try LedgerVerifier(connection: db.connection).verify()
    #expect(
      report.problems.contains { $0.contains("run \(last)") && $0.contains("block is missing") },
      "\(report.problems)")
  }

  @Test func rowDeletedBySuperuserBreaksItsBlock() throws {
    let db = try history()
    try db.connection.execute(
      raw: """
        SET session_replication_role = replica;
        DELETE FROM changes WHERE change_id = (SELECT min(change_id) FROM changes);
        SET session_replication_role = origin;
        """)
    let report = try LedgerVerifier(connection: db.connection).verify()
    #expect(report.problems.contains { $0.contains("changes but") }, "\(report.problems)")
  }
}

@Suite("Apply: deletions and related state", .serialized)
struct DeletionRelatedTests {
  @Test func serverConfirmedGoneWhosePortsVanishedIsDeletedNotModified() throws {
    let db = try LedgerDatabase()
    let port: [String?] = [
      "10000000-0000-4000-8000-000000000001", serverA, "20000000-0000-4000-8000-000000000001",
      "private", "fa:16:3e:00:00:01", "[{\"ip_address\":\"10.0.0.5\",\"subnet_id\":null}]",
      "{}", "p1",
    ]
    try db.sync(
      [
        record(serverA, baseline(serverA, name: "a")),
        record(serverB, baseline(serverB, name: "b")),
      ],
      ports: [port])
    // A is gone: not listed, its port released, Nova answers 404.
    let (counts, run) = try db.sync(
      [record(serverB, baseline(serverB, name: "b"))], notFound: [serverA])
    #expect(counts.serversDeleted == 1)
    #expect(counts.serversChanged == 0)
    let lines = try db.changes(run: run)
    #expect(lines.count == 1)
    #expect(lines.first?.hasPrefix("deleted \(serverA)") == true)
    #expect(try db.scalar("SELECT count(*) FROM server_addresses", as: Int.self) == 0)
  }

  @Test func listedDeletedServerGetsOneDeletedRowNotFieldRows() throws {
    let db = try LedgerDatabase()
    try db.sync([record(serverA, baseline(serverA, name: "a"))])
    var deleted = baseline(serverA, name: "a")
    deleted["status"] = "DELETED"
    deleted["vm_state"] = "deleted"
    deleted["terminated_at"] = "2026-02-01T00:00:00Z"
    let (_, run) = try db.sync([record(serverA, deleted)])
    let lines = try db.changes(run: run)
    #expect(lines.count == 1, "\(lines)")
    #expect(
      try db.scalar(
        "SELECT version_kind FROM server_versions WHERE valid_to IS NULL", as: String.self)
        == "deleted")
  }
}
