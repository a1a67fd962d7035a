public import Foundation

/// A JSON value that keeps object members in the order the service sent them.
///
/// Integers without a fraction or exponent that fit in `Int` stay `.int`; every other number is
/// `.double`. Used for the untouched JSON of a resource (`Server.raw`) and for decoding.
public enum JSONValue: Sendable, Equatable, Hashable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)

  /// A short name of the value's kind for error messages: "a string", "an integer", ...
  public var kindDescription: String {
    switch self {
    case .null: return "null"
    case .bool: return "a boolean"
    case .int: return "an integer"
    case .double: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }

  /// The member `key` when this is an object, otherwise `nil`.
  public subscript(key: String) -> JSONValue? {
    if case .object(let object) = self { return object[key] }
    return nil
  }

  /// The string payload, or `nil` for any other kind.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The object payload, or `nil` for any other kind.
  public var objectValue: JSONObject? {
    if case .object(let value) = self { return value }
    return nil
  }

  /// The array payload, or `nil` for any other kind.
  public var arrayValue: [JSONValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  /// Parses JSON text; throws `OpenStackError.malformedJSON` naming `resource` on bad input.
  public static func parse(_ data: Data, resource: String = "response") throws -> JSONValue {
    try JSONParser.parse(data, resource: resource)
  }

  /// The value serialized with sorted object keys and no insignificant whitespace.
  ///
  /// Keys sort by their UTF-8 bytes, so equal values always give identical text (for storage and
  /// comparison).
  public func canonicalJSONString() -> String {
    var out: [UInt8] = []
    out.reserveCapacity(1024)
    JSONWriter.write(self, into: &out, sortKeys: true)
    return String(decoding: out, as: UTF8.self)
  }

  /// The value serialized with members in their original order and no whitespace.
  public func compactJSONString() -> String {
    var out: [UInt8] = []
    JSONWriter.write(self, into: &out, sortKeys: false)
    return String(decoding: out, as: UTF8.self)
  }

  /// A copy with every `links` member whose value is an array removed, at any depth.
  public func removingLinks() -> JSONValue {
    switch self {
    case .array(let items):
      return .array(items.map { $0.removingLinks() })
    case .object(let object):
      var members: [JSONObject.Member] = []
      members.reserveCapacity(object.members.count)
      for member in object.members {
        if member.key == "links", case .array = member.value { continue }
        members.append(JSONObject.Member(key: member.key, value: member.value.removingLinks()))
      }
      return .object(JSONObject(members: members))
    default:
      return self
    }
  }
}

/// A JSON object: its members in received order.
public struct JSONObject: Sendable, Equatable, Hashable {
  /// One `"key": value` pair.
  public struct Member: Sendable, Equatable, Hashable {
    /// The member name.
    public var key: String
    /// The member value.
    public var value: JSONValue

    /// Creates a member.
    public init(key: String, value: JSONValue) {
      self.key = key
      self.value = value
    }
  }

  /// The members in the order they were received (or built).
  public var members: [Member]

  /// Creates an object from ordered members.
  public init(members: [Member] = []) {
    self.members = members
  }

  /// Creates an object from `(key, value)` pairs, keeping their order.
  public init(_ pairs: KeyValuePairs<String, JSONValue>) {
    self.members = pairs.map { Member(key: $0.key, value: $0.value) }
  }

  /// The keys in received order.
  public var keys: [String] { members.map(\.key) }

  /// The value of the last member named `key` (JSON parsers conventionally keep the last one).
  public subscript(key: String) -> JSONValue? {
    get {
      var index = members.count
      while index > 0 {
        index -= 1
        if members[index].key == key { return members[index].value }
      }
      return nil
    }
    set {
      members.removeAll { $0.key == key }
      if let newValue { members.append(Member(key: key, value: newValue)) }
    }
  }

  /// A dictionary of the members (the last one wins for duplicate keys).
  public var dictionary: [String: JSONValue] {
    var result: [String: JSONValue] = [:]
    result.reserveCapacity(members.count)
    for member in members { result[member.key] = member.value }
    return result
  }
}

extension JSONValue: Codable {
  /// Decodes from any `Decoder` (key order follows the decoder, not necessarily the text).
  public init(from decoder: any Decoder) throws {
    if let container = try? decoder.container(keyedBy: AnyCodingKey.self) {
      var members: [JSONObject.Member] = []
      for key in container.allKeys {
        members.append(
          .init(key: key.stringValue, value: try container.decode(JSONValue.self, forKey: key)))
      }
      self = .object(JSONObject(members: members))
      return
    }
    if var container = try? decoder.unkeyedContainer() {
      var items: [JSONValue] = []
      while !container.isAtEnd { items.append(try container.decode(JSONValue.self)) }
      self = .array(items)
      return
    }
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int.self) {
      self = .int(value)
    } else if let value = try? container.decode(Double.self) {
      self = .double(value)
    } else {
      self = .string(try container.decode(String.self))
    }
  }

  /// Encodes into any `Encoder`, keeping member order where the encoder does.
  public func encode(to encoder: any Encoder) throws {
    switch self {
    case .null:
      var container = encoder.singleValueContainer()
      try container.encodeNil()
    case .bool(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .int(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .double(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .string(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .array(let items):
      var container = encoder.unkeyedContainer()
      for item in items { try container.encode(item) }
    case .object(let object):
      var container = encoder.container(keyedBy: AnyCodingKey.self)
      for member in object.members {
        try container.encode(member.value, forKey: AnyCodingKey(member.key))
      }
    }
  }
}

struct AnyCodingKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ string: String) { stringValue = string }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByBooleanLiteral,
  ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
  ExpressibleByFloatLiteral
{
  /// A string value.
  public init(stringLiteral value: String) { self = .string(value) }
  /// An integer value.
  public init(integerLiteral value: Int) { self = .int(value) }
  /// A boolean value.
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  /// `null`.
  public init(nilLiteral: ()) { self = .null }
  /// An array value.
  public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  /// An object value with members in literal order.
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    self = .object(JSONObject(members: elements.map { JSONObject.Member(key: $0.0, value: $0.1) }))
  }
  /// A floating-point value.
  public init(floatLiteral value: Double) { self = .double(value) }
}

enum JSONWriter {
  static func write(_ value: JSONValue, into out: inout [UInt8], sortKeys: Bool) {
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
    case .int(let number): out.append(contentsOf: String(number).utf8)
    case .double(let number):
      if number.isFinite {
        out.append(contentsOf: "\(number)".utf8)
      } else {
        out.append(contentsOf: "null".utf8)
      }
    case .string(let text): writeString(text, into: &out)
    case .array(let items):
      out.append(UInt8(ascii: "["))
      for (index, item) in items.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        write(item, into: &out, sortKeys: sortKeys)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let object):
      out.append(UInt8(ascii: "{"))
      let members = sortKeys ? sortedUnique(object.members) : object.members
      for (index, member) in members.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        writeString(member.key, into: &out)
        out.append(UInt8(ascii: ":"))
        write(member.value, into: &out, sortKeys: sortKeys)
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  /// Members sorted by the UTF-8 bytes of their keys; of duplicate keys the last one wins, like
  /// the subscript. (A stable sort keeps duplicates in received order, so the last of each run
  /// of equal keys is kept; no hashing, which showed in profiles of large syncs.)
  static func sortedUnique(_ members: [JSONObject.Member]) -> [JSONObject.Member] {
    let count = members.count
    if count < 2 { return members }
    var sorted = true
    for index in 1..<count where compare(members[index - 1].key, members[index].key) >= 0 {
      sorted = false
      break
    }
    if sorted { return members }
    // Positions are sorted, not members: moving members costs reference counting.
    var order = Array(0..<count)
    members.withUnsafeBufferPointer { members in
      order.sort { left, right in
        let result = compare(members[left].key, members[right].key)
        return result < 0 || (result == 0 && left < right)
      }
    }
    var unique: [JSONObject.Member] = []
    unique.reserveCapacity(count)
    for (rank, position) in order.enumerated() {
      // Of a run of equal keys only the last (received last) is written.
      if rank + 1 < count, compare(members[position].key, members[order[rank + 1]].key) == 0 {
        continue
      }
      unique.append(members[position])
    }
    return unique
  }

  /// Byte-wise order of two strings' UTF-8 (the same as Unicode scalar order): negative, zero
  /// (the same bytes) or positive. Unlike `String`'s `<` and `==`, canonically equivalent
  /// spellings are different keys, as they are to JSON.
  static func compare(_ left: String, _ right: String) -> Int {
    let fast = left.utf8.withContiguousStorageIfAvailable { a in
      right.utf8.withContiguousStorageIfAvailable { b -> Int in
        let common = min(a.count, b.count)
        if common > 0, let pa = a.baseAddress, let pb = b.baseAddress {
          let order = memcmp(pa, pb, common)
          if order != 0 { return Int(order) }
        }
        return a.count - b.count
      }
    }
    if let fast, let result = fast { return result }
    if left.utf8.elementsEqual(right.utf8) { return 0 }
    return left.utf8.lexicographicallyPrecedes(right.utf8) ? -1 : 1
  }

  static func writeString(_ text: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { bytes in
      // Most strings need no escaping: copy them whole.
      guard bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
        out.append(contentsOf: bytes)
        return
      }
      for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
          out.append(92)
          out.append(byte)
        case 0x0A, 0x0D, 0x09, 0x08, 0x0C:
          out.append(92)
          out.append(shortEscape(byte))
        case 0..<0x20:
          out.append(92)
          out.append(UInt8(ascii: "u"))
          out.append(UInt8(ascii: "0"))
          out.append(UInt8(ascii: "0"))
          out.append(hexDigit(byte >> 4))
          out.append(hexDigit(byte & 0xF))
        default: out.append(byte)
        }
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  /// The letter of a control character's two-character escape (`\n`, `\r`, `\t`, `\b`, `\f`).
  static func shortEscape(_ byte: UInt8) -> UInt8 {
    switch byte {
    case 0x0A: return UInt8(ascii: "n")
    case 0x0D: return UInt8(ascii: "r")
    case 0x09: return UInt8(ascii: "t")
    case 0x08: return UInt8(ascii: "b")
    default: return UInt8(ascii: "f")
    }
  }

  static func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
  }
}
