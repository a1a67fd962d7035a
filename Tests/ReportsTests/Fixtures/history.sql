-- A fixed ledger history for the Reports tests: two scopes, seven runs, nine servers,
-- explicit timestamps everywhere (no database clock), so report output is stable.
--
-- Scope 1 (test-cloud), runs at 06:00 UTC:
--   run 1 2026-03-01  web-1, web-2, db-1, idle-1 seen (all created before the ledger started)
--   run 2 2026-03-02  db-1 metadata.owner carol -> dave; idle-1 stopped; build-1 appears (BUILD)
--   run 3 2026-03-04  web-1 stopped; db-1 gets a volume; err-1 appears in ERROR; sg web gets a rule
--   run 4 2026-03-06  web-2 deleted (listed DELETED); db-1 rebuilt (new image); batch-1 appears
--   run 5 2026-03-08  web-1 started and resized, joins group db; batch-1 gone (404); app-1 appears
--   run 6 2026-03-09  failed (nothing recorded)
-- Scope 2 (other-cloud): run 7 2026-03-05 12:00 sees other-1.
-- Reports use "now" = 2026-03-10T00:00:00Z.

INSERT INTO scopes (scope_id, name, auth_url, region, project_id, created_at) OVERRIDING SYSTEM VALUE
VALUES (1, 'test-cloud', 'https://keystone.test/v3', 'RegionOne', '', '2026-03-01T06:00:00Z'),
       (2, 'other-cloud', 'https://keystone.other/v3', 'RegionTwo', '', '2026-03-05T12:00:00Z');

INSERT INTO sync_runs (scope_id, run_id, mode, status, started_at, finished_at, hostname, pid,
                       stackledger_version, compute_microversion, all_projects, servers_seen,
                       servers_created, servers_changed, servers_deleted, ports_seen,
                       volumes_seen, security_groups_seen, changes_written, error)
OVERRIDING SYSTEM VALUE
VALUES
  (1, 1, 'full', 'succeeded', '2026-03-01T06:00:00Z', '2026-03-01T06:01:30Z', 'cron-1', 101, '0.1.0', '2.100', true, 4, 4, 0, 0, 5, 1, 2, 7, NULL),
  (1, 2, 'incremental', 'succeeded', '2026-03-02T06:00:00Z', '2026-03-02T06:00:20Z', 'cron-1', 102, '0.1.0', '2.100', true, 3, 1, 2, 0, 6, 1, 2, 4, NULL),
  (1, 3, 'incremental', 'succeeded', '2026-03-04T06:00:00Z', '2026-03-04T06:00:45Z', 'cron-1', 103, '0.1.0', '2.100', true, 3, 1, 2, 0, 6, 1, 2, 9, NULL),
  (1, 4, 'incremental', 'succeeded', '2026-03-06T06:00:00Z', '2026-03-06T06:00:30Z', 'cron-1', 104, '0.1.0', '2.100', true, 3, 1, 1, 1, 6, 1, 2, 3, NULL),
  (1, 5, 'full', 'succeeded', '2026-03-08T06:00:00Z', '2026-03-08T06:02:05Z', 'cron-1', 105, '0.1.0', '2.100', true, 7, 1, 1, 1, 7, 1, 2, 11, NULL),
  (1, 6, 'incremental', 'failed', '2026-03-09T06:00:00Z', '2026-03-09T06:00:03Z', 'cron-1', 106, '0.1.0', NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 'keystone: POST https://keystone.test/v3/auth/tokens answered 503 Service Unavailable'),
  (2, 7, 'full', 'succeeded', '2026-03-05T12:00:00Z', '2026-03-05T12:00:10Z', 'cron-2', 201, '0.1.0', '2.96', true, 1, 1, 0, 0, 1, 0, 0, 1, NULL);

-- Every state of every server. Unlisted columns are NULL.
INSERT INTO server_versions (
  scope_id, server_id, version_no, run_id, valid_from, valid_to, version_kind,
  name, status, vm_state, task_state, power_state, project_id, user_id, created_at, updated_at,
  launched_at, terminated_at, flavor_name, flavor_vcpus, flavor_ram_mb, flavor_disk_gb, image_id,
  metadata, security_group_names, security_group_ids, volumes_attached, volumes, addresses,
  fault_code, fault_message, compute_host)
