"""Tests of the fake cloud itself.

    python3 -m unittest discover -s Tests/FakeCloud -p 'test_*.py'

Each test class starts its own fake in-process (port 0) and talks real HTTP with urllib.
"""

import collections
import http.client
import calendar
import json
import os
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fakecloud  # noqa: E402

ADMIN = ("admin", "fake-admin-password", "admin")
ALICE = ("alice", "fake-alice-password", "demo")


class FakeCase(unittest.TestCase):
    SERVERS = 300
    SEED = 11
    EXTRA = []

    @classmethod
    def setUpClass(cls):
        args = fakecloud.build_parser().parse_args(
            ["--port", "0", "--servers", str(cls.SERVERS), "--seed", str(cls.SEED)] + cls.EXTRA)
        cls.cloud, cls.httpd = fakecloud.make_server(args)
        cls.thread = threading.Thread(target=cls.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        cls.thread.start()
        cls.base = cls.cloud.base_url()
        cls._tokens = {}

    @classmethod
    def tearDownClass(cls):
        cls.httpd.shutdown()
        cls.httpd.server_close()

    # ---------------------------------------------------------------- http helpers
    def call(self, method, path, body=None, headers=None, token=None, raw=False):
        url = path if path.startswith("http") else self.base + path
        data = json.dumps(body).encode() if body is not None else None
        h = {"Content-Type": "application/json"} if data is not None else {}
        if token:
            h["X-Auth-Token"] = token
        h.update(headers or {})
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, hdrs, payload = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, payload = e.code, e.headers, e.read()
        if raw:
            return status, hdrs, payload
        return status, hdrs, (json.loads(payload) if payload else None)

    def auth(self, who=ADMIN):
        user, pw, proj = who
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": "Default"}, "password": pw}}},
            "scope": {"project": {"name": proj, "domain": {"name": "Default"}}}}}
        st, h, doc = self.call("POST", "/identity/v3/auth/tokens", body)
        self.assertEqual(st, 201, doc)
        return h["X-Subject-Token"]

    def token(self, who=ADMIN):
        if who not in self._tokens:
            self._tokens[who] = self.auth(who)
        return self._tokens[who]

    def nova(self, path, mv="2.100", who=ADMIN, method="GET", body=None, token=None):
        return self.call(method, "/compute/v2.1" + path, body, {"OpenStack-API-Version": "compute %s" % mv},
                         token or self.token(who))

    def walk(self, path, mv="2.100", who=ADMIN, key="servers"):
        items, pages = [], 0
        url = path
        while url:
            st, _, doc = self.nova(url, mv, who) if not url.startswith("http") else self.call(
                "GET", url, headers={"OpenStack-API-Version": "compute %s" % mv}, token=self.token(who))
            self.assertEqual(st, 200, doc)
            items.extend(doc[key])
            pages += 1
            url = None
            for link in doc.get(key + "_links", []):
                if link["rel"] == "next":
                    url = link["href"]
            self.assertLess(pages, 10000)
        return items, pages

    def state(self):
        return self.call("GET", "/_fake/state")[2]

    def control(self, path, body):
        st, _, doc = self.call("POST", "/_fake/" + path, body)
        self.assertEqual(st, 200, doc)
        return doc


