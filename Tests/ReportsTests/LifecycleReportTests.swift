import Foundation
import PostgresClient
import Testing

@testable import Reports

@Suite("report lifecycle")
struct LifecycleReportTests {
  let fixture: ReportFixture

  init() throws {
    fixture = try ReportFixture()
  }

  func lifecycle(
    scope: Int? = 1, project: String? = nil, server: String? = nil,
    stoppedFor: TimeInterval = 7 * 86_400
  ) throws -> LifecycleResult {
    try LifecycleReport.run(
      LifecycleQuery(
        scopeID: scope, project: project, server: server, stuckAfter: 3600,
        stoppedFor: stoppedFor, now: ReportFixture.now),
      on: fixture.connection)
  }

  @Test func timeInStatusComesFromTheVersions() throws {
    let result = try lifecycle(server: "web-1")
    let web1 = try #require(result.servers.first)
    // ACTIVE 03-01 06:00 → 03-04 06:00 and 03-08 06:00 → now (03-10 00:00); SHUTOFF in between.
    let active = try #require(web1.timeInStatus["ACTIVE"])
    #expect(active == Double(3 * 86_400 + 42 * 3600), "\(active.bitPattern)")
    #expect(web1.timeInStatus["SHUTOFF"] == Double(4 * 86_400))
    #expect(web1.firstSeen == ReportFixture.date("2026-03-01T06:00:00Z"))
    #expect(web1.statusSince == ReportFixture.date("2026-03-08T06:00:00Z"))
    #expect(
      web1.age == ReportFixture.now.timeIntervalSince(ReportFixture.date("2026-02-20T10:00:00Z")))
  }

  @Test func countsResizesRebuildsAndReboots() throws {
    let result = try lifecycle()
    let byName = Dictionary(
      uniqueKeysWithValues: result.servers.compactMap { s in s.name.map { ($0, s) } })
    #expect(byName["web-1"]?.resizes == 1)
    #expect(byName["web-1"]?.reboots == 1)
    #expect(byName["db-1"]?.rebuilds == 1)
    #expect(byName["idle-1"]?.resizes == 0)
  }

  @Test func findsStuckAndLongStoppedServers() throws {
    let result = try lifecycle()
    #expect(result.stuck.map(\.name) == ["build-1", "err-1"])
    #expect(result.stopped.map(\.name) == ["idle-1"])
    let strict = try lifecycle(stoppedFor: 30 * 86_400)
    #expect(strict.stopped.isEmpty)
  }

  @Test func fleetPerDayCountsCreationsDeletionsAndSize() throws {
    let result = try lifecycle()
    #expect(result.days.first?.day == "2026-03-01")
    #expect(result.days.last?.day == "2026-03-10")
    let byDay = Dictionary(uniqueKeysWithValues: result.days.map { ($0.day, $0) })
    #expect(byDay["2026-03-01"]?.fleetSize == 4)
    #expect(byDay["2026-03-01"]?.created == 1)  // build-1, created 22:00
    #expect(byDay["2026-03-06"]?.deleted == 1)  // web-2
    #expect(byDay["2026-03-08"]?.fleetSize == 6)  // batch-1 gone, app-1 new
    #expect(byDay["2026-03-10"]?.fleetSize == 6)
  }

  @Test func nowIsPassedInAndLaterHistoryIsIgnored() throws {
    let now = ReportFixture.date("2026-03-05T00:00:00Z")
    let result = try LifecycleReport.run(
      LifecycleQuery(scopeID: 1, now: now), on: fixture.connection)
    #expect(result.days.last?.day == "2026-03-05")
    #expect(result.days.last?.fleetSize == 6)
    let web1 = try #require(result.servers.first { $0.name == "web-1" })
    #expect(web1.timeInStatus["SHUTOFF"] == Double(86_400 - 6 * 3600))
    #expect(!result.periods.contains { $0.from > now })
  }

  @Test func churnPerProject() throws {
    let result = try lifecycle()
    let gamma = try #require(result.projects.first { $0.projectID == "p-gamma" })
    #expect(gamma.seen == 2 && gamma.live == 1 && gamma.created == 2 && gamma.deleted == 1)
    #expect(gamma.churnRate == 1.5)
  }

  @Test func filtersByScopeAndProject() throws {
    let beta = try lifecycle(project: "p-beta")
    #expect(Set(beta.servers.compactMap(\.projectID)) == ["p-beta"])
    let all = try lifecycle(scope: nil)
    #expect(all.servers.contains { $0.name == "other-1" })
    #expect(try !lifecycle().servers.contains { $0.name == "other-1" })
  }

  @Test func goldenOutputInEveryFormat() throws {
    let document = LifecycleReport.document(try lifecycle())
    try expectGolden(
      try ReportRenderer.render(document, format: .table, width: 120), "lifecycle.table.txt")
    try expectGolden(try ReportRenderer.render(document, format: .json), "lifecycle.json")
    try expectGolden(try ReportRenderer.render(document, format: .csv), "lifecycle.csv")
    try expectGolden(try ReportRenderer.render(document, format: .html), "lifecycle.html")
    try expectGolden(
      try ReportRenderer.render(try document.only(section: "daily"), format: .csv),
      "lifecycle-daily.csv")
  }
}
