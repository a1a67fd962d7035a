#!/usr/bin/env python3
"""Fake OpenStack cloud (Keystone v3 + Nova + Neutron + Cinder) for stackledger tests.

Python 3.11 standard library only.  See README.md in this folder for the contract.
"""

import argparse
import base64
import collections
import datetime
import json
import os
import queue
import random
import re
import secrets
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet as fleetmod  # noqa: E402
from fleet import ActionError, Fleet, iso_z, naive_us  # noqa: E402

NOVA_MIN = 1  # 2.1
CINDER_MIN, CINDER_MAX = 0, 70  # 3.0 .. 3.70
TRUE_VALUES = {"1", "t", "true", "on", "y", "yes", ""}
FALSE_VALUES = {"0", "f", "false", "off", "n", "no"}
DEFAULT_ADMIN_PASSWORD = "fake-admin-password"
DEFAULT_MEMBER_PASSWORD = "fake-alice-password"
DEFAULT_APPCRED_SECRET = "fake-appcred-secret"
APPCRED_NAME = "stackledger-sync"
REGION2_PREFIX = "/regiontwo"

NOVA_FAULT_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
                    405: "badMethod", 409: "conflictingRequest", 413: "overLimit", 415: "badMediaType",
                    429: "overLimit", 501: "notImplemented", 503: "serviceUnavailable"}
KEYSTONE_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                   500: "Internal Server Error", 503: "Service Unavailable", 429: "Too Many Requests"}
UNAUTH_BODY = json.dumps({"error": {"code": 401, "title": "Unauthorized",
                                    "message": "The request you have made requires authentication."}}).encode()

SERVER_QUERY_PARAMS = {
    "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image", "kernel_id", "ramdisk_id",
    "hostname", "key_name", "power_state", "vm_state", "task_state", "host", "node", "flavor", "reservation_id",
    "launched_at", "terminated_at", "availability_zone", "name", "display_name", "description",
    "display_description", "locked_by", "uuid", "root_device_name", "config_drive", "access_ip_v4",
    "access_ip_v6", "auto_disk_config", "progress", "sort_key", "sort_dir", "all_tenants", "soft_deleted",
    "deleted", "status", "changes-since", "changes-before", "ip", "ip6", "created_at", "block_device_mapping",
    "services", "metadata", "system_metadata", "info_cache", "security_groups", "pci_devices", "limit",
    "marker", "tags", "tags-any", "not-tags", "not-tags-any", "locked", "pinned_availability_zone",
}
PAGING_PARAMS = {"limit", "marker", "sort_key", "sort_dir", "all_tenants", "deleted", "soft_deleted"}


def non_admin_filters(mv):
    s = {"reservation_id", "name", "status", "image", "flavor", "ip", "changes-since", "all_tenants"}
    if mv >= 5:
        s.add("ip6")
    if mv >= 26:
        s |= {"tags", "tags-any", "not-tags", "not-tags-any"}
    if mv >= 66:
        s.add("changes-before")
    if mv >= 73:
        s.add("locked")
    if mv >= 83:
        s |= {"availability_zone", "config_drive", "key_name", "created_at", "launched_at", "terminated_at",
              "power_state", "task_state", "vm_state", "progress", "user_id"}
    return s


