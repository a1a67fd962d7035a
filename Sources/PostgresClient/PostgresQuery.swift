/// A SQL statement with its parameters, built by string interpolation.
///
/// Each interpolated value becomes a `$n` placeholder and a text-format bind, so values never
/// become part of the SQL text:
///
/// ```swift
/// let query: PostgresQuery = "SELECT * FROM servers WHERE id = \(id) AND name = \(name)"
/// // sql:   "SELECT * FROM servers WHERE id = $1 AND name = $2"
/// // binds: [id.postgresText, name]
/// ```
///
/// `\(raw: fragment)` splices text verbatim (identifiers, keywords, trusted SQL); the label
/// makes every unsafe use visible. An interpolated `nil` optional binds SQL NULL.
public struct PostgresQuery: ExpressibleByStringInterpolation, Sendable, Equatable {
  /// The SQL text with `$1`, `$2`, ... placeholders.
  public var sql: String
  /// Text-format parameter values; `nil` is SQL NULL.
  public var binds: [String?]

  /// A query from SQL text and already-encoded binds. The SQL is sent as is.
  public init(unsafeSQL: String, binds: [String?] = []) {
    self.sql = unsafeSQL
    self.binds = binds
  }

  public init(stringLiteral value: String) {
    self.init(unsafeSQL: value)
  }

  public init(stringInterpolation: StringInterpolation) {
    self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
  }

  /// Collects literal SQL and `$n` placeholders for interpolated values.
  public struct StringInterpolation: StringInterpolationProtocol {
    var sql: String
    var binds: [String?]

    public init(literalCapacity: Int, interpolationCount: Int) {
      sql = ""
      sql.reserveCapacity(literalCapacity + interpolationCount * 3)
      binds = []
      binds.reserveCapacity(interpolationCount)
    }

    public mutating func appendLiteral(_ literal: String) {
      sql += literal
    }

    /// Binds a value as the next `$n` parameter (`nil` optionals bind SQL NULL).
    public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
      binds.append(value.postgresBind)
      sql += "$\(binds.count)"
    }

    /// Binds an optional value as the next `$n` parameter; `nil` binds SQL NULL.
    public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
      binds.append(value?.postgresBind ?? nil)
      sql += "$\(binds.count)"
    }

    /// Splices text verbatim into the SQL. Only for trusted identifiers and SQL fragments.
    public mutating func appendInterpolation(raw fragment: String) {
      sql += fragment
    }
  }
}

extension PostgresQuery: CustomStringConvertible {
  /// The SQL text and the number of binds; never the bound values.
  public var description: String {
    binds.isEmpty ? sql : "\(sql) (\(binds.count) parameters)"
  }
}
