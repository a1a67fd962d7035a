/// The set-based SQL that turns a run's staging tables into history and current state.
///
/// Every statement runs inside the one apply transaction, in order. They read the run's
/// parameters from the temp table `run_ctx` (scope, run, observation time, rights, which
/// listings are complete), so no statement interpolates a value.
enum ApplySQL {
  static let nova = ServerColumns.nova
  static let related = ServerColumns.related

  /// Parameters of the run: $1 scope, $2 run, $3 observed_at, $4 all_projects, $5 full,
  /// $6 have_ports, $7 have_volumes, $8 have_security_groups.
  static let createContext = """
    CREATE TEMP TABLE run_ctx (
      scope_id integer NOT NULL, run_id bigint NOT NULL, observed_at timestamptz NOT NULL,
      all_projects boolean NOT NULL, full_run boolean NOT NULL, have_ports boolean NOT NULL,
      have_volumes boolean NOT NULL, have_sgs boolean NOT NULL)
    """
  static let context = """
    INSERT INTO run_ctx
    SELECT $1::integer AS scope_id, $2::bigint AS run_id, $3::timestamptz AS observed_at,
           $4::boolean AS all_projects, $5::boolean AS full_run, $6::boolean AS have_ports,
           $7::boolean AS have_volumes, $8::boolean AS have_sgs
    """

  /// De-duplicates staging in place (a server can appear twice when the listing moves under
  /// us: the newest record wins) and indexes it. `staged` names the result.
  static let dedupe = """
    DELETE FROM stage_servers a USING stage_servers b
     WHERE a.server_id = b.server_id
       AND (coalesce(a.updated_at, '-infinity'), a.ctid)
         < (coalesce(b.updated_at, '-infinity'), b.ctid);
    CREATE UNIQUE INDEX IF NOT EXISTS stage_servers_id ON stage_servers (server_id);
    CREATE OR REPLACE TEMP VIEW staged AS SELECT * FROM stage_servers;
    """

  /// Which servers' related state must be recomputed: those whose ports (with their floating
  /// IPs) differ from `server_ports`, whose volume attachments differ from `server_volumes`,
  /// and every staged server. Everyone else keeps their addresses, groups and volumes.
  static let relatedInputs = """
    CREATE TEMP TABLE port_state AS
    SELECT p.port_id, p.server_id,
           CASE WHEN f.fips IS NULL THEN p.fingerprint
                ELSE sha256(p.fingerprint || convert_to(f.fips, 'UTF8')) END AS fingerprint
      FROM (SELECT DISTINCT ON (port_id) port_id, server_id, fingerprint FROM stage_ports
             ORDER BY port_id) p
      LEFT JOIN (SELECT port_id,
                        string_agg(ROW(floating_ip_id, floating_ip, fixed_ip)::text, ';'
                                   ORDER BY floating_ip_id, floating_ip) AS fips
                   FROM stage_fips WHERE port_id IS NOT NULL GROUP BY port_id) f USING (port_id);

    CREATE TEMP TABLE port_changed AS
    SELECT n.port_id, n.server_id, n.fingerprint, o.server_id AS old_server_id
      FROM port_state n
      CROSS JOIN run_ctx x
      LEFT JOIN server_ports o ON o.scope_id = x.scope_id AND o.port_id = n.port_id
     WHERE x.have_ports
       AND (o.port_id IS NULL OR o.fingerprint <> n.fingerprint OR o.server_id <> n.server_id);

    CREATE TEMP TABLE port_gone AS
    SELECT o.port_id, o.server_id
      FROM server_ports o CROSS JOIN run_ctx x
     WHERE x.have_ports AND o.scope_id = x.scope_id
       AND NOT EXISTS (SELECT 1 FROM port_state n WHERE n.port_id = o.port_id);

    CREATE TEMP TABLE related_ids AS
    SELECT server_id FROM stage_servers
    UNION SELECT server_id FROM port_changed
    UNION SELECT old_server_id FROM port_changed WHERE old_server_id IS NOT NULL
    UNION SELECT server_id FROM port_gone
    UNION SELECT a.server_id
      FROM ((SELECT DISTINCT ON (server_id, volume_id) server_id, volume_id, device,
                    attachment_id, attached_at
               FROM stage_attachments
              ORDER BY server_id, volume_id, attached_at DESC NULLS LAST)
            EXCEPT
            (SELECT server_id, volume_id, device, attachment_id, attached_at
               FROM server_volumes WHERE scope_id = (SELECT scope_id FROM run_ctx))) a
     WHERE (SELECT have_volumes FROM run_ctx)
    UNION SELECT b.server_id
      FROM ((SELECT server_id, volume_id, device, attachment_id, attached_at
               FROM server_volumes WHERE scope_id = (SELECT scope_id FROM run_ctx))
            EXCEPT
            (SELECT server_id, volume_id, device, attachment_id, attached_at
               FROM stage_attachments)) b
     WHERE (SELECT have_volumes FROM run_ctx);
    CREATE UNIQUE INDEX ON related_ids (server_id);
    ANALYZE related_ids;
    """

