public import Foundation

/// JSON text for `json` and `jsonb` columns and parameters.
///
/// The text is sent and received verbatim; note that `jsonb` normalizes whitespace and key
/// order on output.
public struct PostgresJSON: Sendable, Hashable, PostgresEncodable, PostgresDecodable {
  /// The JSON document as text.
  public var text: String

  /// Wraps JSON text without checking it (PostgreSQL validates it on input).
  public init(_ text: String) {
    self.text = text
  }

  /// Encodes a value with `JSONEncoder`.
  public init<Value: Encodable>(encoding value: Value, encoder: JSONEncoder = JSONEncoder()) throws
  {
    self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  /// Decodes the JSON text with `JSONDecoder`.
  public func decode<Value: Decodable>(
    _ type: Value.Type = Value.self, decoder: JSONDecoder = JSONDecoder()
  ) throws -> Value {
    try decoder.decode(type, from: Data(text.utf8))
  }

  /// The JSON parsed with `JSONSerialization` (fragments allowed).
  public func jsonObject() throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
  }

  public var postgresText: String { text }

  public init(postgresText: String) {
    self.text = postgresText
  }
}

/// An `inet` or `cidr` value in text form (`192.0.2.1`, `10.0.0.0/8`, `2001:db8::1/128`).
///
/// Validation is loose: only hex digits, `.`, `:` and one `/prefix` are accepted; PostgreSQL
/// does the exact check.
public struct PostgresInet: Sendable, Hashable, CustomStringConvertible, PostgresEncodable,
  PostgresDecodable
{
  /// The address as PostgreSQL writes it.
  public var text: String

  /// Checks the text loosely and throws `PostgresError` (`.encoding`) if it cannot be an
  /// address.
  public init(_ text: String) throws {
    guard Self.looksLikeAddress(text) else {
      throw PostgresError(kind: .encoding, message: "'\(text)' is not an inet/cidr address")
    }
    self.text = text
  }

  public init(postgresText: String) throws {
    guard Self.looksLikeAddress(postgresText) else {
      throw PostgresError.cannotDecode(postgresText, as: PostgresInet.self)
    }
    self.text = postgresText
  }

  /// The address part without `/prefix`.
  public var address: String {
    text.split(separator: "/", maxSplits: 1).first.map(String.init) ?? text
  }

  /// The prefix length after `/`, if written.
  public var prefixLength: Int? {
    let parts = text.split(separator: "/", maxSplits: 1)
    return parts.count == 2 ? Int(parts[1]) : nil
  }

  public var postgresText: String { text }
  public var description: String { text }

  static func looksLikeAddress(_ text: String) -> Bool {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard let address = parts.first, !address.isEmpty, parts.count <= 2,
      address.contains(".") || address.contains(":")
    else { return false }
    if parts.count == 2 {
      guard let prefix = Int(parts[1]), (0...128).contains(prefix) else { return false }
    }
    return address.unicodeScalars.allSatisfy {
      $0.properties.isASCIIHexDigit || $0 == "." || $0 == ":"
    }
  }
}
