public import Foundation
public import PostgresClient

/// A throw-away PostgreSQL database for one test (or one suite).
///
/// Connects to the server named by `DATABASE_URL` (or libpq's `PG*` variables), creates
/// `stackledger_test_<random hex>`, and drops it again in `drop()` or `deinit`. When no server
/// answers, `init` throws an error saying how to start one, so a test that needs the database
/// fails instead of passing silently.
public final class TemporaryDatabase: @unchecked Sendable {  // state guarded by `lock`
  /// The new database's name.
  public let name: String
  /// A `key=value` conninfo for the new database (includes host, port, user, and password if
  /// one was configured).
  public let url: String
  private let serverConninfo: String?
  private let lock = NSLock()
  private var dropped = false

  /// Creates a fresh, empty database.
  public init() throws {
    serverConninfo = Self.serverConninfo
    let admin = try Self.connectToServer()
    defer { admin.close() }
    var random = SystemRandomNumberGenerator()
    let suffix = String(random.next() as UInt64, radix: 16)
    name = "stackledger_test_\(suffix)"
    try admin.execute(raw: "CREATE DATABASE \(name)")
    url = Self.conninfo(of: admin, database: name)
  }

  deinit {
    drop()
  }

  /// Opens a new connection to the temporary database.
  public func connect(applicationName: String = "stackledger-tests") throws -> PostgresConnection {
    try PostgresConnection.connect(url, applicationName: applicationName)
  }

  /// Drops the database, ending other sessions on it first. Safe to call more than once;
  /// failures are reported on stderr, not thrown.
  public func drop() {
    let alreadyDropped = lock.withLock {
      defer { dropped = true }
      return dropped
    }
    guard !alreadyDropped else { return }
    do {
      let admin = try PostgresConnection.connect(
        serverConninfo, applicationName: "stackledger-tests")
      defer { admin.close() }
      try admin.execute(raw: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    } catch {
      FileHandle.standardError.write(
        Data("TemporaryDatabase: could not drop \(name): \(error)\n".utf8))
    }
  }

  // MARK: - The server

  /// `DATABASE_URL` when set, else `nil` (libpq's `PG*` variables).
  static var serverConninfo: String? {
    let url = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    return url.isEmpty ? nil : url
  }

  /// Connects to the configured server's default database.
  ///
  /// - Throws: `PostgresError` (`.connection`) saying `no PostgreSQL reachable (...)` and how
  ///   to start one.
  public static func connectToServer() throws -> PostgresConnection {
    do {
      return try PostgresConnection.connect(serverConninfo, applicationName: "stackledger-tests")
    } catch let error as PostgresError {
      let environment = ProcessInfo.processInfo.environment
      let host = environment["PGHOST"] ?? "(unset)"
      let port = environment["PGPORT"] ?? "(unset)"
      throw PostgresError(
        kind: .connection,
        message: "no PostgreSQL reachable (PGHOST=\(host):PGPORT=\(port)): start one with"
          + " eval \"$(scripts/postgres start)\" (libpq said: \(error.message))")
    }
  }

  /// Connection parameters copied from the server connection into `url`.
  private static let copiedParameters: Set<String> = [
    "host", "hostaddr", "port", "user", "password", "passfile", "connect_timeout", "options",
    "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "gssencmode", "krbsrvname",
    "channel_binding", "target_session_attrs",
  ]

  /// A conninfo with the same server settings as `connection` but another database.
  private static func conninfo(of connection: PostgresConnection, database: String) -> String {
    var parts = connection.connectionParameters
      .filter { copiedParameters.contains($0.key) }
      .map { "\($0.key)=\(quote($0.value))" }
    parts.append("dbname=\(quote(database))")
    return parts.joined(separator: " ")
  }

  private static func quote(_ value: String) -> String {
    let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "'", with: "\\'")
    return "'\(escaped)'"
  }

  // MARK: - Paths

  /// The project's root directory (found from this source file's path).
  public static func projectRoot() -> URL {
    URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent()  // TestSupport
      .deletingLastPathComponent()  // Sources
      .deletingLastPathComponent()
  }

  /// `<projectRoot>/migrations`.
  public static var migrationsDirectory: URL {
    projectRoot().appendingPathComponent("migrations", isDirectory: true)
  }
}
