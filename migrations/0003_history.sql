-- stackledger schema, part 3: history. Append-only and tamper-evident.

CREATE TABLE server_versions (
  scope_id                  integer     NOT NULL REFERENCES scopes,
  server_id                 uuid        NOT NULL,
  version_no                integer     NOT NULL,
  run_id                    bigint      NOT NULL,
  valid_from                timestamptz NOT NULL,
  valid_to                  timestamptz,
  version_kind              text        NOT NULL CHECK (version_kind IN ('created', 'modified', 'deleted')),
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
  PRIMARY KEY (scope_id, server_id, version_no),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX server_versions_as_of ON server_versions (scope_id, valid_from, server_id);
CREATE UNIQUE INDEX server_versions_open ON server_versions (scope_id, server_id) WHERE valid_to IS NULL;
COMMENT ON TABLE server_versions IS
  'One row per distinct state of a server. valid_from is when a sync first saw the state, valid_to when a later sync saw the next state (NULL for the current one). The server as of time T is the row with valid_from <= T < coalesce(valid_to, infinity). Rows are never updated except to close valid_to once, and never deleted.';
COMMENT ON COLUMN server_versions.scope_id IS 'Scope.';
COMMENT ON COLUMN server_versions.server_id IS 'Nova server id.';
COMMENT ON COLUMN server_versions.version_no IS 'Version number within the server, from 1.';
COMMENT ON COLUMN server_versions.run_id IS 'Sync run that recorded this state.';
COMMENT ON COLUMN server_versions.valid_from IS 'When the recording run saw this state (its start time).';
COMMENT ON COLUMN server_versions.valid_to IS 'When a later run saw the next state; NULL for the current state.';
COMMENT ON COLUMN server_versions.version_kind IS 'created (first state), modified, or deleted (the tombstone state).';
COMMENT ON COLUMN server_versions.name IS 'Server name.';
COMMENT ON COLUMN server_versions.status IS 'Nova status derived from vm_state and task_state: ACTIVE, BUILD, SHUTOFF, ERROR, VERIFY_RESIZE, SHELVED_OFFLOADED, DELETED, SOFT_DELETED, ...';
COMMENT ON COLUMN server_versions.vm_state IS 'OS-EXT-STS:vm_state, e.g. active, stopped, error, soft-delete, deleted.';
COMMENT ON COLUMN server_versions.task_state IS 'OS-EXT-STS:task_state, NULL when idle.';
COMMENT ON COLUMN server_versions.power_state IS 'OS-EXT-STS:power_state: 0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED.';
COMMENT ON COLUMN server_versions.project_id IS 'Owning project (tenant_id).';
COMMENT ON COLUMN server_versions.user_id IS 'User who created the server.';
COMMENT ON COLUMN server_versions.created_at IS 'Nova `created`.';
COMMENT ON COLUMN server_versions.updated_at IS 'Nova `updated`; the column changes-since filters on. Nova does not bump it for every change.';
COMMENT ON COLUMN server_versions.launched_at IS 'OS-SRV-USG:launched_at (Nova sends it without a zone: UTC).';
COMMENT ON COLUMN server_versions.terminated_at IS 'OS-SRV-USG:terminated_at (UTC).';
COMMENT ON COLUMN server_versions.host_id IS 'hostId: sha224 of project and host; '''' when the server has no host. Differs between projects on one host.';
COMMENT ON COLUMN server_versions.availability_zone IS 'OS-EXT-AZ:availability_zone.';
COMMENT ON COLUMN server_versions.pinned_availability_zone IS 'pinned_availability_zone (compute API 2.96+).';
COMMENT ON COLUMN server_versions.flavor_id IS 'Flavor id (compute API below 2.47 only).';
COMMENT ON COLUMN server_versions.flavor_name IS 'Flavor name: original_name from 2.47, or the name from flavors when only the id was sent.';
COMMENT ON COLUMN server_versions.flavor_vcpus IS 'Flavor vCPUs (2.47+ embedded flavor, or from flavors).';
COMMENT ON COLUMN server_versions.flavor_ram_mb IS 'Flavor memory in MiB.';
COMMENT ON COLUMN server_versions.flavor_disk_gb IS 'Flavor root disk in GiB.';
COMMENT ON COLUMN server_versions.flavor_ephemeral_gb IS 'Flavor ephemeral disk in GiB.';
COMMENT ON COLUMN server_versions.flavor_swap_mb IS 'Flavor swap in MiB.';
COMMENT ON COLUMN server_versions.flavor_extra_specs IS 'Flavor extra specs when policy shows them (2.47+).';
COMMENT ON COLUMN server_versions.image_id IS 'Glance image id; NULL for a server booted from volume (Nova sends image as "").';
COMMENT ON COLUMN server_versions.image_properties IS 'image.properties (compute API 2.98+).';
COMMENT ON COLUMN server_versions.boot_from_volume IS 'True when Nova sent image as "" (booted from a volume).';
COMMENT ON COLUMN server_versions.key_name IS 'Keypair name, NULL if none.';
COMMENT ON COLUMN server_versions.disk_config IS 'OS-DCF:diskConfig: AUTO or MANUAL.';
COMMENT ON COLUMN server_versions.config_drive IS 'config_drive (Nova sends the string "True" or "").';
COMMENT ON COLUMN server_versions.progress IS 'Build/resize progress in percent; NULL when Nova omits it (statuses other than ACTIVE, BUILD, REBUILD, RESIZE, VERIFY_RESIZE, MIGRATING).';
COMMENT ON COLUMN server_versions.access_ipv4 IS 'accessIPv4, NULL when unset.';
COMMENT ON COLUMN server_versions.access_ipv6 IS 'accessIPv6, NULL when unset.';
COMMENT ON COLUMN server_versions.metadata IS 'Server metadata (string to string).';
COMMENT ON COLUMN server_versions.tags IS 'Server tags, sorted (compute API 2.26+).';
COMMENT ON COLUMN server_versions.description IS 'Server description (2.19+).';
COMMENT ON COLUMN server_versions.locked IS 'Whether the server is locked (2.9+).';
COMMENT ON COLUMN server_versions.locked_reason IS 'Why it is locked (2.73+).';
COMMENT ON COLUMN server_versions.host_status IS 'host_status (2.16+, admin): UP, DOWN, MAINTENANCE, UNKNOWN or ''''.';
COMMENT ON COLUMN server_versions.trusted_image_certificates IS 'trusted_image_certificates (2.63+).';
COMMENT ON COLUMN server_versions.scheduler_hints IS 'scheduler_hints (2.100+).';
COMMENT ON COLUMN server_versions.server_groups IS 'Server group ids (2.71+, only from GET /servers/{id}).';
COMMENT ON COLUMN server_versions.fault_code IS 'fault.code for ERROR (and DELETED) servers.';
COMMENT ON COLUMN server_versions.fault_message IS 'fault.message.';
COMMENT ON COLUMN server_versions.fault_details IS 'fault.details (admin only for code 500).';
COMMENT ON COLUMN server_versions.fault_created_at IS 'fault.created.';
COMMENT ON COLUMN server_versions.compute_host IS 'OS-EXT-SRV-ATTR:host (admin): the compute service host.';
COMMENT ON COLUMN server_versions.hypervisor_hostname IS 'OS-EXT-SRV-ATTR:hypervisor_hostname (admin).';
COMMENT ON COLUMN server_versions.instance_name IS 'OS-EXT-SRV-ATTR:instance_name (admin), e.g. instance-0000002a.';
COMMENT ON COLUMN server_versions.reservation_id IS 'OS-EXT-SRV-ATTR:reservation_id (2.3+, admin).';
COMMENT ON COLUMN server_versions.launch_index IS 'OS-EXT-SRV-ATTR:launch_index (2.3+, admin).';
COMMENT ON COLUMN server_versions.kernel_id IS 'OS-EXT-SRV-ATTR:kernel_id (2.3+, admin).';
COMMENT ON COLUMN server_versions.ramdisk_id IS 'OS-EXT-SRV-ATTR:ramdisk_id (2.3+, admin).';
COMMENT ON COLUMN server_versions.root_device_name IS 'OS-EXT-SRV-ATTR:root_device_name (2.3+, admin).';
COMMENT ON COLUMN server_versions.hostname IS 'OS-EXT-SRV-ATTR:hostname (2.3+ admin, every user from 2.90).';
COMMENT ON COLUMN server_versions.user_data_sha256 IS 'SHA-256 (hex) of OS-EXT-SRV-ATTR:user_data; the user data itself is never stored.';
COMMENT ON COLUMN server_versions.security_group_names IS 'security_groups as Nova reports them: names, sorted, duplicates removed.';
COMMENT ON COLUMN server_versions.security_group_ids IS 'Security group ids of the server''s Neutron ports, sorted.';
COMMENT ON COLUMN server_versions.volumes_attached IS 'os-extended-volumes:volumes_attached as Nova reports it: [{id, delete_on_termination}] (delete_on_termination from 2.3).';
COMMENT ON COLUMN server_versions.addresses IS 'IP addresses from Neutron, sorted: [{ip, version, kind (fixed|floating), mac, network_id, network, port_id, subnet_id, floating_ip_id}]. Nova''s own (cached) `addresses` stays in raw.';
COMMENT ON COLUMN server_versions.volumes IS 'Volume attachments from Cinder, sorted: [{volume_id, device, attachment_id, attached_at}].';
COMMENT ON COLUMN server_versions.raw IS 'The server record exactly as Nova sent it, without `links` and user_data.';
COMMENT ON COLUMN server_versions.fingerprint IS 'SHA-256 of the normalised Nova fields (not addresses, volumes, security_group_ids, which come from Neutron and Cinder); equal fingerprints mean Nova reported no change.';

CREATE TABLE changes (
  scope_id           integer     NOT NULL REFERENCES scopes,
  change_id          bigint      GENERATED ALWAYS AS IDENTITY,
  run_id             bigint      NOT NULL,
  observed_at        timestamptz NOT NULL,
  entity_type        text        NOT NULL CHECK (entity_type IN ('server', 'volume', 'security_group')),
  entity_id          text        NOT NULL,
  server_id          uuid,
  project_id         text,
  change_kind        text        NOT NULL CHECK (change_kind IN ('created', 'deleted', 'modified')),
  field              text,
  old_value          jsonb,
  new_value          jsonb,
  action             text,
  request_id         text,
  action_user_id     text,
  action_project_id  text,
  action_start_time  timestamptz,
  row_hash           bytea       NOT NULL,
  PRIMARY KEY (scope_id, change_id)
);
CREATE UNIQUE INDEX changes_change_id ON changes (change_id);
CREATE INDEX changes_server ON changes (scope_id, server_id, change_id);
CREATE INDEX changes_run ON changes (scope_id, run_id);
CREATE INDEX changes_observed ON changes (scope_id, observed_at);
CREATE INDEX changes_field ON changes (scope_id, field, observed_at);
COMMENT ON TABLE changes IS
  'The field-level change log: one row per changed field of a server, volume or security group, with old and new value, the run that saw it and the Nova instance action that explains it when one was found. Created and deleted entities are one row each. Append-only; each row carries a SHA-256 of its content and every run seals its rows into ledger_blocks, a hash chain per scope that `stackledger verify` recomputes.';
COMMENT ON COLUMN changes.scope_id IS 'Scope.';
COMMENT ON COLUMN changes.change_id IS 'Change number, increasing in the order changes were recorded.';
COMMENT ON COLUMN changes.run_id IS 'Sync run that observed the change.';
COMMENT ON COLUMN changes.observed_at IS 'When that run observed it (its start time). The change happened between the previous observation and this time; see action_start_time for Nova''s own time.';
COMMENT ON COLUMN changes.entity_type IS 'server, volume or security_group.';
COMMENT ON COLUMN changes.entity_id IS 'Id of the changed entity.';
COMMENT ON COLUMN changes.server_id IS 'The server, for server changes.';
COMMENT ON COLUMN changes.project_id IS 'Project owning the entity.';
COMMENT ON COLUMN changes.change_kind IS 'created, deleted, or modified (one row per field).';
COMMENT ON COLUMN changes.field IS 'Changed field: a servers column name (status, flavor_name, ...), metadata.<key>, tags, addresses, volumes, security_group_ids, or rules for a security group; NULL for created and deleted.';
COMMENT ON COLUMN changes.old_value IS 'Value before, as JSON (NULL: absent).';
COMMENT ON COLUMN changes.new_value IS 'Value after, as JSON (NULL: absent). For created, a summary of the new entity.';
COMMENT ON COLUMN changes.action IS 'Nova instance action that explains the change (resize, stop, ...), when one was found.';
COMMENT ON COLUMN changes.request_id IS 'Request id of that action (joins instance_actions).';
COMMENT ON COLUMN changes.action_user_id IS 'User who performed the action.';
COMMENT ON COLUMN changes.action_project_id IS 'Project of that user.';
COMMENT ON COLUMN changes.action_start_time IS 'When Nova started the action (UTC).';
COMMENT ON COLUMN changes.row_hash IS 'SHA-256 of the row''s content (see change_row_hash), set on insert by a trigger.';

-- The canonical content of a change row: a JSON array of every column but row_hash, timestamps
-- as microseconds since the epoch so the session time zone cannot alter it.
CREATE FUNCTION change_row_hash(c changes) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sha256(convert_to(jsonb_build_array(
    c.scope_id, c.change_id, c.run_id,
    (extract(epoch FROM c.observed_at) * 1000000)::bigint,
    c.entity_type, c.entity_id, c.server_id, c.project_id, c.change_kind, c.field,
    c.old_value, c.new_value, c.action, c.request_id, c.action_user_id, c.action_project_id,
    (extract(epoch FROM c.action_start_time) * 1000000)::bigint
  )::text, 'UTF8'))
$$;
COMMENT ON FUNCTION change_row_hash(changes) IS 'SHA-256 of a change row''s canonical content; `stackledger verify` compares it with row_hash.';

CREATE FUNCTION changes_set_row_hash() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.row_hash := change_row_hash(NEW);
  RETURN NEW;
END
$$;
CREATE TRIGGER changes_row_hash BEFORE INSERT ON changes
  FOR EACH ROW EXECUTE FUNCTION changes_set_row_hash();

CREATE TABLE ledger_blocks (
  scope_id         integer     NOT NULL REFERENCES scopes,
  run_id           bigint      NOT NULL,
  first_change_id  bigint,
  last_change_id   bigint,
  change_count     integer     NOT NULL,
  rows_digest      bytea       NOT NULL,
  prev_block_hash  bytea       NOT NULL,
  block_hash       bytea       NOT NULL,
  sealed_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (scope_id, run_id)
);
CREATE UNIQUE INDEX ledger_blocks_chain ON ledger_blocks (scope_id, prev_block_hash);
COMMENT ON TABLE ledger_blocks IS
  'The hash chain over the change log: one block per successful run and scope, sealing that run''s change rows. block_hash = sha256(prev_block_hash || run_id || change_count || rows_digest). Editing, adding or removing a change row, or a block, breaks the chain. Append-only.';
COMMENT ON COLUMN ledger_blocks.scope_id IS 'Scope.';
COMMENT ON COLUMN ledger_blocks.run_id IS 'The run whose changes the block seals.';
COMMENT ON COLUMN ledger_blocks.first_change_id IS 'Smallest change_id of the run (NULL when the run changed nothing).';
COMMENT ON COLUMN ledger_blocks.last_change_id IS 'Largest change_id of the run.';
COMMENT ON COLUMN ledger_blocks.change_count IS 'Number of change rows of the run.';
COMMENT ON COLUMN ledger_blocks.rows_digest IS 'sha256 of the concatenated row_hash values of the run, in change_id order.';
COMMENT ON COLUMN ledger_blocks.prev_block_hash IS 'block_hash of the scope''s previous block; 32 zero bytes for the first.';
COMMENT ON COLUMN ledger_blocks.block_hash IS 'sha256(prev_block_hash || int8(run_id) || int4(change_count) || rows_digest).';
COMMENT ON COLUMN ledger_blocks.sealed_at IS 'When the block was written.';

CREATE FUNCTION ledger_rows_digest(p_scope integer, p_run bigint) RETURNS bytea
LANGUAGE sql STABLE AS $$
  SELECT sha256(coalesce(string_agg(row_hash, ''::bytea ORDER BY change_id), ''::bytea))
  FROM changes WHERE scope_id = p_scope AND run_id = p_run
$$;
COMMENT ON FUNCTION ledger_rows_digest(integer, bigint) IS 'Digest of one run''s change rows as stored (their row_hash values in change_id order).';

CREATE FUNCTION ledger_block_hash(p_prev bytea, p_run bigint, p_count integer, p_rows bytea)
RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sha256(p_prev || int8send(p_run) || int4send(p_count) || p_rows)
$$;
COMMENT ON FUNCTION ledger_block_hash(bytea, bigint, integer, bytea) IS 'Hash of a ledger block from its parts.';

-- Seal a run: append its block to the scope's chain. Called by the sync in its apply transaction.
CREATE FUNCTION ledger_seal_run(p_scope integer, p_run bigint) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
  v_prev  bytea;
  v_count integer;
  v_first bigint;
  v_last  bigint;
  v_rows  bytea;
  v_hash  bytea;
BEGIN
  SELECT block_hash INTO v_prev FROM ledger_blocks
   WHERE scope_id = p_scope ORDER BY run_id DESC LIMIT 1;
  v_prev := coalesce(v_prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
  SELECT count(*), min(change_id), max(change_id) INTO v_count, v_first, v_last
    FROM changes WHERE scope_id = p_scope AND run_id = p_run;
  v_rows := ledger_rows_digest(p_scope, p_run);
  v_hash := ledger_block_hash(v_prev, p_run, v_count, v_rows);
  INSERT INTO ledger_blocks (scope_id, run_id, first_change_id, last_change_id, change_count,
                             rows_digest, prev_block_hash, block_hash)
  VALUES (p_scope, p_run, v_first, v_last, v_count, v_rows, v_prev, v_hash);
  RETURN v_hash;
END
$$;
COMMENT ON FUNCTION ledger_seal_run(integer, bigint) IS 'Appends the block sealing one run''s changes to the scope''s hash chain.';

-- Append-only enforcement. A superuser can still disable triggers; the hash chain is what
-- detects that (stackledger verify).
CREATE FUNCTION refuse_history_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stackledger: % on % is refused: history is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE FUNCTION server_versions_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL
     AND (to_jsonb(NEW) - 'valid_to') = (to_jsonb(OLD) - 'valid_to') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'stackledger: UPDATE on server_versions is refused: only closing valid_to once is allowed'
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER changes_append_only BEFORE UPDATE OR DELETE ON changes
  FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER changes_no_truncate BEFORE TRUNCATE ON changes
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER ledger_blocks_append_only BEFORE UPDATE OR DELETE ON ledger_blocks
  FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER ledger_blocks_no_truncate BEFORE TRUNCATE ON ledger_blocks
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER server_versions_close_only BEFORE UPDATE ON server_versions
  FOR EACH ROW EXECUTE FUNCTION server_versions_guard();
CREATE TRIGGER server_versions_no_delete BEFORE DELETE ON server_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER server_versions_no_truncate BEFORE TRUNCATE ON server_versions
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_rewrite();
