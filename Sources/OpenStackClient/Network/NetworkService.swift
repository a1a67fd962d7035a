public import Foundation

/// A fixed IP of a port.
public struct FixedIP: Sendable, Equatable {
  /// `subnet_id`.
  public var subnetID: String?
  /// `ip_address`.
  public var ipAddress: String
}

/// A Neutron port (`GET /v2.0/ports`). Named `NetworkPort` to stay clear of Foundation's `Port`.
public struct NetworkPort: Sendable, Equatable {
  /// `id`.
  public var id: String
  /// `name`.
  public var name: String?
  /// `network_id`.
  public var networkID: String?
  /// `mac_address`.
  public var macAddress: String?
  /// `fixed_ips`.
  public var fixedIPs: [FixedIP]
  /// `device_id` (the server id for Nova ports).
  public var deviceID: String?
  /// `device_owner` (`compute:<AZ>` for Nova ports).
  public var deviceOwner: String?
  /// `project_id` (or `tenant_id`).
  public var projectID: String?
  /// `security_groups` (ids).
  public var securityGroupIDs: [String]
  /// `status`.
  public var status: String?
  /// `admin_state_up`.
  public var adminStateUp: Bool?
  /// `created_at`.
  public var createdAt: Date?
  /// `updated_at`.
  public var updatedAt: Date?
  /// The object as received.
  public var raw: JSONValue

  /// Whether Nova owns the port (`device_owner` starts with `compute:`).
  public var isComputePort: Bool { deviceOwner?.hasPrefix("compute:") ?? false }

  static func decode(_ value: JSONValue) throws -> NetworkPort {
    let id = try FieldReader(value, resource: "port").requiredString("id")
    let fields = try FieldReader(value, resource: "port", id: id)
    let fixedIPs = try fields.objects("fixed_ips")?.map {
      FixedIP(subnetID: try $0.string("subnet_id"), ipAddress: try $0.requiredString("ip_address"))
    }
    return NetworkPort(
      id: id, name: try fields.string("name"), networkID: try fields.string("network_id"),
      macAddress: try fields.string("mac_address"), fixedIPs: fixedIPs ?? [],
      deviceID: try fields.string("device_id"),
      deviceOwner: try fields.string("device_owner"),
      projectID: try fields.string("project_id") ?? fields.string("tenant_id"),
      securityGroupIDs: try fields.stringArray("security_groups") ?? [],
      status: try fields.string("status"),
      adminStateUp: try fields.bool("admin_state_up"), createdAt: try fields.date("created_at"),
      updatedAt: try fields.date("updated_at"), raw: value.removingLinks())
  }
}

/// A Neutron security group rule.
public struct SecurityGroupRule: Sendable, Equatable {
  /// `id`.
  public var id: String
  /// `security_group_id`.
  public var securityGroupID: String?
  /// `direction`: `ingress` / `egress`.
  public var direction: String?
  /// `ethertype`: `IPv4` / `IPv6`.
  public var etherType: String?
  /// `protocol` (`nil` = any).
  public var ipProtocol: String?
  /// `port_range_min`.
  public var portRangeMin: Int?
  /// `port_range_max`.
  public var portRangeMax: Int?
  /// `remote_ip_prefix`.
  public var remoteIPPrefix: String?
  /// `remote_group_id`.
  public var remoteGroupID: String?
  /// `remote_address_group_id` (address-group extension).
  public var remoteAddressGroupID: String?
  /// `description`.
  public var description: String?

  static func decode(_ fields: FieldReader) throws -> SecurityGroupRule {
    var ipProtocol: String?
    switch fields.value("protocol") {
    case .int(let number)?: ipProtocol = String(number)
    default: ipProtocol = try fields.string("protocol")
    }
    return SecurityGroupRule(
      id: try fields.requiredString("id"), securityGroupID: try fields.string("security_group_id"),
      direction: try fields.string("direction"), etherType: try fields.string("ethertype"),
      ipProtocol: ipProtocol,
      portRangeMin: try fields.int("port_range_min"),
      portRangeMax: try fields.int("port_range_max"),
      remoteIPPrefix: try fields.string("remote_ip_prefix"),
      remoteGroupID: try fields.string("remote_group_id"),
      remoteAddressGroupID: try fields.string("remote_address_group_id"),
      description: try fields.string("description"))
  }
}

