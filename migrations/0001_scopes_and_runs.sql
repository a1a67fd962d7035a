-- stackledger schema, part 1: scopes and sync runs.
-- Every table is keyed by scope_id first: one scope is one cloud endpoint + region (+ project
-- when the credentials cannot see all projects), so several clouds share one database and the
-- tables can later be distributed by scope_id.

CREATE TABLE scopes (
  scope_id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text        NOT NULL,
  auth_url     text        NOT NULL,
  region       text        NOT NULL DEFAULT '',
  project_id   text        NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (auth_url, region, project_id)
);
COMMENT ON TABLE scopes IS
  'One synchronised view of a cloud: a Keystone endpoint and region, and the project when the credentials see only one project. Every other table is keyed by scope_id first.';
COMMENT ON COLUMN scopes.scope_id IS 'Surrogate key used by every other table.';
COMMENT ON COLUMN scopes.name IS 'Cloud name from clouds.yaml (or "envvars") when the scope was first synced; a label only.';
COMMENT ON COLUMN scopes.auth_url IS 'Keystone v3 auth URL, as configured.';
COMMENT ON COLUMN scopes.region IS 'Region name ('''' when the catalog had none).';
COMMENT ON COLUMN scopes.project_id IS '''''  when the credentials list all projects (admin, all_tenants); otherwise the one project id they can see.';
COMMENT ON COLUMN scopes.created_at IS 'When this scope was first synced.';

