public import Foundation

/// Adds `X-Auth-Token` to every request and, when a service answers 401, authenticates again
/// once and repeats the request once.
///
/// Tokens close to `expires_at` are renewed before use by the `Authenticator`. A second 401 is
/// returned to the caller as a response (which `ServiceClient` turns into
/// `OpenStackError.unauthorized`).
public struct AuthenticatingTransport: HTTPTransport {
  private let inner: any HTTPTransport
  private let authenticator: Authenticator

  /// Wraps `inner` (normally the retrying transport).
  public init(wrapping inner: any HTTPTransport, authenticator: Authenticator) {
    self.inner = inner
    self.authenticator = authenticator
  }

  /// Sends with a token; re-authenticates once on 401.
  public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
    let token = try await authenticator.token()
    var authorized = request
    authorized.headers["X-Auth-Token"] = token.value.revealed
    let response = try await inner.send(authorized)
    guard response.status == 401 else { return response }
    let renewed = try await authenticator.renew(replacing: token)
    authorized.headers["X-Auth-Token"] = renewed.value.revealed
    return try await inner.send(authorized)
  }
}

/// Sends requests to one service endpoint and turns unsuccessful responses into
/// `OpenStackError`s.
public struct ServiceClient: Sendable {
  /// The service name used in errors ("compute", "network", "block-storage").
  public let service: String
  /// The endpoint from the catalog (e.g. `https://nova.example/v2.1`).
  public let endpoint: URL
  /// Headers sent with every request (microversions).
  public let headers: HTTPHeaders
  /// The per-request timeout.
  public let timeout: TimeInterval
  private let transport: any HTTPTransport

  /// Creates a client for `endpoint` over an authenticating `transport`.
  public init(
    service: String, endpoint: URL, transport: any HTTPTransport, headers: HTTPHeaders = [:],
    timeout: TimeInterval = 60
  ) {
    self.service = service
    self.endpoint = endpoint
    self.transport = transport
    self.headers = headers
    self.timeout = timeout
  }

  /// The same client with extra headers.
  public func adding(headers extra: HTTPHeaders) -> ServiceClient {
    var merged = headers
    for field in extra { merged[field.name] = field.value }
    return ServiceClient(
      service: service, endpoint: endpoint, transport: transport, headers: merged, timeout: timeout)
  }

  /// The same client for another endpoint.
  public func with(endpoint: URL) -> ServiceClient {
    ServiceClient(
      service: service, endpoint: endpoint, transport: transport, headers: headers, timeout: timeout
    )
  }

  /// The URL of `path` (relative to the endpoint) with `query`.
  public func url(_ path: String, query: [URLQueryItem] = []) -> URL {
    Self.url(base: endpoint, path: path, query: query)
  }

  static func url(base: URL, path: String, query: [URLQueryItem]) -> URL {
    var text = base.absoluteString
    while text.hasSuffix("/") { text.removeLast() }
    if !path.isEmpty { text += path.hasPrefix("/") ? path : "/\(path)" }
    if !query.isEmpty {
      let encoded = query.map { item -> String in
        let name = encode(item.name)
        guard let value = item.value else { return name }
        return "\(name)=\(encode(value))"
      }
      text += (text.contains("?") ? "&" : "?") + encoded.joined(separator: "&")
    }
    return URL(string: text) ?? base
  }

  static func encode(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~:")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
  }

  /// Percent-encodes one path segment (an id or name).
  public static func segment(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
  }

  /// Sends a request and returns the response when its status is 2xx.
  ///
  /// - Throws: `.notFound` for 404, `.unauthorized` for 401, `.http` for any other failure, with
  ///   the service's message and request id.
  @discardableResult
  public func send(
    _ method: String, _ path: String, query: [URLQueryItem] = [], body: JSONValue? = nil,
    headers extra: HTTPHeaders = [:]
  ) async throws -> HTTPResponse {
    var request = HTTPRequest(
      method: method, url: url(path, query: query), headers: headers, timeout: timeout,
      service: service)
    request.headers["Accept"] = "application/json"
    for field in extra { request.headers[field.name] = field.value }
    if let body {
      request.headers["Content-Type"] = "application/json"
      request.body = Data(body.compactJSONString().utf8)
    }
    let response = try await transport.send(request)
    guard response.isSuccess else { throw Self.failure(for: request, response: response) }
    return response
  }

  /// GETs `path` and returns the body.
  public func get(_ path: String, query: [URLQueryItem] = []) async throws -> Data {
    try await send("GET", path, query: query).body
  }

  static func failure(for request: HTTPRequest, response: HTTPResponse) -> OpenStackError {
    let failure = HTTPFailure(
      service: request.service, method: request.method, path: request.pathForDisplay,
      status: response.status,
      message: OpenStackError.serviceMessage(from: response.body), requestID: response.requestID,
      retryAfter: response.headers["Retry-After"].flatMap {
        RetryingTransport.parseRetryAfter($0, now: Date())
      })
    switch response.status {
    case 404: return .notFound(failure)
    case 401: return .unauthorized(failure)
    default: return .http(failure)
    }
  }
}