/// A Neutron security group with its rules.
public struct SecurityGroup: Sendable, Equatable {
  /// `id`.
  public var id: String
  /// `name`.
  public var name: String?
  /// `description`.
  public var description: String?
  /// `project_id` (or `tenant_id`).
  public var projectID: String?
  /// `security_group_rules`.
  public var rules: [SecurityGroupRule]
  /// `stateful` (stateful-security-group extension).
  public var stateful: Bool?
  /// `revision_number`.
  public var revisionNumber: Int?
  /// `tags`.
  public var tags: [String]?
  /// `created_at`.
  public var createdAt: Date?
  /// `updated_at`.
  public var updatedAt: Date?
  /// The object as received.
  public var raw: JSONValue

  static func decode(_ value: JSONValue) throws -> SecurityGroup {
    let id = try FieldReader(value, resource: "security group").requiredString("id")
    let fields = try FieldReader(value, resource: "security group", id: id)
    return SecurityGroup(
      id: id, name: try fields.string("name"), description: try fields.string("description"),
      projectID: try fields.string("project_id") ?? fields.string("tenant_id"),
      rules: try fields.objects("security_group_rules")?.map(SecurityGroupRule.decode) ?? [],
      stateful: try fields.bool("stateful"), revisionNumber: try fields.int("revision_number"),
      tags: try fields.stringArray("tags"),
      createdAt: try fields.date("created_at"), updatedAt: try fields.date("updated_at"),
      raw: value.removingLinks())
  }
}

/// A Neutron floating IP.
public struct FloatingIP: Sendable, Equatable {
  /// `id`.
  public var id: String
  /// `floating_ip_address`.
  public var floatingIPAddress: String?
  /// `fixed_ip_address`.
  public var fixedIPAddress: String?
  /// `port_id` (the port it is associated with).
  public var portID: String?
  /// `floating_network_id`.
  public var floatingNetworkID: String?
  /// `router_id`.
  public var routerID: String?
  /// `project_id` (or `tenant_id`).
  public var projectID: String?
  /// `status`.
  public var status: String?
  /// `created_at`.
  public var createdAt: Date?
  /// `updated_at`.
  public var updatedAt: Date?
  /// The object as received.
  public var raw: JSONValue

  static func decode(_ value: JSONValue) throws -> FloatingIP {
    let id = try FieldReader(value, resource: "floating IP").requiredString("id")
    let fields = try FieldReader(value, resource: "floating IP", id: id)
    return FloatingIP(
      id: id, floatingIPAddress: try fields.string("floating_ip_address"),
      fixedIPAddress: try fields.string("fixed_ip_address"), portID: try fields.string("port_id"),
      floatingNetworkID: try fields.string("floating_network_id"),
      routerID: try fields.string("router_id"),
      projectID: try fields.string("project_id") ?? fields.string("tenant_id"),
      status: try fields.string("status"),
      createdAt: try fields.date("created_at"), updatedAt: try fields.date("updated_at"),
      raw: value.removingLinks())
  }
}

/// A Neutron network (to map the keys of `Server.addresses` to ids).
public struct Network: Sendable, Equatable {
  /// `id`.
  public var id: String
  /// `name`.
  public var name: String?
  /// `project_id` (or `tenant_id`).
  public var projectID: String?
  /// `router:external`.
  public var isExternal: Bool?
  /// `shared`.
  public var isShared: Bool?
  /// `status`.
  public var status: String?
  /// The object as received.
  public var raw: JSONValue

  static func decode(_ value: JSONValue) throws -> Network {
    let id = try FieldReader(value, resource: "network").requiredString("id")
    let fields = try FieldReader(value, resource: "network", id: id)
    return Network(
      id: id, name: try fields.string("name"),
      projectID: try fields.string("project_id") ?? fields.string("tenant_id"),
      isExternal: try fields.bool("router:external"), isShared: try fields.bool("shared"),
      status: try fields.string("status"), raw: value.removingLinks())
  }
}

