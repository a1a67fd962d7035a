public import Foundation

/// A Keystone v3 token and what came with it.
public struct Token: Sendable, Equatable {
  /// The token itself (from the `X-Subject-Token` header).
  public var value: Secret
  /// When Keystone will stop accepting it (`expires_at`).
  public var expiresAt: Date?
  /// The project the token is scoped to.
  public var projectID: String?
  /// The project name.
  public var projectName: String?
  /// The user.
  public var userID: String?
  /// Role names on the project.
  public var roles: [String]
  /// The service catalog.
  public var catalog: ServiceCatalog

  /// Creates a token value.
  public init(
    value: Secret, expiresAt: Date?, projectID: String?, projectName: String? = nil,
    userID: String?,
    roles: [String], catalog: ServiceCatalog
  ) {
    self.value = value
    self.expiresAt = expiresAt
    self.projectID = projectID
    self.projectName = projectName
    self.userID = userID
    self.roles = roles
    self.catalog = catalog
  }

  /// Whether the token carries the `admin` role (Nova's default `context_is_admin`).
  public var isAdmin: Bool { roles.contains { $0.lowercased() == "admin" } }

  /// Whether the token expires within `margin` seconds of `now`.
  public func expires(within margin: TimeInterval, of now: Date) -> Bool {
    guard let expiresAt else { return false }
    return expiresAt.timeIntervalSince(now) <= margin
  }

  /// Builds a token from Keystone's `POST /v3/auth/tokens` response.
  static func from(response: HTTPResponse) throws -> Token {
    guard let subject = response.headers["X-Subject-Token"], !subject.isEmpty else {
      throw OpenStackError.decoding(
        resource: "identity token", id: nil, key: "X-Subject-Token", expected: "a response header",
        found: "nothing")
    }
    let json = try JSONValue.parse(response.body, resource: "identity token")
    let root = try FieldReader(json, resource: "identity token")
    guard let token = try root.nested("token") else {
      throw OpenStackError.decoding(
        resource: "identity token", id: nil, key: "token", expected: "an object",
        found: "nothing (missing)")
    }
    let roles = try token.objects("roles")?.compactMap { try $0.string("name") } ?? []
    let project = try token.nested("project")
    return Token(
      value: Secret(subject), expiresAt: try token.date("expires_at"),
      projectID: try project?.string("id"),
      projectName: try project?.string("name"), userID: try token.nested("user")?.string("id"),
      roles: roles,
      catalog: try ServiceCatalog.parse(token.value("catalog")))
  }
}
