/// The one error type of `PostgresClient`.
///
/// Server errors carry PostgreSQL's SQLSTATE and diagnostic fields; every error can carry the SQL
/// text it came from (never the bound values). Messages never contain a password: connection
/// messages are scrubbed of `password=...` and `postgresql://user:password@` forms.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
  /// What went wrong, broadly.
  public enum Kind: String, Sendable, Equatable {
    /// Connecting failed, or the connection broke or is closed.
    case connection
    /// The server answered with an error (see `sqlState`).
    case server
    /// A result value could not be decoded into the requested Swift type.
    case decoding
    /// A Swift value cannot be sent (for example a string containing NUL).
    case encoding
    /// The server answered something this client did not expect.
    case `protocol`
    /// A `COPY ... FROM STDIN` failed on the client side.
    case copy
    /// Loading, checking or applying a migration failed.
    case migration
  }

  public var kind: Kind
  /// Five-character SQLSTATE code for server errors, e.g. `23505`.
  public var sqlState: String?
  /// The primary, human-readable message.
  public var message: String
  public var detail: String?
  public var hint: String?
  /// The server's CONTEXT field (e.g. the PL/pgSQL line or the COPY input line).
  public var context: String?
  /// 1-based character position of the error in `statement`, if the server reported one.
  public var position: Int?
  /// The SQL text that failed. Never contains bound parameter values.
  public var statement: String?
  public var schema: String?
  public var table: String?
  public var column: String?
  public var constraint: String?

  public init(
    kind: Kind,
    message: String,
    sqlState: String? = nil,
    detail: String? = nil,
    hint: String? = nil,
    statement: String? = nil
  ) {
    self.kind = kind
    self.message = message
    self.sqlState = sqlState
    self.detail = detail
    self.hint = hint
    self.statement = statement
  }

  /// The PostgreSQL condition name for `sqlState` (e.g. `unique_violation`), when it is a
  /// well-known one.
  public var conditionName: String? {
    sqlState.flatMap { Self.conditionNames[$0] }
  }

  /// `true` for SQLSTATE class 23 (integrity constraint violations).
  public var isConstraintViolation: Bool { sqlState?.hasPrefix("23") ?? false }

  /// "PostgreSQL error 23505 (unique_violation): duplicate key ... DETAIL: ... [in: INSERT ...]"
  public var description: String {
    var text: String
    switch kind {
    case .server:
      text = "PostgreSQL error"
      if let sqlState {
        text += " \(sqlState)"
        if let conditionName { text += " (\(conditionName))" }
      }
      text += ": \(message)"
    case .connection: text = "PostgreSQL connection error: \(message)"
    case .decoding: text = "PostgreSQL decoding error: \(message)"
    case .encoding: text = "PostgreSQL encoding error: \(message)"
    case .protocol: text = "PostgreSQL protocol error: \(message)"
    case .copy: text = "PostgreSQL COPY error: \(message)"
    case .migration:
      text = "migration error"
      if let sqlState {
        text += " (PostgreSQL \(sqlState)"
        if let conditionName { text += " \(conditionName)" }
        text += ")"
      }
      text += ": \(message)"
    }
    if let detail, !detail.isEmpty { text += " DETAIL: \(detail)" }
    if let hint, !hint.isEmpty { text += " HINT: \(hint)" }
    if let context, !context.isEmpty { text += " CONTEXT: \(context)" }
    if let statement, !statement.isEmpty { text += " [in: \(Self.abbreviated(statement))]" }
    return text
  }

  /// The statement squeezed onto one line and cut to a readable length.
  static func abbreviated(_ statement: String, limit: Int = 300) -> String {
    let oneLine = statement.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    guard oneLine.count > limit else { return oneLine }
    return String(oneLine.prefix(limit)) + " ..."
  }

  static let conditionNames: [String: String] = [
    "08000": "connection_exception",
    "08003": "connection_does_not_exist",
    "08006": "connection_failure",
    "08001": "sqlclient_unable_to_establish_sqlconnection",
    "0A000": "feature_not_supported",
    "21000": "cardinality_violation",
    "22001": "string_data_right_truncation",
    "22003": "numeric_value_out_of_range",
    "22007": "invalid_datetime_format",
    "22008": "datetime_field_overflow",
    "22012": "division_by_zero",
    "22021": "character_not_in_repertoire",
    "22023": "invalid_parameter_value",
    "22P02": "invalid_text_representation",
    "22P05": "untranslatable_character",
    "23000": "integrity_constraint_violation",
    "23001": "restrict_violation",
    "23502": "not_null_violation",
    "23503": "foreign_key_violation",
    "23505": "unique_violation",
    "23514": "check_violation",
    "23P01": "exclusion_violation",
    "25001": "active_sql_transaction",
    "25006": "read_only_sql_transaction",
    "25P01": "no_active_sql_transaction",
    "25P02": "in_failed_sql_transaction",
    "28000": "invalid_authorization_specification",
    "28P01": "invalid_password",
    "2BP01": "dependent_objects_still_exist",
    "3D000": "invalid_catalog_name",
    "3F000": "invalid_schema_name",
    "40001": "serialization_failure",
    "40P01": "deadlock_detected",
    "42501": "insufficient_privilege",
    "42601": "syntax_error",
    "42703": "undefined_column",
    "42704": "undefined_object",
    "42710": "duplicate_object",
    "42723": "duplicate_function",
    "42804": "datatype_mismatch",
    "42830": "invalid_foreign_key",
    "42883": "undefined_function",
    "42P01": "undefined_table",
    "42P04": "duplicate_database",
    "42P06": "duplicate_schema",
    "42P07": "duplicate_table",
    "42P18": "indeterminate_datatype",
    "53300": "too_many_connections",
    "55006": "object_in_use",
    "55P03": "lock_not_available",
    "57014": "query_canceled",
    "57P01": "admin_shutdown",
    "57P02": "crash_shutdown",
    "57P03": "cannot_connect_now",
    "P0001": "raise_exception",
    "P0002": "no_data_found",
    "P0003": "too_many_rows",
    "P0004": "assert_failure",
  ]
}
