import Foundation
import PostgresClient
import Reports

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The options every report command shares: `-f`, `-c`, `--scope`, `--now`, `--database-url`.
struct ReportOptions {
  var format: ReportFormat
  var columns: [String]
  var scopeID: Int?
  var now: Date
  var database: DatabaseOptions

  init(
    parsing arguments: inout Arguments, formats: [ReportFormat], defaultFormat: ReportFormat
  ) throws {
    let formatText = try arguments.option("-f", "--format") ?? defaultFormat.rawValue
    do {
      format = try ReportFormat.parse(formatText, valid: formats)
    } catch let error as ReportError {
      throw UsageError(error.description)
    }
    columns = try arguments.options("-c", "--column")
    if let scope = try arguments.option("--scope") {
      guard let value = Int(scope) else { throw UsageError("--scope takes a number") }
      scopeID = value
    }
    if let text = try arguments.option("--now") {
      guard let date = try? Date(postgresText: text) else {
        throw UsageError("--now takes an ISO-8601 time such as 2026-03-10T00:00:00Z")
      }
      now = date
    } else {
      now = Date()
    }
    database = try DatabaseOptions(parsing: &arguments)
  }

  /// Renders and prints a document in the chosen format.
  func print(_ document: ReportDocument) throws {
    let text = try ReportOptions.usage {
      try ReportRenderer.render(
        document, format: format, columns: columns, width: TerminalWidth.current())
    }
    FileHandle.standardOutput.write(Data(text.utf8))
  }

  /// Runs `body`, turning report errors that are the caller's mistake into usage errors (64).
  static func usage<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as ReportError where error.isUsageError {
      throw UsageError(error.description)
    }
  }

  static func help(formats: String) -> String {
    """
      -f, --format FORMAT  \(formats)
      -c, --column NAME    show only this column (repeatable, in the order given)
      --scope ID           only this scope (default: every scope)
      --now TIME           compute the report as of this time (default: the clock)
    \(DatabaseOptions.help)
    Times are UTC ISO-8601. Tables fit $COLUMNS or the terminal (120 when not a terminal).
    json: {"report", "title", "generated_at", "parameters", "summary", "columns", "rows",
    "sections", "footer"}; rows are objects keyed by column, times ISO-8601 strings,
    durations whole seconds. csv: RFC 4180 with a header line and CRLF line ends.
    html: one self-contained page with inline SVG charts.
    """
  }
}

/// The width tables must fit: `$COLUMNS`, else the terminal's, else 120.
enum TerminalWidth {
  static func current() -> Int {
    if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text),
      columns > 0
    {
      return columns
    }
    var size = winsize()
    if isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
      return Int(size.ws_col)
    }
    return 120
  }

  /// The terminal's width when standard output is one; nil otherwise (write lines whole).
  static func terminal() -> Int? {
    isatty(1) == 1 ? current() : nil
  }
}
