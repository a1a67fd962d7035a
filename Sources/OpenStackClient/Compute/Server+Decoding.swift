internal import CCrypto
public import Foundation

extension Server {
  static let userDataKey = "OS-EXT-SRV-ATTR:user_data"

  /// Decodes one server from its JSON object.
  ///
  /// - Throws: `OpenStackError.decoding` naming the server id, the key and what was expected.
  public static func decode(_ value: JSONValue) throws -> Server {
    guard case .object(let object) = value else {
      throw OpenStackError.decoding(
        resource: "server", id: nil, key: nil, expected: "an object", found: value.kindDescription)
    }
    return try decode(object)
  }

  static func decode(_ object: JSONObject) throws -> Server {
    let idValue = object["id"]
    guard case .string(let id) = idValue else {
      throw OpenStackError.decoding(
        resource: "server", id: nil, key: "id", expected: "a string",
        found: idValue.map(\.kindDescription) ?? "nothing (missing)")
    }
    let fields = FieldReader(object, resource: "server", id: id)

    var addresses: [String: [ServerAddress]]?
    if let networks = try fields.object("addresses") {
      var map: [String: [ServerAddress]] = [:]
      for network in networks.members {
        guard case .array(let items) = network.value else {
          throw fields.mismatch(
            "addresses.\(network.key)", expected: "an array", found: network.value)
        }
        var list: [ServerAddress] = []
        list.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
          let entry = try FieldReader(
            item, resource: "server", id: id, path: "addresses.\(network.key)[\(index)]")
          list.append(
            ServerAddress(
              address: try entry.requiredString("addr"), version: try entry.int("version"),
              type: try entry.string("OS-EXT-IPS:type"),
              macAddress: try entry.string("OS-EXT-IPS-MAC:mac_addr")))
        }
        map[network.key] = list
      }
      addresses = map
    }

    var flavor: ServerFlavor?
    if let flavorFields = try fields.nested("flavor") {
      var swap: Int?
      if case .string(let text)? = flavorFields.value("swap") {
        swap = Int(text) ?? 0
      } else {
        swap = try flavorFields.int("swap")
      }
      flavor = ServerFlavor(
        id: try flavorFields.identifier("id"),
        originalName: try flavorFields.string("original_name"),
        vcpus: try flavorFields.int("vcpus"), ram: try flavorFields.int("ram"),
        disk: try flavorFields.int("disk"),
        ephemeral: try flavorFields.int("ephemeral"), swap: swap,
        extraSpecs: try flavorFields.stringMap("extra_specs"))
    }

    var image: ServerImage?
    var bootedFromVolume = false
    switch fields.value("image") {
    case .string(let text)?:
      if text.isEmpty {
        bootedFromVolume = true
      } else {
        image = ServerImage(id: text, properties: nil)
      }
    case .object(let imageObject)?:
      let imageFields = FieldReader(imageObject, resource: "server", id: id, path: "image")
      image = ServerImage(
        id: try imageFields.identifier("id"), properties: try imageFields.stringMap("properties"))
    case nil:
      break
    case let other?:
      throw fields.mismatch("image", expected: "an object or \"\"", found: other)
    }

    var configDrive: Bool?
    var configDriveRaw: String?
    switch fields.value("config_drive") {
    case .string(let text)?:
      configDriveRaw = text
      configDrive = ["true", "1", "yes"].contains(text.lowercased())
    case .bool(let flag)?:
      configDriveRaw = flag ? "true" : "false"
      configDrive = flag
    case nil:
      break
    case let other?:
      throw fields.mismatch("config_drive", expected: "a string (\"True\" or \"\")", found: other)
    }

    var volumes: [AttachedVolume]?
    if let items = try fields.objects("os-extended-volumes:volumes_attached") {
      volumes = try items.map {
        AttachedVolume(
          id: try $0.requiredString("id"), deleteOnTermination: try $0.bool("delete_on_termination")
        )
      }
    }

    var securityGroups: [String]?
    if let items = try fields.objects("security_groups") {
      securityGroups = try items.map { try $0.string("name") ?? $0.string("id") ?? "" }
    }

    var fault: ServerFault?
    if let faultFields = try fields.nested("fault") {
      fault = ServerFault(
        code: try faultFields.int("code"), created: try faultFields.date("created"),
        message: try faultFields.string("message"), details: try faultFields.string("details"))
    }

    var userDataLength: Int?
    var userDataSHA256: String?
    switch fields.value(userDataKey) {
    case .string(let text)?:
      userDataLength = text.isEmpty ? nil : text.utf8.count
      userDataSHA256 = text.isEmpty ? nil : sha256Hex(Array(text.utf8))
    case nil: break
    case let other?: throw fields.mismatch(userDataKey, expected: "a base64 string", found: other)
    }

    var schedulerHints: JSONValue?
    if let hints = fields.value("scheduler_hints") {
      guard case .object = hints else {
        throw fields.mismatch("scheduler_hints", expected: "an object", found: hints)
      }
      schedulerHints = hints
    }

    var rawObject = object
    rawObject.members.removeAll { $0.key == userDataKey }
    let raw = JSONValue.object(rawObject).removingLinks()

