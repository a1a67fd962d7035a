#!/usr/bin/env python3
"""Measure how fast the fake serves /servers/detail.

    python3 Tests/FakeCloud/bench.py [--servers 100000] [--limit 1000] [--mv 2.100] [--passes 2]

Starts the fake as a subprocess, walks every page of GET /servers/detail?all_tenants=1 over one
keep-alive connection (following servers_links), and prints servers/s and MB/s per pass (pass 1
generates the pages, later passes are served from the page cache).
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=100000)
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--mv", default="2.100")
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--parse", action="store_true", help="fully json-parse every page on the client")
    a = ap.parse_args()
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fakecloud.py"), "--port", "0", "--servers",
                             str(a.servers), "--seed", "1"], stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    print("startup: %.2f s (%d servers)" % (time.time() - t0, a.servers))
    u = urlsplit(url)
    try:
        conn = http.client.HTTPConnection(u.hostname, u.port)
        body = json.dumps({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": "fake-admin-password"}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
        conn.request("POST", "/identity/v3/auth/tokens", body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        tok = r.getheader("X-Subject-Token")
        hdrs = {"X-Auth-Token": tok, "OpenStack-API-Version": "compute " + a.mv}
        for p in range(a.passes):
            path = "/compute/v2.1/servers/detail?all_tenants=1&limit=%d" % a.limit
            n = nbytes = 0
            t = time.time()
            while path:
                conn.request("GET", path, headers=hdrs)
                r = conn.getresponse()
                data = r.read()
                if r.status != 200:
                    raise SystemExit("HTTP %d: %s" % (r.status, data[:200]))
                nbytes += len(data)
                if a.parse:
                    doc = json.loads(data)
                    n += len(doc["servers"])
                else:  # cheap: count servers and parse only the trailing servers_links
                    n += data.count(b'"hostId"')
                    pos = data.rfind(b'"servers_links"')
                    doc = json.loads(b"{" + data[pos:]) if pos >= 0 else {}
                path = None
                for link in doc.get("servers_links", []):
                    if link["rel"] == "next":
                        s = urlsplit(link["href"])
                        path = s.path + "?" + s.query
            dt = time.time() - t
            print("pass %d: %d servers, %.1f MB in %.2f s = %.0f servers/s, %.1f MB/s %s" % (
                p + 1, n, nbytes / 1e6, dt, n / dt, nbytes / 1e6 / dt, " (client parses JSON)" if a.parse else ""))
        # raw transfer rate without client-side JSON parsing (cached pages)
        path = "/compute/v2.1/servers/detail?all_tenants=1&limit=%d" % a.limit
        conn.request("GET", path, headers=hdrs)
        r = conn.getresponse()
        first = r.read()
        t = time.time()
        nbytes = 0
        reps = 0
        while time.time() - t < 2.0:
            conn.request("GET", path, headers=hdrs)
            r = conn.getresponse()
            nbytes += len(r.read())
            reps += 1
        dt = time.time() - t
        print("cached page, raw: %d requests of %.1f MB in %.2f s = %.0f MB/s" % (
            reps, len(first) / 1e6, dt, nbytes / 1e6 / dt))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