VALUES
  -- web-1: ACTIVE, stopped at run 3, started and resized m1.small -> m1.large at run 5.
  (1, '11111111-0000-4000-8000-000000000001', 1, 1, '2026-03-01T06:00:00Z', '2026-03-04T06:00:00Z', 'created',
   'web-1', 'ACTIVE', 'active', NULL, 1, 'p-alpha', 'u-alice', '2026-02-20T10:00:00Z', '2026-02-20T10:02:00Z',
   '2026-02-20T10:02:00Z', NULL, 'm1.small', 1, 2048, 20, 'img-ubuntu-24.04',
   '{"role": "web"}', '{web}', '{aaaaaaaa-0000-4000-8000-000000000001}', '[]', '[]',
   '[{"ip": "10.0.0.11", "kind": "fixed", "version": 4, "network": "private"}]', NULL, NULL, 'compute-01'),
  (1, '11111111-0000-4000-8000-000000000001', 2, 3, '2026-03-04T06:00:00Z', '2026-03-08T06:00:00Z', 'modified',
   'web-1', 'SHUTOFF', 'stopped', NULL, 4, 'p-alpha', 'u-alice', '2026-02-20T10:00:00Z', '2026-03-03T14:00:05Z',
   '2026-02-20T10:02:00Z', NULL, 'm1.small', 1, 2048, 20, 'img-ubuntu-24.04',
   '{"role": "web"}', '{web}', '{aaaaaaaa-0000-4000-8000-000000000001}', '[]', '[]',
   '[{"ip": "10.0.0.11", "kind": "fixed", "version": 4, "network": "private"}]', NULL, NULL, 'compute-01'),
  (1, '11111111-0000-4000-8000-000000000001', 3, 5, '2026-03-08T06:00:00Z', NULL, 'modified',
   'web-1', 'ACTIVE', 'active', NULL, 1, 'p-alpha', 'u-alice', '2026-02-20T10:00:00Z', '2026-03-07T10:00:10Z',
   '2026-02-20T10:02:00Z', NULL, 'm1.large', 4, 8192, 80, 'img-ubuntu-24.04',
   '{"role": "web", "tier": "frontend"}', '{db,web}',
   '{aaaaaaaa-0000-4000-8000-000000000001,aaaaaaaa-0000-4000-8000-000000000002}', '[]', '[]',
   '[{"ip": "10.0.0.11", "kind": "fixed", "version": 4, "network": "private"}]', NULL, NULL, 'compute-02'),
  -- web-2: ACTIVE, deleted (Nova listed it DELETED) at run 4.
  (1, '11111111-0000-4000-8000-000000000002', 1, 1, '2026-03-01T06:00:00Z', '2026-03-06T06:00:00Z', 'created',
   'web-2', 'ACTIVE', 'active', NULL, 1, 'p-alpha', 'u-alice', '2026-02-21T08:00:00Z', '2026-02-21T08:01:00Z',
   '2026-02-21T08:01:00Z', NULL, 'm1.small', 1, 2048, 20, 'img-ubuntu-24.04',
   '{"role": "web"}', '{web}', '{aaaaaaaa-0000-4000-8000-000000000001}', '[]', '[]',
   '[{"ip": "10.0.0.12", "kind": "fixed", "version": 4, "network": "private"}]', NULL, NULL, 'compute-01'),
  (1, '11111111-0000-4000-8000-000000000002', 2, 4, '2026-03-06T06:00:00Z', NULL, 'deleted',
   'web-2', 'DELETED', 'deleted', NULL, 0, 'p-alpha', 'u-alice', '2026-02-21T08:00:00Z', '2026-03-05T20:00:03Z',
   '2026-02-21T08:01:00Z', '2026-03-05T20:00:03Z', 'm1.small', 1, 2048, 20, 'img-ubuntu-24.04',
   '{"role": "web"}', '{}', '{}', '[]', '[]', '[]', NULL, NULL, NULL),
  -- db-1: owner metadata changed at run 2, volume attached at run 3, rebuilt at run 4.
  (1, '11111111-0000-4000-8000-000000000003', 1, 1, '2026-03-01T06:00:00Z', '2026-03-02T06:00:00Z', 'created',
   'db-1', 'ACTIVE', 'active', NULL, 1, 'p-beta', 'u-carol', '2026-02-15T12:00:00Z', '2026-02-15T12:03:00Z',
   '2026-02-15T12:03:00Z', NULL, 'm1.medium', 2, 4096, 40, 'img-centos-8',
   '{"owner": "carol"}', '{db}', '{aaaaaaaa-0000-4000-8000-000000000002}', '[]', '[]',
   '[{"ip": "10.0.1.5", "kind": "fixed", "version": 4, "network": "backend"}]', NULL, NULL, 'compute-02'),
  (1, '11111111-0000-4000-8000-000000000003', 2, 2, '2026-03-02T06:00:00Z', '2026-03-04T06:00:00Z', 'modified',
   'db-1', 'ACTIVE', 'active', NULL, 1, 'p-beta', 'u-carol', '2026-02-15T12:00:00Z', '2026-03-01T17:00:00Z',
   '2026-02-15T12:03:00Z', NULL, 'm1.medium', 2, 4096, 40, 'img-centos-8',
   '{"owner": "dave"}', '{db}', '{aaaaaaaa-0000-4000-8000-000000000002}', '[]', '[]',
   '[{"ip": "10.0.1.5", "kind": "fixed", "version": 4, "network": "backend"}]', NULL, NULL, 'compute-02'),
  (1, '11111111-0000-4000-8000-000000000003', 3, 3, '2026-03-04T06:00:00Z', '2026-03-06T06:00:00Z', 'modified',
   'db-1', 'ACTIVE', 'active', NULL, 1, 'p-beta', 'u-carol', '2026-02-15T12:00:00Z', '2026-03-03T16:01:00Z',
   '2026-02-15T12:03:00Z', NULL, 'm1.medium', 2, 4096, 40, 'img-centos-8',
   '{"owner": "dave"}', '{db}', '{aaaaaaaa-0000-4000-8000-000000000002}',
   '[{"id": "bbbbbbbb-0000-4000-8000-000000000001", "delete_on_termination": false}]',
   '[{"device": "/dev/vdb", "volume_id": "bbbbbbbb-0000-4000-8000-000000000001", "attached_at": "2026-03-03T16:01:00+00:00"}]',
   '[{"ip": "10.0.1.5", "kind": "fixed", "version": 4, "network": "backend"}]', NULL, NULL, 'compute-02'),
  (1, '11111111-0000-4000-8000-000000000003', 4, 4, '2026-03-06T06:00:00Z', NULL, 'modified',
   'db-1', 'ACTIVE', 'active', NULL, 1, 'p-beta', 'u-carol', '2026-02-15T12:00:00Z', '2026-03-05T11:05:00Z',
   '2026-03-05T11:05:00Z', NULL, 'm1.medium', 2, 4096, 40, 'img-centos-9',
   '{"owner": "dave"}', '{db}', '{aaaaaaaa-0000-4000-8000-000000000002}',
   '[{"id": "bbbbbbbb-0000-4000-8000-000000000001", "delete_on_termination": false}]',
   '[{"device": "/dev/vdb", "volume_id": "bbbbbbbb-0000-4000-8000-000000000001", "attached_at": "2026-03-03T16:01:00+00:00"}]',
   '[{"ip": "10.0.1.5", "kind": "fixed", "version": 4, "network": "backend"}]', NULL, NULL, 'compute-02'),
  -- idle-1: stopped before run 2 and never started again.
  (1, '11111111-0000-4000-8000-000000000004', 1, 1, '2026-03-01T06:00:00Z', '2026-03-02T06:00:00Z', 'created',
   'idle-1', 'ACTIVE', 'active', NULL, 1, 'p-alpha', 'u-bob', '2026-02-25T09:00:00Z', '2026-02-25T09:01:00Z',
   '2026-02-25T09:01:00Z', NULL, 'm1.small', 1, 2048, 20, 'img-ubuntu-24.04',
   '{}', '{default}', '{}', '[]', '[]', '[]', NULL, NULL, 'compute-01'),
  (1, '11111111-0000-4000-8000-000000000004', 2, 2, '2026-03-02T06:00:00Z', NULL, 'modified',
   'idle-1', 'SHUTOFF', 'stopped', NULL, 4, 'p-alpha', 'u-bob', '2026-02-25T09:00:00Z', '2026-03-01T18:00:04Z',
   '2026-02-25T09:01:00Z', NULL, 'm1.small', 1, 2048, 20, 'img-ubuntu-24.04',
   '{}', '{default}', '{}', '[]', '[]', '[]', NULL, NULL, 'compute-01'),
  -- build-1: stuck in BUILD since run 2.
  (1, '11111111-0000-4000-8000-000000000005', 1, 2, '2026-03-02T06:00:00Z', NULL, 'created',
   'build-1', 'BUILD', 'building', 'spawning', 0, 'p-beta', 'u-carol', '2026-03-01T22:00:00Z', '2026-03-01T22:00:10Z',
   NULL, NULL, 'm1.medium', 2, 4096, 40, 'img-centos-9',
   '{}', '{default}', '{}', '[]', '[]', '[]', NULL, NULL, 'compute-03'),
  -- err-1: in ERROR since run 3.
  (1, '11111111-0000-4000-8000-000000000006', 1, 3, '2026-03-04T06:00:00Z', NULL, 'created',
   'err-1', 'ERROR', 'error', NULL, 0, 'p-gamma', 'u-bob', '2026-03-03T08:00:00Z', '2026-03-03T08:00:40Z',
   NULL, NULL, 'm1.xlarge', 8, 16384, 160, 'img-ubuntu-24.04',
   '{}', '{default}', '{}', '[]', '[]', '[]', 500, 'No valid host was found. There are not enough hosts available.', NULL),
  -- batch-1: lived between run 4 and run 5 (Nova answered 404 at run 5).
  (1, '11111111-0000-4000-8000-000000000007', 1, 4, '2026-03-06T06:00:00Z', '2026-03-08T06:00:00Z', 'created',
   'batch-1', 'ACTIVE', 'active', NULL, 1, 'p-gamma', 'u-bob', '2026-03-05T07:00:00Z', '2026-03-05T07:01:00Z',
   '2026-03-05T07:01:00Z', NULL, 'm1.large', 4, 8192, 80, 'img-ubuntu-24.04',
   '{"job": "nightly"}', '{default}', '{}', '[]', '[]', '[]', NULL, NULL, 'compute-03'),
  (1, '11111111-0000-4000-8000-000000000007', 2, 5, '2026-03-08T06:00:00Z', NULL, 'deleted',
   'batch-1', 'ACTIVE', 'active', NULL, 1, 'p-gamma', 'u-bob', '2026-03-05T07:00:00Z', '2026-03-05T07:01:00Z',
   '2026-03-05T07:01:00Z', NULL, 'm1.large', 4, 8192, 80, 'img-ubuntu-24.04',
   '{"job": "nightly"}', '{default}', '{}', '[]', '[]', '[]', NULL, NULL, 'compute-03'),
  -- app-1: new at run 5.
  (1, '11111111-0000-4000-8000-000000000008', 1, 5, '2026-03-08T06:00:00Z', NULL, 'created',
   'app-1', 'ACTIVE', 'active', NULL, 1, 'p-beta', 'u-alice', '2026-03-07T15:00:00Z', '2026-03-07T15:01:00Z',
   '2026-03-07T15:01:00Z', NULL, 'm1.small', 1, 2048, 20, 'img-ubuntu-24.04',
   '{}', '{default}', '{}', '[]', '[]',
   '[{"ip": "10.0.1.9", "kind": "fixed", "version": 4, "network": "backend"}]', NULL, NULL, 'compute-02'),
  -- other-1 in scope 2.
  (2, '22222222-0000-4000-8000-000000000001', 1, 7, '2026-03-05T12:00:00Z', NULL, 'created',
   'other-1', 'ACTIVE', 'active', NULL, 1, 'p-delta', 'u-erin', '2026-03-05T10:00:00Z', '2026-03-05T10:01:00Z',
   '2026-03-05T10:01:00Z', NULL, 'm1.small', 1, 2048, 20, 'img-debian-12',
   '{}', '{default}', '{}', '[]', '[]', '[]', NULL, NULL, 'node-7');

