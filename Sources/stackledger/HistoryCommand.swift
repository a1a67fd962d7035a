import Foundation
import Reports

struct HistoryCommand: Command {
  static let name = "history"
  static let abstract = "The timeline of one server: versions, changes and who made them."
  static let usage = """
    Usage: stackledger history SERVER [-f table|json|csv|html] [-c COLUMN]...

    SERVER is a server id or a name that is unique (in --scope, when given). Lists every
    recorded change of the server in order (created, each changed field with old and new
    value, deleted) with the Nova instance action that explains it (action, user, request
    id), and the instance actions that changed nothing the ledger records (e.g. a reboot).
    \(ReportOptions.help(formats: "table (default), json, csv or html"))
    Columns: \(HistoryReport.columns.joined(separator: ", ")).
    """

  var server: String
  var options: ReportOptions

  init(parsing arguments: inout Arguments) throws {
    options = try ReportOptions(
      parsing: &arguments, formats: [.table, .json, .csv, .html], defaultFormat: .table)
    guard let server = arguments.positional() else {
      throw UsageError("history needs a server id or name")
    }
    self.server = server
  }

  func run() async throws -> Int32 {
    let connection = try options.database.connect()
    defer { connection.close() }
    let result = try ReportOptions.usage {
      try HistoryReport.run(server: server, scopeID: options.scopeID, on: connection)
    }
    try options.print(HistoryReport.document(result, generatedAt: options.now))
    return ExitCode.ok
  }
}