  /// Related state of the servers in `related_ids` from Neutron ports, floating IPs and
  /// Cinder attachments (a server with none gets empty values).
  static let relatedState = """
    CREATE TEMP TABLE new_related AS
    WITH ports AS (
      SELECT p.* FROM stage_ports p JOIN related_ids i USING (server_id)
    ), fixed AS (
      SELECT p.server_id, host((f->>'ip_address')::inet) AS ip, 'fixed' AS kind,
             jsonb_build_object(
               'ip', host((f->>'ip_address')::inet),
               'version', family((f->>'ip_address')::inet),
               'kind', 'fixed', 'mac', p.mac_address, 'network_id', p.network_id,
               'network', p.network_name, 'port_id', p.port_id,
               'subnet_id', f->>'subnet_id') AS address
        FROM ports p CROSS JOIN LATERAL jsonb_array_elements(p.fixed_ips) f
       WHERE f->>'ip_address' IS NOT NULL
    ), floating AS (
      SELECT p.server_id, host(fi.floating_ip) AS ip, 'floating' AS kind,
             jsonb_build_object(
               'ip', host(fi.floating_ip), 'version', family(fi.floating_ip),
               'kind', 'floating', 'mac', p.mac_address, 'network_id', p.network_id,
               'network', p.network_name, 'port_id', p.port_id,
               'fixed_ip', host(fi.fixed_ip), 'floating_ip_id', fi.floating_ip_id) AS address
        FROM stage_fips fi JOIN ports p ON p.port_id = fi.port_id
    ), addresses AS (
      SELECT server_id, jsonb_agg(address ORDER BY kind, ip) AS addresses
        FROM (SELECT * FROM fixed UNION ALL SELECT * FROM floating) a
       GROUP BY server_id
    ), groups AS (
      SELECT p.server_id, array_agg(DISTINCT g ORDER BY g) AS security_group_ids
        FROM ports p CROSS JOIN LATERAL unnest(p.security_group_ids) g
       GROUP BY p.server_id
    ), vols AS (
      SELECT server_id,
             jsonb_agg(jsonb_build_object(
               'volume_id', volume_id, 'device', device, 'attachment_id', attachment_id,
               'attached_at', attached_at) ORDER BY volume_id) AS volumes
        FROM (SELECT DISTINCT ON (server_id, volume_id) a.* FROM stage_attachments a
                JOIN related_ids i USING (server_id)
               ORDER BY server_id, volume_id, attached_at DESC NULLS LAST) d
       GROUP BY server_id
    )
    SELECT ids.server_id,
           coalesce(g.security_group_ids, '{}'::uuid[]) AS security_group_ids,
           coalesce(a.addresses, '[]'::jsonb) AS addresses,
           coalesce(v.volumes, '[]'::jsonb) AS volumes
      FROM related_ids ids
      LEFT JOIN groups g USING (server_id)
      LEFT JOIN addresses a USING (server_id)
      LEFT JOIN vols v USING (server_id);
    CREATE UNIQUE INDEX ON new_related (server_id);
    ANALYZE new_related;
    """

