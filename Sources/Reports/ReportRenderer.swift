/// Output formats, as in the `openstack` CLI (`-f`).
public enum ReportFormat: String, Sendable, CaseIterable {
  case table
  case json
  case csv
  case html
  /// Drift only: one line per change, like a refresh-only plan.
  case plan

  /// Parses `-f`; `valid` lists what the command accepts.
  public static func parse(_ text: String, valid: [ReportFormat]) throws -> ReportFormat {
    guard let format = ReportFormat(rawValue: text.lowercased()), valid.contains(format) else {
      throw ReportError.unknownFormat(text, valid: valid.map(\.rawValue))
    }
    return format
  }
}

/// Turns a ``ReportDocument`` into text. Pure: same document, same text.
public enum ReportRenderer {
  /// Renders a document.
  ///
  /// - Parameters:
  ///   - format: `plan` is rendered as `table` here (drift has its own plan renderer).
  ///   - columns: `-c` values for the primary section; empty for all (tables: the default set).
  ///   - width: the terminal width tables must fit (default 120).
  /// - Throws: ``ReportError/unknownColumn(_:valid:)``.
  public static func render(
    _ document: ReportDocument, format: ReportFormat, columns: [String] = [], width: Int = 120
  ) throws -> String {
    let selected = try document.selecting(columns: columns)
    switch format {
    case .table, .plan:
      return TableRenderer(width: width).render(selected, trimDefaults: columns.isEmpty)
    case .json: return JSONRenderer.render(selected)
    case .csv: return CSVRenderer.render(selected.sections.first)
    case .html: return HTMLRenderer.render(selected)
    }
  }
}
