#!/usr/bin/env python3
"""The reliability and security matrix of stackledger (issue #8), driven by scripts/chaos.

Randomized trials with a printed seed against the real `stackledger` binary, a throwaway
PostgreSQL cluster (started by scripts/chaos: PG_BASE, PG_PORT in the environment) and fake
clouds on loopback. Categories:

  kill9       kill -9 of `sync` at random moments (fetching, staging, applying, committing):
              the database equals the state before or after that run, verify passes, the next
              run succeeds and marks the killed run abandoned
  pg          PostgreSQL restarted mid-run, or the connection terminated: exit 1, nothing
              partial, the next run is fine
  faults      API faults (5xx, 429, delays, truncate, malformed, wrongtype, reset, token
              expiry) at several rates, cell-down and partial listings: correct data or a clean
              failure; no false deletions
  concurrency 20 concurrent syncs of one scope (with and without --wait), scopes in parallel
  hostile     hostile names/metadata from the API (through Tests/Chaos/stub.py): stored
              verbatim or rejected with a clear error; never executed, never a crash
  fuzz        seeded mutation of real servers/ports/volumes pages: exit 0 or 1, never a signal
  secrets     no password, secret or token in logs, stdout/stderr or a pg_dump; the auditor role
              cannot write; tampered history is reported by `verify`

Python 3 standard library only, plus psql / pg_dump. Prints a summary table; exits 1 when any
trial failed.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import hostile  # noqa: E402

CATEGORIES = ["kill9", "pg", "faults", "concurrency", "hostile", "fuzz", "secrets"]
# Share of the budget each category may use (the rest is setup and slack).
SHARES = {"kill9": 0.45, "pg": 0.07, "faults": 0.18, "concurrency": 0.07, "hostile": 0.09,
          "fuzz": 0.08, "secrets": 0.06}
SECRETS = ["fake-admin-password", "fake-alice-password", "fake-appcred-secret"]


def log(msg):
    sys.stderr.write("chaos: %s\n" % msg)
    sys.stderr.flush()


class Failure(Exception):
    pass


# --------------------------------------------------------------------------- processes

CHILDREN = []


def spawn(args, **kw):
    p = subprocess.Popen(args, **kw)
    CHILDREN.append(p)
    return p


def stop_children():
    for p in CHILDREN:
        if p.poll() is None:
            try:
                p.terminate()
            except OSError:
                pass
    deadline = time.time() + 5
    for p in CHILDREN:
        try:
            p.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()


class Result:
    def __init__(self, tag, rc, out, err, duration, pid):
        self.tag, self.rc, self.out, self.err, self.duration, self.pid = tag, rc, out, err, duration, pid

    @property
    def signaled(self):
        return self.rc is not None and self.rc < 0

    def describe(self):
        if self.rc is None:
            return "hung (killed after timeout)"
        if self.rc < 0:
            return "killed by signal %d" % -self.rc
        return "exit %d" % self.rc

    def last_error(self):
        lines = [l for l in self.err.splitlines() if l.startswith("Error:")]
        return lines[-1] if lines else ""


class Env:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.bin = args.bin
        self.pg_port = os.environ["PG_PORT"]
        self.pguser = os.environ.get("PGUSER") or "postgres"
        self.seq = 0
        self.lock = threading.Lock()

    # ---------------------------------------------------------------- database
    def psql_env(self):
        env = dict(os.environ)
        env.update(PGHOST="127.0.0.1", PGPORT=self.pg_port, PGUSER=self.pguser)
        return env

    def psql(self, db, sql, check=True, timeout=120):
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                           env=self.psql_env(), capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise Failure("psql failed on %s: %s (%s)" % (db, p.stderr.strip()[:500], sql[:200]))
        return p.stdout.strip() if check else (p.returncode, p.stdout.strip(), p.stderr.strip())

    def url(self, db):
        return "postgresql://%s@127.0.0.1:%s/%s" % (self.pguser, self.pg_port, db)

    def createdb(self, db, template=None):
        self.psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
        self.psql("postgres", "CREATE DATABASE %s%s" % (db, " TEMPLATE " + template if template else ""))
        if template is None:
            r = self.stackledger(["migrate"], db=db, tag="migrate-" + db)
            if r.rc != 0:
                raise Failure("migrate of %s failed: %s %s" % (db, r.describe(), r.err[-500:]))

    def pg_wait(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rc = subprocess.run(["psql", "-X", "-d", "postgres", "-c", "SELECT 1"], env=self.psql_env(),
                                capture_output=True).returncode
            if rc == 0:
                return True
            time.sleep(0.2)
        return False

    # ---------------------------------------------------------------- the binary
    def next_tag(self, tag):
        with self.lock:
            self.seq += 1
            return "%04d-%s" % (self.seq, tag)

    def start(self, args, db, clouds=None, cloud="fake-admin", tag="run"):
        tag = self.next_tag(tag)
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("OS_"):
                del env[k]
        env["DATABASE_URL"] = self.url(db)
        if clouds:
            env["OS_CLIENT_CONFIG_FILE"] = clouds
            env["OS_CLOUD"] = cloud
        out = open(os.path.join(self.logs, tag + ".out"), "wb")
        err = open(os.path.join(self.logs, tag + ".err"), "wb")
        p = spawn([self.bin] + args, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=self.work)
        p._chaos = (tag, out, err, time.time())
        return p

    def finish(self, p, timeout=180):
        tag, out, err, t0 = p._chaos
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = None
        out.close()
        err.close()
        with open(out.name, "rb") as f:
            o = f.read().decode("utf-8", "replace")
        with open(err.name, "rb") as f:
            e = f.read().decode("utf-8", "replace")
        return Result(tag, rc, o, e, time.time() - t0, p.pid)

    def stackledger(self, args, db, clouds=None, cloud="fake-admin", tag="run", timeout=180):
        return self.finish(self.start(args, db, clouds, cloud, tag), timeout)

    def verify(self, db):
        r = self.stackledger(["verify"], db=db, tag="verify-" + db)
        return r

    # ---------------------------------------------------------------- state
    STATE_SQL = """
      SELECT concat_ws('|',
        (SELECT md5(coalesce(string_agg(scope_id || ':' || server_id || ':'
                || encode(coalesce(fingerprint, ''::bytea), 'hex') || ':' || version_no || ':'
                || coalesce(deleted_at::text, '') || ':' || coalesce(addresses::text, '') || ':'
                || coalesce(volumes::text, '') || ':' || coalesce(security_group_ids::text, ''),
                ',' ORDER BY scope_id, server_id), '')) FROM servers),
        (SELECT count(*) FROM servers),
        (SELECT count(*) FROM servers WHERE deleted_at IS NULL),
        (SELECT count(*) FROM changes),
        (SELECT count(*) FROM server_versions),
        (SELECT count(*) FROM server_addresses),
        (SELECT count(*) FROM server_volumes),
        (SELECT count(*) FROM server_security_groups),
        (SELECT count(*) FROM volumes),
        (SELECT count(*) FROM security_groups),
        (SELECT count(*) FROM instance_actions))
    """

    def state(self, db):
        return self.psql(db, self.STATE_SQL)

    def content(self, db):
        """server_id -> (fingerprint, related digest, deleted) for comparing two databases."""
        rows = self.psql(db, """
          SELECT server_id || ' ' || encode(coalesce(fingerprint, ''::bytea), 'hex') || ' '
                 || md5(coalesce(addresses::text, '') || coalesce(volumes::text, '')
                        || coalesce(security_group_ids::text, ''))
                 || ' ' || (deleted_at IS NOT NULL)
            FROM servers""")
        out = {}
        for line in rows.splitlines():
            sid, fp, rel, deleted = line.split(" ")
            out[sid] = (fp, rel, deleted == "true")
        return out

    def wait_backends(self, db, timeout=180):
        """Waits until no `stackledger` session is left on db (a killed client's backend runs on
        until its statement ends, holding the scope's lock); returns the seconds waited."""
        t0 = time.time()
        while time.time() - t0 < timeout:
            n = self.psql(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'stackledger' "
                              "AND datname = current_database()")
            if n == "0":
                break
            time.sleep(0.05)
        return time.time() - t0

    def max_run(self, db):
        return int(self.psql(db, "SELECT coalesce(max(run_id), 0) FROM sync_runs"))

    def runs_after(self, db, run_id):
        rows = self.psql(db, "SELECT coalesce(json_agg(json_build_object('run_id', run_id, 'status', status, "
                             "'pid', coalesce(pid, 0), 'unconfirmed', servers_unconfirmed, 'partial', "
                             "servers_partial, 'error', error) ORDER BY run_id), '[]') "
                             "FROM sync_runs WHERE run_id > %d" % run_id)
        return json.loads(rows)


class Fake:
    """A fake cloud (Tests/FakeCloud/fakecloud.py) on a free port."""

    def __init__(self, env, name, servers, seed, extra=()):
        self.dir = os.path.join(env.work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.clouds = os.path.join(self.dir, "clouds.yaml")
        self.proc = spawn([sys.executable, os.path.join(ROOT, "Tests/FakeCloud/fakecloud.py"), "--port", "0",
                           "--servers", str(servers), "--seed", str(seed), "--write-clouds-yaml", self.clouds]
                          + list(extra), stdout=subprocess.PIPE,
                          stderr=open(os.path.join(self.dir, "fake.log"), "wb"), stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("http://"):
            raise Failure("the fake cloud %s did not start (see %s/fake.log)" % (name, self.dir))
        self.base = line[: -len("/identity/v3")]

    def control(self, path, body=None, method=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method or ("POST" if data else "GET"),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read() or b"{}")

    def churn(self, count, seed):
        return self.control("/_fake/churn", {"count": count, "seed": seed})

    def faults(self, rules, seed=1):
        if rules:
            self.control("/_fake/faults", {"seed": seed, "rules": rules})
        else:
            self.control("/_fake/faults", method="DELETE")


class Stub:
    """Tests/Chaos/stub.py in front of a fake; its own clouds.yaml points at the stub."""

    def __init__(self, env, fake, name):
        self.dir = os.path.join(env.work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.proc = spawn([sys.executable, os.path.join(HERE, "stub.py"), "--upstream", fake.base],
                          stdout=subprocess.PIPE, stderr=open(os.path.join(self.dir, "stub.log"), "wb"),
                          stdin=subprocess.DEVNULL)
        self.base = self.proc.stdout.readline().decode().strip()
        if not self.base.startswith("http://"):
            raise Failure("the stub did not start (see %s/stub.log)" % self.dir)
        self.clouds = os.path.join(self.dir, "clouds.yaml")
        with open(fake.clouds) as f:
            text = f.read()
        with open(self.clouds, "w") as f:
            f.write(text.replace(fake.base, self.base))

    def control(self, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def mode(self, **spec):
        self.control("/_stub/mode", spec)

    def state(self):
        return self.control("/_stub/state")


# --------------------------------------------------------------------------- bookkeeping

class Category:
    def __init__(self, name, seed):
        self.name, self.seed = name, seed
        self.trials = self.passed = self.failed = 0
        self.failures = []
        self.notes = []

    def record(self, ok, what):
        self.trials += 1
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(what)
            log("FAIL [%s] %s" % (self.name, what))


def check(cond, msg, problems):
    if not cond:
        problems.append(msg)


def clean_failure(r, problems, what="the run"):
    """exit 1 with a short, clear `Error:` line and no crash report."""
    check(r.rc == 1, "%s: expected exit 1, got %s" % (what, r.describe()), problems)
    check(r.last_error() != "", "%s: no 'Error:' line on stderr (%s)" % (what, r.err[-300:]), problems)
    check(len(r.err) < 200_000, "%s: stderr is %d bytes" % (what, len(r.err)), problems)
    check("Fatal error" not in r.err and "Stack dump" not in r.err, "%s: crash report on stderr" % what,
          problems)


def ok_exit(r, problems, what="the run", allowed=(0,)):
    check(r.rc in allowed, "%s: expected exit %s, got %s; stderr: %s" % (
        what, "/".join(map(str, allowed)), r.describe(), r.err[-400:]), problems)


# --------------------------------------------------------------------------- kill -9

PHASES = ["fetching", "staging", "applying", "committing"]


def phase_of(err):
    """Where a killed run was, from the log lines it had written."""
    lines = [l for l in err.splitlines() if l.startswith("sync: ")]
    last = lines[-1] if lines else ""
    if "attribution:" in last or "confirmed" in last:
        return "applying"
    if "compute:" in last:
        return "applying"  # confirming vanished servers and attribution precede the apply
    if "block-storage:" in last or "network:" in last:
        return "staging"  # Nova pages: fetched, decoded and COPYd page by page
    return "fetching"


def timed_sync(env, db, fake, args):
    """A sync that records when each log line appeared (seconds from start)."""
    p = env.start(args, db, fake.clouds, tag="calibrate")
    tag, out, err, t0 = p._chaos
    marks = {}
    path = err.name
    while p.poll() is None:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        for key in ("network:", "block-storage:", "compute:", "attribution:", "applied:"):
            if key in text and key not in marks:
                marks[key] = time.time() - t0
        time.sleep(0.01)
    r = env.finish(p)
    marks["end"] = r.duration
    if "applied:" in r.err and "applied:" not in marks:
        marks["applied:"] = r.duration - 0.01  # written just before the process exits
    return r, marks


def kill_windows(marks):
    end = marks["end"]
    staged = marks.get("block-storage:", end * 0.2)
    fetched = marks.get("compute:", end * 0.4)
    pre_apply = marks.get("attribution:", fetched)
    applied = marks.get("applied:", end * 0.95)
    return {
        "fetching": (0.0, staged),
        "staging": (staged, max(staged + 0.05, fetched)),
        "applying": (pre_apply, max(pre_apply + 0.05, applied - 0.1)),
        "committing": (max(0.0, applied - 0.15), applied + 0.02),
    }


def cat_kill9(env, cat, rng, deadline, fake, n_trials):
    db = "chaos_kill"
    env.createdb(db)
    r = env.stackledger(["sync", "--full"], db, fake.clouds, tag="kill-initial")
    if r.rc != 0:
        raise Failure("initial sync failed: %s %s" % (r.describe(), r.err[-500:]))
    fake.churn(60, rng.randrange(10 ** 9))
    r, marks = timed_sync(env, db, fake, ["sync", "--full"])
    if r.rc != 0:
        raise Failure("calibration sync failed: %s %s" % (r.describe(), r.err[-500:]))
    windows = kill_windows(marks)
    cat.notes.append("calibration: full sync of the churned fleet %.1f s (%s)" % (
        marks["end"], ", ".join("%s %.2f s" % (k.rstrip(":"), v) for k, v in marks.items() if k != "end")))
    landed = {p: 0 for p in PHASES}
    landed["completed"] = 0
    abandoned = committed = 0
    orphan_max = 0.0
    scale = 1.0  # adapts the calibrated windows to how long the trials' runs really take
    for i in range(n_trials):
        if time.time() > deadline:
            cat.notes.append("budget reached after %d of %d trials" % (i, n_trials))
            break
        fake.churn(rng.randint(15, 80), rng.randrange(10 ** 9))
        mode = "--incremental" if i % 4 == 3 else "--full"
        target = PHASES[i % 4]
        lo, hi = windows[target]
        if rng.random() < 0.15:
            lo, hi = 0.0, marks["end"]  # anywhere in the run
        delay = rng.uniform(lo, hi) * scale
        before = env.state(db)
        last_run = env.max_run(db)
        p = env.start(["sync", mode], db, fake.clouds, tag="kill-%02d" % i)
        time.sleep(delay)
        exited_first = p.poll() is not None
        if not exited_first:
            os.kill(p.pid, signal.SIGKILL)
        killed = env.finish(p)
        orphan = env.wait_backends(db)
        orphan_max = max(orphan_max, orphan)
        mid = env.state(db)
        problems = []
        if exited_first:
            ok_exit(killed, problems, "the run (it ended before the kill at %.2f s)" % delay)
        recovery = env.stackledger(["sync", mode], db, fake.clouds, tag="kill-%02d-next" % i)
        ok_exit(recovery, problems, "the next run")
        after = env.state(db)
        runs = [x for x in env.runs_after(db, last_run) if x["pid"] == killed.pid]
        status = runs[0]["status"] if runs else "none"
        if exited_first:
            phase = "completed"
        elif status == "succeeded":
            phase = "committing"  # killed after COMMIT was sent (with or without its log line)
        else:
            phase = phase_of(killed.err)
        landed[phase] += 1
        if phase == "completed":
            scale = max(0.3, scale * 0.85)
        elif PHASES.index(phase) < PHASES.index(target):
            scale = min(2.0, scale * 1.08)
        if status == "succeeded":
            committed += 1
            check(mid == after, "killed run is 'succeeded' but the state differs from the next run's "
                                "(%s vs %s)" % (mid, after), problems)
        elif status == "abandoned":
            abandoned += 1
            check(mid == before, "killed run is 'abandoned' but the state changed (before %s, now %s)" % (
                before, mid), problems)
            check("abandoned" in recovery.err, "the next run did not say it marked a run abandoned", problems)
        elif status == "none":
            check(mid == before, "no run row but the state changed", problems)
        else:
            problems.append("killed run left with status %r after the next run" % status)
        check(mid in (before, after), "state is neither before nor after the run: before %s, killed %s, "
                                      "after %s" % (before, mid, after), problems)
        v = env.verify(db)
        check(v.rc == 0, "verify: %s %s" % (v.describe(), v.out[-300:]), problems)
        cat.record(not problems, "trial %d (%s, kill at %.2f s, %s, status %s): %s" % (
            i, mode, delay, phase, status, "; ".join(problems)))
    cat.notes.append("kills landed: " + ", ".join("%s %d" % (k, v) for k, v in landed.items())
                     + "; killed runs committed %d, abandoned %d" % (committed, abandoned))
    cat.notes.append("a killed client's backend lived on (holding the scope's lock) for up to %.2f s" % orphan_max)


# --------------------------------------------------------------------------- PostgreSQL

def pg_ctl(action):
    subprocess.run([os.path.join(ROOT, "scripts/postgres"), action], check=True, capture_output=True, timeout=120)


def cat_pg(env, cat, rng, deadline, fake, duration):
    db = "chaos_pg"
    env.createdb(db)
    r = env.stackledger(["sync", "--full"], db, fake.clouds, tag="pg-initial")
    if r.rc != 0:
        raise Failure("initial sync failed: %s" % r.err[-500:])
    actions = ["restart", "terminate", "restart", "terminate", "terminate", "restart"]
    for i, action in enumerate(actions):
        if time.time() > deadline:
            cat.notes.append("budget reached after %d trials" % i)
            break
        fake.churn(rng.randint(20, 60), rng.randrange(10 ** 9))
        before = env.state(db)
        last_run = env.max_run(db)
        delay = rng.uniform(0.1, max(0.2, duration * 0.9))
        p = env.start(["sync", "--full"], db, fake.clouds, tag="pg-%s-%d" % (action, i))
        time.sleep(delay)
        terminated = "n/a"
        if action == "restart":
            pg_ctl("stop")
            time.sleep(rng.uniform(0.2, 1.5))
            pg_ctl("start")
            env.pg_wait()
        else:
            terminated = env.psql("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                              "WHERE application_name = 'stackledger'")
        r = env.finish(p)
        env.wait_backends(db)
        problems = []
        mid = env.state(db)
        if r.rc == 0:
            cat.notes.append("trial %d (%s at %.2f s): the run finished first" % (i, action, delay))
        else:
            clean_failure(r, problems)
            check(mid == before, "a failed run changed the state", problems)
        nxt = env.stackledger(["sync", "--full"], db, fake.clouds, tag="pg-%d-next" % i)
        ok_exit(nxt, problems, "the next run")
        runs = [x for x in env.runs_after(db, last_run) if x["pid"] == r.pid]
        if runs:
            check(runs[0]["status"] in ("failed", "abandoned", "succeeded"),
                  "the run row is %r after the next run" % runs[0]["status"], problems)
            if r.rc == 1:
                check(runs[0]["status"] != "succeeded", "exit 1 but the run row says succeeded", problems)
        v = env.verify(db)
        check(v.rc == 0, "verify: %s" % v.out[-300:], problems)
        cat.record(not problems, "trial %d (%s at %.2f s, %s, terminated %s): %s; stderr: %s" % (
            i, action, delay, r.describe(), terminated, "; ".join(problems), r.last_error()[:300]))


# --------------------------------------------------------------------------- API faults

FAULTS = [
    ("503 any API", {"path": "^/(compute|network|volume)/", "kind": "status", "status": 503}),
    ("500 servers list", {"path": "/servers/detail", "kind": "status", "status": 500}),
    ("502 ports", {"path": "/v2.0/ports", "kind": "status", "status": 502}),
    ("504 volumes", {"path": "/volumes/detail", "kind": "status", "status": 504}),
    ("429 Retry-After", {"path": "^/(compute|network|volume)/", "kind": "status", "status": 429,
                         "retry_after": 1}),
    ("503 keystone", {"path": "/identity/v3/auth/tokens", "kind": "status", "status": 503}),
    ("delay 2s", {"path": "^/(compute|network|volume)/", "kind": "delay", "delay": 2.0, "max": 3}),
    ("truncate", {"path": "/(servers/detail|ports|volumes/detail|security-groups)", "kind": "truncate"}),
    ("malformed", {"path": "/(servers/detail|ports|volumes/detail|floatingips)", "kind": "malformed"}),
    ("wrongtype", {"path": "/(servers/detail|ports|volumes/detail)", "kind": "wrongtype"}),
    ("reset", {"path": "^/(compute|network|volume)/", "kind": "reset"}),
    ("503 server GET", {"path": "/servers/[0-9a-f-]{36}$", "kind": "status", "status": 503}),
    ("500 instance actions", {"path": "/os-instance-actions", "kind": "status", "status": 500}),
]
RATES = [0.05, 0.3, 1.0]


def cat_faults(env, cat, rng, deadline, args):
    fake = Fake(env, "fake-faults", args.fault_servers, rng.randrange(1000))
    stub = Stub(env, fake, "stub-faults")
    # The stub is another auth URL, hence another scope: its trials run on their own database,
    # which has history (a pass-through sync before each trial), so that "missing from the
    # listing" meets servers the ledger holds as live.
    db, ref, sdb = "chaos_faults", "chaos_ref", "chaos_faults_stub"
    page = ["--page-size", "200"]
    for d in (db, ref, sdb):
        env.createdb(d)
        r = env.stackledger(["sync", "--full"] + page, d, stub.clouds if d == sdb else fake.clouds,
                            tag="faults-initial")
        if r.rc != 0:
            raise Failure("initial sync failed: %s" % r.err[-500:])
    trials = [("control (no fault)", None, 0.0)]
    for name, rule in FAULTS:
        for rate in RATES:
            if name == "delay 2s" and rate == 1.0:
                continue
            trials.append((name, rule, rate))
    trials += [("token expires after 3 calls", "tokens", 3), ("token expires after 15 calls", "tokens", 15),
               ("all tokens revoked mid-run", "revoke", 0.5),
               ("cell-down partial 10%", "cell", ("partial", 0.1)), ("cell-down skip 10%", "cell", ("skip", 0.1)),
               ("cell-down skip 40%", "cell", ("skip", 0.4)), ("cell-down error", "cell", ("error", 0.2)),
               ("listing stops early (stub)", "stub", "stop"), ("10% dropped from pages (stub)", "stub", "drop")]
    # the control first, then every kind once (a random rate), then the other rates
    rest = trials[1:]
    rng.shuffle(rest)
    seen, first, later = set(), [], []
    for t in rest:
        (later if t[0] in seen else first).append(t)
        seen.add(t[0])
    trials = trials[:1] + first + later
    for i, (name, rule, rate) in enumerate(trials):
        if time.time() > deadline:
            cat.notes.append("budget reached after %d of %d trials" % (i, len(trials)))
            break
        target, clouds = db, fake.clouds
        if rule == "stub":
            target, clouds = sdb, stub.clouds
            stub.mode(mode="pass")
            r = env.stackledger(["sync", "--full"] + page, sdb, stub.clouds, tag="faults-stub-pass")
            if r.rc != 0:
                cat.record(False, "pass-through sync before %s failed: %s" % (name, r.err[-300:]))
                continue
        fake.churn(rng.randint(5, 30), rng.randrange(10 ** 9))
        r = env.stackledger(["sync", "--full"] + page, ref, fake.clouds, tag="faults-ref")
        if r.rc != 0:
            cat.record(False, "reference sync failed: %s" % r.err[-300:])
            continue
        truth = env.content(ref)
        before = env.state(target)
        last_run = env.max_run(target)
        revoker = None
        if rule is None:
            pass
        elif rule == "tokens":
            fake.control("/_fake/tokens", {"expire_after_calls": rate})
        elif rule == "revoke":
            def revoke_later(delay=rng.uniform(0.2, 1.5)):
                time.sleep(delay)
                fake.control("/_fake/tokens", {"revoke_all": True})
            revoker = threading.Thread(target=revoke_later, daemon=True)
        elif rule == "cell":
            fake.control("/_fake/cell-down", {"mode": rate[0], "fraction": rate[1]})
        elif rule == "stub":
            stub.mode(mode="partial" if rate == "stop" else "drop", seed=rng.randrange(1000))
        else:
            fake.faults([dict(rule, probability=rate, **({} if "max" in rule else {"max": 10 ** 6}))],
                        seed=rng.randrange(10 ** 6))
        p = env.start(["sync", "--full"] + page, target, clouds, tag="faults-%02d" % i)
        if revoker:
            revoker.start()
        r = env.finish(p, timeout=300)
        if revoker:
            revoker.join()
        fired = fake.control("/_fake/faults").get("fired") if isinstance(rule, dict) else None
        fake.faults(None)
        fake.control("/_fake/tokens", {"expire_after_calls": 0})
        fake.control("/_fake/cell-down", {"mode": "off"})
        stub.mode(mode="pass")
        problems = []
        runs = [x for x in env.runs_after(target, last_run) if x["pid"] == r.pid]
        run = runs[0] if runs else None
        got = env.content(target)
        false_deletions = [s for s, v in got.items() if v[2] and s in truth and not truth[s][2]]
        check(not false_deletions, "%d false deletion(s), e.g. %s" % (len(false_deletions), false_deletions[:3]),
              problems)
        outcome = r.describe()
        if r.rc == 0:
            check(run is not None and run["status"] == "succeeded", "exit 0 but run row %r" % run, problems)
            missed_del = [s for s, v in truth.items() if v[2] and s in got and not got[s][2]]
            absent = [s for s, v in truth.items() if not v[2] and (s not in got or got[s][2])]
            wrong = [s for s, v in truth.items() if not v[2] and s in got and not got[s][2] and got[s][:2] != v[:2]]
            lenient = rule in ("cell", "stub")
            if not lenient:
                check(not absent, "%d live server(s) missing, e.g. %s" % (len(absent), absent[:3]), problems)
                if rule is not None and isinstance(rule, dict) and rule["kind"] == "wrongtype":
                    # the one mutated item may be stored as the API sent it
                    check(len(wrong) <= (fired or 0), "%d server(s) differ from the fault-free run (fired %s)" % (
                        len(wrong), fired), problems)
                else:
                    check(not wrong, "%d server(s) differ from the fault-free run, e.g. %s" % (len(wrong), wrong[:3]),
                          problems)
                unconfirmed = run["unconfirmed"] if run else 0
                check(len(missed_del) <= unconfirmed, "%d deletion(s) missed but only %d reported unconfirmed" % (
                    len(missed_del), unconfirmed), problems)
            if missed_del or wrong or absent:
                outcome += " (stale: %d missed deletions, %d differ, %d absent)" % (len(missed_del), len(wrong),
                                                                                    len(absent))
        else:
            clean_failure(r, problems)
            if run is None and "identity:" in r.last_error():
                outcome += " (before any run row: authentication failed)"
            else:
                check(run is not None and run["status"] == "failed", "run row is %r, not failed" % run, problems)
            check(env.state(target) == before, "a failed run changed the state", problems)
            outcome += ": " + r.last_error()[:160]
        cat.record(not problems, "%s @ %s: %s%s" % (name, rate, outcome, ("; " + "; ".join(problems)) if problems
                                                   else ""))
        cat.notes.append("%-32s rate %-12s -> %s" % (name, rate, outcome[:150]))
    r = env.stackledger(["sync", "--full"] + page, db, fake.clouds, tag="faults-final")
    v = env.verify(db)
    problems = []
    ok_exit(r, problems, "the fault-free run after the faults")
    check(v.rc == 0, "verify: %s" % v.out[-300:], problems)
    got, truth = env.content(db), env.content(ref)
    live = {k: v for k, v in truth.items() if not v[2]}
    check({k: v for k, v in got.items() if not v[2]} == live and all(got[k][2] for k in truth if k in got and
                                                                      truth[k][2]),
          "after a fault-free run the ledger's live servers differ from the reference", problems)
    cat.record(not problems, "final fault-free run and verify: %s" % "; ".join(problems))


# --------------------------------------------------------------------------- concurrency

def overlapping(env, db, scope=None):
    rows = env.psql(db, "SELECT extract(epoch FROM started_at) || ' ' || extract(epoch FROM finished_at) "
                        "FROM sync_runs WHERE status = 'succeeded'%s ORDER BY started_at" % (
                            " AND scope_id = %d" % scope if scope else ""))
    spans = [tuple(map(float, l.split())) for l in rows.splitlines()]
    return sum(1 for a, b in zip(spans, spans[1:]) if b[0] < a[1])


def cat_concurrency(env, cat, rng, deadline, main_fake, args):
    fake = Fake(env, "fake-conc", args.conc_servers, rng.randrange(1000))
    db = "chaos_conc"
    env.createdb(db)
    r = env.stackledger(["sync", "--full"], db, fake.clouds, tag="conc-initial")
    if r.rc != 0:
        raise Failure("initial sync failed: %s" % r.err[-500:])
    for round_ in range(3):
        if time.time() > deadline:
            break
        fake.churn(30, rng.randrange(10 ** 9))
        last = env.max_run(db)
        procs = [env.start(["sync", "--full"], db, fake.clouds, tag="conc-nowait") for _ in range(20)]
        results = [env.finish(p) for p in procs]
        codes = sorted(r.rc for r in results)
        problems = []
        check(all(c in (0, 75) for c in codes), "exit codes %s (expected only 0 and 75)" % codes, problems)
        check(codes.count(0) >= 1, "no run succeeded: %s" % codes, problems)
        check(all("holds the scope's lock" in r.err or "another sync" in r.err for r in results if r.rc == 75),
              "an exit 75 without a message about the lock", problems)
        runs = env.runs_after(db, last)
        check(len(runs) == codes.count(0) and all(x["status"] == "succeeded" for x in runs),
              "run rows %s for %d exit-0 processes" % ([x["status"] for x in runs], codes.count(0)), problems)
        check(overlapping(env, db) == 0, "two runs of one scope overlapped", problems)
        cat.record(not problems, "20 concurrent starts, no --wait (round %d): exit codes %s; %s" % (
            round_, {c: codes.count(c) for c in set(codes)}, "; ".join(problems)))
    fake.churn(30, rng.randrange(10 ** 9))
    last = env.max_run(db)
    procs = [env.start(["sync", "--wait", "--full" if k % 2 else "--incremental"], db, fake.clouds, tag="conc-wait")
             for k in range(20)]
    results = [env.finish(p, timeout=600) for p in procs]
    codes = [r.rc for r in results]
    problems = []
    check(all(c == 0 for c in codes), "with --wait, exit codes %s" % sorted(codes, key=str), problems)
    runs = env.runs_after(db, last)
    check(len(runs) == 20 and all(x["status"] == "succeeded" for x in runs),
          "%d run rows, statuses %s" % (len(runs), sorted({x["status"] for x in runs})), problems)
    check(overlapping(env, db) == 0, "two runs of one scope overlapped", problems)
    changed = env.psql(db, "SELECT count(*) FROM sync_runs WHERE run_id > %d AND changes_written > 0" % last)
    cat.record(not problems, "20 concurrent --wait: all exit 0 one after another (%s runs wrote changes); %s" % (
        changed, "; ".join(problems)))
    v = env.verify(db)
    cat.record(v.rc == 0, "verify after the concurrent runs: %s" % v.out.strip()[-200:])
    # different scopes in parallel: admin and member of one fake, admin of another
    for round_ in range(2):
        fake.churn(20, rng.randrange(10 ** 9))
        main_fake.churn(20, rng.randrange(10 ** 9))
        last = env.max_run(db)
        procs = [env.start(["sync"], db, fake.clouds, cloud="fake-admin", tag="scopes-admin"),
                 env.start(["sync"], db, fake.clouds, cloud="fake-member", tag="scopes-member"),
                 env.start(["sync"], db, main_fake.clouds, cloud="fake-admin", tag="scopes-other")]
        results = [env.finish(p) for p in procs]
        problems = []
        for name, r in zip(("fake-admin", "fake-member", "second fake"), results):
            ok_exit(r, problems, name)
        runs = env.runs_after(db, last)
        check(len(runs) == 3 and all(x["status"] == "succeeded" for x in runs), "runs %s" % runs, problems)
        scopes = env.psql(db, "SELECT count(DISTINCT scope_id) FROM sync_runs WHERE run_id > %d" % last)
        check(scopes == "3", "%s scopes instead of 3" % scopes, problems)
        par = env.psql(db, "SELECT count(*) FROM sync_runs a JOIN sync_runs b ON a.run_id < b.run_id "
                           "AND a.scope_id <> b.scope_id AND b.started_at < a.finished_at "
                           "AND a.started_at < b.finished_at WHERE a.run_id > %d AND b.run_id > %d" % (last, last))
        cat.record(not problems, "3 scopes in parallel (round %d): %s; %s overlapping pairs" % (
            round_, [r.rc for r in results], par) + ("; " + "; ".join(problems) if problems else ""))
    v = env.verify(db)
    cat.record(v.rc == 0, "verify after parallel scopes: %s" % v.out.strip()[-200:])


# --------------------------------------------------------------------------- hostile data

def cat_hostile(env, cat, rng, deadline, fake, stub):
    db = "chaos_hostile"
    env.createdb(db)
    page = ["--page-size", "20"]
    stub.mode(mode="pass")
    r = env.stackledger(["sync", "--full"] + page, db, stub.clouds, tag="hostile-initial")
    if r.rc != 0:
        raise Failure("initial sync through the stub failed: %s" % r.err[-500:])
    tables = env.psql(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    for case in hostile.CASES:
        if time.time() > deadline:
            cat.notes.append("budget reached before case %s" % case)
            break
        before = env.state(db)
        last_run = env.max_run(db)
        stub.mode(mode="hostile", case=case)
        r = env.stackledger(["sync", "--full"] + page, db, stub.clouds, tag="hostile-" + case, timeout=300)
        patched = stub.state()["patched"]
        stub.mode(mode="pass")
        problems = []
        check(r.rc in (0, 1), "exit %s" % r.describe(), problems)
        check(r.duration < 120, "the run took %.0f s" % r.duration, problems)
        outcome = r.describe()
        if r.rc == 0:
            expected = hostile.expected(case)
            lossy = hostile.lossy_variants(case)
            for sid in patched:
                row = env.psql(db, "SELECT json_build_object('name', name, 'metadata', metadata, 'tags', "
                                   "to_json(tags), 'description', description)::text FROM servers "
                                   "WHERE server_id = '%s'" % sid)
                got = json.loads(row) if row else {}
                if expected is not None:
                    for field, value in expected.items():
                        stored = got.get(field)
                        if field == "tags" and isinstance(stored, list):
                            stored, value = sorted(stored), sorted(set(value))  # a set, kept sorted
                        if stored != value:
                            problems.append("server %s: %s stored as %r, sent %r" % (
                                sid, field, str(got.get(field))[:120], str(value)[:120]))
                else:
                    # Unstorable: either a lossy variant was stored, or the record was rejected
                    # alone (the server keeps its last state; the run's notes name it).
                    changed_here = env.psql(
                        db, "SELECT count(*) FROM servers WHERE server_id = '%s' AND last_changed_run > %d"
                        % (sid, last_run))
                    notes = env.psql(
                        db, "SELECT coalesce(string_agg(notes, ' '), '') FROM sync_runs WHERE run_id > %d"
                        % last_run)
                    if changed_here == "0" and sid in notes:
                        continue
                    for field, accepted in lossy.items():
                        if got.get(field) not in accepted:
                            problems.append("server %s: unstorable %s stored as %r" % (
                                sid, field, str(got.get(field))[:120]))
                    if not lossy:
                        problems.append("server %s: an unstorable value was accepted: %r" % (sid, str(got)[:200]))
            check(bool(patched), "the stub patched no server", problems)
            outcome += " stored verbatim" if expected is not None else " rejected alone or stored lossily"
        elif r.rc == 1:
            clean_failure(r, problems)
            runs = [x for x in env.runs_after(db, last_run) if x["pid"] == r.pid]
            check(runs and runs[0]["status"] == "failed", "run row %r" % runs, problems)
            check(env.state(db) == before, "a failed run changed the state", problems)
            outcome += ": " + r.last_error()[:200]
        check(env.psql(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == tables,
              "the set of tables changed", problems)
        nxt = env.stackledger(["sync", "--full"] + page, db, stub.clouds, tag="hostile-%s-next" % case)
        ok_exit(nxt, problems, "the next (clean) run")
        v = env.verify(db)
        check(v.rc == 0, "verify: %s" % v.out[-300:], problems)
        cat.record(not problems, "%s: %s%s" % (case, outcome, ("; " + "; ".join(problems)) if problems else ""))
        cat.notes.append("%-18s -> %s" % (case, outcome[:170]))


# --------------------------------------------------------------------------- fuzz

FUZZ_TARGETS = [["servers"], ["servers"], ["ports"], ["volumes"], ["servers", "ports", "volumes"],
                ["sgs", "fips", "networks"], ["server", "actions"], ["versions"]]


def cat_fuzz(env, cat, rng, deadline, fake, stub, seed):
    db = "chaos_fuzz"
    env.createdb(db)
    stub.mode(mode="pass")
    r = env.stackledger(["sync", "--full", "--page-size", "20"], db, stub.clouds, tag="fuzz-initial")
    if r.rc != 0:
        raise Failure("initial sync through the stub failed: %s" % r.err[-500:])
    i = 0
    codes = {}
    while time.time() < deadline:
        if i % 5 == 0:
            fake.churn(rng.randint(3, 10), rng.randrange(10 ** 9))
        targets = FUZZ_TARGETS[i % len(FUZZ_TARGETS)]
        rate = rng.choice([0.3, 0.6, 1.0])
        dump = os.path.join(env.work, "fuzz-bodies", "%04d" % i)
        stub.mode(mode="fuzz", seed="%d/%d" % (seed, i), targets=targets, rate=rate, dump=dump)
        mode = rng.choice(["--full", "--full", "--incremental"])
        r = env.stackledger(["sync", mode, "--page-size", "20"], db, stub.clouds, tag="fuzz-%04d" % i, timeout=120)
        rewritten = stub.state()["rewritten"]
        codes[r.describe()] = codes.get(r.describe(), 0) + 1
        problems = []
        check(r.rc in (0, 1), "%s" % r.describe(), problems)
        if r.rc == 1:
            check(r.last_error() != "", "exit 1 without an 'Error:' line", problems)
        if r.rc is not None and r.rc not in (0, 1) or r.rc is None:
            problems.append("reproduce: scripts/chaos --only fuzz --seed %d (iteration %d, targets %s, rate %s); "
                            "log %s; mutated bodies in %s" % (seed, i, targets, rate, r.tag, dump))
        else:
            shutil.rmtree(dump, ignore_errors=True)
        cat.record(not problems, "iteration %d (targets %s, %d responses mutated): %s" % (
            i, "+".join(targets), rewritten, "; ".join(problems)))
        i += 1
    stub.mode(mode="pass")
    r = env.stackledger(["sync", "--full", "--page-size", "20"], db, stub.clouds, tag="fuzz-final")
    v = env.verify(db)
    problems = []
    ok_exit(r, problems, "the clean run after fuzzing")
    check(v.rc == 0, "verify: %s" % v.out[-300:], problems)
    cat.record(not problems, "clean run and verify after fuzzing: %s" % "; ".join(problems))
    cat.notes.append("%d fuzz iterations; outcomes: %s" % (i, ", ".join("%s x%d" % kv for kv in sorted(codes.items()))))


# --------------------------------------------------------------------------- secrets, roles, tampering

def cat_secrets(env, cat, rng, deadline, fake):
    stub = Stub(env, fake, "stub-secrets")
    db = "chaos_secrets"
    env.createdb(db)
    stub.mode(mode="pass")
    problems = []
    debug_lines = 0
    for cloud in ("fake-admin", "fake-member", "fake-appcred", "fake-admin"):
        r = env.stackledger(["sync", "--full", "--debug"], db, stub.clouds, cloud=cloud, tag="secrets-" + cloud)
        ok_exit(r, problems, "sync --debug of %s" % cloud)
        debug_lines += r.err.count("debug:")
    # re-authentication under --debug: tokens that expire after a few calls
    fake.control("/_fake/tokens", {"expire_after_calls": 4})
    r = env.stackledger(["sync", "--full", "--debug"], db, stub.clouds, tag="secrets-reauth")
    fake.control("/_fake/tokens", {"expire_after_calls": 0})
    check(r.rc in (0, 1), "sync --debug with expiring tokens: %s" % r.describe(), problems)
    # a failing run under --debug (its error lands in sync_runs.error)
    fake.faults([{"path": "/servers/detail", "kind": "status", "status": 500, "probability": 1.0}])
    r = env.stackledger(["sync", "--full", "--debug"], db, stub.clouds, tag="secrets-failing")
    fake.faults(None)
    check(r.rc == 1, "the failing run: %s" % r.describe(), problems)
    # a wrong password: the message must not echo it
    wrong = os.path.join(stub.dir, "wrong.yaml")
    with open(stub.clouds) as f:
        text = f.read()
    with open(wrong, "w") as f:
        f.write(text.replace("fake-admin-password", "wrong-secret-password-x"))
    r = env.stackledger(["sync", "--debug"], db, wrong, tag="secrets-wrongpw")
    check(r.rc == 1, "wrong password: %s" % r.describe(), problems)
    st = stub.state()
    tokens = sorted(set(st["issued"]) | set(st["sent"]))
    check(len(st["issued"]) >= 5, "only %d tokens captured" % len(st["issued"]), problems)
    check(debug_lines > 20, "--debug logged only %d lines" % debug_lines, problems)
    cat.record(not problems, "debug runs (admin, member, appcred, re-auth, failing, wrong password): %s" % (
        "; ".join(problems)))
    # everything written so far: every log of every category, and a dump of every database
    dumps = os.path.join(env.work, "dumps")
    os.makedirs(dumps, exist_ok=True)
    dbs = env.psql("postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'chaos_%'").split()
    for d in dbs:
        with open(os.path.join(dumps, d + ".sql"), "wb") as f:
            subprocess.run(["pg_dump", "-d", d], env=env.psql_env(), stdout=f, check=True)
    needles = [(s, s) for s in SECRETS + ["wrong-secret-password-x"]] + [("token " + t[:8] + "...", t)
                                                                          for t in tokens]
    hits = []
    files = 0
    for folder in (env.logs, dumps):
        for name in os.listdir(folder):
            files += 1
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()
            for label, needle in needles:
                if needle.encode() in data:
                    hits.append("%s in %s" % (label, name))
    cat.record(not hits, "grep of %d files (logs, stdout/stderr, pg_dump of %d databases) for 4 secrets and %d "
                         "tokens: %s" % (files, len(dbs), len(tokens), "; ".join(hits[:10]) or "no hits"))
    # the auditor role reads and cannot write
    for stmt in ["UPDATE servers SET name = 'x'", "DELETE FROM changes", "INSERT INTO sync_runs (scope_id, mode) "
                 "VALUES (1, 'full')", "UPDATE server_versions SET name = 'x'", "DELETE FROM ledger_blocks",
                 "TRUNCATE changes", "CREATE TABLE auditor_was_here (x int)",
                 "UPDATE sync_runs SET status = 'failed'"]:
        rc, _, err = env.psql(db, "SET ROLE stackledger_auditor; " + stmt, check=False)
        cat.record(rc != 0 and ("permission denied" in err or "must be owner" in err),
                   "auditor: %s -> %s" % (stmt, err.splitlines()[0][:120] if err else "ACCEPTED"))
    rc, out, err = env.psql(db, "SET ROLE stackledger_auditor; SELECT count(*) FROM current_servers", check=False)
    cat.record(rc == 0, "auditor can read current_servers: %s" % (out or err)[:120])
    # tampering with history is detected by verify
    base = "chaos_kill" if "chaos_kill" in dbs else db
    # Each statement reports how many rows it touched (0 would make the check vacuous).
    tamper = [
        ("changes: UPDATE new_value", "WITH t AS (UPDATE changes SET new_value = '\"forged\"' WHERE change_id = "
                                      "(SELECT max(change_id) FROM changes) RETURNING 1) SELECT count(*) FROM t", True),
        ("changes: UPDATE action_user_id", "WITH t AS (UPDATE changes SET action_user_id = 'someone-else' WHERE "
                                           "change_id = (SELECT min(change_id) FROM changes) RETURNING 1) "
                                           "SELECT count(*) FROM t", True),
        ("changes: DELETE a row", "WITH t AS (DELETE FROM changes WHERE change_id = (SELECT min(change_id) + 3 "
                                  "FROM changes) RETURNING 1) SELECT count(*) FROM t", True),
        ("changes: INSERT a forged row with a valid row_hash",
         "INSERT INTO changes (scope_id, run_id, observed_at, entity_type, entity_id, change_kind, row_hash) "
         "SELECT scope_id, run_id, observed_at, 'server', 'forged', 'created', '\\x00' FROM changes "
         "ORDER BY change_id LIMIT 1; WITH t AS (UPDATE changes SET row_hash = change_row_hash(changes) "
         "WHERE entity_id = 'forged' RETURNING 1) SELECT count(*) FROM t", True),
        ("ledger_blocks: UPDATE change_count", "WITH t AS (UPDATE ledger_blocks SET change_count = change_count + 1 "
                                               "WHERE run_id = (SELECT min(run_id) FROM ledger_blocks) RETURNING 1) "
                                               "SELECT count(*) FROM t", True),
        ("ledger_blocks: DELETE a middle block", "WITH t AS (DELETE FROM ledger_blocks WHERE run_id = (SELECT run_id "
                                                 "FROM ledger_blocks ORDER BY run_id OFFSET 1 LIMIT 1) RETURNING 1) "
                                                 "SELECT count(*) FROM t", True),
        ("ledger_blocks + changes: DELETE the last run's rows and block (tail truncation)",
         "DELETE FROM changes WHERE run_id = (SELECT max(run_id) FROM ledger_blocks WHERE change_count > 0); "
         "WITH t AS (DELETE FROM ledger_blocks WHERE run_id > (SELECT max(run_id) FROM changes) RETURNING 1) "
         "SELECT count(*) FROM t", False),
        ("server_versions: UPDATE a closed version", "WITH t AS (UPDATE server_versions SET name = 'forged' WHERE "
                                                     "ctid = (SELECT ctid FROM server_versions WHERE valid_to IS NOT "
                                                     "NULL LIMIT 1) RETURNING 1) SELECT count(*) FROM t", False),
    ]
    missed_info = []
    for i, (name, sql, required) in enumerate(tamper):
        t = "chaos_tamper"
        env.createdb(t, template=base)
        touched = env.psql(t, "SET session_replication_role = replica; " + sql)
        v = env.verify(t)
        env.psql("postgres", "DROP DATABASE %s WITH (FORCE)" % t)
        detected = v.rc == 1 and "BROKEN" in v.out
        if touched.strip() in ("", "0"):
            if required:
                cat.record(False, "tamper %s touched no row (the check would be vacuous)" % name)
            else:
                cat.notes.append("tamper %s: no such row in %s, not tried" % (name, base))
        elif required:
            cat.record(detected, "tamper %s -> verify %s: %s" % (name, v.describe(), v.out.strip()[:160]))
        else:
            cat.notes.append("not covered by verify (by design?): %s -> %s" % (name, v.out.strip()[:120])
                             if not detected else "tamper %s -> detected" % name)
            if not detected:
                missed_info.append(name)


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="stackledger chaos matrix")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--trials", type=int, default=50, help="kill -9 trials (default 50)")
    ap.add_argument("--budget", type=float, default=660, help="seconds for the whole matrix (default 660)")
    ap.add_argument("--servers", type=int, default=2000, help="fleet of the kill -9 and PostgreSQL trials")
    ap.add_argument("--fault-servers", type=int, default=500)
    ap.add_argument("--conc-servers", type=int, default=300)
    ap.add_argument("--only", default=",".join(CATEGORIES), help="comma-separated categories")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10 ** 6)
    only = [c for c in args.only.split(",") if c]
    for c in only:
        if c not in CATEGORIES:
            ap.error("unknown category %s (one of %s)" % (c, ", ".join(CATEGORIES)))
    print("chaos: seed %d (rerun with --seed %d), budget %.0f s, categories %s" % (
        seed, seed, args.budget, ",".join(only)), flush=True)
    env = Env(args)
    t0 = time.time()
    total_share = sum(SHARES[c] for c in only)
    cats = {}

    def on_signal(signum, frame):
        stop_children()
        sys.exit(130)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        main_fake = Fake(env, "fake-main", args.servers, seed % 1000 + 1)
        small_fake = stub = None
        duration = 4.0
        for c in CATEGORIES:
            if c not in only:
                continue
            start = time.time()
            deadline = start + args.budget * SHARES[c] / total_share
            cat = cats[c] = Category(c, seed)
            rng = random.Random("%d/%s" % (seed, c))
            log("== %s (until +%.0f s)" % (c, deadline - t0))
            try:
                if c == "kill9":
                    cat_kill9(env, cat, rng, deadline, main_fake, args.trials)
                    duration = max(duration, 2.0)
                elif c == "pg":
                    cat_pg(env, cat, rng, deadline, main_fake, duration)
                elif c == "faults":
                    cat_faults(env, cat, rng, deadline, args)
                elif c == "concurrency":
                    cat_concurrency(env, cat, rng, deadline, main_fake, args)
                elif c in ("hostile", "fuzz"):
                    if stub is None:
                        small_fake = Fake(env, "fake-small", 60, seed % 997 + 1)
                        stub = Stub(env, small_fake, "stub-small")
                    if c == "hostile":
                        cat_hostile(env, cat, rng, deadline, small_fake, stub)
                    else:
                        cat_fuzz(env, cat, rng, max(deadline, start + 30), small_fake, stub, seed)
                elif c == "secrets":
                    cat_secrets(env, cat, rng, deadline, main_fake)
            except Failure as e:
                cat.record(False, "setup: %s" % e)
            except Exception as e:  # a bug in this script must not pass as success
                import traceback
                traceback.print_exc()
                cat.record(False, "chaos.py error: %r" % e)
            log("== %s: %d trials, %d failed, %.0f s" % (c, cat.trials, cat.failed, time.time() - start))
    finally:
        stop_children()
    elapsed = time.time() - t0
    print()
    print("%-12s %7s %7s %7s %8s" % ("category", "trials", "passed", "failed", "seed"))
    print("%-12s %7s %7s %7s %8s" % ("-" * 12, "-" * 7, "-" * 7, "-" * 7, "-" * 8))
    for c in CATEGORIES:
        if c in cats:
            k = cats[c]
            print("%-12s %7d %7d %7d %8d" % (c, k.trials, k.passed, k.failed, seed))
    total_failed = sum(k.failed for k in cats.values())
    print("%-12s %7d %7d %7d %8d" % ("total", sum(k.trials for k in cats.values()),
                                     sum(k.passed for k in cats.values()), total_failed, seed))
    print("\nelapsed %.0f s; logs in %s" % (elapsed, env.work))
    for c in CATEGORIES:
        if c in cats and (cats[c].notes or cats[c].failures):
            print("\n[%s]" % c)
            for n in cats[c].notes:
                print("  " + n)
            for f in cats[c].failures:
                print("  FAILED: " + f[:600])
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
