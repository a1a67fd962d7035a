import Foundation
import OpenStackClient
import Testing

@Suite("Keystone authentication and catalog")
struct IdentityTests {
  static let config = CloudConfig(
    cloudName: "test", authURL: testURL("http://keystone/v3"),
    auth: .password(
      user: .name("admin", domain: .name("Default")), password: Secret("pa55word"),
      scope: .name("admin", domain: .id("default"))),
    regionName: "RegionOne")

  static func tokenResponse(_ token: String) throws -> HTTPResponse {
    HTTPResponse(
      status: 201, headers: ["X-Subject-Token": token],
      body: try Fixture.data("token-password.json"))
  }

  @Test func passwordBodyMatchesKeystone() async throws {
    let transport = ScriptedTransport { _, _ in try Self.tokenResponse("tok-1") }
    let authenticator = Authenticator(config: Self.config, transport: transport)
    let token = try await authenticator.token()
    let request = try #require(transport.requests.first)
    #expect(request.method == "POST")
    #expect(request.url.absoluteString == "http://keystone/v3/auth/tokens")
    let body = try JSONValue.parse(try #require(request.body))
    #expect(
      body
        == [
          "auth": [
            "identity": [
              "methods": ["password"],
              "password": [
                "user": ["name": "admin", "domain": ["name": "Default"], "password": "pa55word"]
              ],
            ],
            "scope": ["project": ["name": "admin", "domain": ["id": "default"]]],
          ]
        ])
    #expect(token.value == Secret("tok-1"))
    #expect(token.isAdmin)
    #expect(token.projectID == "a6944d763bf64ee6a275f1263fae0352")
    #expect(token.expiresAt == Timestamp.parse("2015-11-07T02:58:43.578887Z"))
  }

