import Foundation
import PostgresClient
import Testing

/// The SQL guide's examples (`AuditorQueries.sql`) run as written, as the read-only auditor
/// role, and return the rows the fixture history says they must.
@Suite("auditor queries")
struct AuditorQueriesTests {
  struct Query: CustomStringConvertible, Sendable {
    let name: String
    let sql: String
    var description: String { name }
  }

  static func queries() -> [Query] {
    let url = ReportFixture.testsDirectory.appendingPathComponent("AuditorQueries.sql")
    let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    var queries: [Query] = []
    var name: String?
    var lines: [String] = []
    func flush() {
      if let name { queries.append(Query(name: name, sql: lines.joined(separator: "\n"))) }
      lines = []
    }
    for line in text.components(separatedBy: "\n") {
      if line.hasPrefix("-- name: ") {
        flush()
        name = String(line.dropFirst("-- name: ".count)).trimmingCharacters(in: .whitespaces)
      } else if name != nil {
        lines.append(line)
      }
    }
    flush()
    return queries
  }

  /// Per query: the columns to check and the expected values, row by row.
  static let expected: [String: (columns: [String], rows: [[String?]])] = [
    "server-as-of": (["name", "status", "flavor_name"], [["web-1", "SHUTOFF", "m1.small"]]),
    "security-group-changes": (
      ["run_id", "entity", "change_kind", "field"],
      [
        ["1", "aaaaaaaa-0000-4000-8000-000000000001", "created", nil],
        ["3", "aaaaaaaa-0000-4000-8000-000000000001", "modified", "rules"],
        ["3", "aaaaaaaa-0000-4000-8000-000000000001", "modified", "revision_number"],
      ]
    ),
    "servers-ever-in-error": (
      ["name", "first_seen_in_error", "status_now"],
      [["err-1", "2026-03-04 06:00:00+00", "ERROR"]]
    ),
    "volumes-attached-last-week": (
      ["server", "volume_id", "device", "action_user_id"],
      [["db-1", "bbbbbbbb-0000-4000-8000-000000000001", "/dev/vdb", "u-carol"]]
    ),
    "deleted-servers-with-evidence": (
      ["name", "deletion_evidence", "action", "action_user_id"],
      [
        ["web-2", "listed-deleted", "delete", "u-alice"],
        ["batch-1", "not-found", "delete", "u-bob"],
      ]
    ),
    "changes-by-user": (
      ["server_name", "change_kind", "field", "action"],
      [
        ["idle-1", "modified", "status", "stop"],
        ["idle-1", "modified", "vm_state", "stop"],
        ["err-1", "created", nil, "create"],
        ["web-1", "modified", "status", "start"],
        ["web-1", "modified", "vm_state", "start"],
        ["web-1", "modified", "power_state", "start"],
        ["web-1", "modified", "flavor_name", "confirmResize"],
        ["web-1", "modified", "flavor_vcpus", "confirmResize"],
        ["web-1", "modified", "flavor_ram_mb", "confirmResize"],
        ["web-1", "modified", "flavor_disk_gb", "confirmResize"],
        ["web-1", "modified", "compute_host", "confirmResize"],
        ["batch-1", "deleted", nil, "delete"],
      ]
    ),
  ]

  @Test func everyQueryHasADescriptionAndAnExpectation() throws {
    let queries = Self.queries()
    #expect(Set(queries.map(\.name)) == Set(Self.expected.keys))
    for query in queries {
      let comment = query.sql.components(separatedBy: "\n").first ?? ""
      #expect(comment.hasPrefix("-- "), "\(query.name) starts with a comment saying what it does")
    }
  }

  @Test(arguments: queries())
  func queryReturnsTheExpectedRowsAsTheAuditor(query: Query) throws {
    let fixture = try ReportFixture()
    try fixture.connection.execute(raw: "SET ROLE stackledger_auditor")
    let rows = try fixture.connection.query(PostgresQuery(unsafeSQL: query.sql))
    let expectation = try #require(Self.expected[query.name])
    let actual = rows.map { row in expectation.columns.map { row[$0] } }
    #expect(actual == expectation.rows)
  }
}
