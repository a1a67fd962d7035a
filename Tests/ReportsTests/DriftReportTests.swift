import Foundation
import PostgresClient
import Testing

@testable import Reports

@Suite("report drift")
struct DriftReportTests {
  let fixture: ReportFixture

  init() throws {
    fixture = try ReportFixture()
  }

  func drift(
    since: String, until: String? = nil, scope: Int? = 1, project: String? = nil,
    server: String? = nil, fields: [String] = []
  ) throws -> DriftResult {
    let untilPoint =
      try until.map { try fixture.point($0, scope: scope) }
      ?? ResolvedPoint(date: ReportFixture.now, label: "now (2026-03-10T00:00:00Z)")
    return try DriftReport.run(
      DriftQuery(
        scopeID: scope, since: try fixture.point(since, scope: scope), until: untilPoint,
        project: project, server: server, fields: fields),
      on: fixture.connection)
  }

  @Test func driftIsTheNetChangeBetweenTwoPoints() throws {
    let result = try drift(since: "run:1")
    // batch-1 was created and deleted in between: not drift. web-1 was stopped and started
    // again: its status is not drift, its resize is.
    #expect(
      result.rows.filter { $0.change == .added }.map(\.name) == ["app-1", "build-1", "err-1"])
    #expect(result.rows.filter { $0.change == .removed }.map(\.name) == ["web-2"])
    let web1 = result.rows.filter { $0.name == "web-1" }.compactMap(\.field)
    #expect(!web1.contains("status"))
    #expect(web1.contains("flavor_name") && web1.contains("metadata.tier"))
    #expect(result.summaryLine == "Drift: 3 added, 1 removed, 3 changed.")
    #expect(!result.rows.contains { $0.name == "batch-1" })
  }

  @Test func fieldChangesShowOldAndNewValues() throws {
    let result = try drift(since: "run:1", until: "run:3")
    let status = try #require(result.rows.first { $0.name == "web-1" && $0.field == "status" })
    #expect(status.oldValue == "\"ACTIVE\"" && status.newValue == "\"SHUTOFF\"")
    let plan = DriftReport.plan(result)
    #expect(
      plan.contains(
        "~ server web-1 (11111111-0000-4000-8000-000000000001): status ACTIVE → SHUTOFF"))
  }

  @Test func removedServersCarryTheDeletionEvidence() throws {
    let result = try drift(since: "run:4", until: "run:5")
    let removed = try #require(result.rows.first { $0.change == .removed })
    #expect(removed.name == "batch-1")
    #expect(removed.detail == "deleted 2026-03-08T06:00:00Z (not-found)")
  }

  @Test func sinceAcceptsTimesRunsBaselinesAndDurations() throws {
    #expect(try fixture.point("run:2").date == ReportFixture.date("2026-03-02T06:00:00Z"))
    #expect(try fixture.point("2").date == ReportFixture.date("2026-03-02T06:00:00Z"))
    #expect(try fixture.point("before-stop").date == ReportFixture.date("2026-03-03T00:00:00Z"))
    #expect(try fixture.point("2026-03-05").date == ReportFixture.date("2026-03-05T00:00:00Z"))
    #expect(try fixture.point("2d").date == ReportFixture.date("2026-03-08T00:00:00Z"))
    #expect(throws: ReportError.self) { try fixture.point("no-such-baseline") }
    #expect(throws: ReportError.self) { try fixture.point("run:99") }
  }

  @Test func filtersByProjectServerAndField() throws {
    let beta = try drift(since: "run:1", project: "p-beta")
    #expect(Set(beta.rows.compactMap(\.projectID)) == ["p-beta"])
    let server = try drift(since: "run:1", server: "db-1")
    #expect(Set(server.rows.compactMap(\.name)) == ["db-1"])
    let byID = try drift(since: "run:1", server: "11111111-0000-4000-8000-000000000003")
    #expect(byID.rows == server.rows)
    let status = try drift(since: "run:1", fields: ["status"])
    #expect(status.rows.map(\.name) == ["idle-1"])
    #expect(status.summaryLine == "Drift: 0 added, 0 removed, 1 changed.")
  }

  @Test func scopesAreSeparate() throws {
    let all = try drift(since: "2026-03-01T00:00:00Z", scope: nil)
    #expect(all.rows.contains { $0.name == "other-1" })
    let one = try drift(since: "2026-03-01T00:00:00Z", scope: 1)
    #expect(!one.rows.contains { $0.name == "other-1" })
  }

  @Test func noDriftBetweenTheSamePoint() throws {
    let result = try drift(since: "run:5", until: "run:5")
    #expect(!result.hasDrift)
    #expect(DriftReport.plan(result).hasSuffix("No drift.\n"))
  }

  @Test func goldenOutputInEveryFormat() throws {
    let result = try drift(since: "run:1")
    let document = DriftReport.document(result, generatedAt: ReportFixture.now)
    try expectGolden(DriftReport.plan(result), "drift.plan.txt")
    try expectGolden(
      try ReportRenderer.render(document, format: .table, width: 120), "drift.table.txt")
    try expectGolden(try ReportRenderer.render(document, format: .json), "drift.json")
    try expectGolden(try ReportRenderer.render(document, format: .csv), "drift.csv")
    try expectGolden(try ReportRenderer.render(document, format: .html), "drift.html")
    let narrow = try drift(since: "run:1", until: "run:3")
    try expectGolden(DriftReport.plan(narrow, width: 80), "drift-run1-run3.plan.txt")
  }
}