  @Test(arguments: [
    (
      AuthMethod.applicationCredential(id: "ac", secret: Secret("s")),
      #"{"auth":{"identity":{"application_credential":{"id":"ac","secret":"s"},"methods":["application_credential"]}}}"#
    ),
    (
      AuthMethod.namedApplicationCredential(name: "n", user: .id("u1"), secret: Secret("s")),
      #"{"auth":{"identity":{"application_credential":{"name":"n","secret":"s","user":{"id":"u1"}},"methods":["application_credential"]}}}"#
    ),
    (
      AuthMethod.token(Secret("old"), scope: .id("p")),
      #"{"auth":{"identity":{"methods":["token"],"token":{"id":"old"}},"scope":{"project":{"id":"p"}}}}"#
    ),
  ])
  func otherAuthBodies(method: AuthMethod, expected: String) async throws {
    var config = Self.config
    config.auth = method
    let transport = ScriptedTransport { _, _ in try Self.tokenResponse("t") }
    _ = try await Authenticator(config: config, transport: transport).token()
    let body = try JSONValue.parse(try #require(transport.requests.first?.body))
    #expect(body.canonicalJSONString() == expected)
  }

  @Test func rejectedCredentialsGiveAnUnauthorizedErrorWithoutThePassword() async throws {
    let transport = ScriptedTransport { _, _ in
      jsonResponse(
        401,
        #"{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}"#,
        headers: ["x-openstack-request-id": "req-abc"])
    }
    let error = try await #require(throws: OpenStackError.self) {
      try await Authenticator(config: Self.config, transport: transport).token()
    }
    #expect(
      error.description
        == "identity: POST /v3/auth/tokens returned 401 (unauthorized): error: Unauthorized: The request you have made requires authentication. [request req-abc]"
    )
    #expect(!error.description.contains("pa55word"))
  }

  @Test func catalogLookupByTypeInterfaceAndRegion() throws {
    let token = try Token.fromFixture()
    let catalog = token.catalog
    #expect(
      try catalog.endpoint(types: ["compute"], interface: "public", region: "RegionOne")
        .absoluteString == "https://nova.example/v2.1")
    #expect(
      try catalog.endpoint(types: ["compute"], interface: "internal", region: nil).absoluteString
        == "http://nova.internal/v2.1")
    #expect(
      try catalog.endpoint(types: ["compute"], interface: "public", region: "RegionTwo").host
        == "nova2.example")
    let volume = try catalog.endpoint(
      types: ServiceCatalog.blockStorageTypes, interface: "public", region: "RegionOne",
      rejectingPath: ServiceCatalog.isLegacyVolumePath)
    #expect(
      volume.absoluteString == "https://cinder.example/v3/a6944d763bf64ee6a275f1263fae0352",
      "region falls back to `region`; v2 rejected")
    let error = try #require(throws: OpenStackError.self) {
      try catalog.endpoint(types: ["compute"], interface: "admin", region: "RegionOne")
    }
    #expect(
      error.description.contains("No admin endpoint for service type compute in region RegionOne"))
  }

  @Test func reauthenticatesOnceOn401AndRetriesTheRequest() async throws {
    let transport = ScriptedTransport { request, _ in
      if request.url.path.hasSuffix("/auth/tokens") {
        return try Self.tokenResponse(
          request.headers["X-Auth-Token"] == nil ? "tok-\(UUID().uuidString)" : "x")
      }
      return request.headers["X-Auth-Token"] == firstToken.value
        ? HTTPResponse(status: 401) : HTTPResponse(status: 200)
    }
    let clock = testDate("2015-11-07T02:00:00Z")
    let authenticator = Authenticator(config: Self.config, transport: transport, now: { clock })
    let first = try await authenticator.token()
    firstToken.set(first.value.revealed)
    let authenticated = AuthenticatingTransport(wrapping: transport, authenticator: authenticator)
    let response = try await authenticated.send(
      HTTPRequest(method: "GET", url: testURL("http://nova/v2.1/servers")))
    #expect(response.status == 200)
    let paths = transport.requests.map(\.url.path)
    #expect(paths == ["/v3/auth/tokens", "/v2.1/servers", "/v3/auth/tokens", "/v2.1/servers"])
  }

  @Test func asecond401IsReturnedNotLooped() async throws {
    let transport = ScriptedTransport { request, _ in
      request.url.path.hasSuffix("/auth/tokens")
        ? try Self.tokenResponse("t") : HTTPResponse(status: 401)
    }
    let clock = testDate("2015-11-07T02:00:00Z")
    let authenticator = Authenticator(config: Self.config, transport: transport, now: { clock })
    let client = ServiceClient(
      service: "compute", endpoint: testURL("http://nova/v2.1"),
      transport: AuthenticatingTransport(wrapping: transport, authenticator: authenticator))
    let error = try await #require(throws: OpenStackError.self) { try await client.get("servers") }
    #expect(error.status == 401)
    #expect(transport.requests.count == 4)
  }

  @Test func tokenNearExpiryIsRenewedBeforeUse() async throws {
    let transport = ScriptedTransport { _, index in try Self.tokenResponse("t\(index)") }
    // The fixture token expires 2015-11-07T02:58:43Z; one minute before is within the margin.
    let clock = testDate("2015-11-07T02:57:43Z")
    let authenticator = Authenticator(
      config: Self.config, transport: transport, renewalMargin: 120, now: { clock })
    _ = try await authenticator.token()
    _ = try await authenticator.token()
    #expect(transport.requests.count == 2)
    let early = testDate("2015-11-07T01:59:00Z")
    let relaxed = Authenticator(
      config: Self.config, transport: transport, renewalMargin: 120, now: { early })
    _ = try await relaxed.token()
    _ = try await relaxed.token()
    #expect(transport.requests.count == 3)
  }
}

private let firstToken = Box()

private final class Box: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: String?
  var value: String? { lock.withLock { stored } }
  func set(_ text: String) { lock.withLock { stored = text } }
}

extension Token {
  static func fromFixture() throws -> Token {
    let transport = ScriptedTransport { _, _ in try IdentityTests.tokenResponse("t") }
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<Token, any Error>?
    Task {
      do {
        result = .success(
          try await Authenticator(config: IdentityTests.config, transport: transport).token())
      } catch {
        result = .failure(error)
      }
      semaphore.signal()
    }
    semaphore.wait()
    return try #require(result).get()
  }
}
