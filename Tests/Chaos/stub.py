#!/usr/bin/env python3
"""A small HTTP stub in front of the fake cloud, for scripts/chaos.

It proxies every request to an upstream fake cloud (Tests/FakeCloud/fakecloud.py), rewrites the
upstream's base URL to its own in every body (catalog, next links), and can rewrite selected
API responses on the way back:

  mode "pass"     responses unchanged (tokens are still recorded)
  mode "hostile"  the first server of each /servers/detail page gets the fields of a hostile
                  case (see hostile.py): names, metadata, raw bytes
  mode "fuzz"     responses of the targeted endpoints are mutated by a seeded mutation loop
                  (see mutate.py)
  mode "partial"  /servers/detail answers its first page without a next link (a listing that
                  stops early and says nothing)
  mode "drop"     /servers/detail pages silently miss a seeded 10% of their servers
  mode "badfirst" the first /servers/detail page is cut and not JSON (later pages are fine)

Control API (JSON, loopback): POST /_stub/mode {"mode": ..., ...}; GET /_stub/state returns the
mode, the tokens the upstream issued (X-Subject-Token) and the tokens clients sent
(X-Auth-Token), and how many responses were rewritten.

Prints exactly one line once listening: its own base URL (http://127.0.0.1:PORT).
Python 3 standard library only.
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402
import mutate  # noqa: E402

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host",
               "proxy-connection", "te", "trailer", "upgrade"}


class Stub:
    def __init__(self, upstream):
        u = urlsplit(upstream)
        self.up_host = u.hostname
        self.up_port = u.port
        self.up_base = upstream.rstrip("/").encode()
        self.base = b""
        self.lock = threading.Lock()
        self.mode = {"mode": "pass"}
        self.issued = set()
        self.sent = set()
        self.rewritten = 0
        self.patched = set()
        self.counter = 0
        self.local = threading.local()

    def conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.up_host, self.up_port, timeout=120)
            self.local.conn = c
        return c

    def forward(self, method, path, headers, body):
        hdrs = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS}
        hdrs["Host"] = self.base.decode().split("//", 1)[1]
        for attempt in range(2):
            c = self.conn()
            try:
                c.request(method, path, body=body, headers=hdrs)
                r = c.getresponse()
                data = r.read()
                return r.status, r.getheaders(), data
            except (http.client.HTTPException, OSError):
                c.close()
                self.local.conn = None
                if attempt == 1:
                    raise
        raise OSError("unreachable")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stub = None  # set on the bound subclass

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_HEAD(self):
        self.handle_any("HEAD")

    def send_body(self, status, data, headers=()):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP_HEADERS:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self, method):
        stub = self.stub
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else None
        path = self.path
        if path.startswith("/_stub/"):
            return self.control(method, path, body)
        token = self.headers.get("X-Auth-Token")
        if token:
            with stub.lock:
                stub.sent.add(token)
        try:
            status, headers, data = stub.forward(method, path, dict(self.headers.items()), body)
        except OSError as e:
            return self.send_body(502, json.dumps({"error": "stub: upstream failed: %s" % e}).encode(),
                                  [("Content-Type", "application/json")])
        for k, v in headers:
            if k.lower() == "x-subject-token":
                with stub.lock:
                    stub.issued.add(v)
        data = data.replace(stub.up_base, stub.base)
        if status == 200 and method == "GET":
            data = self.rewrite(urlsplit(path), data)
        self.send_body(status, data, headers)

    def rewrite(self, url, data):
        stub = self.stub
        with stub.lock:
            mode = dict(stub.mode)
            stub.counter += 1
            counter = stub.counter
        kind = mode.get("mode")
        path = url.path
        if kind == "hostile" and path.endswith("/servers/detail"):
            out, ids = hostile.apply(mode["case"], data)
            with stub.lock:
                stub.patched.update(ids)
        elif kind == "partial" and path.endswith("/servers/detail"):
            obj = json.loads(data)
            if "marker=" in (url.query or ""):
                obj["servers"] = []
            obj.pop("servers_links", None)
            out = json.dumps(obj).encode()
        elif kind == "badfirst" and path.endswith("/servers/detail") and "marker=" not in (url.query or ""):
            out = data[: len(data) // 3] + b"<html>not json"
        elif kind == "drop" and path.endswith("/servers/detail"):
            obj = json.loads(data)
            rng = random.Random("%s/%d" % (mode.get("seed", 0), counter))
            obj["servers"] = [s for s in obj.get("servers", []) if rng.random() >= 0.1]
            out = json.dumps(obj).encode()
        elif kind == "fuzz" and mutate.targeted(path, mode.get("targets")):
            rng = random.Random("%s/%d" % (mode.get("seed", 0), counter))
            if rng.random() >= mode.get("rate", 0.5):
                return data
            out = mutate.mutate(data, rng)
        else:
            return data
        with stub.lock:
            stub.rewritten += 1
        if mode.get("dump"):
            os.makedirs(mode["dump"], exist_ok=True)
            with open(os.path.join(mode["dump"], "%05d%s.body" % (counter, path.replace("/", "_"))), "wb") as f:
                f.write(out)
        return out

    def control(self, method, path, body):
        stub = self.stub
        if path == "/_stub/mode" and method == "POST":
            spec = json.loads(body or b"{}")
            with stub.lock:
                stub.mode = spec
                stub.rewritten = 0
                stub.patched = set()
            return self.send_body(200, b'{"ok": true}', [("Content-Type", "application/json")])
        if path == "/_stub/state" and method == "GET":
            with stub.lock:
                st = {"mode": stub.mode, "issued": sorted(stub.issued), "sent": sorted(stub.sent),
                      "rewritten": stub.rewritten,
                      "patched": sorted(stub.patched)}
            return self.send_body(200, json.dumps(st).encode(), [("Content-Type", "application/json")])
        return self.send_body(404, b'{"error": "unknown stub endpoint"}')


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--upstream", required=True, help="the fake cloud's base URL, http://127.0.0.1:PORT")
    p.add_argument("--port", type=int, default=0)
    a = p.parse_args()
    stub = Stub(a.upstream)
    handler = type("BoundHandler", (Handler,), {"stub": stub})
    httpd = ThreadingHTTPServer(("127.0.0.1", a.port), handler)
    httpd.daemon_threads = True
    stub.base = ("http://127.0.0.1:%d" % httpd.server_address[1]).encode()
    sys.stdout.write(stub.base.decode() + "\n")
    sys.stdout.flush()
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
