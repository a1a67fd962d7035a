-- stackledger schema, part 2: the current state of every server and what hangs off it.

CREATE TABLE servers (
  scope_id                  integer     NOT NULL REFERENCES scopes,
  server_id                 uuid        NOT NULL,
  name                        text,
  status                      text,
  vm_state                    text,
  task_state                  text,
  power_state                 smallint,
  project_id                  text,
  user_id                     text,
  created_at                  timestamptz,
  updated_at                  timestamptz,
  launched_at                 timestamptz,
  terminated_at               timestamptz,
  host_id                     text,
  availability_zone           text,
  pinned_availability_zone    text,
  flavor_id                   text,
  flavor_name                 text,
  flavor_vcpus                integer,
  flavor_ram_mb               integer,
  flavor_disk_gb              integer,
  flavor_ephemeral_gb         integer,
  flavor_swap_mb              integer,
  flavor_extra_specs          jsonb,
  image_id                    text,
  image_properties            jsonb,
  boot_from_volume            boolean,
  key_name                    text,
  disk_config                 text,
  config_drive                boolean,
  progress                    smallint,
  access_ipv4                 inet,
  access_ipv6                 inet,
  metadata                    jsonb,
  tags                        text[],
  description                 text,
  locked                      boolean,
  locked_reason               text,
  host_status                 text,
  trusted_image_certificates  text[],
  scheduler_hints             jsonb,
  server_groups               text[],
  fault_code                  integer,
  fault_message               text,
  fault_details               text,
  fault_created_at            timestamptz,
  compute_host                text,
  hypervisor_hostname         text,
  instance_name               text,
  reservation_id              text,
  launch_index                integer,
  kernel_id                   text,
  ramdisk_id                  text,
  root_device_name            text,
  hostname                    text,
  user_data_sha256            text,
  security_group_names        text[],
  security_group_ids          uuid[],
  volumes_attached            jsonb,
  addresses                   jsonb,
  volumes                     jsonb,
  raw                         jsonb,
  fingerprint                 bytea,
  version_no                integer     NOT NULL,
  first_seen_run            bigint      NOT NULL,
  last_changed_run          bigint      NOT NULL,
  deleted_at                timestamptz,
  deleted_run               bigint,
  deletion_evidence         text        CHECK (deletion_evidence IN ('listed-deleted', 'not-found')),
  PRIMARY KEY (scope_id, server_id)
);
CREATE INDEX servers_live ON servers (scope_id, project_id) WHERE deleted_at IS NULL;
CREATE INDEX servers_status ON servers (scope_id, status);
CREATE INDEX servers_updated ON servers (scope_id, updated_at);
COMMENT ON TABLE servers IS
  'Current state of every server ever seen in a scope, one row per server. Deleted servers stay as tombstones with deleted_at set. History is in server_versions and changes.';
