public import Foundation

/// The one seam between the client and the network: send a request, get a response.
///
/// Retry (`RetryingTransport`) and authentication wrap an implementation of this protocol; tests
/// substitute a scripted one. Implementations throw `OpenStackError.connection` when no complete
/// response arrived and return every response that did, whatever its status.
public protocol HTTPTransport: Sendable {
  /// Sends `request` and returns the complete response.
  func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// HTTP header fields with case-insensitive names, in insertion order.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
  /// The fields as sent or received.
  public private(set) var fields: [(name: String, value: String)]

  /// Creates headers from `(name, value)` pairs.
  public init(_ fields: [(name: String, value: String)] = []) {
    self.fields = fields
  }

  /// Creates headers from a dictionary literal.
  public init(dictionaryLiteral elements: (String, String)...) {
    self.fields = elements.map { (name: $0.0, value: $0.1) }
  }

  /// The first value of `name` (compared case-insensitively); setting replaces every value.
  public subscript(name: String) -> String? {
    get {
      let lowered = name.lowercased()
      return fields.first { $0.name.lowercased() == lowered }?.value
    }
    set {
      let lowered = name.lowercased()
      fields.removeAll { $0.name.lowercased() == lowered }
      if let newValue { fields.append((name: name, value: newValue)) }
    }
  }

  /// Iterates the fields in order.
  public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
    fields.makeIterator()
  }

  /// Field-by-field equality with case-insensitive names.
  public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
    lhs.fields.count == rhs.fields.count
      && zip(lhs.fields, rhs.fields).allSatisfy {
        $0.name.lowercased() == $1.name.lowercased() && $0.value == $1.value
      }
  }
}

/// An HTTP request as a value.
public struct HTTPRequest: Sendable {
  /// The method: GET, POST, PUT, DELETE, ...
  public var method: String
  /// The absolute URL.
  public var url: URL
  /// Header fields.
  public var headers: HTTPHeaders
  /// The body, if any.
  public var body: Data?
  /// The time allowed for the whole exchange, in seconds.
  public var timeout: TimeInterval
  /// The service this request is for, used in error messages ("compute", "identity", ...).
  public var service: String
  /// Overrides the method-based idempotency (e.g. Keystone's token POST is safe to repeat).
  public var idempotentOverride: Bool?

  /// Creates a request. The default timeout is 60 seconds.
  public init(
    method: String, url: URL, headers: HTTPHeaders = [:], body: Data? = nil,
    timeout: TimeInterval = 60,
    service: String = "http", idempotent: Bool? = nil
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.timeout = timeout
    self.service = service
    self.idempotentOverride = idempotent
  }

  /// The URL path plus query, as shown in errors and logs (never contains a token).
  public var pathForDisplay: String {
    guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
      return url.path
    }
    var text = components.percentEncodedPath
    if let query = components.percentEncodedQuery { text += "?\(query)" }
    return text.isEmpty ? "/" : text
  }
}

/// An HTTP response as a value.
public struct HTTPResponse: Sendable {
  /// The status code.
  public var status: Int
  /// Header fields (case-insensitive lookup).
  public var headers: HTTPHeaders
  /// The complete body.
  public var body: Data

  /// Creates a response.
  public init(status: Int, headers: HTTPHeaders = [:], body: Data = Data()) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// Whether the status is 2xx.
  public var isSuccess: Bool { (200..<300).contains(status) }

  /// `x-openstack-request-id`, or Nova's `x-compute-request-id`.
  public var requestID: String? {
    headers["x-openstack-request-id"] ?? headers["x-compute-request-id"]
  }
}
