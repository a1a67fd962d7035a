import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct PostgresErrorTests {
  @Test func uniqueViolationCarriesSQLStateAndConstraint() throws {
    let connection = try TemporaryDatabase.connectToServer()
    try connection.execute(
      raw: "CREATE TEMP TABLE servers (id text CONSTRAINT servers_id_unique UNIQUE)")
    try connection.execute("INSERT INTO servers (id) VALUES (\("web-1"))")
    let error = try #require(throws: PostgresError.self) {
      try connection.execute("INSERT INTO servers (id) VALUES (\("web-1"))")
    }
    #expect(error.kind == .server)
    #expect(error.sqlState == "23505")
    #expect(error.conditionName == "unique_violation")
    #expect(error.isConstraintViolation)
    #expect(error.constraint == "servers_id_unique")
    #expect(error.table == "servers")
    #expect(error.detail?.contains("web-1") == true)
    #expect(error.statement == "INSERT INTO servers (id) VALUES ($1)")
    #expect(error.description.hasPrefix("PostgreSQL error 23505 (unique_violation): duplicate key"))
    #expect(error.description.contains("DETAIL: Key (id)=(web-1) already exists."))
    #expect(error.description.contains("[in: INSERT INTO servers (id) VALUES ($1)]"))
  }

  @Test func syntaxErrorCarriesTheStatementAndPosition() throws {
    let connection = try TemporaryDatabase.connectToServer()
    let error = try #require(throws: PostgresError.self) {
      try connection.query("SELEC 1")
    }
    #expect(error.sqlState == "42601")
    #expect(error.statement == "SELEC 1")
    #expect(error.position == 1)
    #expect(error.description.contains("syntax_error"))
    #expect(error.description.contains("[in: SELEC 1]"))
    #expect(try connection.scalar("SELECT 2", as: Int.self) == 2)
  }

  @Test func aClosedPortGivesAConnectionError() throws {
    let error = try #require(throws: PostgresError.self) {
      try PostgresConnection.connect("postgresql://postgres@127.0.0.1:1/stackledger")
    }
    #expect(error.kind == .connection)
    #expect(error.description.hasPrefix("PostgreSQL connection error:"))
    #expect(error.message.contains("127.0.0.1"))
  }

  @Test(arguments: [
    "postgresql://auditor:Sup3r-S3cret-Pw@127.0.0.1:1/stackledger",
    "postgres://auditor:Sup3r-S3cret-Pw@localhost:1/stackledger?sslmode=disable",
    "host=127.0.0.1 port=1 user=auditor password=Sup3r-S3cret-Pw dbname=stackledger",
    "host=127.0.0.1 port=1 password='Sup3r-S3cret-Pw' dbname=stackledger",
    "postgresql://auditor:Sup3r-S3cret-Pw@127.0.0.1:1/stackledger?bogus_option=1",
    "host=127.0.0.1 port=1 password=Sup3r-S3cret-Pw bogus_option=1",
  ])
  func connectionErrorsNeverContainThePassword(_ conninfo: String) throws {
    let error = try #require(throws: PostgresError.self) {
      try PostgresConnection.connect(conninfo)
    }
    #expect(error.kind == .connection)
    #expect(!error.description.contains("Sup3r-S3cret-Pw"))
    #expect(!String(describing: error).contains("Sup3r-S3cret-Pw"))
  }

  @Test func passwordsInServerMessagesAreRedacted() throws {
    let connection = try TemporaryDatabase.connectToServer()
    let error = try #require(throws: PostgresError.self) {
      try connection.execute(
        raw:
          "DO $$ BEGIN RAISE EXCEPTION 'bad dsn postgresql://u:pw-leak-123@h/db password=xyz987'; END $$"
      )
    }
    #expect(!error.message.contains("pw-leak-123"))
    #expect(!error.message.contains("xyz987"))
    #expect(error.sqlState == "P0001")
  }

  @Test func aClosedConnectionRefusesQueries() throws {
    let connection = try TemporaryDatabase.connectToServer()
    connection.close()
    connection.close()
    #expect(!connection.isOpen)
    let error = try #require(throws: PostgresError.self) { try connection.query("SELECT 1") }
    #expect(error.kind == .connection)
    #expect(error.message.contains("closed"))
  }

  @Test func aTerminatedBackendIsAConnectionError() throws {
    let victim = try TemporaryDatabase.connectToServer()
    let killer = try TemporaryDatabase.connectToServer()
    _ = try killer.query("SELECT pg_terminate_backend(\(victim.backendPID))")
    let error = try #require(throws: PostgresError.self) { try victim.query("SELECT 1") }
    #expect(error.kind == .connection)
  }

  @Test func theServerVersionIsKnown() throws {
    let connection = try TemporaryDatabase.connectToServer()
    #expect(connection.serverVersion >= 130_000)
  }
}