COMMENT ON COLUMN servers.scope_id IS 'Scope.';
COMMENT ON COLUMN servers.server_id IS 'Nova server id.';
COMMENT ON COLUMN servers.name IS 'Server name.';
COMMENT ON COLUMN servers.status IS 'Nova status derived from vm_state and task_state: ACTIVE, BUILD, SHUTOFF, ERROR, VERIFY_RESIZE, SHELVED_OFFLOADED, DELETED, SOFT_DELETED, ...';
COMMENT ON COLUMN servers.vm_state IS 'OS-EXT-STS:vm_state, e.g. active, stopped, error, soft-delete, deleted.';
COMMENT ON COLUMN servers.task_state IS 'OS-EXT-STS:task_state, NULL when idle.';
COMMENT ON COLUMN servers.power_state IS 'OS-EXT-STS:power_state: 0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED.';
COMMENT ON COLUMN servers.project_id IS 'Owning project (tenant_id).';
COMMENT ON COLUMN servers.user_id IS 'User who created the server.';
COMMENT ON COLUMN servers.created_at IS 'Nova `created`.';
COMMENT ON COLUMN servers.updated_at IS 'Nova `updated`; the column changes-since filters on. Nova does not bump it for every change.';
COMMENT ON COLUMN servers.launched_at IS 'OS-SRV-USG:launched_at (Nova sends it without a zone: UTC).';
COMMENT ON COLUMN servers.terminated_at IS 'OS-SRV-USG:terminated_at (UTC).';
COMMENT ON COLUMN servers.host_id IS 'hostId: sha224 of project and host; '''' when the server has no host. Differs between projects on one host.';
COMMENT ON COLUMN servers.availability_zone IS 'OS-EXT-AZ:availability_zone.';
COMMENT ON COLUMN servers.pinned_availability_zone IS 'pinned_availability_zone (compute API 2.96+).';
COMMENT ON COLUMN servers.flavor_id IS 'Flavor id (compute API below 2.47 only).';
COMMENT ON COLUMN servers.flavor_name IS 'Flavor name: original_name from 2.47, or the name from flavors when only the id was sent.';
COMMENT ON COLUMN servers.flavor_vcpus IS 'Flavor vCPUs (2.47+ embedded flavor, or from flavors).';
COMMENT ON COLUMN servers.flavor_ram_mb IS 'Flavor memory in MiB.';
COMMENT ON COLUMN servers.flavor_disk_gb IS 'Flavor root disk in GiB.';
COMMENT ON COLUMN servers.flavor_ephemeral_gb IS 'Flavor ephemeral disk in GiB.';
COMMENT ON COLUMN servers.flavor_swap_mb IS 'Flavor swap in MiB.';
COMMENT ON COLUMN servers.flavor_extra_specs IS 'Flavor extra specs when policy shows them (2.47+).';
COMMENT ON COLUMN servers.image_id IS 'Glance image id; NULL for a server booted from volume (Nova sends image as "").';
COMMENT ON COLUMN servers.image_properties IS 'image.properties (compute API 2.98+).';
COMMENT ON COLUMN servers.boot_from_volume IS 'True when Nova sent image as "" (booted from a volume).';
COMMENT ON COLUMN servers.key_name IS 'Keypair name, NULL if none.';
COMMENT ON COLUMN servers.disk_config IS 'OS-DCF:diskConfig: AUTO or MANUAL.';
COMMENT ON COLUMN servers.config_drive IS 'config_drive (Nova sends the string "True" or "").';
COMMENT ON COLUMN servers.progress IS 'Build/resize progress in percent; NULL when Nova omits it (statuses other than ACTIVE, BUILD, REBUILD, RESIZE, VERIFY_RESIZE, MIGRATING).';
COMMENT ON COLUMN servers.access_ipv4 IS 'accessIPv4, NULL when unset.';
COMMENT ON COLUMN servers.access_ipv6 IS 'accessIPv6, NULL when unset.';
COMMENT ON COLUMN servers.metadata IS 'Server metadata (string to string).';
COMMENT ON COLUMN servers.tags IS 'Server tags, sorted (compute API 2.26+).';
COMMENT ON COLUMN servers.description IS 'Server description (2.19+).';
COMMENT ON COLUMN servers.locked IS 'Whether the server is locked (2.9+).';
COMMENT ON COLUMN servers.locked_reason IS 'Why it is locked (2.73+).';
COMMENT ON COLUMN servers.host_status IS 'host_status (2.16+, admin): UP, DOWN, MAINTENANCE, UNKNOWN or ''''.';
COMMENT ON COLUMN servers.trusted_image_certificates IS 'trusted_image_certificates (2.63+).';
COMMENT ON COLUMN servers.scheduler_hints IS 'scheduler_hints (2.100+).';
COMMENT ON COLUMN servers.server_groups IS 'Server group ids (2.71+, only from GET /servers/{id}).';
COMMENT ON COLUMN servers.fault_code IS 'fault.code for ERROR (and DELETED) servers.';
COMMENT ON COLUMN servers.fault_message IS 'fault.message.';
COMMENT ON COLUMN servers.fault_details IS 'fault.details (admin only for code 500).';
COMMENT ON COLUMN servers.fault_created_at IS 'fault.created.';
COMMENT ON COLUMN servers.compute_host IS 'OS-EXT-SRV-ATTR:host (admin): the compute service host.';
COMMENT ON COLUMN servers.hypervisor_hostname IS 'OS-EXT-SRV-ATTR:hypervisor_hostname (admin).';
COMMENT ON COLUMN servers.instance_name IS 'OS-EXT-SRV-ATTR:instance_name (admin), e.g. instance-0000002a.';
COMMENT ON COLUMN servers.reservation_id IS 'OS-EXT-SRV-ATTR:reservation_id (2.3+, admin).';
COMMENT ON COLUMN servers.launch_index IS 'OS-EXT-SRV-ATTR:launch_index (2.3+, admin).';
COMMENT ON COLUMN servers.kernel_id IS 'OS-EXT-SRV-ATTR:kernel_id (2.3+, admin).';
COMMENT ON COLUMN servers.ramdisk_id IS 'OS-EXT-SRV-ATTR:ramdisk_id (2.3+, admin).';
COMMENT ON COLUMN servers.root_device_name IS 'OS-EXT-SRV-ATTR:root_device_name (2.3+, admin).';
COMMENT ON COLUMN servers.hostname IS 'OS-EXT-SRV-ATTR:hostname (2.3+ admin, every user from 2.90).';
COMMENT ON COLUMN servers.user_data_sha256 IS 'SHA-256 (hex) of OS-EXT-SRV-ATTR:user_data; the user data itself is never stored.';
COMMENT ON COLUMN servers.security_group_names IS 'security_groups as Nova reports them: names, sorted, duplicates removed.';
COMMENT ON COLUMN servers.security_group_ids IS 'Security group ids of the server''s Neutron ports, sorted.';
COMMENT ON COLUMN servers.volumes_attached IS 'os-extended-volumes:volumes_attached as Nova reports it: [{id, delete_on_termination}] (delete_on_termination from 2.3).';
COMMENT ON COLUMN servers.addresses IS 'IP addresses from Neutron, sorted: [{ip, version, kind (fixed|floating), mac, network_id, network, port_id, subnet_id, floating_ip_id}]. Nova''s own (cached) `addresses` stays in raw.';
COMMENT ON COLUMN servers.volumes IS 'Volume attachments from Cinder, sorted: [{volume_id, device, attachment_id, attached_at}].';
COMMENT ON COLUMN servers.raw IS 'The server record exactly as Nova sent it, without `links` and user_data.';
COMMENT ON COLUMN servers.fingerprint IS 'SHA-256 of the normalised Nova fields (not addresses, volumes, security_group_ids, which come from Neutron and Cinder); equal fingerprints mean Nova reported no change.';
COMMENT ON COLUMN servers.version_no IS 'Number of the current row in server_versions (1 for the first state seen).';
COMMENT ON COLUMN servers.first_seen_run IS 'Run that first recorded the server.';
COMMENT ON COLUMN servers.last_changed_run IS 'Latest run that recorded a change of the server.';
COMMENT ON COLUMN servers.deleted_at IS 'When stackledger recorded the deletion (Nova''s terminated_at or updated is in the columns above); NULL while the server exists.';
COMMENT ON COLUMN servers.deleted_run IS 'Run that recorded the deletion.';
COMMENT ON COLUMN servers.deletion_evidence IS 'Why the server is known deleted: listed-deleted (Nova listed it as DELETED or SOFT_DELETED) or not-found (GET /servers/{id} answered 404). Absence from a listing alone never deletes.';

