import Ledger

struct VerifyCommand: Command {
  static let name = "verify"
  static let abstract = "Recompute the change log's hash chain and report the first break."
  static let usage = """
    Usage: stackledger verify [--scope ID] [--database-url URL]

    Recomputes the SHA-256 of every change row and the chain of ledger blocks (one per run)
    of every scope, and names the first row or block that does not match. Exits 0 when the
    history is intact, 1 otherwise.

      --scope ID           check one scope only
    \(DatabaseOptions.help)
    """

  var scopeID: Int?
  var database: DatabaseOptions

  init(parsing arguments: inout Arguments) throws {
    if let scope = try arguments.option("--scope") {
      guard let value = Int(scope) else { throw UsageError("--scope takes a number") }
      scopeID = value
    }
    database = try DatabaseOptions(parsing: &arguments)
  }

  func run() async throws -> Int32 {
    let connection = try database.connect()
    defer { connection.close() }
    let report = try LedgerVerifier(connection: connection).verify(scopeID: scopeID)
    if report.isIntact {
      Console.out(
        "verify: intact (\(report.changesChecked) changes in \(report.blocksChecked) blocks)")
      return ExitCode.ok
    }
    Console.out(
      "verify: BROKEN (\(report.problems.count) problem(s)); first: \(report.problems[0])")
    for problem in report.problems.dropFirst() {
      Console.out("  also: \(problem)")
    }
    return ExitCode.failure
  }
}
