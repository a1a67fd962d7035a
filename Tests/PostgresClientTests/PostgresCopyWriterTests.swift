import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct PostgresCopyWriterTests {
  let connection: PostgresConnection

  init() throws {
    connection = try TemporaryDatabase.connectToServer()
    try connection.execute(raw: "CREATE TEMP TABLE items (id int PRIMARY KEY, body text)")
  }

  static let awkwardValues: [String?] = [
    "tab\there", "new\nline", "carriage\rreturn", "crlf\r\n", #"back\slash"#, #"\N"#, nil,
    "", "\\.", "ünïcødé 🧑🏽‍🚀 e\u{301}", "bell\u{7} vt\u{B} ff\u{C} bs\u{8} esc\u{1B}",
    "trailing backslash\\", "NULL",
  ]

  @Test func awkwardValuesRoundTripThroughCopy() throws {
    let loaded = try connection.copyFrom("COPY items (id, body) FROM STDIN") { writer in
      for (index, value) in Self.awkwardValues.enumerated() {
        try writer.writeRow([String(index), value])
      }
    }
    #expect(loaded == Self.awkwardValues.count)
    let rows = try connection.query("SELECT body FROM items ORDER BY id")
    let bodies = try rows.map { try $0.decode("body", as: String?.self) }
    #expect(bodies == Self.awkwardValues)
    #expect(
      try connection.scalar("SELECT count(*) FROM items WHERE body IS NULL", as: Int.self) == 1)
  }

  @Test func encodableValuesAreWrittenInTextFormat() throws {
    try connection.execute(
      raw: "CREATE TEMP TABLE typed (n bigint, at timestamptz, tags text[], blob bytea, ok bool)")
    let date = Date(timeIntervalSince1970: 1_767_323_045.123_456)
    let tags = ["a\tb", "{x}", "NULL"]
    let blob = Data([0, 1, 92, 255])
    let missing: Int64? = nil
    let loaded = try connection.copyFrom("COPY typed FROM STDIN") { writer in
      try writer.writeRow(encoding: [Int64(1), date, tags, blob, true])
      try writer.writeRow(encoding: [missing, date, [String](), Data(), false])
    }
    #expect(loaded == 2)
    let row = try #require(try connection.query("SELECT * FROM typed WHERE n = 1").first)
    #expect(try row.decode("at", as: Date.self) == date)
    #expect(try row.decode("tags", as: [String].self) == tags)
    #expect(try row.decode("blob", as: Data.self) == blob)
    #expect(try connection.scalar("SELECT count(*) FROM typed WHERE n IS NULL", as: Int.self) == 1)
  }

  @Test func loadsOneHundredThousandRows() throws {
    let loaded = try connection.copyFrom("COPY items (id, body) FROM STDIN") { writer in
      for id in 0..<100_000 {
        try writer.writeRow([String(id), "server-\(id)\twith a tab"])
      }
    }
    #expect(loaded == 100_000)
    #expect(try connection.scalar("SELECT count(*) FROM items", as: Int.self) == 100_000)
    #expect(
      try connection.scalar("SELECT body FROM items WHERE id = 99999", as: String.self)
        == "server-99999\twith a tab")
  }

  @Test func aThrowingBodyAbortsTheCopyAndLoadsNothing() throws {
    struct Stop: Error {}
    #expect(throws: Stop.self) {
      try connection.copyFrom("COPY items (id, body) FROM STDIN") { writer in
        try writer.writeRow(["1", "one"])
        throw Stop()
      }
    }
    #expect(try connection.scalar("SELECT count(*) FROM items", as: Int.self) == 0)
    #expect(try connection.scalar("SELECT 1", as: Int.self) == 1)
  }

  @Test func aRowWithTheWrongWidthIsRefused() throws {
    let error = try #require(throws: PostgresError.self) {
      try connection.copyFrom("COPY items (id, body) FROM STDIN") { writer in
        try writer.writeRow(["1"])
      }
    }
    #expect(error.kind == .copy)
    #expect(error.message.contains("expects 2 columns"))
  }

  @Test func nulInACopyValueIsRefused() throws {
    let error = try #require(throws: PostgresError.self) {
      try connection.copyFrom("COPY items (id, body) FROM STDIN") { writer in
        try writer.writeRow(["1", "nul\u{0}here"])
      }
    }
    #expect(error.kind == .encoding)
    #expect(error.message.contains("column 2"))
  }

  @Test func aBadValueReportsTheServerErrorWithTheLine() throws {
    let error = try #require(throws: PostgresError.self) {
      try connection.copyFrom("COPY items (id, body) FROM STDIN") { writer in
        try writer.writeRow(["1", "fine"])
        try writer.writeRow(["not-a-number", "bad"])
      }
    }
    #expect(error.kind == .server)
    #expect(error.sqlState == "22P02")
    #expect(error.context?.contains("line 2") == true)
    #expect(try connection.scalar("SELECT count(*) FROM items", as: Int.self) == 0)
  }
}
