import Foundation
import Testing

@testable import Reports

@Suite("renderers")
struct RendererTests {
  static let document = ReportDocument(
    report: "sample", title: "Sample", generatedAt: ReportFixture.date("2026-03-10T00:00:00Z"),
    sections: [
      ReportSection(
        name: "things", title: "Things",
        columns: ["name", "count", "when", "took", "value", "note"].map { ReportColumn($0) },
        rows: [
          [
            .text("plain"), .integer(3), .time(ReportFixture.date("2026-03-01T06:00:00.5Z")),
            .duration(90_061), .json("{\"a\": [1, \"x\"]}"), .null,
          ],
          [
            .text("comma, \"quoted\"\r\nand lines"), .integer(-1), .null, .duration(59),
            .json("\"text\""), .text("ünïcödé ✓"),
          ],
        ])
    ])

  @Test func csvQuotesOnlyWhatNeedsQuotingAndEndsLinesWithCRLF() throws {
    let csv = try ReportRenderer.render(Self.document, format: .csv)
    #expect(csv.hasPrefix("name,count,when,took,value,note\r\n"))
    #expect(csv.contains("\"comma, \"\"quoted\"\"\r\nand lines\""))
    #expect(csv.contains("plain,3,2026-03-01T06:00:00Z,90061,\"{\"\"a\"\": [1, \"\"x\"\"]}\",\r\n"))
    #expect(csv.hasSuffix("\r\n"))
  }

  @Test func csvParsesBackToTheSameRows() throws {
    let csv = try ReportRenderer.render(Self.document, format: .csv)
    let records = parseCSV(csv)
    let section = Self.document.sections[0]
    #expect(records.first == section.columnNames)
    #expect(Array(records.dropFirst()) == section.rows.map { $0.map(\.csvText) })
  }

  @Test func jsonParsesBackToTheSameRows() throws {
    let json = try ReportRenderer.render(Self.document, format: .json)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(object["report"] as? String == "sample")
    #expect(object["generated_at"] as? String == "2026-03-10T00:00:00Z")
    let rows = try #require(object["rows"] as? [[String: Any]])
    let section = Self.document.sections[0]
    #expect(rows.count == section.rows.count)
    for (parsed, row) in zip(rows, section.rows) {
      let expected = NSDictionary(
        dictionary: Dictionary(
          uniqueKeysWithValues: zip(section.columnNames, row.map(foundationValue))))
      #expect(NSDictionary(dictionary: parsed).isEqual(expected))
    }
  }

  @Test func columnsPickAndOrder() throws {
    let csv = try ReportRenderer.render(Self.document, format: .csv, columns: ["took", "name"])
    #expect(parseCSV(csv).first == ["took", "name"])
    #expect(parseCSV(csv)[1] == ["90061", "plain"])
    let table = try ReportRenderer.render(Self.document, format: .table, columns: ["count"])
    #expect(table.contains("| count |"))
    #expect(!table.contains("name"))
  }

  @Test func unknownColumnIsAnErrorListingTheValidOnes() throws {
    #expect(
      throws: ReportError.unknownColumn(
        "nope", valid: ["name", "count", "when", "took", "value", "note"])
    ) {
      try ReportRenderer.render(Self.document, format: .table, columns: ["name", "nope"])
    }
    let message = ReportError.unknownColumn("nope", valid: ["a", "b"]).description
    #expect(message == "unknown column 'nope'; valid columns: a, b")
    #expect(ReportError.unknownColumn("x", valid: []).isUsageError)
  }

  @Test(arguments: [40, 60, 80, 120])
  func tablesFitTheWidthAndTruncateWithAnEllipsis(width: Int) throws {
    let table = try ReportRenderer.render(Self.document, format: .table, width: width)
    for line in table.split(separator: "\n") {
      #expect(line.count <= width, "\(line)")
    }
    if width < 80 { #expect(table.contains("…")) }
  }

  @Test func tablesKeepCellsOnOneLine() throws {
    let table = TableRenderer(width: 200).table(Self.document.sections[0])
    #expect(table.allSatisfy { !$0.contains("\r") })
    #expect(table.contains { $0.contains("comma, \"quoted\" and lines") })
  }

  @Test func htmlIsSelfContainedAndEscaped() throws {
    var document = Self.document
    document.charts = [
      .bars(title: "<b>", labels: ["a", "b"], series: [ChartSeries(name: "n", values: [1, 2])])
    ]
    let html = try ReportRenderer.render(document, format: .html)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(!html.contains("<script"))
    #expect(
      !html.contains("http://")
        || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains(
          "http://")
    )
    #expect(!html.contains("https://"))
    #expect(html.contains("&lt;b&gt;"))
    #expect(html.contains("<svg") && html.contains("<rect"))
  }

  @Test(arguments: [
    ("2026-03-01T06:00:00Z", PointSpec.time(ReportFixture.date("2026-03-01T06:00:00Z"))),
    ("2026-03-01", PointSpec.time(ReportFixture.date("2026-03-01T00:00:00Z"))),
    ("run:42", PointSpec.run(42)),
    ("42", PointSpec.run(42)),
    ("7d", PointSpec.ago(7 * 86_400)),
    ("release-1", PointSpec.baseline("release-1")),
  ])
  func pointsParse(text: String, expected: PointSpec) {
    #expect(PointSpec.parse(text) == expected)
  }

  @Test func durationsAndNumbersReadWell() {
    #expect(ReportFormatting.duration(59) == "59s")
    #expect(ReportFormatting.duration(3600 + 5 * 60) == "1h 05m")
    #expect(ReportFormatting.duration(2 * 86_400 + 4 * 3600) == "2d 4h")
    #expect(ReportFormatting.number(1.5) == "1.5")
    #expect(ReportFormatting.number(2) == "2")
    #expect(ReportFormatting.number(1 / 3) == "0.33")
  }
}