CREATE TABLE server_addresses (
  scope_id        integer  NOT NULL REFERENCES scopes,
  server_id       uuid     NOT NULL,
  ip_address      inet     NOT NULL,
  kind            text     NOT NULL CHECK (kind IN ('fixed', 'floating')),
  ip_version      smallint NOT NULL CHECK (ip_version IN (4, 6)),
  mac_address     macaddr,
  network_id      uuid,
  network_name    text,
  port_id         uuid,
  subnet_id       uuid,
  floating_ip_id  uuid,
  PRIMARY KEY (scope_id, server_id, kind, ip_address)
);
CREATE INDEX server_addresses_ip ON server_addresses (scope_id, ip_address);
COMMENT ON TABLE server_addresses IS
  'Current IP addresses of live servers, one row per address: fixed IPs from Neutron ports whose device_id is the server, and floating IPs bound to those ports. History is in the addresses column of server_versions and in changes (field addresses).';
COMMENT ON COLUMN server_addresses.scope_id IS 'Scope.';
COMMENT ON COLUMN server_addresses.server_id IS 'Server the address belongs to.';
COMMENT ON COLUMN server_addresses.ip_address IS 'The IPv4 or IPv6 address.';
COMMENT ON COLUMN server_addresses.kind IS 'fixed (on a port) or floating (a floating IP associated with one of the server''s ports).';
COMMENT ON COLUMN server_addresses.ip_version IS '4 or 6.';
COMMENT ON COLUMN server_addresses.mac_address IS 'MAC address of the port.';
COMMENT ON COLUMN server_addresses.network_id IS 'Neutron network id, when known.';
COMMENT ON COLUMN server_addresses.network_name IS 'Network name (the key in Nova''s addresses).';
COMMENT ON COLUMN server_addresses.port_id IS 'Neutron port id, when known.';
COMMENT ON COLUMN server_addresses.subnet_id IS 'Neutron subnet id of a fixed IP, when known.';
COMMENT ON COLUMN server_addresses.floating_ip_id IS 'Neutron floating IP id, for kind floating.';

