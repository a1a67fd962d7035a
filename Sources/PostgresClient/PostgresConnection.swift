internal import CLibPQ
internal import Foundation

/// One connection to PostgreSQL through libpq.
///
/// libpq is blocking, and so is this class: each call waits for the server. A connection is
/// **not thread-safe**: use it from one task or thread at a time (open one connection per
/// concurrent worker). It is marked `@unchecked Sendable` only so it can be handed from one
/// task to another; the caller guarantees there is no overlapping use.
///
/// The session is set up with `application_name`, `client_encoding=UTF8`, `TimeZone=UTC`,
/// `DateStyle=ISO` and `bytea_output=hex`, so text values decode predictably. Server notices
/// (`RAISE NOTICE`, ...) go to `onNotice` and are otherwise dropped, never printed to stderr.
public final class PostgresConnection: @unchecked Sendable {
  private var handle: OpaquePointer?
  /// Literal secrets (passwords) scrubbed from every message this connection produces.
  private let secrets: [String]
  /// Numbers savepoints of nested `transaction` calls.
  var savepointCounter = 0

  /// Receives server notices and warnings (e.g. `NOTICE:  table "x" does not exist`).
  /// `nil` (the default) drops them.
  public var onNotice: ((String) -> Void)?

  private init(handle: OpaquePointer, secrets: [String]) {
    self.handle = handle
    self.secrets = secrets
  }

  deinit {
    close()
  }

  /// Opens a connection.
  ///
  /// - Parameters:
  ///   - conninfo: a URL (`postgresql://user@host:5432/db`), a `key=value` string, or
  ///     `nil`/empty to use libpq's `PG*` environment variables. Defaults to `nil`.
  ///   - applicationName: `application_name` shown in `pg_stat_activity`.
  /// - Throws: `PostgresError` with kind `.connection`; its message never contains a password.
  public static func connect(
    _ conninfo: String? = nil, applicationName: String = "stackledger"
  ) throws -> PostgresConnection {
    let secrets = try passwords(in: conninfo)
    var parameters: [(String, String)] = []
    if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
      parameters.append(("connect_timeout", "10"))
    }
    if let conninfo, !conninfo.isEmpty {
      parameters.append(("dbname", conninfo))
    }
    parameters.append(("application_name", applicationName))
    parameters.append(("client_encoding", "UTF8"))

