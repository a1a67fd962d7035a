import Foundation
import PostgresClient

struct MigrateCommand: Command {
  static let name = "migrate"
  static let abstract = "Apply pending schema migrations (or list them with --status)."
  static let usage = """
    Usage: stackledger migrate [--status] [--migrations DIR] [--database-url URL]

    Applies the numbered SQL files of the migrations folder that the database has not applied
    yet, in order, each in its own transaction, under an advisory lock. Applied files are
    checked against their recorded checksum first: a changed file is an error that names it.

      --status             list applied and pending migrations; apply nothing
      --migrations DIR     the migrations folder (default: found next to the binary or source)
    \(DatabaseOptions.help)
    """

  var status: Bool
  var migrationsDirectory: String?
  var database: DatabaseOptions

  init(parsing arguments: inout Arguments) throws {
    status = arguments.flag("--status")
    migrationsDirectory = try arguments.option("--migrations")
    database = try DatabaseOptions(parsing: &arguments)
  }

  func run() async throws -> Int32 {
    let migrator = Migrator(directory: try MigrationsLocation.find(explicit: migrationsDirectory))
    let connection = try database.connect()
    defer { connection.close() }
    if status {
      let states = try migrator.status(on: connection)
      var failed = false
      for state in states {
        let label: String
        switch state.state {
        case .applied(let at): label = "applied  \(at.postgresText)"
        case .pending: label = "pending"
        case .changed(let expected, let found):
          failed = true
          label = "CHANGED  file checksum \(found) != applied \(expected)"
        case .missing: label = "applied, but the file is missing"
        }
        let version = String(state.version)
        let number = String(repeating: "0", count: max(0, 4 - version.count)) + version
        Console.out(
          "\(number)  \(state.name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(label)")
      }
      return failed ? ExitCode.failure : ExitCode.ok
    }
    let applied = try migrator.migrate(on: connection) { Console.err($0) }
    Console.err(
      applied.isEmpty
        ? "migrate: the schema is up to date"
        : "migrate: applied \(applied.count) migration(s)")
    return ExitCode.ok
  }
}
