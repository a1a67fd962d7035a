public import Foundation

/// One numbered SQL file from the migrations directory.
public struct Migration: Sendable, Equatable {
  /// The number before the first `_` (`0002_servers.sql` → 2).
  public var version: Int
  /// The part between `_` and `.sql` (`servers`).
  public var name: String
  /// The file name (`0002_servers.sql`).
  public var filename: String
  /// The file's SQL text.
  public var sql: String
  /// SHA-256 of the file bytes, lower-case hex. Computed by PostgreSQL, so it is empty in
  /// migrations from `Migrator.load()` and filled by `load(checksummingOn:)`.
  public var checksum: String

  public init(version: Int, name: String, filename: String, sql: String, checksum: String) {
    self.version = version
    self.name = name
    self.filename = filename
    self.sql = sql
    self.checksum = checksum
  }
}

/// Where one migration stands in a database.
public struct MigrationStatus: Sendable, Equatable {
  public enum State: Sendable, Equatable {
    /// Applied, and the file is unchanged since.
    case applied(at: Date)
    /// The file exists and has not been applied.
    case pending
    /// Applied, but the file's checksum differs from the recorded one.
    case changed(expected: String, found: String)
    /// Recorded as applied, but no file has this version any more.
    case missing
  }

  public var version: Int
  public var name: String
  public var state: State

  public init(version: Int, name: String, state: State) {
    self.version = version
    self.name = name
    self.state = state
  }
}

/// Applies numbered, forward-only SQL migrations, Flyway-style.
///
/// Files are named `NNNN_<what>.sql` and applied in numeric order; other files are ignored and
/// two files with one number are an error. Each run holds the advisory lock `lockKey` (a second
/// concurrent run waits, then finds nothing to do), verifies the checksum of every applied
/// migration before applying anything, and applies each pending file in its own transaction
/// together with its `schema_migrations` row. Files must not contain `BEGIN`/`COMMIT`.
public struct Migrator: Sendable {
  /// The directory holding the `.sql` files.
  public var directory: URL

  /// The advisory lock key held while migrating ("StkLmigr" in ASCII).
  public static let lockKey: Int64 = 0x5374_6B4C_6D69_6772

  /// A migrator for the files in `directory`.
  public init(directory: URL) {
    self.directory = directory
  }

  // MARK: - Loading

  /// Reads and orders the migration files. Checksums are left empty (they are computed by
  /// PostgreSQL; see `load(checksummingOn:)`).
  public func load() throws -> [Migration] {
    try loadFiles().map(\.migration)
  }

  private func loadFiles() throws -> [(migration: Migration, bytes: Data)] {
    let fileManager = FileManager.default
    var isDirectory: ObjCBool = false
    guard fileManager.fileExists(atPath: directory.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw migrationError("the migrations directory \(directory.path) does not exist")
    }
    let filenames = try fileManager.contentsOfDirectory(atPath: directory.path)
    var byVersion: [Int: (migration: Migration, bytes: Data)] = [:]
    for filename in filenames {
      guard let (version, name) = Self.parse(filename: filename) else { continue }
      if let other = byVersion[version] {
        let pair = [other.migration.filename, filename].sorted()
        throw migrationError(
          "two migrations share version \(version): \(display(pair[0])) and \(display(pair[1]));"
            + " renumber one of them")
      }
      let url = directory.appendingPathComponent(filename)
      let data = try Data(contentsOf: url)
      guard let sql = String(data: data, encoding: .utf8) else {
        throw migrationError("\(display(filename)) is not valid UTF-8")
      }
      if let line = Self.transactionControlLine(in: sql) {
        throw migrationError(
          "\(display(filename)):\(line) controls the transaction itself (BEGIN/COMMIT/ROLLBACK);"
            + " remove it: each migration already runs in its own transaction")
      }
      let migration = Migration(
        version: version, name: name, filename: filename, sql: sql, checksum: "")
      byVersion[version] = (migration, data)
    }
    return byVersion.values.sorted { $0.migration.version < $1.migration.version }
  }