-- Current state: the open version of each server; tombstones keep deleted_at and evidence.
INSERT INTO servers (
  scope_id, server_id, name, status, vm_state, task_state, power_state, project_id, user_id,
  created_at, updated_at, launched_at, terminated_at, flavor_name, flavor_vcpus, flavor_ram_mb,
  flavor_disk_gb, image_id, metadata, security_group_names, security_group_ids,
  volumes_attached, volumes, addresses, fault_code, fault_message, compute_host, version_no,
  first_seen_run, last_changed_run, deleted_at, deleted_run, deletion_evidence)
SELECT v.scope_id, v.server_id, v.name, v.status, v.vm_state, v.task_state, v.power_state,
       v.project_id, v.user_id, v.created_at, v.updated_at, v.launched_at, v.terminated_at,
       v.flavor_name, v.flavor_vcpus, v.flavor_ram_mb, v.flavor_disk_gb, v.image_id, v.metadata,
       v.security_group_names, v.security_group_ids, v.volumes_attached, v.volumes, v.addresses,
       v.fault_code, v.fault_message, v.compute_host, v.version_no,
       (SELECT min(f.run_id) FROM server_versions f
         WHERE f.scope_id = v.scope_id AND f.server_id = v.server_id),
       v.run_id,
       CASE WHEN v.version_kind = 'deleted' THEN v.valid_from END,
       CASE WHEN v.version_kind = 'deleted' THEN v.run_id END,
       CASE WHEN v.version_kind <> 'deleted' THEN NULL
            WHEN v.status = 'DELETED' THEN 'listed-deleted' ELSE 'not-found' END
  FROM server_versions v
 WHERE v.valid_to IS NULL;

