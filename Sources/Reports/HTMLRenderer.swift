public import Foundation

/// The html format: one self-contained page (inline CSS, inline SVG charts, no scripts, no
/// external URLs) with the parameters, the summary, the charts and every section as a table.
public enum HTMLRenderer {
  public static func render(_ document: ReportDocument) -> String {
    var html = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <title>\(escape(document.title))</title>
      <style>
      \(css)
      </style>
      </head>
      <body>
      <h1>\(escape(document.title))</h1>
      <p class="meta">Generated for \(escape(ReportFormatting.iso(document.generatedAt))) (UTC)</p>

      """
    let parameters = document.parameters.filter { $0.value != .null }
    if !parameters.isEmpty {
      html += "<dl class=\"parameters\">\n"
      for field in parameters {
        html += "<dt>\(escape(field.name))</dt><dd>\(escape(field.value.text))</dd>\n"
      }
      html += "</dl>\n"
    }
    if !document.summary.isEmpty {
      html += "<ul class=\"summary\">\n"
      for field in document.summary {
        html +=
          "<li><span class=\"count\">\(escape(field.value.text))</span> \(escape(field.name))</li>\n"
      }
      html += "</ul>\n"
    }
    if let footer = document.footer {
      html += "<p class=\"footer\">\(escape(footer))</p>\n"
    }
    for chart in document.charts {
      html += "<figure>\n" + SVGChart.render(chart) + "</figure>\n"
    }
    for section in document.sections {
      html += "<h2>\(escape(section.title)) <small>(\(section.rows.count))</small></h2>\n"
      html += table(section)
    }
    html += "</body>\n</html>\n"
    return html
  }

  static func table(_ section: ReportSection) -> String {
    guard !section.rows.isEmpty else { return "<p class=\"empty\">None.</p>\n" }
    var html = "<table>\n<thead><tr>"
    html += section.columnNames.map { "<th>\(escape($0))</th>" }.joined()
    html += "</tr></thead>\n<tbody>\n"
    for row in section.rows {
      html += "<tr>"
      for value in row {
        let kind: String
        switch value {
        case .integer, .number, .duration: kind = " class=\"num\""
        default: kind = ""
        }
        html += "<td\(kind)>\(escape(value.text))</td>"
      }
      html += "</tr>\n"
    }
    return html + "</tbody>\n</table>\n"
  }

  /// Escapes text for HTML content and attribute values.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }

  static let css = """
    body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #1d2733; background: #fff; }
    h1 { font-size: 22px; margin: 0 0 4px; }
    h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d8dee6; padding-bottom: 4px; }
    h2 small { color: #6b7785; font-weight: normal; }
    .meta { color: #6b7785; margin: 0 0 12px; }
    dl.parameters { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 0 0 12px; }
    dl.parameters dt { color: #6b7785; }
    dl.parameters dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; }
    ul.summary { list-style: none; padding: 0; display: flex; gap: 12px; flex-wrap: wrap; }
    ul.summary li { background: #f1f4f8; border-radius: 6px; padding: 8px 14px; }
    ul.summary .count { font-size: 20px; font-weight: bold; margin-right: 4px; }
    .footer { font-weight: bold; }
    figure { margin: 16px 0; }
    svg { background: #fbfcfd; border: 1px solid #e3e8ee; border-radius: 6px; }
    svg text { font-family: Helvetica, Arial, sans-serif; font-size: 11px; fill: #3b4754; }
    svg .title { font-size: 13px; font-weight: bold; fill: #1d2733; }
    svg .axis { stroke: #9aa5b1; stroke-width: 1; }
    svg .grid { stroke: #e3e8ee; stroke-width: 1; }
    table { border-collapse: collapse; font-size: 12px; margin-bottom: 8px; }
    th, td { border: 1px solid #d8dee6; padding: 3px 8px; text-align: left; vertical-align: top; }
    th { background: #f1f4f8; }
    td { font-family: ui-monospace, Menlo, Consolas, monospace; }
    td.num { text-align: right; }
    tbody tr:nth-child(even) { background: #f8fafc; }
    .empty { color: #6b7785; }
    """
}
