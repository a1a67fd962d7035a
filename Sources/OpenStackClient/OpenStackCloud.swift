public import Foundation

/// One cloud: authentication, the service catalog and handles for compute, network and block
/// storage.
///
/// Builds the transport stack: `transport` (default `URLSessionTransport`) → `LoggingTransport`
/// (when `debugLog` is given) → `RetryingTransport` → `AuthenticatingTransport`. Service handles
/// are created once (including microversion negotiation) and cached.
///
/// ```swift
/// let config = try CloudConfigLoader.live().load(cloud: "prod")
/// let cloud = OpenStackCloud(config: config)
/// try await cloud.authenticate()
/// let compute = try await cloud.compute()
/// for try await page in compute.serverPages(ServerQuery(allTenants: await cloud.isAdmin)) { ... }
/// ```
public actor OpenStackCloud {
  /// The resolved configuration.
  public nonisolated let config: CloudConfig
  /// The authenticator (shared by every service handle).
  public nonisolated let authenticator: Authenticator
  private let plainTransport: any HTTPTransport
  private let authenticatedTransport: any HTTPTransport
  private var computeService: ComputeService?
  private var networkService: NetworkService?
  private var blockStorageService: BlockStorageService?

  /// Creates the cloud; nothing is sent until `authenticate()` or a service handle is requested.
  ///
  /// - Parameters:
  ///   - transport: the network seam (default: `URLSessionTransport` with the config's TLS options).
  ///   - retryPolicy: attempts and backoff of the retry layer.
  ///   - sleeper: the retry layer's clock (tests pass a recording one).
  ///   - debugLog: receives one redacted line per HTTP exchange.
  public init(
    config: CloudConfig, transport: (any HTTPTransport)? = nil,
    retryPolicy: RetryPolicy = RetryPolicy(),
    sleeper: any Sleeper = TaskSleeper(), debugLog: DebugLog? = nil
  ) {
    self.config = config
    var base: any HTTPTransport = transport ?? URLSessionTransport(tls: config.tls)
    if let debugLog { base = LoggingTransport(wrapping: base, log: debugLog) }
    let retrying = RetryingTransport(
      wrapping: base, policy: retryPolicy, sleeper: sleeper, debugLog: debugLog)
    self.plainTransport = retrying
    let authenticator = Authenticator(config: config, transport: retrying)
    self.authenticator = authenticator
    self.authenticatedTransport = AuthenticatingTransport(
      wrapping: retrying, authenticator: authenticator)
  }

  /// Authenticates (or returns the still-valid token).
  @discardableResult
  public func authenticate() async throws -> Token {
    try await authenticator.token()
  }

  /// Whether the credentials carry the `admin` role (so `all_tenants` listing is allowed).
  public var isAdmin: Bool {
    get async throws { try await authenticate().isAdmin }
  }

  /// The project the token is scoped to.
  public var projectID: String? {
    get async throws { try await authenticate().projectID }
  }

  private func client(
    service: String, types: [String], rejecting: (@Sendable (String) -> Bool)? = nil
  )
    async throws -> ServiceClient
  {
    let token = try await authenticate()
    let endpoint = try token.catalog.endpoint(
      types: types, interface: config.interface, region: config.regionName, rejectingPath: rejecting
    )
    return ServiceClient(
      service: service, endpoint: endpoint, transport: authenticatedTransport,
      timeout: config.requestTimeout)
  }

  /// The compute service, with its microversion negotiated (or pinned by `compute_api_version`).
  public func compute() async throws -> ComputeService {
    if let computeService { return computeService }
    let client = try await client(service: "compute", types: ["compute"])
    let service = try await ComputeService.negotiate(
      client: client, discoveryTransport: plainTransport, pinned: config.computeAPIVersion)
    computeService = service
    return service
  }

  /// The network service (`network` in the catalog).
  public func network() async throws -> NetworkService {
    if let networkService { return networkService }
    let service = NetworkService(client: try await client(service: "network", types: ["network"]))
    networkService = service
    return service
  }

  /// The block-storage service (`block-storage`, then `volumev3`, then `volume`; v1/v2 URLs are
  /// rejected), with its microversion negotiated.
  public func blockStorage() async throws -> BlockStorageService {
    if let blockStorageService { return blockStorageService }
    let client = try await client(
      service: "block-storage", types: ServiceCatalog.blockStorageTypes,
      rejecting: ServiceCatalog.isLegacyVolumePath)
    let service = try await BlockStorageService.negotiate(
      client: client, discoveryTransport: plainTransport, pinned: config.volumeAPIVersion)
    blockStorageService = service
    return service
  }
}
