public import PostgresClient

/// The outcome of `stackledger verify`.
public struct VerificationReport: Sendable, Equatable {
  /// Change rows checked.
  public var changesChecked = 0
  /// Blocks checked.
  public var blocksChecked = 0
  /// Every problem found, first (oldest) first, each naming the row or block.
  public var problems: [String] = []

  public var isIntact: Bool { problems.isEmpty }

  public init(changesChecked: Int = 0, blocksChecked: Int = 0, problems: [String] = []) {
    self.changesChecked = changesChecked
    self.blocksChecked = blocksChecked
    self.problems = problems
  }
}

/// Recomputes the change log's hashes and the per-scope chain of ledger blocks.
public struct LedgerVerifier {
  public let connection: PostgresConnection

  public init(connection: PostgresConnection) {
    self.connection = connection
  }

  /// Checks every scope (or one): row hashes, then each block against its rows and its
  /// predecessor. Problems are listed in chain order, so the first names the first break.
  public func verify(scopeID: Int? = nil, maxProblems: Int = 20) throws -> VerificationReport {
    var report = VerificationReport()
    report.changesChecked =
      try connection.query(
        "SELECT count(*) AS n FROM changes WHERE \(scopeID)::integer IS NULL OR scope_id = \(scopeID)"
      ).first?.decode("n", as: Int.self) ?? 0

    let edited = try connection.query(
      """
      SELECT scope_id, change_id, run_id FROM changes
       WHERE (\(scopeID)::integer IS NULL OR scope_id = \(scopeID))
         AND row_hash IS DISTINCT FROM change_row_hash(changes)
       ORDER BY change_id LIMIT \(maxProblems)
      """)
    for row in edited {
      report.problems.append(
        "change \(try row.decode("change_id", as: Int64.self)) (scope \(try row.decode("scope_id", as: Int.self)), run \(try row.decode("run_id", as: Int64.self))) does not match its row_hash: the row was edited after it was written"
      )
    }

    let blocks = try connection.query(
      """
      WITH b AS (
        SELECT b.*, lag(block_hash) OVER (PARTITION BY scope_id ORDER BY run_id) AS expected_prev,
               row_number() OVER (PARTITION BY scope_id ORDER BY run_id) AS position
          FROM ledger_blocks b
         WHERE \(scopeID)::integer IS NULL OR scope_id = \(scopeID)
      ), actual AS (
        SELECT scope_id, run_id, count(*) AS n, min(change_id) AS first_id,
               max(change_id) AS last_id
          FROM changes
         WHERE \(scopeID)::integer IS NULL OR scope_id = \(scopeID)
         GROUP BY scope_id, run_id
      )
      SELECT b.scope_id, b.run_id,
             (b.prev_block_hash = coalesce(b.expected_prev, decode(repeat('00', 32), 'hex')))
               AS prev_ok,
             (coalesce(a.n, 0) = b.change_count) AS count_ok,
             coalesce(a.n, 0) AS actual_count, b.change_count,
             (ledger_rows_digest(b.scope_id, b.run_id) = b.rows_digest) AS rows_ok,
             (ledger_block_hash(b.prev_block_hash, b.run_id, b.change_count, b.rows_digest)
                = b.block_hash) AS hash_ok
        FROM b
        LEFT JOIN actual a ON a.scope_id = b.scope_id AND a.run_id = b.run_id
       ORDER BY b.scope_id, b.run_id
      """)
    report.blocksChecked = blocks.count
    for row in blocks {
      let run = try row.decode("run_id", as: Int64.self)
      let scope = try row.decode("scope_id", as: Int.self)
      if try !row.decode("prev_ok", as: Bool.self) {
        report.problems.append(
          "block of run \(run) (scope \(scope)) does not follow the previous block: a block was removed or inserted"
        )
      }
      if try !row.decode("count_ok", as: Bool.self) {
        report.problems.append(
          "run \(run) (scope \(scope)) sealed \(try row.decode("change_count", as: Int.self)) changes but \(try row.decode("actual_count", as: Int.self)) are stored: change rows were removed or added"
        )
      } else if try !row.decode("rows_ok", as: Bool.self) {
        report.problems.append(
          "run \(run) (scope \(scope)): the stored change rows do not match the sealed digest")
      }
      if try !row.decode("hash_ok", as: Bool.self) {
        report.problems.append(
          "block of run \(run) (scope \(scope)) was edited: its hash does not match")
      }
    }

    // The newest block has no successor to vouch for it: the run rows do. A succeeded run
    // without its block, or with another count, means the chain's tail was cut or altered.
    let runs = try connection.query(
      """
      SELECT r.scope_id, r.run_id, r.changes_written, b.change_count
        FROM sync_runs r
        LEFT JOIN ledger_blocks b ON b.scope_id = r.scope_id AND b.run_id = r.run_id
       WHERE (\(scopeID)::integer IS NULL OR r.scope_id = \(scopeID))
         AND r.status = 'succeeded' AND NOT r.dry_run
         AND (b.run_id IS NULL OR b.change_count <> r.changes_written)
       ORDER BY r.run_id LIMIT \(maxProblems)
      """)
    for row in runs {
      let run = try row.decode("run_id", as: Int64.self)
      let scope = try row.decode("scope_id", as: Int.self)
      if let sealed = try row.decode("change_count", as: Int?.self) {
        report.problems.append(
          "run \(run) (scope \(scope)) recorded \(try row.decode("changes_written", as: Int.self)) changes but its block seals \(sealed)"
        )
      } else {
        report.problems.append(
          "run \(run) (scope \(scope)) succeeded but its ledger block is missing: the end of the chain was removed"
        )
      }
    }

    let unsealed = try connection.query(
      """
      SELECT c.scope_id, c.run_id, min(c.change_id) AS first_id, count(*) AS n
        FROM changes c
       WHERE (\(scopeID)::integer IS NULL OR c.scope_id = \(scopeID))
         AND NOT EXISTS (SELECT 1 FROM ledger_blocks b
                          WHERE b.scope_id = c.scope_id AND b.run_id = c.run_id)
       GROUP BY c.scope_id, c.run_id ORDER BY first_id LIMIT \(maxProblems)
      """)
    for row in unsealed {
      report.problems.append(
        "\(try row.decode("n", as: Int.self)) change rows of run \(try row.decode("run_id", as: Int64.self)) (scope \(try row.decode("scope_id", as: Int.self)), first change \(try row.decode("first_id", as: Int64.self))) belong to no sealed block: they were added outside a sync"
      )
    }
    return report
  }
}