  /// The expression for a related column's new value, given aliases for the current row (s),
  /// the related state (r) and the context (x): a listing that did not run keeps the old value.
  static func relatedValue(_ column: ServerColumn) -> String {
    let (flag, empty): (String, String) =
      switch column.name {
      case "security_group_ids": ("have_ports", "'{}'::uuid[]")
      case "addresses": ("have_ports", "'[]'::jsonb")
      default: ("have_volumes", "'[]'::jsonb")
      }
    return
      "CASE WHEN x.\(flag) THEN coalesce(r.\(column.name), \(empty)) ELSE s.\(column.name) END"
  }

  /// Candidates: the new state of every server that may have changed, from Nova's records
  /// (staged) or from its related state alone (a live server whose ports, groups or volumes
  /// moved while Nova's record stayed the same). The raw record is not copied here: the
  /// statements that write it read it from staging (or keep the stored one).
  static var candidates: String {
    let novaFromStage = nova.map { column -> String in
      column.adminOnly
        ? "CASE WHEN x.all_projects THEN st.\(column.name) ELSE coalesce(st.\(column.name), s.\(column.name)) END AS \(column.name)"
        : "st.\(column.name)"
    }.joined(separator: ",\n       ")
    let novaFromCurrent = nova.map { "s.\($0.name)" }.joined(separator: ",\n       ")
    let relatedNew = related.map { "\(relatedValue($0)) AS \($0.name)" }
      .joined(separator: ",\n       ")
    let relatedDiffers = related.map { "(\(relatedValue($0))) IS DISTINCT FROM s.\($0.name)" }
      .joined(separator: " OR ")
    return """
      CREATE TEMP TABLE cand AS
      SELECT st.server_id,
             \(novaFromStage),
             \(relatedNew),
             st.fingerprint, true AS staged,
             (s.server_id IS NULL) AS is_new,
             (st.status IN ('DELETED', 'SOFT_DELETED')) AS is_deleted
        FROM staged st
        CROSS JOIN run_ctx x
        LEFT JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = st.server_id
        LEFT JOIN new_related r ON r.server_id = st.server_id
      UNION ALL
      SELECT s.server_id,
             \(novaFromCurrent),
             \(relatedNew),
             s.fingerprint, false, false, false
        FROM new_related r
        CROSS JOIN run_ctx x
        JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = r.server_id
       WHERE s.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM staged st WHERE st.server_id = s.server_id)
         AND NOT EXISTS (SELECT 1 FROM stage_not_found n WHERE n.server_id = s.server_id)
         AND (\(relatedDiffers));
      CREATE UNIQUE INDEX ON cand (server_id);
      ANALYZE cand;
      """
  }

  /// Keeps only candidates whose state really differs from the stored one, and records what
  /// kind of version each gets.
  static var changed: String {
    let stateColumns = (nova + related).map(\.name)
    let newRow = stateColumns.map { "c.\($0)" }.joined(separator: ", ")
    let oldRow = stateColumns.map { "s.\($0)" }.joined(separator: ", ")
    return """
      CREATE TEMP TABLE changed AS
      SELECT c.server_id, c.is_new,
             (c.is_deleted AND (c.is_new OR s.deleted_at IS NULL)) AS becomes_deleted,
             (NOT c.is_deleted AND s.deleted_at IS NOT NULL) AS revived,
             coalesce(s.version_no, 0) AS old_version_no,
             coalesce(s.updated_at, '-infinity') AS since
        FROM cand c
        CROSS JOIN run_ctx x
        LEFT JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = c.server_id
        LEFT JOIN stage_servers st ON c.staged AND st.server_id = c.server_id
       WHERE c.is_new OR ROW(\(newRow)) IS DISTINCT FROM ROW(\(oldRow))
          OR (c.staged AND st.raw IS DISTINCT FROM s.raw);
      CREATE UNIQUE INDEX ON changed (server_id);
      ANALYZE changed;
      """
  }

