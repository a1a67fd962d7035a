/// The json format: one object per report, with the same shape for every report.
///
/// ```json
/// {
///   "report": "drift",
///   "title": "...",
///   "generated_at": "2026-03-10T00:00:00Z",
///   "parameters": {"since": "...", ...},
///   "summary": {"added": 1, ...},
///   "columns": ["change", "server_id", ...],
///   "rows": [{"change": "changed", "server_id": "...", ...}],
///   "sections": {"daily": {"title": "...", "columns": [...], "rows": [{...}]}},
///   "footer": "Drift: ..." | null
/// }
/// ```
///
/// `columns`/`rows` are the primary section (what `-c` selects); `sections` holds the others
/// (empty object when there are none). Keys inside a row follow `columns`. Values: strings,
/// integers, numbers, `null`; times are UTC ISO-8601 strings; durations are whole seconds;
/// field values of changes are the JSON the ledger stored (`"ACTIVE"`, `2`, `{...}`, `null`).
public enum JSONRenderer {
  public static func render(_ document: ReportDocument) -> String {
    var out = "{\n"
    out += "  \"report\": \(string(document.report)),\n"
    out += "  \"title\": \(string(document.title)),\n"
    out += "  \"generated_at\": \(string(ReportFormatting.iso(document.generatedAt))),\n"
    out += "  \"parameters\": \(object(document.parameters)),\n"
    out += "  \"summary\": \(object(document.summary)),\n"
    let primary = document.sections.first
    out += "  \"columns\": \(array(primary?.columnNames ?? [])),\n"
    out += "  \"rows\": \(rows(primary, indent: "  ")),\n"
    let others = document.sections.dropFirst()
    if others.isEmpty {
      out += "  \"sections\": {},\n"
    } else {
      out += "  \"sections\": {\n"
      out += others.map { section in
        "    \(string(section.name)): {\n"
          + "      \"title\": \(string(section.title)),\n"
          + "      \"columns\": \(array(section.columnNames)),\n"
          + "      \"rows\": \(rows(section, indent: "      "))\n    }"
      }.joined(separator: ",\n")
      out += "\n  },\n"
    }
    out += "  \"footer\": \(document.footer.map(string) ?? "null")\n"
    return out + "}\n"
  }

  static func rows(_ section: ReportSection?, indent: String) -> String {
    guard let section, !section.rows.isEmpty else { return "[]" }
    let names = section.columnNames
    let lines = section.rows.map { row in
      indent + "  {"
        + zip(names, row).map { "\(string($0)): \(value($1))" }.joined(separator: ", ") + "}"
    }
    return "[\n" + lines.joined(separator: ",\n") + "\n" + indent + "]"
  }

  static func object(_ fields: [ReportField]) -> String {
    guard !fields.isEmpty else { return "{}" }
    return "{" + fields.map { "\(string($0.name)): \(value($0.value))" }.joined(separator: ", ")
      + "}"
  }

  static func array(_ names: [String]) -> String {
    "[" + names.map(string).joined(separator: ", ") + "]"
  }

  /// One value as JSON.
  public static func value(_ value: ReportValue) -> String {
    switch value {
    case .null: return "null"
    case .text(let text): return string(text)
    case .integer(let number): return String(number)
    case .number(let number):
      return number.isFinite ? ReportFormatting.number(number) : "null"
    case .time(let date): return string(ReportFormatting.iso(date))
    case .duration(let seconds): return String(Int(seconds.rounded()))
    case .json(let json): return json
    }
  }

  /// A JSON string literal, escaping quotes, backslashes and control characters.
  public static func string(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{2028}": out += "\\u2028"
      case "\u{2029}": out += "\\u2029"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
