import Foundation
import Ledger
import PostgresClient
import TestSupport
import Testing

@testable import Reports

/// The reports read what the ledger itself writes (Staging + LedgerStore.apply), not only the
/// hand-written fixture. Timestamps come from the database clock here, so no goldens.
@Suite("reports over a ledger-written history")
struct LedgerWrittenHistoryTests {
  static let serverA = "00000000-0000-4000-8000-0000000000a1"
  static let serverB = "00000000-0000-4000-8000-0000000000b1"

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
      name: "t", authURL: "http://keystone.test/v3", region: "RegionOne", projectID: "")
  }

  func record(_ id: String, _ columns: [String: String]) -> ServerRecord {
    var values = [String?](repeating: nil, count: ServerColumns.nova.count)
    for (name, value) in columns {
      if let index = ServerColumns.nova.firstIndex(where: { $0.name == name }) {
        values[index] = value
      }
    }
    return ServerRecord(
      id: id, status: columns["status"], updatedAt: nil, isPartial: false, values: values,
      rawJSON: "{\"id\":\"\(id)\"}")
  }

  func server(_ name: String, status: String, flavor: String = "m1.small") -> [String: String] {
    [
      "name": name, "status": status, "project_id": "p1", "user_id": "u1",
      "flavor_name": flavor, "created_at": "2026-01-01T00:00:00Z",
    ]
  }

  @discardableResult
  func sync(_ servers: [ServerRecord]) throws -> (runID: Int64, startedAt: Date) {
    let run = try store.beginRun(
      scopeID: scopeID, mode: "full", dryRun: false, hostname: "test", pid: 1, version: "test")
    try Staging.create(on: connection)
    try Staging.stageServerPage(servers, scopeID: scopeID, on: connection)
    let context = ApplyContext(
      scopeID: scopeID, runID: run.runID, observedAt: run.startedAt, allProjects: true,
      fullRun: true, havePorts: false, haveVolumes: false, haveSecurityGroups: false)
    try store.apply(context, runUpdates: ["servers_seen": servers.count])
    return run
  }

  @Test func driftLifecycleAndHistoryReadTheLedgersOwnRows() throws {
    let first = try sync([
      record(Self.serverA, server("a", status: "ACTIVE")),
      record(Self.serverB, server("b", status: "ACTIVE")),
    ])
    try sync([
      record(Self.serverA, server("a", status: "SHUTOFF", flavor: "m1.large")),
      record(Self.serverB, server("b", status: "DELETED")),
    ])
    let now = Date().addingTimeInterval(60)
    let drift = try DriftReport.run(
      DriftQuery(
        scopeID: scopeID,
        since: try PointSpec.parse("run:\(first.runID)").resolve(
          on: connection, scopeID: scopeID, now: now),
        until: ResolvedPoint(date: now, label: "now")),
      on: connection)
    #expect(drift.rows.filter { $0.change == .removed }.map(\.name) == ["b"])
    #expect(
      Set(drift.rows.filter { $0.change == .changed }.compactMap(\.field))
        == ["status", "flavor_name"])
    #expect(drift.summaryLine == "Drift: 0 added, 1 removed, 1 changed.")

    let lifecycle = try LifecycleReport.run(
      LifecycleQuery(scopeID: scopeID, now: now), on: connection)
    let b = try #require(lifecycle.servers.first { $0.name == "b" })
    #expect(b.deletedAt != nil && b.status == "DELETED")
    #expect(lifecycle.days.last?.fleetSize == 1)

    let history = try HistoryReport.run(server: "a", scopeID: scopeID, on: connection)
    #expect(history.events.map(\.kind) == ["created", "modified", "modified"])
    #expect(history.events.last?.versionNo == 2)
    for format in [ReportFormat.table, .json, .csv, .html] {
      #expect(
        !(try ReportRenderer.render(LifecycleReport.document(lifecycle), format: format)).isEmpty)
    }
  }
}
