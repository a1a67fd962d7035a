import Foundation
import PostgresClient
import TestSupport
import Testing

@testable import Reports

/// A migrated temporary database loaded with `Fixtures/history.sql`: a fixed history with
/// explicit timestamps, so reports computed for ``ReportFixture/now`` never change.
final class ReportFixture: @unchecked Sendable {
  /// The "now" every report in these tests is computed for.
  static let now = date("2026-03-10T00:00:00Z")
  static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

  let database: TemporaryDatabase
  let connection: PostgresConnection

  init() throws {
    database = try TemporaryDatabase()
    connection = try database.connect()
    try Migrator(directory: TemporaryDatabase.migrationsDirectory).migrate(on: connection)
    let fixture = Self.testsDirectory.appendingPathComponent("Fixtures/history.sql")
    try connection.execute(raw: try String(contentsOf: fixture, encoding: .utf8))
  }

  deinit {
    connection.close()
    database.drop()
  }

  func point(_ text: String, scope: Int? = nil) throws -> ResolvedPoint {
    try PointSpec.parse(text).resolve(on: connection, scopeID: scope, now: Self.now)
  }

  static func date(_ text: String) -> Date {
    (try? Date(postgresText: text)) ?? Date(timeIntervalSince1970: 0)
  }
}

/// Compares text with `Golden/<name>`; `STACKLEDGER_UPDATE_GOLDENS=1` rewrites the file (and a
/// missing golden is written and reported as a failure, to be reviewed).
func expectGolden(
  _ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let url = ReportFixture.testsDirectory.appendingPathComponent("Golden/\(name)")
  let update = ProcessInfo.processInfo.environment["STACKLEDGER_UPDATE_GOLDENS"] == "1"
  let existing = try? String(contentsOf: url, encoding: .utf8)
  if update || existing == nil {
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
    if existing == nil && !update {
      Issue.record(
        "golden \(name) did not exist; written, review it", sourceLocation: sourceLocation)
    }
    return
  }
  if existing != text {
    let expectedLines = (existing ?? "").components(separatedBy: "\n")
    let actualLines = text.components(separatedBy: "\n")
    let firstDifference =
      zip(expectedLines, actualLines).enumerated()
      .first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedLines.count, actualLines.count)
    let expectedLine =
      firstDifference < expectedLines.count ? expectedLines[firstDifference] : "<end>"
    let actualLine = firstDifference < actualLines.count ? actualLines[firstDifference] : "<end>"
    Issue.record(
      """
      output differs from Golden/\(name) at line \(firstDifference + 1) \
      (STACKLEDGER_UPDATE_GOLDENS=1 rewrites it):
        golden: \(expectedLine)
        actual: \(actualLine)
      """, sourceLocation: sourceLocation)
  }
}

/// A small RFC 4180 parser: quoted fields, doubled quotes, CRLF record ends.
func parseCSV(_ text: String) -> [[String]] {
  var records: [[String]] = []
  var record: [String] = []
  var field = ""
  var quoted = false
  var scalars = Array(text.unicodeScalars)[...]
  while let scalar = scalars.popFirst() {
    if quoted {
      if scalar == "\"" {
        if scalars.first == "\"" {
          field.unicodeScalars.append("\"")
          scalars = scalars.dropFirst()
        } else {
          quoted = false
        }
      } else {
        field.unicodeScalars.append(scalar)
      }
      continue
    }
    switch scalar {
    case "\"": quoted = true
    case ",":
      record.append(field)
      field = ""
    case "\r":
      if scalars.first == "\n" { scalars = scalars.dropFirst() }
      record.append(field)
      records.append(record)
      record = []
      field = ""
    default: field.unicodeScalars.append(scalar)
    }
  }
  if !field.isEmpty || !record.isEmpty {
    record.append(field)
    records.append(record)
  }
  return records
}

/// A report value as JSONSerialization would read it back.
func foundationValue(_ value: ReportValue) -> NSObject {
  switch value {
  case .null: return NSNull()
  case .text(let text): return text as NSString
  case .integer(let number): return NSNumber(value: number)
  case .number(let number): return NSNumber(value: number)
  case .time(let date): return ReportFormatting.iso(date) as NSString
  case .duration(let seconds): return NSNumber(value: Int(seconds.rounded()))
  case .json(let json):
    return (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]))
      as? NSObject ?? NSNull()
  }
}
