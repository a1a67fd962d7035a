public import Foundation

/// Filters and paging of `GET /servers/detail`.
public struct ServerQuery: Sendable, Equatable {
  /// Page size (`limit`); Nova caps it at `[api]max_limit` (default 1000). `nil` sends none.
  public var limit: Int?
  /// `all_tenants=1` (admin only; a non-admin gets 403).
  public var allTenants: Bool
  /// `changes-since` (inclusive; also returns servers deleted since then).
  public var changesSince: Date?
  /// `changes-before` (2.66+).
  public var changesBefore: Date?
  /// `deleted=true` or `false` (admin only).
  public var deleted: Bool?
  /// Further query parameters, sent as given (beware: unknown ones give 400 from 2.75).
  public var extra: [String: String]

  /// Creates a query; by default pages of 1000 servers of the token's project.
  public init(
    limit: Int? = 1000, allTenants: Bool = false, changesSince: Date? = nil,
    changesBefore: Date? = nil,
    deleted: Bool? = nil, extra: [String: String] = [:]
  ) {
    self.limit = limit
    self.allTenants = allTenants
    self.changesSince = changesSince
    self.changesBefore = changesBefore
    self.deleted = deleted
    self.extra = extra
  }

  /// The query items (without `marker`).
  public var queryItems: [URLQueryItem] {
    var items: [URLQueryItem] = []
    if let limit { items.append(URLQueryItem(name: "limit", value: String(limit))) }
    if allTenants { items.append(URLQueryItem(name: "all_tenants", value: "1")) }
    if let changesSince {
      items.append(URLQueryItem(name: "changes-since", value: Timestamp.format(changesSince)))
    }
    if let changesBefore {
      items.append(URLQueryItem(name: "changes-before", value: Timestamp.format(changesBefore)))
    }
    if let deleted {
      items.append(URLQueryItem(name: "deleted", value: deleted ? "true" : "false"))
    }
    for key in extra.keys.sorted() { items.append(URLQueryItem(name: key, value: extra[key])) }
    return items
  }
}

/// Nova (compute API v2.1) at one negotiated microversion.
public struct ComputeService: Sendable {
  /// The client for the catalog endpoint, sending the microversion headers.
  public let client: ServiceClient
  /// The microversion every request asks for.
  public let microversion: Microversion
  /// The range the service advertised (`nil` if discovery found no document).
  public let versionRange: VersionRange?

  /// Creates a service handle at a known microversion (no discovery).
  public init(client: ServiceClient, microversion: Microversion, versionRange: VersionRange? = nil)
  {
    self.microversion = microversion
    self.versionRange = versionRange
    self.client = client.adding(headers: Self.headers(for: microversion))
  }

  /// The request headers for `version`: both the modern and the legacy Nova header.
  public static func headers(for version: Microversion) -> HTTPHeaders {
    ["OpenStack-API-Version": "compute \(version)", "X-OpenStack-Nova-API-Version": "\(version)"]
  }

  /// Discovers the version range from the compute root (no token) and picks the microversion:
  /// the pin if given (an error outside the range), else `min(max, 2.100)`.
  public static func negotiate(
    client: ServiceClient, discoveryTransport: any HTTPTransport, pinned: String?
  ) async throws -> ComputeService {
    let range = try await VersionRange.discover(
      endpoint: client.endpoint, major: 2, legacyMinimum: Microversion(2, 1),
      transport: discoveryTransport,
      service: client.service, timeout: client.timeout)
    guard let range else {
      throw OpenStackError.microversion(
        "no v2.1 entry in the version document of \(VersionRange.rootURL(of: client.endpoint, major: 2).absoluteString)"
      )
    }
    let chosen = try range.choose(pinned: pinned, newest: .newestCompute, service: "compute")
    return ComputeService(client: client, microversion: chosen, versionRange: range)
  }

  // MARK: - Servers

  /// The raw body of one `GET /servers/detail` page, for the sync engine to decode in parallel.
  public func fetchServerPageData(query: ServerQuery, marker: String?) async throws -> Data {
    var items = query.queryItems
    if let marker { items.append(URLQueryItem(name: "marker", value: marker)) }
    return try await client.get("servers/detail", query: items)
  }

  /// Decodes a page fetched with `fetchServerPageData(query:marker:)`.
  public static func decodeServerPage(_ data: Data) throws -> ServerPage {
    try ServerPage.decode(data)
  }

  /// The next page's marker, read cheaply (only `servers_links` is parsed) so the next fetch can
  /// start before the page is decoded. `nil` at the last page (or for a body that is not JSON).
  public static func nextMarker(in data: Data) -> String? {
    PageLinks.nextMarker(in: data, linksKey: "servers_links")
  }

  /// Every page of servers, fetched as the sequence is iterated (one page in flight at a time).
  public func serverPages(_ query: ServerQuery = ServerQuery()) -> ServerPages {
    ServerPages(service: self, query: query)
  }

