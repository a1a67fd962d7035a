-- Auditor queries over the stackledger schema. Each works as written (Tests/ReportsTests runs
-- them, as the read-only role stackledger_auditor, against a fixed history); change the names,
-- ids and dates to yours. Times are timestamptz: write them in UTC with a Z.

-- name: server-as-of
-- What did server web-1 look like on 2026-03-05? servers_as_of(T) returns the version of every
-- server that was valid at T (valid_from <= T < valid_to); deleted servers are not in it.
SELECT server_id, name, status, flavor_name, image_id, valid_from, valid_to
  FROM servers_as_of('2026-03-05T00:00:00Z')
 WHERE name = 'web-1';

-- name: security-group-changes
-- Who changed the security group named web, and how? Changes of the group itself and of its
-- rules (Neutron says nothing about who made those: look at the run and the time), and
-- servers joining or leaving the group, with the Nova instance action when one explains it.
WITH g AS (
  SELECT scope_id, security_group_id::text AS id FROM security_groups WHERE name = 'web'
)
SELECT c.observed_at, c.run_id, c.entity_type, coalesce(s.name, c.entity_id) AS entity,
       c.change_kind, c.field, c.old_value, c.new_value, c.action, c.action_user_id,
       c.request_id
  FROM changes c
  JOIN g ON g.scope_id = c.scope_id
  LEFT JOIN servers s ON s.scope_id = c.scope_id AND s.server_id = c.server_id
 WHERE (c.entity_type = 'security_group' AND c.entity_id = g.id)
    OR (c.field = 'security_group_ids'
        AND (coalesce(c.old_value, '[]') ? g.id) <> (coalesce(c.new_value, '[]') ? g.id))
 ORDER BY c.change_id;

-- name: servers-ever-in-error
-- Servers that were ever in ERROR: when the ledger first saw them so, and their status now.
SELECT v.server_id, s.name, min(v.valid_from) AS first_seen_in_error, s.status AS status_now
  FROM server_versions v
  JOIN servers s ON s.scope_id = v.scope_id AND s.server_id = v.server_id
 WHERE v.status = 'ERROR'
 GROUP BY v.server_id, s.name, s.status
 ORDER BY first_seen_in_error;

-- name: volumes-attached-last-week
-- Volumes attached in the week before 2026-03-10 (for "the last week" write now() instead of
-- the date). From the change log, so attachments that were removed again are listed too;
-- who asked for it comes from the attach_volume instance action.
SELECT c.observed_at, s.name AS server, vol ->> 'volume_id' AS volume_id,
       vol ->> 'device' AS device, (vol ->> 'attached_at')::timestamptz AS attached_at,
       c.action_user_id, c.request_id
  FROM changes c
  JOIN servers s ON s.scope_id = c.scope_id AND s.server_id = c.server_id
 CROSS JOIN LATERAL jsonb_array_elements(c.new_value) AS vol
 WHERE c.field = 'volumes'
   AND NOT coalesce(c.old_value, '[]')
           @> jsonb_build_array(jsonb_build_object('volume_id', vol ->> 'volume_id'))
   AND c.observed_at >= timestamptz '2026-03-10T00:00:00Z' - interval '7 days'
 ORDER BY c.observed_at, server;

-- name: deleted-servers-with-evidence
-- Deleted servers with the evidence of their deletion (listed-deleted: Nova listed them as
-- DELETED; not-found: Nova answered 404) and who deleted them when an instance action says.
SELECT d.name, d.server_id, d.project_id, d.deleted_at, d.deletion_evidence, d.terminated_at,
       c.action, c.action_user_id, c.request_id
  FROM deleted_servers d
  LEFT JOIN changes c
    ON c.scope_id = d.scope_id AND c.server_id = d.server_id AND c.change_kind = 'deleted'
 ORDER BY d.deleted_at, d.name;

-- name: changes-by-user
-- Every change attributed to user u-bob through Nova's instance actions, in the order recorded.
SELECT observed_at, server_name, change_kind, field, old_value, new_value, action, request_id
  FROM state_changes
 WHERE action_user_id = 'u-bob'
 ORDER BY change_id;
