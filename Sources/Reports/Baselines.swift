public import Foundation
public import PostgresClient

/// A named point in time of a scope (`baseline set`), usable as `--since NAME`.
public struct Baseline: Sendable, Equatable {
  public var scopeID: Int
  public var name: String
  public var at: Date
  public var createdAt: Date
  public var note: String?

  public init(scopeID: Int, name: String, at: Date, createdAt: Date, note: String?) {
    self.scopeID = scopeID
    self.name = name
    self.at = at
    self.createdAt = createdAt
    self.note = note
  }
}

/// The `baselines` table (migration 0005).
public enum Baselines {
  /// Creates or moves a baseline. `createdAt` is the caller's "now".
  @discardableResult
  public static func set(
    name: String, at: Date, note: String?, scopeID: Int, createdAt: Date,
    on connection: PostgresConnection
  ) throws -> Baseline {
    guard !name.isEmpty else { throw ReportError.invalidArgument("a baseline needs a name") }
    if case .baseline = PointSpec.parse(name) {
    } else {
      throw ReportError.invalidArgument(
        "'\(name)' reads as a time, run or duration; pick a name that starts with a letter")
    }
    try connection.execute(
      """
      INSERT INTO baselines (scope_id, name, at, created_at, note)
      VALUES (\(scopeID), \(name), \(at), \(createdAt), \(note))
      ON CONFLICT (scope_id, name) DO UPDATE
         SET at = EXCLUDED.at, created_at = EXCLUDED.created_at, note = EXCLUDED.note
      """)
    return Baseline(scopeID: scopeID, name: name, at: at, createdAt: createdAt, note: note)
  }

  /// Every baseline (of one scope, or all), oldest point first.
  public static func list(scopeID: Int?, on connection: PostgresConnection) throws -> [Baseline] {
    try connection.query(
      """
      SELECT scope_id, name, at, created_at, note FROM baselines
       WHERE (\(scopeID)::integer IS NULL OR scope_id = \(scopeID))
       ORDER BY at, scope_id, name
      """
    ).map { row in
      Baseline(
        scopeID: try row.decode("scope_id"), name: try row.decode("name"),
        at: try row.decode("at"), createdAt: try row.decode("created_at"),
        note: try row.decode("note"))
    }
  }

  /// The scope to use when none was given: the only one, else an error listing them.
  public static func defaultScope(on connection: PostgresConnection) throws -> Int {
    let rows = try connection.query("SELECT scope_id, name FROM scopes ORDER BY scope_id")
    guard rows.count == 1, let row = rows.first else {
      let list = try rows.map {
        "\(try $0.decode("scope_id", as: Int.self)) (\(try $0.decode("name", as: String.self)))"
      }
      throw ReportError.invalidArgument(
        rows.isEmpty
          ? "the ledger has no scope yet; run stackledger sync first"
          : "the ledger has several scopes; pass --scope ID (\(list.joined(separator: ", ")))")
    }
    return try row.decode("scope_id")
  }

  public static func document(_ baselines: [Baseline], generatedAt: Date) -> ReportDocument {
    ReportDocument(
      report: "baselines", title: "Baselines", generatedAt: generatedAt,
      sections: [
        ReportSection(
          name: "baselines", title: "Baselines",
          columns: ["scope_id", "name", "at", "created_at", "note"].map { ReportColumn($0) },
          rows: baselines.map {
            [
              .integer($0.scopeID), .text($0.name), .time($0.at), .time($0.createdAt),
              .text($0.note),
            ]
          })
      ])
  }
}
