import Foundation
import PostgresClient
import TestSupport
import Testing

/// A temporary `migrations/` directory with small SQL files.
final class MigrationFiles {
  let directory: URL

  init(_ files: [String: String]) throws {
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("stackledger-migrator-\(UUID().uuidString)")
      .appendingPathComponent("migrations")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for (name, sql) in files { try write(name, sql) }
  }

  deinit {
    try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
  }

  func write(_ name: String, _ sql: String) throws {
    try Data(sql.utf8).write(to: directory.appendingPathComponent(name))
  }

  func remove(_ name: String) throws {
    try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
  }

  var migrator: Migrator { Migrator(directory: directory) }
}

@Suite struct MigratorTests {
  static let basics = [
    "0001_create_servers.sql": "CREATE TABLE servers (id text PRIMARY KEY);\n",
    "0002_add_name.sql": "ALTER TABLE servers ADD COLUMN name text;\n"
      + "INSERT INTO servers (id, name) VALUES ('s1', 'web');\n",
    "README.md": "not a migration",
    "0003_notes.txt": "ignored too",
  ]

  @Test func migratingTwiceAppliesEverythingOnce() throws {
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let connection = try database.connect()
    let files = try MigrationFiles(Self.basics)
    var lines: [String] = []
    let first = try files.migrator.migrate(on: connection) { lines.append($0) }
    #expect(first.map(\.filename) == ["0001_create_servers.sql", "0002_add_name.sql"])
    #expect(lines.contains("applying migrations/0001_create_servers.sql"))
    let second = try files.migrator.migrate(on: connection)
    #expect(second.isEmpty)
    #expect(try connection.scalar("SELECT count(*) FROM servers", as: Int.self) == 1)
    let recorded = try connection.query(
      "SELECT version, name, checksum, execution_ms FROM schema_migrations ORDER BY version")
    #expect(try recorded.map { try $0.decode("version", as: Int.self) } == [1, 2])
    #expect(
      try recorded.map { try $0.decode("name", as: String.self) } == [
        "create_servers", "add_name",
      ])
    let checksums = try files.migrator.load(checksummingOn: connection).map(\.checksum)
    #expect(try recorded.map { try $0.decode("checksum", as: String.self) } == checksums)
    #expect(
      try connection.scalar(
        "SELECT obj_description('schema_migrations'::regclass) IS NOT NULL", as: Bool.self))
  }

  @Test func theChecksumIsTheSHA256OfTheFileBytes() throws {
    let connection = try TemporaryDatabase.connectToServer()
    let files = try MigrationFiles(["0001_abc.sql": "abc"])
    let migration = try #require(try files.migrator.load(checksummingOn: connection).first)
    #expect(
      migration.checksum == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(migration.version == 1)
    #expect(migration.name == "abc")
    #expect(migration.sql == "abc")
  }

  @Test func anEditedAppliedMigrationIsRefusedByName() throws {
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let connection = try database.connect()
    let files = try MigrationFiles(Self.basics)
    try files.migrator.migrate(on: connection)
    try files.write("0002_add_name.sql", "ALTER TABLE servers ADD COLUMN name varchar(10);\n")
    try files.write("0003_more.sql", "CREATE TABLE more (id int);\n")
    let error = try #require(throws: PostgresError.self) {
      try files.migrator.migrate(on: connection)
    }
    #expect(error.kind == .migration)
    #expect(error.message.contains("migrations/0002_add_name.sql was changed after it was applied"))
    // Nothing was applied: the check runs before any pending migration.
    #expect(try connection.scalar("SELECT to_regclass('more') IS NULL", as: Bool.self))
    let status = try files.migrator.status(on: connection)
    guard case .changed = status[1].state else {
      Issue.record("expected .changed, got \(status[1].state)")
      return
    }
  }

  @Test func aFailingMigrationLeavesNothingOfItApplied() throws {
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let connection = try database.connect()
    let files = try MigrationFiles([
      "0001_ok.sql": "CREATE TABLE kept (id int);\n",
      "0002_broken.sql": "CREATE TABLE half (id int);\nINSERT INTO kept VALUES (1);\n"
        + "SELECT 1 / 0;\n",
      "0003_later.sql": "CREATE TABLE later (id int);\n",
    ])
    var lines: [String] = []
    let error = try #require(throws: PostgresError.self) {
      try files.migrator.migrate(on: connection) { lines.append($0) }
    }
    #expect(error.kind == .migration)
    #expect(error.sqlState == "22012")
    #expect(error.message.contains("migrations/0002_broken.sql"))
    #expect(error.message.contains("division by zero"))
    #expect(error.description.contains("division_by_zero"))
    #expect(try connection.scalar("SELECT to_regclass('half') IS NULL", as: Bool.self))
    #expect(try connection.scalar("SELECT to_regclass('later') IS NULL", as: Bool.self))
    #expect(try connection.scalar("SELECT count(*) FROM kept", as: Int.self) == 0)
    #expect(
      try connection.scalar("SELECT array_agg(version) FROM schema_migrations", as: [Int64].self)
        == [1])
    #expect(!connection.isInTransaction)
    // The lock was released: another session can take it.
    let other = try database.connect()
    #expect(try other.tryAdvisoryLock(Migrator.lockKey))
  }

  @Test func aSyntaxErrorNamesTheFileAndLine() throws {
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let connection = try database.connect()
    let files = try MigrationFiles([
      "0001_typo.sql": "-- a comment\nCREATE TABLE fine (id int);\nCREAT TABLE oops (id int);\n"
    ])
    let error = try #require(throws: PostgresError.self) {
      try files.migrator.migrate(on: connection)
    }
    #expect(error.message.hasPrefix("migrations/0001_typo.sql:3 failed: syntax error"))
    #expect(error.sqlState == "42601")
  }

  @Test func statusListsAppliedPendingAndMissing() throws {
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let connection = try database.connect()
    let files = try MigrationFiles(["0001_first.sql": "CREATE TABLE a (id int);\n"])
    #expect(
      try files.migrator.status(on: connection) == [
        MigrationStatus(version: 1, name: "first", state: .pending)
      ])
    try files.migrator.migrate(on: connection)
    try files.write("0002_second.sql", "CREATE TABLE b (id int);\n")
    let status = try files.migrator.status(on: connection)
    #expect(status.map(\.version) == [1, 2])
    guard case .applied(let at) = status[0].state else {
      Issue.record("expected .applied, got \(status[0].state)")
      return
    }
    #expect(abs(at.timeIntervalSinceNow) < 300)
    #expect(status[1] == MigrationStatus(version: 2, name: "second", state: .pending))
    try files.migrator.migrate(on: connection)
    try files.remove("0001_first.sql")
    #expect(try files.migrator.status(on: connection)[0].state == .missing)
  }

  @Test func aDuplicateVersionIsAnError() throws {
    let files = try MigrationFiles([
      "0001_a.sql": "SELECT 1;", "001_b.sql": "SELECT 2;", "0002_c.sql": "SELECT 3;",
    ])
    let error = try #require(throws: PostgresError.self) { try files.migrator.load() }
    #expect(error.message.contains("0001_a.sql"))
    #expect(error.message.contains("001_b.sql"))
  }

  @Test func filesAreOrderedByNumberNotName() throws {
    let files = try MigrationFiles([
      "10_ten.sql": "SELECT 10;", "9_nine.sql": "SELECT 9;", "0100_hundred.sql": "SELECT 100;",
      "notes.sql": "SELECT 0;", "_x.sql": "SELECT 0;",
    ])
    #expect(try files.migrator.load().map(\.version) == [9, 10, 100])
  }

  @Test(arguments: ["BEGIN;", "COMMIT;", "  commit work; -- done", "START TRANSACTION;"])
  func transactionControlInAFileIsRefused(_ statement: String) throws {
    let files = try MigrationFiles(["0001_tx.sql": "CREATE TABLE t (id int);\n\(statement)\n"])
    let error = try #require(throws: PostgresError.self) { try files.migrator.load() }
    #expect(error.message.contains("migrations/0001_tx.sql:2"))
  }

  @Test func plpgsqlBlocksAreNotMistakenForTransactionControl() throws {
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let connection = try database.connect()
    let files = try MigrationFiles([
      "0001_function.sql": """
      CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'history is append-only';
      END;
      $$;
      """
    ])
    #expect(try files.migrator.migrate(on: connection).count == 1)
  }

  @Test func aPendingMigrationOlderThanAnAppliedOneIsRefused() throws {
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let connection = try database.connect()
    let files = try MigrationFiles(["0002_second.sql": "SELECT 2;"])
    try files.migrator.migrate(on: connection)
    try files.write("0001_first.sql", "SELECT 1;")
    let error = try #require(throws: PostgresError.self) {
      try files.migrator.migrate(on: connection)
    }
    #expect(error.message.contains("migrations/0001_first.sql is pending"))
  }

  @Test func concurrentMigratorsApplyEachMigrationExactlyOnce() throws {
    let database = try TemporaryDatabase()
    defer { database.drop() }
    let files = try MigrationFiles([
      "0001_log.sql": "CREATE TABLE applied_log (version int NOT NULL);\n"
        + "INSERT INTO applied_log VALUES (1);\n",
      "0002_slow.sql": "SELECT pg_sleep(0.3);\nINSERT INTO applied_log VALUES (2);\n",
      "0003_last.sql": "INSERT INTO applied_log VALUES (3);\n",
    ])
    let migrator = files.migrator
    let url = database.url
    let applied = Locked<[[Int]]>([])
    let failures = Locked<[String]>([])
    let run: @Sendable () -> Void = {
      do {
        let connection = try PostgresConnection.connect(url)
        let versions = try migrator.migrate(on: connection).map(\.version)
        applied.withLock { $0.append(versions) }
      } catch {
        failures.withLock { $0.append("\(error)") }
      }
    }
    runOnThreads([run, run, run])
    #expect(failures.current == [])
    #expect(applied.current.flatMap { $0 }.sorted() == [1, 2, 3])
    let connection = try database.connect()
    #expect(
      try connection.scalar(
        "SELECT array_agg(version ORDER BY version) FROM applied_log", as: [Int64].self)
        == [1, 2, 3])
    #expect(try connection.scalar("SELECT count(*) FROM schema_migrations", as: Int.self) == 3)
  }

  @Test func aMissingDirectoryIsAClearError() throws {
    let migrator = Migrator(directory: URL(fileURLWithPath: "/nonexistent/migrations"))
    let error = try #require(throws: PostgresError.self) { try migrator.load() }
    #expect(error.message.contains("/nonexistent/migrations does not exist"))
  }
}