INSERT INTO security_groups (scope_id, security_group_id, name, description, project_id, stateful,
                             revision_number, created_at, updated_at, fingerprint, first_seen_run)
VALUES (1, 'aaaaaaaa-0000-4000-8000-000000000001', 'web', 'HTTP(S) from anywhere', 'p-alpha', true, 3,
        '2026-01-10T09:00:00Z', '2026-03-03T12:00:00Z', '\x01', 1),
       (1, 'aaaaaaaa-0000-4000-8000-000000000002', 'db', 'PostgreSQL from the web tier', 'p-beta', true, 1,
        '2026-01-12T09:00:00Z', '2026-01-12T09:00:00Z', '\x02', 1);

INSERT INTO security_group_rules (scope_id, rule_id, security_group_id, direction, ethertype,
                                  protocol, port_range_min, port_range_max, remote_ip_prefix)
VALUES (1, 'cccccccc-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001', 'ingress', 'IPv4', 'tcp', 80, 80, '0.0.0.0/0'),
       (1, 'cccccccc-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000001', 'ingress', 'IPv4', 'tcp', 443, 443, '0.0.0.0/0'),
       (1, 'cccccccc-0000-4000-8000-000000000003', 'aaaaaaaa-0000-4000-8000-000000000002', 'ingress', 'IPv4', 'tcp', 5432, 5432, '10.0.0.0/24');