/// Neutron (networking API v2.0).
///
/// Listings follow `<resource>_links` next links (marker/limit) when Neutron's pagination
/// extension is on; with it off everything comes in one response. An admin token sees every
/// project's resources.
public struct NetworkService: Sendable {
  /// The client for `<endpoint>/v2.0`.
  public let client: ServiceClient

  /// Creates the handle; `/v2.0` is appended to the catalog URL unless already there.
  public init(client: ServiceClient) {
    var text = client.endpoint.absoluteString
    while text.hasSuffix("/") { text.removeLast() }
    if !text.hasSuffix("/v2.0"), let versioned = URL(string: text + "/v2.0") {
      self.client = client.with(endpoint: versioned)
    } else {
      self.client = client
    }
  }

  private func query(pageSize: Int?, filters: [String: String]) -> [URLQueryItem] {
    var items = filters.keys.sorted().map { URLQueryItem(name: $0, value: filters[$0]) }
    if let pageSize { items.append(URLQueryItem(name: "limit", value: String(pageSize))) }
    return items
  }

  /// `GET /v2.0/ports` with exact-match `filters` (e.g. `["device_id": id]`).
  public func ports(filters: [String: String] = [:], pageSize: Int? = nil) async throws
    -> [NetworkPort]
  {
    try await client.collectPages(
      "ports", query: query(pageSize: pageSize, filters: filters), itemsKey: "ports",
      linksKey: "ports_links",
      resource: "ports", decode: NetworkPort.decode)
  }

  /// The port attributes the ledger uses, for `fields=`: a full port is about three times
  /// larger (bindings, DNS, address pairs, descriptions), and a run lists every port.
  public static let ledgerPortFields = [
    "id", "device_id", "device_owner", "network_id", "mac_address", "fixed_ips",
    "security_groups", "project_id", "tenant_id",
  ]

  /// `GET /v2.0/ports` page by page: `body` gets each page before the next is fetched. With
  /// `fields`, Neutron returns only those attributes (`id` is always asked for: paging needs it).
  public func forEachPortPage(
    filters: [String: String] = [:], fields: [String] = [], pageSize: Int? = nil,
    _ body: ([NetworkPort]) async throws -> Void
  ) async throws {
    var items = query(pageSize: pageSize, filters: filters)
    if !fields.isEmpty {
      items += (fields.contains("id") ? fields : ["id"] + fields).map {
        URLQueryItem(name: "fields", value: $0)
      }
    }
    try await client.forEachPage(
      "ports", query: items, itemsKey: "ports",
      linksKey: "ports_links", resource: "ports", decode: NetworkPort.decode, body)
  }

  /// `GET /v2.0/floatingips` page by page.
  public func forEachFloatingIPPage(
    filters: [String: String] = [:], pageSize: Int? = nil,
    _ body: ([FloatingIP]) async throws -> Void
  ) async throws {
    try await client.forEachPage(
      "floatingips", query: query(pageSize: pageSize, filters: filters), itemsKey: "floatingips",
      linksKey: "floatingips_links", resource: "floating IPs", decode: FloatingIP.decode, body)
  }

  /// `GET /v2.0/security-groups`, with rules.
  public func securityGroups(filters: [String: String] = [:], pageSize: Int? = nil) async throws
    -> [SecurityGroup]
  {
    try await client.collectPages(
      "security-groups", query: query(pageSize: pageSize, filters: filters),
      itemsKey: "security_groups",
      linksKey: "security_groups_links", resource: "security groups", decode: SecurityGroup.decode)
  }

  /// `GET /v2.0/floatingips`.
  public func floatingIPs(filters: [String: String] = [:], pageSize: Int? = nil) async throws
    -> [FloatingIP]
  {
    try await client.collectPages(
      "floatingips", query: query(pageSize: pageSize, filters: filters), itemsKey: "floatingips",
      linksKey: "floatingips_links", resource: "floating IPs", decode: FloatingIP.decode)
  }

  /// `GET /v2.0/networks`.
  public func networks(filters: [String: String] = [:], pageSize: Int? = nil) async throws
    -> [Network]
  {
    try await client.collectPages(
      "networks", query: query(pageSize: pageSize, filters: filters), itemsKey: "networks",
      linksKey: "networks_links", resource: "networks", decode: Network.decode)
  }
}
