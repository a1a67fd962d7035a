-- stackledger schema, part 5: named baselines, the reference points of `report drift`.

CREATE TABLE baselines (
  scope_id    integer     NOT NULL REFERENCES scopes,
  name        text        NOT NULL CHECK (name <> ''),
  at          timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  note        text,
  PRIMARY KEY (scope_id, name)
);
COMMENT ON TABLE baselines IS
  'Named points in time of a scope (`stackledger baseline set NAME [--at T]`), so drift can be asked against an agreed state: `stackledger report drift --since NAME`. Setting a name again moves it.';
COMMENT ON COLUMN baselines.scope_id IS 'Scope the baseline belongs to.';
COMMENT ON COLUMN baselines.name IS 'Baseline name, unique per scope (e.g. release-2026-03).';
COMMENT ON COLUMN baselines.at IS 'The point in time the baseline stands for: the state of the servers as of this time (servers_as_of).';
COMMENT ON COLUMN baselines.created_at IS 'When the baseline was set (or last moved).';
COMMENT ON COLUMN baselines.note IS 'Free text saying why the baseline exists.';

GRANT SELECT ON baselines TO stackledger_auditor;