INSERT INTO server_security_groups (scope_id, server_id, security_group_id)
SELECT s.scope_id, s.server_id, g FROM servers s CROSS JOIN LATERAL unnest(s.security_group_ids) g
 WHERE s.deleted_at IS NULL;

INSERT INTO server_addresses (scope_id, server_id, ip_address, kind, ip_version, network_name)
SELECT s.scope_id, s.server_id, (a->>'ip')::inet, a->>'kind', (a->>'version')::smallint, a->>'network'
  FROM servers s CROSS JOIN LATERAL jsonb_array_elements(s.addresses) a
 WHERE s.deleted_at IS NULL;

INSERT INTO volumes (scope_id, volume_id, name, status, size_gb, volume_type, bootable, project_id,
                     created_at, updated_at, fingerprint, first_seen_run)
VALUES (1, 'bbbbbbbb-0000-4000-8000-000000000001', 'db-1-data', 'in-use', 100, 'ssd', false, 'p-beta',
        '2026-02-28T10:00:00Z', '2026-03-03T16:01:00Z', '\x03', 1),
       (1, 'bbbbbbbb-0000-4000-8000-000000000002', 'scratch', 'available', 10, 'hdd', false, 'p-alpha',
        '2026-02-10T10:00:00Z', '2026-02-10T10:00:00Z', '\x04', 1);

INSERT INTO server_volumes (scope_id, server_id, volume_id, device, attached_at, delete_on_termination)
VALUES (1, '11111111-0000-4000-8000-000000000003', 'bbbbbbbb-0000-4000-8000-000000000001', '/dev/vdb',
        '2026-03-03T16:01:00Z', false);

-- What Nova's os-instance-actions said (who did what).
INSERT INTO instance_actions (scope_id, server_id, request_id, action, user_id, project_id,
                              start_time, updated_at, message, first_seen_run)
VALUES
  (1, '11111111-0000-4000-8000-000000000001', 'req-w1-create', 'create', 'u-alice', 'p-alpha', '2026-02-20T10:00:00Z', '2026-02-20T10:02:00Z', NULL, 1),
  (1, '11111111-0000-4000-8000-000000000001', 'req-w1-reboot', 'reboot', 'u-alice', 'p-alpha', '2026-03-02T12:00:00Z', '2026-03-02T12:00:30Z', NULL, 3),
  (1, '11111111-0000-4000-8000-000000000001', 'req-w1-stop', 'stop', 'u-alice', 'p-alpha', '2026-03-03T14:00:00Z', '2026-03-03T14:00:05Z', NULL, 3),
  (1, '11111111-0000-4000-8000-000000000001', 'req-w1-start', 'start', 'u-bob', 'p-alpha', '2026-03-07T09:00:00Z', '2026-03-07T09:00:04Z', NULL, 5),
  (1, '11111111-0000-4000-8000-000000000001', 'req-w1-resize', 'resize', 'u-bob', 'p-alpha', '2026-03-07T09:30:00Z', '2026-03-07T09:35:00Z', NULL, 5),
  (1, '11111111-0000-4000-8000-000000000001', 'req-w1-confirm', 'confirmResize', 'u-bob', 'p-alpha', '2026-03-07T10:00:00Z', '2026-03-07T10:00:10Z', NULL, 5),
  (1, '11111111-0000-4000-8000-000000000002', 'req-w2-delete', 'delete', 'u-alice', 'p-alpha', '2026-03-05T20:00:00Z', '2026-03-05T20:00:03Z', NULL, 4),
  (1, '11111111-0000-4000-8000-000000000003', 'req-db1-attach', 'attach_volume', 'u-carol', 'p-beta', '2026-03-03T16:00:00Z', '2026-03-03T16:01:00Z', NULL, 3),
  (1, '11111111-0000-4000-8000-000000000003', 'req-db1-rebuild', 'rebuild', 'u-carol', 'p-beta', '2026-03-05T11:00:00Z', '2026-03-05T11:05:00Z', NULL, 4),
  (1, '11111111-0000-4000-8000-000000000004', 'req-idle-stop', 'stop', 'u-bob', 'p-alpha', '2026-03-01T18:00:00Z', '2026-03-01T18:00:04Z', NULL, 2),
  (1, '11111111-0000-4000-8000-000000000005', 'req-b1-create', 'create', 'u-carol', 'p-beta', '2026-03-01T22:00:00Z', '2026-03-01T22:00:10Z', NULL, 2),
  (1, '11111111-0000-4000-8000-000000000006', 'req-e1-create', 'create', 'u-bob', 'p-gamma', '2026-03-03T08:00:00Z', '2026-03-03T08:00:40Z', 'Error', 3),
  (1, '11111111-0000-4000-8000-000000000007', 'req-bt-delete', 'delete', 'u-bob', 'p-gamma', '2026-03-07T23:00:00Z', '2026-03-07T23:00:02Z', NULL, 5),
  (1, '11111111-0000-4000-8000-000000000008', 'req-a1-create', 'create', 'u-alice', 'p-beta', '2026-03-07T15:00:00Z', '2026-03-07T15:01:00Z', NULL, 5);

