public import Foundation
public import OpenStackClient
internal import PostgresClient

/// Pure functions from API records to the ledger's rows (PostgreSQL text format).
public enum Normalizer {
  /// A Nova server as a ``ServerRecord``.
  public static func record(_ server: Server) -> ServerRecord {
    var values = [String?](repeating: nil, count: ServerColumns.nova.count)
    func set(_ column: String, _ value: String?) {
      if let index = ServerColumns.novaIndex[column] { values[index] = value }
    }
    let flavor = server.flavor
    set("name", server.name)
    set("status", server.status)
    set("vm_state", server.vmState)
    set("task_state", server.taskState)
    set("power_state", server.powerState.map(String.init))
    set("project_id", server.projectID)
    set("user_id", server.userID)
    set("created_at", server.created.map(\.postgresText))
    set("updated_at", server.updated.map(\.postgresText))
    set("launched_at", server.launchedAt.map(\.postgresText))
    set("terminated_at", server.terminatedAt.map(\.postgresText))
    set("host_id", server.hostID)
    set("availability_zone", server.availabilityZone)
    set("pinned_availability_zone", server.pinnedAvailabilityZone)
    set("flavor_id", flavor?.id)
    set("flavor_name", flavor?.originalName)
    set("flavor_vcpus", flavor?.vcpus.map(String.init))
    set("flavor_ram_mb", flavor?.ram.map(String.init))
    set("flavor_disk_gb", flavor?.disk.map(String.init))
    set("flavor_ephemeral_gb", flavor?.ephemeral.map(String.init))
    set("flavor_swap_mb", flavor?.swap.map(String.init))
    set("flavor_extra_specs", flavor?.extraSpecs.map(json))
    set("image_id", server.image?.id)
    set("image_properties", server.image?.properties.map(json))
    set("boot_from_volume", server.isPartial ? nil : (server.isBootedFromVolume ? "t" : "f"))
    set("key_name", server.keyName)
    set("disk_config", server.diskConfig)
    set("config_drive", server.configDrive.map { $0 ? "t" : "f" })
    set("progress", server.progress.map(String.init))
    set("access_ipv4", nonEmpty(server.accessIPv4))
    set("access_ipv6", nonEmpty(server.accessIPv6))
    set("metadata", server.metadata.map(json))
    set("tags", server.tags.map { $0.sorted().postgresText })
    set("description", server.description)
    set("locked", server.locked.map { $0 ? "t" : "f" })
    set("locked_reason", server.lockedReason)
    set("host_status", server.hostStatus)
    set("trusted_image_certificates", server.trustedImageCertificates.map(\.postgresText))
    set("scheduler_hints", server.schedulerHints.map { $0.canonicalJSONString() })
    set("server_groups", server.serverGroups.map { $0.sorted().postgresText })
    set("fault_code", server.fault?.code.map(String.init))
    set("fault_message", server.fault?.message)
    set("fault_details", server.fault?.details)
    set("fault_created_at", server.fault?.created.map(\.postgresText))
    set("compute_host", server.host)
    set("hypervisor_hostname", server.hypervisorHostname)
    set("instance_name", server.instanceName)
    set("reservation_id", server.reservationID)
    set("launch_index", server.launchIndex.map(String.init))
    set("kernel_id", server.kernelID)
    set("ramdisk_id", server.ramdiskID)
    set("root_device_name", server.rootDeviceName)
    set("hostname", server.hostname)
    set("user_data_sha256", server.userDataSHA256)
    set("security_group_names", server.securityGroups.map { Array(Set($0)).sorted().postgresText })
    set(
      "volumes_attached",
      server.volumesAttached.map { volumes in
        JSONValue.array(
          volumes.sorted { $0.id < $1.id }.map { volume in
            var members = [JSONObject.Member(key: "id", value: .string(volume.id))]
            if let delete = volume.deleteOnTermination {
              members.append(JSONObject.Member(key: "delete_on_termination", value: .bool(delete)))
            }
            return .object(JSONObject(members: members))
          }
        ).canonicalJSONString()
      })
    // The canonical text is written here, on the decoding task, rather than when the record is
    // staged: a page of parsed records held until staging costs several times its text.
    return ServerRecord(
      id: server.id.lowercased(), status: server.status, updatedAt: server.updated,
      isPartial: server.isPartial, values: values, raw: .text(server.raw.canonicalJSONString()))
  }

  /// A Neutron port of a server (`device_owner` `compute:*`) as a stage_ports row, the last
  /// column the SHA-256 of the others; nil for other ports.
  public static func portRow(_ port: NetworkPort, networkNames: [String: String]) -> [String?]? {
    guard port.isComputePort, let device = port.deviceID, isUUID(device) else { return nil }
    let fixed = JSONValue.array(
      port.fixedIPs.map { ip -> JSONValue in
        .object(
          JSONObject(members: [
            JSONObject.Member(key: "ip_address", value: .string(ip.ipAddress)),
            JSONObject.Member(key: "subnet_id", value: ip.subnetID.map(JSONValue.string) ?? .null),
          ]))
      })
    let row: [String?] = [
      port.id, device, port.networkID, port.networkID.flatMap { networkNames[$0] },
      port.macAddress, fixed.canonicalJSONString(), port.securityGroupIDs.sorted().postgresText,
      port.projectID,
    ]
    return row + [Fingerprint.byteaText(Fingerprint.sha256(fields: row))]
  }