CREATE TABLE volumes (
  scope_id           integer     NOT NULL REFERENCES scopes,
  volume_id          uuid        NOT NULL,
  name               text,
  description        text,
  status             text,
  size_gb            integer,
  volume_type        text,
  bootable           boolean,
  encrypted          boolean,
  multiattach        boolean,
  availability_zone  text,
  project_id         text,
  created_at         timestamptz,
  updated_at         timestamptz,
  metadata           jsonb,
  fingerprint        bytea       NOT NULL,
  first_seen_run     bigint      NOT NULL,
  deleted_at         timestamptz,
  deleted_run        bigint,
  PRIMARY KEY (scope_id, volume_id)
);
COMMENT ON TABLE volumes IS
  'Cinder volumes as listed (volumes/detail, all projects for admins). A volume missing from a complete listing is marked deleted; changes of its fields are in changes (entity_type volume).';
COMMENT ON COLUMN volumes.scope_id IS 'Scope.';
COMMENT ON COLUMN volumes.volume_id IS 'Cinder volume id.';
COMMENT ON COLUMN volumes.name IS 'Volume name.';
COMMENT ON COLUMN volumes.description IS 'Volume description.';
COMMENT ON COLUMN volumes.status IS 'Cinder status: available, in-use, error, ...';
COMMENT ON COLUMN volumes.size_gb IS 'Size in GiB.';
COMMENT ON COLUMN volumes.volume_type IS 'Volume type name.';
COMMENT ON COLUMN volumes.bootable IS 'Cinder bootable flag (sent as the string "true"/"false").';
COMMENT ON COLUMN volumes.encrypted IS 'Whether the volume is encrypted.';
COMMENT ON COLUMN volumes.multiattach IS 'Whether the volume may attach to several servers.';
COMMENT ON COLUMN volumes.availability_zone IS 'Cinder availability zone.';
COMMENT ON COLUMN volumes.project_id IS 'Owning project (os-vol-tenant-attr:tenant_id, admin only).';
COMMENT ON COLUMN volumes.created_at IS 'Cinder created_at (sent without a zone: UTC).';
COMMENT ON COLUMN volumes.updated_at IS 'Cinder updated_at (UTC).';
COMMENT ON COLUMN volumes.metadata IS 'Volume metadata.';
COMMENT ON COLUMN volumes.fingerprint IS 'SHA-256 of the normalised volume; equal fingerprints mean no change.';
COMMENT ON COLUMN volumes.first_seen_run IS 'Run that first listed the volume.';
COMMENT ON COLUMN volumes.deleted_at IS 'When a complete listing first lacked the volume; NULL while it exists.';
COMMENT ON COLUMN volumes.deleted_run IS 'Run that recorded the deletion.';

