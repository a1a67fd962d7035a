import Foundation
import PostgresClient

/// `--database-url`, falling back to `DATABASE_URL` and then libpq's own `PG*` variables.
struct DatabaseOptions {
  var url: String?

  init(parsing arguments: inout Arguments) throws {
    url = try arguments.option("--database-url")
  }

  func connect() throws -> PostgresConnection {
    let conninfo = url ?? ProcessInfo.processInfo.environment["DATABASE_URL"]
    return try PostgresConnection.connect(conninfo, applicationName: "stackledger")
  }

  static let help = """
      --database-url URL   PostgreSQL URL or conninfo (default: $DATABASE_URL, then libpq's
                           PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, ...)
    """
}

/// Where the migration files are: `--migrations DIR`, `$STACKLEDGER_MIGRATIONS`, the
/// installed share folder, `./migrations`, or the source tree this binary was built from.
enum MigrationsLocation {
  static func find(explicit: String?) throws -> URL {
    let fileManager = FileManager.default
    if let explicit { return URL(fileURLWithPath: explicit) }
    var candidates: [URL] = []
    if let fromEnvironment = ProcessInfo.processInfo.environment["STACKLEDGER_MIGRATIONS"] {
      candidates.append(URL(fileURLWithPath: fromEnvironment))
    }
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    candidates.append(
      executable.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("share/stackledger/migrations"))
    candidates.append(
      URL(fileURLWithPath: fileManager.currentDirectoryPath).appendingPathComponent("migrations"))
    candidates.append(
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("migrations"))
    for candidate in candidates {
      var isDirectory: ObjCBool = false
      if fileManager.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
        isDirectory.boolValue
      {
        return candidate
      }
    }
    throw UsageError(
      "no migrations folder found (looked in: \(candidates.map(\.path).joined(separator: ", "))); pass --migrations DIR"
    )
  }
}
