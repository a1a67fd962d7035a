internal import CYAML
internal import Foundation

/// A YAML document as plain values: what clouds.yaml and secure.yaml need.
///
/// Scalars keep their text; `isPlain` tells an unquoted scalar (which may mean a boolean or null,
/// YAML 1.1 style as PyYAML reads it) from a quoted one (always a string).
enum YAMLValue: Equatable, Sendable {
  case scalar(String, isPlain: Bool)
  case sequence([YAMLValue])
  case mapping([String: YAMLValue])

  /// Plain `~`, `null`, `Null`, `NULL` or an empty plain scalar.
  var isNull: Bool {
    if case .scalar(let text, true) = self {
      return ["", "~", "null", "Null", "NULL"].contains(text)
    }
    return false
  }

  /// The scalar text, unless the value is null or a collection.
  var string: String? {
    if isNull { return nil }
    if case .scalar(let text, _) = self { return text }
    return nil
  }

  /// A YAML 1.1 boolean (`true/yes/on/1`, `false/no/off/0`, any case); quoted text counts too.
  var bool: Bool? {
    guard let text = string?.lowercased() else { return nil }
    if ["true", "yes", "on", "y", "1"].contains(text) { return true }
    if ["false", "no", "off", "n", "0"].contains(text) { return false }
    return nil
  }

  var mapping: [String: YAMLValue]? {
    if case .mapping(let map) = self { return map }
    return nil
  }

  /// Merges `other` over `self`: mappings recursively, anything else replaced.
  func deepMerged(with other: YAMLValue) -> YAMLValue {
    guard case .mapping(var base) = self, case .mapping(let overlay) = other else { return other }
    for (key, value) in overlay {
      if let existing = base[key] {
        base[key] = existing.deepMerged(with: value)
      } else {
        base[key] = value
      }
    }
    return .mapping(base)
  }
}

/// Loads YAML (and therefore JSON) text through libyaml's event parser.
///
/// Supports mappings, sequences, scalars, anchors/aliases and `<<` merge keys. Errors name the
/// file, line and column.
enum YAMLLoader {
  static func load(contentsOf path: String) throws -> YAMLValue {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw OpenStackError.configurationFile(
        path: path, line: nil, column: nil, problem: "cannot be read (\(Self.reason(for: error)))")
    }
    return try load(data, path: path)
  }

  private static func reason(for error: any Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain,
      let code = POSIXErrorCode(rawValue: Int32(underlying.code))
    {
      return String(cString: strerror(code.rawValue))
    }
    if nsError.domain == NSCocoaErrorDomain {
      switch nsError.code {
      case NSFileReadNoPermissionError: return "permission denied"
      case NSFileReadNoSuchFileError: return "no such file"
      default: break
      }
    }
    return nsError.localizedDescription
  }

  static func load(_ data: Data, path: String) throws -> YAMLValue {
    var bytes = [UInt8](data)
    if bytes.isEmpty { return .mapping([:]) }
    return try bytes.withUnsafeMutableBufferPointer { buffer in
      let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
      defer { parser.deallocate() }
      guard yaml_parser_initialize(parser) == 1 else {
        throw OpenStackError.configurationFile(
          path: path, line: nil, column: nil, problem: "libyaml could not be initialised")
      }
      defer { yaml_parser_delete(parser) }
      guard let base = buffer.baseAddress else { return YAMLValue.mapping([:]) }
      yaml_parser_set_input_string(parser, base, buffer.count)
      var reader = EventReader(parser: parser, path: path)
      return try reader.document()
    }
  }
}

private struct EventReader {
  let parser: UnsafeMutablePointer<yaml_parser_t>
  let path: String
  var anchors: [String: YAMLValue] = [:]

  init(parser: UnsafeMutablePointer<yaml_parser_t>, path: String) {
    self.parser = parser
    self.path = path
  }

  enum Event {
    case streamStart, streamEnd, documentStart, documentEnd
    case scalar(String, isPlain: Bool, anchor: String?, line: Int, column: Int)
    case alias(String, line: Int, column: Int)
    case sequenceStart(anchor: String?)
    case sequenceEnd
    case mappingStart(anchor: String?)
    case mappingEnd
  }