-- The change log, in the order the runs wrote it (change_id follows insertion order; the
-- trigger computes row_hash).
INSERT INTO changes (scope_id, run_id, observed_at, entity_type, entity_id, server_id, project_id,
                     change_kind, field, old_value, new_value, action, request_id,
                     action_user_id, action_project_id, action_start_time)
VALUES
  -- run 1
  (1, 1, '2026-03-01T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'created', NULL, NULL,
   '{"name": "web-1", "status": "ACTIVE", "flavor": "m1.small", "user_id": "u-alice", "image_id": "img-ubuntu-24.04", "created_at": "2026-02-20T10:00:00+00:00", "project_id": "p-alpha"}',
   'create', 'req-w1-create', 'u-alice', 'p-alpha', '2026-02-20T10:00:00Z'),
  (1, 1, '2026-03-01T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000002', '11111111-0000-4000-8000-000000000002', 'p-alpha', 'created', NULL, NULL,
   '{"name": "web-2", "status": "ACTIVE", "flavor": "m1.small", "user_id": "u-alice", "image_id": "img-ubuntu-24.04", "created_at": "2026-02-21T08:00:00+00:00", "project_id": "p-alpha"}',
   NULL, NULL, NULL, NULL, NULL),
  (1, 1, '2026-03-01T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000003', '11111111-0000-4000-8000-000000000003', 'p-beta', 'created', NULL, NULL,
   '{"name": "db-1", "status": "ACTIVE", "flavor": "m1.medium", "user_id": "u-carol", "image_id": "img-centos-8", "created_at": "2026-02-15T12:00:00+00:00", "project_id": "p-beta"}',
   NULL, NULL, NULL, NULL, NULL),
  (1, 1, '2026-03-01T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000004', '11111111-0000-4000-8000-000000000004', 'p-alpha', 'created', NULL, NULL,
   '{"name": "idle-1", "status": "ACTIVE", "flavor": "m1.small", "user_id": "u-bob", "image_id": "img-ubuntu-24.04", "created_at": "2026-02-25T09:00:00+00:00", "project_id": "p-alpha"}',
   NULL, NULL, NULL, NULL, NULL),
  (1, 1, '2026-03-01T06:00:00Z', 'security_group', 'aaaaaaaa-0000-4000-8000-000000000001', NULL, 'p-alpha', 'created', NULL, NULL,
   '{"name": "web", "rules": [{"protocol": "tcp", "direction": "ingress", "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0"}], "project_id": "p-alpha"}',
   NULL, NULL, NULL, NULL, NULL),
  (1, 1, '2026-03-01T06:00:00Z', 'security_group', 'aaaaaaaa-0000-4000-8000-000000000002', NULL, 'p-beta', 'created', NULL, NULL,
   '{"name": "db", "rules": [{"protocol": "tcp", "direction": "ingress", "port_range_min": 5432, "port_range_max": 5432, "remote_ip_prefix": "10.0.0.0/24"}], "project_id": "p-beta"}',
   NULL, NULL, NULL, NULL, NULL),
  (1, 1, '2026-03-01T06:00:00Z', 'volume', 'bbbbbbbb-0000-4000-8000-000000000001', NULL, 'p-beta', 'created', NULL, NULL,
   '{"name": "db-1-data", "status": "available", "size_gb": 100, "project_id": "p-beta", "volume_type": "ssd"}',
   NULL, NULL, NULL, NULL, NULL),
  -- run 2
  (1, 2, '2026-03-02T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000003', '11111111-0000-4000-8000-000000000003', 'p-beta', 'modified', 'metadata.owner', '"carol"', '"dave"',
   NULL, NULL, NULL, NULL, NULL),
  (1, 2, '2026-03-02T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000004', '11111111-0000-4000-8000-000000000004', 'p-alpha', 'modified', 'status', '"ACTIVE"', '"SHUTOFF"',
   'stop', 'req-idle-stop', 'u-bob', 'p-alpha', '2026-03-01T18:00:00Z'),
  (1, 2, '2026-03-02T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000004', '11111111-0000-4000-8000-000000000004', 'p-alpha', 'modified', 'vm_state', '"active"', '"stopped"',
   'stop', 'req-idle-stop', 'u-bob', 'p-alpha', '2026-03-01T18:00:00Z'),
  (1, 2, '2026-03-02T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000005', '11111111-0000-4000-8000-000000000005', 'p-beta', 'created', NULL, NULL,
   '{"name": "build-1", "status": "BUILD", "flavor": "m1.medium", "user_id": "u-carol", "image_id": "img-centos-9", "created_at": "2026-03-01T22:00:00+00:00", "project_id": "p-beta"}',
   'create', 'req-b1-create', 'u-carol', 'p-beta', '2026-03-01T22:00:00Z'),
  -- run 3
  (1, 3, '2026-03-04T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'status', '"ACTIVE"', '"SHUTOFF"',
   'stop', 'req-w1-stop', 'u-alice', 'p-alpha', '2026-03-03T14:00:00Z'),
  (1, 3, '2026-03-04T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'vm_state', '"active"', '"stopped"',
   'stop', 'req-w1-stop', 'u-alice', 'p-alpha', '2026-03-03T14:00:00Z'),
  (1, 3, '2026-03-04T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'power_state', '1', '4',
   'stop', 'req-w1-stop', 'u-alice', 'p-alpha', '2026-03-03T14:00:00Z'),
  (1, 3, '2026-03-04T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000003', '11111111-0000-4000-8000-000000000003', 'p-beta', 'modified', 'volumes_attached', '[]',
   '[{"id": "bbbbbbbb-0000-4000-8000-000000000001", "delete_on_termination": false}]',
   'attach_volume', 'req-db1-attach', 'u-carol', 'p-beta', '2026-03-03T16:00:00Z'),
  (1, 3, '2026-03-04T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000003', '11111111-0000-4000-8000-000000000003', 'p-beta', 'modified', 'volumes', '[]',
   '[{"device": "/dev/vdb", "volume_id": "bbbbbbbb-0000-4000-8000-000000000001", "attached_at": "2026-03-03T16:01:00+00:00"}]',
   'attach_volume', 'req-db1-attach', 'u-carol', 'p-beta', '2026-03-03T16:00:00Z'),
  (1, 3, '2026-03-04T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000006', '11111111-0000-4000-8000-000000000006', 'p-gamma', 'created', NULL, NULL,
   '{"name": "err-1", "status": "ERROR", "flavor": "m1.xlarge", "user_id": "u-bob", "image_id": "img-ubuntu-24.04", "created_at": "2026-03-03T08:00:00+00:00", "project_id": "p-gamma"}',
   'create', 'req-e1-create', 'u-bob', 'p-gamma', '2026-03-03T08:00:00Z'),
  (1, 3, '2026-03-04T06:00:00Z', 'security_group', 'aaaaaaaa-0000-4000-8000-000000000001', NULL, 'p-alpha', 'modified', 'rules', NULL,
   '{"protocol": "tcp", "direction": "ingress", "port_range_min": 443, "port_range_max": 443, "remote_ip_prefix": "0.0.0.0/0"}',
   NULL, NULL, NULL, NULL, NULL),
  (1, 3, '2026-03-04T06:00:00Z', 'security_group', 'aaaaaaaa-0000-4000-8000-000000000001', NULL, 'p-alpha', 'modified', 'revision_number', '2', '3',
   NULL, NULL, NULL, NULL, NULL),
  (1, 3, '2026-03-04T06:00:00Z', 'volume', 'bbbbbbbb-0000-4000-8000-000000000001', NULL, 'p-beta', 'modified', 'status', '"available"', '"in-use"',
   NULL, NULL, NULL, NULL, NULL),
  -- run 4
  (1, 4, '2026-03-06T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000002', '11111111-0000-4000-8000-000000000002', 'p-alpha', 'deleted', NULL,
   '{"name": "web-2", "status": "ACTIVE"}',
   '{"status": "DELETED", "evidence": "listed-deleted", "terminated_at": "2026-03-05T20:00:03+00:00"}',
   'delete', 'req-w2-delete', 'u-alice', 'p-alpha', '2026-03-05T20:00:00Z'),
  (1, 4, '2026-03-06T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000003', '11111111-0000-4000-8000-000000000003', 'p-beta', 'modified', 'launched_at',
   '"2026-02-15T12:03:00+00:00"', '"2026-03-05T11:05:00+00:00"',
   'rebuild', 'req-db1-rebuild', 'u-carol', 'p-beta', '2026-03-05T11:00:00Z'),
  (1, 4, '2026-03-06T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000003', '11111111-0000-4000-8000-000000000003', 'p-beta', 'modified', 'image_id', '"img-centos-8"', '"img-centos-9"',
   'rebuild', 'req-db1-rebuild', 'u-carol', 'p-beta', '2026-03-05T11:00:00Z'),
  (1, 4, '2026-03-06T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000007', '11111111-0000-4000-8000-000000000007', 'p-gamma', 'created', NULL, NULL,
   '{"name": "batch-1", "status": "ACTIVE", "flavor": "m1.large", "user_id": "u-bob", "image_id": "img-ubuntu-24.04", "created_at": "2026-03-05T07:00:00+00:00", "project_id": "p-gamma"}',
   NULL, NULL, NULL, NULL, NULL),
  -- run 5
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'status', '"SHUTOFF"', '"ACTIVE"',
   'start', 'req-w1-start', 'u-bob', 'p-alpha', '2026-03-07T09:00:00Z'),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'vm_state', '"stopped"', '"active"',
   'start', 'req-w1-start', 'u-bob', 'p-alpha', '2026-03-07T09:00:00Z'),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'power_state', '4', '1',
   'start', 'req-w1-start', 'u-bob', 'p-alpha', '2026-03-07T09:00:00Z'),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'flavor_name', '"m1.small"', '"m1.large"',
   'confirmResize', 'req-w1-confirm', 'u-bob', 'p-alpha', '2026-03-07T10:00:00Z'),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'flavor_vcpus', '1', '4',
   'confirmResize', 'req-w1-confirm', 'u-bob', 'p-alpha', '2026-03-07T10:00:00Z'),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'flavor_ram_mb', '2048', '8192',
   'confirmResize', 'req-w1-confirm', 'u-bob', 'p-alpha', '2026-03-07T10:00:00Z'),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'flavor_disk_gb', '20', '80',
   'confirmResize', 'req-w1-confirm', 'u-bob', 'p-alpha', '2026-03-07T10:00:00Z'),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'compute_host', '"compute-01"', '"compute-02"',
   'confirmResize', 'req-w1-confirm', 'u-bob', 'p-alpha', '2026-03-07T10:00:00Z'),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'security_group_names', '["web"]', '["db", "web"]',
   NULL, NULL, NULL, NULL, NULL),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'security_group_ids',
   '["aaaaaaaa-0000-4000-8000-000000000001"]', '["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"]',
   NULL, NULL, NULL, NULL, NULL),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000001', 'p-alpha', 'modified', 'metadata.tier', NULL, '"frontend"',
   NULL, NULL, NULL, NULL, NULL),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000007', '11111111-0000-4000-8000-000000000007', 'p-gamma', 'deleted', NULL,
   '{"name": "batch-1", "status": "ACTIVE"}', '{"evidence": "not-found"}',
   'delete', 'req-bt-delete', 'u-bob', 'p-gamma', '2026-03-07T23:00:00Z'),
  (1, 5, '2026-03-08T06:00:00Z', 'server', '11111111-0000-4000-8000-000000000008', '11111111-0000-4000-8000-000000000008', 'p-beta', 'created', NULL, NULL,
   '{"name": "app-1", "status": "ACTIVE", "flavor": "m1.small", "user_id": "u-alice", "image_id": "img-ubuntu-24.04", "created_at": "2026-03-07T15:00:00+00:00", "project_id": "p-beta"}',
   'create', 'req-a1-create', 'u-alice', 'p-beta', '2026-03-07T15:00:00Z'),
  -- run 7 (scope 2)
  (2, 7, '2026-03-05T12:00:00Z', 'server', '22222222-0000-4000-8000-000000000001', '22222222-0000-4000-8000-000000000001', 'p-delta', 'created', NULL, NULL,
   '{"name": "other-1", "status": "ACTIVE", "flavor": "m1.small", "user_id": "u-erin", "image_id": "img-debian-12", "created_at": "2026-03-05T10:00:00+00:00", "project_id": "p-delta"}',
   NULL, NULL, NULL, NULL, NULL);

-- Seal the successful runs into the hash chain, in order, as the sync does.
SELECT ledger_seal_run(1, 1);
SELECT ledger_seal_run(1, 2);
SELECT ledger_seal_run(1, 3);
SELECT ledger_seal_run(2, 7);
SELECT ledger_seal_run(1, 4);
SELECT ledger_seal_run(1, 5);

INSERT INTO baselines (scope_id, name, at, created_at, note)
VALUES (1, 'before-stop', '2026-03-03T00:00:00Z', '2026-03-03T00:05:00Z', 'agreed state after the February migration');
