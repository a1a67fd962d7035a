import Foundation
import PostgresClient
import Testing

@testable import Reports

@Suite("history")
struct HistoryReportTests {
  let fixture: ReportFixture

  init() throws {
    fixture = try ReportFixture()
  }

  @Test func timelineShowsChangesWithWhoDidThem() throws {
    let result = try HistoryReport.run(server: "web-1", scopeID: nil, on: fixture.connection)
    #expect(result.server.serverID == "11111111-0000-4000-8000-000000000001")
    let stop = try #require(result.events.first { $0.field == "status" })
    #expect(stop.action == "stop" && stop.userID == "u-alice" && stop.requestID == "req-w1-stop")
    #expect(stop.versionNo == 2)
    // The reboot changed nothing the ledger records: it appears as a bare action.
    let reboot = try #require(result.events.first { $0.kind == "action" })
    #expect(reboot.action == "reboot" && reboot.requestID == "req-w1-reboot")
    #expect(result.events.map(\.time) == result.events.map(\.time).sorted())
  }

  @Test func findsServersByIdOrUniqueName() throws {
    let byID = try HistoryReport.run(
      server: "11111111-0000-4000-8000-000000000002", scopeID: 1, on: fixture.connection)
    #expect(byID.server.name == "web-2")
    #expect(byID.server.deletionEvidence == "listed-deleted")
    #expect(throws: ReportError.serverNotFound("nope")) {
      try HistoryReport.run(server: "nope", scopeID: nil, on: fixture.connection)
    }
    #expect(throws: ReportError.serverNotFound("web-1")) {
      try HistoryReport.run(server: "web-1", scopeID: 2, on: fixture.connection)
    }
  }

  @Test func ambiguousNamesAskForAnId() throws {
    try fixture.connection.execute(
      """
      INSERT INTO servers (scope_id, server_id, name, version_no, first_seen_run, last_changed_run)
      VALUES (2, '22222222-0000-4000-8000-000000000002', 'web-1', 1, 7, 7)
      """)
    #expect(throws: ReportError.self) {
      try HistoryReport.run(server: "web-1", scopeID: nil, on: fixture.connection)
    }
    #expect(
      try HistoryReport.run(server: "web-1", scopeID: 1, on: fixture.connection).server.scopeID == 1
    )
  }

  @Test func goldenOutputInEveryFormat() throws {
    let result = try HistoryReport.run(server: "web-1", scopeID: nil, on: fixture.connection)
    let document = HistoryReport.document(result, generatedAt: ReportFixture.now)
    try expectGolden(
      try ReportRenderer.render(document, format: .table, width: 120), "history.table.txt")
    try expectGolden(try ReportRenderer.render(document, format: .json), "history.json")
    try expectGolden(try ReportRenderer.render(document, format: .csv), "history.csv")
    try expectGolden(try ReportRenderer.render(document, format: .html), "history.html")
  }
}

@Suite("runs and baselines")
struct RunsAndBaselinesTests {
  let fixture: ReportFixture

  init() throws {
    fixture = try ReportFixture()
  }

  @Test func runsAreNewestFirstWithDurations() throws {
    let runs = try RunsReport.run(scopeID: nil, limit: 3, on: fixture.connection)
    #expect(runs.map(\.runID) == [6, 5, 4])
    #expect(runs[0].status == "failed" && runs[0].error?.contains("503") == true)
    #expect(runs[1].duration == 125)
    #expect(try RunsReport.run(scopeID: 2, limit: 10, on: fixture.connection).map(\.runID) == [7])
  }

  @Test func runsGoldenOutputInEveryFormat() throws {
    let runs = try RunsReport.run(scopeID: nil, limit: 20, on: fixture.connection)
    let document = RunsReport.document(
      runs, scopeID: nil, limit: 20, generatedAt: ReportFixture.now)
    try expectGolden(
      try ReportRenderer.render(document, format: .table, width: 120), "runs.table.txt")
    try expectGolden(try ReportRenderer.render(document, format: .json), "runs.json")
    try expectGolden(try ReportRenderer.render(document, format: .csv), "runs.csv")
    try expectGolden(try ReportRenderer.render(document, format: .html), "runs.html")
  }

  @Test func baselineSetMovesAndListsAndDriftUsesIt() throws {
    let connection = fixture.connection
    try Baselines.set(
      name: "release", at: ReportFixture.date("2026-03-06T12:00:00Z"), note: "v1",
      scopeID: 1, createdAt: ReportFixture.now, on: connection)
    try Baselines.set(
      name: "release", at: ReportFixture.date("2026-03-08T12:00:00Z"), note: "v2",
      scopeID: 1, createdAt: ReportFixture.now, on: connection)
    let list = try Baselines.list(scopeID: 1, on: connection)
    #expect(list.map(\.name) == ["before-stop", "release"])
    #expect(list.last?.note == "v2")
    let since = try PointSpec.parse("release").resolve(
      on: connection, scopeID: 1, now: ReportFixture.now)
    #expect(since.date == ReportFixture.date("2026-03-08T12:00:00Z"))
    let result = try DriftReport.run(
      DriftQuery(
        scopeID: 1, since: since, until: ResolvedPoint(date: ReportFixture.now, label: "now")),
      on: connection)
    #expect(!result.hasDrift)
    #expect(throws: ReportError.self) {
      try Baselines.set(
        name: "run:3", at: ReportFixture.now, note: nil, scopeID: 1, createdAt: ReportFixture.now,
        on: connection)
    }
    let document = Baselines.document(list, generatedAt: ReportFixture.now)
    try expectGolden(
      try ReportRenderer.render(document, format: .table, width: 120), "baselines.table.txt")
  }

  @Test func defaultScopeNeedsExactlyOne() throws {
    #expect(throws: ReportError.self) { try Baselines.defaultScope(on: fixture.connection) }
  }
}
