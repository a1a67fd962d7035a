public import Foundation
internal import Ledger
public import PostgresClient

/// A point in the ledger's history as an operator names it: `--since`, `--until`, `--at`.
///
/// - an ISO-8601 time or date (`2026-03-01`, `2026-03-01T06:00:00Z`, UTC unless an offset is
///   written);
/// - a sync run: `run:42` or a bare integer, meaning that run's start (the state it recorded);
/// - a duration before now: `7d`, `24h`, `90m`;
/// - otherwise the name of a baseline (`stackledger baseline set NAME`).
public enum PointSpec: Sendable, Equatable {
  case time(Date)
  case run(Int64)
  case ago(TimeInterval)
  case baseline(String)

  /// Reads the operator's text; never fails (unknown words are baseline names).
  public static func parse(_ text: String) -> PointSpec {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.lowercased().hasPrefix("run:"), let id = Int64(trimmed.dropFirst(4)) {
      return .run(id)
    }
    if let id = Int64(trimmed) { return .run(id) }
    if let date = try? Date(postgresText: trimmed) { return .time(date) }
    if let first = trimmed.first, first.isNumber, let seconds = DurationText.parse(trimmed) {
      return .ago(seconds)
    }
    return .baseline(trimmed)
  }
}

/// A point resolved to a time, with how it was named.
public struct ResolvedPoint: Sendable, Equatable {
  public var date: Date
  /// E.g. `run 3 (2026-03-04T06:00:00Z)`, `baseline release (...)`, `2026-03-01T00:00:00Z`.
  public var label: String

  public init(date: Date, label: String) {
    self.date = date
    self.label = label
  }
}

extension PointSpec {
  /// The time this point stands for.
  ///
  /// - Parameters:
  ///   - scopeID: baselines are per scope; with `nil` a baseline name must be unique.
  ///   - now: the report's "now", for `ago` points.
  /// - Throws: ``ReportError/invalidPoint(_:reason:)`` for an unknown run or baseline.
  public func resolve(on connection: PostgresConnection, scopeID: Int?, now: Date) throws
    -> ResolvedPoint
  {
    switch self {
    case .time(let date):
      return ResolvedPoint(date: date, label: ReportFormatting.iso(date))
    case .ago(let seconds):
      let date = now.addingTimeInterval(-seconds)
      return ResolvedPoint(
        date: date,
        label: "\(ReportFormatting.duration(seconds)) ago (\(ReportFormatting.iso(date)))")
    case .run(let runID):
      let rows = try connection.query(
        """
        SELECT started_at FROM sync_runs
         WHERE run_id = \(runID) AND (\(scopeID)::integer IS NULL OR scope_id = \(scopeID))
        """)
      guard let row = rows.first else {
        throw ReportError.invalidPoint(
          "run:\(runID)", reason: "no sync run \(runID)" + (scopeID.map { " in scope \($0)" } ?? "")
        )
      }
      let date = try row.decode("started_at", as: Date.self)
      return ResolvedPoint(date: date, label: "run \(runID) (\(ReportFormatting.iso(date)))")
    case .baseline(let name):
      let rows = try connection.query(
        """
        SELECT scope_id, at FROM baselines
         WHERE name = \(name) AND (\(scopeID)::integer IS NULL OR scope_id = \(scopeID))
         ORDER BY scope_id
        """)
      guard let row = rows.first else {
        throw ReportError.invalidPoint(
          name,
          reason: "not an ISO time (2026-03-01T06:00:00Z), a run (run:42), a duration (7d)"
            + " or a baseline name")
      }
      guard rows.count == 1 else {
        throw ReportError.invalidPoint(
          name, reason: "baseline '\(name)' exists in \(rows.count) scopes; pass --scope")
      }
      let date = try row.decode("at", as: Date.self)
      return ResolvedPoint(date: date, label: "baseline \(name) (\(ReportFormatting.iso(date)))")
    }
  }
}