CREATE TABLE server_volumes (
  scope_id               integer     NOT NULL REFERENCES scopes,
  server_id              uuid        NOT NULL,
  volume_id              uuid        NOT NULL,
  device                 text,
  attachment_id          uuid,
  attached_at            timestamptz,
  delete_on_termination  boolean,
  host_name              text,
  PRIMARY KEY (scope_id, server_id, volume_id)
);
CREATE INDEX server_volumes_volume ON server_volumes (scope_id, volume_id);
COMMENT ON TABLE server_volumes IS
  'Current volume attachments of live servers (Nova volumes_attached joined with Cinder attachments). History is in the volumes column of server_versions and in changes (field volumes).';
COMMENT ON COLUMN server_volumes.scope_id IS 'Scope.';
COMMENT ON COLUMN server_volumes.server_id IS 'Server.';
COMMENT ON COLUMN server_volumes.volume_id IS 'Attached volume.';
COMMENT ON COLUMN server_volumes.device IS 'Device name inside the server, e.g. /dev/vdb (from Cinder).';
COMMENT ON COLUMN server_volumes.attachment_id IS 'Cinder attachment id.';
COMMENT ON COLUMN server_volumes.attached_at IS 'When Cinder attached it (UTC).';
COMMENT ON COLUMN server_volumes.delete_on_termination IS 'Whether Nova deletes the volume with the server (compute API 2.3+).';
COMMENT ON COLUMN server_volumes.host_name IS 'Attachment host name (admin only).';

CREATE TABLE security_groups (
  scope_id           integer     NOT NULL REFERENCES scopes,
  security_group_id  uuid        NOT NULL,
  name               text,
  description        text,
  project_id         text,
  stateful           boolean,
  revision_number    integer,
  tags               text[],
  created_at         timestamptz,
  updated_at         timestamptz,
  fingerprint        bytea       NOT NULL,
  first_seen_run     bigint      NOT NULL,
  deleted_at         timestamptz,
  deleted_run        bigint,
  PRIMARY KEY (scope_id, security_group_id)
);
COMMENT ON TABLE security_groups IS
  'Neutron security groups as listed. Changes of a group and of its rules are in changes (entity_type security_group).';
COMMENT ON COLUMN security_groups.scope_id IS 'Scope.';
COMMENT ON COLUMN security_groups.security_group_id IS 'Neutron security group id.';
COMMENT ON COLUMN security_groups.name IS 'Group name.';
COMMENT ON COLUMN security_groups.description IS 'Group description.';
COMMENT ON COLUMN security_groups.project_id IS 'Owning project.';
COMMENT ON COLUMN security_groups.stateful IS 'Whether the group is stateful.';
COMMENT ON COLUMN security_groups.revision_number IS 'Neutron revision number.';
COMMENT ON COLUMN security_groups.tags IS 'Neutron tags.';
COMMENT ON COLUMN security_groups.created_at IS 'Neutron created_at (UTC).';
COMMENT ON COLUMN security_groups.updated_at IS 'Neutron updated_at (UTC).';
COMMENT ON COLUMN security_groups.fingerprint IS 'SHA-256 of the normalised group with its rules.';
COMMENT ON COLUMN security_groups.first_seen_run IS 'Run that first listed the group.';
COMMENT ON COLUMN security_groups.deleted_at IS 'When a complete listing first lacked the group.';
COMMENT ON COLUMN security_groups.deleted_run IS 'Run that recorded the deletion.';