class TestPagingAndIdentity(FakeCase):
    def test_paging_every_server_once(self):
        expected = self.call("GET", "/_fake/servers")[2]["ids"]
        self.assertEqual(len(expected), self.state()["counts"]["servers"])
        for limit in (7, 50, 299, 300, 1000):
            items, pages = self.walk("/servers/detail?all_tenants=1&limit=%d" % limit)
            ids = [s["id"] for s in items]
            self.assertEqual(ids, expected, "limit %d" % limit)
            self.assertEqual(len(set(ids)), len(ids))
            # a page exactly full gets a next link, so an exact multiple costs one extra (empty) page
            self.assertEqual(pages, len(ids) // limit + 1)
        created = [s["created"] for s in items]
        self.assertEqual(created, sorted(created, reverse=True))
        items, _ = self.walk("/servers?all_tenants=1&limit=100")
        self.assertEqual([s["id"] for s in items], expected)
        self.assertEqual(set(items[0]), {"id", "links", "name"})

    def test_max_limit_and_marker_errors(self):
        st, _, doc = self.nova("/servers/detail?all_tenants=1&limit=0")
        self.assertEqual((st, doc["servers"]), (200, []))
        st, _, doc = self.nova("/servers/detail?all_tenants=1&marker=00000000-0000-4000-8000-000000000000")
        self.assertEqual(st, 400)
        self.assertEqual(doc["badRequest"]["message"], "marker [00000000-0000-4000-8000-000000000000] not found")
        st, _, doc = self.nova("/servers/detail?all_tenants=1&bogus=1", mv="2.75")
        self.assertEqual(st, 400)
        self.assertIn("badRequest", doc)
        st, _, doc = self.nova("/servers/detail?all_tenants=1&bogus=1&limit=3", mv="2.74")
        self.assertEqual(st, 200)
        self.assertEqual(len(doc["servers"]), 3)

    def test_request_ids_and_versions(self):
        st, h, doc = self.call("GET", "/compute/")
        self.assertEqual(st, 200)
        v21 = [v for v in doc["versions"] if v["id"] == "v2.1"][0]
        self.assertEqual((v21["min_version"], v21["version"]), ("2.1", "2.100"))
        st, h, doc = self.call("GET", "/compute/v2.1/")
        self.assertEqual(doc["version"]["version"], "2.100")
        st, h, _ = self.nova("/flavors/detail", mv="2.60")
        self.assertTrue(h["x-openstack-request-id"].startswith("req-"))
        self.assertEqual(h["x-openstack-request-id"], h["x-compute-request-id"])
        self.assertEqual(h["OpenStack-API-Version"], "compute 2.60")
        self.assertEqual(h["X-OpenStack-Nova-API-Version"], "2.60")
        self.assertIn("OpenStack-API-Version", h["Vary"])
        # no header -> 2.1; legacy header alone works; the new header wins over the legacy one
        st, h, _ = self.call("GET", "/compute/v2.1/flavors", token=self.token())
        self.assertEqual(h["X-OpenStack-Nova-API-Version"], "2.1")
        st, h, _ = self.call("GET", "/compute/v2.1/flavors", token=self.token(),
                             headers={"X-OpenStack-Nova-API-Version": "2.30"})
        self.assertEqual(h["X-OpenStack-Nova-API-Version"], "2.30")
        st, h, _ = self.call("GET", "/compute/v2.1/flavors", token=self.token(),
                             headers={"X-OpenStack-Nova-API-Version": "2.30",
                                      "OpenStack-API-Version": "compute 2.40"})
        self.assertEqual(h["X-OpenStack-Nova-API-Version"], "2.40")
        for bad in ("2.101", "2.0"):
            st, h, doc = self.nova("/flavors", mv=bad)
            self.assertEqual(st, 406, bad)
            self.assertIn("computeFault", doc)

    def test_identity_methods(self):
        st, h, doc = self.call("POST", "/identity/v3/auth/tokens", {"auth": {"identity": {
            "methods": ["password"], "password": {"user": {"name": "admin", "domain": {"name": "Default"},
                                                           "password": "wrong"}}}}})
        self.assertEqual(st, 401)
        self.assertEqual(doc, {"error": {"code": 401, "title": "Unauthorized",
                                         "message": "The request you have made requires authentication."}})
        st_ = self.state()
        appcred = {"auth": {"identity": {"methods": ["application_credential"], "application_credential": {
            "id": st_["appcred_id"], "secret": "fake-appcred-secret"}}}}
        st, h, doc = self.call("POST", "/identity/v3/auth/tokens", appcred)
        self.assertEqual(st, 201)
        self.assertEqual(doc["token"]["project"]["name"], "admin")
        self.assertEqual(doc["token"]["application_credential"]["id"], st_["appcred_id"])
        types = {s["type"] for s in doc["token"]["catalog"]}
        self.assertTrue({"compute", "network", "block-storage", "volumev3", "identity"} <= types)
        ep = [e for s in doc["token"]["catalog"] if s["type"] == "volumev3" for e in s["endpoints"]]
        self.assertEqual({e["interface"] for e in ep}, {"public", "internal", "admin"})
        self.assertTrue(all(e["url"].endswith("/volume/v3/" + st_["projects"]["admin"]) for e in ep))
        # by name + user
        byname = {"auth": {"identity": {"methods": ["application_credential"], "application_credential": {
            "name": "stackledger-sync", "secret": "fake-appcred-secret",
            "user": {"name": "admin", "domain": {"id": "default"}}}}}}
        self.assertEqual(self.call("POST", "/identity/v3/auth/tokens", byname)[0], 201)
        # password by ids, then re-scope with the token method
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "id": st_["users"]["alice"], "password": "fake-alice-password"}}},
            "scope": {"project": {"id": st_["projects"]["demo"]}}}}
        st, h, doc = self.call("POST", "/identity/v3/auth/tokens", body)
        self.assertEqual(st, 201)
        self.assertEqual({r["name"] for r in doc["token"]["roles"]}, {"member", "reader"})
        tok = h["X-Subject-Token"]
        st, h, doc = self.call("POST", "/identity/v3/auth/tokens", {"auth": {"identity": {
            "methods": ["token"], "token": {"id": tok}}, "scope": {"project": {"id": st_["projects"]["demo"]}}}})
        self.assertEqual(st, 201)
        self.assertNotEqual(h["X-Subject-Token"], tok)
        # alice cannot scope to admin
        body["auth"]["scope"] = {"project": {"name": "admin", "domain": {"name": "Default"}}}
        self.assertEqual(self.call("POST", "/identity/v3/auth/tokens", body)[0], 401)

    def test_token_expiry_and_reauth(self):
        tok = self.auth()
        self.control("tokens", {"expire_after_calls": 2})
        try:
            self.assertEqual(self.nova("/flavors", token=tok)[0], 200)
            self.assertEqual(self.nova("/flavors", token=tok)[0], 200)
            st, h, doc = self.nova("/flavors", token=tok)
            self.assertEqual(st, 401)
            self.assertEqual(doc["error"]["code"], 401)
            self.assertEqual(h["WWW-Authenticate"], 'Keystone uri="%s/identity"' % self.base)
            tok2 = self.auth()
            self.assertEqual(self.nova("/flavors", token=tok2)[0], 200)
        finally:
            self.control("tokens", {"expire_after_calls": 0})
        tok3 = self.auth()
        self.control("tokens", {"revoke_all": True})
        self.assertEqual(self.nova("/flavors", token=tok3)[0], 401)
        self._tokens.clear()
        self.assertEqual(self.nova("/flavors", token=self.auth())[0], 200)

    def test_ttl_expiry(self):
        self.cloud.args.token_ttl = 0.3
        try:
            tok = self.auth()
            self.assertEqual(self.nova("/flavors", token=tok)[0], 200)
            time.sleep(0.4)
            self.assertEqual(self.nova("/flavors", token=tok)[0], 401)
        finally:
            self.cloud.args.token_ttl = 3600

    def test_member_scope(self):
        st, _, doc = self.nova("/servers/detail?all_tenants=1", who=ALICE)
        self.assertEqual(st, 403)
        self.assertIn("forbidden", doc)
        st_ = self.state()
        items, _ = self.walk("/servers/detail?limit=20", who=ALICE)
        self.assertEqual(len(items), st_["counts"]["per_project"]["demo"]["live"])
        self.assertTrue(all(s["tenant_id"] == st_["projects"]["demo"] for s in items))
        for s in items:
            self.assertNotIn("OS-EXT-SRV-ATTR:host", s)
            self.assertNotIn("host_status", s)
            self.assertIn("OS-EXT-SRV-ATTR:hostname", s)  # everyone from 2.90
        items89, _ = self.walk("/servers/detail?limit=1000", who=ALICE, mv="2.89")
        self.assertTrue(all("OS-EXT-SRV-ATTR:hostname" not in s for s in items89))
        # admin filtering by project
        items, _ = self.walk("/servers/detail?all_tenants=1&project_id=%s" % st_["projects"]["demo"])
        self.assertEqual(len(items), st_["counts"]["per_project"]["demo"]["live"])
        # other project's server is 404 for alice
        other = [i for i in self.call("GET", "/_fake/servers")[2]["ids"]
                 if self.call("GET", "/_fake/servers/" + i)[2]["project_id"] != st_["projects"]["demo"]][0]
        st, _, doc = self.nova("/servers/" + other, who=ALICE)
        self.assertEqual(st, 404)
        self.assertEqual(doc, {"itemNotFound": {"code": 404, "message": "Instance %s could not be found." % other}})


