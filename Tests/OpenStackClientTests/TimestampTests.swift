import Foundation
import OpenStackClient
import Testing

@Suite("Timestamps")
struct TimestampTests {
  @Test(arguments: [
    ("2013-09-03T04:01:32Z", 1_378_180_892.0),
    ("2013-09-03T04:01:32+00:00", 1_378_180_892.0),
    ("2013-09-03T06:01:32+02:00", 1_378_180_892.0),
    ("2013-09-03T00:01:32-0400", 1_378_180_892.0),
    ("2013-09-03T04:01:32", 1_378_180_892.0),
    ("2013-09-03 04:01:32", 1_378_180_892.0),
    ("2013-09-23T13:37:00.880302", 1_379_943_420.880302),
    ("2015-11-07T02:58:43.578887Z", 1_446_865_123.578887),
    ("2016-03-08T20:19:41.5Z", 1_457_468_381.5),
    ("1969-12-31T23:59:59Z", -1.0),
    ("2024-02-29T00:00:00Z", 1_709_164_800.0),
  ])
  func parsesEveryOpenStackForm(text: String, expected: Double) throws {
    let date = try #require(Timestamp.parse(text))
    #expect(abs(date.timeIntervalSince1970 - expected) < 0.000_001)
  }

  @Test(arguments: [
    "", "2013-09-03", "2013-13-03T04:01:32Z", "2013-09-03T04:01:32Q", "yesterday",
    "2013-09-03T04:01:32.",
  ])
  func rejectsNonTimestamps(text: String) {
    #expect(Timestamp.parse(text) == nil)
  }

  @Test func formatsUTCWithSecondPrecision() {
    #expect(
      Timestamp.format(Date(timeIntervalSince1970: 1_378_180_892.7)) == "2013-09-03T04:01:32Z")
    #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
  }
}