  /// Reads the migration files and fills in their SHA-256 checksums, computed by PostgreSQL's
  /// `sha256()` over `connection`.
  public func load(checksummingOn connection: PostgresConnection) throws -> [Migration] {
    let files = try loadFiles()
    var migrations = files.map(\.migration)
    guard !migrations.isEmpty else { return migrations }
    let hexes = files.map { Self.hex($0.bytes) }
    let rows = try connection.query(
      """
      SELECT encode(sha256(decode(file.hex, 'hex')), 'hex') AS checksum
      FROM unnest(\(hexes)::text[]) WITH ORDINALITY AS file(hex, position)
      ORDER BY file.position
      """)
    guard rows.count == migrations.count else {
      throw migrationError("computing checksums returned \(rows.count) rows")
    }
    for (index, row) in rows.enumerated() {
      migrations[index].checksum = try row.decode("checksum")
    }
    return migrations
  }

  // MARK: - Status

  /// Lists every migration known from the files or the database, by version.
  public func status(on connection: PostgresConnection) throws -> [MigrationStatus] {
    let migrations = try load(checksummingOn: connection)
    let applied = try appliedMigrations(on: connection)
    let files = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
    let versions = Set(files.keys).union(applied.keys).sorted()
    return versions.map { version in
      switch (files[version], applied[version]) {
      case (let file?, let record?):
        let state: MigrationStatus.State =
          file.checksum == record.checksum
          ? .applied(at: record.appliedAt)
          : .changed(expected: record.checksum, found: file.checksum)
        return MigrationStatus(version: version, name: file.name, state: state)
      case (let file?, nil):
        return MigrationStatus(version: version, name: file.name, state: .pending)
      case (nil, let record?):
        return MigrationStatus(version: version, name: record.name, state: .missing)
      case (nil, nil):
        return MigrationStatus(version: version, name: "", state: .missing)
      }
    }
  }

  // MARK: - Migrating

  /// Applies every pending migration, in order, and returns the ones it applied.
  ///
  /// - Parameter log: receives one line per step ("applying migrations/0002_x.sql", ...).
  /// - Throws: `PostgresError` (`.migration`) naming the file: for a changed applied file, a
  ///   pending file older than an applied one, or a failing file (whose transaction is rolled
  ///   back, so nothing of it stays applied).
  @discardableResult
  public func migrate(
    on connection: PostgresConnection, log: (String) -> Void = { _ in }
  ) throws -> [Migration] {
    guard !connection.isInTransaction else {
      throw migrationError(
        "migrate must run outside a transaction: each migration gets its own")
    }
    let migrations = try load(checksummingOn: connection)
    try connection.advisoryLock(Self.lockKey)
    defer { try? connection.advisoryUnlock(Self.lockKey) }

    try createHistoryTableIfNeeded(on: connection)
    let applied = try appliedMigrations(on: connection)

    for migration in migrations {
      guard let record = applied[migration.version] else { continue }
      guard record.checksum == migration.checksum else {
        throw migrationError(
          "\(display(migration.filename)) was changed after it was applied (checksum"
            + " \(migration.checksum) != \(record.checksum) recorded at"
            + " \(record.appliedAt.postgresText)); migrations are forward-only: restore the"
            + " file and add a new migration instead")
      }
    }
    let fileVersions = Set(migrations.map(\.version))
    for (version, record) in applied.sorted(by: { $0.key < $1.key })
    where !fileVersions.contains(version) {
      log("warning: migration \(version) (\(record.name)) is applied but has no file")
    }
    let pending = migrations.filter { applied[$0.version] == nil }
    if let newestApplied = applied.keys.max(),
      let early = pending.first(where: { $0.version < newestApplied })
    {
      throw migrationError(
        "\(display(early.filename)) is pending but migration \(newestApplied) is already"
          + " applied; give it a number above \(newestApplied)")
    }
    if pending.isEmpty {
      log("database is up to date (\(applied.count) migrations applied)")
    }
    for migration in pending {
      try apply(migration, on: connection, log: log)
    }
    return pending
  }

  private func apply(
    _ migration: Migration, on connection: PostgresConnection, log: (String) -> Void
  ) throws {
    let path = display(migration.filename)
    log("applying \(path)")
    let clock = ContinuousClock()
    let start = clock.now
    do {
      try connection.transaction { connection in
        do {
          try connection.execute(raw: migration.sql)
        } catch var error as PostgresError {
          var location = path
          if let position = error.position {
            location += ":\(Self.line(ofCharacter: position, in: migration.sql))"
          }
          error.kind = .migration
          error.message = "\(location) failed: \(error.message)"
          error.statement = nil
          throw error
        }
        guard connection.isInTransaction else {
          throw migrationError("\(path) ended the migration's transaction itself (COMMIT?)")
        }
        let milliseconds = Self.milliseconds(clock.now - start)
        try connection.execute(
          """
          INSERT INTO schema_migrations (version, name, checksum, execution_ms)
          VALUES (\(migration.version), \(migration.name), \(migration.checksum), \(milliseconds))
          """)
      }
    } catch var error as PostgresError where error.kind != .migration {
      error.kind = .migration
      error.message = "\(path) failed: \(error.message)"
      throw error
    }
    log("applied \(path) in \(Self.milliseconds(clock.now - start)) ms")
  }

