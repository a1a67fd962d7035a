/// One column of the server state, shared by `servers`, `server_versions` and the staging table.
///
/// The order of ``ServerColumns/nova`` is the order of ``ServerRecord/values`` and of the
/// COPY into staging; a test compares this list with the database catalog.
public struct ServerColumn: Sendable, Equatable {
  /// Column name in `servers` and `server_versions`.
  public let name: String
  /// PostgreSQL type, as in the migrations.
  public let sqlType: String
  /// Visible only to admins by default policy: a run without admin rights keeps the last value.
  public let adminOnly: Bool
  /// Whether a difference in this column is written to the change log.
  public let tracked: Bool
  /// Nova instance actions that can explain a change of this column (for attribution).
  public let actions: [String]

  init(
    _ name: String, _ sqlType: String, adminOnly: Bool = false, tracked: Bool = true,
    actions: [String] = []
  ) {
    self.name = name
    self.sqlType = sqlType
    self.adminOnly = adminOnly
    self.tracked = tracked
    self.actions = actions
  }
}

/// The server state columns, grouped by where their values come from.
public enum ServerColumns {
  static let stateActions = [
    "stop", "start", "reboot", "pause", "unpause", "suspend", "resume", "rescue", "unrescue",
    "shelve", "shelveOffload", "unshelve", "resize", "confirmResize", "revertResize", "rebuild",
    "migrate", "live-migration", "evacuate", "restore", "resetState", "create", "delete",
    "trigger_crash_dump",
  ]
  static let flavorActions = ["resize", "confirmResize", "revertResize"]
  static let hostActions = [
    "migrate", "live-migration", "evacuate", "resize", "confirmResize", "revertResize", "unshelve",
  ]

  /// Columns whose values come from Nova's server record, in ``ServerRecord/values`` order.
  public static let nova: [ServerColumn] = [
    ServerColumn("name", "text"),
    ServerColumn("status", "text", actions: stateActions),
    ServerColumn("vm_state", "text", actions: stateActions),
    ServerColumn("task_state", "text", actions: stateActions),
    ServerColumn("power_state", "smallint", actions: stateActions),
    ServerColumn("project_id", "text"),
    ServerColumn("user_id", "text"),
    ServerColumn("created_at", "timestamptz"),
    ServerColumn("updated_at", "timestamptz", tracked: false),
    ServerColumn("launched_at", "timestamptz", actions: ["create", "rebuild", "unshelve"]),
    ServerColumn("terminated_at", "timestamptz", actions: ["delete"]),
    ServerColumn("host_id", "text", actions: hostActions),
    ServerColumn("availability_zone", "text", actions: hostActions),
    ServerColumn("pinned_availability_zone", "text"),
    ServerColumn("flavor_id", "text", actions: flavorActions),
    ServerColumn("flavor_name", "text", actions: flavorActions),
    ServerColumn("flavor_vcpus", "integer", actions: flavorActions),
    ServerColumn("flavor_ram_mb", "integer", actions: flavorActions),
    ServerColumn("flavor_disk_gb", "integer", actions: flavorActions),
    ServerColumn("flavor_ephemeral_gb", "integer", actions: flavorActions),
    ServerColumn("flavor_swap_mb", "integer", actions: flavorActions),
    ServerColumn("flavor_extra_specs", "jsonb", adminOnly: true, actions: flavorActions),
    ServerColumn("image_id", "text", actions: ["rebuild"]),
    ServerColumn("image_properties", "jsonb", actions: ["rebuild"]),
    ServerColumn("boot_from_volume", "boolean"),
    ServerColumn("key_name", "text", actions: ["rebuild"]),
    ServerColumn("disk_config", "text", actions: ["rebuild", "resize"]),
    ServerColumn("config_drive", "boolean", actions: ["rebuild"]),
    ServerColumn("progress", "smallint", tracked: false),
    ServerColumn("access_ipv4", "inet", actions: ["rebuild"]),
    ServerColumn("access_ipv6", "inet", actions: ["rebuild"]),
    ServerColumn("metadata", "jsonb", tracked: false),  // tracked per key as metadata.<key>
    ServerColumn("tags", "text[]"),
    ServerColumn("description", "text", actions: ["rebuild"]),
    ServerColumn("locked", "boolean", actions: ["lock", "unlock"]),
    ServerColumn("locked_reason", "text", actions: ["lock", "unlock"]),
    ServerColumn("host_status", "text", adminOnly: true),
    ServerColumn("trusted_image_certificates", "text[]", actions: ["rebuild"]),
    ServerColumn("scheduler_hints", "jsonb"),
    ServerColumn("server_groups", "text[]"),
    ServerColumn("fault_code", "integer", actions: stateActions),
    ServerColumn("fault_message", "text", actions: stateActions),
    ServerColumn("fault_details", "text", adminOnly: true, actions: stateActions),
    ServerColumn("fault_created_at", "timestamptz", actions: stateActions),
    ServerColumn("compute_host", "text", adminOnly: true, actions: hostActions),
    ServerColumn("hypervisor_hostname", "text", adminOnly: true, actions: hostActions),
    ServerColumn("instance_name", "text", adminOnly: true),
    ServerColumn("reservation_id", "text", adminOnly: true),
    ServerColumn("launch_index", "integer", adminOnly: true),
    ServerColumn("kernel_id", "text", adminOnly: true, actions: ["rebuild"]),
    ServerColumn("ramdisk_id", "text", adminOnly: true, actions: ["rebuild"]),
    ServerColumn("root_device_name", "text", adminOnly: true),
    ServerColumn("hostname", "text", adminOnly: true, actions: ["rebuild"]),
    ServerColumn("user_data_sha256", "text", adminOnly: true, actions: ["rebuild"]),
    ServerColumn("security_group_names", "text[]"),
    ServerColumn(
      "volumes_attached", "jsonb", actions: ["attach_volume", "detach_volume", "swap_volume"]),
  ]

  /// Columns computed from Neutron and Cinder listings.
  public static let related: [ServerColumn] = [
    ServerColumn("security_group_ids", "uuid[]"),
    ServerColumn("addresses", "jsonb", actions: ["attach_interface", "detach_interface"]),
    ServerColumn("volumes", "jsonb", actions: ["attach_volume", "detach_volume", "swap_volume"]),
  ]

  /// Every state column of `servers` / `server_versions`, in table order.
  public static var all: [String] {
    nova.map(\.name) + related.map(\.name) + ["raw", "fingerprint"]
  }

  /// The index of a Nova column in ``ServerRecord/values``.
  static let novaIndex: [String: Int] = Dictionary(
    uniqueKeysWithValues: nova.enumerated().map { ($0.element.name, $0.offset) })
}
