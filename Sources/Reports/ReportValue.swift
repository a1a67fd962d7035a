public import Foundation
internal import PostgresClient

/// One cell of a report: typed, so each format can write it its own way.
///
/// - `table` and `csv` write ``text`` (times as UTC ISO-8601, durations as `3d 4h` in tables
///   and as whole seconds in csv).
/// - `json` writes strings, numbers, `null`, times as ISO-8601 strings, durations as whole
///   seconds and ``json(_:)`` values as the JSON they hold.
public enum ReportValue: Sendable, Equatable {
  case null
  case text(String)
  case integer(Int)
  case number(Double)
  case time(Date)
  /// A length of time in seconds.
  case duration(TimeInterval)
  /// A JSON document (as PostgreSQL's `jsonb` text output), e.g. a field's old value.
  case json(String)

  /// The value for a table cell or plan line: times in UTC ISO-8601, durations short
  /// (`3d 4h`), JSON strings without their quotes, other JSON as compact text; NULL is empty.
  public var text: String {
    switch self {
    case .null: return ""
    case .text(let value): return value
    case .integer(let value): return String(value)
    case .number(let value): return ReportFormatting.number(value)
    case .time(let date): return ReportFormatting.iso(date)
    case .duration(let seconds): return ReportFormatting.duration(seconds)
    case .json(let json): return ReportFormatting.jsonDisplay(json)
    }
  }

  /// The value for a csv field: like ``text`` but durations in whole seconds.
  public var csvText: String {
    switch self {
    case .duration(let seconds): return String(Int(seconds.rounded()))
    default: return text
    }
  }

  /// An optional text, `.null` for nil.
  public static func text(_ value: String?) -> ReportValue {
    value.map { .text($0) } ?? .null
  }

  /// An optional time, `.null` for nil.
  public static func time(_ value: Date?) -> ReportValue {
    value.map { .time($0) } ?? .null
  }

  /// An optional JSON document, `.null` for nil (SQL NULL: the value was absent).
  public static func json(_ value: String?) -> ReportValue {
    value.map { .json($0) } ?? .null
  }
}

/// The text forms every renderer shares.
public enum ReportFormatting {
  /// UTC ISO-8601 to the second: `2026-03-01T06:00:00Z`.
  public static func iso(_ date: Date) -> String {
    let text = date.postgresTextForReports
    return text
  }

  /// A duration as operators read it: `45s`, `12m`, `3h 05m`, `2d 4h`.
  public static func duration(_ seconds: TimeInterval) -> String {
    let total = Int(seconds.rounded())
    if total < 60 { return "\(total)s" }
    let days = total / 86_400
    let hours = (total % 86_400) / 3600
    let minutes = (total % 3600) / 60
    if days > 0 { return "\(days)d \(hours)h" }
    if hours > 0 { return "\(hours)h " + (minutes < 10 ? "0" : "") + "\(minutes)m" }
    return "\(minutes)m"
  }

  /// A number with at most two decimals and no trailing zeros.
  public static func number(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? "-inf" : "inf") }
    let hundredths = (value * 100).rounded()
    if hundredths.truncatingRemainder(dividingBy: 100) == 0 { return String(Int(hundredths / 100)) }
    var text = String(format: "%.2f", hundredths / 100)
    while text.hasSuffix("0") { text.removeLast() }
    return text
  }

  /// A JSON value for people: strings unquoted, `null` as `null`, others as compact JSON.
  public static func jsonDisplay(_ json: String) -> String {
    guard json.hasPrefix("\""),
      let value = try? JSONSerialization.jsonObject(
        with: Data(json.utf8), options: [.fragmentsAllowed]) as? String
    else { return json }
    return value
  }
}

extension Date {
  /// `YYYY-MM-DDTHH:MM:SSZ` in UTC (fractions of a second dropped).
  var postgresTextForReports: String {
    let seconds = Int64((timeIntervalSince1970).rounded(.down))
    var days = seconds / 86_400
    var rest = seconds % 86_400
    if rest < 0 {
      days -= 1
      rest += 86_400
    }
    let (year, month, day) = CivilDate.from(days: days)
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    var yearText = String(year)
    while yearText.count < 4 { yearText = "0" + yearText }
    return "\(yearText)-\(two(month))-\(two(day))T\(two(rest / 3600)):\(two(rest / 60 % 60)):"
      + "\(two(rest % 60))Z"
  }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (PostgresClient's `CivilCalendar`).
enum CivilDate {
  static func from(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    CivilCalendar.date(fromDays: days)
  }

  /// `YYYY-MM-DD` of a time, in UTC.
  static func day(of date: Date) -> String {
    String(ReportFormatting.iso(date).prefix(10))
  }
}
