import Testing

@testable import Ledger

@Suite struct ServerRecordTests {
  @Test(arguments: [
    ("{\"a\":\"plain\"}", false),
    ("{\"a\":\"raw\u{0}byte\"}", true),
    (#"{"a":"escaped \u0000 nul"}"#, true),
    (#"{"a":"an escaped backslash, then \\u0000 as text"}"#, false),
    (#"{"a":"backslash then nul \\\u0000"}"#, true),
    (#"{"a":"other escapes \n \" \u0041 \\"}"#, false),
    (#"{"a":"cut short \u000"}"#, false),
    ("", false),
  ])
  func findsNULInJSONText(json: String, expected: Bool) {
    #expect(ServerRecord.containsNUL(json: json) == expected)
  }

  @Test func rejectsRecordsWithNULInAFieldOrTheRawJSON() {
    let clean = ServerRecord(
      id: "1", status: "ACTIVE", updatedAt: nil, isPartial: false, values: ["a"],
      rawJSON: #"{"name":"a"}"#)
    #expect(clean.rejection == nil)
    let inField = ServerRecord(
      id: "1", status: "ACTIVE", updatedAt: nil, isPartial: false, values: ["a\u{0}"],
      rawJSON: #"{"name":"a"}"#)
    #expect(inField.rejection != nil)
    let inRaw = ServerRecord(
      id: "1", status: "ACTIVE", updatedAt: nil, isPartial: false, values: ["a"],
      rawJSON: #"{"name":"a\u0000"}"#)
    #expect(inRaw.rejection != nil)
  }
}
