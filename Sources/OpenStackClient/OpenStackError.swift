public import Foundation

/// What an OpenStack service answered when a request failed.
///
/// Carries the method and URL path (never a token or query secret), the status, the service's own
/// message and the request id that operators can grep for in the service logs.
public struct HTTPFailure: Sendable, Equatable {
  /// The service that answered: "compute", "identity", "network", "block-storage", ...
  public var service: String
  /// The HTTP method.
  public var method: String
  /// The URL path and query of the request.
  public var path: String
  /// The HTTP status code.
  public var status: Int
  /// The service's own error message, if the body had one.
  public var message: String?
  /// The `x-openstack-request-id` (or `x-compute-request-id`) response header.
  public var requestID: String?
  /// The parsed `Retry-After` header in seconds, for 429 and 503.
  public var retryAfter: Double?

  /// Creates a failure description.
  public init(
    service: String, method: String, path: String, status: Int, message: String? = nil,
    requestID: String? = nil, retryAfter: Double? = nil
  ) {
    self.service = service
    self.method = method
    self.path = path
    self.status = status
    self.message = message
    self.requestID = requestID
    self.retryAfter = retryAfter
  }
}

/// Every error the OpenStack client throws. Messages say what failed and where, and never
/// contain a password, secret or token.
public enum OpenStackError: Error, Sendable, CustomStringConvertible, Equatable {
  /// Configuration could not be resolved (missing cloud, missing field, bad value).
  case configuration(String)
  /// A configuration file could not be read or parsed.
  case configurationFile(path: String, line: Int?, column: Int?, problem: String)
  /// The service answered 404.
  case notFound(HTTPFailure)
  /// The service answered 401 (credentials rejected, or a fresh token refused again).
  case unauthorized(HTTPFailure)
  /// Any other unsuccessful status.
  case http(HTTPFailure)
  /// The connection failed, timed out or was cut before a full response arrived.
  case connection(service: String, method: String, path: String, reason: String)
  /// A response was valid JSON but a field had an unexpected type or was missing.
  case decoding(resource: String, id: String?, key: String?, expected: String, found: String)
  /// A response body was not valid JSON (or was truncated).
  case malformedJSON(resource: String, reason: String)
  /// The service catalog has no usable endpoint.
  case endpointNotFound(service: String, interface: String, region: String?, detail: String?)
  /// Microversion negotiation failed (a pinned version outside the server's range, ...).
  case microversion(String)
  /// The TLS settings cannot be honoured on this platform.
  case unsupportedTLSOption(String)

  /// The HTTP status for `.http`, `.notFound` and `.unauthorized`.
  public var status: Int? {
    switch self {
    case .http(let failure), .notFound(let failure), .unauthorized(let failure):
      return failure.status
    default: return nil
    }
  }

  /// Whether this is a 404.
  public var isNotFound: Bool {
    if case .notFound = self { return true }
    return false
  }

  /// A one-paragraph human-readable message.
  public var description: String {
    switch self {
    case .configuration(let message):
      return "Configuration error: \(message)"
    case .configurationFile(let path, let line, let column, let problem):
      var location = path
      if let line { location += ":\(line)" }
      if let column { location += ":\(column)" }
      return "Configuration file \(location): \(problem)"
    case .notFound(let failure):
      return Self.describe(failure, summary: "not found")
    case .unauthorized(let failure):
      return Self.describe(failure, summary: "unauthorized")
    case .http(let failure):
      return Self.describe(failure, summary: nil)
    case .connection(let service, let method, let path, let reason):
      return "\(service): \(method) \(path) failed: \(reason)"
    case .decoding(let resource, let id, let key, let expected, let found):
      var text = resource
      if let id { text += " \(id)" }
      text += ": "
      if let key { text += "key \"\(key)\" " }
      text += "expected \(expected), found \(found)"
      return text
    case .malformedJSON(let resource, let reason):
      return "\(resource): malformed JSON: \(reason)"
    case .endpointNotFound(let service, let interface, let region, let detail):
      var text = "No \(interface) endpoint for service type \(service)"
      if let region { text += " in region \(region)" }
      text += " in the service catalog"
      if let detail { text += " (\(detail))" }
      return text
    case .microversion(let message):
      return "Microversion negotiation: \(message)"
    case .unsupportedTLSOption(let message):
      return "TLS: \(message)"
    }
  }

  private static func describe(_ failure: HTTPFailure, summary: String?) -> String {
    var text = "\(failure.service): \(failure.method) \(failure.path) returned \(failure.status)"
    if let summary { text += " (\(summary))" }
    if let message = failure.message, !message.isEmpty { text += ": \(message)" }
    if let requestID = failure.requestID { text += " [request \(requestID)]" }
    return text
  }
}

extension OpenStackError {
  /// Extracts the service's message from an error body of any of the OpenStack shapes.
  ///
  /// Nova/Cinder `{"itemNotFound": {"code": 404, "message": "..."}}`, Keystone/keystonemiddleware
  /// `{"error": {"code", "title", "message"}}`, Neutron `{"NeutronError": {"type", "message",
  /// "detail"}}`, and a plain `{"message": ...}` or `{"error_message": ...}`.
  static func serviceMessage(from body: Data) -> String? {
    guard !body.isEmpty, let json = try? JSONParser.parse(body, resource: "error body"),
      case .object(let object) = json
    else {
      return nil
    }
    if let message = object["message"]?.stringValue { return message }
    if let message = object["error_message"]?.stringValue { return message }
    guard let first = object.members.first else { return nil }
    switch first.value {
    case .string(let message):
      return message
    case .object(let inner):
      var parts: [String] = []
      if let title = inner["title"]?.stringValue { parts.append(title) }
      if let type = inner["type"]?.stringValue { parts.append(type) }
      if let message = inner["message"]?.stringValue { parts.append(message) }
      if let detail = inner["detail"]?.stringValue, !detail.isEmpty { parts.append(detail) }
      if parts.isEmpty { return first.key }
      return "\(first.key): " + parts.joined(separator: ": ")
    default:
      return first.key
    }
  }
}
