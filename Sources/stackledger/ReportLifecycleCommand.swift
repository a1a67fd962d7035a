import Foundation
import Ledger
import Reports

struct ReportLifecycleCommand: Command {
  static let name = "report lifecycle"
  static let abstract = "Each server's life and the fleet's: ages, status times, churn."
  static let usage = """
    Usage: stackledger report lifecycle [--project P] [--server ID|NAME] [--stuck-after 1h]
                                        [--stopped-for 30d] [--section NAME]
                                        [-f table|json|csv|html] [-c COLUMN]...

    Per server: created, launched, first seen, terminated/deleted, age, time spent in each
    status (from the server's versions), resizes, rebuilds and reboots (instance actions, or
    observed flavor/image changes). For the fleet: servers created and deleted per day and
    the fleet size, servers stuck in BUILD or ERROR, servers SHUTOFF for long, churn per
    project. html adds charts: fleet size, creations/deletions per day, a status timeline.

      --project P          only servers of this project
      --server ID|NAME     only this server
      --stuck-after D      BUILD or ERROR for longer than this is stuck (default 1h)
      --stopped-for D      SHUTOFF for longer than this is listed (default 30d)
      --section NAME       only one section: servers, daily, stuck, stopped, projects, periods
                           (csv writes one section: this one, or servers)
    \(ReportOptions.help(formats: "table (default), json, csv or html"))
    Columns of servers: \(LifecycleReport.serverColumns.map(\.name).joined(separator: ", ")).
    A table shows \(LifecycleReport.serverColumns.filter(\.inDefaultTable).map(\.name).joined(separator: ", ")) unless -c says otherwise.
    """

  var project: String?
  var server: String?
  var stuckAfter: TimeInterval = 3600
  var stoppedFor: TimeInterval = 30 * 86_400
  var section: String?
  var options: ReportOptions

  init(parsing arguments: inout Arguments) throws {
    project = try arguments.option("--project")
    server = try arguments.option("--server")
    if let text = try arguments.option("--stuck-after") {
      guard let value = DurationText.parse(text) else {
        throw UsageError("--stuck-after takes a duration such as 1h or 90m, not '\(text)'")
      }
      stuckAfter = value
    }
    if let text = try arguments.option("--stopped-for") {
      guard let value = DurationText.parse(text) else {
        throw UsageError("--stopped-for takes a duration such as 30d or 12h, not '\(text)'")
      }
      stoppedFor = value
    }
    section = try arguments.option("--section")
    options = try ReportOptions(
      parsing: &arguments, formats: [.table, .json, .csv, .html], defaultFormat: .table)
  }

  func run() async throws -> Int32 {
    let connection = try options.database.connect()
    defer { connection.close() }
    // Tables and csv never show the status periods unless that section is asked for.
    let needsPeriods =
      [.json, .html].contains(options.format) || section == "periods"
    let result = try LifecycleReport.run(
      LifecycleQuery(
        scopeID: options.scopeID, project: project, server: server, stuckAfter: stuckAfter,
        stoppedFor: stoppedFor, now: options.now, includePeriods: needsPeriods),
      on: connection)
    var document = LifecycleReport.document(result)
    if let section {
      document = try ReportOptions.usage { try document.only(section: section) }
    }
    try options.print(document)
    return ExitCode.ok
  }
}