    return Server(
      id: id, name: try fields.string("name"), status: try fields.string("status"),
      projectID: try fields.string("tenant_id"), userID: try fields.string("user_id"),
      created: try fields.date("created"), updated: try fields.date("updated"),
      hostID: try fields.string("hostId"),
      addresses: addresses, flavor: flavor, image: image, isBootedFromVolume: bootedFromVolume,
      metadata: try fields.stringMap("metadata"), progress: try fields.int("progress"),
      keyName: try fields.string("key_name"), diskConfig: try fields.string("OS-DCF:diskConfig"),
      configDrive: configDrive, configDriveRaw: configDriveRaw,
      availabilityZone: try fields.string("OS-EXT-AZ:availability_zone"),
      powerState: try fields.int("OS-EXT-STS:power_state"),
      taskState: try fields.string("OS-EXT-STS:task_state"),
      vmState: try fields.string("OS-EXT-STS:vm_state"), volumesAttached: volumes,
      launchedAt: try fields.date("OS-SRV-USG:launched_at"),
      terminatedAt: try fields.date("OS-SRV-USG:terminated_at"),
      securityGroups: securityGroups, accessIPv4: try fields.string("accessIPv4"),
      accessIPv6: try fields.string("accessIPv6"), locked: try fields.bool("locked"),
      lockedReason: try fields.string("locked_reason"),
      hostStatus: try fields.string("host_status"),
      description: try fields.string("description"), tags: try fields.stringArray("tags"),
      trustedImageCertificates: try fields.stringArray("trusted_image_certificates"),
      serverGroups: try fields.stringArray("server_groups"),
      pinnedAvailabilityZone: try fields.string("pinned_availability_zone"),
      schedulerHints: schedulerHints,
      fault: fault, userDataPresent: userDataLength != nil, userDataLength: userDataLength,
      userDataSHA256: userDataSHA256,
      host: try fields.string("OS-EXT-SRV-ATTR:host"),
      hypervisorHostname: try fields.string("OS-EXT-SRV-ATTR:hypervisor_hostname"),
      instanceName: try fields.string("OS-EXT-SRV-ATTR:instance_name"),
      reservationID: try fields.string("OS-EXT-SRV-ATTR:reservation_id"),
      launchIndex: try fields.int("OS-EXT-SRV-ATTR:launch_index"),
      kernelID: try fields.string("OS-EXT-SRV-ATTR:kernel_id"),
      ramdiskID: try fields.string("OS-EXT-SRV-ATTR:ramdisk_id"),
      rootDeviceName: try fields.string("OS-EXT-SRV-ATTR:root_device_name"),
      hostname: try fields.string("OS-EXT-SRV-ATTR:hostname"),
      isPartial: !fields.contains("name") && !fields.contains("OS-EXT-STS:vm_state"), raw: raw)
  }
}

extension ServerPage {
  /// Decodes a `GET /servers/detail` (or `/servers`) body.
  public static func decode(_ data: Data) throws -> ServerPage {
    let json = try JSONParser.parse(data, resource: "servers page")
    guard case .object(let root) = json else {
      throw OpenStackError.decoding(
        resource: "servers page", id: nil, key: nil, expected: "an object",
        found: json.kindDescription)
    }
    guard let serversValue = root["servers"] else {
      throw OpenStackError.decoding(
        resource: "servers page", id: nil, key: "servers", expected: "an array",
        found: "nothing (missing)")
    }
    guard case .array(let items) = serversValue else {
      throw OpenStackError.decoding(
        resource: "servers page", id: nil, key: "servers", expected: "an array",
        found: serversValue.kindDescription)
    }
    var servers: [Server] = []
    servers.reserveCapacity(items.count)
    for item in items { servers.append(try Server.decode(item)) }
    let marker = servers.isEmpty ? nil : PageLinks.nextMarker(root["servers_links"])
    return ServerPage(servers: servers, nextMarker: marker)
  }
}

/// Reading `*_links` next markers.
enum PageLinks {
  /// The `marker` query parameter of the `rel: next` link, if any.
  static func nextMarker(_ links: JSONValue?) -> String? {
    guard let href = nextHref(links) else { return nil }
    return URLComponents(string: href)?.queryItems?.first { $0.name == "marker" }?.value
  }

  static func nextHref(_ links: JSONValue?) -> String? {
    guard case .array(let items)? = links else { return nil }
    for item in items {
      if item["rel"]?.stringValue == "next", let href = item["href"]?.stringValue { return href }
    }
    return nil
  }

  /// Finds the next marker under top-level `key` without building the rest of the document.
  static func nextMarker(in data: Data, linksKey key: String) -> String? {
    data.withUnsafeBytes { raw -> String? in
      let bytes = raw.bindMemory(to: UInt8.self)
      var index = JSONParser.skipWhitespace(in: bytes, at: 0)
      guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
      index += 1
      while true {
        index = JSONParser.skipWhitespace(in: bytes, at: index)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        guard let (name, afterName) = try? JSONParser.parseString(in: bytes, at: index) else {
          return nil
        }
        index = JSONParser.skipWhitespace(in: bytes, at: afterName)
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        if name == key {
          guard let (value, _) = try? JSONParser.parseValue(in: bytes, at: index) else {
            return nil
          }
          return nextMarker(value)
        }
        guard let after = try? JSONParser.skipValue(in: bytes, at: index) else { return nil }
        index = JSONParser.skipWhitespace(in: bytes, at: after)
        guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return nil }
        index += 1
      }
    }
  }
}

/// Lower-case hex SHA-256 through libcrypto: a digest of user data is all the model keeps.
func sha256Hex(_ bytes: [UInt8]) -> String {
  var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
  bytes.withUnsafeBufferPointer { input in
    digest.withUnsafeMutableBufferPointer { output in
      _ = SHA256(input.baseAddress, input.count, output.baseAddress)
    }
  }
  return digest.map { byte in
    let text = String(byte, radix: 16)
    return byte < 16 ? "0" + text : text
  }.joined()
}
