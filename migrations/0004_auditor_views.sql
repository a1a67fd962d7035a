-- stackledger schema, part 4: the documented interface for auditors (views and a function)
-- and a read-only role.

CREATE VIEW current_servers AS
SELECT s.scope_id,
       sc.name AS scope_name,
       s.server_id,
       s.name,
       s.status,
       s.vm_state,
       s.task_state,
       s.power_state,
       s.project_id,
       s.user_id,
       s.flavor_name,
       s.flavor_vcpus,
       s.flavor_ram_mb,
       s.flavor_disk_gb,
       s.image_id,
       s.boot_from_volume,
       s.availability_zone,
       s.compute_host,
       s.locked,
       s.metadata,
       s.tags,
       s.created_at,
       s.launched_at,
       s.updated_at,
       (SELECT array_agg(a.ip_address ORDER BY a.kind, a.ip_address)
          FROM server_addresses a
         WHERE a.scope_id = s.scope_id AND a.server_id = s.server_id) AS ip_addresses,
       (SELECT array_agg(v.volume_id ORDER BY v.volume_id)
          FROM server_volumes v
         WHERE v.scope_id = s.scope_id AND v.server_id = s.server_id) AS volume_ids,
       (SELECT array_agg(coalesce(g.name, m.security_group_id::text) ORDER BY g.name)
          FROM server_security_groups m
          LEFT JOIN security_groups g
            ON g.scope_id = m.scope_id AND g.security_group_id = m.security_group_id
         WHERE m.scope_id = s.scope_id AND m.server_id = s.server_id) AS security_groups,
       s.first_seen_run,
       s.last_changed_run
  FROM servers s
  JOIN scopes sc ON sc.scope_id = s.scope_id
 WHERE s.deleted_at IS NULL;
COMMENT ON VIEW current_servers IS
  'Live servers (not deleted) with their flavor, IP addresses, volumes and security group names.';

CREATE VIEW state_changes AS
SELECT c.scope_id,
       c.change_id,
       c.run_id,
       c.observed_at,
       c.entity_type,
       c.entity_id,
       c.server_id,
       s.name AS server_name,
       c.project_id,
       c.change_kind,
       c.field,
       c.old_value,
       c.new_value,
       c.action,
       c.request_id,
       c.action_user_id,
       c.action_start_time
  FROM changes c
  LEFT JOIN servers s ON s.scope_id = c.scope_id AND s.server_id = c.server_id;
COMMENT ON VIEW state_changes IS
  'The change log with the server''s current name: what changed, when it was observed, and who did it when a Nova instance action explains it.';

CREATE VIEW deleted_servers AS
SELECT s.scope_id, s.server_id, s.name, s.project_id, s.user_id, s.flavor_name,
       s.created_at, s.terminated_at, s.deleted_at, s.deleted_run, s.deletion_evidence
  FROM servers s
 WHERE s.deleted_at IS NOT NULL;
COMMENT ON VIEW deleted_servers IS 'Tombstones: servers stackledger recorded as deleted, with the evidence.';

CREATE FUNCTION servers_as_of(p_at timestamptz, p_scope integer DEFAULT NULL)
RETURNS SETOF server_versions
LANGUAGE sql STABLE AS $$
  SELECT v.*
    FROM server_versions v
   WHERE (p_scope IS NULL OR v.scope_id = p_scope)
     AND v.valid_from <= p_at
     AND (v.valid_to IS NULL OR v.valid_to > p_at)
     AND v.version_kind <> 'deleted'
$$;
COMMENT ON FUNCTION servers_as_of(timestamptz, integer) IS
  'Servers as stackledger knew them at a point in time (every scope, or one): SELECT * FROM servers_as_of(''2026-06-01'').';

-- A read-only role for auditors. Roles are cluster-wide: create it once, grant per database.
-- Two databases migrating at the same moment may both try to create it (advisory locks are
-- per database): the loser finds it made and goes on.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'stackledger_auditor') THEN
    CREATE ROLE stackledger_auditor NOLOGIN;
    COMMENT ON ROLE stackledger_auditor IS
      'Read-only access to the stackledger tables and views. Grant it to auditors'' login roles.';
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO stackledger_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO stackledger_auditor;
GRANT EXECUTE ON FUNCTION servers_as_of(timestamptz, integer) TO stackledger_auditor;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO stackledger_auditor;

COMMENT ON COLUMN current_servers.scope_name IS 'scopes.name of the server''s scope.';
COMMENT ON COLUMN current_servers.ip_addresses IS 'Fixed and floating IPs (server_addresses), fixed first.';
COMMENT ON COLUMN current_servers.volume_ids IS 'Attached volumes (server_volumes).';
COMMENT ON COLUMN current_servers.security_groups IS 'Security group names (or ids of unnamed groups) on the server''s ports.';
COMMENT ON COLUMN state_changes.server_name IS 'The server''s current (or last) name.';

-- Every other view column means what the same-named column of its source table means:
-- copy those comments so \d+ and the catalog document the views completely.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT v.relname AS view_name, a.attname AS column_name, src.source_table
      FROM pg_class v
      JOIN pg_namespace n ON n.oid = v.relnamespace AND n.nspname = 'public'
      JOIN pg_attribute a ON a.attrelid = v.oid AND a.attnum > 0 AND NOT a.attisdropped
      JOIN (VALUES ('current_servers', 'servers'), ('state_changes', 'changes'),
                   ('deleted_servers', 'servers')) AS src(view_name, source_table)
        ON src.view_name = v.relname
     WHERE v.relkind = 'v' AND col_description(v.oid, a.attnum) IS NULL
  LOOP
    EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', r.view_name, r.column_name,
      (SELECT col_description(t.oid, ta.attnum)
         FROM pg_class t
         JOIN pg_attribute ta ON ta.attrelid = t.oid AND ta.attname = r.column_name
        WHERE t.relname = r.source_table AND t.relnamespace = 'public'::regnamespace));
  END LOOP;
END
$$;