  /// Instance actions fetched this run join the stored ones (attribution reads both).
  static let actions = """
    INSERT INTO instance_actions (scope_id, server_id, request_id, action, user_id, project_id,
                                  start_time, updated_at, message, events, first_seen_run)
    SELECT x.scope_id, a.server_id, a.request_id, a.action, a.user_id, a.project_id,
           a.start_time, a.updated_at, a.message, a.events, x.run_id
      FROM (SELECT DISTINCT ON (server_id, request_id) * FROM stage_actions
             ORDER BY server_id, request_id, updated_at DESC NULLS LAST) a
      CROSS JOIN run_ctx x
    ON CONFLICT (scope_id, server_id, request_id) DO UPDATE
       SET updated_at = EXCLUDED.updated_at, message = EXCLUDED.message,
           events = coalesce(EXCLUDED.events, instance_actions.events)
    """

  /// The newest action of `server` among `names` since `since`, as a LATERAL subquery.
  static func attribution(names: String, since: String) -> String {
    """
    LEFT JOIN LATERAL (
      SELECT ia.action, ia.request_id, ia.user_id, ia.project_id, ia.start_time
        FROM instance_actions ia
       WHERE ia.scope_id = x.scope_id AND ia.server_id = c.server_id
         AND ia.action = ANY(\(names)) AND ia.start_time >= \(since)
       ORDER BY ia.start_time DESC LIMIT 1) a ON true
    """
  }

  static let changeColumns = """
    scope_id, run_id, observed_at, entity_type, entity_id, server_id, project_id, change_kind,
    field, old_value, new_value, action, request_id, action_user_id, action_project_id,
    action_start_time
    """

  /// Change rows for servers: created, field by field, metadata key by key, deleted.
  static var serverChanges: String {
    let tracked = (nova + related).filter(\.tracked)
    let fieldValues = tracked.enumerated().map { index, column in
      let actions = column.actions.map { "'\($0)'" }.joined(separator: ",")
      return
        "(\(index), '\(column.name)', to_jsonb(s.\(column.name)), to_jsonb(c.\(column.name)), ARRAY[\(actions)]::text[])"
    }.joined(separator: ",\n        ")
    return """
      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'server', c.server_id::text, c.server_id,
             c.project_id, 'created', NULL, NULL,
             jsonb_build_object('name', c.name, 'status', c.status, 'project_id', c.project_id,
                                'user_id', c.user_id, 'flavor', c.flavor_name,
                                'image_id', c.image_id, 'created_at', c.created_at),
             a.action, a.request_id, a.user_id, a.project_id, a.start_time
        FROM changed d
        JOIN cand c USING (server_id)
        CROSS JOIN run_ctx x
        \(attribution(names: "ARRAY['create']", since: "'-infinity'"))
       WHERE d.is_new
       ORDER BY c.server_id;

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'server', c.server_id::text, c.server_id,
             c.project_id, 'modified', f.field, f.old_value, f.new_value,
             a.action, a.request_id, a.user_id, a.project_id, a.start_time
        FROM changed d
        JOIN cand c USING (server_id)
        CROSS JOIN run_ctx x
        JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = c.server_id
        CROSS JOIN LATERAL (VALUES
          \(fieldValues)
        ) AS f(ord, field, old_value, new_value, actions)
        LEFT JOIN LATERAL (
          SELECT ia.action, ia.request_id, ia.user_id, ia.project_id, ia.start_time
            FROM instance_actions ia
           WHERE ia.scope_id = x.scope_id AND ia.server_id = c.server_id
             AND ia.action = ANY(f.actions) AND ia.start_time >= d.since
           ORDER BY ia.start_time DESC LIMIT 1) a ON true
       WHERE NOT d.is_new AND NOT d.becomes_deleted AND f.old_value IS DISTINCT FROM f.new_value
       ORDER BY c.server_id, f.ord;

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'server', c.server_id::text, c.server_id,
             c.project_id, 'modified', 'metadata.' || k.key,
             s.metadata -> k.key, c.metadata -> k.key, NULL, NULL, NULL, NULL, NULL
        FROM changed d
        JOIN cand c USING (server_id)
        CROSS JOIN run_ctx x
        JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = c.server_id
        CROSS JOIN LATERAL (
          SELECT jsonb_object_keys(coalesce(s.metadata, '{}'::jsonb)) AS key
          UNION SELECT jsonb_object_keys(coalesce(c.metadata, '{}'::jsonb))) k
       WHERE NOT d.is_new AND NOT d.becomes_deleted
         AND (s.metadata -> k.key) IS DISTINCT FROM (c.metadata -> k.key)
       ORDER BY c.server_id, k.key;

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'server', c.server_id::text, c.server_id,
             c.project_id, 'deleted', NULL,
             jsonb_build_object('status', s.status, 'name', s.name),
             jsonb_build_object('status', c.status, 'evidence', 'listed-deleted',
                                'terminated_at', c.terminated_at),
             a.action, a.request_id, a.user_id, a.project_id, a.start_time
        FROM changed d
        JOIN cand c USING (server_id)
        CROSS JOIN run_ctx x
        LEFT JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = c.server_id
        \(attribution(names: "ARRAY['delete','forceDelete']", since: "d.since"))
       WHERE d.becomes_deleted
       ORDER BY c.server_id;
      """
  }

