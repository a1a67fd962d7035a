import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct TypeRoundTripTests {
  let connection: PostgresConnection

  init() throws {
    connection = try TemporaryDatabase.connectToServer()
  }

  /// Sends `value` as a parameter cast to `sqlType` and decodes what the server sends back.
  func roundTrip<T: PostgresEncodable & PostgresDecodable>(
    _ value: T, as sqlType: String
  ) throws -> T {
    try connection.scalar("SELECT \(value)::\(raw: sqlType)", as: T.self)
  }

  @Test func integersRoundTripAtTheirLimits() throws {
    #expect(try roundTrip(Int64.max, as: "bigint") == .max)
    #expect(try roundTrip(Int64.min, as: "bigint") == .min)
    #expect(try roundTrip(Int.max, as: "bigint") == .max)
    #expect(try roundTrip(Int32.min, as: "integer") == .min)
    #expect(try roundTrip(Int32.max, as: "integer") == .max)
    #expect(try roundTrip(Int16.min, as: "smallint") == .min)
    #expect(try roundTrip(Int16.max, as: "smallint") == .max)
    #expect(try roundTrip(0, as: "integer") == 0)
  }

  @Test(arguments: [0.1, -1.5e300, 5e-324, 123_456.789, 0, -0.0, .infinity, -.infinity])
  func doublesRoundTripExactly(_ value: Double) throws {
    #expect(try roundTrip(value, as: "double precision") == value)
  }

  @Test func nanRoundTrips() throws {
    #expect(try roundTrip(Double.nan, as: "double precision").isNaN)
  }

  @Test func boolsRoundTrip() throws {
    #expect(try roundTrip(true, as: "boolean") == true)
    #expect(try roundTrip(false, as: "boolean") == false)
    #expect(try connection.scalar("SELECT true", as: String.self) == "t")
  }

  @Test func uuidsRoundTrip() throws {
    let id = UUID()
    #expect(try roundTrip(id, as: "uuid") == id)
    let fixed = try #require(UUID(uuidString: "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"))
    #expect(
      try connection.scalar("SELECT \(fixed)::uuid::text", as: String.self)
        == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
  }

  @Test func timestampsRoundTripWithMicroseconds() throws {
    let date = Date(timeIntervalSince1970: 1_767_323_045.123_456)
    #expect(date.postgresText == "2026-01-02T03:04:05.123456Z")
    let back = try roundTrip(date, as: "timestamptz")
    #expect(back.postgresText == date.postgresText)
    #expect(abs(back.timeIntervalSince(date)) < 0.000_001)
    #expect(
      try connection.scalar("SELECT \(date)::timestamptz::text", as: String.self)
        == "2026-01-02 03:04:05.123456+00")
  }

  @Test(arguments: [
    ("2026-01-02 03:04:05+00", 1_767_323_045.0),
    ("2026-01-02 03:04:05.5+00", 1_767_323_045.5),
    ("2026-01-02 03:04:05.000001+00", 1_767_323_045.000_001),
    ("2026-01-02 08:34:05.123456+05:30", 1_767_323_045.123_456),
    ("2026-01-01 23:04:05-04", 1_767_323_045.0),
    ("2026-01-01 23:59:50-03:04:15", 1_767_323_045.0),
    ("2026-01-02T03:04:05Z", 1_767_323_045.0),
    ("2026-01-02 03:04:05", 1_767_323_045.0),
    ("1969-12-31 23:59:59.999999+00", -0.000_001),
    ("2000-02-29 00:00:00+00", 951_782_400.0),
  ])
  func timestampTextDecodes(_ text: String, _ seconds: Double) throws {
    let date = try Date(postgresText: text)
    #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_000_5)
  }

  @Test func infiniteTimestampsDecodeToDistantDates() throws {
    #expect(
      try connection.scalar("SELECT 'infinity'::timestamptz", as: Date.self) == .distantFuture)
    #expect(try connection.scalar("SELECT '-infinity'::timestamptz", as: Date.self) == .distantPast)
    #expect(try roundTrip(Date.distantFuture, as: "timestamptz") == .distantFuture)
  }

  @Test func timestampsDecodeWhateverTheSessionTimeZone() throws {
    let date = Date(timeIntervalSince1970: 1_767_323_045.25)
    try connection.execute(raw: "SET TimeZone = 'Asia/Kolkata'")
    let text = try connection.scalar("SELECT \(date)::timestamptz::text", as: String.self)
    #expect(text == "2026-01-02 08:34:05.25+05:30")
    #expect(try roundTrip(date, as: "timestamptz") == date)
  }

  @Test func sessionStartsInUTC() throws {
    #expect(try connection.scalar("SHOW TimeZone", as: String.self) == "UTC")
    #expect(try connection.scalar("SHOW client_encoding", as: String.self) == "UTF8")
    #expect(try connection.scalar("SHOW application_name", as: String.self) == "stackledger-tests")
  }

  @Test func malformedTimestampsAreRefused() {
    for text in [
      "2026-13-01 00:00:00+00", "yesterday", "2026-01-02 03:04:05+5", "2026-01-02 03:04:05 +00",
    ] {
      #expect(throws: PostgresError.self) { try Date(postgresText: text) }
    }
  }

  @Test func jsonbRoundTripsAsTheSameDocument() throws {
    struct Document: Codable, Equatable {
      var name: String
      var tags: [String]
      var nested: [String: Int]
    }
    let document = Document(name: "qu\"ote \\ 🙂", tags: ["a", ""], nested: ["x": 1])
    let json = try PostgresJSON(encoding: document)
    let back = try roundTrip(json, as: "jsonb")
    #expect(try back.decode(Document.self) == document)
    let field = try connection.scalar("SELECT \(json)::jsonb ->> 'name'", as: String.self)
    #expect(field == document.name)
    #expect(try roundTrip(PostgresJSON("[1, null, \"x\"]"), as: "json").text == "[1, null, \"x\"]")
  }

  @Test(arguments: [
    ("192.0.2.1", "inet", "192.0.2.1"),
    ("192.0.2.1/24", "inet", "192.0.2.1/24"),
    ("10.0.0.0/8", "cidr", "10.0.0.0/8"),
    ("2001:db8::1", "inet", "2001:db8::1"),
    ("2001:DB8:0:0::1/64", "inet", "2001:db8::1/64"),
  ])
  func inetAndCidrRoundTrip(_ input: String, _ type: String, _ output: String) throws {
    let back = try roundTrip(try PostgresInet(input), as: type)
    #expect(back.text == output)
  }

  @Test func inetValidationRefusesNonAddresses() {
    for text in ["", "hello", "1.2.3.4/999", "1.2.3.4; DROP TABLE x"] {
      #expect(throws: PostgresError.self) { try PostgresInet(text) }
    }
  }

  @Test func textArraysKeepNastyElements() throws {
    let elements = [
      "plain", "a,b", "quote\"inside", "back\\slash", "{brace}", "}", "NULL", "null", "",
      " spaced ", "tab\tnew\nline", "ünï🙂", "'single'",
    ]
    let back = try roundTrip(elements, as: "text[]")
    #expect(back == elements)
    #expect(
      try connection.scalar("SELECT cardinality(\(elements)::text[])", as: Int.self)
        == elements.count)
    let noNulls = try connection.scalar(
      "SELECT bool_and(e IS NOT NULL) FROM unnest(\(elements)::text[]) AS e", as: Bool.self)
    #expect(noNulls)
    #expect(try roundTrip([String](), as: "text[]") == [])
  }

  @Test func arraysOfOptionalsCarryNulls() throws {
    let elements: [String?] = ["a", nil, "NULL", ""]
    #expect(try roundTrip(elements, as: "text[]") == elements)
    let error = try #require(throws: PostgresError.self) {
      try connection.scalar("SELECT ARRAY['a', NULL]::text[] AS names", as: [String].self)
    }
    #expect(error.message.contains("NULL"))
  }

  @Test func bigintArraysRoundTrip() throws {
    let numbers: [Int64] = [1, -2, .max, .min, 0]
    #expect(try roundTrip(numbers, as: "bigint[]") == numbers)
    #expect(try connection.scalar("SELECT ARRAY[3,4]::int8[]", as: [Int64].self) == [3, 4])
  }

  @Test func byteaRoundTripsAllByteValues() throws {
    let data = Data((0...255).map { UInt8($0) } + [0, 0, 92, 39])
    #expect(try roundTrip(data, as: "bytea") == data)
    #expect(try roundTrip(Data(), as: "bytea") == Data())
    #expect(try connection.scalar("SELECT length(\(data)::bytea)", as: Int.self) == data.count)
  }

  @Test func nullDecodesIntoOptionalsOnly() throws {
    let row = try #require(try connection.query("SELECT NULL::int AS missing_count, 5 AS n").first)
    #expect(try row.decode("missing_count", as: Int?.self) == nil)
    #expect(try row.decode("n", as: Int?.self) == 5)
    #expect(row["missing_count"] == nil)
    #expect(row["n"] == "5")
    let error = try #require(throws: PostgresError.self) {
      try row.decode("missing_count", as: Int.self)
    }
    #expect(error.kind == .decoding)
    #expect(error.message.contains("missing_count"))
    #expect(error.message.contains("NULL"))
    #expect(error.message.contains("integer"))
  }

  @Test func optionalsBindNullOrValue() throws {
    let some: Int? = 7
    let none: Int? = nil
    #expect(try roundTrip(some, as: "int") == 7)
    #expect(try roundTrip(none, as: "int") == nil)
    let nothing: Date? = nil
    #expect(try roundTrip(nothing, as: "timestamptz") == nil)
  }

  @Test func decodingTheWrongTypeNamesColumnAndType() throws {
    let row = try #require(try connection.query("SELECT 'abc'::text AS label").first)
    let error = try #require(throws: PostgresError.self) { try row.decode("label", as: Int.self) }
    #expect(error.kind == .decoding)
    #expect(error.message.contains("label"))
    #expect(error.message.contains("text"))
    #expect(error.message.contains("Int"))
    let unknown = try #require(throws: PostgresError.self) { try row.decode("nope", as: Int.self) }
    #expect(unknown.message.contains("nope"))
  }

  @Test func rowsExposeColumnsAndCounts() throws {
    let rows = try connection.query(
      "SELECT g AS n, g * 2 AS doubled FROM generate_series(1, 3) AS g ORDER BY g")
    #expect(rows.columns == ["n", "doubled"])
    #expect(rows.count == 3)
    #expect(try rows.map { try $0.decode("doubled", as: Int.self) } == [2, 4, 6])
    #expect(try rows[2].decode(0, as: Int.self) == 3)
  }
}
