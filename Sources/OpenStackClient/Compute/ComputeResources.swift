public import Foundation

/// A flavor from `GET /flavors/detail`.
public struct Flavor: Sendable, Equatable {
  /// `id`.
  public var id: String
  /// `name`.
  public var name: String?
  /// `vcpus`.
  public var vcpus: Int?
  /// `ram` in MiB.
  public var ram: Int?
  /// `disk` in GiB.
  public var disk: Int?
  /// `OS-FLV-EXT-DATA:ephemeral` in GiB.
  public var ephemeral: Int?
  /// `swap` in MiB (`""` reads as 0).
  public var swap: Int?
  /// `os-flavor-access:is_public`.
  public var isPublic: Bool?
  /// `OS-FLV-DISABLED:disabled`.
  public var isDisabled: Bool?
  /// `description` (2.55).
  public var description: String?
  /// `extra_specs` (2.61, policy permitting).
  public var extraSpecs: [String: String]?
  /// The object as received, minus `links`.
  public var raw: JSONValue

  static func decode(_ value: JSONValue) throws -> Flavor {
    let probe = try FieldReader(value, resource: "flavor")
    let id = try probe.identifier("id") ?? ""
    let fields = try FieldReader(value, resource: "flavor", id: id)
    var swap: Int?
    if case .string(let text)? = fields.value("swap") {
      swap = Int(text) ?? 0
    } else {
      swap = try fields.int("swap")
    }
    return Flavor(
      id: id, name: try fields.string("name"), vcpus: try fields.int("vcpus"),
      ram: try fields.int("ram"),
      disk: try fields.int("disk"), ephemeral: try fields.int("OS-FLV-EXT-DATA:ephemeral"),
      swap: swap,
      isPublic: try fields.bool("os-flavor-access:is_public"),
      isDisabled: try fields.bool("OS-FLV-DISABLED:disabled"),
      description: try fields.string("description"),
      extraSpecs: try fields.stringMap("extra_specs"),
      raw: value.removingLinks())
  }
}

/// An entry of `GET /servers/{id}/os-instance-actions` (with events when fetched one by one).
public struct InstanceAction: Sendable, Equatable {
  /// `request_id` (the marker for paging).
  public var requestID: String
  /// `action` (create, delete, resize, ...).
  public var action: String?
  /// `instance_uuid`.
  public var instanceID: String?
  /// `user_id`: who did it.
  public var userID: String?
  /// `project_id`.
  public var projectID: String?
  /// `start_time` (naive, read as UTC).
  public var startTime: Date?
  /// `updated_at` (2.58).
  public var updatedAt: Date?
  /// `message`.
  public var message: String?
  /// `events` (only from `GET .../os-instance-actions/{request_id}`).
  public var events: [InstanceActionEvent]?
  /// The object as received, minus `links`.
  public var raw: JSONValue

  static func decode(_ value: JSONValue) throws -> InstanceAction {
    let probe = try FieldReader(value, resource: "instance action")
    let requestID = try probe.requiredString("request_id")
    let fields = try FieldReader(value, resource: "instance action", id: requestID)
    let events = try fields.objects("events")?.map { event in
      InstanceActionEvent(
        event: try event.string("event"), startTime: try event.date("start_time"),
        finishTime: try event.date("finish_time"), result: try event.string("result"),
        traceback: try event.string("traceback"), host: try event.string("host"),
        hostID: try event.string("hostId"), details: try event.string("details"))
    }
    return InstanceAction(
      requestID: requestID, action: try fields.string("action"),
      instanceID: try fields.string("instance_uuid"),
      userID: try fields.string("user_id"), projectID: try fields.string("project_id"),
      startTime: try fields.date("start_time"), updatedAt: try fields.date("updated_at"),
      message: try fields.string("message"), events: events, raw: value.removingLinks())
  }
}

/// One event of an instance action.
public struct InstanceActionEvent: Sendable, Equatable {
  /// `event` (e.g. `compute_stop_instance`).
  public var event: String?
  /// `start_time`.
  public var startTime: Date?
  /// `finish_time`.
  public var finishTime: Date?
  /// `result` (`Success`, `Error`).
  public var result: String?
  /// `traceback` (admin).
  public var traceback: String?
  /// `host` (2.62, admin).
  public var host: String?
  /// `hostId` (2.62).
  public var hostID: String?
  /// `details` (2.84).
  public var details: String?
}

/// An entry of `GET /servers/{id}/os-volume_attachments`.
public struct VolumeAttachment: Sendable, Equatable {
  /// `id` (the volume id below 2.89).
  public var id: String?
  /// `volumeId`.
  public var volumeID: String
  /// `serverId`.
  public var serverID: String?
  /// `device`.
  public var device: String?
  /// `tag` (2.70).
  public var tag: String?
  /// `delete_on_termination` (2.79).
  public var deleteOnTermination: Bool?
  /// `attachment_id` (2.89).
  public var attachmentID: String?
  /// `bdm_uuid` (2.89).
  public var blockDeviceMappingID: String?

  static func decode(_ value: JSONValue) throws -> VolumeAttachment {
    let fields = try FieldReader(value, resource: "volume attachment")
    return VolumeAttachment(
      id: try fields.string("id"), volumeID: try fields.requiredString("volumeId"),
      serverID: try fields.string("serverId"), device: try fields.string("device"),
      tag: try fields.string("tag"),
      deleteOnTermination: try fields.bool("delete_on_termination"),
      attachmentID: try fields.string("attachment_id"),
      blockDeviceMappingID: try fields.string("bdm_uuid"))
  }
}

/// An entry of `GET /servers/{id}/os-security-groups`.
public struct ServerSecurityGroup: Sendable, Equatable {
  /// `id`.
  public var id: String
  /// `name`.
  public var name: String?
  /// `description`.
  public var description: String?
  /// `tenant_id`.
  public var projectID: String?
  /// `rules`, as received.
  public var rules: JSONValue?

  static func decode(_ value: JSONValue) throws -> ServerSecurityGroup {
    let probe = try FieldReader(value, resource: "security group")
    let id = try probe.identifier("id") ?? ""
    let fields = try FieldReader(value, resource: "security group", id: id)
    return ServerSecurityGroup(
      id: id, name: try fields.string("name"), description: try fields.string("description"),
      projectID: try fields.string("tenant_id"), rules: fields.value("rules"))
  }
}