  // MARK: - History table

  private struct AppliedMigration {
    var name: String
    var checksum: String
    var appliedAt: Date
  }

  private func appliedMigrations(
    on connection: PostgresConnection
  ) throws -> [Int: AppliedMigration] {
    let exists = try connection.query(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS present"
    ).first?.decode("present", as: Bool.self)
    guard exists == true else { return [:] }
    var applied: [Int: AppliedMigration] = [:]
    for row in try connection.query(
      "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
    {
      applied[try row.decode("version")] = AppliedMigration(
        name: try row.decode("name"),
        checksum: try row.decode("checksum"),
        appliedAt: try row.decode("applied_at"))
    }
    return applied
  }

  private func createHistoryTableIfNeeded(on connection: PostgresConnection) throws {
    let exists = try connection.query(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS present"
    ).first?.decode("present", as: Bool.self)
    guard exists != true else { return }
    try connection.execute(
      raw: """
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version int PRIMARY KEY,
          name text NOT NULL,
          checksum text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now(),
          execution_ms int NOT NULL
        );
        COMMENT ON TABLE schema_migrations IS
          'Migrations applied by stackledger migrate: one row per migrations/NNNN_<name>.sql file.';
        COMMENT ON COLUMN schema_migrations.version IS 'The NNNN number of the migration file.';
        COMMENT ON COLUMN schema_migrations.name IS 'The <name> part of the migration file name.';
        COMMENT ON COLUMN schema_migrations.checksum IS
          'SHA-256 (hex) of the file as applied; an applied file must never change.';
        COMMENT ON COLUMN schema_migrations.applied_at IS 'When the migration was committed.';
        COMMENT ON COLUMN schema_migrations.execution_ms IS 'How long the migration SQL took.';
        """)
  }

  // MARK: - Helpers

  /// `migrations/0002_x.sql`: the file as users see it in the project.
  private func display(_ filename: String) -> String {
    "\(directory.lastPathComponent)/\(filename)"
  }

  private func migrationError(_ message: String) -> PostgresError {
    PostgresError(kind: .migration, message: message)
  }

  /// `NNNN_<name>.sql` → (NNNN, name); anything else → nil.
  static func parse(filename: String) -> (version: Int, name: String)? {
    guard filename.hasSuffix(".sql") else { return nil }
    let stem = filename.dropLast(4)
    guard let underscore = stem.firstIndex(of: "_") else { return nil }
    let digits = stem[..<underscore]
    let name = stem[stem.index(after: underscore)...]
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
      let version = Int(digits), !name.isEmpty
    else { return nil }
    return (version, String(name))
  }

  /// The 1-based line of a line that is only a transaction-control statement, if any.
  static func transactionControlLine(in sql: String) -> Int? {
    let statements: Set<String> = [
      "BEGIN", "BEGIN TRANSACTION", "BEGIN WORK", "START TRANSACTION", "COMMIT",
      "COMMIT TRANSACTION", "COMMIT WORK", "END TRANSACTION", "END WORK", "ROLLBACK",
      "ROLLBACK TRANSACTION", "ROLLBACK WORK", "ABORT",
    ]
    for (index, line) in sql.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      var text = Substring(line)
      if let comment = text.range(of: "--") { text = text[..<comment.lowerBound] }
      let words = text.uppercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
      guard words.hasSuffix(";") else { continue }
      let statement = words.dropLast().trimmingCharacters(in: .whitespaces)
      if statements.contains(statement) || statement.hasPrefix("START TRANSACTION ") {
        return index + 1
      }
    }
    return nil
  }

  /// The 1-based line holding the 1-based character `position` (PostgreSQL counts characters).
  static func line(ofCharacter position: Int, in sql: String) -> Int {
    var line = 1
    for scalar in sql.unicodeScalars.prefix(max(0, position - 1)) where scalar == "\n" {
      line += 1
    }
    return line
  }

  static func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
  }

  static func hex(_ data: Data) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(data.count * 2)
    for byte in data {
      bytes.append(digits[Int(byte >> 4)])
      bytes.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