class TestMicroversions(FakeCase):
    def find(self, pred):
        items, _ = self.walk("/servers/detail?all_tenants=1")
        for s in items:
            if pred(s):
                return s
        self.fail("no server matches")

    def test_field_gating(self):
        s = self.find(lambda s: s["image"] != "" and s["status"] == "ACTIVE")
        sid = s["id"]
        _, _, d1 = self.nova("/servers/" + sid, mv="2.1")
        s1 = d1["server"]
        self.assertEqual(set(s1["flavor"]), {"id", "links"})
        for k in ("locked", "tags", "description", "host_status", "OS-EXT-SRV-ATTR:hostname",
                  "trusted_image_certificates", "scheduler_hints", "pinned_availability_zone"):
            self.assertNotIn(k, s1)
        self.assertTrue(all(set(v) == {"id"} for v in s1["os-extended-volumes:volumes_attached"]))
        self.assertIn("OS-EXT-SRV-ATTR:host", s1)
        self.assertNotIn("properties", s1["image"])
        _, _, d47 = self.nova("/servers/" + sid, mv="2.47")
        s47 = d47["server"]
        self.assertNotIn("id", s47["flavor"])
        self.assertTrue({"vcpus", "ram", "disk", "ephemeral", "swap", "original_name", "extra_specs"}
                        <= set(s47["flavor"]))
        for k in ("locked", "tags", "description", "host_status", "OS-EXT-SRV-ATTR:hostname"):
            self.assertIn(k, s47)
        self.assertNotIn("locked_reason", s47)
        self.assertNotIn("server_groups", s47)
        _, _, d100 = self.nova("/servers/" + sid, mv="2.100")
        s100 = d100["server"]
        for k in ("locked_reason", "trusted_image_certificates", "pinned_availability_zone", "scheduler_hints",
                  "server_groups"):
            self.assertIn(k, s100)
        self.assertIn("properties", s100["image"])
        self.assertTrue(all(set(v) == {"id", "delete_on_termination"}
                            for v in s100["os-extended-volumes:volumes_attached"]))
        # server_groups only on GET one, never in the list
        items, _ = self.walk("/servers/detail?all_tenants=1&limit=50")
        self.assertTrue(all("server_groups" not in x for x in items))
        # member: flavor extra_specs visible (reader policy), 500 fault details hidden
        err = self.find(lambda s: s["status"] == "ERROR")
        self.assertIn("details", err["fault"])
        self.assertEqual(set(err["fault"]) - {"details"}, {"code", "created", "message"})

    def test_shapes(self):
        items, _ = self.walk("/servers/detail?all_tenants=1", mv="2.100")
        bfv = [s for s in items if s["image"] == ""]
        self.assertTrue(bfv)
        for s in bfv:
            if s["status"] in ("ACTIVE", "SHUTOFF"):
                self.assertTrue(s["os-extended-volumes:volumes_attached"])
        for s in items:
            self.assertTrue(s["created"].endswith("Z") and s["updated"].endswith("Z"))
            self.assertGreaterEqual(s["updated"], s["created"])
            self.assertIn(s["config_drive"], ("True", ""))
            la = s["OS-SRV-USG:launched_at"]
            if la is not None:
                self.assertRegex(la, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
            if s["status"] in ("ACTIVE", "BUILD", "VERIFY_RESIZE"):
                self.assertIn("progress", s)
            if s["status"] in ("SHUTOFF", "PAUSED", "SUSPENDED", "SHELVED_OFFLOADED", "ERROR"):
                self.assertNotIn("progress", s)
            if s["status"] == "BUILD":
                self.assertEqual(s["addresses"], {})
            if s["status"] == "SHELVED_OFFLOADED":
                self.assertEqual(s["hostId"], "")
                self.assertIsNone(s["OS-EXT-SRV-ATTR:host"])
            if s["status"] == "ERROR":
                self.assertIn("fault", s)
            if s.get("locked"):
                self.assertIn("locked_reason", s)
        statuses = collections.Counter(s["status"] for s in items)
        for st in ("ACTIVE", "SHUTOFF", "ERROR"):
            self.assertIn(st, statuses)
        self.assertGreater(statuses["ACTIVE"], len(items) // 2)
        import hashlib
        s = [x for x in items if x["OS-EXT-SRV-ATTR:host"]][0]
        self.assertEqual(s["hostId"], hashlib.sha224((s["tenant_id"] + s["OS-EXT-SRV-ATTR:host"]).encode()).hexdigest())

    def test_flavors(self):
        fl, _ = self.walk("/flavors/detail?limit=3", key="flavors")
        self.assertEqual(len(fl), 8)
        st, _, doc = self.nova("/flavors/%s" % fl[0]["id"])
        self.assertEqual(doc["flavor"]["id"], fl[0]["id"])
        self.assertEqual(self.nova("/flavors/nope")[0], 404)


class TestActionsAndChurn(FakeCase):
    SEED = 5

    def pick(self, status="ACTIVE", who=ADMIN, project=None, locked=False):
        items, _ = self.walk("/servers/detail?all_tenants=1" if who == ADMIN else "/servers/detail", who=who)
        for s in items:
            if s["status"] == status and bool(s.get("locked")) == locked and s["image"] != "" and (
                    project is None or s["tenant_id"] == project):
                return s
        self.fail("no %s server" % status)

    def act(self, sid, body, mv="2.100", who=ADMIN):
        return self.nova("/servers/%s/action" % sid, mv=mv, who=who, method="POST", body=body)

    def show(self, sid, mv="2.100"):
        return self.nova("/servers/" + sid, mv=mv)[2]["server"]

    def test_state_machine(self):
        s = self.pick()
        sid = s["id"]
        before = s["updated"]
        st, _, doc = self.act(sid, {"os-stop": None})
        self.assertEqual(st, 202)
        self.assertEqual(self.show(sid)["status"], "SHUTOFF")
        st, _, doc = self.act(sid, {"os-stop": None})
        self.assertEqual(st, 409)
        self.assertIn("conflictingRequest", doc)
        self.assertEqual(self.act(sid, {"reboot": {"type": "SOFT"}})[0], 409)
        self.assertEqual(self.act(sid, {"os-start": None})[0], 202)
        self.assertEqual(self.show(sid)["status"], "ACTIVE")
        self.assertEqual(self.act(sid, {"reboot": {"type": "HARD"}})[0], 202)
        self.assertEqual(self.act(sid, {"confirmResize": None})[0], 409)
        old_flavor = self.show(sid, "2.46")["flavor"]["id"]
        new_flavor = "1" if old_flavor != "1" else "2"
        self.assertEqual(self.act(sid, {"resize": {"flavorRef": new_flavor}})[0], 202)
        s2 = self.show(sid, "2.46")
        self.assertEqual((s2["status"], s2["flavor"]["id"]), ("VERIFY_RESIZE", new_flavor))
        self.assertEqual(self.act(sid, {"revertResize": None})[0], 202)
        s3 = self.show(sid, "2.46")
        self.assertEqual((s3["status"], s3["flavor"]["id"]), ("ACTIVE", old_flavor))
        self.assertEqual(self.act(sid, {"resize": {"flavorRef": new_flavor}})[0], 202)
        self.assertEqual(self.act(sid, {"confirmResize": None})[0], 204)
        s4 = self.show(sid, "2.46")
        self.assertEqual((s4["status"], s4["flavor"]["id"]), ("ACTIVE", new_flavor))
        self.assertEqual(self.act(sid, {"resize": {"flavorRef": new_flavor}})[0], 400)  # same flavor
        self.assertEqual(self.act(sid, {"changePassword": {"adminPass": "s3cret"}})[0], 202)
        images = self.state()
        img = [i for i in (self.cloud.fleet.images) if i["id"] != s["image"]["id"]][0]["id"]
        st, _, doc = self.act(sid, {"rebuild": {"imageRef": img, "name": "rebuilt"}})
        self.assertEqual(st, 202)
        self.assertIn("adminPass", doc["server"])
        self.assertEqual((doc["server"]["image"]["id"], doc["server"]["name"]), (img, "rebuilt"))
        self.assertEqual(self.act(sid, {"rebuild": {"imageRef": "nope"}})[0], 400)
        st, _, doc = self.act(sid, {"createImage": {"name": "snap"}}, mv="2.45")
        self.assertEqual(st, 202)
        self.assertIn("image_id", doc)
        st, h, _ = self.act(sid, {"createImage": {"name": "snap"}}, mv="2.44")
        self.assertEqual(st, 202)
        self.assertIn("/images/", h["Location"])
        self.assertEqual(self.act(sid, {"forceDelete": None})[0], 409)
        self.assertEqual(self.act(sid, {"bogus": None})[0], 400)
        after = self.show(sid)
        self.assertGreater(after["updated"], before)
        del images
        # instance actions: newest first, caller recorded
        st, _, doc = self.nova("/servers/%s/os-instance-actions" % sid)
        names = [a["action"] for a in doc["instanceActions"]]
        self.assertEqual(names[:4], ["createImage", "createImage", "rebuild", "changePassword"])
        self.assertEqual(names[-1], "create")
        self.assertTrue({"stop", "start", "reboot", "resize", "revertResize", "confirmResize"} <= set(names))
        admin_uid = self.state()["users"]["admin"]
        self.assertEqual(doc["instanceActions"][0]["user_id"], admin_uid)
        self.assertRegex(doc["instanceActions"][0]["start_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
        self.assertIn("updated_at", doc["instanceActions"][0])
        rid = doc["instanceActions"][0]["request_id"]
        st, _, one = self.nova("/servers/%s/os-instance-actions/%s" % (sid, rid))
        self.assertEqual(one["instanceAction"]["request_id"], rid)
        self.assertTrue(one["instanceAction"]["events"])
        # 2.58 paging
        got, url = [], "/servers/%s/os-instance-actions?limit=3" % sid
        while url:
            st, _, d = self.nova(url) if not url.startswith("http") else self.call(
                "GET", url, headers={"OpenStack-API-Version": "compute 2.100"}, token=self.token())
            got += [a["request_id"] for a in d["instanceActions"]]
            url = next((l["href"] for l in d.get("links", []) if l["rel"] == "next"), None)
        self.assertEqual(got, [a["request_id"] for a in doc["instanceActions"]])

    def test_locked_conflict_for_member(self):
        demo = self.state()["projects"]["demo"]
        s = self.pick(project=demo)
        self.assertEqual(self.act(s["id"], {"lock": {"locked_reason": "audit"}})[0], 202)
        self.assertEqual(self.show(s["id"])["locked_reason"], "audit")
        st, _, doc = self.act(s["id"], {"os-stop": None}, who=ALICE)
        self.assertEqual(st, 409)
        self.assertEqual(doc["conflictingRequest"]["message"], "Instance %s is locked" % s["id"])
        self.assertEqual(self.act(s["id"], {"unlock": None})[0], 202)
        self.assertEqual(self.act(s["id"], {"os-stop": None}, who=ALICE)[0], 202)

    def test_changes_since_in_the_past_returns_servers_updated_since(self):
        everything, _ = self.walk("/servers/detail?all_tenants=1&limit=200")
        stamps = sorted(s["updated"] for s in everything)
        since = stamps[len(stamps) // 2]
        items, _ = self.walk("/servers/detail?all_tenants=1&limit=37&changes-since=" + since)
        self.assertEqual({s["id"] for s in items},
                         {s["id"] for s in everything if s["updated"] >= since})

    def test_churn_then_changes_since_an_older_watermark_includes_old_servers_it_touched(self):
        # The sync's watermark: the newest `updated` listed before the churn (earlier than the
        # fake's start), so the listing is not limited to the servers touched since the start.
        everything, _ = self.walk("/servers/detail?all_tenants=1&limit=200")
        newest = max(s["updated"] for s in everything)
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(
            calendar.timegm(time.strptime(newest, "%Y-%m-%dT%H:%M:%SZ")) - 300))
        res = self.control("churn", {"count": 60, "seed": 19})
        items, _ = self.walk("/servers/detail?all_tenants=1&limit=17&changes-since=" + since)
        got = {s["id"] for s in items}
        want = set(res["created"]) | {c["id"] for c in res["changed"] if c["bumped"]}
        self.assertTrue(want <= got, sorted(want - got)[:5])
        self.assertEqual(got, {s["id"] for s in self.walk("/servers/detail?all_tenants=1")[0]
                               + items if s["updated"] >= since})

    def test_churn_and_changes_since(self):
        res = self.control("churn", {"count": 60, "seed": 9})
        ts = res["timestamp"]
        self.assertTrue(res["created"] and res["deleted"] and res["changed"])
        kinds = {c["kind"] for c in res["changed"]}
        self.assertTrue(len(kinds) >= 8, kinds)
        items, _ = self.walk("/servers/detail?all_tenants=1&limit=17&changes-since=" + ts)
        got = {s["id"] for s in items}
        want = set(res["created"]) | {c["id"] for c in res["changed"] if c["bumped"]}
        self.assertEqual(got, want)
        nobump = {c["id"] for c in res["changed"] if not c["bumped"]}
        self.assertTrue(nobump)
        self.assertFalse(nobump & got)
        for s in items:
            if s["id"] in res["deleted"]:
                self.assertEqual(s["status"], "DELETED")
                self.assertEqual(self.nova("/servers/" + s["id"])[0], 404)
        # deleted=true lists them too (admin)
        dl, _ = self.walk("/servers/detail?all_tenants=1&deleted=true")
        self.assertTrue(set(res["deleted"]) <= {s["id"] for s in dl})
        # the normal listing no longer has deleted servers but has created ones
        all_items, _ = self.walk("/servers/detail?all_tenants=1")
        ids = {s["id"] for s in all_items}
        self.assertFalse(ids & set(res["deleted"]))
        self.assertTrue(set(res["created"]) <= ids)
        self.assertEqual(len(all_items), self.state()["counts"]["servers"])
        self.assertEqual([s["id"] for s in all_items[:len(res["created"])]],
                         sorted(res["created"], reverse=True))
        # changes-before (2.66)
        st, _, doc = self.nova("/servers/detail?all_tenants=1&changes-since=%s&changes-before=%s" % (ts, ts))
        self.assertEqual({s["id"] for s in doc["servers"]}, want)
        st, _, doc = self.nova("/servers/detail?all_tenants=1&changes-since=2030-01-01T00:00:00Z"
                               "&changes-before=2020-01-01T00:00:00Z")
        self.assertEqual(st, 400)
        # a second churn gets a strictly later timestamp
        res2 = self.control("churn", {"count": 5, "seed": 10})
        self.assertGreater(res2["timestamp"], ts)
        # deleted servers' actions still listable from 2.21, not below
        d = res["deleted"][0]
        self.assertEqual(self.nova("/servers/%s/os-instance-actions" % d, mv="2.21")[0], 200)
        self.assertEqual(self.nova("/servers/%s/os-instance-actions" % d, mv="2.20")[0], 404)
        rec = self.call("GET", "/_fake/servers/" + d)[2]
        self.assertEqual(rec["status"], "DELETED")


class TestConsistency(FakeCase):
    SEED = 23

    def test_ports_volumes_match_servers(self):
        st_ = self.state()
        servers, _ = self.walk("/servers/detail?all_tenants=1")
        tok = self.token()
        st, _, pdoc = self.call("GET", "/network/v2.0/ports", token=tok)
        ports = pdoc["ports"]
        self.assertEqual(len(ports), st_["counts"]["ports"])
        paged, url = [], "/network/v2.0/ports?limit=37"
        while url:
            st, _, d = self.call("GET", url, token=tok)
            paged += d["ports"]
            url = next((l["href"] for l in d.get("ports_links", []) if l["rel"] == "next"), None)
        self.assertEqual([p["id"] for p in paged], [p["id"] for p in ports])
        nets = {n["id"]: n["name"] for n in self.call("GET", "/network/v2.0/networks", token=tok)[2]["networks"]}
        sgs = {g["id"]: g for g in self.call("GET", "/network/v2.0/security-groups", token=tok)[2][
            "security_groups"]}
        self.assertEqual(len(sgs), st_["counts"]["security_groups"])
        self.assertTrue(all(g["security_group_rules"] for g in sgs.values()))
        by_dev = collections.defaultdict(list)
        for p in ports:
            by_dev[p["device_id"]].append(p)
            self.assertRegex(p["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        admin_pid = st_["projects"]["admin"]
        vols = []
        url = "/volume/v3/%s/volumes/detail?all_tenants=1&limit=50" % admin_pid
        while url:
            st, _, d = self.call("GET", url, token=tok)
            self.assertEqual(st, 200, d)
            vols += d["volumes"]
            url = next((l["href"] for l in d.get("volumes_links", []) if l["rel"] == "next"), None)
        self.assertEqual(len(vols), st_["counts"]["volumes"])
        self.assertEqual(len({v["id"] for v in vols}), len(vols))
        att = collections.defaultdict(set)
        for v in vols:
            for a in v["attachments"]:
                att[a["server_id"]].add(v["id"])
                self.assertEqual(v["status"], "in-use")
            self.assertIn(v["bootable"], ("true", "false"))
            self.assertRegex(v["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
        import ipaddress
        for p in ports:
            self.assertRegex(p["mac_address"], r"^fa:16:3e(:[0-9a-f]{2}){3}$")
            for ip in p["fixed_ips"]:
                ipaddress.ip_address(ip["ip_address"])  # raises on an invalid address
        self.assertEqual(len({p["mac_address"] for p in ports}), len(ports))
        fips = self.call("GET", "/network/v2.0/floatingips", token=tok)[2]["floatingips"]
        fip_by_port = {f["port_id"]: f for f in fips if f["port_id"]}
        for s in servers:
            sp = by_dev.get(s["id"], [])
            addr = set()
            for net, lst in s["addresses"].items():
                for a in lst:
                    addr.add((net, a["addr"], a["OS-EXT-IPS-MAC:mac_addr"], a["OS-EXT-IPS:type"]))
            want = set()
            for p in sp:
                self.assertTrue(p["device_owner"].startswith("compute:"))
                for ip in p["fixed_ips"]:
                    want.add((nets[p["network_id"]], ip["ip_address"], p["mac_address"], "fixed"))
                if p["id"] in fip_by_port:
                    want.add((nets[p["network_id"]], fip_by_port[p["id"]]["floating_ip_address"],
                              p["mac_address"], "floating"))
            self.assertEqual(addr, want, s["id"])
            sg_names = sorted(sgs[g]["name"] for p in sp for g in p["security_groups"])
            if sg_names:
                self.assertEqual(sorted(x["name"] for x in s["security_groups"]), sg_names)
            else:
                self.assertNotIn("security_groups", s)
            self.assertEqual({v["id"] for v in s["os-extended-volumes:volumes_attached"]}, att.get(s["id"], set()))
            if s["image"] == "" and s["os-extended-volumes:volumes_attached"]:
                root = [v for v in vols if v["id"] in att[s["id"]] and v["bootable"] == "true"]
                self.assertEqual([r["attachments"][0]["device"] for r in root], ["/dev/vda"])
        # member sees own project only
        atok = self.token(ALICE)
        mp = self.call("GET", "/network/v2.0/ports", token=atok)[2]["ports"]
        self.assertTrue(mp and all(p["project_id"] == st_["projects"]["demo"] for p in mp))
        st, _, d = self.call("GET", "/volume/v3/%s/volumes/detail?all_tenants=1" % st_["projects"]["demo"],
                             token=atok)
        self.assertEqual(st, 200)
        self.assertTrue(all("os-vol-tenant-attr:tenant_id" not in v for v in d["volumes"]))
        self.assertEqual(len(d["volumes"]), st_["counts"]["per_project"]["demo"]["volumes"])
        # device_id filter
        s0 = [s for s in servers if s["addresses"]][0]
        d = self.call("GET", "/network/v2.0/ports?device_id=" + s0["id"], token=tok)[2]
        self.assertEqual({p["id"] for p in d["ports"]}, {p["id"] for p in by_dev[s0["id"]]})
        # os-volume_attachments and os-security-groups agree
        sv = [s for s in servers if s["os-extended-volumes:volumes_attached"]][0]
        d = self.nova("/servers/%s/os-volume_attachments" % sv["id"])[2]
        self.assertEqual({a["volumeId"] for a in d["volumeAttachments"]},
                         {v["id"] for v in sv["os-extended-volumes:volumes_attached"]})
        d = self.nova("/servers/%s/os-security-groups" % s0["id"])[2]
        self.assertEqual({g["name"] for g in d["security_groups"]}, {x["name"] for x in s0["security_groups"]})


class TestFaults(FakeCase):
    SERVERS = 50

    def tearDown(self):
        self.call("DELETE", "/_fake/faults")

    def test_status_rate(self):
        self.control("faults", {"seed": 1, "rules": [{"path": "/flavors", "method": "GET", "kind": "status",
                                                      "status": 503, "probability": 0.25}]})
        tok = self.token()
        codes = collections.Counter()
        for _ in range(400):
            codes[self.call("GET", "/compute/v2.1/flavors", token=tok)[0]] += 1
        self.assertEqual(set(codes), {200, 503})
        self.assertLess(abs(codes[503] / 400 - 0.25), 0.06, codes)
        # other paths untouched
        self.assertEqual(self.call("GET", "/network/v2.0/networks", token=tok)[0], 200)

    def test_429_retry_after_and_max(self):
        self.control("faults", {"seed": 2, "rules": [{"path": "/servers/detail", "kind": "status", "status": 429,
                                                      "retry_after": 3, "probability": 1, "max": 2}]})
        st, h, doc = self.nova("/servers/detail?all_tenants=1")
        self.assertEqual((st, h["Retry-After"]), (429, "3"))
        self.assertEqual(doc["overLimit"]["retryAfter"], "3")
        self.assertEqual(self.nova("/servers/detail?all_tenants=1")[0], 429)
        self.assertEqual(self.nova("/servers/detail?all_tenants=1")[0], 200)
        self.assertEqual(self.state()["faults_fired"] >= 2, True)

    def test_body_faults(self):
        u = urlsplit(self.base)
        tok = self.token()
        for kind in ("truncate", "malformed", "wrongtype", "reset", "delay"):
            self.control("faults", {"rules": [{"path": "/servers/detail", "kind": kind, "delay": 0.3,
                                               "probability": 1, "max": 1}]})
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            t = time.time()
            try:
                conn.request("GET", "/compute/v2.1/servers/detail?all_tenants=1&limit=5",
                             headers={"X-Auth-Token": tok, "OpenStack-API-Version": "compute 2.100"})
                r = conn.getresponse()
                data = r.read()
                outcome = ("ok", data)
            except (http.client.IncompleteRead, ConnectionError, http.client.RemoteDisconnected) as e:
                outcome = ("error", e)
            finally:
                conn.close()
            if kind in ("truncate", "reset"):
                self.assertEqual(outcome[0], "error", kind)
            elif kind == "malformed":
                self.assertRaises(ValueError, json.loads, outcome[1])
            elif kind == "wrongtype":
                doc = json.loads(outcome[1])
                s = doc["servers"][0]
                self.assertTrue(any(v == 12345 for v in s.values()), kind)
            elif kind == "delay":
                self.assertGreaterEqual(time.time() - t, 0.3)
                self.assertEqual(len(json.loads(outcome[1])["servers"]), 5)
        self.call("DELETE", "/_fake/faults")
        self.assertEqual(self.nova("/servers/detail?all_tenants=1&limit=5")[0], 200)

    def test_cell_down(self):
        self.control("cell-down", {"mode": "partial", "fraction": 0.2})
        try:
            items, _ = self.walk("/servers/detail?all_tenants=1", mv="2.69")
            unknown = [s for s in items if s["status"] == "UNKNOWN"]
            self.assertTrue(unknown)
            self.assertEqual(len(items), self.state()["counts"]["servers"])
            self.assertEqual(set(unknown[0]), {"id", "status", "links", "tenant_id", "created"})
            st, _, doc = self.nova("/servers/" + unknown[0]["id"], mv="2.69")
            self.assertEqual(doc["server"]["OS-EXT-AZ:availability_zone"], "UNKNOWN")
            # with paging or below 2.69 they are skipped
            paged, _ = self.walk("/servers/detail?all_tenants=1&limit=10", mv="2.69")
            self.assertEqual(len(paged), len(items) - len(unknown))
            old, _ = self.walk("/servers/detail?all_tenants=1", mv="2.68")
            self.assertEqual(len(old), len(items) - len(unknown))
            self.control("cell-down", {"mode": "error", "fraction": 0.2})
            self.assertEqual(self.nova("/servers/detail?all_tenants=1")[0], 500)
        finally:
            self.control("cell-down", {"mode": "off"})
        self.assertEqual(self.nova("/servers/detail?all_tenants=1")[0], 200)


class TestStartupOptions(FakeCase):
    SERVERS = 120
    EXTRA = ["--faults", json.dumps({"seed": 3, "rules": [{"path": "/os-instance-actions", "kind": "status",
                                                           "status": 500, "probability": 1}]}),
             "--token-max-calls", "5", "--cell-down", "skip:0.25", "--max-microversion", "2.79",
             "--page-size-max", "25"]

    def test_options(self):
        tok = self.auth()
        st, h, doc = self.call("GET", "/compute/v2.1/servers/detail?all_tenants=1&limit=1000", token=tok,
                               headers={"OpenStack-API-Version": "compute 2.79"})
        self.assertEqual(st, 200)
        self.assertEqual(len(doc["servers"]), 25)  # capped at --page-size-max
        self.assertIn("servers_links", doc)
        self.assertEqual(self.call("GET", "/compute/v2.1/flavors", token=tok,
                                   headers={"OpenStack-API-Version": "compute 2.80"})[0], 406)
        sid = doc["servers"][0]["id"]
        st, _, doc = self.call("GET", "/compute/v2.1/servers/%s/os-instance-actions" % sid, token=tok)
        self.assertEqual(st, 500)
        self.assertIn("computeFault", doc)
        # injected faults fire before authentication, so that call did not count: 2 used so far
        for _ in range(3):
            self.assertEqual(self.call("GET", "/compute/v2.1/flavors", token=tok)[0], 200)
        self.assertEqual(self.call("GET", "/compute/v2.1/flavors", token=tok)[0], 401)  # 6th call
        # cell-down skip: a quarter of the servers is missing from lists, but never 404 on GET
        self._tokens.clear()
        items, _ = self.walk("/servers/detail?all_tenants=1", mv="2.79")
        live = self.state()["counts"]["servers"]
        self.assertLess(len(items), live)
        self.assertGreater(len(items), live // 2)
        listed = {s["id"] for s in items}
        self._tokens.clear()
        missing = [i for i in self.call("GET", "/_fake/servers")[2]["ids"] if i not in listed]
        self.assertEqual(self.nova("/servers/" + missing[0], mv="2.79")[0], 500)


class TestReclaimAndCli(FakeCase):
    SERVERS = 40
    EXTRA = ["--reclaim", "--regions", "2"]

    def test_soft_delete_force_delete(self):
        res = self.control("churn", {"count": 40, "seed": 4})
        self.assertTrue(res["deleted"])
        sid = res["deleted"][0]
        s = self.nova("/servers/" + sid)[2]["server"]
        self.assertEqual(s["status"], "SOFT_DELETED")
        listed = {x["id"] for x in self.walk("/servers/detail?all_tenants=1")[0]}
        self.assertNotIn(sid, listed)
        cs = {x["id"]: x["status"] for x in self.walk("/servers/detail?all_tenants=1&changes-since=" +
                                                        res["timestamp"])[0]}
        self.assertEqual(cs[sid], "SOFT_DELETED")
        self.assertEqual(self.nova("/servers/%s/action" % sid, method="POST", body={"forceDelete": None})[0], 202)
        self.assertEqual(self.nova("/servers/" + sid)[0], 404)

    def test_region_two(self):
        st, h, doc = self.call("POST", "/identity/v3/auth/tokens", {"auth": {"identity": {
            "methods": ["password"], "password": {"user": {"name": "admin", "domain": {"name": "Default"},
                                                           "password": "fake-admin-password"}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
        comp = [s for s in doc["token"]["catalog"] if s["type"] == "compute"][0]
        r2 = [e["url"] for e in comp["endpoints"] if e["region_id"] == "RegionTwo" and e["interface"] == "public"]
        self.assertEqual(len(r2), 1)
        st, _, d = self.call("GET", r2[0] + "/servers/detail?all_tenants=1&limit=5", token=h["X-Subject-Token"])
        self.assertEqual(st, 200)
        self.assertIn("/regiontwo/compute/", d["servers_links"][0]["href"])

    def test_cli_subprocess(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            cy = os.path.join(tmp, "clouds.yaml")
            t = time.time()
            p = subprocess.Popen([sys.executable, os.path.join(HERE, "fakecloud.py"), "--port", "0", "--servers",
                                  "1000000", "--seed", "3", "--write-clouds-yaml", cy],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                line = p.stdout.readline()
                self.assertLess(time.time() - t, 2.0)
                self.assertRegex(line, r"^http://127\.0\.0\.1:\d+/identity/v3\n$")
                with open(cy) as fh:
                    text = fh.read()
                for name in ("fake-admin:", "fake-member:", "fake-appcred:", "v3applicationcredential",
                             "region_name: RegionOne", "identity_api_version: 3"):
                    self.assertIn(name, text)
                base = line.strip()[: -len("/identity/v3")]
                with urllib.request.urlopen(base + "/compute/") as r:
                    self.assertEqual(r.status, 200)
            finally:
                p.terminate()
                out, err = p.communicate(timeout=10)
            self.assertEqual(p.returncode, 0)
            self.assertEqual(out, "")
            self.assertEqual(err, "")


if __name__ == "__main__":
    unittest.main()
