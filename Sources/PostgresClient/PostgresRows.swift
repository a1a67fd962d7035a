/// The materialized result of a query: column names and every row as text.
public struct PostgresRows: RandomAccessCollection, Sendable {
  /// Column names, in result order.
  public var columns: [String] { layout.names }
  /// Rows affected or returned, from the command tag (`INSERT 0 3` → 3), or 0.
  public var affectedRows: Int
  /// The command tag, e.g. `SELECT 2` or `UPDATE 5`.
  public var commandTag: String

  let layout: ColumnLayout
  let rows: [PostgresRow]

  init(layout: ColumnLayout, rows: [PostgresRow], affectedRows: Int, commandTag: String) {
    self.layout = layout
    self.rows = rows
    self.affectedRows = affectedRows
    self.commandTag = commandTag
  }

  public var startIndex: Int { rows.startIndex }
  public var endIndex: Int { rows.endIndex }
  public subscript(position: Int) -> PostgresRow { rows[position] }
}

/// Column names and types shared by every row of one result.
final class ColumnLayout: Sendable {
  let names: [String]
  let typeOIDs: [UInt32]
  let indexByName: [String: Int]

  init(names: [String], typeOIDs: [UInt32]) {
    self.names = names
    self.typeOIDs = typeOIDs
    var index: [String: Int] = [:]
    for (position, name) in names.enumerated() where index[name] == nil {
      index[name] = position
    }
    self.indexByName = index
  }

  func typeName(at index: Int) -> String {
    guard typeOIDs.indices.contains(index) else { return "unknown" }
    let oid = typeOIDs[index]
    return Self.typeNames[oid] ?? "oid \(oid)"
  }

  static let typeNames: [UInt32: String] = [
    16: "boolean", 17: "bytea", 18: "char", 19: "name", 20: "bigint", 21: "smallint",
    23: "integer", 25: "text", 26: "oid", 114: "json", 142: "xml", 199: "json[]", 650: "cidr",
    700: "real", 701: "double precision", 705: "unknown", 829: "macaddr", 869: "inet",
    1000: "boolean[]", 1001: "bytea[]", 1005: "smallint[]", 1007: "integer[]", 1009: "text[]",
    1015: "character varying[]", 1016: "bigint[]", 1021: "real[]", 1022: "double precision[]",
    1041: "inet[]", 1042: "character", 1043: "character varying", 1082: "date",
    1083: "time", 1114: "timestamp", 1115: "timestamp[]", 1184: "timestamptz",
    1185: "timestamptz[]", 1186: "interval", 1700: "numeric", 2249: "record", 2950: "uuid",
    2951: "uuid[]", 3802: "jsonb", 3807: "jsonb[]",
  ]
}

/// One result row. Values are PostgreSQL's text output; `nil` is SQL NULL.
public struct PostgresRow: Sendable {
  let layout: ColumnLayout
  /// Raw text values in column order; `nil` is SQL NULL.
  public let values: [String?]

  /// Column names, in result order.
  public var columns: [String] { layout.names }

  /// The raw text of a column, or `nil` for NULL or an unknown column.
  public subscript(column: String) -> String? {
    guard let index = layout.indexByName[column] else { return nil }
    return values[index]
  }

  /// The raw text of a column by position, or `nil` for NULL or an index out of range.
  public subscript(index: Int) -> String? {
    values.indices.contains(index) ? values[index] : nil
  }

  /// Decodes a column by name. NULL decodes only into an `Optional`; anything else throws a
  /// `PostgresError` (`.decoding`) naming the column and its type.
  public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
    guard let index = layout.indexByName[column] else {
      throw PostgresError(
        kind: .decoding,
        message: "no column named '\(column)' in the result (columns: "
          + layout.names.joined(separator: ", ") + ")")
    }
    return try decode(index, as: type)
  }

  /// Decodes a column by position (0-based).
  public func decode<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
    guard values.indices.contains(index) else {
      throw PostgresError(
        kind: .decoding,
        message: "column index \(index) is out of range (the result has \(values.count) columns)")
    }
    let name = layout.names[index]
    guard let text = values[index] else {
      if let nullable = T.self as? any PostgresNullDecodable.Type,
        let null = nullable.postgresNull as? T
      {
        return null
      }
      throw PostgresError(
        kind: .decoding,
        message: "column '\(name)' (\(layout.typeName(at: index))) is NULL, which \(T.self)"
          + " cannot hold; decode as \(T.self)? if the column is nullable")
    }
    do {
      return try T(postgresText: text)
    } catch var error as PostgresError {
      error.kind = .decoding
      error.message = "column '\(name)' (\(layout.typeName(at: index))): \(error.message)"
      throw error
    } catch {
      throw PostgresError(
        kind: .decoding,
        message: "column '\(name)' (\(layout.typeName(at: index))) as \(T.self): \(error)")
    }
  }
}
