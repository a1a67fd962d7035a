public import Foundation

/// A column of a report section: its name (what `-c` selects) and whether a table shows it
/// when no `-c` is given.
public struct ReportColumn: Sendable, Equatable {
  public let name: String
  /// Shown by `-f table` without `-c`; csv, json and html always write every column.
  public let inDefaultTable: Bool

  public init(_ name: String, inDefaultTable: Bool = true) {
    self.name = name
    self.inDefaultTable = inDefaultTable
  }
}

/// One table of a report: named columns and rows of typed cells.
public struct ReportSection: Sendable, Equatable {
  /// Stable identifier (`servers`, `daily`, ...): the json key and the `--section` value.
  public var name: String
  /// Heading for tables and html.
  public var title: String
  public var columns: [ReportColumn]
  /// Cells in column order.
  public var rows: [[ReportValue]]
  /// Whether `-f table` prints the section when the whole report is shown.
  public var inTable: Bool

  public init(
    name: String, title: String, columns: [ReportColumn], rows: [[ReportValue]],
    inTable: Bool = true
  ) {
    self.name = name
    self.title = title
    self.columns = columns
    self.rows = rows
    self.inTable = inTable
  }

  public var columnNames: [String] { columns.map(\.name) }

  /// The section with only the named columns, in the order given.
  ///
  /// - Throws: ``ReportError/unknownColumn(_:valid:)`` naming the valid columns.
  public func selecting(_ names: [String]) throws -> ReportSection {
    var indices: [Int] = []
    for name in names {
      guard let index = columns.firstIndex(where: { $0.name == name }) else {
        throw ReportError.unknownColumn(name, valid: columnNames)
      }
      indices.append(index)
    }
    var copy = self
    copy.columns = indices.map { ReportColumn(columns[$0].name) }
    copy.rows = rows.map { row in indices.map { row[$0] } }
    return copy
  }

  /// The columns a table shows when no `-c` was given.
  func defaultTableColumns() -> ReportSection {
    guard columns.contains(where: { !$0.inDefaultTable }) else { return self }
    let names = columns.filter(\.inDefaultTable).map(\.name)
    return (try? selecting(names)) ?? self
  }
}

/// A chart the html format draws as inline SVG.
public enum ReportChart: Sendable, Equatable {
  /// A line over labelled points (e.g. fleet size per day).
  case line(title: String, series: String, points: [ChartPoint])
  /// Grouped bars: one group per label, one bar per series.
  case bars(title: String, labels: [String], series: [ChartSeries])
  /// One lane per item with coloured spans (e.g. a server's statuses over time).
  case timeline(title: String, start: Date, end: Date, lanes: [TimelineLane])
}

/// A labelled value of a line chart.
public struct ChartPoint: Sendable, Equatable {
  public var label: String
  public var value: Double
  public init(label: String, value: Double) {
    self.label = label
    self.value = value
  }
}

/// A named series of a bar chart, one value per label.
public struct ChartSeries: Sendable, Equatable {
  public var name: String
  public var values: [Double]
  public init(name: String, values: [Double]) {
    self.name = name
    self.values = values
  }
}

/// One lane of a timeline chart.
public struct TimelineLane: Sendable, Equatable {
  public var label: String
  public var spans: [TimelineSpan]
  public init(label: String, spans: [TimelineSpan]) {
    self.label = label
    self.spans = spans
  }
}

/// A span of a timeline lane, coloured by its state.
public struct TimelineSpan: Sendable, Equatable {
  public var from: Date
  public var to: Date
  public var state: String
  public init(from: Date, to: Date, state: String) {
    self.from = from
    self.to = to
    self.state = state
  }
}

/// A finished report, independent of the output format: what every renderer reads.
public struct ReportDocument: Sendable, Equatable {
  /// `drift`, `lifecycle`, `history`, `runs` or `baselines`.
  public var report: String
  public var title: String
  /// The "now" the report was computed for (passed in, never read from the clock).
  public var generatedAt: Date
  /// What the report was asked for, in order (`since`, `until`, `project`, ...).
  public var parameters: [ReportField]
  /// Totals (e.g. drift's added/removed/changed counts), in order.
  public var summary: [ReportField]
  /// The first section is the primary one (what csv writes, what `-c` applies to).
  public var sections: [ReportSection]
  public var charts: [ReportChart]
  /// A closing line for text formats, e.g. `Drift: 3 added, 2 removed, 5 changed.`
  public var footer: String?

  public init(
    report: String, title: String, generatedAt: Date, parameters: [ReportField] = [],
    summary: [ReportField] = [], sections: [ReportSection], charts: [ReportChart] = [],
    footer: String? = nil
  ) {
    self.report = report
    self.title = title
    self.generatedAt = generatedAt
    self.parameters = parameters
    self.summary = summary
    self.sections = sections
    self.charts = charts
    self.footer = footer
  }

  /// The document reduced to one section (`--section`), which becomes the primary one.
  ///
  /// - Throws: ``ReportError/unknownSection(_:valid:)``.
  public func only(section name: String) throws -> ReportDocument {
    guard let section = sections.first(where: { $0.name == name }) else {
      throw ReportError.unknownSection(name, valid: sections.map(\.name))
    }
    var copy = self
    copy.sections = [section]
    copy.sections[0].inTable = true
    return copy
  }

  /// The document with only the named columns in its primary section (`-c`).
  public func selecting(columns names: [String]) throws -> ReportDocument {
    guard !names.isEmpty, let first = sections.first else { return self }
    var copy = self
    copy.sections[0] = try first.selecting(names)
    copy.sections[0].columns = copy.sections[0].columns.map { ReportColumn($0.name) }
    return copy
  }
}

/// A named value of a report's parameters or summary.
public struct ReportField: Sendable, Equatable {
  public var name: String
  public var value: ReportValue
  public init(_ name: String, _ value: ReportValue) {
    self.name = name
    self.value = value
  }
}

/// What went wrong while preparing a report. Usage errors (bad column, bad time) map to exit
/// code 64 in the CLI.
public enum ReportError: Error, Equatable, CustomStringConvertible {
  case unknownColumn(String, valid: [String])
  case unknownSection(String, valid: [String])
  case unknownFormat(String, valid: [String])
  /// A `--since`/`--until`/`--at` value that is neither a time, a run nor a baseline.
  case invalidPoint(String, reason: String)
  case serverNotFound(String)
  case ambiguousServer(String, candidates: [String])
  case invalidArgument(String)

  public var description: String {
    switch self {
    case .unknownColumn(let name, let valid):
      return "unknown column '\(name)'; valid columns: \(valid.joined(separator: ", "))"
    case .unknownSection(let name, let valid):
      return "unknown section '\(name)'; valid sections: \(valid.joined(separator: ", "))"
    case .unknownFormat(let name, let valid):
      return "unknown format '\(name)'; valid formats: \(valid.joined(separator: ", "))"
    case .invalidPoint(let text, let reason):
      return "'\(text)' is not a point in time: \(reason)"
    case .serverNotFound(let text):
      return "no server with id or name '\(text)' in the ledger"
    case .ambiguousServer(let text, let candidates):
      return "the name '\(text)' matches \(candidates.count) servers; use an id: "
        + candidates.joined(separator: ", ")
    case .invalidArgument(let message):
      return message
    }
  }

  /// Whether the CLI should treat it as a usage error (exit 64).
  public var isUsageError: Bool {
    switch self {
    case .serverNotFound: return false
    default: return true
    }
  }
}