CREATE TABLE sync_runs (
  scope_id              integer     NOT NULL REFERENCES scopes,
  run_id                bigint      GENERATED ALWAYS AS IDENTITY,
  mode                  text        NOT NULL CHECK (mode IN ('full', 'incremental')),
  status                text        NOT NULL DEFAULT 'running'
                                    CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned')),
  dry_run               boolean     NOT NULL DEFAULT false,
  started_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at           timestamptz,
  hostname              text,
  pid                   integer,
  stackledger_version   text,
  compute_microversion  text,
  all_projects          boolean,
  changes_since         timestamptz,
  watermark             timestamptz,
  servers_seen          integer     NOT NULL DEFAULT 0,
  servers_created       integer     NOT NULL DEFAULT 0,
  servers_changed       integer     NOT NULL DEFAULT 0,
  servers_deleted       integer     NOT NULL DEFAULT 0,
  servers_partial       integer     NOT NULL DEFAULT 0,
  servers_unconfirmed   integer     NOT NULL DEFAULT 0,
  ports_seen            integer     NOT NULL DEFAULT 0,
  volumes_seen          integer     NOT NULL DEFAULT 0,
  security_groups_seen  integer     NOT NULL DEFAULT 0,
  changes_written       integer     NOT NULL DEFAULT 0,
  listing_suspect       boolean     NOT NULL DEFAULT false,
  error                 text,
  notes                 text,
  PRIMARY KEY (scope_id, run_id),
  CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX sync_runs_run_id ON sync_runs (run_id);
CREATE INDEX sync_runs_scope_started ON sync_runs (scope_id, started_at DESC);
COMMENT ON TABLE sync_runs IS
  'One row per `stackledger sync` run: mode, outcome, counts and the reason of a failure. A run that failed changed nothing else in the database.';
COMMENT ON COLUMN sync_runs.scope_id IS 'The scope synced.';
COMMENT ON COLUMN sync_runs.run_id IS 'Run number, unique across scopes and increasing with time.';
COMMENT ON COLUMN sync_runs.mode IS 'full: every server listed; incremental: only servers Nova reports changed since the watermark (changes-since).';
COMMENT ON COLUMN sync_runs.status IS 'running; succeeded; failed (nothing applied, see error); abandoned (the process died; found by a later run).';
COMMENT ON COLUMN sync_runs.dry_run IS 'True for `sync --dry-run`: everything was fetched and compared, nothing was applied.';
COMMENT ON COLUMN sync_runs.started_at IS 'When the run began (database clock).';
COMMENT ON COLUMN sync_runs.finished_at IS 'When the run ended, NULL while running.';
COMMENT ON COLUMN sync_runs.hostname IS 'Host the run executed on.';
COMMENT ON COLUMN sync_runs.pid IS 'Process id of the run on that host.';
COMMENT ON COLUMN sync_runs.stackledger_version IS 'Version of stackledger that ran.';
COMMENT ON COLUMN sync_runs.compute_microversion IS 'Nova API microversion negotiated for the run, e.g. 2.100.';
COMMENT ON COLUMN sync_runs.all_projects IS 'True when servers of all projects were listed (all_tenants); false when the credentials only saw their own project, in which case admin-only columns are left as they were.';
COMMENT ON COLUMN sync_runs.changes_since IS 'For incremental runs, the changes-since value sent to Nova.';
COMMENT ON COLUMN sync_runs.watermark IS 'Largest server `updated` value seen; the next incremental run starts from it minus a safety margin.';
COMMENT ON COLUMN sync_runs.servers_seen IS 'Server records received from Nova.';
COMMENT ON COLUMN sync_runs.servers_created IS 'Servers recorded for the first time.';
COMMENT ON COLUMN sync_runs.servers_changed IS 'Servers that got a new version.';
COMMENT ON COLUMN sync_runs.servers_deleted IS 'Servers recorded as deleted (on Nova''s word only: DELETED/SOFT_DELETED or a 404).';
COMMENT ON COLUMN sync_runs.servers_partial IS 'Partial records from unreachable cells (status UNKNOWN): counted, never applied.';
COMMENT ON COLUMN sync_runs.servers_unconfirmed IS 'Servers missing from a full listing whose deletion Nova did not confirm; left unchanged.';
COMMENT ON COLUMN sync_runs.ports_seen IS 'Neutron ports listed.';
COMMENT ON COLUMN sync_runs.volumes_seen IS 'Cinder volumes listed.';
COMMENT ON COLUMN sync_runs.security_groups_seen IS 'Neutron security groups listed.';
COMMENT ON COLUMN sync_runs.changes_written IS 'Rows appended to `changes` by this run.';
COMMENT ON COLUMN sync_runs.listing_suspect IS 'True when an implausible share of servers vanished at once; nothing was deleted.';
COMMENT ON COLUMN sync_runs.error IS 'Why the run failed or was abandoned (never contains a secret).';
COMMENT ON COLUMN sync_runs.notes IS 'Warnings worth keeping, e.g. that the credentials had no admin rights.';

CREATE TABLE flavors (
  scope_id       integer NOT NULL REFERENCES scopes,
  flavor_key     text    NOT NULL,
  flavor_id      text,
  name           text,
  vcpus          integer,
  ram_mb         integer,
  disk_gb        integer,
  ephemeral_gb   integer,
  swap_mb        integer,
  is_public      boolean,
  extra_specs    jsonb,
  first_seen_run bigint  NOT NULL,
  last_seen_run  bigint  NOT NULL,
  PRIMARY KEY (scope_id, flavor_key)
);
COMMENT ON TABLE flavors IS
  'Flavors as seen on servers and in /flavors/detail. From compute API 2.47 servers carry the flavor''s name and sizes but no id, so a flavor is keyed by flavor_key.';
COMMENT ON COLUMN flavors.scope_id IS 'Scope.';
COMMENT ON COLUMN flavors.flavor_key IS 'The flavor id when known, otherwise "name:<original_name>".';
COMMENT ON COLUMN flavors.flavor_id IS 'Nova flavor id, NULL when only the embedded (2.47+) shape was seen.';
COMMENT ON COLUMN flavors.name IS 'Flavor name (original_name in the embedded shape).';
COMMENT ON COLUMN flavors.vcpus IS 'Virtual CPUs.';
COMMENT ON COLUMN flavors.ram_mb IS 'Memory in MiB.';
COMMENT ON COLUMN flavors.disk_gb IS 'Root disk in GiB.';
COMMENT ON COLUMN flavors.ephemeral_gb IS 'Ephemeral disk in GiB.';
COMMENT ON COLUMN flavors.swap_mb IS 'Swap in MiB.';
COMMENT ON COLUMN flavors.is_public IS 'os-flavor-access:is_public, when listed.';
COMMENT ON COLUMN flavors.extra_specs IS 'Extra specs, when policy showed them.';
COMMENT ON COLUMN flavors.first_seen_run IS 'Run that first saw this flavor.';
COMMENT ON COLUMN flavors.last_seen_run IS 'Latest run that saw this flavor.';

CREATE TABLE images (
  scope_id       integer NOT NULL REFERENCES scopes,
  image_id       text    NOT NULL,
  properties     jsonb,
  first_seen_run bigint  NOT NULL,
  last_seen_run  bigint  NOT NULL,
  PRIMARY KEY (scope_id, image_id)
);
COMMENT ON TABLE images IS 'Glance images referenced by servers, as seen in server records (stackledger does not list Glance).';
COMMENT ON COLUMN images.scope_id IS 'Scope.';
COMMENT ON COLUMN images.image_id IS 'Glance image id.';
COMMENT ON COLUMN images.properties IS 'image.properties from compute API 2.98+, when seen.';
COMMENT ON COLUMN images.first_seen_run IS 'Run that first saw a server using this image.';
COMMENT ON COLUMN images.last_seen_run IS 'Latest run that saw a server using this image.';