  mutating func next() throws -> Event {
    var event = yaml_event_t()
    guard yaml_parser_parse(parser, &event) == 1 else {
      let problem = parser.pointee.problem.map { String(cString: $0) } ?? "invalid YAML"
      let context = parser.pointee.context.map { String(cString: $0) }
      let mark = parser.pointee.problem_mark
      let text = context.map { "\($0): \(problem)" } ?? problem
      throw OpenStackError.configurationFile(
        path: path, line: Int(mark.line) + 1, column: Int(mark.column) + 1, problem: text)
    }
    defer { yaml_event_delete(&event) }
    let line = Int(event.start_mark.line) + 1
    let column = Int(event.start_mark.column) + 1
    switch event.type {
    case YAML_STREAM_START_EVENT: return .streamStart
    case YAML_STREAM_END_EVENT: return .streamEnd
    case YAML_DOCUMENT_START_EVENT: return .documentStart
    case YAML_DOCUMENT_END_EVENT: return .documentEnd
    case YAML_SCALAR_EVENT:
      let scalar = event.data.scalar
      let text = Self.string(scalar.value, length: Int(scalar.length))
      let anchor = scalar.anchor.map { String(cString: $0) }
      return .scalar(
        text, isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nil, anchor: anchor,
        line: line, column: column)
    case YAML_ALIAS_EVENT:
      let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
      return .alias(name, line: line, column: column)
    case YAML_SEQUENCE_START_EVENT:
      return .sequenceStart(anchor: event.data.sequence_start.anchor.map { String(cString: $0) })
    case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
    case YAML_MAPPING_START_EVENT:
      return .mappingStart(anchor: event.data.mapping_start.anchor.map { String(cString: $0) })
    case YAML_MAPPING_END_EVENT: return .mappingEnd
    default:
      return try next()
    }
  }

  static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
    guard let pointer else { return "" }
    return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
  }

  mutating func document() throws -> YAMLValue {
    var result: YAMLValue = .mapping([:])
    var sawDocument = false
    while true {
      let event = try next()
      switch event {
      case .streamStart, .documentEnd: continue
      case .streamEnd: return result
      case .documentStart:
        let value = try node(try next())
        if !sawDocument { result = value }
        sawDocument = true
      default:
        result = try node(event)
      }
    }
  }

  mutating func node(_ event: Event) throws -> YAMLValue {
    switch event {
    case .scalar(let text, let isPlain, let anchor, _, _):
      let value = YAMLValue.scalar(text, isPlain: isPlain)
      if let anchor { anchors[anchor] = value }
      return value
    case .alias(let name, let line, let column):
      guard let value = anchors[name] else {
        throw OpenStackError.configurationFile(
          path: path, line: line, column: column, problem: "unknown alias *\(name)")
      }
      return value
    case .sequenceStart(let anchor):
      var items: [YAMLValue] = []
      while true {
        let next = try next()
        if case .sequenceEnd = next { break }
        items.append(try node(next))
      }
      let value = YAMLValue.sequence(items)
      if let anchor { anchors[anchor] = value }
      return value
    case .mappingStart(let anchor):
      var map: [String: YAMLValue] = [:]
      var merged: [String: YAMLValue] = [:]
      while true {
        let keyEvent = try next()
        if case .mappingEnd = keyEvent { break }
        let keyNode = try node(keyEvent)
        let value = try node(try next())
        guard case .scalar(let key, let isPlain) = keyNode else {
          if case .scalar(_, _, _, let line, let column) = keyEvent {
            throw OpenStackError.configurationFile(
              path: path, line: line, column: column, problem: "mapping keys must be scalars")
          }
          throw OpenStackError.configurationFile(
            path: path, line: nil, column: nil, problem: "mapping keys must be scalars")
        }
        if key == "<<" && isPlain {
          let sources: [YAMLValue]
          if case .sequence(let items) = value { sources = items } else { sources = [value] }
          for source in sources {
            for (mergedKey, mergedValue) in source.mapping ?? [:] where merged[mergedKey] == nil {
              merged[mergedKey] = mergedValue
            }
          }
          continue
        }
        map[key] = value
      }
      for (key, value) in merged where map[key] == nil { map[key] = value }
      let value = YAMLValue.mapping(map)
      if let anchor { anchors[anchor] = value }
      return value
    default:
      throw OpenStackError.configurationFile(
        path: path, line: nil, column: nil, problem: "unexpected YAML structure")
    }
  }
}
