import Foundation
import PostgresClient
import Testing

/// The README's SQL guide runs as written: every `-- name:` query of its ```sql blocks executes
/// as the read-only auditor role against the fixture history, and the tested auditor queries
/// (`AuditorQueries.sql`) appear in the README word for word.
@Suite("README SQL guide")
struct ReadmeSQLTests {
  static let readme: String = {
    let url = ReportFixture.testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("README.md")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  }()

  /// The named queries of the README's ```sql blocks.
  static func readmeQueries() -> [AuditorQueriesTests.Query] {
    var queries: [AuditorQueriesTests.Query] = []
    var inBlock = false
    var name: String?
    var lines: [String] = []
    func flush() {
      if let name { queries.append(.init(name: name, sql: lines.joined(separator: "\n"))) }
      name = nil
      lines = []
    }
    for line in readme.components(separatedBy: "\n") {
      if line.hasPrefix("```") {
        if inBlock { flush() }
        inBlock = line == "```sql" ? !inBlock : false
        continue
      }
      guard inBlock else { continue }
      if line.hasPrefix("-- name: ") {
        flush()
        name = String(line.dropFirst("-- name: ".count)).trimmingCharacters(in: .whitespaces)
      } else if name != nil {
        lines.append(line)
      }
    }
    return queries
  }

  @Test func readmeHasTheTestedAuditorQueries() {
    let inReadme = Dictionary(
      Self.readmeQueries().map { ($0.name, $0.sql) }, uniquingKeysWith: { first, _ in first })
    let tested = AuditorQueriesTests.queries()
    #expect(!tested.isEmpty)
    for query in tested {
      #expect(
        inReadme[query.name]?.trimmingCharacters(in: .whitespacesAndNewlines)
          == query.sql.trimmingCharacters(in: .whitespacesAndNewlines), "\(query.name)")
    }
  }

  @Test(arguments: readmeQueries())
  func readmeQueryRunsAsTheAuditor(query: AuditorQueriesTests.Query) throws {
    let fixture = try ReportFixture()
    try fixture.connection.execute(raw: "SET ROLE stackledger_auditor")
    _ = try fixture.connection.query(PostgresQuery(unsafeSQL: query.sql))
  }
}
