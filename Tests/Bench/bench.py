"""The benchmark driver behind scripts/bench (Python standard library only).

Measures, on one fake-cloud fleet: stackledger's full initial sync, a no-change full re-sync
and a 1%-churn incremental sync (wall time and peak RSS from /usr/bin/time -v), against the
floor (every page fetched with curl without parsing, plus psql \\copy of the same normalized
server rows) and the peer (openstacksdk listing servers of all projects, timed on a subset and
scaled). Prints a markdown table of medians with ratios.

Then (--history-runs N, default 30; 0 skips it) the report latencies on an accumulated
history: N rounds of fake-cloud churn (--history-churn percent of the fleet) each followed by a
sync (every --history-full-every-th a full one, so deletions and confirmations appear, the rest
incremental), then `report drift` over the whole history, `report lifecycle` for the fleet,
`history SERVER` for the servers with the most changes and servers_as_of() queries, each timed
as the median wall time of --report-repeats invocations, printed as a second table against the
target of 1 s. --only-reports skips the sync measurements; --history-database times the
reports on an existing history (no fake cloud, no syncs).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKE = os.path.join(ROOT, "Tests", "FakeCloud", "fakecloud.py")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Fake:
    def __init__(self, work, servers, seed=42):
        # One file per fleet: the memory fleets must not overwrite the main fleet's file.
        self.clouds = os.path.join(work, "clouds-%d-%d.yaml" % (servers, seed))
        self.proc = subprocess.Popen(
            [sys.executable, FAKE, "--port", "0", "--servers", str(servers), "--seed", str(seed),
             "--write-clouds-yaml", self.clouds, "--cache-mb", "4096"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.auth_url = self.proc.stdout.readline().strip()
        if not self.auth_url:
            raise SystemExit("the fake cloud did not start")
        self.base = self.auth_url[: -len("/identity/v3")]

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(req, timeout=600) as resp:
            return json.loads(resp.read() or b"{}")

    def token(self):
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": "fake-admin-password"}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
        req = urllib.request.Request(self.base + "/identity/v3/auth/tokens",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            return resp.headers["X-Subject-Token"]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def env_for(fake, database):
    env = dict(os.environ)
    env.update({"OS_CLIENT_CONFIG_FILE": fake.clouds, "OS_CLOUD": "fake-admin",
                "DATABASE_URL": database})
    return env


def psql(database, sql, capture=True):
    out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", database,
                          "-c", sql], check=True, capture_output=capture, text=True)
    return out.stdout.strip() if capture else ""


def fresh_database(name):
    admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    psql(admin, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    psql(admin, "CREATE DATABASE %s" % name)
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name


def timed(cmd, env):
    """Runs cmd under /usr/bin/time -v: (seconds, peak RSS in MB, stdout)."""
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit("%s failed (%d):\n%s" % (" ".join(cmd), proc.returncode, proc.stderr[-3000:]))
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return seconds, (int(rss.group(1)) / 1024.0 if rss else float("nan")), proc.stdout


# The port attributes stackledger asks Neutron for (NetworkService.ledgerPortFields): the fake
# caches pages by their query, so warming must ask for the same ones.
PORT_FIELDS = ["id", "device_id", "device_owner", "network_id", "mac_address", "fixed_ips",
               "security_groups", "project_id", "tenant_id"]


def token_project(fake, token):
    req = urllib.request.Request(fake.base + "/identity/v3/auth/tokens",
                                 headers={"X-Auth-Token": token, "X-Subject-Token": token})
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())["token"]["project"]["id"]


def warm(fake, token):
    """Walks every listing a sync makes once, with the same queries, so the fake serves later
    runs from its page cache (its cold pages cost ~80 us per server, which is not ours)."""
    fields = "&".join("fields=" + f for f in PORT_FIELDS)
    volumes = "/volume/v3/%s/volumes/detail?all_tenants=1&limit=1000" % token_project(fake, token)
    for path, key in (("/compute/v2.1/servers/detail?all_tenants=1&limit=1000", "servers"),
                      ("/network/v2.0/ports?limit=1000&" + fields, "ports"),
                      ("/network/v2.0/floatingips?limit=1000", "floatingips"),
                      (volumes, "volumes")):
        url = fake.base + path
        while url:
            req = urllib.request.Request(url, headers={"X-Auth-Token": token,
                                                       "OpenStack-API-Version": "compute 2.100"})
            with urllib.request.urlopen(req) as resp:
                doc = json.loads(resp.read())
            links = doc.get(key + "_links") or []
            url = next((l["href"] for l in links if l.get("rel") == "next"), None)


def curl_floor(fake, token, work):
    """Fetches every server page with curl, without parsing beyond the next marker."""
    start = time.monotonic()
    marker, pages, size = None, 0, 0
    out = os.path.join(work, "page.json")
    while True:
        url = fake.base + "/compute/v2.1/servers/detail?all_tenants=1&limit=1000"
        if marker:
            url += "&marker=" + marker
        subprocess.run(["curl", "-s", "-o", out, "-H", "X-Auth-Token: " + token,
                        "-H", "OpenStack-API-Version: compute 2.100", url], check=True)
        pages += 1
        size += os.path.getsize(out)
        with open(out, "rb") as f:
            f.seek(max(0, os.path.getsize(out) - 4096))
            tail = f.read().decode("utf-8", "replace")
        m = re.search(r'"servers_links":\s*\[\{[^]]*marker=([0-9a-f-]+)', tail)
        if not m:
            break
        marker = m.group(1)
    return time.monotonic() - start, size


def copy_floor(database, work):
    """psql \\copy of the normalized server rows that a sync wrote, into an empty copy of the table."""
    dump = os.path.join(work, "servers.copy")
    psql(database, "\\copy (SELECT * FROM servers) TO '%s'" % dump)
    psql(database, "DROP TABLE IF EXISTS floor_servers; CREATE TABLE floor_servers (LIKE servers)")
    start = time.monotonic()
    psql(database, "\\copy floor_servers FROM '%s'" % dump)
    seconds = time.monotonic() - start
    psql(database, "DROP TABLE floor_servers")
    return seconds


def peer(fake, work, subset):
    venv = os.path.join(ROOT, ".build", "bench-venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "openstacksdk"], check=True)
    script = (
        "import time, openstack, sys\n"
        "c = openstack.connect(cloud='fake-admin')\n"
        "t = time.monotonic(); n = 0\n"
        "for s in c.compute.servers(details=True, all_projects=True, limit=1000):\n"
        "    n += 1\n"
        "    if n >= %d: break\n"
        "print(n, time.monotonic() - t)\n" % subset)
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=fake.clouds)
    out = subprocess.run([py, "-c", script], env=env, capture_output=True, text=True, check=True)
    n, seconds = out.stdout.split()
    return int(n), float(seconds)


def median(values):
    return statistics.median(values) if values else float("nan")


REPORT_TARGET_SECONDS = 1.0


def measure_syncs(args, fake, token):
    """The sync measurements: returns (rows for the table, the last database)."""
    n = args.servers
    sync = [args.binary, "sync"]
    full, resync, incr = [], [], []
    churned = 0
    database = None
    for r in range(args.runs):
        database = fresh_database("bench_%d" % r)
        env = env_for(fake, database)
        subprocess.run([args.binary, "migrate"], env=env, check=True, capture_output=True)
        log("run %d: full initial sync" % (r + 1))
        full.append(timed(sync + ["--full"], env))
        log("run %d: no-change full re-sync" % (r + 1))
        resync.append(timed(sync + ["--full"], env))
        k = max(1, n // 100)
        fake.control("/_fake/churn", {"count": k, "seed": 100 + r})
        churned = k
        warm(fake, token)
        log("run %d: incremental after %d churned servers" % (r + 1, k))
        incr.append(timed(sync + ["--incremental"], env))
    log("floor: curl of every page")
    curl_times = [curl_floor(fake, token, args.work) for _ in range(args.runs)]
    copy_times = [copy_floor(database, args.work) for _ in range(args.runs)]
    peer_line = None
    if not args.no_peer:
        log("peer: openstacksdk on a %d-server subset" % args.peer_subset)
        got, seconds = peer(fake, args.work, min(args.peer_subset, n))
        peer_line = (got, seconds, seconds * n / max(got, 1))
    memory = []
    for size in [int(x) for x in args.memory_sizes.split(",") if x]:
        log("memory: full sync of %d servers" % size)
        other = Fake(args.work, size, seed=7)
        try:
            db = fresh_database("bench_mem")
            env = env_for(other, db)
            subprocess.run([args.binary, "migrate"], env=env, check=True, capture_output=True)
            seconds, rss, _ = timed(sync + ["--full"], env)
            memory.append((size, seconds, rss))
        finally:
            other.stop()
    return (full, resync, incr, churned, curl_times, copy_times, peer_line, memory), database


def print_syncs(args, measured):
    n = args.servers
    full, resync, incr, churned, curl_times, copy_times, peer_line, memory = measured
    full_s = median([t for t, _, _ in full])
    floor_s = median([t for t, _ in curl_times]) + median(copy_times)
    rows = [
        ("stackledger full initial sync", full_s, median([m for _, m, _ in full])),
        ("stackledger full re-sync, no changes", median([t for t, _, _ in resync]),
         median([m for _, m, _ in resync])),
        ("stackledger incremental after %d churned (1%%)" % churned, median([t for t, _, _ in incr]),
         median([m for _, m, _ in incr])),
        ("floor: curl every page (%.0f MB)" % (median([s for _, s in curl_times]) / 1e6),
         median([t for t, _ in curl_times]), None),
        ("floor: psql \\copy of the server rows", median(copy_times), None),
    ]
    print("\n%d servers, medians of %d runs, this machine (%d cores)\n" % (n, args.runs, os.cpu_count()))
    print("| measurement | seconds | peak RSS MB | servers/s | vs full sync |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, seconds, rss in rows:
        print("| %s | %.2f | %s | %s | %.2f× |" % (
            name, seconds, "%.0f" % rss if rss else "", "%.0f" % (n / seconds) if "copy" not in name else "",
            seconds / full_s))
    print("| floor total (curl + \\copy) | %.2f | | %.0f | %.2f× |" % (floor_s, n / floor_s, floor_s / full_s))
    if peer_line:
        got, seconds, scaled = peer_line
        print("| peer: openstacksdk, %d servers in %.1f s, scaled to %d | %.1f | | %.0f | %.1f× |" % (
            got, seconds, n, scaled, got / seconds, scaled / full_s))
    print("\nfull sync / floor = %.2f×" % (full_s / floor_s))
    if memory:
        print("\n| fleet | full sync seconds | peak RSS MB |")
        print("| ---: | ---: | ---: |")
        for size, seconds, rss in memory:
            print("| %d | %.1f | %.0f |" % (size, seconds, rss))
    sys.stdout.flush()


def build_history(args, fake, database):
    """Churns the fleet and syncs args.history_runs times on top of database (which holds at
    least one full sync). Returns [(mode, seconds, changes written)]."""
    env = env_for(fake, database)
    k = max(1, int(round(args.servers * args.history_churn / 100.0)))
    built = []
    for i in range(args.history_runs):
        fake.control("/_fake/churn", {"count": k, "seed": 1000 + i})
        full = args.history_full_every > 0 and (i + 1) % args.history_full_every == 0
        mode = "--full" if full else "--incremental"
        seconds, _, _ = timed([args.binary, "sync", mode], env)
        written = psql(database, "SELECT changes_written FROM sync_runs ORDER BY run_id DESC LIMIT 1")
        log("history run %d/%d: %d churned, %s sync %.1f s, %s changes" % (
            i + 1, args.history_runs, k, mode[2:], seconds, written))
        built.append((mode[2:], seconds, int(written or 0)))
    return built


def run_report(cmd, env, repeats):
    """Runs cmd repeats times: (median seconds, min, max, stdout of the last run)."""
    times, out = [], ""
    for _ in range(repeats):
        start = time.monotonic()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        times.append(time.monotonic() - start)
        if proc.returncode != 0:
            raise SystemExit("%s failed (%d):\n%s" % (" ".join(cmd), proc.returncode, proc.stderr[-3000:]))
        out = proc.stdout
    return median(times), min(times), max(times), out


def describe_output(out, fmt):
    size = len(out.encode())
    size_text = "%.1f MB" % (size / 1e6) if size >= 1e6 else "%.0f kB" % (size / 1e3) if size >= 1e3 else "%d B" % size
    if fmt == "json":
        doc = json.loads(out)
        parts = ["%d rows" % len(doc.get("rows") or [])]
        for name, section in (doc.get("sections") or {}).items():
            parts.append("%s %d" % (name, len(section.get("rows") or [])))
        return "%s, %s" % (", ".join(parts), size_text)
    if fmt == "psql":
        return "%d rows, %s" % (len([l for l in out.splitlines() if l]), size_text)
    return "%d lines, %s" % (out.count("\n"), size_text)


def time_reports(args, database):
    """Times every report on the history in database: [(name, command text, median, min, max, output)]."""
    env = dict(os.environ, DATABASE_URL=database, COLUMNS="120")
    q = lambda sql: psql(database, sql)  # noqa: E731
    runs = q("SELECT run_id || ' ' || to_char(started_at AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM sync_runs WHERE status = 'succeeded' "
             "ORDER BY run_id").splitlines()
    if len(runs) < 2:
        raise SystemExit("the history database has fewer than 2 succeeded runs")
    first_run = runs[0].split()[0]
    last_but_one = runs[-2].split()[0]
    mid_ts = runs[len(runs) // 2].split()[1]
    busiest = q("SELECT server_id FROM changes WHERE server_id IS NOT NULL GROUP BY server_id "
                "ORDER BY count(*) DESC, server_id LIMIT 1")
    busiest_n = q("SELECT count(*) FROM changes WHERE server_id = '%s'" % busiest)
    name = q("SELECT name FROM servers_as_of('%s') WHERE server_id = '%s'" % (mid_ts, busiest)) or "?"
    stats = q("SELECT (SELECT count(*) FROM servers) || ' servers, ' || "
              "(SELECT count(*) FROM server_versions) || ' versions, ' || "
              "(SELECT count(*) FROM changes) || ' changes, ' || "
              "(SELECT count(*) FROM sync_runs) || ' runs, database ' || "
              "pg_size_pretty(pg_database_size(current_database()))")
    log("history: %s" % stats)
    cli = [args.binary]
    rows = []
    plan = [
        ("drift, whole history (run %s → now), plan" % first_run, "cli", "plan",
         ["report", "drift", "--since", first_run]),
        ("drift, whole history, -f json", "cli", "json",
         ["report", "drift", "--since", first_run, "-f", "json"]),
        ("drift, last run (run %s → now), plan" % last_but_one, "cli", "plan",
         ["report", "drift", "--since", last_but_one]),
        ("lifecycle, whole fleet, table", "cli", "table", ["report", "lifecycle"]),
        ("history of the busiest server (%s changes), table" % busiest_n, "cli", "table",
         ["history", busiest]),
        ("history of the busiest server, -f json", "cli", "json", ["history", busiest, "-f", "json"]),
        ("servers_as_of(mid-history): count(*)", "sql", "psql",
         "SELECT count(*) FROM servers_as_of('%s')" % mid_ts),
        ("servers_as_of(mid-history): one server by id", "sql", "psql",
         "SELECT server_id, name, status, flavor_name, valid_from, valid_to "
         "FROM servers_as_of('%s') WHERE server_id = '%s'" % (mid_ts, busiest)),
        ("servers_as_of(mid-history): one server by name", "sql", "psql",
         "SELECT server_id, name, status, flavor_name, valid_from, valid_to "
         "FROM servers_as_of('%s') WHERE name = '%s'" % (mid_ts, name.replace("'", "''"))),
    ]
    for title, kind, fmt, what in plan:
        if kind == "cli":
            cmd = cli + what
            shown = "stackledger " + " ".join(what)
        else:
            cmd = ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", what]
            shown = "psql -c \"%s\"" % what
        log("report: %s" % title)
        med, lo, hi, out = run_report(cmd, env, args.report_repeats)
        rows.append((title, shown, med, lo, hi, describe_output(out, fmt)))
    return stats, rows


def print_reports(args, stats, built, rows):
    print("\nReport latencies on an accumulated history (%s), wall time of the whole command, "
          "median of %d, this machine (%d cores)\n" % (stats, args.report_repeats, os.cpu_count()))
    if built:
        incr = [s for m, s, _ in built if m == "incremental"]
        fulls = [s for m, s, _ in built if m == "full"]
        print("History: %d churned runs of %.1f%% of %d servers (%d incremental, median %.1f s; "
              "%d full, median %.1f s), %d changes written.\n" % (
                  len(built), args.history_churn, args.servers, len(incr), median(incr),
                  len(fulls), median(fulls), sum(c for _, _, c in built)))
    print("| report | seconds | min–max | output | ≤ %.0f s |" % REPORT_TARGET_SECONDS)
    print("| --- | ---: | ---: | --- | :---: |")
    for title, _, med, lo, hi, out in rows:
        print("| %s | %.2f | %.2f–%.2f | %s | %s |" % (
            title, med, lo, hi, out, "yes" if med <= REPORT_TARGET_SECONDS else "**no**"))
    print("\nCommands:\n")
    for title, shown, _, _, _, _ in rows:
        print("- %s: `%s`" % (title, shown))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--servers", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--memory-sizes", default="", help="e.g. 10000,100000,1000000")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--peer-subset", type=int, default=10000)
    ap.add_argument("--history-runs", type=int, default=30,
                    help="churned sync runs of the report history (0 skips the report latencies)")
    ap.add_argument("--history-churn", type=float, default=1.0,
                    help="percent of the fleet churned before each history run (default 1)")
    ap.add_argument("--history-full-every", type=int, default=5,
                    help="every Nth history run is a full sync, the rest incremental (default 5)")
    ap.add_argument("--report-repeats", type=int, default=3,
                    help="invocations of each report; the median is reported (default 3)")
    ap.add_argument("--only-reports", action="store_true",
                    help="skip the sync, floor, peer and memory measurements")
    ap.add_argument("--history-database", metavar="NAME",
                    help="time the reports on this existing database (on DATABASE_URL's server) "
                         "instead of building a history; implies --only-reports")
    args = ap.parse_args()
    n = args.servers

    if args.history_database:
        database = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + args.history_database
        stats, rows = time_reports(args, database)
        print_reports(args, stats, [], rows)
        return

    log("fake cloud with %d servers" % n)
    fake = Fake(args.work, n)
    built, report_rows, stats = [], None, None
    try:
        token = fake.token()
        database = None
        if not args.only_reports:
            log("warming the fake's page cache")
            warm(fake, token)
            measured, database = measure_syncs(args, fake, token)
            print_syncs(args, measured)
        if args.history_runs > 0:
            if database is None:
                database = fresh_database("bench_history")
                env = env_for(fake, database)
                subprocess.run([args.binary, "migrate"], env=env, check=True, capture_output=True)
                log("history: full initial sync")
                timed([args.binary, "sync", "--full"], env)
            built = build_history(args, fake, database)
    finally:
        fake.stop()
    if args.history_runs > 0:
        stats, report_rows = time_reports(args, database)
        print_reports(args, stats, built, report_rows)


if __name__ == "__main__":
    main()
