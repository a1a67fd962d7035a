public import Foundation

/// A Nova server as returned by `GET /servers/detail` or `GET /servers/{id}`, at any microversion
/// from 2.1 to 2.100.
///
/// Every attribute of the openstacksdk `Server` resource plus every other response field. Optional
/// properties are `nil` when the key was absent (admin-only keys for a non-admin, keys newer than
/// the microversion, down-cell partial records) or `null`; `raw` tells the two apart.
public struct Server: Sendable, Equatable {
  /// `id`.
  public var id: String
  /// `name`.
  public var name: String?
  /// `status` (ACTIVE, SHUTOFF, ERROR, DELETED, UNKNOWN, ...).
  public var status: String?
  /// `tenant_id` (`""` when Nova does not know it).
  public var projectID: String?
  /// `user_id`.
  public var userID: String?
  /// `created`.
  public var created: Date?
  /// `updated` (what `changes-since` filters on).
  public var updated: Date?
  /// `hostId`: an opaque per-project hash of the host, `""` when unscheduled.
  public var hostID: String?
  /// `addresses`: network name to its addresses, in received order.
  public var addresses: [String: [ServerAddress]]?
  /// `flavor`, in either shape.
  public var flavor: ServerFlavor?
  /// `image`; `nil` when absent or `""` (boot from volume, see `isBootedFromVolume`).
  public var image: ServerImage?
  /// Whether `image` was the empty string: the server boots from a volume.
  public var isBootedFromVolume: Bool
  /// `metadata`.
  public var metadata: [String: String]?
  /// `progress` (only in some states).
  public var progress: Int?
  /// `key_name`.
  public var keyName: String?
  /// `OS-DCF:diskConfig` (`AUTO` / `MANUAL`).
  public var diskConfig: String?
  /// `config_drive` as a boolean: `"True"` (or `"true"`/`true`) is true, `""` false.
  public var configDrive: Bool?
  /// `config_drive` exactly as sent (a string, or JSON text for other kinds).
  public var configDriveRaw: String?
  /// `OS-EXT-AZ:availability_zone`.
  public var availabilityZone: String?
  /// `OS-EXT-STS:power_state` (0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED).
  public var powerState: Int?
  /// `OS-EXT-STS:task_state` (`nil` when idle).
  public var taskState: String?
  /// `OS-EXT-STS:vm_state`.
  public var vmState: String?
  /// `os-extended-volumes:volumes_attached`.
  public var volumesAttached: [AttachedVolume]?
  /// `OS-SRV-USG:launched_at` (naive, read as UTC).
  public var launchedAt: Date?
  /// `OS-SRV-USG:terminated_at` (naive, read as UTC).
  public var terminatedAt: Date?
  /// `security_groups` names, duplicates kept as received; `nil` when the key is absent.
  public var securityGroups: [String]?
  /// `accessIPv4` (`""` when unset).
  public var accessIPv4: String?
  /// `accessIPv6` (`""` when unset).
  public var accessIPv6: String?
  /// `locked` (2.9).
  public var locked: Bool?
  /// `locked_reason` (2.73).
  public var lockedReason: String?
  /// `host_status` (2.16, admin).
  public var hostStatus: String?
  /// `description` (2.19).
  public var description: String?
  /// `tags` (2.26).
  public var tags: [String]?
  /// `trusted_image_certificates` (2.63).
  public var trustedImageCertificates: [String]?
  /// `server_groups` (2.71, GET one server only).
  public var serverGroups: [String]?
  /// `pinned_availability_zone` (2.96).
  public var pinnedAvailabilityZone: String?
  /// `scheduler_hints` (2.100), kept as JSON (values are strings or lists).
  public var schedulerHints: JSONValue?
  /// `fault` (ERROR / DELETED servers).
  public var fault: ServerFault?
  /// Whether `OS-EXT-SRV-ATTR:user_data` was present and non-empty. The text itself is never kept.
  public var userDataPresent: Bool
  /// The length of the base64 `user_data` text, when present.
  public var userDataLength: Int?
  /// SHA-256 (hex) of the base64 `user_data` text as Nova sent it, when present: enough to see
  /// that user data changed without keeping it.
  public var userDataSHA256: String?
  /// `OS-EXT-SRV-ATTR:host` (admin).
  public var host: String?
  /// `OS-EXT-SRV-ATTR:hypervisor_hostname` (admin).
  public var hypervisorHostname: String?
  /// `OS-EXT-SRV-ATTR:instance_name` (admin).
  public var instanceName: String?
  /// `OS-EXT-SRV-ATTR:reservation_id` (2.3, admin).
  public var reservationID: String?
  /// `OS-EXT-SRV-ATTR:launch_index` (2.3, admin).
  public var launchIndex: Int?
  /// `OS-EXT-SRV-ATTR:kernel_id` (2.3, admin).
  public var kernelID: String?
  /// `OS-EXT-SRV-ATTR:ramdisk_id` (2.3, admin).
  public var ramdiskID: String?
  /// `OS-EXT-SRV-ATTR:root_device_name` (2.3, admin).
  public var rootDeviceName: String?
  /// `OS-EXT-SRV-ATTR:hostname` (2.3 admin; every user from 2.90).
  public var hostname: String?
  /// Whether this is a down-cell partial record (2.69+): status `UNKNOWN`, most keys missing.
  public var isPartial: Bool
  /// The server object as received, minus every `links` array and minus `user_data`.
  public var raw: JSONValue

