public import Foundation

/// Obtains and renews Keystone v3 tokens; concurrent callers share one authentication.
public actor Authenticator {
  private let config: CloudConfig
  private let transport: any HTTPTransport
  private let now: @Sendable () -> Date
  private let renewalMargin: TimeInterval
  private var current: Token?
  private var inFlight: Task<Token, any Error>?

  /// Creates an authenticator.
  ///
  /// - Parameters:
  ///   - transport: the (retrying) transport for `POST /v3/auth/tokens`.
  ///   - renewalMargin: a token closer than this to `expires_at` is renewed before use (default 120 s).
  ///   - now: the clock (a seam for tests).
  public init(
    config: CloudConfig, transport: any HTTPTransport, renewalMargin: TimeInterval = 120,
    now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.config = config
    self.transport = transport
    self.renewalMargin = renewalMargin
    self.now = now
  }

  /// The current token, authenticating first when there is none or it is about to expire.
  public func token() async throws -> Token {
    if let current, !current.expires(within: renewalMargin, of: now()) { return current }
    return try await authenticate()
  }

  /// Authenticates again, unless another caller already replaced `stale`.
  public func renew(replacing stale: Token?) async throws -> Token {
    if let current, let stale, current.value != stale.value { return current }
    return try await authenticate()
  }

  /// The last token obtained, without authenticating.
  public var currentToken: Token? { current }

  private func authenticate() async throws -> Token {
    if let inFlight { return try await inFlight.value }
    let request = try Self.tokenRequest(for: config)
    let transport = self.transport
    let task = Task { () throws -> Token in
      let response = try await transport.send(request)
      guard response.status == 201 || response.status == 200 else {
        let failure = HTTPFailure(
          service: "identity", method: request.method, path: request.pathForDisplay,
          status: response.status,
          message: OpenStackError.serviceMessage(from: response.body), requestID: response.requestID
        )
        throw response.status == 401
          ? OpenStackError.unauthorized(failure) : OpenStackError.http(failure)
      }
      return try Token.from(response: response)
    }
    inFlight = task
    defer { inFlight = nil }
    let token = try await task.value
    current = token
    return token
  }

  /// The `POST /v3/auth/tokens` request for `config`.
  static func tokenRequest(for config: CloudConfig) throws -> HTTPRequest {
    let url = config.authURL.appendingPathComponent("auth").appendingPathComponent("tokens")
    let body = authBody(config.auth)
    return HTTPRequest(
      method: "POST", url: url,
      headers: ["Content-Type": "application/json", "Accept": "application/json"],
      body: Data(body.compactJSONString().utf8), timeout: config.requestTimeout,
      service: "identity",
      idempotent: true)
  }

  static func authBody(_ method: AuthMethod) -> JSONValue {
    func domain(_ reference: DomainReference) -> JSONValue {
      switch reference {
      case .id(let id): return ["id": .string(id)]
      case .name(let name): return ["name": .string(name)]
      }
    }
    func user(_ reference: UserReference) -> [(String, JSONValue)] {
      switch reference {
      case .id(let id): return [("id", .string(id))]
      case .name(let name, let userDomain):
        return [("name", .string(name)), ("domain", domain(userDomain))]
      }
    }
    func object(_ pairs: [(String, JSONValue)]) -> JSONValue {
      .object(JSONObject(members: pairs.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
    func scope(_ project: ProjectScope) -> JSONValue {
      switch project {
      case .id(let id): return ["project": ["id": .string(id)]]
      case .name(let name, let projectDomain):
        return ["project": ["name": .string(name), "domain": domain(projectDomain)]]
      }
    }
    let identity: JSONValue
    var scopeValue: JSONValue?
    switch method {
    case .password(let userReference, let password, let project):
      identity = [
        "methods": ["password"],
        "password": [
          "user": object(user(userReference) + [("password", .string(password.revealed))])
        ],
      ]
      scopeValue = scope(project)
    case .applicationCredential(let id, let secret):
      identity = [
        "methods": ["application_credential"],
        "application_credential": ["id": .string(id), "secret": .string(secret.revealed)],
      ]
    case .namedApplicationCredential(let name, let userReference, let secret):
      identity = [
        "methods": ["application_credential"],
        "application_credential": [
          "name": .string(name), "user": object(user(userReference)),
          "secret": .string(secret.revealed),
        ],
      ]
    case .token(let token, let project):
      identity = ["methods": ["token"], "token": ["id": .string(token.revealed)]]
      scopeValue = project.map(scope)
    }
    var auth: [(String, JSONValue)] = [("identity", identity)]
    if let scopeValue { auth.append(("scope", scopeValue)) }
    return ["auth": object(auth)]
  }
}
