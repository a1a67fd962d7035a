public import Foundation

/// An attachment of a Cinder volume (only `attached` ones are listed).
public struct VolumeAttachmentInfo: Sendable, Equatable {
  /// `attachment_id`.
  public var attachmentID: String?
  /// `volume_id` (or `id`).
  public var volumeID: String?
  /// `server_id`.
  public var serverID: String?
  /// `host_name` (admin).
  public var hostName: String?
  /// `device`.
  public var device: String?
  /// `attached_at` (naive, read as UTC).
  public var attachedAt: Date?
}

/// A Cinder volume from `GET /v3/{project_id}/volumes/detail`.
public struct Volume: Sendable, Equatable {
  /// `id`.
  public var id: String
  /// `name`.
  public var name: String?
  /// `description`.
  public var description: String?
  /// `status` (available, in-use, ...).
  public var status: String?
  /// `size` in GiB.
  public var size: Int?
  /// `volume_type`.
  public var volumeType: String?
  /// `os-vol-tenant-attr:tenant_id` (admin).
  public var projectID: String?
  /// `user_id`.
  public var userID: String?
  /// `availability_zone`.
  public var availabilityZone: String?
  /// `bootable` (Cinder sends the string `"true"`/`"false"`).
  public var bootable: Bool?
  /// `encrypted`.
  public var encrypted: Bool?
  /// `multiattach`.
  public var multiattach: Bool?
  /// `os-vol-host-attr:host` (admin).
  public var host: String?
  /// `snapshot_id`.
  public var snapshotID: String?
  /// `source_volid`.
  public var sourceVolumeID: String?
  /// `metadata`.
  public var metadata: [String: String]?
  /// `attachments`.
  public var attachments: [VolumeAttachmentInfo]
  /// `created_at`.
  public var createdAt: Date?
  /// `updated_at`.
  public var updatedAt: Date?
  /// The object as received, minus `links`.
  public var raw: JSONValue

  static func decode(_ value: JSONValue) throws -> Volume {
    let id = try FieldReader(value, resource: "volume").requiredString("id")
    let fields = try FieldReader(value, resource: "volume", id: id)
    var bootable: Bool?
    switch fields.value("bootable") {
    case .string(let text)?: bootable = text.lowercased() == "true"
    case .bool(let flag)?: bootable = flag
    case nil: bootable = nil
    case let other?:
      throw fields.mismatch("bootable", expected: "\"true\" or \"false\"", found: other)
    }
    let attachments = try fields.objects("attachments")?.map { attachment in
      VolumeAttachmentInfo(
        attachmentID: try attachment.string("attachment_id"),
        volumeID: try attachment.string("volume_id") ?? attachment.string("id"),
        serverID: try attachment.string("server_id"), hostName: try attachment.string("host_name"),
        device: try attachment.string("device"), attachedAt: try attachment.date("attached_at"))
    }
    return Volume(
      id: id, name: try fields.string("name"), description: try fields.string("description"),
      status: try fields.string("status"), size: try fields.int("size"),
      volumeType: try fields.string("volume_type"),
      projectID: try fields.string("os-vol-tenant-attr:tenant_id"),
      userID: try fields.string("user_id"),
      availabilityZone: try fields.string("availability_zone"), bootable: bootable,
      encrypted: try fields.bool("encrypted"), multiattach: try fields.bool("multiattach"),
      host: try fields.string("os-vol-host-attr:host"),
      snapshotID: try fields.string("snapshot_id"),
      sourceVolumeID: try fields.string("source_volid"), metadata: try fields.stringMap("metadata"),
      attachments: attachments ?? [], createdAt: try fields.date("created_at"),
      updatedAt: try fields.date("updated_at"), raw: value.removingLinks())
  }
}

/// Cinder (block-storage API v3) at one negotiated microversion.
public struct BlockStorageService: Sendable {
  /// The client for the catalog endpoint (`.../v3/{project_id}`), sending the version header.
  public let client: ServiceClient
  /// The microversion every request asks for.
  public let microversion: Microversion

  /// Creates a handle at a known microversion.
  public init(client: ServiceClient, microversion: Microversion) {
    self.microversion = microversion
    self.client = client.adding(headers: ["OpenStack-API-Version": "volume \(microversion)"])
  }

  /// Discovers the range from the volume root document and asks for the pin or `min(max, 3.70)`;
  /// if discovery fails, falls back to 3.0 (every v3 endpoint supports it).
  public static func negotiate(
    client: ServiceClient, discoveryTransport: any HTTPTransport, pinned: String?
  ) async throws -> BlockStorageService {
    let range: VersionRange?
    do {
      range = try await VersionRange.discover(
        endpoint: client.endpoint, major: 3, legacyMinimum: Microversion(3, 0),
        transport: discoveryTransport,
        service: client.service, timeout: client.timeout)
    } catch let error as OpenStackError {
      if case .microversion = error { throw error }
      range = nil
    }
    guard let range else {
      if let pinned, let version = Microversion(pinned) {
        return BlockStorageService(client: client, microversion: version)
      }
      return BlockStorageService(client: client, microversion: Microversion(3, 0))
    }
    let chosen = try range.choose(pinned: pinned, newest: .newestVolume, service: "block-storage")
    return BlockStorageService(client: client, microversion: chosen)
  }

  /// `GET /volumes/detail` page by page: `body` gets each page before the next is fetched.
  public func forEachVolumePage(
    allTenants: Bool = false, pageSize: Int? = nil, _ body: ([Volume]) async throws -> Void
  ) async throws {
    var query: [URLQueryItem] = []
    if allTenants { query.append(URLQueryItem(name: "all_tenants", value: "1")) }
    if let pageSize { query.append(URLQueryItem(name: "limit", value: String(pageSize))) }
    try await client.forEachPage(
      "volumes/detail", query: query, itemsKey: "volumes", linksKey: "volumes_links",
      resource: "volumes", decode: Volume.decode, body)
  }

  /// Every volume (`GET /volumes/detail`, paged by `volumes_links`); `allTenants` needs admin.
  public func volumes(
    allTenants: Bool = false, pageSize: Int? = nil, filters: [String: String] = [:]
  )
    async throws -> [Volume]
  {
    var query = filters.keys.sorted().map { URLQueryItem(name: $0, value: filters[$0]) }
    if allTenants { query.append(URLQueryItem(name: "all_tenants", value: "1")) }
    if let pageSize { query.append(URLQueryItem(name: "limit", value: String(pageSize))) }
    return try await client.collectPages(
      "volumes/detail", query: query, itemsKey: "volumes", linksKey: "volumes_links",
      resource: "volumes",
      decode: Volume.decode)
  }
}
