extension PostgresConnection {
  /// Runs `body` in a transaction: `BEGIN`, then `COMMIT` if it returns, `ROLLBACK` if it
  /// throws (the error is rethrown).
  ///
  /// Called inside another `transaction`, it uses a savepoint instead, so an inner failure
  /// rolls back only the inner work. If a statement failed inside `body` but `body` swallowed
  /// the error, PostgreSQL turns `COMMIT` into `ROLLBACK`; that is reported as an error rather
  /// than silently losing the work.
  public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
    if isInTransaction {
      return try savepoint(body)
    }
    try execute(raw: "BEGIN")
    let result: T
    do {
      result = try body(self)
    } catch {
      try? execute(raw: "ROLLBACK")
      throw error
    }
    let tag = try commit()
    guard tag == "COMMIT" else {
      throw PostgresError(
        kind: .server,
        message: "the transaction was rolled back instead of committed because a statement in"
          + " it failed (an error was caught inside the transaction body)",
        sqlState: "25P02",
        statement: "COMMIT")
    }
    return result
  }

  private func commit() throws -> String {
    try query("COMMIT").commandTag
  }

  private func savepoint<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
    savepointCounter += 1
    let name = "stackledger_savepoint_\(savepointCounter)"
    try execute(raw: "SAVEPOINT \(name)")
    do {
      let result = try body(self)
      try execute(raw: "RELEASE SAVEPOINT \(name)")
      return result
    } catch {
      try? execute(raw: "ROLLBACK TO SAVEPOINT \(name)")
      throw error
    }
  }
}
