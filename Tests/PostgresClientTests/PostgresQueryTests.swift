import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct PostgresQueryTests {
  @Test func interpolatedValuesBecomeNumberedBinds() {
    let id = 42
    let name = "web-1"
    let query: PostgresQuery = "SELECT * FROM t WHERE id = \(id) AND name = \(name)"
    #expect(query.sql == "SELECT * FROM t WHERE id = $1 AND name = $2")
    #expect(query.binds == ["42", "web-1"])
  }

  @Test func rawInterpolationSplicesTextVerbatim() {
    let table = "servers"
    let query: PostgresQuery = "SELECT count(*) FROM \(raw: table) WHERE scope_id = \(7)"
    #expect(query.sql == "SELECT count(*) FROM servers WHERE scope_id = $1")
    #expect(query.binds == ["7"])
  }

  @Test func nilOptionalBindsSQLNull() throws {
    let missing: String? = nil
    let query: PostgresQuery = "SELECT \(missing)::text IS NULL AS is_null"
    #expect(query.binds == [nil])
    let connection = try TemporaryDatabase.connectToServer()
    #expect(try connection.scalar(query, as: Bool.self))
  }

  @Test func descriptionNeverShowsBoundValues() {
    let secret = "hunter2-secret"
    let query: PostgresQuery = "SELECT \(secret)"
    #expect(!query.description.contains(secret))
  }

  static let hostileStrings = [
    "it's",
    "\"double\" quotes",
    #"back\slash \\ and \N and \x00"#,
    "'); DROP TABLE servers;--",
    "$1 $2 ? :name",
    "emoji 🧑🏽‍🚀👩‍👩‍👧 flags 🇩🇪",
    "combining e\u{301} a\u{308}\u{304} ﬁ",
    "right-to-left \u{202E}txet",
    "tabs\tnew\nlines\r\ncarriage",
    "control \u{1}\u{7}\u{1B}[31m",
    "",
    "NULL",
    "{a,b}",
    "   leading and trailing spaces   ",
  ]

  @Test(arguments: hostileStrings)
  func hostileStringsRoundTripUnchanged(_ text: String) throws {
    let connection = try TemporaryDatabase.connectToServer()
    #expect(try connection.scalar("SELECT \(text)::text", as: String.self) == text)
    #expect(
      try connection.scalar("SELECT length(\(text)::text)", as: Int.self)
        == text.unicodeScalars.count)
    try connection.execute(raw: "CREATE TEMP TABLE notes (body text)")
    try connection.execute("INSERT INTO notes (body) VALUES (\(text))")
    #expect(
      try connection.scalar("SELECT count(*) FROM notes WHERE body = \(text)", as: Int.self) == 1)
    #expect(try connection.scalar("SELECT body FROM notes", as: String.self) == text)
  }

  @Test func oneMegabyteOfTextRoundTrips() throws {
    let connection = try TemporaryDatabase.connectToServer()
    let unit = "0123456789abcdef'\"\\ü🙂\n"
    let text = String(repeating: unit, count: 1_048_576 / unit.utf8.count + 1)
    #expect(text.utf8.count >= 1_048_576)
    #expect(try connection.scalar("SELECT \(text)::text", as: String.self) == text)
  }

  @Test func stringWithNULIsRefusedNamingTheParameter() throws {
    let connection = try TemporaryDatabase.connectToServer()
    let error = try #require(throws: PostgresError.self) {
      try connection.query("SELECT \("fine")::text, \("bad\u{0}value")::text")
    }
    #expect(error.kind == .encoding)
    #expect(error.message.contains("$2"))
    #expect(error.message.contains("NUL"))
    // The connection is still usable.
    #expect(try connection.scalar("SELECT 1", as: Int.self) == 1)
  }
}
