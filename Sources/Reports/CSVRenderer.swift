/// RFC 4180 csv: a header line, then one record per row; fields with a comma, a double
/// quote, CR or LF are quoted and quotes doubled; every line ends with CRLF.
///
/// Times are UTC ISO-8601, durations whole seconds, NULL an empty field.
public enum CSVRenderer {
  public static func render(_ section: ReportSection?) -> String {
    guard let section else { return "" }
    var text = record(section.columnNames)
    for row in section.rows {
      text += record(row.map(\.csvText))
    }
    return text
  }

  static func record(_ fields: [String]) -> String {
    fields.map(field).joined(separator: ",") + "\r\n"
  }

  static func field(_ value: String) -> String {
    let needsQuotes = value.unicodeScalars.contains {
      $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n"
    }
    guard needsQuotes else { return value }
    return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
