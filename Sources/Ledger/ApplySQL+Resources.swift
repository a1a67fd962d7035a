extension ApplySQL {
  static let volumeFields = [
    "name", "description", "status", "size_gb", "volume_type", "bootable", "encrypted",
    "multiattach", "availability_zone", "project_id", "metadata",
  ]
  static let groupFields = [
    "name", "description", "project_id", "stateful", "tags",
  ]

  /// Volumes: created, changed field by field, and deleted when a complete Cinder listing
  /// no longer has them.
  static var volumes: String {
    let columns = Staging.Columns.volumes
    let list = columns.joined(separator: ", ")
    let fromStage = columns.map { "v.\($0)" }.joined(separator: ", ")
    let updates = columns.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
    let fields = volumeFields.enumerated().map { index, name in
      "(\(index), '\(name)', to_jsonb(o.\(name)), to_jsonb(v.\(name)))"
    }.joined(separator: ", ")
    return """
      CREATE TEMP TABLE vol_changed AS
      SELECT v.*, (o.volume_id IS NULL) AS is_new
        FROM (SELECT DISTINCT ON (volume_id) * FROM stage_volumes
               ORDER BY volume_id, updated_at DESC NULLS LAST) v
        CROSS JOIN run_ctx x
        LEFT JOIN volumes o ON o.scope_id = x.scope_id AND o.volume_id = v.volume_id
       WHERE x.have_volumes
         AND (o.volume_id IS NULL OR o.fingerprint <> v.fingerprint OR o.deleted_at IS NOT NULL);

      CREATE TEMP TABLE vol_gone AS
      SELECT o.volume_id, o.project_id, o.name, o.status
        FROM volumes o CROSS JOIN run_ctx x
       WHERE x.have_volumes AND o.scope_id = x.scope_id AND o.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM stage_volumes v WHERE v.volume_id = o.volume_id);

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'volume', v.volume_id::text, NULL,
             v.project_id, 'created', NULL, NULL,
             jsonb_build_object('name', v.name, 'size_gb', v.size_gb, 'status', v.status,
                                'volume_type', v.volume_type, 'project_id', v.project_id),
             NULL, NULL, NULL, NULL, NULL
        FROM vol_changed v CROSS JOIN run_ctx x
       WHERE v.is_new
       ORDER BY v.volume_id;

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'volume', v.volume_id::text, NULL,
             v.project_id, 'modified', f.field, f.old_value, f.new_value,
             NULL, NULL, NULL, NULL, NULL
        FROM vol_changed v
        CROSS JOIN run_ctx x
        JOIN volumes o ON o.scope_id = x.scope_id AND o.volume_id = v.volume_id
        CROSS JOIN LATERAL (VALUES \(fields)) AS f(ord, field, old_value, new_value)
       WHERE NOT v.is_new AND f.old_value IS DISTINCT FROM f.new_value
       ORDER BY v.volume_id, f.ord;

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'volume', g.volume_id::text, NULL,
             g.project_id, 'deleted', NULL,
             jsonb_build_object('name', g.name, 'status', g.status), NULL,
             NULL, NULL, NULL, NULL, NULL
        FROM vol_gone g CROSS JOIN run_ctx x
       ORDER BY g.volume_id;

      INSERT INTO volumes (scope_id, \(list), first_seen_run)
      SELECT x.scope_id, \(fromStage), x.run_id
        FROM vol_changed v CROSS JOIN run_ctx x
      ON CONFLICT (scope_id, volume_id) DO UPDATE SET \(updates),
             deleted_at = NULL, deleted_run = NULL;

      UPDATE volumes o SET deleted_at = x.observed_at, deleted_run = x.run_id
        FROM vol_gone g, run_ctx x
       WHERE o.scope_id = x.scope_id AND o.volume_id = g.volume_id;
      """
  }

  /// Security groups and their rules: created, changed, rules added or removed one by one,
  /// deleted when a complete Neutron listing no longer has them.
  static var securityGroups: String {
    let columns = Staging.Columns.securityGroups
    let list = columns.joined(separator: ", ")
    let fromStage = columns.map { "g.\($0)" }.joined(separator: ", ")
    let updates = columns.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
    let fields = groupFields.enumerated().map { index, name in
      "(\(index), '\(name)', to_jsonb(o.\(name)), to_jsonb(g.\(name)))"
    }.joined(separator: ", ")
    let ruleColumns = Staging.Columns.rules
    let ruleJSON = { (alias: String) in
      "jsonb_build_object("
        + ruleColumns.map { "'\($0)', \(alias).\($0)" }.joined(separator: ", ") + ")"
    }
    return """
      CREATE TEMP TABLE sg_changed AS
      SELECT g.*, (o.security_group_id IS NULL) AS is_new
        FROM (SELECT DISTINCT ON (security_group_id) * FROM stage_sgs
               ORDER BY security_group_id, updated_at DESC NULLS LAST) g
        CROSS JOIN run_ctx x
        LEFT JOIN security_groups o
          ON o.scope_id = x.scope_id AND o.security_group_id = g.security_group_id
       WHERE x.have_sgs
         AND (o.security_group_id IS NULL OR o.fingerprint <> g.fingerprint
              OR o.deleted_at IS NOT NULL);

      CREATE TEMP TABLE sg_gone AS
      SELECT o.security_group_id, o.project_id, o.name
        FROM security_groups o CROSS JOIN run_ctx x
       WHERE x.have_sgs AND o.scope_id = x.scope_id AND o.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM stage_sgs g
                          WHERE g.security_group_id = o.security_group_id);

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'security_group', g.security_group_id::text,
             NULL, g.project_id, 'created', NULL, NULL,
             jsonb_build_object('name', g.name, 'project_id', g.project_id,
               'rules', (SELECT coalesce(jsonb_agg(\(ruleJSON("r")) ORDER BY r.rule_id), '[]')
                           FROM stage_sg_rules r
                          WHERE r.security_group_id = g.security_group_id)),
             NULL, NULL, NULL, NULL, NULL
        FROM sg_changed g CROSS JOIN run_ctx x
       WHERE g.is_new
       ORDER BY g.security_group_id;

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'security_group', g.security_group_id::text,
             NULL, g.project_id, 'modified', f.field, f.old_value, f.new_value,
             NULL, NULL, NULL, NULL, NULL
        FROM sg_changed g
        CROSS JOIN run_ctx x
        JOIN security_groups o
          ON o.scope_id = x.scope_id AND o.security_group_id = g.security_group_id
        CROSS JOIN LATERAL (VALUES \(fields)) AS f(ord, field, old_value, new_value)
       WHERE NOT g.is_new AND f.old_value IS DISTINCT FROM f.new_value
       ORDER BY g.security_group_id, f.ord;

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'security_group', g.security_group_id::text,
             NULL, g.project_id, 'modified', 'rules', d.old_rule, d.new_rule,
             NULL, NULL, NULL, NULL, NULL
        FROM sg_changed g
        CROSS JOIN run_ctx x
        CROSS JOIN LATERAL (
          SELECT coalesce(o.rule_id, n.rule_id) AS rule_id, o.rule AS old_rule,
                 n.rule AS new_rule
            FROM (SELECT r.rule_id, \(ruleJSON("r")) AS rule FROM security_group_rules r
                   WHERE r.scope_id = x.scope_id
                     AND r.security_group_id = g.security_group_id) o
            FULL JOIN (SELECT r.rule_id, \(ruleJSON("r")) AS rule FROM stage_sg_rules r
                        WHERE r.security_group_id = g.security_group_id) n
              ON n.rule_id = o.rule_id) d
       WHERE NOT g.is_new AND d.old_rule IS DISTINCT FROM d.new_rule
       ORDER BY g.security_group_id, d.rule_id;

      INSERT INTO changes (\(changeColumns))
      SELECT x.scope_id, x.run_id, x.observed_at, 'security_group', g.security_group_id::text,
             NULL, g.project_id, 'deleted', NULL, jsonb_build_object('name', g.name), NULL,
             NULL, NULL, NULL, NULL, NULL
        FROM sg_gone g CROSS JOIN run_ctx x
       ORDER BY g.security_group_id;

      INSERT INTO security_groups (scope_id, \(list), first_seen_run)
      SELECT x.scope_id, \(fromStage), x.run_id
        FROM sg_changed g CROSS JOIN run_ctx x
      ON CONFLICT (scope_id, security_group_id) DO UPDATE SET \(updates),
             deleted_at = NULL, deleted_run = NULL;

      UPDATE security_groups o SET deleted_at = x.observed_at, deleted_run = x.run_id
        FROM sg_gone g, run_ctx x
       WHERE o.scope_id = x.scope_id AND o.security_group_id = g.security_group_id;

      DELETE FROM security_group_rules r USING run_ctx x
       WHERE r.scope_id = x.scope_id
         AND r.security_group_id IN (SELECT security_group_id FROM sg_changed
                                     UNION SELECT security_group_id FROM sg_gone);

      INSERT INTO security_group_rules (scope_id, \(ruleColumns.joined(separator: ", ")))
      SELECT DISTINCT ON (r.rule_id) x.scope_id, \(ruleColumns.map { "r.\($0)" }.joined(separator: ", "))
        FROM stage_sg_rules r CROSS JOIN run_ctx x
       WHERE r.security_group_id IN (SELECT security_group_id FROM sg_changed)
       ORDER BY r.rule_id;
      """
  }

  /// Flavors and images as seen on the servers that changed.
  static let flavorsAndImages = """
    INSERT INTO flavors (scope_id, flavor_key, flavor_id, name, vcpus, ram_mb, disk_gb,
                         ephemeral_gb, swap_mb, extra_specs, first_seen_run, last_seen_run)
    SELECT DISTINCT ON (key) x.scope_id, key, c.flavor_id, c.flavor_name, c.flavor_vcpus,
           c.flavor_ram_mb, c.flavor_disk_gb, c.flavor_ephemeral_gb, c.flavor_swap_mb,
           c.flavor_extra_specs, x.run_id, x.run_id
      FROM cand c
      CROSS JOIN run_ctx x
      CROSS JOIN LATERAL (SELECT coalesce(c.flavor_id, 'name:' || c.flavor_name) AS key) k
     WHERE key IS NOT NULL
     ORDER BY key, c.server_id
    ON CONFLICT (scope_id, flavor_key) DO UPDATE SET
       last_seen_run = EXCLUDED.last_seen_run,
       name = coalesce(EXCLUDED.name, flavors.name),
       vcpus = coalesce(EXCLUDED.vcpus, flavors.vcpus),
       ram_mb = coalesce(EXCLUDED.ram_mb, flavors.ram_mb),
       disk_gb = coalesce(EXCLUDED.disk_gb, flavors.disk_gb),
       ephemeral_gb = coalesce(EXCLUDED.ephemeral_gb, flavors.ephemeral_gb),
       swap_mb = coalesce(EXCLUDED.swap_mb, flavors.swap_mb),
       extra_specs = coalesce(EXCLUDED.extra_specs, flavors.extra_specs);

    INSERT INTO images (scope_id, image_id, properties, first_seen_run, last_seen_run)
    SELECT DISTINCT ON (c.image_id) x.scope_id, c.image_id, c.image_properties, x.run_id, x.run_id
      FROM cand c CROSS JOIN run_ctx x
     WHERE c.image_id IS NOT NULL
     ORDER BY c.image_id, c.server_id
    ON CONFLICT (scope_id, image_id) DO UPDATE SET
       last_seen_run = EXCLUDED.last_seen_run,
       properties = coalesce(EXCLUDED.properties, images.properties);
    """

  /// Staged records that differ from the stored ones only in their fingerprint (a key order
  /// change, a field this run cannot see) get the new fingerprint, so the next run does not
  /// stage them again. Not a change of state: no version, no change row.
  static let refreshFingerprints = """
    UPDATE servers s SET fingerprint = st.fingerprint
      FROM staged st, run_ctx x
     WHERE s.scope_id = x.scope_id AND s.server_id = st.server_id
       AND s.fingerprint <> st.fingerprint
       AND NOT EXISTS (SELECT 1 FROM changed d WHERE d.server_id = st.server_id)
    """

  /// Cleans the per-apply temp tables (staging stays until the connection closes).
  static let dropWorkTables = """
    DROP VIEW IF EXISTS staged;
    DROP TABLE IF EXISTS port_state, port_changed, port_gone, related_ids, new_related, cand,
      changed, gone, touched, vol_changed, vol_gone, sg_changed, sg_gone, run_ctx;
    """
}
