import Foundation
import Reports

struct BaselineCommand: Command {
  static let name = "baseline"
  static let abstract = "Name a point in time for `report drift --since NAME` (set, list)."
  static let usage = """
    Usage: stackledger baseline set NAME [--at T|RUN] [--note TEXT] [--scope ID]
           stackledger baseline list [--scope ID] [-f table|json|csv|html] [-c COLUMN]...

    A baseline is a named point in a scope's history, e.g. the state agreed at a release:
    `stackledger report drift --since NAME` then shows what changed since. Setting an
    existing name moves it.

      --at POINT           the point: an ISO time, a run (run:42), a duration before now
                           (7d) or another baseline (default: now)
      --note TEXT          why the baseline exists (--scope is required when the ledger
                           holds several scopes)
    \(ReportOptions.help(formats: "table (default), json, csv or html"))
    """

  enum Action {
    case set(name: String, at: String?, note: String?)
    case list
  }

  var action: Action
  var options: ReportOptions

  init(parsing arguments: inout Arguments) throws {
    let at = try arguments.option("--at")
    let note = try arguments.option("--note")
    options = try ReportOptions(
      parsing: &arguments, formats: [.table, .json, .csv, .html], defaultFormat: .table)
    switch arguments.positional() {
    case "set":
      guard let name = arguments.positional() else {
        throw UsageError("baseline set needs a NAME")
      }
      action = .set(name: name, at: at, note: note)
    case "list":
      if at != nil || note != nil { throw UsageError("--at and --note go with baseline set") }
      action = .list
    case let other?:
      throw UsageError("unknown baseline action '\(other)' (set or list)")
    case nil:
      throw UsageError("baseline needs an action: set or list")
    }
  }

  func run() async throws -> Int32 {
    let connection = try options.database.connect()
    defer { connection.close() }
    switch action {
    case .list:
      let baselines = try Baselines.list(scopeID: options.scopeID, on: connection)
      try options.print(Baselines.document(baselines, generatedAt: options.now))
    case .set(let name, let at, let note):
      let baseline = try ReportOptions.usage {
        let scope = try options.scopeID ?? Baselines.defaultScope(on: connection)
        let point =
          try at.map {
            try PointSpec.parse($0).resolve(on: connection, scopeID: scope, now: options.now)
          }
          ?? ResolvedPoint(date: options.now, label: "now")
        return try Baselines.set(
          name: name, at: point.date, note: note, scopeID: scope, createdAt: options.now,
          on: connection)
      }
      Console.err(
        "baseline: \(baseline.name) = \(ReportFormatting.iso(baseline.at)) (scope \(baseline.scopeID))"
      )
    }
    return ExitCode.ok
  }
}