  /// `GET /servers/{id}`; a 404 throws `OpenStackError.notFound`.
  public func server(id: String) async throws -> Server {
    let data = try await client.get("servers/\(ServiceClient.segment(id))")
    let json = try JSONValue.parse(data, resource: "server \(id)")
    guard let server = json["server"] else {
      throw OpenStackError.decoding(
        resource: "server", id: id, key: "server", expected: "an object", found: "nothing (missing)"
      )
    }
    return try Server.decode(server)
  }

  /// Every flavor (`GET /flavors/detail`, paged), including private ones for admins (`is_public=None`).
  public func flavors(includePrivate: Bool = false, pageSize: Int? = nil) async throws -> [Flavor] {
    var query: [URLQueryItem] = []
    if includePrivate { query.append(URLQueryItem(name: "is_public", value: "None")) }
    if let pageSize { query.append(URLQueryItem(name: "limit", value: String(pageSize))) }
    return try await client.collectPages(
      "flavors/detail", query: query, itemsKey: "flavors", linksKey: "flavors_links",
      resource: "flavors",
      decode: Flavor.decode)
  }

  /// A server's instance actions, newest first. From 2.58 pages are followed (`links`) and
  /// `changesSince` filters on the action's `updated_at`; below 2.58 `changesSince` is ignored.
  public func instanceActions(
    serverID: String, changesSince: Date? = nil, pageSize: Int? = nil
  ) async throws -> [InstanceAction] {
    var query: [URLQueryItem] = []
    if microversion >= Microversion(2, 58) {
      if let changesSince {
        query.append(URLQueryItem(name: "changes-since", value: Timestamp.format(changesSince)))
      }
      if let pageSize { query.append(URLQueryItem(name: "limit", value: String(pageSize))) }
    }
    return try await client.collectPages(
      "servers/\(ServiceClient.segment(serverID))/os-instance-actions", query: query,
      itemsKey: "instanceActions",
      linksKey: "links", resource: "instance actions of server \(serverID)",
      decode: InstanceAction.decode)
  }

  /// One instance action with its events.
  public func instanceAction(serverID: String, requestID: String) async throws -> InstanceAction {
    let data = try await client.get(
      "servers/\(ServiceClient.segment(serverID))/os-instance-actions/\(ServiceClient.segment(requestID))"
    )
    let json = try JSONValue.parse(data, resource: "instance action \(requestID)")
    guard let action = json["instanceAction"] else {
      throw OpenStackError.decoding(
        resource: "instance action", id: requestID, key: "instanceAction", expected: "an object",
        found: "nothing (missing)")
    }
    return try InstanceAction.decode(action)
  }

  /// `GET /servers/{id}/os-volume_attachments`.
  public func volumeAttachments(serverID: String) async throws -> [VolumeAttachment] {
    try await client.collectPages(
      "servers/\(ServiceClient.segment(serverID))/os-volume_attachments", query: [],
      itemsKey: "volumeAttachments",
      linksKey: "volumeAttachments_links", resource: "volume attachments of server \(serverID)",
      decode: VolumeAttachment.decode)
  }

  /// `GET /servers/{id}/os-security-groups` (ids and rules, unlike the names in `Server`).
  public func securityGroups(serverID: String) async throws -> [ServerSecurityGroup] {
    let data = try await client.get("servers/\(ServiceClient.segment(serverID))/os-security-groups")
    let json = try JSONValue.parse(data, resource: "security groups of server \(serverID)")
    guard case .array(let items)? = json["security_groups"] else {
      throw OpenStackError.decoding(
        resource: "security groups of server", id: serverID, key: "security_groups",
        expected: "an array",
        found: json["security_groups"]?.kindDescription ?? "nothing (missing)")
    }
    return try items.map(ServerSecurityGroup.decode)
  }
}

/// The pages of `GET /servers/detail`, fetched lazily as they are iterated.
public struct ServerPages: AsyncSequence, Sendable {
  /// Pages of decoded servers.
  public typealias Element = ServerPage

  let service: ComputeService
  let query: ServerQuery

  /// Creates the iterator.
  public func makeAsyncIterator() -> Iterator {
    Iterator(service: service, query: query)
  }

  /// Fetches and decodes one page per `next()`; stops after a page without a next link or an
  /// empty page. A repeated marker throws instead of looping.
  public struct Iterator: AsyncIteratorProtocol {
    let service: ComputeService
    let query: ServerQuery
    var marker: String?
    var finished = false
    var seen: Set<String> = []

    init(service: ComputeService, query: ServerQuery) {
      self.service = service
      self.query = query
    }

    /// The next non-empty page, or `nil` at the end.
    public mutating func next() async throws -> ServerPage? {
      guard !finished else { return nil }
      let data = try await service.fetchServerPageData(query: query, marker: marker)
      let page = try ComputeService.decodeServerPage(data)
      if let next = page.nextMarker {
        guard seen.insert(next).inserted else {
          throw OpenStackError.decoding(
            resource: "servers page", id: nil, key: "servers_links", expected: "a new marker",
            found: "marker \(next) again (paging loop)")
        }
        marker = next
      } else {
        finished = true
      }
      if page.servers.isEmpty {
        finished = true
        return nil
      }
      return page
    }
  }
}
