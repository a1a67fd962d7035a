public import Foundation

/// The service catalog of a Keystone v3 token.
public struct ServiceCatalog: Sendable, Equatable {
  /// One endpoint of a service.
  public struct Endpoint: Sendable, Equatable {
    /// `public`, `internal` or `admin`.
    public var interface: String
    /// `region_id`, falling back to the deprecated `region`.
    public var region: String?
    /// The endpoint URL.
    public var url: URL

    /// Creates an endpoint.
    public init(interface: String, region: String?, url: URL) {
      self.interface = interface
      self.region = region
      self.url = url
    }
  }

  /// One catalog entry.
  public struct Service: Sendable, Equatable {
    /// The service type (`compute`, `network`, `block-storage`, ...).
    public var type: String
    /// The service name (`nova`, ...).
    public var name: String?
    /// Its endpoints.
    public var endpoints: [Endpoint]

    /// Creates an entry.
    public init(type: String, name: String?, endpoints: [Endpoint]) {
      self.type = type
      self.name = name
      self.endpoints = endpoints
    }
  }

  /// The entries.
  public var services: [Service]

  /// Creates a catalog.
  public init(services: [Service]) {
    self.services = services
  }

  /// Service types tried, in order, for block storage (v2 endpoints are rejected).
  public static let blockStorageTypes = ["block-storage", "volumev3", "volume"]

  /// The URL of the first endpoint of the first listed type that matches interface and region.
  ///
  /// - Parameter rejectingPath: endpoints whose path matches this predicate are skipped (used to
  ///   refuse Cinder v2 URLs under an alias type).
  public func endpoint(
    types: [String], interface: String, region: String?,
    rejectingPath: (@Sendable (String) -> Bool)? = nil
  ) throws -> URL {
    var rejected: [String] = []
    for type in types {
      for service in services where service.type == type {
        for endpoint in service.endpoints where endpoint.interface == interface {
          if let region, endpoint.region != region { continue }
          if let rejectingPath, rejectingPath(endpoint.url.path) {
            rejected.append("\(type) \(endpoint.url.absoluteString)")
            continue
          }
          return endpoint.url
        }
      }
    }
    var detail: String?
    if !rejected.isEmpty {
      detail = "rejected: " + rejected.joined(separator: ", ")
    } else {
      let present = services.filter { types.contains($0.type) }
      if present.isEmpty {
        detail = "no service of type \(types.joined(separator: " / "))"
      } else {
        let seen = present.flatMap(\.endpoints).map { "\($0.interface)@\($0.region ?? "-")" }
        detail = "available: " + seen.joined(separator: ", ")
      }
    }
    throw OpenStackError.endpointNotFound(
      service: types.joined(separator: "/"), interface: interface, region: region, detail: detail)
  }

  /// Whether a block-storage endpoint path is a pre-v3 API.
  @Sendable public static func isLegacyVolumePath(_ path: String) -> Bool {
    let segments = path.split(separator: "/")
    return segments.contains { $0 == "v1" || $0 == "v2" }
  }

  static func parse(_ value: JSONValue?) throws -> ServiceCatalog {
    guard let value, case .array(let items) = value else { return ServiceCatalog(services: []) }
    var services: [Service] = []
    for (index, item) in items.enumerated() {
      let entry = try FieldReader(item, resource: "token catalog", path: "catalog[\(index)]")
      var endpoints: [Endpoint] = []
      for endpoint in try entry.objects("endpoints") ?? [] {
        guard let urlText = try endpoint.string("url"), let url = URL(string: urlText) else {
          continue
        }
        endpoints.append(
          Endpoint(
            interface: try endpoint.string("interface") ?? "public",
            region: try endpoint.string("region_id") ?? endpoint.string("region"), url: url))
      }
      services.append(
        Service(
          type: try entry.string("type") ?? "", name: try entry.string("name"), endpoints: endpoints
        ))
    }
    return ServiceCatalog(services: services)
  }
}
