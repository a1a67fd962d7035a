internal import Foundation

/// Typed access to the members of one JSON object, with errors that name the resource, its id,
/// the key and what was expected.
///
/// Absent keys and `null` both read as `nil`; a present value of the wrong kind throws.
struct FieldReader {
  /// The object's members; lookups search them from the end (the last duplicate wins).
  let members: [JSONObject.Member]
  /// For large objects only, an index by key: hashing every key of every small object cost
  /// more than it saved (profiles of large syncs showed it at a tenth of the CPU).
  let index: [String: JSONValue]?
  let resource: String
  let id: String?
  let path: String

  static let indexThreshold = 32

  init(_ object: JSONObject, resource: String, id: String? = nil, path: String = "") {
    self.members = object.members
    self.index = object.members.count > Self.indexThreshold ? object.dictionary : nil
    self.resource = resource
    self.id = id
    self.path = path
  }

  /// The value of the last member named `key`, `nil` when there is none.
  func member(_ key: String) -> JSONValue? {
    if let index { return index[key] }
    var position = members.count
    while position > 0 {
      position -= 1
      if members[position].key == key { return members[position].value }
    }
    return nil
  }

  init(_ value: JSONValue, resource: String, id: String? = nil, path: String = "") throws {
    guard case .object(let object) = value else {
      throw OpenStackError.decoding(
        resource: resource, id: id, key: path.isEmpty ? nil : path, expected: "an object",
        found: value.kindDescription)
    }
    self.init(object, resource: resource, id: id, path: path)
  }

  func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  func mismatch(_ key: String, expected: String, found: JSONValue) -> OpenStackError {
    let foundText: String
    switch found {
    case .string(let text) where text.count <= 40: foundText = "a string (\"\(text)\")"
    default: foundText = found.kindDescription
    }
    return .decoding(
      resource: resource, id: id, key: keyPath(key), expected: expected, found: foundText)
  }

  func contains(_ key: String) -> Bool { member(key) != nil }

  func value(_ key: String) -> JSONValue? {
    guard let value = member(key) else { return nil }
    if case .null = value { return nil }
    return value
  }

  func string(_ key: String) throws -> String? {
    guard let value = value(key) else { return nil }
    guard case .string(let text) = value else {
      throw mismatch(key, expected: "a string", found: value)
    }
    return text
  }

  func requiredString(_ key: String) throws -> String {
    guard let text = try string(key) else {
      throw OpenStackError.decoding(
        resource: resource, id: id, key: keyPath(key), expected: "a string",
        found: "nothing (missing)")
    }
    return text
  }

  func int(_ key: String) throws -> Int? {
    guard let value = value(key) else { return nil }
    switch value {
    case .int(let number): return number
    case .double(let number) where number == number.rounded() && abs(number) < 1e15:
      return Int(number)
    default: throw mismatch(key, expected: "an integer", found: value)
    }
  }

  func double(_ key: String) throws -> Double? {
    guard let value = value(key) else { return nil }
    switch value {
    case .int(let number): return Double(number)
    case .double(let number): return number
    default: throw mismatch(key, expected: "a number", found: value)
    }
  }

  func bool(_ key: String) throws -> Bool? {
    guard let value = value(key) else { return nil }
    guard case .bool(let flag) = value else {
      throw mismatch(key, expected: "a boolean", found: value)
    }
    return flag
  }

  /// A timestamp; an empty string reads as `nil`.
  func date(_ key: String) throws -> Date? {
    guard let value = value(key) else { return nil }
    guard case .string(let text) = value else {
      throw mismatch(key, expected: "a timestamp string", found: value)
    }
    if text.isEmpty { return nil }
    guard let date = Timestamp.parse(text) else {
      throw OpenStackError.decoding(
        resource: resource, id: id, key: keyPath(key), expected: "an ISO 8601 timestamp",
        found: "\"\(text.prefix(40))\"")
    }
    return date
  }

  func object(_ key: String) throws -> JSONObject? {
    guard let value = value(key) else { return nil }
    guard case .object(let object) = value else {
      throw mismatch(key, expected: "an object", found: value)
    }
    return object
  }

  func nested(_ key: String) throws -> FieldReader? {
    guard let object = try object(key) else { return nil }
    return FieldReader(object, resource: resource, id: id, path: keyPath(key))
  }

  func array(_ key: String) throws -> [JSONValue]? {
    guard let value = value(key) else { return nil }
    guard case .array(let items) = value else {
      throw mismatch(key, expected: "an array", found: value)
    }
    return items
  }

  /// The objects of an array member, each as a reader with path `key[i]`.
  func objects(_ key: String) throws -> [FieldReader]? {
    guard let items = try array(key) else { return nil }
    var readers: [FieldReader] = []
    readers.reserveCapacity(items.count)
    for (offset, item) in items.enumerated() {
      guard case .object(let object) = item else {
        throw mismatch("\(key)[\(offset)]", expected: "an object", found: item)
      }
      readers.append(
        FieldReader(object, resource: resource, id: id, path: keyPath("\(key)[\(offset)]")))
    }
    return readers
  }

  func stringArray(_ key: String) throws -> [String]? {
    guard let items = try array(key) else { return nil }
    var strings: [String] = []
    strings.reserveCapacity(items.count)
    for (offset, item) in items.enumerated() {
      guard case .string(let text) = item else {
        throw mismatch("\(key)[\(offset)]", expected: "a string", found: item)
      }
      strings.append(text)
    }
    return strings
  }

  /// A string-to-string map; non-string values are rendered as compact JSON.
  func stringMap(_ key: String) throws -> [String: String]? {
    guard let object = try object(key) else { return nil }
    var map: [String: String] = [:]
    map.reserveCapacity(object.members.count)
    for member in object.members {
      switch member.value {
      case .string(let text): map[member.key] = text
      case .null: continue
      default: map[member.key] = member.value.compactJSONString()
      }
    }
    return map
  }

  /// A string or number rendered as a string (ids are sometimes integers, e.g. flavor "1" vs 1).
  func identifier(_ key: String) throws -> String? {
    guard let value = value(key) else { return nil }
    switch value {
    case .string(let text): return text
    case .int(let number): return String(number)
    default: throw mismatch(key, expected: "a string id", found: value)
    }
  }
}