  /// A state column's new value in the statements that write versions and current rows: the
  /// candidate's, except the raw record, which comes from staging for a staged server and is
  /// the stored one for a server whose related state alone changed.
  static func newValue(_ column: String) -> String {
    column == "raw" ? "coalesce(st.raw, cur.raw)" : "c.\(column)"
  }

  /// Joins that make `st` (staging) and `cur` (the stored row) available to ``newValue(_:)``.
  static let rawSources = """
    LEFT JOIN stage_servers st ON c.staged AND st.server_id = c.server_id
    LEFT JOIN servers cur
      ON NOT c.staged AND cur.scope_id = x.scope_id AND cur.server_id = c.server_id
    """

  /// Closes the open versions of changed servers and appends their new versions.
  static var versions: String {
    let columns = ServerColumns.all
    let list = columns.joined(separator: ", ")
    let fromCand = columns.map(newValue).joined(separator: ", ")
    return """
      UPDATE server_versions v SET valid_to = x.observed_at
        FROM changed d, run_ctx x
       WHERE v.scope_id = x.scope_id AND v.server_id = d.server_id AND v.valid_to IS NULL
         AND NOT d.is_new;

      INSERT INTO server_versions (scope_id, server_id, version_no, run_id, valid_from,
                                   version_kind, \(list))
      SELECT x.scope_id, c.server_id, d.old_version_no + 1, x.run_id, x.observed_at,
             CASE WHEN c.is_deleted THEN 'deleted' WHEN d.is_new THEN 'created'
                  ELSE 'modified' END,
             \(fromCand)
        FROM changed d
        JOIN cand c USING (server_id)
        CROSS JOIN run_ctx x
        \(rawSources)
       ORDER BY c.server_id;
      """
  }