  /// A floating IP bound to a port, as a stage_fips row; nil when unbound.
  public static func floatingIPRow(_ ip: FloatingIP) -> [String?]? {
    guard let address = ip.floatingIPAddress, ip.portID != nil else { return nil }
    return [ip.id, address, ip.fixedIPAddress, ip.portID]
  }

  /// A Cinder volume as a stage_volumes row and its stage_attachments rows.
  public static func volumeRows(_ volume: Volume) -> (volume: [String?], attachments: [[String?]]) {
    var row: [String?] = [
      volume.id, volume.name, volume.description, volume.status, volume.size.map(String.init),
      volume.volumeType, volume.bootable.map { $0 ? "t" : "f" },
      volume.encrypted.map { $0 ? "t" : "f" }, volume.multiattach.map { $0 ? "t" : "f" },
      volume.availabilityZone, volume.projectID, volume.createdAt.map(\.postgresText),
      volume.updatedAt.map(\.postgresText), volume.metadata.map(json),
    ]
    row.append(Fingerprint.byteaText(Fingerprint.sha256(fields: row)))
    let attachments: [[String?]] = volume.attachments.compactMap { attachment in
      guard let server = attachment.serverID, isUUID(server) else { return nil }
      return [
        volume.id, server, attachment.device,
        attachment.attachmentID.flatMap { isUUID($0) ? $0 : nil },
        attachment.attachedAt.map(\.postgresText), attachment.hostName,
      ]
    }
    return (row, attachments)
  }

  /// A Neutron security group as a stage_sgs row and its stage_sg_rules rows.
  public static func securityGroupRows(_ group: SecurityGroup) -> (
    group: [String?], rules: [[String?]]
  ) {
    // Fields the client's model does not name are read from the group's raw JSON.
    let rawRules = group.raw["security_group_rules"]?.arrayValue ?? []
    func addressGroup(_ ruleID: String) -> String? {
      rawRules.first { $0["id"]?.stringValue == ruleID }?["remote_address_group_id"]?.stringValue
    }
    var stateful: String?
    if case .bool(let value)? = group.raw["stateful"] { stateful = value ? "t" : "f" }
    var revision: String?
    if case .int(let value)? = group.raw["revision_number"] { revision = String(value) }
    let tags = group.raw["tags"]?.arrayValue?.compactMap(\.stringValue)
    let rules: [[String?]] = group.rules.sorted { $0.id < $1.id }.map { rule in
      [
        rule.id, rule.securityGroupID ?? group.id, rule.direction, rule.etherType,
        rule.ipProtocol, rule.portRangeMin.map(String.init), rule.portRangeMax.map(String.init),
        rule.remoteIPPrefix, rule.remoteGroupID, addressGroup(rule.id), rule.description,
      ]
    }
    var row: [String?] = [
      group.id, group.name, group.description, group.projectID,
      stateful, revision, tags.map { $0.sorted().postgresText },
      group.createdAt.map(\.postgresText),
      group.updatedAt.map(\.postgresText),
    ]
    row.append(Fingerprint.byteaText(Fingerprint.sha256(fields: row + rules.flatMap { $0 })))
    return (row, rules)
  }

  /// An instance action of a server as a stage_actions row.
  public static func actionRow(serverID: String, _ action: InstanceAction) -> [String?]? {
    guard let name = action.action else { return nil }
    let events = action.events.map { events in
      JSONValue.array(
        events.map { event -> JSONValue in
          .object(
            JSONObject(members: [
              JSONObject.Member(key: "event", value: event.event.map(JSONValue.string) ?? .null),
              JSONObject.Member(
                key: "start_time",
                value: event.startTime.map { .string($0.postgresText) } ?? .null),
              JSONObject.Member(
                key: "finish_time",
                value: event.finishTime.map { .string($0.postgresText) } ?? .null),
              JSONObject.Member(key: "result", value: event.result.map(JSONValue.string) ?? .null),
            ]))
        }
      ).canonicalJSONString()
    }
    return [
      serverID, action.requestID, name, action.userID, action.projectID,
      action.startTime.map(\.postgresText), action.updatedAt.map(\.postgresText), action.message,
      events,
    ]
  }

  /// Canonical JSON of a string map (sorted keys).
  static func json(_ map: [String: String]) -> String {
    JSONValue.object(
      JSONObject(
        members: map.keys.sorted().map { JSONObject.Member(key: $0, value: .string(map[$0] ?? "")) }
      )
    ).canonicalJSONString()
  }

  static func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
  }

  /// Whether text is a UUID (with or without dashes); staging columns are typed `uuid`.
  static func isUUID(_ text: String) -> Bool {
    UUID(uuidString: text) != nil
      || (text.count == 32 && text.allSatisfy { $0.isHexDigit })
  }
}
