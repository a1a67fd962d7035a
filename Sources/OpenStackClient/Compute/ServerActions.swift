public import Foundation

/// `reboot` types.
public enum RebootType: String, Sendable {
  /// A graceful restart of the guest.
  case soft = "SOFT"
  /// A power cycle.
  case hard = "HARD"
}

/// Options of `rebuild`; `nil` fields are not sent.
public struct RebuildOptions: Sendable, Equatable {
  /// `imageRef` (required).
  public var imageRef: String
  /// `name`.
  public var name: String?
  /// `adminPass` (never logged).
  public var adminPassword: Secret?
  /// `accessIPv4`.
  public var accessIPv4: String?
  /// `accessIPv6`.
  public var accessIPv6: String?
  /// `metadata`.
  public var metadata: [String: String]?
  /// `preserve_ephemeral`.
  public var preserveEphemeral: Bool?
  /// `OS-DCF:diskConfig` (`AUTO` / `MANUAL`).
  public var diskConfig: String?
  /// `user_data` as base64 (2.57).
  public var userData: String?
  /// `key_name` (2.54).
  public var keyName: String?
  /// `description` (2.19).
  public var description: String?
  /// `trusted_image_certificates` (2.63).
  public var trustedImageCertificates: [String]?
  /// `hostname` (2.90).
  public var hostname: String?

  /// Options that rebuild from `imageRef` and change nothing else.
  public init(
    imageRef: String, name: String? = nil, adminPassword: Secret? = nil, accessIPv4: String? = nil,
    accessIPv6: String? = nil, metadata: [String: String]? = nil, preserveEphemeral: Bool? = nil,
    diskConfig: String? = nil, userData: String? = nil, keyName: String? = nil,
    description: String? = nil,
    trustedImageCertificates: [String]? = nil, hostname: String? = nil
  ) {
    self.imageRef = imageRef
    self.name = name
    self.adminPassword = adminPassword
    self.accessIPv4 = accessIPv4
    self.accessIPv6 = accessIPv6
    self.metadata = metadata
    self.preserveEphemeral = preserveEphemeral
    self.diskConfig = diskConfig
    self.userData = userData
    self.keyName = keyName
    self.description = description
    self.trustedImageCertificates = trustedImageCertificates
    self.hostname = hostname
  }

  var body: JSONValue {
    var members: [JSONObject.Member] = [.init(key: "imageRef", value: .string(imageRef))]
    func add(_ key: String, _ value: JSONValue?) {
      if let value { members.append(.init(key: key, value: value)) }
    }
    add("name", name.map(JSONValue.string))
    add("adminPass", adminPassword.map { .string($0.revealed) })
    add("accessIPv4", accessIPv4.map(JSONValue.string))
    add("accessIPv6", accessIPv6.map(JSONValue.string))
    add("metadata", metadata.map { ServerActionBody.stringMap($0) })
    add("preserve_ephemeral", preserveEphemeral.map(JSONValue.bool))
    add("OS-DCF:diskConfig", diskConfig.map(JSONValue.string))
    add("user_data", userData.map(JSONValue.string))
    add("key_name", keyName.map(JSONValue.string))
    add("description", description.map(JSONValue.string))
    add(
      "trusted_image_certificates",
      trustedImageCertificates.map { .array($0.map(JSONValue.string)) })
    add("hostname", hostname.map(JSONValue.string))
    return ["rebuild": .object(JSONObject(members: members))]
  }
}

enum ServerActionBody {
  static func stringMap(_ map: [String: String]) -> JSONValue {
    .object(
      JSONObject(members: map.keys.sorted().map { .init(key: $0, value: .string(map[$0] ?? "")) }))
  }
}

extension ComputeService {
  /// `POST /servers/{id}/action` with `body`; returns the response.
  @discardableResult
  public func performAction(serverID: String, body: JSONValue) async throws -> HTTPResponse {
    try await client.send("POST", "servers/\(ServiceClient.segment(serverID))/action", body: body)
  }

  /// `{"changePassword": {"adminPass": ...}}` (202).
  public func changePassword(serverID: String, to password: Secret) async throws {
    try await performAction(
      serverID: serverID, body: ["changePassword": ["adminPass": .string(password.revealed)]])
  }

  /// `{"reboot": {"type": "SOFT"|"HARD"}}` (202).
  public func reboot(serverID: String, type: RebootType = .soft) async throws {
    try await performAction(serverID: serverID, body: ["reboot": ["type": .string(type.rawValue)]])
  }

  /// `{"forceDelete": null}` (202; only for SOFT_DELETED servers).
  public func forceDelete(serverID: String) async throws {
    try await performAction(serverID: serverID, body: ["forceDelete": nil])
  }

  /// `{"rebuild": {...}}` (202); returns the server from the response body when there is one.
  @discardableResult
  public func rebuild(serverID: String, options: RebuildOptions) async throws -> Server? {
    let response = try await performAction(serverID: serverID, body: options.body)
    guard !response.body.isEmpty else { return nil }
    let json = try JSONValue.parse(response.body, resource: "rebuild of server \(serverID)")
    return try json["server"].map(Server.decode)
  }

  /// `{"resize": {"flavorRef": ..., "OS-DCF:diskConfig"?}}` (202).
  public func resize(serverID: String, flavorID: String, diskConfig: String? = nil) async throws {
    var resize: [JSONObject.Member] = [.init(key: "flavorRef", value: .string(flavorID))]
    if let diskConfig { resize.append(.init(key: "OS-DCF:diskConfig", value: .string(diskConfig))) }
    try await performAction(
      serverID: serverID, body: ["resize": .object(JSONObject(members: resize))])
  }

  /// `{"confirmResize": null}` (204).
  public func confirmResize(serverID: String) async throws {
    try await performAction(serverID: serverID, body: ["confirmResize": nil])
  }

  /// `{"revertResize": null}` (202).
  public func revertResize(serverID: String) async throws {
    try await performAction(serverID: serverID, body: ["revertResize": nil])
  }

  /// `{"createImage": {"name": ..., "metadata"?}}` (202); returns the new image id, from the body's
  /// `image_id` (2.45+) or the `Location` header (before), `nil` if neither is present.
  @discardableResult
  public func createImage(serverID: String, name: String, metadata: [String: String]? = nil)
    async throws
    -> String?
  {
    var members: [JSONObject.Member] = [.init(key: "name", value: .string(name))]
    if let metadata {
      members.append(.init(key: "metadata", value: ServerActionBody.stringMap(metadata)))
    }
    let response = try await performAction(
      serverID: serverID, body: ["createImage": .object(JSONObject(members: members))])
    if !response.body.isEmpty,
      let json = try? JSONValue.parse(response.body, resource: "createImage"),
      let imageID = json["image_id"]?.stringValue
    {
      return imageID
    }
    if let location = response.headers["Location"], let url = URL(string: location) {
      let last = url.lastPathComponent
      return last.isEmpty ? nil : last
    }
    return nil
  }

  /// `{"os-start": null}` (202).
  public func start(serverID: String) async throws {
    try await performAction(serverID: serverID, body: ["os-start": nil])
  }

  /// `{"os-stop": null}` (202).
  public func stop(serverID: String) async throws {
    try await performAction(serverID: serverID, body: ["os-stop": nil])
  }
}
