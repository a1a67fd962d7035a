internal import Foundation

/// A strict RFC 8259 parser over bytes that keeps object member order.
///
/// Hand-written because it runs for every server of every sync (100k+ objects) and because its
/// errors must say where the text broke (a truncated body is reported as such).
struct JSONParser {
  struct Failure: Error {
    var reason: String
    var offset: Int
    var truncated: Bool
  }

  private let bytes: UnsafeBufferPointer<UInt8>
  private var index: Int = 0
  private var depth: Int = 0
  private static let maxDepth = 512

  private init(bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
  }

  static func parse(_ data: Data, resource: String) throws -> JSONValue {
    do {
      return try data.withUnsafeBytes { raw in
        try parseBytes(raw.bindMemory(to: UInt8.self))
      }
    } catch let failure as Failure {
      throw OpenStackError.malformedJSON(
        resource: resource,
        reason: failure.describe(in: data))
    }
  }

  static func parseBytes(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
    var parser = JSONParser(bytes: bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue()
    parser.skipWhitespace()
    if parser.index != bytes.count {
      throw parser.failure("unexpected text after the JSON value")
    }
    return value
  }

  /// Parses the value starting at `offset`; returns it and the offset just after it.
  static func parseValue(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws -> (
    JSONValue, Int
  ) {
    var parser = JSONParser(bytes: bytes)
    parser.index = offset
    parser.skipWhitespace()
    let value = try parser.parseValue()
    return (value, parser.index)
  }

  /// Skips the value starting at `offset` without building it; returns the offset after it.
  static func skipValue(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws -> Int {
    var parser = JSONParser(bytes: bytes)
    parser.index = offset
    parser.skipWhitespace()
    try parser.skipValue()
    return parser.index
  }

  /// Reads a string token starting at `offset` (which must be a quote); returns it and the offset after it.
  static func parseString(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws -> (
    String, Int
  ) {
    var parser = JSONParser(bytes: bytes)
    parser.index = offset
    let text = try parser.parseString()
    return (text, parser.index)
  }

  static func skipWhitespace(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int {
    var parser = JSONParser(bytes: bytes)
    parser.index = offset
    parser.skipWhitespace()
    return parser.index
  }

  // MARK: - Parsing

  private func failure(_ reason: String) -> Failure {
    let truncated = index >= bytes.count
    return Failure(
      reason: truncated ? "unexpected end of input (the body looks truncated)" : reason,
      offset: index, truncated: truncated)
  }

  private mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x0A, 0x0D, 0x09: index += 1
      default: return
      }
    }
  }

  private mutating func parseValue() throws -> JSONValue {
    guard index < bytes.count else { throw failure("expected a value") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try expectLiteral("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expectLiteral("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expectLiteral("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try parseNumber()
    default:
      throw failure("unexpected character '\(Self.printable(bytes[index]))'")
    }
  }

  private mutating func expectLiteral(_ literal: StaticString) throws {
    let count = literal.utf8CodeUnitCount
    let start = literal.utf8Start
    for offset in 0..<count {
      guard index < bytes.count else { throw failure("unterminated literal") }
      guard bytes[index] == start[offset] else {
        throw failure("invalid literal, expected \(literal)")
      }
      index += 1
    }
  }

  private mutating func parseObject() throws -> JSONValue {
    depth += 1
    guard depth <= Self.maxDepth else { throw failure("nesting too deep") }
    defer { depth -= 1 }
    index += 1
    var members: [JSONObject.Member] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(JSONObject(members: members))
    }
    members.reserveCapacity(8)
    while true {
      skipWhitespace()
      guard index < bytes.count else { throw failure("unterminated object") }
      guard bytes[index] == UInt8(ascii: "\"") else {
        throw failure("expected a member name in quotes")
      }
      let key = try parseString()
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
        throw failure("expected ':' after member name \"\(key)\"")
      }
      index += 1
      skipWhitespace()
      let value = try parseValue()
      members.append(JSONObject.Member(key: key, value: value))
      skipWhitespace()
      guard index < bytes.count else { throw failure("unterminated object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      if bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(JSONObject(members: members))
      }
      throw failure("expected ',' or '}' in object")
    }
  }

  private mutating func parseArray() throws -> JSONValue {
    depth += 1
    guard depth <= Self.maxDepth else { throw failure("nesting too deep") }
    defer { depth -= 1 }
    index += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try parseValue())
      skipWhitespace()
      guard index < bytes.count else { throw failure("unterminated array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      if bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      }
      throw failure("expected ',' or ']' in array")
    }
  }

  private mutating func parseString() throws -> String {
    index += 1  // opening quote
    let start = index
    // Fast path: no escapes.
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        let text = String(
          decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        index += 1
        return text
      }
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 { throw failure("control character in string") }
      index += 1
    }
    guard index < bytes.count else { throw failure("unterminated string") }
    var buffer: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        index += 1
        return String(decoding: buffer, as: UTF8.self)
      }
      if byte < 0x20 { throw failure("control character in string") }
      if byte != UInt8(ascii: "\\") {
        buffer.append(byte)
        index += 1
        continue
      }
      index += 1
      guard index < bytes.count else { throw failure("unterminated escape") }
      let escape = bytes[index]
      index += 1
      switch escape {
      case UInt8(ascii: "\""): buffer.append(0x22)
      case UInt8(ascii: "\\"): buffer.append(0x5C)
      case UInt8(ascii: "/"): buffer.append(0x2F)
      case UInt8(ascii: "b"): buffer.append(0x08)
      case UInt8(ascii: "f"): buffer.append(0x0C)
      case UInt8(ascii: "n"): buffer.append(0x0A)
      case UInt8(ascii: "r"): buffer.append(0x0D)
      case UInt8(ascii: "t"): buffer.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try parseHex4()
        if (0xD800..<0xDC00).contains(scalar) {
          // High surrogate: a low surrogate must follow.
          if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
            bytes[index + 1] == UInt8(ascii: "u")
          {
            index += 2
            let low = try parseHex4()
            if (0xDC00..<0xE000).contains(low) {
              scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else {
              scalar = 0xFFFD
            }
          } else {
            scalar = 0xFFFD
          }
        } else if (0xDC00..<0xE000).contains(scalar) {
          scalar = 0xFFFD
        }
        let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
      default:
        throw failure("invalid escape '\\\(Self.printable(escape))'")
      }
    }
    throw failure("unterminated string")
  }

  private mutating func parseHex4() throws -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard index < bytes.count else { throw failure("unterminated \\u escape") }
      let byte = bytes[index]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw failure("invalid \\u escape")
      }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  private mutating func parseNumber() throws -> JSONValue {
    let start = index
    var isInteger = true
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    guard index < bytes.count else { throw failure("unterminated number") }
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
    } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index]) {
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        index += 1
      }
    } else {
      throw failure("invalid number")
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      isInteger = false
      index += 1
      let digitsStart = index
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        index += 1
      }
      guard index > digitsStart else { throw failure("invalid number: no digits after '.'") }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
      isInteger = false
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
      {
        index += 1
      }
      let digitsStart = index
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        index += 1
      }
      guard index > digitsStart else { throw failure("invalid number: no digits in exponent") }
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    if isInteger, let value = Int(text) { return .int(value) }
    guard let value = Double(text) else { throw failure("invalid number") }
    return .double(value)
  }

  // MARK: - Skipping

  private mutating func skipValue() throws {
    guard index < bytes.count else { throw failure("expected a value") }
    switch bytes[index] {
    case UInt8(ascii: "\""):
      try skipString()
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      var nesting = 0
      while index < bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") {
          try skipString()
          continue
        }
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
          nesting += 1
        } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
          nesting -= 1
          if nesting == 0 {
            index += 1
            return
          }
        }
        index += 1
      }
      throw failure("unterminated container")
    default:
      _ = try parseValue()
    }
  }

  private mutating func skipString() throws {
    index += 1
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\\") {
        index += 2
        continue
      }
      index += 1
      if byte == UInt8(ascii: "\"") { return }
    }
    throw failure("unterminated string")
  }

  private static func printable(_ byte: UInt8) -> String {
    if byte >= 0x20 && byte < 0x7F { return String(UnicodeScalar(byte)) }
    return String(format: "\\x%02X", byte)
  }
}

extension JSONParser.Failure {
  /// "line L, column C: reason" computed from the byte offset.
  func describe(in data: Data) -> String {
    var line = 1
    var column = 1
    var position = 0
    for byte in data {
      if position >= offset { break }
      if byte == 0x0A {
        line += 1
        column = 1
      } else {
        column += 1
      }
      position += 1
    }
    if data.isEmpty { return "empty body (expected JSON)" }
    return "\(reason) at line \(line), column \(column) (byte \(offset) of \(data.count))"
  }
}
