import Foundation
import Reports

struct ReportDriftCommand: Command {
  static let name = "report drift"
  static let abstract = "Added, removed and changed servers between two points in time."
  static let usage = """
    Usage: stackledger report drift --since T|RUN|BASELINE [--until T|RUN|BASELINE]
                                    [--project P] [--server ID|NAME] [--field F]...
                                    [--exit-code] [-f plan|table|json|csv|html] [-c COLUMN]...

    Compares the servers as of --since with the servers as of --until (default: now) and
    lists the NET change, like a refresh-only plan: servers added (+), removed (-, with the
    deletion evidence) and changed (~, one line per field, old → new). A change undone in
    between is not drift.

      --since POINT        an ISO time (2026-03-01 or 2026-03-01T06:00:00Z), a sync run
                           (run:42 or 42: the state that run recorded), a duration before now
                           (7d, 24h) or a baseline name (stackledger baseline set NAME)
      --until POINT        the later point, same forms (default: now)
      --project P          only servers of this project
      --server ID|NAME     only this server
      --field F            only changes of this field (repeatable; status, flavor_name,
                           metadata.KEY, ...); added and removed servers are then left out
      --exit-code          exit 2 when there is drift, 0 when there is none (for cron)
    \(ReportOptions.help(formats: "plan (default), table, json, csv or html"))
    Columns: \(DriftReport.columns.joined(separator: ", ")).
    Exit codes: 0 ok (or no drift), 2 drift found with --exit-code, 1 failed, 64 usage.
    """

  var since: String
  var until: String?
  var project: String?
  var server: String?
  var fields: [String]
  var exitCode: Bool
  var options: ReportOptions

  init(parsing arguments: inout Arguments) throws {
    guard let since = try arguments.option("--since") else {
      throw UsageError("--since is required (a time, run:ID or a baseline name)")
    }
    self.since = since
    until = try arguments.option("--until")
    project = try arguments.option("--project")
    server = try arguments.option("--server")
    fields = try arguments.options("--field")
    exitCode = arguments.flag("--exit-code")
    options = try ReportOptions(
      parsing: &arguments, formats: [.plan, .table, .json, .csv, .html], defaultFormat: .plan)
  }

  func validate() throws {
    if options.format == .plan && !options.columns.isEmpty {
      throw UsageError("-c picks columns of -f table, json, csv or html, not of the plan")
    }
  }

  func run() async throws -> Int32 {
    let connection = try options.database.connect()
    defer { connection.close() }
    let now = options.now
    let result = try ReportOptions.usage {
      let sincePoint = try PointSpec.parse(since).resolve(
        on: connection, scopeID: options.scopeID, now: now)
      let untilPoint =
        try until.map {
          try PointSpec.parse($0).resolve(on: connection, scopeID: options.scopeID, now: now)
        } ?? ResolvedPoint(date: now, label: "now (\(ReportFormatting.iso(now)))")
      guard sincePoint.date <= untilPoint.date else {
        throw ReportError.invalidArgument(
          "--since (\(sincePoint.label)) is after --until (\(untilPoint.label))")
      }
      return try DriftReport.run(
        DriftQuery(
          scopeID: options.scopeID, since: sincePoint, until: untilPoint, project: project,
          server: server, fields: fields),
        on: connection)
    }
    if options.format == .plan {
      let text = DriftReport.plan(result, width: TerminalWidth.terminal())
      FileHandle.standardOutput.write(Data(text.utf8))
    } else {
      try options.print(DriftReport.document(result, generatedAt: now))
    }
    return exitCode && result.hasDrift ? ExitCode.drift : ExitCode.ok
  }
}