  /// `raw` as canonical JSON (sorted keys, no whitespace) for storage.
  public func canonicalJSONString() -> String { raw.canonicalJSONString() }
}

/// One address of a server on one network.
public struct ServerAddress: Sendable, Equatable {
  /// `addr`.
  public var address: String
  /// `version` (4 or 6).
  public var version: Int?
  /// `OS-EXT-IPS:type`: `fixed` or `floating`.
  public var type: String?
  /// `OS-EXT-IPS-MAC:mac_addr`.
  public var macAddress: String?

  /// Creates an address.
  public init(address: String, version: Int?, type: String?, macAddress: String?) {
    self.address = address
    self.version = version
    self.type = type
    self.macAddress = macAddress
  }
}

/// A server's flavor in either shape.
///
/// Below 2.47 Nova sends `{id, links}` (only `id` is set); from 2.47 the flavor is embedded
/// without id (`originalName` and sizes are set); `{}` (flavor record gone) leaves all `nil`.
public struct ServerFlavor: Sendable, Equatable {
  /// `id` (below 2.47).
  public var id: String?
  /// `original_name` (2.47+).
  public var originalName: String?
  /// `vcpus` (2.47+).
  public var vcpus: Int?
  /// `ram` in MiB (2.47+).
  public var ram: Int?
  /// `disk` in GiB (2.47+).
  public var disk: Int?
  /// `ephemeral` in GiB (2.47+).
  public var ephemeral: Int?
  /// `swap` in MiB (2.47+; `""` reads as 0).
  public var swap: Int?
  /// `extra_specs` (2.47+, when policy allows).
  public var extraSpecs: [String: String]?

  /// Whether the flavor object was empty (`{}`).
  public var isEmpty: Bool {
    id == nil && originalName == nil && vcpus == nil && ram == nil && disk == nil
      && ephemeral == nil
      && swap == nil && extraSpecs == nil
  }

  /// Whether this is the embedded (2.47+) shape.
  public var isEmbedded: Bool { originalName != nil || vcpus != nil || ram != nil }
}

/// A server's image reference.
public struct ServerImage: Sendable, Equatable {
  /// `id`.
  public var id: String?
  /// `properties` (2.98).
  public var properties: [String: String]?
}

/// A volume attached to a server (`os-extended-volumes:volumes_attached`).
public struct AttachedVolume: Sendable, Equatable {
  /// The volume id.
  public var id: String
  /// `delete_on_termination` (2.3+).
  public var deleteOnTermination: Bool?
}

/// `fault` of a server in ERROR (or DELETED).
public struct ServerFault: Sendable, Equatable {
  /// `code` (HTTP-like).
  public var code: Int?
  /// `created`.
  public var created: Date?
  /// `message`.
  public var message: String?
  /// `details` (admin-only for code 500).
  public var details: String?
}

/// One decoded page of `GET /servers/detail`.
public struct ServerPage: Sendable, Equatable {
  /// The servers in received order.
  public var servers: [Server]
  /// The marker of the next page (`nil`: this was the last page).
  public var nextMarker: String?

  /// Creates a page.
  public init(servers: [Server], nextMarker: String?) {
    self.servers = servers
    self.nextMarker = nextMarker
  }
}
