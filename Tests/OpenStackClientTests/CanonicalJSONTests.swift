import Foundation
import Testing

@testable import OpenStackClient

@Suite struct CanonicalJSONTests {
  func canonical(_ text: String) throws -> String {
    try JSONValue.parse(Data(text.utf8)).canonicalJSONString()
  }

  @Test func keysAreSortedByTheirUTF8BytesAtEveryLevel() throws {
    #expect(
      try canonical(#"{"b": 1, "a": {"z": [ {"y": 2, "x": 3} ], "A": null}, "é": true, "e": 0}"#)
        == #"{"a":{"A":null,"z":[{"x":3,"y":2}]},"b":1,"e":0,"é":true}"#)
  }

  @Test func theLastOfDuplicateKeysWins() throws {
    #expect(try canonical(#"{"k": 1, "j": 0, "k": 2, "k": 3}"#) == #"{"j":0,"k":3}"#)
  }

  @Test func canonicallyEquivalentKeysStayApart() throws {
    // "é" precomposed and decomposed are equal Swift strings but different JSON keys.
    let text = "{\"e\u{301}\": 1, \"\u{e9}\": 2}"
    #expect(try canonical(text) == "{\"e\u{301}\":1,\"\u{e9}\":2}")
  }

  @Test func stringsAreEscapedOnlyWhereJSONRequires() throws {
    #expect(
      try canonical(#"["quote \" backslash \\ tab \t nl \n cr \r bell \u0007 nul \u0000 / é"]"#)
        == #"["quote \" backslash \\ tab \t nl \n cr \r bell \u0007 nul \u0000 / é"]"#)
  }

  @Test func anAlreadySortedObjectIsWrittenAsIs() throws {
    #expect(try canonical(#"{"a":1,"b":2,"c":3}"#) == #"{"a":1,"b":2,"c":3}"#)
  }
}