CREATE TABLE security_group_rules (
  scope_id                 integer NOT NULL REFERENCES scopes,
  rule_id                  uuid    NOT NULL,
  security_group_id        uuid    NOT NULL,
  direction                text,
  ethertype                text,
  protocol                 text,
  port_range_min           integer,
  port_range_max           integer,
  remote_ip_prefix         cidr,
  remote_group_id          uuid,
  remote_address_group_id  uuid,
  description              text,
  PRIMARY KEY (scope_id, rule_id)
);
CREATE INDEX security_group_rules_group ON security_group_rules (scope_id, security_group_id);
COMMENT ON TABLE security_group_rules IS 'Current rules of live security groups.';
COMMENT ON COLUMN security_group_rules.scope_id IS 'Scope.';
COMMENT ON COLUMN security_group_rules.rule_id IS 'Neutron rule id.';
COMMENT ON COLUMN security_group_rules.security_group_id IS 'Group the rule belongs to.';
COMMENT ON COLUMN security_group_rules.direction IS 'ingress or egress.';
COMMENT ON COLUMN security_group_rules.ethertype IS 'IPv4 or IPv6.';
COMMENT ON COLUMN security_group_rules.protocol IS 'tcp, udp, icmp, a number, or NULL for any.';
COMMENT ON COLUMN security_group_rules.port_range_min IS 'Lowest port (or ICMP type), NULL for any.';
COMMENT ON COLUMN security_group_rules.port_range_max IS 'Highest port (or ICMP code), NULL for any.';
COMMENT ON COLUMN security_group_rules.remote_ip_prefix IS 'Remote CIDR, NULL for any.';
COMMENT ON COLUMN security_group_rules.remote_group_id IS 'Remote security group, if the rule names one.';
COMMENT ON COLUMN security_group_rules.remote_address_group_id IS 'Remote address group, if the rule names one.';
COMMENT ON COLUMN security_group_rules.description IS 'Rule description.';

CREATE TABLE server_security_groups (
  scope_id           integer NOT NULL REFERENCES scopes,
  server_id          uuid    NOT NULL,
  security_group_id  uuid    NOT NULL,
  PRIMARY KEY (scope_id, server_id, security_group_id)
);
CREATE INDEX server_security_groups_group ON server_security_groups (scope_id, security_group_id);
COMMENT ON TABLE server_security_groups IS
  'Current security-group membership of live servers: the groups on any of the server''s Neutron ports.';
COMMENT ON COLUMN server_security_groups.scope_id IS 'Scope.';
COMMENT ON COLUMN server_security_groups.server_id IS 'Server.';
COMMENT ON COLUMN server_security_groups.security_group_id IS 'Security group on one of its ports.';

CREATE TABLE instance_actions (
  scope_id        integer     NOT NULL REFERENCES scopes,
  server_id       uuid        NOT NULL,
  request_id      text        NOT NULL,
  action          text        NOT NULL,
  user_id         text,
  project_id      text,
  start_time      timestamptz,
  updated_at      timestamptz,
  message         text,
  events          jsonb,
  first_seen_run  bigint      NOT NULL,
  PRIMARY KEY (scope_id, server_id, request_id)
);
CREATE INDEX instance_actions_time ON instance_actions (scope_id, server_id, start_time);
COMMENT ON TABLE instance_actions IS
  'Nova instance actions (os-instance-actions) fetched for servers that changed: who did what to a server, and when. Changes link to them by request_id.';
COMMENT ON COLUMN instance_actions.scope_id IS 'Scope.';
COMMENT ON COLUMN instance_actions.server_id IS 'Server acted on.';
COMMENT ON COLUMN instance_actions.request_id IS 'Nova request id (req-...), unique per action.';
COMMENT ON COLUMN instance_actions.action IS 'Action name: create, delete, reboot, resize, confirmResize, stop, start, attach_volume, ...';
COMMENT ON COLUMN instance_actions.user_id IS 'User who asked for it.';
COMMENT ON COLUMN instance_actions.project_id IS 'Project of that user''s token.';
COMMENT ON COLUMN instance_actions.start_time IS 'When Nova started the action (UTC).';
COMMENT ON COLUMN instance_actions.updated_at IS 'Last update of the action record (compute API 2.58+).';
COMMENT ON COLUMN instance_actions.message IS 'Nova''s message, e.g. Error for a failed action.';
COMMENT ON COLUMN instance_actions.events IS 'The action''s events when fetched: [{event, start_time, finish_time, result}].';
COMMENT ON COLUMN instance_actions.first_seen_run IS 'Run that fetched the action.';
