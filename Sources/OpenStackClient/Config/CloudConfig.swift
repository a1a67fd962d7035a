public import Foundation

/// A Keystone domain, by id or by name.
public enum DomainReference: Sendable, Equatable {
  /// By id.
  case id(String)
  /// By name.
  case name(String)
}

/// A Keystone user, by id or by name within a domain.
public enum UserReference: Sendable, Equatable {
  /// By id (unique across domains).
  case id(String)
  /// By name within `domain`.
  case name(String, domain: DomainReference)
}

/// The project a token is scoped to.
public enum ProjectScope: Sendable, Equatable {
  /// By id.
  case id(String)
  /// By name within `domain`.
  case name(String, domain: DomainReference)
}

/// How to authenticate with Keystone v3.
public enum AuthMethod: Sendable, Equatable {
  /// `auth_type: password` (the default).
  case password(user: UserReference, password: Secret, scope: ProjectScope)
  /// `auth_type: v3applicationcredential`, by credential id.
  case applicationCredential(id: String, secret: Secret)
  /// `auth_type: v3applicationcredential`, by credential name plus its user.
  case namedApplicationCredential(name: String, user: UserReference, secret: Secret)
  /// `auth_type: token` / `v3token`: exchange an existing token for a project-scoped one.
  case token(Secret, scope: ProjectScope?)

  /// The `auth_type` spelling, for messages.
  public var typeName: String {
    switch self {
    case .password: return "password"
    case .applicationCredential, .namedApplicationCredential: return "v3applicationcredential"
    case .token: return "v3token"
    }
  }
}

/// Everything needed to talk to one cloud, resolved from clouds.yaml, secure.yaml, `OS_*`
/// variables and command-line overrides.
public struct CloudConfig: Sendable, Equatable {
  /// The cloud's name (`envvars` when it came from `OS_*` variables only).
  public var cloudName: String
  /// The Keystone v3 URL (ends in `/v3`).
  public var authURL: URL
  /// The credentials.
  public var auth: AuthMethod
  /// The region used to pick catalog endpoints (`nil`: any region).
  public var regionName: String?
  /// The endpoint interface: `public` (default), `internal` or `admin`.
  public var interface: String
  /// A pinned compute microversion such as "2.60" (`nil`: negotiate the newest).
  public var computeAPIVersion: String?
  /// A pinned block-storage microversion such as "3.50" (`nil`: negotiate).
  public var volumeAPIVersion: String?
  /// TLS verification settings.
  public var tls: TLSOptions
  /// The per-request timeout in seconds (`api_timeout`, default 60).
  public var requestTimeout: TimeInterval
  /// The files the configuration came from, for messages.
  public var sourceFiles: [String]

  /// Creates a configuration directly (tests, embedding).
  public init(
    cloudName: String, authURL: URL, auth: AuthMethod, regionName: String? = nil,
    interface: String = "public",
    computeAPIVersion: String? = nil, volumeAPIVersion: String? = nil,
    tls: TLSOptions = TLSOptions(),
    requestTimeout: TimeInterval = 60, sourceFiles: [String] = []
  ) {
    self.cloudName = cloudName
    self.authURL = authURL
    self.auth = auth
    self.regionName = regionName
    self.interface = interface
    self.computeAPIVersion = computeAPIVersion
    self.volumeAPIVersion = volumeAPIVersion
    self.tls = tls
    self.requestTimeout = requestTimeout
    self.sourceFiles = sourceFiles
  }
}
