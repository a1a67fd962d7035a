public import Foundation

/// A Swift value that can be sent to PostgreSQL as a text-format parameter.
public protocol PostgresEncodable {
  /// The value in PostgreSQL's text input format.
  var postgresText: String { get }
  /// The bind value: `postgresText`, or `nil` for SQL NULL. Only `Optional` overrides this.
  var postgresBind: String? { get }
}

extension PostgresEncodable {
  public var postgresBind: String? { postgresText }
}

/// A Swift value that can be read from PostgreSQL's text output format.
public protocol PostgresDecodable {
  /// Decodes a non-NULL text value; throws `PostgresError` (`.decoding`) when it does not fit.
  init(postgresText: String) throws
}

/// Types that can stand for SQL NULL when decoding (only `Optional`).
protocol PostgresNullDecodable {
  static var postgresNull: Self { get }
}

extension PostgresError {
  static func cannotDecode(_ text: String, as type: Any.Type) -> PostgresError {
    let shown = text.count > 80 ? String(text.prefix(80)) + "..." : text
    return PostgresError(kind: .decoding, message: "cannot decode '\(shown)' as \(type)")
  }
}

// MARK: - Optional

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
  /// The wrapped value's text, or an empty string for `nil` (binds use `postgresBind`, which is
  /// SQL NULL for `nil`).
  public var postgresText: String { self?.postgresText ?? "" }
  public var postgresBind: String? { self?.postgresBind }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
  public init(postgresText: String) throws {
    self = .some(try Wrapped(postgresText: postgresText))
  }
}

extension Optional: PostgresNullDecodable where Wrapped: PostgresDecodable {
  static var postgresNull: Self { nil }
}

// MARK: - Text

extension String: PostgresEncodable, PostgresDecodable {
  public var postgresText: String { self }
  public init(postgresText: String) { self = postgresText }
}

extension Substring: PostgresEncodable {
  public var postgresText: String { String(self) }
}

// MARK: - Integers

extension PostgresDecodable where Self: FixedWidthInteger {
  static func decodeInteger(_ text: String) throws -> Self {
    guard let value = Self(text) else { throw PostgresError.cannotDecode(text, as: Self.self) }
    return value
  }
}

extension Int: PostgresEncodable, PostgresDecodable {
  public var postgresText: String { String(self) }
  public init(postgresText: String) throws { self = try Self.decodeInteger(postgresText) }
}

extension Int64: PostgresEncodable, PostgresDecodable {
  public var postgresText: String { String(self) }
  public init(postgresText: String) throws { self = try Self.decodeInteger(postgresText) }
}

extension Int32: PostgresEncodable, PostgresDecodable {
  public var postgresText: String { String(self) }
  public init(postgresText: String) throws { self = try Self.decodeInteger(postgresText) }
}

extension Int16: PostgresEncodable, PostgresDecodable {
  public var postgresText: String { String(self) }
  public init(postgresText: String) throws { self = try Self.decodeInteger(postgresText) }
}

// MARK: - Floating point

extension Double: PostgresEncodable, PostgresDecodable {
  public var postgresText: String {
    if isNaN { return "NaN" }
    if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
    return description
  }

  public init(postgresText: String) throws {
    switch postgresText {
    case "NaN": self = .nan
    case "Infinity": self = .infinity
    case "-Infinity": self = -.infinity
    default:
      guard let value = Double(postgresText) else {
        throw PostgresError.cannotDecode(postgresText, as: Double.self)
      }
      self = value
    }
  }
}

// MARK: - Bool

extension Bool: PostgresEncodable, PostgresDecodable {
  public var postgresText: String { self ? "t" : "f" }

  public init(postgresText: String) throws {
    switch postgresText.lowercased() {
    case "t", "true", "y", "yes", "on", "1": self = true
    case "f", "false", "n", "no", "off", "0": self = false
    default: throw PostgresError.cannotDecode(postgresText, as: Bool.self)
    }
  }
}

// MARK: - UUID

extension UUID: PostgresEncodable, PostgresDecodable {
  /// Lower-case, hyphenated: PostgreSQL's own output form.
  public var postgresText: String { uuidString.lowercased() }

  public init(postgresText: String) throws {
    guard let uuid = UUID(uuidString: postgresText) else {
      throw PostgresError.cannotDecode(postgresText, as: UUID.self)
    }
    self = uuid
  }
}

// MARK: - bytea

extension Data: PostgresEncodable, PostgresDecodable {
  /// bytea hex format: `\x0123ab`.
  public var postgresText: String {
    let digits = Array("0123456789abcdef".utf8)
    var bytes: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
    bytes.reserveCapacity(2 + count * 2)
    for byte in self {
      bytes.append(digits[Int(byte >> 4)])
      bytes.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Decodes bytea hex output (`\x...`, PostgreSQL's default `bytea_output`).
  public init(postgresText: String) throws {
    let utf8 = Array(postgresText.utf8)
    guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"),
      utf8.count % 2 == 0
    else { throw PostgresError.cannotDecode(postgresText, as: Data.self) }
    func nibble(_ c: UInt8) -> UInt8? {
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
      default: return nil
      }
    }
    var bytes = [UInt8]()
    bytes.reserveCapacity((utf8.count - 2) / 2)
    var index = 2
    while index < utf8.count {
      guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
        throw PostgresError.cannotDecode(postgresText, as: Data.self)
      }
      bytes.append(high << 4 | low)
      index += 2
    }
    self = Data(bytes)
  }
}
