import Foundation
import Reports

struct RunsCommand: Command {
  static let name = "runs"
  static let abstract = "Recent sync runs with status, counts and durations."
  static let usage = """
    Usage: stackledger runs [--limit N] [-f table|json|csv|html] [-c COLUMN]...

    Lists the most recent sync runs, newest first: mode, outcome, when, how long, how many
    servers were seen, created, changed and deleted, and why a run failed.

      --limit N            how many runs (default 20)
    \(ReportOptions.help(formats: "table (default), json, csv or html"))
    Columns: \(RunsReport.columns.map(\.name).joined(separator: ", ")).
    """

  var limit = 20
  var options: ReportOptions

  init(parsing arguments: inout Arguments) throws {
    if let text = try arguments.option("--limit", "-n") {
      guard let value = Int(text), value > 0 else {
        throw UsageError("--limit takes a positive number")
      }
      limit = value
    }
    options = try ReportOptions(
      parsing: &arguments, formats: [.table, .json, .csv, .html], defaultFormat: .table)
  }

  func run() async throws -> Int32 {
    let connection = try options.database.connect()
    defer { connection.close() }
    let runs = try RunsReport.run(scopeID: options.scopeID, limit: limit, on: connection)
    try options.print(
      RunsReport.document(runs, scopeID: options.scopeID, limit: limit, generatedAt: options.now))
    return ExitCode.ok
  }
}
