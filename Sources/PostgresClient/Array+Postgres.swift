/// One-dimensional arrays (`text[]`, `int8[]`, `uuid[]`, ...) as array literals.
///
/// Every non-NULL element is double-quoted with `"` and `\` escaped, so commas, braces, quotes,
/// backslashes, whitespace, empty strings and the word `NULL` survive; `nil` elements (for
/// arrays of optionals) are SQL NULL.
extension Array: PostgresEncodable where Element: PostgresEncodable {
  public var postgresText: String {
    var text = "{"
    for (index, element) in enumerated() {
      if index > 0 { text += "," }
      guard let value = element.postgresBind else {
        text += "NULL"
        continue
      }
      text += "\""
      for character in value.unicodeScalars {
        if character == "\"" || character == "\\" { text += "\\" }
        text.unicodeScalars.append(character)
      }
      text += "\""
    }
    return text + "}"
  }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
  /// Decodes a one-dimensional array literal; a NULL element is an error unless `Element` is
  /// optional.
  public init(postgresText: String) throws {
    guard let elements = ArrayLiteralParser.elements(of: postgresText) else {
      throw PostgresError.cannotDecode(postgresText, as: [Element].self)
    }
    var result: [Element] = []
    result.reserveCapacity(elements.count)
    for (index, element) in elements.enumerated() {
      if let element {
        result.append(try Element(postgresText: element))
      } else if let nullable = Element.self as? any PostgresNullDecodable.Type,
        let null = nullable.postgresNull as? Element
      {
        result.append(null)
      } else {
        throw PostgresError(
          kind: .decoding,
          message: "array element \(index + 1) is NULL but \(Element.self) cannot hold NULL"
            + " (decode as [\(Element.self)?])")
      }
    }
    self = result
  }
}

/// Splits PostgreSQL's one-dimensional array output into elements (`nil` for unquoted NULL).
enum ArrayLiteralParser {
  static func elements(of text: String) -> [String?]? {
    var scalars = Substring(text).unicodeScalars[...]
    // Optional dimension decoration: [1:3]={...}
    if scalars.first == "[" {
      guard let equals = scalars.firstIndex(of: "=") else { return nil }
      scalars = scalars[scalars.index(after: equals)...]
    }
    guard scalars.first == "{", scalars.last == "}" else { return nil }
    scalars = scalars.dropFirst().dropLast()
    var elements: [String?] = []
    if scalars.allSatisfy({ $0 == " " }) { return elements }
    var iterator = scalars.makeIterator()
    var current = String.UnicodeScalarView()
    var quoted = false
    var sawQuote = false
    var next = iterator.next()
    while true {
      guard let scalar = next else {
        if quoted { return nil }
        elements.append(finish(current, wasQuoted: sawQuote))
        return elements
      }
      if quoted {
        if scalar == "\\" {
          guard let escaped = iterator.next() else { return nil }
          current.append(escaped)
        } else if scalar == "\"" {
          quoted = false
        } else {
          current.append(scalar)
        }
      } else {
        switch scalar {
        case "\"":
          quoted = true
          sawQuote = true
        case "\\":
          guard let escaped = iterator.next() else { return nil }
          current.append(escaped)
        case ",":
          elements.append(finish(current, wasQuoted: sawQuote))
          current = String.UnicodeScalarView()
          sawQuote = false
        case "{", "}":
          return nil  // multi-dimensional arrays are not supported
        default:
          current.append(scalar)
        }
      }
      next = iterator.next()
    }
  }

  private static func finish(_ scalars: String.UnicodeScalarView, wasQuoted: Bool) -> String? {
    let text = String(scalars)
    if wasQuoted { return text }
    let trimmed = text.trimmingSpaces()
    return trimmed.uppercased() == "NULL" ? nil : trimmed
  }
}

extension String {
  fileprivate func trimmingSpaces() -> String {
    var scalars = Substring(self).unicodeScalars[...]
    while let first = scalars.first, first == " " { scalars = scalars.dropFirst() }
    while let last = scalars.last, last == " " { scalars = scalars.dropLast() }
    return String(String.UnicodeScalarView(scalars))
  }
}