  /// Writes the new current rows of changed servers (tombstones included).
  static var currentServers: String {
    let columns = ServerColumns.all
    let list = columns.joined(separator: ", ")
    let fromCand = columns.map(newValue).joined(separator: ", ")
    let updates = columns.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ",\n         ")
    return """
      INSERT INTO servers (scope_id, server_id, \(list), version_no, first_seen_run,
                           last_changed_run, deleted_at, deleted_run, deletion_evidence)
      SELECT x.scope_id, c.server_id, \(fromCand), d.old_version_no + 1, x.run_id, x.run_id,
             CASE WHEN c.is_deleted THEN x.observed_at END,
             CASE WHEN c.is_deleted THEN x.run_id END,
             CASE WHEN c.is_deleted THEN 'listed-deleted' END
        FROM changed d
        JOIN cand c USING (server_id)
        CROSS JOIN run_ctx x
        \(rawSources)
      ON CONFLICT (scope_id, server_id) DO UPDATE SET
             \(updates),
             version_no = EXCLUDED.version_no,
             last_changed_run = EXCLUDED.last_changed_run,
             deleted_at = CASE WHEN EXCLUDED.deleted_at IS NULL THEN NULL
                               ELSE coalesce(servers.deleted_at, EXCLUDED.deleted_at) END,
             deleted_run = CASE WHEN EXCLUDED.deleted_at IS NULL THEN NULL
                                ELSE coalesce(servers.deleted_run, EXCLUDED.deleted_run) END,
             deletion_evidence = CASE WHEN EXCLUDED.deleted_at IS NULL THEN NULL
                                      ELSE coalesce(servers.deletion_evidence,
                                                    EXCLUDED.deletion_evidence) END
      """
  }

  /// Servers Nova answered 404 for: a tombstone version copying the last state.
  static var notFound: String {
    let columns = ServerColumns.all
    let list = columns.joined(separator: ", ")
    let fromCurrent = columns.map { "s.\($0)" }.joined(separator: ", ")
    return """
      CREATE TEMP TABLE gone AS
      SELECT DISTINCT s.server_id, s.version_no AS old_version_no, s.project_id, s.status,
             s.name, s.updated_at AS since
        FROM stage_not_found n
        CROSS JOIN run_ctx x
        JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = n.server_id
       WHERE s.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM changed d WHERE d.server_id = s.server_id);

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'server', c.server_id::text, c.server_id,
             c.project_id, 'deleted', NULL,
             jsonb_build_object('status', c.status, 'name', c.name),
             jsonb_build_object('evidence', 'not-found'),
             a.action, a.request_id, a.user_id, a.project_id, a.start_time
        FROM gone c
        CROSS JOIN run_ctx x
        LEFT JOIN LATERAL (
          SELECT ia.action, ia.request_id, ia.user_id, ia.project_id, ia.start_time
            FROM instance_actions ia
           WHERE ia.scope_id = x.scope_id AND ia.server_id = c.server_id
             AND ia.action = ANY(ARRAY['delete','forceDelete']) AND ia.start_time >= c.since
           ORDER BY ia.start_time DESC LIMIT 1) a ON true
       ORDER BY c.server_id;

      UPDATE server_versions v SET valid_to = x.observed_at
        FROM gone g, run_ctx x
       WHERE v.scope_id = x.scope_id AND v.server_id = g.server_id AND v.valid_to IS NULL;

      INSERT INTO server_versions (scope_id, server_id, version_no, run_id, valid_from,
                                   version_kind, \(list))
      SELECT x.scope_id, s.server_id, g.old_version_no + 1, x.run_id, x.observed_at, 'deleted',
             \(fromCurrent)
        FROM gone g
        CROSS JOIN run_ctx x
        JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = g.server_id
       ORDER BY s.server_id;

      UPDATE servers s
         SET deleted_at = x.observed_at, deleted_run = x.run_id,
             deletion_evidence = 'not-found', version_no = g.old_version_no + 1,
             last_changed_run = x.run_id
        FROM gone g, run_ctx x
       WHERE s.scope_id = x.scope_id AND s.server_id = g.server_id;
      """
  }

  /// Rebuilds the current addresses, attachments and group membership of servers that
  /// changed or were deleted.
  static let currentRelated = """
    CREATE TEMP TABLE touched AS
    SELECT server_id FROM changed UNION SELECT server_id FROM gone;

    DELETE FROM server_addresses t USING touched u, run_ctx x
     WHERE t.scope_id = x.scope_id AND t.server_id = u.server_id;
    DELETE FROM server_volumes t USING touched u, run_ctx x
     WHERE t.scope_id = x.scope_id AND t.server_id = u.server_id;
    DELETE FROM server_security_groups t USING touched u, run_ctx x
     WHERE t.scope_id = x.scope_id AND t.server_id = u.server_id;

    INSERT INTO server_addresses (scope_id, server_id, ip_address, kind, ip_version, mac_address,
                                  network_id, network_name, port_id, subnet_id, floating_ip_id)
    SELECT DISTINCT ON (s.server_id, a->>'kind', (a->>'ip')::inet)
           x.scope_id, s.server_id, (a->>'ip')::inet, a->>'kind', (a->>'version')::smallint,
           (a->>'mac')::macaddr, (a->>'network_id')::uuid, a->>'network', (a->>'port_id')::uuid,
           (a->>'subnet_id')::uuid, (a->>'floating_ip_id')::uuid
      FROM touched u
      CROSS JOIN run_ctx x
      JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = u.server_id
      CROSS JOIN LATERAL jsonb_array_elements(coalesce(s.addresses, '[]'::jsonb)) a
     WHERE s.deleted_at IS NULL
     ORDER BY s.server_id, a->>'kind', (a->>'ip')::inet;

    INSERT INTO server_volumes (scope_id, server_id, volume_id, device, attachment_id,
                                attached_at, delete_on_termination, host_name)
    SELECT x.scope_id, s.server_id, (v->>'volume_id')::uuid, v->>'device',
           (v->>'attachment_id')::uuid, (v->>'attached_at')::timestamptz,
           n.delete_on_termination, sa.host_name
      FROM touched u
      CROSS JOIN run_ctx x
      JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = u.server_id
      CROSS JOIN LATERAL jsonb_array_elements(coalesce(s.volumes, '[]'::jsonb)) v
      LEFT JOIN LATERAL (
        SELECT (e->>'delete_on_termination')::boolean AS delete_on_termination
          FROM jsonb_array_elements(coalesce(s.volumes_attached, '[]'::jsonb)) e
         WHERE e->>'id' = v->>'volume_id' LIMIT 1) n ON true
      LEFT JOIN (SELECT DISTINCT ON (server_id, volume_id) server_id, volume_id, host_name
                   FROM stage_attachments ORDER BY server_id, volume_id) sa
        ON sa.server_id = s.server_id AND sa.volume_id = (v->>'volume_id')::uuid
     WHERE s.deleted_at IS NULL;

    DELETE FROM server_ports o USING port_gone g, run_ctx x
     WHERE o.scope_id = x.scope_id AND o.port_id = g.port_id;
    INSERT INTO server_ports (scope_id, port_id, server_id, fingerprint, first_seen_run,
                              last_changed_run)
    SELECT x.scope_id, c.port_id, c.server_id, c.fingerprint, x.run_id, x.run_id
      FROM port_changed c CROSS JOIN run_ctx x
    ON CONFLICT (scope_id, port_id) DO UPDATE
       SET server_id = EXCLUDED.server_id, fingerprint = EXCLUDED.fingerprint,
           last_changed_run = EXCLUDED.last_changed_run;

    INSERT INTO server_security_groups (scope_id, server_id, security_group_id)
    SELECT DISTINCT x.scope_id, s.server_id, g
      FROM touched u
      CROSS JOIN run_ctx x
      JOIN servers s ON s.scope_id = x.scope_id AND s.server_id = u.server_id
      CROSS JOIN LATERAL unnest(coalesce(s.security_group_ids, '{}'::uuid[])) g
     WHERE s.deleted_at IS NULL;
    """
}
