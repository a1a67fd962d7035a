-- stackledger schema, part 7: the ports of each server as last seen (so a run recomputes the
-- addresses and security groups of only the servers whose ports moved), and lz4 compression
-- for the raw Nova records.

CREATE TABLE server_ports (
  scope_id          integer NOT NULL REFERENCES scopes,
  port_id           uuid    NOT NULL,
  server_id         uuid    NOT NULL,
  fingerprint       bytea   NOT NULL,
  first_seen_run    bigint  NOT NULL,
  last_changed_run  bigint  NOT NULL,
  PRIMARY KEY (scope_id, port_id)
);
CREATE INDEX server_ports_server ON server_ports (scope_id, server_id);
COMMENT ON TABLE server_ports IS
  'Neutron ports of servers (device_owner compute:*) as the latest complete Neutron listing showed them, one row per port. The sync compares each listed port with its row here and recomputes addresses and security groups only for servers whose ports were added, removed, moved or changed. The addresses and groups themselves are in server_addresses, server_security_groups and the servers columns.';
COMMENT ON COLUMN server_ports.scope_id IS 'Scope.';
COMMENT ON COLUMN server_ports.port_id IS 'Neutron port id.';
COMMENT ON COLUMN server_ports.server_id IS 'The port''s device_id: the server it is attached to.';
COMMENT ON COLUMN server_ports.fingerprint IS 'SHA-256 of what the ledger uses from the port: server, network id and name, MAC, fixed IPs, security groups, project, and the floating IPs bound to it.';
COMMENT ON COLUMN server_ports.first_seen_run IS 'Run that first recorded the port.';
COMMENT ON COLUMN server_ports.last_changed_run IS 'Latest run that recorded a change of the port.';

-- Raw records are a few kB each and written with every version: lz4 compresses them several
-- times faster than the default pglz. Existing rows keep their compression until rewritten. A
-- server built without lz4 keeps pglz.
DO $$
BEGIN
  ALTER TABLE servers ALTER COLUMN raw SET COMPRESSION lz4;
  ALTER TABLE server_versions ALTER COLUMN raw SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this PostgreSQL has no lz4: raw records stay compressed with pglz';
END $$;