class HTTPError(Exception):
    def __init__(self, status, body, headers=None):
        Exception.__init__(self, "HTTP %d" % status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def nova_error(code, message, headers=None):
    name = NOVA_FAULT_NAMES.get(code, "computeFault")
    return HTTPError(code, {name: {"code": code, "message": message}}, headers)


def keystone_error(code, message):
    return HTTPError(code, {"error": {"code": code, "title": KEYSTONE_TITLES.get(code, "Error"),
                                      "message": message}})


def neutron_error(code, etype, message):
    return HTTPError(code, {"NeutronError": {"type": etype, "message": message, "detail": ""}})


def parse_time(value):
    v = value.strip()
    if v.endswith("Z") or v.endswith("z"):
        v = v[:-1] + "+00:00"
    try:
        d = datetime.datetime.fromisoformat(v.replace(" ", "T"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.timestamp()


def truthy(v):
    return v is not None and v.strip().lower() in TRUE_VALUES


class PageCache:
    """LRU of serialized bodies, bounded in bytes, cleared when the fleet changes."""

    def __init__(self, max_bytes):
        self.max = max_bytes
        self.d = collections.OrderedDict()
        self.size = 0
        self.version = None
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def get(self, key, version):
        with self.lock:
            if self.version != version:
                self.d.clear()
                self.size = 0
                self.version = version
                return None
            v = self.d.get(key)
            if v is not None:
                self.d.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return v

    def put(self, key, version, value):
        if self.max <= 0 or len(value) > self.max:
            return
        with self.lock:
            if self.version != version:
                return
            old = self.d.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self.d[key] = value
            self.size += len(value)
            while self.size > self.max and self.d:
                _, v = self.d.popitem(last=False)
                self.size -= len(v)


class Cloud:
    def __init__(self, args):
        self.args = args
        self.fleet = Fleet(seed=args.seed, servers=args.servers, projects=args.projects, reclaim=args.reclaim)
        self.lock = threading.RLock()
        self.tokens = {}
        self.tokens_issued = 0
        self.token_max_calls = args.token_max_calls
        self.faults = []
        self.fault_rng = random.Random(0)
        self.faults_fired = 0
        self.cell_mode = "off"
        self.cell_fraction = 0.0
        self.requests = collections.Counter()
        self.cache = PageCache(int(args.cache_mb * 1024 * 1024))
        self.inflight = {}
        self.inflight_lock = threading.Lock()
        self._next_hint = {}
        self.prefetch_q = queue.Queue(maxsize=4)
        if args.prefetch and args.cache_mb > 0:
            threading.Thread(target=self._prefetch_loop, daemon=True, name="prefetch").start()
        self.max_mv = parse_mv(args.max_microversion)
        if self.max_mv is None or self.max_mv < NOVA_MIN:
            raise SystemExit("bad --max-microversion %r" % args.max_microversion)
        self.port = None
        self.passwords = {"admin": args.admin_password, "alice": args.member_password}
        if args.faults:
            self.set_faults(json.loads(args.faults))
        if args.cell_down:
            mode, _, frac = args.cell_down.partition(":")
            self.set_cell_down(mode, float(frac or "0.1"))

    # -------------------------------------------------------------- page cache + prefetch
    def get_or_build(self, key, builder):
        """Cached page bytes for key, building them (under the lock) if needed.

        Returns (data, next) where next is the builder's follow-up hint (None on a cache hit
        whose follow-up was already prefetched or is unknown)."""
        while True:
            version = self.fleet.version
            hit = self.cache.get(key, version)
            if hit is not None:
                return hit, self._next_hint.get((version, key))
            with self.inflight_lock:
                ev = self.inflight.get(key)
                if ev is None:
                    ev = self.inflight[key] = threading.Event()
                    mine = True
                else:
                    mine = False
            if not mine:
                ev.wait(30)
                continue
            try:
                with self.lock:
                    version = self.fleet.version
                    data, nxt = builder()
                self.cache.put(key, version, data)
                if nxt is not None:
                    if len(self._next_hint) > 20000:
                        self._next_hint.clear()
                    self._next_hint[(version, key)] = nxt
                return data, nxt
            finally:
                with self.inflight_lock:
                    self.inflight.pop(key, None)
                ev.set()

    def prefetch(self, key, builder):
        if self.cache.get(key, self.fleet.version) is not None:
            return
        try:
            self.prefetch_q.put_nowait((key, builder))
        except queue.Full:
            pass

    def _prefetch_loop(self):
        while True:
            key, builder = self.prefetch_q.get()
            try:
                self.get_or_build(key, builder)
            except Exception:  # pragma: no cover - a prefetch must never take the server down
                pass

    # -------------------------------------------------------------- settings
    def set_faults(self, spec):
        rules = []
        for r in spec.get("rules", []):
            kind = r.get("kind", "status")
            if kind not in ("status", "delay", "truncate", "malformed", "reset", "wrongtype"):
                raise ValueError("unknown fault kind %r" % kind)
            rules.append({"path": r.get("path", ".*"), "re": re.compile(r.get("path", ".*")),
                          "method": (r.get("method") or "").upper() or None, "kind": kind,
                          "status": int(r.get("status", 503)), "retry_after": r.get("retry_after"),
                          "delay": float(r.get("delay", 1.0)), "probability": float(r.get("probability", 1.0)),
                          "max": r.get("max"), "fired": 0})
        with self.lock:
            self.faults = rules
            self.fault_rng = random.Random(spec.get("seed", 0))

    def set_cell_down(self, mode, fraction):
        if mode not in ("partial", "skip", "error", "off"):
            raise ValueError("mode must be partial|skip|error|off")
        with self.lock:
            self.cell_mode = mode
            self.cell_fraction = float(fraction) if mode != "off" else 0.0
            self.fleet.version += 1

    def pick_fault(self, method, path):
        if not self.faults:
            return None
        with self.lock:
            for rule in self.faults:
                if rule["method"] and rule["method"] != method:
                    continue
                if not rule["re"].search(path):
                    continue
                if rule["max"] is not None and rule["fired"] >= int(rule["max"]):
                    continue
                if self.fault_rng.random() < rule["probability"]:
                    rule["fired"] += 1
                    self.faults_fired += 1
                    return rule
        return None

    # -------------------------------------------------------------- identity
    def base_url(self):
        return "http://%s:%d" % (self.args.host, self.port)

    def auth_url(self):
        return self.base_url() + "/identity/v3"

    def catalog(self, project_id):
        base = self.base_url()
        regions = ["RegionOne"] + (["RegionTwo"] if self.args.regions >= 2 else [])
        services = [("identity", "keystone", "/identity"), ("compute", "nova", "/compute/v2.1"),
                    ("network", "neutron", "/network"),
                    ("block-storage", "cinder", "/volume/v3/%s" % project_id),
                    ("volumev3", "cinderv3", "/volume/v3/%s" % project_id)]
        out = []
        for (stype, name, path) in services:
            eps = []
            for region in regions:
                prefix = REGION2_PREFIX if region == "RegionTwo" and stype != "identity" else ""
                for iface in ("public", "internal", "admin"):
                    eps.append({"id": fleetmod.hex32("endpoint", stype, region, iface), "interface": iface,
                                "region": region, "region_id": region, "url": base + prefix + path})
            out.append({"type": stype, "name": name, "id": fleetmod.hex32("service", stype), "endpoints": eps})
        return out

    def roles_for(self, user_name, project_name):
        if user_name == "admin":
            return [("admin", fleetmod.hex32("role", "admin")), ("member", fleetmod.hex32("role", "member")),
                    ("reader", fleetmod.hex32("role", "reader"))]
        if user_name == "alice" and project_name == "demo":
            return [("member", fleetmod.hex32("role", "member")), ("reader", fleetmod.hex32("role", "reader"))]
        return None

    def issue_token(self, body, nocatalog):
        f = self.fleet
        try:
            ident = body["auth"]["identity"]
            methods = ident["methods"]
        except (KeyError, TypeError):
            raise keystone_error(400, "Expecting to find identity in auth. The server could not comply with "
                                      "the request since it is either malformed or otherwise incorrect.")
        scope = body["auth"].get("scope")
        appcred = None
        if "application_credential" in methods:
            ac = ident.get("application_credential") or {}
            ok_id = ac.get("id") == f.appcred_id
            ok_name = ac.get("name") == APPCRED_NAME and self._match_user(ac.get("user") or {}, "admin")
            if not (ok_id or ok_name) or ac.get("secret") != self.args.appcred_secret:
                raise keystone_error(401, "The request you have made requires authentication.")
            user_name = "admin"
            project = f.project_by_name["admin"]
            appcred = {"id": f.appcred_id, "name": APPCRED_NAME, "restricted": False}
        elif "password" in methods:
            u = (ident.get("password") or {}).get("user") or {}
            user_name = None
            for cand in ("admin", "alice"):
                if self._match_user(u, cand):
                    user_name = cand
            if "name" in u and "id" not in u and not u.get("domain"):
                raise keystone_error(400, "Expecting to find domain in user. The server could not comply with "
                                          "the request since it is either malformed or otherwise incorrect.")
            if user_name is None or u.get("password") != self.passwords[user_name]:
                raise keystone_error(401, "The request you have made requires authentication.")
            project = self._scope_project(scope, user_name)
        elif "token" in methods:
            tid = (ident.get("token") or {}).get("id")
            with self.lock:
                old = self.tokens.get(tid)
            if old is None or not self._token_valid(old, count=False):
                raise keystone_error(401, "The request you have made requires authentication.")
            if old.get("appcred"):
                raise keystone_error(403, "You are not authorized to perform the requested action.")
            user_name = old["user_name"]
            project = self._scope_project(scope, user_name) if scope else (
                f.project_by_id.get(old["project_id"]) if old["project_id"] else None)
        else:
            raise keystone_error(401, "The request you have made requires authentication.")
        user_id = f.project_by_name["admin" if user_name == "admin" else "demo"]["users"][0][1]
        roles = []
        if project is not None:
            roles = self.roles_for(user_name, project["name"])
            if roles is None:
                raise keystone_error(401, "The request you have made requires authentication.")
        now = time.time()
        token_id = "gAAAAAB" + secrets.token_urlsafe(132)
        tok = {"id": token_id, "user_name": user_name, "user_id": user_id,
               "project_id": project["id"] if project else None, "project_name": project["name"] if project else None,
               "roles": [r for (r, _) in roles], "expires": now + self.args.token_ttl, "calls": 0,
               "max_calls": self.token_max_calls or 0, "revoked": False, "appcred": appcred}
        with self.lock:
            self.tokens[token_id] = tok
            self.tokens_issued += 1
        domain = {"id": "default", "name": "Default"}
        body = {"methods": methods, "user": {"id": user_id, "name": user_name, "domain": domain,
                                             "password_expires_at": None},
                "audit_ids": [base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")[:22]],
                "expires_at": _keystone_time(tok["expires"]), "issued_at": _keystone_time(now),
                "is_domain": False}
        if project is not None:
            body["project"] = {"id": project["id"], "name": project["name"], "domain": domain}
            body["roles"] = [{"id": rid, "name": rn} for (rn, rid) in roles]
            if not nocatalog:
                body["catalog"] = self.catalog(project["id"])
        if appcred:
            body["application_credential"] = appcred
        return token_id, {"token": body}

    def _match_user(self, u, name):
        f = self.fleet
        uid = f.project_by_name["admin" if name == "admin" else "demo"]["users"][0][1]
        if u.get("id"):
            return u["id"] == uid
        if u.get("name") != name:
            return False
        d = u.get("domain") or {}
        return d.get("id") == "default" or d.get("name") == "Default"

    def _scope_project(self, scope, user_name):
        f = self.fleet
        if not scope:
            return None
        p = scope.get("project")
        if not p:
            raise keystone_error(401, "The request you have made requires authentication.")
        proj = None
        if p.get("id"):
            proj = f.project_by_id.get(p["id"])
        elif p.get("name"):
            d = p.get("domain") or {}
            if d.get("id") == "default" or d.get("name") == "Default":
                proj = f.project_by_name.get(p["name"])
        if proj is None or self.roles_for(user_name, proj["name"]) is None:
            raise keystone_error(401, "The request you have made requires authentication.")
        return proj

    def _token_valid(self, tok, count=True):
        if tok["revoked"] or time.time() >= tok["expires"]:
            return False
        if count:
            tok["calls"] += 1
            if tok["max_calls"] and tok["calls"] > tok["max_calls"]:
                return False
        elif tok["max_calls"] and tok["calls"] >= tok["max_calls"]:
            return False
        return True

    def check_token(self, token_id):
        with self.lock:
            tok = self.tokens.get(token_id)
            if tok is None or tok["project_id"] is None or not self._token_valid(tok):
                return None
            return tok


def _keystone_time(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_mv(s):
    s = (s or "").strip()
    m = re.fullmatch(r"2\.(\d+)", s)
    return int(m.group(1)) if m else None


UUIDISH = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{32}|req-[^/]+")


class Ctx:
    __slots__ = ("token", "admin", "project_id", "user_id", "es_vis", "roles")

    def __init__(self, tok):
        self.token = tok
        self.roles = tok["roles"]
        self.admin = "admin" in tok["roles"]
        self.project_id = tok["project_id"]
        self.user_id = tok["user_id"]
        self.es_vis = self.admin or "reader" in tok["roles"] or "member" in tok["roles"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeOpenStack/1.0"
    sys_version = ""
    cloud = None  # set on the subclass

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.cloud.args.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    # -------------------------------------------------------------- plumbing
    def dispatch(self, method):
        cloud = self.cloud
        self.req_id = "req-" + str(uuid.uuid4())
        self.extra_headers = {}
        self.pending_fault = None
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        sp = urlsplit(self.path)
        path = sp.path
        self.query = parse_qsl(sp.query, keep_blank_values=True)
        self.raw_query = sp.query
        self.region_prefix = ""
        if cloud.args.regions >= 2 and (path == REGION2_PREFIX or path.startswith(REGION2_PREFIX + "/")):
            self.region_prefix = REGION2_PREFIX
            path = path[len(REGION2_PREFIX):] or "/"
        self.rpath = path
        try:
            if path.startswith("/_fake"):
                if self.client_address[0] not in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
                    raise HTTPError(403, {"error": "control API is loopback only"})
                self.control(method, path, raw)
                return
            with cloud.lock:
                cloud.requests["%s %s" % (method, UUIDISH.sub("{id}", path))] += 1
            # Rules match the path and its query string ("servers/detail.*marker=" hits the
            # pages after the first).
            rule = cloud.pick_fault(method, path + ("?" + self.raw_query if self.raw_query else ""))
            if rule is not None:
                kind = rule["kind"]
                if kind == "delay":
                    time.sleep(rule["delay"])
                elif kind == "reset":
                    self.reset_connection()
                    return
                elif kind == "status":
                    hdrs = {}
                    code = rule["status"]
                    msg = "Fake fault injected (%d)" % code
                    if rule["retry_after"] is not None:
                        hdrs["Retry-After"] = str(rule["retry_after"])
                    if path.startswith("/identity"):
                        err = keystone_error(code, msg)
                    else:
                        err = nova_error(code, msg, hdrs)
                        if code in (413, 429) and rule["retry_after"] is not None:
                            name = next(iter(err.body))
                            err.body[name]["retryAfter"] = str(rule["retry_after"])
                    err.headers = hdrs
                    raise err
                else:
                    self.pending_fault = rule
            self.route(method, path, raw)
        except HTTPError as e:
            self.respond(e.status, e.body, e.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # pragma: no cover - bug in the fake
            import traceback
            traceback.print_exc()
            self.respond(500, {"computeFault": {"code": 500, "message": "Unexpected API Error: %r" % e}})

    def reset_connection(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def respond(self, status, body, headers=None, ctype="application/json"):
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif body is None:
            data = b""
        else:
            data = body
        fault = self.pending_fault
        if fault is not None and data:
            self.pending_fault = None
            kind = fault["kind"]
            if kind == "wrongtype":
                data = wrongtype(data)
            elif kind == "malformed":
                cut = max(1, len(data) // 2)
                data = data[:cut] + b"\x00<html>oops" + data[cut + 16:]
            elif kind == "truncate":
                self.send_headers(status, len(data), headers, ctype)
                if self.command != "HEAD":
                    self.wfile.write(data[:max(1, len(data) // 2)])
                self.reset_connection()
                return
        self.send_headers(status, len(data), headers, ctype)
        if self.command != "HEAD" and data:
            self.wfile.write(data)

    def send_headers(self, status, length, headers, ctype):
        self.send_response(status)
        if length is not None:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(length))
        self.send_header("x-openstack-request-id", self.req_id)
        self.send_header("x-compute-request-id", self.req_id)
        for k, v in self.extra_headers.items():
            self.send_header(k, v)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def respond_stream(self, status, chunks, headers=None):
        """Chunked JSON body; `chunks` yields bytes (generated under the cloud lock)."""
        if self.pending_fault is not None:
            return self.respond(status, b"".join(chunks), headers)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-openstack-request-id", self.req_id)
        self.send_header("x-compute-request-id", self.req_id)
        for k, v in self.extra_headers.items():
            self.send_header(k, v)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command == "HEAD":
            return
        w = self.wfile
        for c in chunks:
            if c:
                w.write(b"%x\r\n%s\r\n" % (len(c), c))
        w.write(b"0\r\n\r\n")

    def link_base(self, service):
        host = self.headers.get("Host") or "%s:%d" % (self.cloud.args.host, self.cloud.port)
        return "http://%s%s/%s" % (host, self.region_prefix, service)

    def q(self, key, default=None):
        for k, v in self.query:
            if k == key:
                return v
        return default

    def qall(self, key):
        return [v for k, v in self.query if k == key]

    def auth(self):
        tok_id = self.headers.get("X-Auth-Token")
        tok = self.cloud.check_token(tok_id) if tok_id else None
        if tok is None:
            raise HTTPError(401, UNAUTH_BODY, {"WWW-Authenticate": 'Keystone uri="%s/identity"' % (
                self.cloud.base_url())})
        return Ctx(tok)

    # -------------------------------------------------------------- routing
    def route(self, method, path, raw):
        parts = [p for p in path.split("/") if p]
        if not parts:
            raise HTTPError(404, {"error": "not found"})
        svc = parts[0]
        if svc == "identity":
            return self.identity(method, parts[1:], raw)
        if svc == "compute":
            return self.compute(method, parts[1:], raw)
        if svc == "network":
            return self.network(method, parts[1:], raw)
        if svc == "volume":
            return self.volume(method, parts[1:], raw)
        raise HTTPError(404, {"error": "not found"})

    # -------------------------------------------------------------- keystone
    def identity(self, method, parts, raw):
        base = self.cloud.base_url() + "/identity"
        v3 = {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
              "links": [{"rel": "self", "href": base + "/v3/"}],
              "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}
        if not parts:
            return self.respond(300, {"versions": {"values": [v3]}})
        if parts == ["v3"]:
            return self.respond(200, {"version": v3})
        if parts == ["v3", "auth", "tokens"]:
            if method == "POST":
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    raise keystone_error(400, "Malformed JSON request body.")
                nocatalog = any(k == "nocatalog" for k, _ in self.query)
                token_id, out = self.cloud.issue_token(body, nocatalog)
                return self.respond(201, out, {"X-Subject-Token": token_id})
            if method in ("GET", "HEAD"):
                self.auth_identity()
                sub = self.cloud.tokens.get(self.headers.get("X-Subject-Token") or "")
                if sub is None or not self.cloud._token_valid(sub, count=False):
                    raise keystone_error(404, "Could not find token.")
                f = self.cloud.fleet
                proj = f.project_by_id.get(sub["project_id"])
                body = {"token": {"methods": ["password"], "user": {"id": sub["user_id"], "name": sub["user_name"],
                                  "domain": {"id": "default", "name": "Default"}},
                                  "expires_at": _keystone_time(sub["expires"]), "issued_at": _keystone_time(
                                      sub["expires"] - self.cloud.args.token_ttl), "audit_ids": [],
                                  "is_domain": False}}
                if proj:
                    body["token"]["project"] = {"id": proj["id"], "name": proj["name"],
                                                "domain": {"id": "default", "name": "Default"}}
                    body["token"]["roles"] = [{"id": fleetmod.hex32("role", r), "name": r} for r in sub["roles"]]
                    body["token"]["catalog"] = self.cloud.catalog(proj["id"])
                return self.respond(200, body, {"X-Subject-Token": sub["id"]})
            if method == "DELETE":
                self.auth_identity()
                sub = self.cloud.tokens.get(self.headers.get("X-Subject-Token") or "")
                if sub is None:
                    raise keystone_error(404, "Could not find token.")
                sub["revoked"] = True
                return self.respond(204, None)
        raise keystone_error(404, "The resource could not be found.")

    def auth_identity(self):
        tok = self.cloud.tokens.get(self.headers.get("X-Auth-Token") or "")
        if tok is None or not self.cloud._token_valid(tok, count=False):
            raise HTTPError(401, UNAUTH_BODY, {"WWW-Authenticate": 'Keystone uri="%s/identity"' % (
                self.cloud.base_url())})

    # -------------------------------------------------------------- nova
    def nova_version_doc(self):
        base = self.link_base("compute")
        mx = "2.%d" % self.cloud.max_mv
        return {"id": "v2.1", "status": "CURRENT", "version": mx, "min_version": "2.1",
                "updated": "2013-07-23T11:33:21Z",
                "links": [{"rel": "self", "href": base + "/v2.1/"},
                          {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.compute+json;version=2.1"}]}

    def negotiate_nova(self):
        mx = self.cloud.max_mv
        raw = None
        h = self.headers.get("OpenStack-API-Version")
        if h:
            for item in h.split(","):
                bits = item.strip().split()
                if len(bits) == 2 and bits[0].lower() == "compute":
                    raw = bits[1]
        if raw is None:
            raw = self.headers.get("X-OpenStack-Nova-API-Version")
        if raw is None:
            mv = NOVA_MIN
        elif raw.strip().lower() == "latest":
            mv = mx
        else:
            mv = parse_mv(raw)
            if mv is None:
                raise nova_error(400, "API Version String %s is of invalid format. Must be of format "
                                      "MajorNum.MinorNum." % raw)
            if mv < NOVA_MIN or mv > mx:
                self.set_mv_headers(mv)
                raise nova_error(406, "Version %s is not supported by the API. Minimum is 2.1 and maximum "
                                      "is 2.%d." % (raw.strip(), mx))
        self.set_mv_headers(mv)
        return mv

    def set_mv_headers(self, mv):
        self.extra_headers["OpenStack-API-Version"] = "compute 2.%d" % mv
        self.extra_headers["X-OpenStack-Nova-API-Version"] = "2.%d" % mv
        self.extra_headers["Vary"] = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"

    def compute(self, method, parts, raw):
        if not parts:
            base = self.link_base("compute")
            v20 = {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
                   "updated": "2011-01-21T11:33:21Z", "links": [{"rel": "self", "href": base + "/v2/"}]}
            v21 = self.nova_version_doc()
            v21 = {k: v21[k] for k in ("id", "status", "version", "min_version", "updated")}
            v21["links"] = [{"rel": "self", "href": base + "/v2.1/"}]
            return self.respond(200, {"versions": [v20, v21]})
        if parts[0] != "v2.1":
            raise nova_error(404, "The resource could not be found.")
        parts = parts[1:]
        if parts and re.fullmatch(r"[0-9a-f]{32}", parts[0]) and parts[0] in self.cloud.fleet.project_by_id:
            parts = parts[1:]  # tolerate /v2.1/{project_id}/...
        if not parts:
            return self.respond(200, {"version": self.nova_version_doc()})
        ctx = self.auth()
        mv = self.negotiate_nova()
        head = parts[0]
        if head == "servers":
            if len(parts) == 1:
                if method != "GET":
                    raise nova_error(405, "The method is not allowed for the requested URL.")
                return self.nova_list(ctx, mv, detail=False)
            if parts[1] == "detail" and len(parts) == 2:
                return self.nova_list(ctx, mv, detail=True)
            sid = parts[1]
            if len(parts) == 2:
                if method == "GET":
                    return self.nova_show(ctx, mv, sid)
                if method == "DELETE":
                    return self.nova_delete(ctx, mv, sid)
                raise nova_error(405, "The method is not allowed for the requested URL.")
            sub = parts[2]
            if sub == "action" and method == "POST":
                return self.nova_action(ctx, mv, sid, raw)
            if sub == "os-instance-actions" and method == "GET":
                return self.nova_instance_actions(ctx, mv, sid, parts[3] if len(parts) > 3 else None)
            if sub == "os-volume_attachments" and method == "GET" and len(parts) == 3:
                return self.nova_volume_attachments(ctx, mv, sid)
            if sub == "os-security-groups" and method == "GET":
                return self.nova_server_sgs(ctx, mv, sid)
            raise nova_error(404, "The resource could not be found.")
        if head == "flavors" and method == "GET":
            if len(parts) == 1:
                return self.nova_flavors(ctx, mv, False)
            if parts[1] == "detail":
                return self.nova_flavors(ctx, mv, True)
            fl = self.cloud.fleet.flavor_by_id.get(parts[1])
            if fl is None or len(parts) > 2:
                raise nova_error(404, "Flavor %s could not be found." % parts[1])
            return self.respond(200, {"flavor": self.render_flavor(fl, mv, True, ctx)})
        raise nova_error(404, "The resource could not be found.")

    def visible_server(self, ctx, sid, allow_deleted=False):
        f = self.cloud.fleet
        with self.cloud.lock:
            rec = f.find_server(sid)
        if rec is None or (not ctx.admin and rec["project_id"] != ctx.project_id):
            raise nova_error(404, "Instance %s could not be found." % sid)
        if rec["vm_state"] == "deleted" and not allow_deleted:
            raise nova_error(404, "Instance %s could not be found." % sid)
        return rec

    def nova_show(self, ctx, mv, sid):
        cloud = self.cloud
        rec = self.visible_server(ctx, sid)
        base = self.link_base("compute")
        if cloud.cell_mode != "off" and cloud.fleet.is_down_cell(rec["idx"], cloud.cell_fraction):
            if cloud.cell_mode == "partial" and mv >= 69:
                return self.respond(200, {"server": cloud.fleet.render_partial(rec, mv, base, True, True)})
            raise nova_error(500, "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ "
                                  "and attach the Nova API log if possible.\n<class 'nova.exception.CellTimeout'>")
        with cloud.lock:
            body = cloud.fleet.render_server(rec, mv, ctx.admin, ctx.es_vis, base, True, True)
        return self.respond(200, {"server": body})

    def nova_delete(self, ctx, mv, sid):
        rec = self.visible_server(ctx, sid)
        f = self.cloud.fleet
        with self.cloud.lock:
            if rec["locked"] and not ctx.admin:
                raise nova_error(409, "Instance %s is locked" % sid)
            rec = f.touch(rec["idx"])
            ts = f.tick()
            f._record(rec, "delete", ctx.user_id, ctx.project_id, ts)
            if f.reclaim and rec["vm_state"] != "soft-delete":
                rec["vm_state"] = "soft-delete"
                rec["power_state"] = 4
                rec["updated"] = ts
                rec["deleted_at"] = ts
            else:
                f.hard_delete(rec, ts)
        return self.respond(204, None)

    def nova_list(self, ctx, mv, detail):
        cloud = self.cloud
        f = cloud.fleet
        keys = [k for k, _ in self.query]
        if mv >= 75:
            for k in keys:
                if k not in SERVER_QUERY_PARAMS:
                    raise nova_error(400, "Invalid input for query parameters %s. Value: %s. Additional "
                                          "properties are not allowed ('%s' was unexpected)" % (k, self.q(k), k))
        at = self.q("all_tenants")
        all_tenants = at is not None and at.strip().lower() not in FALSE_VALUES
        if all_tenants and not ctx.admin:
            raise nova_error(403, "Policy doesn't allow os_compute_api:servers:%s:get_all_tenants to be "
                                  "performed." % ("detail" if detail else "index"))
        sk = self.q("sort_key")
        if sk in ("host", "node") and not ctx.admin:
            raise nova_error(403, "Only administrators can sort servers by %s" % sk)
        allowed = None if ctx.admin else non_admin_filters(mv)
        filt = {}
        for k, v in self.query:
            if k in PAGING_PARAMS:
                continue
            if allowed is not None and k not in allowed:
                continue
            filt.setdefault(k, []).append(v)
        if all_tenants:
            project = None
            if ctx.admin:
                pf = filt.pop("project_id", None) or filt.pop("tenant_id", None)
                if pf:
                    project = pf[0]
        else:
            project = ctx.project_id
            filt.pop("project_id", None)
            filt.pop("tenant_id", None)
        limit_s = self.q("limit")
        max_limit = cloud.args.page_size_max
        if limit_s is not None:
            try:
                limit = int(limit_s)
            except ValueError:
                raise nova_error(400, "limit param must be an integer")
            if limit < 0:
                raise nova_error(400, "limit param must be positive")
            limit = min(limit, max_limit)
        else:
            limit = max_limit
        cs = cb = None
        if "changes-since" in filt:
            cs = parse_time(filt.pop("changes-since")[0])
            if cs is None:
                raise nova_error(400, "Invalid input for query parameters changes-since.")
        if "changes-before" in filt:
            if mv < 66:
                filt.pop("changes-before")
            else:
                cb = parse_time(filt.pop("changes-before")[0])
                if cb is None:
                    raise nova_error(400, "Invalid input for query parameters changes-before.")
        if cs is not None and cb is not None and cb < cs:
            raise nova_error(400, "The value of changes-since must be less than or equal to changes-before.")
        deleted = ctx.admin and truthy(self.q("deleted"))
        sd = self.q("soft_deleted")
        soft_ok = truthy(sd) if sd is not None else None
        if "status" in filt:
            vals = [v.upper() for v in filt["status"]]
            bad = [v for v in vals if v not in fleetmod.ALL_STATUSES]
            if bad:
                if mv >= 38:
                    raise nova_error(400, "Invalid status value")
                return self.respond(200, self.list_body([], [], detail))
            filt["status"] = vals
        marker = self.q("marker")
        marker_idx = None
        if marker is not None:
            with cloud.lock:
                marker_idx = f.idx_of_server(marker)
                if marker_idx is not None and f.get(marker_idx) is None:
                    marker_idx = None
            if marker_idx is None:
                raise nova_error(400, "marker [%s] not found" % marker)
        cell_mode, cell_frac = cloud.cell_mode, cloud.cell_fraction
        if cell_mode == "error" and cell_frac > 0:
            raise nova_error(500, "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ "
                                  "and attach the Nova API log if possible.\n<class 'nova.exception.CellTimeout'>")
        partial_ok = cell_mode == "partial" and mv >= 69 and all(k == "all_tenants" for k in keys)
        base = self.link_base("compute")
        preds = self.server_predicates(filt, ctx, mv)
        admin, es_vis = ctx.admin, ctx.es_vis
        fixed_key = ("servers", detail, mv, admin, es_vis, project, base, self.region_prefix, cell_mode, cell_frac)

        def build(query, marker_idx):
            """Serialize one page (called with the cloud lock held). Returns (bytes, next query or None)."""
            overlay_only = deleted or (cs is not None and cs >= f.start)
            if cb is not None and cb < f.t0 and not overlay_only:
                overlay_only = True
            out = []
            render = f.render_server
            last_idx = None
            if limit > 0:
                it = f.iter_servers(marker_idx, lo_created=cs if not overlay_only else None,
                                    overlay_only=overlay_only, project=project)
                for rec in it:
                    vm = rec["vm_state"]
                    if deleted:
                        if not (vm == "deleted" or (vm == "soft-delete" and soft_ok is not False)):
                            continue
                    elif cs is None and cb is None:
                        if vm == "deleted" or (vm == "soft-delete" and not soft_ok):
                            continue
                    if cs is not None and rec["updated"] < cs:
                        continue
                    if cb is not None and rec["updated"] > cb:
                        continue
                    if cell_frac and f.is_down_cell(rec["idx"], cell_frac):
                        if partial_ok:
                            out.append(f.render_partial(rec, mv, base, detail))
                            last_idx = rec["idx"]
                            if len(out) >= limit:
                                break
                        continue
                    if preds and not all(p(rec) for p in preds):
                        continue
                    out.append(render(rec, mv, admin, es_vis, base, detail))
                    last_idx = rec["idx"]
                    if len(out) >= limit:
                        break
            links = []
            nxt = None
            if limit > 0 and len(out) == limit:
                params = [(k, v) for k, v in query if k != "marker"] + [("marker", out[-1]["id"])]
                links = [{"rel": "next", "href": "%s/v2.1/servers%s?%s" % (
                    base, "/detail" if detail else "", urlencode(params))}]
                nxt = (params, last_idx)
            return json.dumps(self.list_body(out, links, detail)).encode(), nxt

        key = fixed_key + (tuple(sorted(self.query)),)
        data, nxt = cloud.get_or_build(key, lambda: build(self.query, marker_idx))
        self.respond(200, data)
        if nxt is not None and cloud.args.prefetch:
            params, last_idx = nxt
            cloud.prefetch(fixed_key + (tuple(sorted(params)),), lambda: build(params, last_idx))

    @staticmethod
    def list_body(out, links, detail):
        body = {"servers": out}
        if links:
            body["servers_links"] = links
        return body

    def server_predicates(self, filt, ctx, mv):
        f = self.cloud.fleet
        preds = []
        for k, vals in filt.items():
            v = vals[0]
            if k == "status":
                st = set(vals)
                preds.append(lambda r, st=st: fleetmod.status_of(r["vm_state"], r["task_state"]) in st)
            elif k in ("name", "display_name"):
                try:
                    rx = re.compile(v)
                except re.error:
                    raise nova_error(400, "Invalid regular expression for name")
                preds.append(lambda r, rx=rx: rx.search(r["name"]) is not None)
            elif k == "image":
                iid = v.rstrip("/").split("/")[-1]
                preds.append(lambda r, iid=iid: r["image_id"] == iid)
            elif k == "flavor":
                fid = v.rstrip("/").split("/")[-1]
                preds.append(lambda r, fid=fid: r["flavor_id"] == fid)
            elif k in ("ip", "ip6"):
                ver = 4 if k == "ip" else 6
                try:
                    rx = re.compile(v)
                except re.error:
                    raise nova_error(400, "Invalid regular expression for %s" % k)
                preds.append(lambda r, rx=rx, ver=ver: any(
                    rx.search(ip) for p in r["ports"] for (_, ip, vv) in p["ips"] if vv == ver))
            elif k == "tags":
                want = set(t for x in vals for t in x.split(","))
                preds.append(lambda r, w=want: w.issubset(r["tags"]))
            elif k == "tags-any":
                want = set(t for x in vals for t in x.split(","))
                preds.append(lambda r, w=want: bool(w.intersection(r["tags"])))
            elif k == "not-tags":
                want = set(t for x in vals for t in x.split(","))
                preds.append(lambda r, w=want: not w.issubset(r["tags"]))
            elif k == "not-tags-any":
                want = set(t for x in vals for t in x.split(","))
                preds.append(lambda r, w=want: not w.intersection(r["tags"]))
            elif k == "locked":
                want = truthy(v)
                preds.append(lambda r, w=want: bool(r["locked"]) == w)
            elif k == "availability_zone":
                preds.append(lambda r, v=v: r["az"] == v)
            elif k == "key_name":
                preds.append(lambda r, v=v: r["key_name"] == v)
            elif k == "user_id":
                preds.append(lambda r, v=v: r["user_id"] == v)
            elif k == "host":
                preds.append(lambda r, v=v: r["host"] == v)
            elif k == "node":
                preds.append(lambda r, v=v: r["host"] is not None and r["host"] + ".example.org" == v)
            elif k == "uuid":
                preds.append(lambda r, v=v: r["id"] == v)
            elif k == "vm_state":
                preds.append(lambda r, v=v: r["vm_state"] == v)
            elif k == "power_state":
                preds.append(lambda r, v=v: str(r["power_state"]) == v)
            elif k == "reservation_id":
                preds.append(lambda r, v=v: r["reservation_id"] == v)
            # other accepted filters are ignored by the fake (documented)
        return preds

    def nova_action(self, ctx, mv, sid, raw):
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise nova_error(400, "Malformed request body")
        if not isinstance(body, dict) or len(body) != 1:
            raise nova_error(400, "Malformed request body")
        name, arg = next(iter(body.items()))
        rec = self.visible_server(ctx, sid)
        cloud = self.cloud
        f = cloud.fleet
        with cloud.lock:
            try:
                res = f.server_action(rec, name, arg, ctx.user_id, ctx.project_id, ctx.admin, mv)
            except ActionError as e:
                raise nova_error(e.code, e.message)
            rec = f.get(rec["idx"])
            base = self.link_base("compute")
            if name == "rebuild":
                s = f.render_server(rec, mv, ctx.admin, ctx.es_vis, base, True, True)
                s["adminPass"] = res["adminPass"]
                return self.respond(202, {"server": s})
        if name == "createImage":
            img_url = "%s/image/v2/images/%s" % (self.cloud.base_url(), res["image_id"])
            if mv >= 45:
                return self.respond(202, {"image_id": res["image_id"]})
            return self.respond(202, None, {"Location": img_url})
        if name == "confirmResize":
            return self.respond(204, None)
        return self.respond(202, None)

    def nova_instance_actions(self, ctx, mv, sid, request_id):
        rec = self.visible_server(ctx, sid, allow_deleted=mv >= 21)
        f = self.cloud.fleet
        with self.cloud.lock:
            acts = list(f.actions_of(rec))
        acts.sort(key=lambda a: a["start_us"], reverse=True)

        def view(a):
            d = {"action": a["action"], "instance_uuid": rec["id"], "message": a["message"],
                 "project_id": a["project_id"], "request_id": a["request_id"],
                 "start_time": naive_us(a["start_us"]), "user_id": a["user_id"]}
            if mv >= 58:
                d["updated_at"] = naive_us(a["updated_us"])
            return d

        if request_id is not None:
            a = next((a for a in acts if a["request_id"] == request_id), None)
            if a is None:
                raise nova_error(404, "Action for request_id %s on instance %s not found" % (request_id, sid))
            d = view(a)
            evs = []
            for e in a["events"]:
                ev = {"event": e["event"], "start_time": naive_us(e["start_us"]),
                      "finish_time": naive_us(e["finish_us"]), "result": e["result"]}
                if ctx.admin:
                    ev["traceback"] = None
                if mv >= 62:
                    if ctx.admin:
                        ev["host"] = e["host"]
                    ev["hostId"] = f.host_id(rec["project_id"], e["host"])
                if mv >= 84:
                    ev["details"] = e["details"]
                evs.append(ev)
            d["events"] = evs
            return self.respond(200, {"instanceAction": d})
        links = []
        if mv >= 58:
            cs = self.q("changes-since")
            if cs is not None:
                t = parse_time(cs)
                if t is None:
                    raise nova_error(400, "Invalid input for query parameters changes-since.")
                acts = [a for a in acts if a["updated_us"] >= t * 1e6]
            cb = self.q("changes-before") if mv >= 66 else None
            if cb is not None:
                t = parse_time(cb)
                if t is None:
                    raise nova_error(400, "Invalid input for query parameters changes-before.")
                acts = [a for a in acts if a["updated_us"] <= t * 1e6]
            marker = self.q("marker")
            if marker is not None:
                pos = next((i for i, a in enumerate(acts) if a["request_id"] == marker), None)
                if pos is None:
                    raise nova_error(400, "Marker %s could not be found." % marker)
                acts = acts[pos + 1:]
            limit_s = self.q("limit")
            limit = self.cloud.args.page_size_max
            if limit_s is not None:
                try:
                    limit = min(int(limit_s), limit)
                except ValueError:
                    raise nova_error(400, "limit param must be an integer")
            acts = acts[:limit]
            if acts and len(acts) == limit:
                params = [(k, v) for k, v in self.query if k != "marker"] + [("marker", acts[-1]["request_id"])]
                links = [{"rel": "next", "href": "%s/v2.1/servers/%s/os-instance-actions?%s" % (
                    self.link_base("compute"), sid, urlencode(params))}]
        body = {"instanceActions": [view(a) for a in acts]}
        if links:
            body["links"] = links
        return self.respond(200, body)

    def nova_volume_attachments(self, ctx, mv, sid):
        rec = self.visible_server(ctx, sid)
        out = []
        for v in rec["volumes"]:
            if not v["attached"]:
                continue
            d = {"device": v["device"], "serverId": rec["id"], "volumeId": v["id"]}
            if mv < 89:
                d["id"] = v["id"]
            if mv >= 70:
                d["tag"] = None
            if mv >= 79:
                d["delete_on_termination"] = v["dot"]
            if mv >= 89:
                d["attachment_id"] = v["attachment_id"]
                d["bdm_uuid"] = fleetmod.uuid_from("bdm", v["id"], v["attachment_id"])
            out.append(d)
        return self.respond(200, {"volumeAttachments": out})

    def nova_server_sgs(self, ctx, mv, sid):
        rec = self.visible_server(ctx, sid)
        f = self.cloud.fleet
        seen, out = set(), []
        for p in rec["ports"]:
            for g in p["sgs"]:
                if g in seen:
                    continue
                seen.add(g)
                sg = f.sg_by_id[g]
                rules = []
                for r in sg["rules"]:
                    if r["direction"] != "ingress":
                        continue
                    rules.append({"from_port": r["port_range_min"] if r["port_range_min"] is not None else -1,
                                  "to_port": r["port_range_max"] if r["port_range_max"] is not None else -1,
                                  "group": {"name": sg["name"], "tenant_id": sg["project_id"]}
                                  if r["remote_group_id"] else {},
                                  "id": r["id"], "ip_protocol": r["protocol"],
                                  "ip_range": {"cidr": r["remote_ip_prefix"]} if r["remote_ip_prefix"] else {},
                                  "parent_group_id": sg["id"]})
                out.append({"description": sg["description"], "id": sg["id"], "name": sg["name"],
                            "rules": rules, "tenant_id": sg["project_id"]})
        return self.respond(200, {"security_groups": out})

    def render_flavor(self, fl, mv, detail, ctx):
        base = self.link_base("compute")
        d = {"id": fl["id"], "links": [{"rel": "self", "href": "%s/v2.1/flavors/%s" % (base, fl["id"])},
                                       {"rel": "bookmark", "href": "%s/flavors/%s" % (base, fl["id"])}],
             "name": fl["name"]}
        if mv >= 55:
            d["description"] = None
        if not detail:
            return d
        d.update({"OS-FLV-DISABLED:disabled": False, "OS-FLV-EXT-DATA:ephemeral": fl["ephemeral"],
                  "disk": fl["disk"], "os-flavor-access:is_public": True, "ram": fl["ram"],
                  "swap": fl["swap"] if (fl["swap"] or mv >= 75) else "", "vcpus": fl["vcpus"]})
        if mv < 75 or True:
            d["rxtx_factor"] = 1.0
        if mv >= 61 and ctx.es_vis:
            d["extra_specs"] = dict(fl["extra_specs"])
        return d

    def nova_flavors(self, ctx, mv, detail):
        fls = sorted(self.cloud.fleet.flavors, key=lambda x: x["id"])
        marker = self.q("marker")
        if marker is not None:
            pos = next((i for i, x in enumerate(fls) if x["id"] == marker), None)
            if pos is None:
                raise nova_error(400, "marker [%s] not found" % marker)
            fls = fls[pos + 1:]
        limit = self.cloud.args.page_size_max
        if self.q("limit") is not None:
            try:
                limit = min(int(self.q("limit")), limit)
            except ValueError:
                raise nova_error(400, "limit param must be an integer")
        fls = fls[:limit]
        body = {"flavors": [self.render_flavor(x, mv, detail, ctx) for x in fls]}
        if fls and len(fls) == limit:
            params = [(k, v) for k, v in self.query if k != "marker"] + [("marker", fls[-1]["id"])]
            body["flavors_links"] = [{"rel": "next", "href": "%s/v2.1/flavors%s?%s" % (
                self.link_base("compute"), "/detail" if detail else "", urlencode(params))}]
        return self.respond(200, body)

    # -------------------------------------------------------------- neutron
    def network(self, method, parts, raw):
        base = self.link_base("network")
        if not parts:
            return self.respond(200, {"versions": [{"id": "v2.0", "status": "CURRENT",
                                                    "links": [{"href": base + "/v2.0/", "rel": "self"}]}]})
        if parts[0] != "v2.0":
            raise neutron_error(404, "HTTPNotFound", "The resource could not be found.")
        ctx = self.auth()
        if len(parts) == 1:
            res = [{"name": n, "collection": c, "links": [{"href": "%s/v2.0/%s" % (base, c), "rel": "self"}]}
                   for n, c in (("network", "networks"), ("subnet", "subnets"), ("port", "ports"),
                                ("security_group", "security-groups"),
                                ("security_group_rule", "security-group-rules"), ("floatingip", "floatingips"))]
            return self.respond(200, {"resources": res})
        if method != "GET":
            raise neutron_error(405, "HTTPMethodNotAllowed", "The method is not allowed.")
        coll = parts[1]
        if coll.endswith(".json"):
            coll = coll[:-5]
        if coll == "floating-ips":
            coll = "floatingips"
        one = parts[2] if len(parts) > 2 else None
        f = self.cloud.fleet
        project = None if ctx.admin else ctx.project_id
        if coll == "ports":
            return self.neutron_stream(ctx, "ports", self.port_source(ctx, project, one), one, "Port")
        if coll == "floatingips":
            def src(start_after):
                for (fip, p, rec) in f.iter_fips(project, start_after):
                    yield f.render_fip(fip, p, rec)
            if one is not None:
                return self.neutron_one("floatingip", one, src(None), "FloatingIP")
            return self.neutron_stream(ctx, "floatingips", src, None, "FloatingIP")
        if coll == "security-groups":
            items = [f.render_sg(sg) for sg in f.sg_by_id.values() if project is None or sg["project_id"] == project]
            return self.neutron_small(ctx, "security_groups", "security_group", items, one, "SecurityGroup")
        if coll == "security-group-rules":
            items = [f.render_sg_rule(r) for sg in f.sg_by_id.values() for r in sg["rules"]
                     if project is None or sg["project_id"] == project]
            return self.neutron_small(ctx, "security_group_rules", "security_group_rule", items, one,
                                      "SecurityGroupRule")
        if coll == "networks":
            items = [f.render_network(n, ctx.admin) for n in f.networks if f.network_visible(n, project)]
            return self.neutron_small(ctx, "networks", "network", items, one, "Network")
        if coll == "subnets":
            items = [f.render_subnet(s) for n in f.networks if f.network_visible(n, project) for s in n["subnets"]]
            return self.neutron_small(ctx, "subnets", "subnet", items, one, "Subnet")
        raise neutron_error(404, "HTTPNotFound", "The resource could not be found.")

    def port_source(self, ctx, project, one):
        f = self.cloud.fleet
        admin = ctx.admin
        dev_ids = self.qall("device_id")

        def src(start_after):
            if dev_ids and len(dev_ids) <= 50:
                # fast path: device_id -> server index
                recs = []
                for d in dev_ids:
                    idx = f.idx_of_server(d)
                    rec = f.get(idx) if idx is not None else None
                    if rec is not None and rec["vm_state"] != "deleted" and (
                            project is None or rec["project_id"] == project):
                        recs.append(rec)
                recs.sort(key=lambda r: r["idx"])
                started = start_after is None
                for rec in recs:
                    for p in rec["ports"]:
                        if not started:
                            started = p["id"] == start_after
                            continue
                        yield f.render_port(p, rec, admin)
                return
            for (p, rec) in f.iter_ports(project, start_after):
                yield f.render_port(p, rec, admin)
        if one is not None:
            return src
        return src

    def neutron_filters(self):
        out = {}
        for k, v in self.query:
            if k in ("limit", "marker", "fields", "sort_key", "sort_dir", "page_reverse"):
                continue
            out.setdefault(k, set()).add(v)
        return out

    @staticmethod
    def neutron_match(item, filt):
        for k, vals in filt.items():
            if k not in item:
                continue  # unknown filters are ignored
            v = item[k]
            if isinstance(v, bool):
                sv = "true" if v else "false"
                if not any(x.lower() == sv for x in vals):
                    return False
            elif isinstance(v, list):
                if k == "fixed_ips":
                    continue
                if not any(x in [str(i) for i in v] for x in vals):
                    return False
            elif str(v) not in vals and not (v is None and "" in vals):
                return False
        return True

    def neutron_fields(self, item):
        fields = self.qall("fields")
        if not fields:
            return item
        want = set(x for f in fields for x in f.split(","))
        return {k: v for k, v in item.items() if k in want}

    def neutron_limit(self):
        ls = self.q("limit")
        if ls is None:
            return None
        try:
            n = int(ls)
        except ValueError:
            raise neutron_error(400, "BadRequest", "Bad limit request: Limit must be an integer 0 or greater "
                                                   "and not '%s'." % ls)
        if n < 0:
            raise neutron_error(400, "BadRequest", "Bad limit request: Limit must be an integer 0 or greater.")
        return n or None

    def neutron_one(self, key, one, items, etype):
        for it in items:
            if it["id"] == one:
                return self.respond(200, {key: self.neutron_fields(it)})
        raise neutron_error(404, "%sNotFound" % etype, "%s %s could not be found." % (etype, one))

    def neutron_small(self, ctx, key, one_key, items, one, etype):
        if one is not None:
            return self.neutron_one(one_key, one, items, etype)
        filt = self.neutron_filters()
        items = [i for i in items if self.neutron_match(i, filt)]
        marker = self.q("marker")
        if marker is not None:
            pos = next((i for i, x in enumerate(items) if x["id"] == marker), None)
            if pos is None:
                raise neutron_error(404, "%sNotFound" % etype, "%s %s could not be found." % (etype, marker))
            items = items[pos + 1:]
        limit = self.neutron_limit()
        body = {}
        if limit is not None:
            items = items[:limit]
        body[key] = [self.neutron_fields(i) for i in items]
        if limit is not None and len(items) == limit:
            body[key + "_links"] = [self.next_link_neutron(key.replace("_", "-"), items[-1]["id"])]
        return self.respond(200, body)

    def next_link_neutron(self, coll, last_id):
        params = [(k, v) for k, v in self.query if k != "marker"] + [("marker", last_id)]
        return {"rel": "next", "href": "%s/v2.0/%s?%s" % (self.link_base("network"), coll, urlencode(params))}

    def neutron_stream(self, ctx, key, src, one, etype):
        cloud = self.cloud
        f = cloud.fleet
        if one is not None:
            with cloud.lock:
                if key == "ports":
                    d = f.idx_of_port(one)
                    if one in f.infra_port_by_id:
                        items = [x for x in src(None) if x["id"] == one]
                    elif d is not None:
                        rec = f.get(d[0])
                        items = []
                        if rec is not None and rec["vm_state"] != "deleted" and (
                                ctx.admin or rec["project_id"] == ctx.project_id):
                            items = [f.render_port(p, rec, ctx.admin) for p in rec["ports"] if p["id"] == one]
                    else:
                        items = []
                else:
                    items = list(src(None))
            return self.neutron_one(key[:-1], one, items, etype)
        filt = self.neutron_filters()
        filt.pop("device_id", None) if key == "ports" and self.qall("device_id") and len(
            self.qall("device_id")) <= 50 else None
        limit = self.neutron_limit()
        marker = self.q("marker")
        if marker is not None and key == "ports":
            if f.idx_of_port(marker) is None and marker not in f.infra_port_by_id:
                raise neutron_error(404, "PortNotFound", "Port %s could not be found." % marker)
        coll = {"ports": "ports", "floatingips": "floatingips"}[key]
        fixed_key = ("neutron", key, ctx.admin, None if ctx.admin else ctx.project_id, self.link_base("network"))
        if limit is not None:
            lbase = self.link_base("network")

            def build(query, mk):
                items = []
                for it in src(mk):
                    if filt and not self.neutron_match(it, filt):
                        continue
                    items.append(it)
                    if len(items) >= limit:
                        break
                body = {key: [self.neutron_fields(i) for i in items]}
                nxt = None
                if len(items) == limit:
                    params = [(k, v) for k, v in query if k != "marker"] + [("marker", items[-1]["id"])]
                    body[key + "_links"] = [{"rel": "next", "href": "%s/v2.0/%s?%s" % (
                        lbase, coll, urlencode(params))}]
                    nxt = (params, items[-1]["id"])
                return json.dumps(body).encode(), nxt

            data, nxt = cloud.get_or_build(fixed_key + (tuple(sorted(self.query)),),
                                           lambda: build(self.query, marker))
            self.respond(200, data)
            if nxt is not None and cloud.args.prefetch:
                params, last = nxt
                cloud.prefetch(fixed_key + (tuple(sorted(params)),), lambda: build(params, last))
            return

        # no limit: everything, streamed in chunks
        def chunks():
            it = iter(src(marker))
            yield ('{"%s": [' % key).encode()
            first = True
            while True:
                batch = []
                with cloud.lock:
                    for x in it:
                        if filt and not self.neutron_match(x, filt):
                            continue
                        batch.append(self.neutron_fields(x))
                        if len(batch) >= 1000:
                            break
                if not batch:
                    break
                s = json.dumps(batch)[1:-1]
                yield ((s if first else "," + s)).encode()
                first = False
            yield b"]}"
        return self.respond_stream(200, chunks())

    # -------------------------------------------------------------- cinder
    def volume(self, method, parts, raw):
        base = self.link_base("volume")
        vdoc = {"id": "v3.0", "status": "CURRENT", "version": "3.%d" % CINDER_MAX, "min_version": "3.0",
                "updated": "2023-08-31T00:00:00Z",
                "links": [{"href": base + "/v3/", "rel": "self"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.volume+json;version=3"}]}
        if not parts:
            return self.respond(300, {"versions": [vdoc]})
        if parts[0] != "v3":
            raise nova_error(404, "The resource could not be found.")
        if len(parts) == 1:
            return self.respond(200, {"versions": [vdoc]})
        ctx = self.auth()
        vmv = self.negotiate_cinder()
        pid = parts[1]
        if pid not in self.cloud.fleet.project_by_id:
            raise nova_error(404, "The resource could not be found.")
        if not ctx.admin and pid != ctx.project_id:
            raise nova_error(400, "Malformed request url")
        rest = parts[2:]
        if not rest:
            return self.respond(200, {"versions": [vdoc]})
        if rest[0] != "volumes" or method != "GET":
            raise nova_error(404, "The resource could not be found.")
        if len(rest) == 1:
            return self.cinder_list(ctx, vmv, pid, detail=False)
        if rest[1] == "detail" and len(rest) == 2:
            return self.cinder_list(ctx, vmv, pid, detail=True)
        vid = rest[1]
        f = self.cloud.fleet
        with self.cloud.lock:
            d = f.idx_of_volume(vid)
            rec = f.get(d[0]) if d else None
            v = next((x for x in rec["volumes"] if x["id"] == vid and not x.get("deleted")), None) if rec else None
            if v is None or (not ctx.admin and rec["project_id"] != ctx.project_id):
                raise nova_error(404, "Volume %s could not be found." % vid)
            body = f.render_volume(v, rec, ctx.admin, base, vmv)
        return self.respond(200, {"volume": body})

    def negotiate_cinder(self):
        h = self.headers.get("OpenStack-API-Version")
        vmv = CINDER_MIN
        if h:
            for item in h.split(","):
                bits = item.strip().split()
                if len(bits) == 2 and bits[0].lower() in ("volume", "block-storage"):
                    if bits[1].lower() == "latest":
                        vmv = CINDER_MAX
                    else:
                        m = re.fullmatch(r"3\.(\d+)", bits[1])
                        if not m:
                            raise nova_error(400, "Invalid API version %s" % bits[1])
                        vmv = int(m.group(1))
                        if vmv > CINDER_MAX:
                            raise nova_error(406, "Version 3.%d is not supported by the API. Minimum is 3.0 and "
                                                  "maximum is 3.%d." % (vmv, CINDER_MAX))
        self.extra_headers["OpenStack-API-Version"] = "volume 3.%d" % vmv
        self.extra_headers["Vary"] = "OpenStack-API-Version"
        return vmv

    def cinder_list(self, ctx, vmv, pid, detail):
        cloud = self.cloud
        f = cloud.fleet
        at = self.q("all_tenants")
        all_t = ctx.admin and at is not None and at.strip().lower() not in FALSE_VALUES
        project = None if all_t else pid
        if all_t and self.q("project_id"):
            project = self.q("project_id")
        limit = cloud.args.page_size_max
        if self.q("limit") is not None:
            try:
                limit = int(self.q("limit"))
            except ValueError:
                raise nova_error(400, "Invalid input received: limit must be an integer")
            if limit < 0:
                raise nova_error(400, "Invalid input received: limit must be >= 0")
            limit = min(limit, cloud.args.page_size_max)
        marker = self.q("marker")
        if marker is not None and f.idx_of_volume(marker) is None:
            raise nova_error(400, "Invalid input received: marker [%s] not found" % marker)
        filt = {}
        for k, v in self.query:
            if k in ("status", "name", "bootable", "availability_zone"):
                filt[k] = v
        base = self.link_base("volume")
        fixed_key = ("volumes", detail, vmv, ctx.admin, project, base, pid)

        def build(query, mk):
            out = []
            if limit > 0:
                for (v, rec) in f.iter_volumes(project, mk):
                    d = f.render_volume(v, rec, ctx.admin, base, vmv)
                    if filt and any(str(d.get(k)) != val for k, val in filt.items()):
                        continue
                    if not detail:
                        d = {"id": d["id"], "links": d["links"], "name": d["name"]}
                    out.append(d)
                    if len(out) >= limit:
                        break
            body = {"volumes": out}
            nxt = None
            if limit > 0 and len(out) == limit:
                params = [(k, v) for k, v in query if k != "marker"] + [("marker", out[-1]["id"])]
                body["volumes_links"] = [{"rel": "next", "href": "%s/v3/%s/volumes%s?%s" % (
                    base, pid, "/detail" if detail else "", urlencode(params))}]
                nxt = (params, out[-1]["id"])
            return json.dumps(body).encode(), nxt

        data, nxt = cloud.get_or_build(fixed_key + (tuple(sorted(self.query)),), lambda: build(self.query, marker))
        self.respond(200, data)
        if nxt is not None and cloud.args.prefetch:
            params, last = nxt
            cloud.prefetch(fixed_key + (tuple(sorted(params)),), lambda: build(params, last))

    # -------------------------------------------------------------- control
    def control(self, method, path, raw):
        cloud = self.cloud
        f = cloud.fleet
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            raise HTTPError(400, {"error": "body is not JSON"})
        parts = [p for p in path.split("/") if p][1:]
        if parts == ["churn"] and method == "POST":
            with cloud.lock:
                res = f.churn(int(body.get("count", 10)), body.get("seed", f.version))
            return self.respond(200, res)
        if parts == ["faults"]:
            if method == "POST":
                try:
                    cloud.set_faults(body)
                except (ValueError, re.error, TypeError) as e:
                    raise HTTPError(400, {"error": str(e)})
                return self.respond(200, {"rules": len(cloud.faults)})
            if method == "DELETE":
                cloud.set_faults({"rules": []})
                return self.respond(200, {"rules": 0})
            if method == "GET":
                return self.respond(200, {"rules": [{k: v for k, v in r.items() if k != "re"}
                                                    for r in cloud.faults], "fired": cloud.faults_fired})
        if parts == ["cell-down"] and method == "POST":
            try:
                cloud.set_cell_down(body.get("mode", "off"), body.get("fraction", 0.1))
            except ValueError as e:
                raise HTTPError(400, {"error": str(e)})
            return self.respond(200, {"mode": cloud.cell_mode, "fraction": cloud.cell_fraction})
        if parts == ["tokens"] and method == "POST":
            with cloud.lock:
                n_revoked = 0
                if body.get("revoke_all"):
                    for t in cloud.tokens.values():
                        if not t["revoked"]:
                            t["revoked"] = True
                            n_revoked += 1
                if "expire_after_calls" in body:
                    n = int(body["expire_after_calls"] or 0)
                    cloud.token_max_calls = n
                    for t in cloud.tokens.values():
                        t["max_calls"] = (t["calls"] + n) if n else 0
            return self.respond(200, {"revoked": n_revoked, "expire_after_calls": cloud.token_max_calls})
        if parts == ["state"] and method == "GET":
            f.ensure_base_counts()  # may take a while on huge fleets; does not block the API
            with cloud.lock:
                counts = f.counts()
                reqs = dict(cloud.requests)
                st = {"counts": counts, "requests": reqs, "requests_total": sum(reqs.values()),
                      "tokens_issued": cloud.tokens_issued, "faults_fired": cloud.faults_fired,
                      "cell_down": {"mode": cloud.cell_mode, "fraction": cloud.cell_fraction},
                      "start": iso_z(f.start), "clock": iso_z(f.clock), "version": f.version,
                      "seed": f.seed, "base_servers": f.n, "next_index": f.next_idx,
                      "overlay": len(f.overlay), "cache": {"bytes": cloud.cache.size, "entries": len(cloud.cache.d),
                                                           "hits": cloud.cache.hits, "misses": cloud.cache.misses},
                      "projects": {p["name"]: p["id"] for p in f.projects},
                      "users": {u["name"]: u["id"] for u in f.users.values()},
                      "appcred_id": f.appcred_id, "auth_url": cloud.auth_url()}
            return self.respond(200, st)
        if len(parts) == 2 and parts[0] == "servers" and method == "GET":
            with cloud.lock:
                rec = f.find_server(parts[1])
                if rec is None:
                    raise HTTPError(404, {"error": "no such server"})
                out = json.loads(json.dumps(rec))
                out["status"] = fleetmod.status_of(rec["vm_state"], rec["task_state"])
                out["actions"] = f.actions_of(rec)
                out["in_overlay"] = rec["idx"] in f.overlay
                out["down_cell"] = f.is_down_cell(rec["idx"], cloud.cell_fraction)
            return self.respond(200, out)
        if parts == ["servers"] and method == "GET":
            # list of ids in listing order (for tests; small fleets only)
            with cloud.lock:
                ids = [r["id"] for r in f.iter_servers() if r["vm_state"] not in ("deleted", "soft-delete")]
            return self.respond(200, {"ids": ids})
        raise HTTPError(404, {"error": "unknown control endpoint"})


def wrongtype(data):
    """Return the body with one field of an unexpected JSON type."""
    try:
        obj = json.loads(data)
    except ValueError:
        return data
    target = obj
    if isinstance(obj, dict):
        for v in obj.values():
            if isinstance(v, list) and v and isinstance(v[0], dict):
                target = v[0]
                break
            if isinstance(v, dict):
                target = v
                break
    if isinstance(target, dict):
        for k in sorted(target):
            if isinstance(target[k], str):
                target[k] = 12345
                break
        for k in sorted(target):
            if isinstance(target[k], bool):
                continue
            if isinstance(target[k], int) and target[k] != 12345:
                target[k] = str(target[k])
                break
    return json.dumps(obj).encode()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def write_clouds_yaml(path, cloud):
    f = cloud.fleet
    a = cloud.args
    auth_url = cloud.auth_url()
    regions = ["RegionOne"] + (["RegionTwo"] if a.regions >= 2 else [])

    def q(s):
        return json.dumps(s)

    def block(name, region, auth_type, auth):
        lines = ["  %s:" % name, "    region_name: %s" % region, "    interface: public",
                 "    identity_api_version: 3"]
        if auth_type:
            lines.append("    auth_type: %s" % auth_type)
        lines.append("    auth:")
        for k, v in auth:
            lines.append("      %s: %s" % (k, q(v)))
        return "\n".join(lines)

    out = ["# written by Tests/FakeCloud/fakecloud.py (seed %d); test credentials only" % f.seed, "clouds:"]
    for region in regions:
        suffix = "" if region == "RegionOne" else "-r2"
        out.append(block("fake-admin" + suffix, region, "password", [
            ("auth_url", auth_url), ("username", "admin"), ("password", a.admin_password),
            ("project_name", "admin"), ("user_domain_name", "Default"), ("project_domain_name", "Default")]))
        out.append(block("fake-member" + suffix, region, "password", [
            ("auth_url", auth_url), ("username", "alice"), ("password", a.member_password),
            ("project_name", "demo"), ("user_domain_name", "Default"), ("project_domain_name", "Default")]))
        out.append(block("fake-appcred" + suffix, region, "v3applicationcredential", [
            ("auth_url", auth_url), ("application_credential_id", f.appcred_id),
            ("application_credential_secret", a.appcred_secret)]))
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write("\n".join(out) + "\n")
    os.replace(tmp, path)


def build_parser():
    p = argparse.ArgumentParser(description="Fake OpenStack cloud (Keystone v3, Nova, Neutron, Cinder) "
                                            "for stackledger tests. Prints the Keystone auth URL on stdout.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="TCP port, 0 = pick a free one (default 0)")
    p.add_argument("--servers", type=int, default=1000, help="number of generated servers (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="fleet seed (default 1)")
    p.add_argument("--projects", type=int, default=8, help="number of projects, 2..16, incl. admin and demo "
                                                           "(default 8)")
    p.add_argument("--regions", type=int, default=1, choices=[1, 2],
                   help="1, or 2 to add RegionTwo (same fleet, URLs under /regiontwo) (default 1)")
    p.add_argument("--max-microversion", default="2.100", help="Nova max microversion (default 2.100)")
    p.add_argument("--page-size-max", type=int, default=1000,
                   help="Nova/Cinder max_limit: largest page (default 1000)")
    p.add_argument("--token-ttl", type=float, default=3600, help="token lifetime in seconds (default 3600)")
    p.add_argument("--token-max-calls", type=int, default=0,
                   help="a token expires after this many API calls, 0 = unlimited (default 0)")
    p.add_argument("--write-clouds-yaml", metavar="PATH", help="write clouds.yaml with fake-admin, fake-member, "
                                                               "fake-appcred")
    p.add_argument("--admin-password", default=DEFAULT_ADMIN_PASSWORD,
                   help="password of user admin (default %s)" % DEFAULT_ADMIN_PASSWORD)
    p.add_argument("--member-password", default=DEFAULT_MEMBER_PASSWORD,
                   help="password of user alice (default %s)" % DEFAULT_MEMBER_PASSWORD)
    p.add_argument("--appcred-secret", default=DEFAULT_APPCRED_SECRET,
                   help="secret of admin's application credential (default %s)" % DEFAULT_APPCRED_SECRET)
    p.add_argument("--faults", metavar="JSON", help='fault rules, same shape as POST /_fake/faults, e.g. '
                                                    '\'{"seed":1,"rules":[{"path":"/servers","kind":"status",'
                                                    '"status":503,"probability":0.1}]}\'')
    p.add_argument("--cell-down", metavar="MODE:FRACTION",
                   help="down-cell simulation: partial|skip|error with a fraction, e.g. partial:0.05")
    p.add_argument("--reclaim", action="store_true",
                   help="deletes are soft (SOFT_DELETED) like reclaim_instance_interval > 0")
    p.add_argument("--cache-mb", type=float, default=1024,
                   help="size bound of the serialized page cache in MiB, 0 disables (default 1024)")
    p.add_argument("--no-prefetch", dest="prefetch", action="store_false",
                   help="do not build the next /servers page in the background after serving one")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p


def make_server(args):
    cloud = Cloud(args)
    handler = type("BoundHandler", (Handler,), {"cloud": cloud})
    httpd = Server((args.host, args.port), handler)
    cloud.port = httpd.server_address[1]
    return cloud, httpd


def main(argv=None):
    args = build_parser().parse_args(argv)
    cloud, httpd = make_server(args)
    if args.write_clouds_yaml:
        write_clouds_yaml(args.write_clouds_yaml, cloud)
    stopping = threading.Event()

    def stop(signum, frame):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write(cloud.auth_url() + "\n")
    sys.stdout.flush()
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