    let keywords = parameters.map { strdup($0.0) }
    let values = parameters.map { strdup($0.1) }
    defer {
      for pointer in keywords + values { free(pointer) }
    }
    let keywordPointers = keywords.map { $0.map { UnsafePointer($0) } } + [nil]
    let valuePointers = values.map { $0.map { UnsafePointer($0) } } + [nil]
    guard let handle = PQconnectdbParams(keywordPointers, valuePointers, 1) else {
      throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
    }
    guard PQstatus(handle) == CONNECTION_OK else {
      let message = Self.trimmed(String(cString: PQerrorMessage(handle)))
      PQfinish(handle)
      throw PostgresError(
        kind: .connection, message: Redaction.redact(message, secrets: secrets))
    }
    let connection = PostgresConnection(handle: handle, secrets: secrets)
    connection.installNoticeProcessor()
    try connection.execute(
      raw: "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET bytea_output = 'hex'")
    return connection
  }

  /// The server version as an integer, e.g. `150004` for 15.4; 0 when closed.
  public var serverVersion: Int {
    handle.map { Int(PQserverVersion($0)) } ?? 0
  }

  /// The server process id serving this connection (`pg_backend_pid()`); 0 when closed.
  public var backendPID: Int {
    handle.map { Int(PQbackendPID($0)) } ?? 0
  }

  /// `false` after `close()` or when libpq reports the connection as broken.
  public var isOpen: Bool {
    handle.map { PQstatus($0) == CONNECTION_OK } ?? false
  }

  /// `true` inside a transaction block (including a failed one awaiting ROLLBACK).
  public var isInTransaction: Bool {
    guard let handle else { return false }
    let status = PQtransactionStatus(handle)
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
  }

  /// The connection parameters in use (host, port, user, dbname, sslmode, ...), as libpq
  /// reports them, without debug options or empty values.
  ///
  /// This includes the password when one was configured: never log it.
  public var connectionParameters: [(key: String, value: String)] {
    guard let handle, let options = PQconninfo(handle) else { return [] }
    defer { PQconninfoFree(options) }
    var parameters: [(key: String, value: String)] = []
    var option = options
    while let keyword = option.pointee.keyword {
      defer { option += 1 }
      guard let value = option.pointee.val else { continue }
      let display = option.pointee.dispchar.map { String(cString: $0) } ?? ""
      let text = String(cString: value)
      guard display != "D", !text.isEmpty else { continue }
      parameters.append((String(cString: keyword), text))
    }
    return parameters
  }

  /// Closes the connection. Safe to call more than once; also done in `deinit`.
  public func close() {
    guard let handle else { return }
    PQsetNoticeProcessor(handle, { _, _ in }, nil)
    PQfinish(handle)
    self.handle = nil
  }

  // MARK: - Queries

  /// Runs one statement with the extended protocol, binding `query.binds` as `$n` text
  /// parameters, and returns every row.
  public func query(_ query: PostgresQuery) throws -> PostgresRows {
    try run(query)
  }

  /// Runs one statement with the extended protocol and returns the number of affected rows
  /// (from the command tag; 0 for statements that report none).
  @discardableResult
  public func execute(_ query: PostgresQuery) throws -> Int {
    try run(query).affectedRows
  }

  /// Runs SQL text with the simple protocol: no parameters, several `;`-separated statements
  /// allowed (they run in one implicit transaction unless the text manages its own). Used for
  /// migrations and session setup.
  public func execute(raw sql: String) throws {
    let handle = try openHandle(statement: sql)
    guard !sql.utf8.contains(0) else {
      throw PostgresError(
        kind: .encoding, message: "the SQL text contains a NUL byte", statement: sql)
    }
    let result = PQexec(handle, sql)
    defer { PQclear(result) }
    _ = try check(result, statement: sql)
  }

  private func run(_ query: PostgresQuery) throws -> PostgresRows {
    let handle = try openHandle(statement: query.sql)
    guard !query.sql.utf8.contains(0) else {
      throw PostgresError(
        kind: .encoding, message: "the SQL text contains a NUL byte", statement: query.sql)
    }
    guard query.binds.count <= Int(UInt16.max) else {
      throw PostgresError(
        kind: .encoding,
        message: "\(query.binds.count) parameters exceed PostgreSQL's limit of 65535",
        statement: query.sql)
    }
    for (index, bind) in query.binds.enumerated() where bind?.utf8.contains(0) == true {
      throw PostgresError(
        kind: .encoding,
        message: "parameter $\(index + 1) contains a NUL byte (\\0), which PostgreSQL text"
          + " values cannot hold; strip it or send the value as bytea",
        statement: query.sql)
    }
    let cValues = query.binds.map { $0.flatMap { strdup($0) } }
    defer {
      for pointer in cValues { free(pointer) }
    }
    let pointers = cValues.map { $0.map { UnsafePointer($0) } }
    let result = pointers.withUnsafeBufferPointer { buffer in
      PQexecParams(
        handle, query.sql, Int32(buffer.count), nil, buffer.baseAddress, nil, nil, 0)
    }
    defer { PQclear(result) }
    let valid = try check(result, statement: query.sql)
    return Self.materialize(valid)
  }

  // MARK: - Results and errors

  func openHandle(statement: String?) throws -> OpaquePointer {
    guard let handle else {
      throw PostgresError(
        kind: .connection, message: "the connection is closed", statement: statement)
    }
    return handle
  }

  /// Throws for error results; returns the result for OK, tuples and COPY-start results.
  @discardableResult
  func check(_ result: OpaquePointer?, statement: String?) throws -> OpaquePointer {
    guard let result else {
      throw connectionError(statement: statement)
    }
    let status = PQresultStatus(result)
    if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY
      || status == PGRES_COPY_IN
    {
      return result
    }
    if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR
      || status == PGRES_BAD_RESPONSE
    {
      throw serverError(result, statement: statement)
    }
    let name = String(cString: PQresStatus(status))
    throw PostgresError(
      kind: .protocol,
      message: "unexpected result \(name) (COPY TO/FROM needs copyFrom, not query/execute)",
      statement: statement)
  }

  func connectionError(statement: String?) -> PostgresError {
    let message = handle.map { Self.trimmed(String(cString: PQerrorMessage($0))) } ?? ""
    return PostgresError(
      kind: .connection,
      message: redact(message.isEmpty ? "no result from the server" : message),
      statement: statement)
  }

  func serverError(_ result: OpaquePointer, statement: String?) -> PostgresError {
    func field(_ code: Character) -> String? {
      guard let ascii = code.asciiValue, let value = PQresultErrorField(result, Int32(ascii))
      else { return nil }
      return redact(String(cString: value))
    }
    let sqlState = field("C")
    let message =
      field("M") ?? redact(Self.trimmed(String(cString: PQresultErrorMessage(result))))
    let broken = handle.map { PQstatus($0) != CONNECTION_OK } ?? true
    var error = PostgresError(
      kind: broken ? .connection : .server,
      message: message.isEmpty ? "unknown error" : message,
      sqlState: sqlState,
      detail: field("D"),
      hint: field("H"),
      statement: statement)
    error.context = field("W")
    error.position = field("P").flatMap { Int($0) }
    error.schema = field("s")
    error.table = field("t")
    error.column = field("c")
    error.constraint = field("n")
    return error
  }

  func redact(_ text: String) -> String {
    Redaction.redact(text, secrets: secrets)
  }

  static func materialize(_ result: OpaquePointer) -> PostgresRows {
    let fieldCount = PQnfields(result)
    let rowCount = PQntuples(result)
    var names: [String] = []
    var types: [UInt32] = []
    for field in 0..<fieldCount {
      names.append(String(cString: PQfname(result, field)))
      types.append(UInt32(PQftype(result, field)))
    }
    let layout = ColumnLayout(names: names, typeOIDs: types)
    var rows: [PostgresRow] = []
    rows.reserveCapacity(Int(rowCount))
    for row in 0..<rowCount {
      var values: [String?] = []
      values.reserveCapacity(Int(fieldCount))
      for field in 0..<fieldCount {
        if PQgetisnull(result, row, field) == 1 {
          values.append(nil)
        } else {
          let bytes = UnsafeRawBufferPointer(
            start: PQgetvalue(result, row, field), count: Int(PQgetlength(result, row, field)))
          values.append(String(decoding: bytes, as: UTF8.self))
        }
      }
      rows.append(PostgresRow(layout: layout, values: values))
    }
    let tag = String(cString: PQcmdStatus(result))
    let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
    return PostgresRows(layout: layout, rows: rows, affectedRows: affected, commandTag: tag)
  }

  static func trimmed(_ text: String) -> String {
    text.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  // MARK: - Notices

  private func installNoticeProcessor() {
    guard let handle else { return }
    let context = Unmanaged.passUnretained(self).toOpaque()
    PQsetNoticeProcessor(
      handle,
      { context, message in
        guard let context, let message else { return }
        let connection = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
        guard let onNotice = connection.onNotice else { return }
        onNotice(connection.redact(PostgresConnection.trimmed(String(cString: message))))
      },
      context)
  }

  // MARK: - Secrets

  /// Passwords written in the conninfo or `PGPASSWORD`, to scrub from messages.
  private static func passwords(in conninfo: String?) throws -> [String] {
    var secrets: [String] = []
    if let password = ProcessInfo.processInfo.environment["PGPASSWORD"], password.count >= 3 {
      secrets.append(password)
    }
    guard let conninfo, !conninfo.isEmpty else { return secrets }
    var errorMessage: UnsafeMutablePointer<CChar>?
    guard let options = PQconninfoParse(conninfo, &errorMessage) else {
      let message = errorMessage.map { String(cString: $0) } ?? "invalid connection string"
      if let errorMessage { PQfreemem(errorMessage) }
      throw PostgresError(
        kind: .connection,
        message: "invalid connection string: "
          + Redaction.redact(trimmed(message), secrets: secrets))
    }
    defer { PQconninfoFree(options) }
    var option = options
    while let keyword = option.pointee.keyword {
      if String(cString: keyword) == "password", let value = option.pointee.val {
        let password = String(cString: value)
        if password.count >= 3 { secrets.append(password) }
        // Percent-encoded form as written in a URL.
        if let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics),
          encoded != password
        {
          secrets.append(encoded)
        }
      }
      option += 1
    }
    return secrets
  }
}
