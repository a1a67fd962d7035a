/// Boxed text tables like the `openstack` CLI's, fitted to a width.
///
/// When a table is wider than the width, free-text columns give way first (times, numbers and
/// durations keep their width), wide columns share the room equally, and cells that do not
/// fit end with `…`. Newlines in cells become spaces.
public struct TableRenderer: Sendable {
  public var width: Int

  public init(width: Int = 120) {
    self.width = max(width, 20)
  }

  /// The document as text: title, parameters, each table section (with its title when there
  /// are several), then the footer (or, without one, the summary).
  public func render(_ document: ReportDocument, trimDefaults: Bool = true) -> String {
    var lines: [String] = []
    lines.append(clip(document.title))
    let parameters = document.parameters.filter { $0.value != .null }
    if !parameters.isEmpty {
      lines.append(
        clip(parameters.map { "\($0.name): \($0.value.text)" }.joined(separator: "  ")))
    }
    let sections = document.sections.filter(\.inTable)
    for section in sections {
      lines.append("")
      if sections.count > 1 { lines.append(clip("\(section.title) (\(section.rows.count))")) }
      let shown = trimDefaults ? section.defaultTableColumns() : section
      lines.append(contentsOf: table(shown))
    }
    if !document.summary.isEmpty && document.footer == nil {
      lines.append("")
      lines.append(
        clip(document.summary.map { "\($0.name): \($0.value.text)" }.joined(separator: ", ")))
    }
    if let footer = document.footer {
      lines.append("")
      lines.append(clip(footer))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// One section as boxed lines.
  public func table(_ section: ReportSection) -> [String] {
    let headers = section.columnNames
    guard !headers.isEmpty else { return [] }
    let cells = section.rows.map { row in
      row.map { value -> (text: String, count: Int) in
        let text = Self.oneLine(value.text)
        return (text, text.count)
      }
    }
    var natural = headers.map(\.count)
    for row in cells {
      for (index, cell) in row.enumerated() where index < natural.count {
        natural[index] = max(natural[index], cell.count)
      }
    }
    // Times, numbers and durations keep their width while free text can give way.
    let rigid = headers.indices.map { index in
      section.rows.allSatisfy { row in
        guard index < row.count else { return true }
        switch row[index] {
        case .time, .integer, .number, .duration, .null: return true
        case .text, .json: return false
        }
      }
    }
    let widths = Self.fit(natural, rigid: rigid, into: width - (3 * headers.count + 1))
    let rule =
      "+" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "+") + "+"
    func line(_ values: [(text: String, count: Int)]) -> String {
      "| "
        + zip(values, widths).map { cell, width in
          cell.count > width
            ? Self.truncate(cell.text, to: width)
            : cell.text + String(repeating: " ", count: width - cell.count)
        }
        .joined(separator: " | ") + " |"
    }
    var lines = [rule, line(headers.map { ($0, $0.count) }), rule]
    lines.append(contentsOf: cells.map(line))
    lines.append(rule)
    return lines
  }

  /// Column widths that fit `available`: rigid columns keep their natural width when the
  /// flexible ones can still get 8 characters each; columns narrower than their fair share
  /// keep theirs, and the wide ones share the rest equally (never below 3).
  static func fit(_ natural: [Int], rigid: [Bool], into available: Int) -> [Int] {
    guard natural.reduce(0, +) > available else { return natural }
    let flexible = natural.indices.filter { !rigid[$0] }
    let rigidTotal = natural.indices.filter { rigid[$0] }.map { natural[$0] }.reduce(0, +)
    if !flexible.isEmpty, available - rigidTotal >= 8 * flexible.count {
      var widths = natural
      for (index, width) in share(flexible.map { natural[$0] }, available - rigidTotal)
        .enumerated()
      {
        widths[flexible[index]] = width
      }
      return widths
    }
    return share(natural, available)
  }

  /// Splits `available` among columns: small ones keep their width, wide ones share equally.
  static func share(_ natural: [Int], _ available: Int) -> [Int] {
    var widths = natural
    var remaining = available
    var open = natural.indices.sorted { natural[$0] < natural[$1] }
    while let smallest = open.first, natural[smallest] * open.count <= remaining {
      remaining -= natural[smallest]
      open.removeFirst()
    }
    guard !open.isEmpty else { return widths }
    let fair = max(3, remaining / open.count)
    var extra = max(0, remaining - fair * open.count)
    for index in open.sorted() {
      widths[index] = fair + (extra > 0 ? 1 : 0)
      if extra > 0 { extra -= 1 }
    }
    return widths
  }

  static func truncate(_ text: String, to width: Int) -> String {
    guard text.count > width else { return text }
    guard width > 1 else { return String(text.prefix(width)) }
    return String(text.prefix(width - 1)) + "…"
  }

  static func pad(_ text: String, to width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }

  static func oneLine(_ text: String) -> String {
    // A scan of the scalars (every newline character is one of these, and a tab) instead of
    // Character comparisons and Foundation's contains: this runs for every cell.
    guard text.unicodeScalars.contains(where: Self.breaksLine) else { return text }
    return String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
  }

  /// Tab, LF, VT, FF, CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
  static func breaksLine(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x85, 0x2028, 0x2029: return true
    default: return false
    }
  }

  func clip(_ text: String) -> String {
    Self.truncate(text, to: width)
  }
}
