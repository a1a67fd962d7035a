extension PostgresConnection {
  /// Takes the session-level advisory lock `key` if it is free (`pg_try_advisory_lock`).
  /// Returns `false` at once when another session holds it. Session locks are re-entrant:
  /// each successful call needs its own `advisoryUnlock`.
  public func tryAdvisoryLock(_ key: Int64) throws -> Bool {
    try query("SELECT pg_try_advisory_lock(\(key)::bigint) AS locked")
      .first?.decode("locked", as: Bool.self) ?? false
  }

  /// Waits until the session-level advisory lock `key` is free, then takes it
  /// (`pg_advisory_lock`).
  public func advisoryLock(_ key: Int64) throws {
    try execute("SELECT pg_advisory_lock(\(key)::bigint)")
  }

  /// Releases one hold of the session-level advisory lock `key`. Throws if this session did
  /// not hold it.
  public func advisoryUnlock(_ key: Int64) throws {
    let released =
      try query("SELECT pg_advisory_unlock(\(key)::bigint) AS released")
      .first?.decode("released", as: Bool.self) ?? false
    guard released else {
      throw PostgresError(
        kind: .server,
        message: "advisory lock \(key) was not held by this session, so it was not released")
    }
  }

  /// Takes the transaction-level advisory lock `key` if it is free
  /// (`pg_try_advisory_xact_lock`); it is released at COMMIT or ROLLBACK. Use inside
  /// `transaction`.
  public func tryAdvisoryTransactionLock(_ key: Int64) throws -> Bool {
    try query("SELECT pg_try_advisory_xact_lock(\(key)::bigint) AS locked")
      .first?.decode("locked", as: Bool.self) ?? false
  }

  /// Waits for and takes the transaction-level advisory lock `key`
  /// (`pg_advisory_xact_lock`); it is released at COMMIT or ROLLBACK.
  public func advisoryTransactionLock(_ key: Int64) throws {
    try execute("SELECT pg_advisory_xact_lock(\(key)::bigint)")
  }
}
