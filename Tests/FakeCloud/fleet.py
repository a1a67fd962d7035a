"""Deterministic fleet for the fake OpenStack cloud.

Server i is a pure function of (seed, i); only servers touched by churn or
actions live in the overlay dict.  Ports, volumes and floating IPs hang off
their server record, so listings are generated page by page.
"""

import base64
import hashlib
import random
import time

MASK64 = (1 << 64) - 1
MASK48 = (1 << 48) - 1


def mix64(x):
    """splitmix64 finalizer: a cheap, good 64-bit hash."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


_MA = 0x5DEECE66D1
_MB = 0x27BB2EE687B1
_MA_INV = pow(_MA, -1, 1 << 48)
_MB_INV = pow(_MB, -1, 1 << 48)


def _scramble(x):
    """Bijection on 48-bit integers (so ids embedding an index look random)."""
    x = (x * _MA) & MASK48
    x ^= x >> 24
    return (x * _MB) & MASK48


def _unscramble(x):
    x = (x * _MB_INV) & MASK48
    x ^= x >> 24
    return (x * _MA_INV) & MASK48


def hex32(*parts):
    return hashlib.md5(":".join(str(p) for p in parts).encode()).hexdigest()


def uuid_from(*parts):
    h = hex32(*parts)
    return "%s-%s-4%s-%x%s-%s" % (h[0:8], h[8:12], h[13:16], 8 | (int(h[16], 16) & 3), h[17:20], h[20:32])


# --- timestamps -----------------------------------------------------------

_gm = time.gmtime
_strf = time.strftime


def iso_z(s):
    return _strf("%Y-%m-%dT%H:%M:%SZ", _gm(s))


def naive_s(s):
    return _strf("%Y-%m-%dT%H:%M:%S", _gm(s))


def naive_us(us):
    if us is None:
        return None
    return "%s.%06d" % (_strf("%Y-%m-%dT%H:%M:%S", _gm(us // 1000000)), us % 1000000)


# --- status ---------------------------------------------------------------

_VM_STATUS = {
    "active": "ACTIVE", "building": "BUILD", "paused": "PAUSED", "suspended": "SUSPENDED",
    "stopped": "SHUTOFF", "rescued": "RESCUE", "resized": "VERIFY_RESIZE", "soft-delete": "SOFT_DELETED",
    "deleted": "DELETED", "error": "ERROR", "shelved": "SHELVED", "shelved_offloaded": "SHELVED_OFFLOADED",
}
_TASK_OVERRIDE = {
    "active": {"rebooting": "REBOOT", "reboot_pending": "REBOOT", "reboot_started": "REBOOT",
               "rebooting_hard": "HARD_REBOOT", "reboot_pending_hard": "HARD_REBOOT",
               "reboot_started_hard": "HARD_REBOOT", "updating_password": "PASSWORD",
               "rebuilding": "REBUILD", "rebuild_block_device_mapping": "REBUILD",
               "rebuild_spawning": "REBUILD", "migrating": "MIGRATING", "resize_prep": "RESIZE",
               "resize_migrating": "RESIZE", "resize_migrated": "RESIZE", "resize_finish": "RESIZE"},
    "stopped": {"resize_prep": "RESIZE", "resize_migrating": "RESIZE", "resize_migrated": "RESIZE",
                "resize_finish": "RESIZE", "rebuilding": "REBUILD", "rebuild_block_device_mapping": "REBUILD",
                "rebuild_spawning": "REBUILD"},
    "resized": {"resize_reverting": "REVERT_RESIZE"},
    "paused": {"migrating": "MIGRATING"},
    "error": {"rebuilding": "REBUILD", "rebuild_block_device_mapping": "REBUILD", "rebuild_spawning": "REBUILD"},
}
ALL_STATUSES = set(_VM_STATUS.values()) | {"REBOOT", "HARD_REBOOT", "PASSWORD", "REBUILD", "MIGRATING",
                                          "RESIZE", "REVERT_RESIZE", "UNKNOWN"}
PROGRESS_STATUSES = frozenset(["ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"])


def status_of(vm_state, task_state):
    if task_state:
        o = _TASK_OVERRIDE.get(vm_state)
        if o and task_state in o:
            return o[task_state]
    return _VM_STATUS.get(vm_state, "UNKNOWN")


# --- static catalogue -----------------------------------------------------

FLAVORS = [
    # id, name, vcpus, ram, disk, ephemeral, swap, extra_specs
    ("1", "m1.tiny", 1, 512, 1, 0, 0, {}),
    ("2", "m1.small", 1, 2048, 20, 0, 0, {}),
    ("3", "m1.medium", 2, 4096, 40, 0, 0, {"hw:cpu_policy": "shared"}),
    ("4", "m1.large", 4, 8192, 80, 0, 0, {}),
    ("5", "m1.xlarge", 8, 16384, 160, 0, 0, {}),
    ("c1", "c1.dedicated", 8, 8192, 40, 0, 0, {"hw:cpu_policy": "dedicated", "hw:mem_page_size": "large"}),
    ("g1", "g1.gpu", 16, 65536, 200, 0, 0, {"pci_passthrough:alias": "a100:1", "trait:CUSTOM_GPU": "required"}),
    ("r1", "r1.huge", 32, 262144, 400, 100, 4096, {"aggregate_instance_extra_specs:memory": "high"}),
]
FLAVOR_WEIGHTS = [5, 25, 30, 20, 8, 6, 2, 4]

IMAGES = [
    ("cirros-0.6.2-x86_64-disk", {"architecture": "x86_64", "os_distro": "cirros", "hw_disk_bus": "virtio"}),
    ("ubuntu-22.04-server", {"architecture": "x86_64", "os_distro": "ubuntu", "os_version": "22.04"}),
    ("debian-12-genericcloud", {"architecture": "x86_64", "os_distro": "debian", "os_version": "12"}),
    ("rocky-9-generic", {"architecture": "x86_64", "os_distro": "rocky", "os_version": "9"}),
]

ROLES = ["web", "api", "db", "worker", "cache", "batch", "build", "proxy", "etl", "gpu"]
META_POOL = [("env", ["prod", "staging", "dev"]), ("owner", ["team-a", "team-b", "platform", "data"]),
             ("backup", ["daily", "weekly", "none"]), ("ha", ["true", "false"]),
             ("cost-center", ["cc-1001", "cc-2002", "cc-3003"]), ("app", ["shop", "crm", "search", "ml"]),
             ("note", ["Zoë's test VM", "naïve café", "测试服务器", "deploy 🚀", 'quote " and \\ backslash'])]
TAG_POOL = ["prod", "staging", "critical", "pci", "gdpr", "legacy", "k8s", "batch", "spot"]
EXTRA_SGS = [
    ("web", "HTTP and HTTPS from anywhere", [("ingress", "IPv4", "tcp", 80, 80, "0.0.0.0/0"),
                                            ("ingress", "IPv4", "tcp", 443, 443, "0.0.0.0/0"),
                                            ("ingress", "IPv6", "tcp", 443, 443, "::/0")]),
    ("ssh", "SSH from the bastion network", [("ingress", "IPv4", "tcp", 22, 22, "10.0.0.0/24")]),
    ("db", "PostgreSQL from app tiers", [("ingress", "IPv4", "tcp", 5432, 5432, "10.0.0.0/8")]),
    ("monitoring", "Prometheus exporters and ICMP", [("ingress", "IPv4", "tcp", 9100, 9100, "100.64.0.0/10"),
                                                     ("ingress", "IPv4", "icmp", None, None, "0.0.0.0/0")]),
]
PROJECT_NAMES = ["admin", "demo", "web-prod", "data-eng", "ml-research", "ci", "finance", "staging",
                 "mobile", "analytics", "security", "sandbox", "media", "ops", "research", "billing"]
AZS = ["nova", "zone-b"]
N_HOSTS = 40
ERROR_FAULT = "No valid host was found. There are not enough hosts available."
FAULT_DETAILS = ('Traceback (most recent call last):\n  File "/opt/stack/nova/nova/conductor/manager.py", '
                 'line 1580, in schedule_and_build_instances\nnova.exception.NoValidHost: ' + ERROR_FAULT + "\n")

# status mix for the generated fleet: (vm_state, weight)
STATE_MIX = [("active", 800), ("stopped", 70), ("error", 30), ("paused", 15), ("suspended", 15),
             ("shelved_offloaded", 30), ("resized", 10), ("building", 10)]
POWER = {"active": 1, "stopped": 4, "error": 0, "paused": 3, "suspended": 4, "shelved_offloaded": 4,
         "resized": 1, "building": 0, "soft-delete": 4, "deleted": 0}

TWO_YEARS = 2 * 365 * 86400
MAX_UPDATE_LAG = 30 * 86400  # base servers: updated - created <= this

NET_PRIVATE, NET_SHARED, NET_PUBLIC = 0, 1, 2

# churn kinds whose change real Nova does NOT reflect in `updated` (facts §2 "Observed")
NO_BUMP = frozenset(["volume_detach", "sg_remove", "metadata_delete", "tag_add", "tag_remove"])
CHURN_KINDS = ["create", "delete", "resize", "stop_start", "metadata_set", "metadata_delete", "tag_add",
               "tag_remove", "volume_attach", "volume_detach", "sg_add", "sg_remove", "ip_change", "rename",
               "lock_unlock"]
CHURN_WEIGHTS = [10, 8, 6, 10, 8, 5, 6, 4, 6, 5, 5, 4, 5, 6, 5]


class ActionError(Exception):
    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code
        self.message = message


def _cum(weights):
    out, t = [], 0
    for w in weights:
        t += w
        out.append(t)
    return out, t


def _pick(r, items, cum_total):
    cum, total = cum_total
    x = r.random() * total
    for it, c in zip(items, cum):
        if x < c:
            return it
    return items[-1]


def ip4(n):
    return "%d.%d.%d.%d" % ((n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255)


class Fleet:
    def __init__(self, seed=1, servers=1000, projects=8, reclaim=False, start=None):
        self.seed = seed
        self.n = servers
        self.reclaim = reclaim
        self.start = int(start if start is not None else time.time())
        self.clock = self.start  # last mutation timestamp (seconds), strictly increasing
        self.t0 = self.start - TWO_YEARS
        self.span = TWO_YEARS - 86400
        self.step = max(1, self.span // max(1, servers))
        self.overlay = {}  # idx -> record (touched, created or deleted servers)
        self.new_ids = {}  # id -> idx for servers created by churn
        self.next_idx = servers
        self.version = 0  # bumped on every mutation (page-cache invalidation)
        self.ip_counter = 0
        self._sorted_overlay = None
        self._base_counts = None
        self._masks = [mix64(seed * 7919 + k) & MASK48 for k in range(8)]
        self._salts = [mix64(seed * 104729 + 17 + k) for k in range(8)]
        self._hostid_cache = {}
        r = random.Random(seed)
        self._build_catalog(r, projects)

    # ---------------------------------------------------------------- catalogue
    def _build_catalog(self, r, nproj):
        seed = self.seed
        nproj = max(2, min(nproj, len(PROJECT_NAMES)))
        self.projects = []
        weights = []
        for k in range(nproj):
            name = PROJECT_NAMES[k]
            pid = hex32("project", seed, name)
            if name == "admin":
                users = [("admin", hex32("user", seed, "admin")), ("ops", hex32("user", seed, "ops"))]
                w = 5
            elif name == "demo":
                users = [("alice", hex32("user", seed, "alice")), ("bob", hex32("user", seed, "bob")),
                         ("carol", hex32("user", seed, "carol"))]
                w = 15
            else:
                users = [("%s-%s" % (name, u), hex32("user", seed, name, u)) for u in ("dev1", "dev2", "svc")]
                w = 10 + r.randint(0, 10)
            sgs = [self._make_sg(pid, "default", "Default security group",
                                 [("ingress", "IPv4", None, None, None, "SELF"),
                                  ("ingress", "IPv6", None, None, None, "SELF"),
                                  ("egress", "IPv4", None, None, None, None),
                                  ("egress", "IPv6", None, None, None, None)])]
            for (sname, desc, rules) in r.sample(EXTRA_SGS, r.randint(1, 3)):
                sgs.append(self._make_sg(pid, sname, desc, rules + [("egress", "IPv4", None, None, None, None)]))
            self.projects.append({"id": pid, "name": name, "users": users, "sgs": sgs,
                                  "keypair": "%s-key" % name})
            weights.append(w)
        self.project_by_id = {p["id"]: p for p in self.projects}
        self.project_by_name = {p["name"]: p for p in self.projects}
        total = sum(weights)
        acc, self._proj_thresholds = 0, []
        for w in weights:
            acc += w
            self._proj_thresholds.append((acc << 32) // total)
        self.users = {}
        for p in self.projects:
            for (uname, uid) in p["users"]:
                self.users[uid] = {"id": uid, "name": uname, "project_id": p["id"]}
        self.sg_by_id = {}
        for p in self.projects:
            for sg in p["sgs"]:
                self.sg_by_id[sg["id"]] = sg
        self.flavor_by_id = {}
        self.flavors = []
        for (fid, name, vcpus, ram, disk, eph, swap, es) in FLAVORS:
            f = {"id": fid, "name": name, "vcpus": vcpus, "ram": ram, "disk": disk, "ephemeral": eph,
                 "swap": swap, "extra_specs": es}
            self.flavors.append(f)
            self.flavor_by_id[fid] = f
        self._flavor_cum = _cum(FLAVOR_WEIGHTS)
        self.images = []
        for (name, props) in IMAGES:
            iid = uuid_from("image", seed, name)
            self.images.append({"id": iid, "name": name, "properties": dict(props, base_image_ref=iid)})
        self.image_by_id = {i["id"]: i for i in self.images}
        self._state_cum = _cum([w for (_, w) in STATE_MIX])
        self._states = [s for (s, _) in STATE_MIX]
        admin_pid = self.project_by_name["admin"]["id"]
        self.networks = []
        specs = [("private", False, False, [(4, "10.0.0.0/8", "10.0.0.1", 0x0A000000)]),
                 ("shared", True, False, [(4, "100.64.0.0/10", "100.64.0.1", 0x64400000),
                                          (6, "fd00:1234:5678::/64", "fd00:1234:5678::1", None)]),
                 ("public", False, True, [(4, "172.16.0.0/12", "172.16.0.1", 0xAC100000)])]
        for (name, shared, external, subs) in specs:
            nid = uuid_from("network", seed, name)
            subnets = []
            for (ver, cidr, gw, base) in subs:
                subnets.append({"id": uuid_from("subnet", seed, name, ver), "name": "%s-subnet-v%d" % (name, ver),
                                "version": ver, "cidr": cidr, "gateway": gw, "base": base, "network_id": nid})
            self.networks.append({"id": nid, "name": name, "shared": shared, "external": external,
                                  "project_id": admin_pid, "subnets": subnets})
        self.net_by_id = {n["id"]: n for n in self.networks}
        self.subnet_by_id = {s["id"]: s for n in self.networks for s in n["subnets"]}
        self.router_id = uuid_from("router", seed, "router1")
        self.hosts = ["compute-%03d" % (h + 1) for h in range(N_HOSTS)]
        self.down_hosts = {"compute-017"}
        self.infra_ports = self._build_infra_ports()
        self.infra_port_by_id = {p["id"]: p for p in self.infra_ports}
        self.spare_fips = []
        for k, p in enumerate(self.projects):
            self.spare_fips.append({"id": uuid_from("spare-fip", seed, p["id"]), "ip": ip4(0xAC1FFF00 + 10 + k),
                                    "project_id": p["id"]})
        self.spare_fip_by_id = {f["id"]: f for f in self.spare_fips}
        self.appcred_id = hex32("appcred", seed)

    def _make_sg(self, pid, name, desc, rules):
        sid = uuid_from("sg", self.seed, pid, name)
        out = []
        for k, (direction, eth, proto, pmin, pmax, remote) in enumerate(rules):
            out.append({"id": uuid_from("sgr", self.seed, sid, k), "direction": direction, "ethertype": eth,
                        "protocol": proto, "port_range_min": pmin, "port_range_max": pmax,
                        "remote_ip_prefix": None if remote in (None, "SELF") else remote,
                        "remote_group_id": sid if remote == "SELF" else None,
                        "security_group_id": sid, "project_id": pid, "description": ""})
        return {"id": sid, "name": name, "description": desc, "project_id": pid, "rules": out}

    def _build_infra_ports(self):
        admin_pid = self.project_by_name["admin"]["id"]
        out = []
        for net in self.networks:
            for kind in (("network:dhcp", 2), ("network:router_interface", 1)) if not net["external"] else \
                    (("network:router_gateway", 2),):
                owner, host_part = kind
                ips = []
                for s in net["subnets"]:
                    if s["version"] == 4:
                        ips.append([s["id"], ip4(s["base"] + host_part), 4])
                    else:
                        ips.append([s["id"], "fd00:1234:5678::%x" % host_part, 6])
                pid = uuid_from("infra-port", self.seed, net["id"], owner)
                dev = self.router_id if owner.startswith("network:router") else \
                    "dhcp" + hex32("dhcp", self.seed, net["id"])[:8] + "-" + net["id"]
                out.append({"id": pid, "network_id": net["id"], "mac": "fa:16:3e:00:%02x:%02x" % (
                    len(out), host_part), "ips": ips, "sgs": [], "device_id": dev, "device_owner": owner,
                    "project_id": admin_pid, "created": self.t0, "updated": self.t0, "status": "ACTIVE",
                    "host": "network-001"})
        return out

    # ---------------------------------------------------------------- id codecs
    def _embed(self, kind, n):
        h = mix64(self._salts[kind] ^ (n * 0x2545F4914F6CDD1D & MASK64))
        return "%08x-%04x-4%03x-%04x-%012x" % (h >> 32, (h >> 16) & 0xFFFF, h & 0xFFF,
                                                0x8000 | ((h >> 12) & 0x3FFF), _scramble(n ^ self._masks[kind]))

    def _decode(self, kind, s):
        if not isinstance(s, str) or len(s) != 36:
            return None
        try:
            n = _unscramble(int(s[24:], 16)) ^ self._masks[kind]
        except ValueError:
            return None
        if self._embed(kind, n) != s.lower():
            return None
        return n

    def server_id(self, idx):
        return self._embed(0, idx)

    def idx_of_server(self, sid):
        i = self.new_ids.get(sid)
        if i is not None:
            return i
        n = self._decode(0, sid)
        if n is not None and n < self.n:
            return n
        return None

    def idx_of_port(self, pid):
        n = self._decode(1, pid)
        return None if n is None else divmod(n, 8)

    def idx_of_volume(self, vid):
        n = self._decode(2, vid)
        return None if n is None else divmod(n, 8)

    def idx_of_fip(self, fid):
        n = self._decode(3, fid)
        return None if n is None else divmod(n, 8)

    # ---------------------------------------------------------------- generation
    def project_for(self, idx):
        rec = self.overlay.get(idx)
        if rec is not None:
            return rec["project_id"]
        x = mix64(self._salts[5] ^ idx) >> 32
        for p, t in zip(self.projects, self._proj_thresholds):
            if x < t:
                return p["id"]
        return self.projects[-1]["id"]

    def is_down_cell(self, idx, fraction):
        return fraction > 0 and (mix64(self._salts[6] ^ idx) >> 11) / float(1 << 53) < fraction

    def created_of(self, idx):
        return self.t0 + (idx * self.span) // max(1, self.n) + (mix64(self._salts[4] ^ idx) % self.step)

    def host_id(self, pid, host):
        if not host:
            return ""
        k = pid + host
        v = self._hostid_cache.get(k)
        if v is None:
            v = hashlib.sha224(k.encode()).hexdigest()
            self._hostid_cache[k] = v
        return v

    def gen(self, idx):
        """Pure function of (seed, idx) for base servers."""
        r = random.Random(self.seed * 1000003 + idx)
        rnd = r.random

        def ri(a, b):
            return a + int(rnd() * (b - a + 1))

        def sample(pool, k):
            if k <= 0:
                return []
            lst = list(pool)
            out = []
            for _ in range(min(k, len(lst))):
                out.append(lst.pop(int(rnd() * len(lst))))
            return out
        pid = self.project_for(idx)
        proj = self.project_by_id[pid]
        created = self.created_of(idx)
        vm_state = _pick(r, self._states, self._state_cum)
        if idx >= self.n - min(50, self.n // 100 + 1) and rnd() < 0.5:
            vm_state = "building"  # recent servers are the ones still building
        elif vm_state == "building":
            vm_state = "active"
        flavor = _pick(r, self.flavors, self._flavor_cum)
        role = ROLES[ri(0, len(ROLES) - 1)]
        name = "%s-%s-%d" % (proj["name"], role, idx)
        user = proj["users"][ri(0, len(proj["users"]) - 1)][1]
        bfv = rnd() < 0.2
        image = self.images[ri(0, len(self.images) - 1)]
        az = AZS[0] if rnd() < 0.8 else AZS[1]
        building = vm_state == "building"
        failed = vm_state == "error"
        host = None
        if not (building or failed or vm_state == "shelved_offloaded"):
            host = self.hosts[ri(0, N_HOSTS - 1)]
        if rnd() < 0.6:
            updated = created + ri(20, 300)
        else:
            updated = created + ri(0, MAX_UPDATE_LAG)
        if updated >= self.start:
            updated = self.start - 1
        launched = None if (building or failed) else (created + ri(15, 119)) * 1000000 + ri(1, 999999)
        nmeta = ri(0, 5)
        metadata = {}
        for (k, vals) in sample(META_POOL, nmeta):
            metadata[k] = vals[ri(0, len(vals) - 1)]
        tags = sorted(sample(TAG_POOL, ri(0, 3)))
        locked = rnd() < 0.05
        rec = {
            "idx": idx, "id": self._embed(0, idx), "name": name, "hostname": name, "project_id": pid,
            "user_id": user,
            "created": created, "updated": updated, "launched_us": launched, "terminated_us": None,
            "vm_state": vm_state, "task_state": "spawning" if building else None,
            "power_state": POWER[vm_state], "flavor_id": flavor["id"], "old_flavor_id": None,
            "image_id": None if bfv else image["id"], "bfv_image_id": image["id"], "key_name":
                proj["keypair"] if rnd() < 0.7 else None, "az": az, "host": host,
            "metadata": metadata, "tags": tags, "locked": locked,
            "locked_reason": ("maintenance window" if rnd() < 0.5 else None) if locked else None,
            "description": ("%s server for %s" % (role, proj["name"])) if rnd() < 0.3 else None,
            "config_drive": rnd() < 0.2, "disk_config": "AUTO" if rnd() < 0.6 else "MANUAL",
            "access_v4": "", "access_v6": "", "progress": ri(5, 95) if building else (
                100 if vm_state == "resized" else 0),
            "fault": None, "user_data": None, "reservation_id": "r-%08x" % (mix64(idx ^ self._salts[7]) & 0xFFFFFFFF),
            "pinned_az": az if rnd() < 0.3 else None, "hints": {}, "groups": [],
            "ports": [], "volumes": [], "deleted": False, "deleted_at": None, "actions": None,
            "pre_resize_state": None, "kernel_id": "", "ramdisk_id": "",
        }
        if rnd() < 0.3:
            rec["user_data"] = base64.b64encode(("#cloud-config\nhostname: %s\n" % name).encode()).decode()
        if rnd() < 0.1:
            g = uuid_from("server-group", self.seed, pid)
            rec["hints"] = {"group": g}
            rec["groups"] = [g]
        if vm_state == "resized":
            rec["old_flavor_id"] = self.flavors[(self.flavors.index(flavor) + 7) % len(self.flavors)]["id"]
            rec["pre_resize_state"] = "active"
        if failed:
            rec["fault"] = {"code": 500, "created": iso_z(created + ri(5, 60)), "message": ERROR_FAULT,
                            "details": FAULT_DETAILS}
        if not (building or failed):
            # ports
            sgs = proj["sgs"]
            nports = 2 if rnd() < 0.2 else 1
            first_net = NET_PRIVATE if rnd() < 0.7 else NET_SHARED
            port_sgs = [sgs[0]["id"]] + [s["id"] for s in sample(sgs[1:], ri(0, min(2, len(sgs) - 1)))]
            want_fip = rnd() < 0.15
            for k in range(nports):
                net = self.networks[first_net if k == 0 else 1 - first_net]
                rec["ports"].append(self._new_port(idx, k, net, port_sgs if k == 0 else port_sgs[:1],
                                                   created, None, fip=(want_fip and k == 0)))
            # volumes
            slot = 0
            if bfv:
                rec["volumes"].append(self._new_volume(idx, 0, rec, "/dev/vda", True,
                                                       flavor["disk"] or 20, r, created))
            nvol = _pick(r, [0, 1, 2, 3], _VOL_CUM)
            for k in range(nvol):
                slot = k + 1
                rec["volumes"].append(self._new_volume(idx, slot, rec, "/dev/vd%s" % "bcd"[k], False,
                                                       ri(1, 50) * 10, r, created + ri(60, 3600)))
            if rnd() < 0.05:
                v = self._new_volume(idx, 7, rec, None, False, ri(1, 20) * 10, r,
                                     min(created + ri(60, 86400), self.start - 60))
                rec["volumes"].append(v)
        elif bfv:
            rec["image_id"] = image["id"]  # failed / building: keep it simple, image-backed
        return rec

    def _new_port(self, idx, k, net, sgs, created_s, ip_override, fip=False):
        ips = []
        for s in net["subnets"]:
            if s["version"] == 4:
                ips.append([s["id"], ip_override or ip4(s["base"] + 10 + idx), 4])
            else:
                host = 0x10000 + idx  # wider than one group: spread over the last two
                ips.append([s["id"], "fd00:1234:5678::%x:%x" % (host >> 16, host & 0xFFFF), 6])
        n = idx * 8 + k
        mac_n = ((n + 0x5A5A5) * 0x9E3779B1) & 0xFFFFFF  # bijective on n mod 2**24: unique below 16M ports
        p = {"id": self._embed(1, n), "k": k, "network_id": net["id"],
             "mac": "fa:16:3e:%02x:%02x:%02x" % (mac_n >> 16, (mac_n >> 8) & 255, mac_n & 255),
             "ips": ips, "sgs": list(sgs), "created": created_s, "updated": created_s + 30, "fip": None,
             "revision": 4}
        if fip:
            pub = self.networks[NET_PUBLIC]["subnets"][0]
            p["fip"] = {"id": self._embed(3, n), "ip": ip4(pub["base"] + 10 + (idx % 1040000))}
        return p

    def _new_volume(self, idx, slot, rec, device, bootable, size, r, created_s):
        n = idx * 8 + slot
        created_us = created_s * 1000000 + (mix64(n ^ self._salts[2]) % 999999) + 1
        v = {"id": self._embed(2, n), "slot": slot, "name": "" if bootable else "%s-vol%d" % (rec["name"], slot),
             "size": size, "type": "ssd" if (mix64(n) & 3) == 0 else "__DEFAULT__", "bootable": bootable,
             "device": device, "attached": device is not None, "dot": bootable,
             "attached_us": created_us + 2000000 if device else None,
             "attachment_id": self._embed(4, n) if device else None,
             "created_us": created_us, "updated_us": created_us + 3000000,
             "image_id": rec["bfv_image_id"] if bootable else None, "project_id": rec["project_id"],
             "user_id": rec["user_id"], "az": rec["az"]}
        return v

    def base_actions(self, rec):
        """Instance actions of a generated server (oldest first)."""
        idx = rec["idx"]
        out = []
        t = rec["created"] * 1000000 + 123456
        out.append(self._action("create", rec["user_id"], rec["project_id"], t, idx, 0, rec))
        extra = {"stopped": "stop", "paused": "pause", "suspended": "suspend", "resized": "resize",
                 "shelved_offloaded": "shelveOffload"}.get(rec["vm_state"])
        if extra:
            t2 = max(t + 60000000, rec["updated"] * 1000000 + 5000)
            out.append(self._action(extra, rec["user_id"], rec["project_id"], t2, idx, 1, rec))
        if rec["locked"]:
            t3 = out[-1]["start_us"] + 1000
            out.append(self._action("lock", rec["user_id"], rec["project_id"], t3, idx, 2, rec))
        return out

    def _action(self, name, user_id, project_id, start_us, idx, k, rec, result="Success"):
        rid = "req-" + uuid_from("req", self.seed, idx, k, name, start_us)
        ev = {"create": "compute__do_build_and_run_instance", "delete": "compute_terminate_instance",
              "stop": "compute_stop_instance", "start": "compute_start_instance",
              "reboot": "compute_reboot_instance", "rebuild": "compute_rebuild_instance",
              "resize": "compute_prep_resize", "confirmResize": "compute_confirm_resize",
              "revertResize": "compute_revert_resize", "attach_volume": "compute_attach_volume",
              "detach_volume": "compute_detach_volume", "createImage": "compute_snapshot_instance",
              "changePassword": "compute_set_admin_password", "pause": "compute_pause_instance",
              "suspend": "compute_suspend_instance", "shelveOffload": "compute_shelve_offload_instance"}.get(name)
        events = []
        if ev:
            events.append({"event": ev, "start_us": start_us + 1000, "finish_us": start_us + 2500000,
                           "result": result, "host": rec.get("host") or "", "details": None})
        return {"action": name, "request_id": rid, "user_id": user_id, "project_id": project_id,
                "start_us": start_us, "updated_us": start_us + 2500000, "message": None if result == "Success"
                else "Error", "events": events, "instance_uuid": rec["id"]}

    # ---------------------------------------------------------------- access
    def get(self, idx):
        rec = self.overlay.get(idx)
        if rec is not None:
            return rec
        if 0 <= idx < self.n:
            return self.gen(idx)
        return None

    def touch(self, idx):
        rec = self.overlay.get(idx)
        if rec is None:
            rec = self.gen(idx)
            rec["actions"] = self.base_actions(rec)
            self.overlay[idx] = rec
            self._sorted_overlay = None
        return rec

    def actions_of(self, rec):
        if rec["actions"] is None:
            return self.base_actions(rec)
        return rec["actions"]

    def sorted_overlay_desc(self):
        if self._sorted_overlay is None:
            self._sorted_overlay = sorted(self.overlay.keys(), reverse=True)
        return self._sorted_overlay

    def find_server(self, sid):
        idx = self.idx_of_server(sid)
        if idx is None:
            return None
        return self.get(idx)

    def tick(self):
        """Timestamp (seconds) for a mutating call: >= wall clock, strictly increasing."""
        self.clock = max(int(time.time()), self.clock + 1)
        self.version += 1
        self._sorted_overlay = None
        return self.clock

    # ---------------------------------------------------------------- iteration
    def iter_servers(self, marker_idx=None, lo_created=None, overlay_only=False, project=None):
        """Yield records in list order (created desc, id desc == idx desc)."""
        if overlay_only:
            for idx in self.sorted_overlay_desc():
                if marker_idx is not None and idx >= marker_idx:
                    continue
                rec = self.overlay[idx]
                if project is not None and rec["project_id"] != project:
                    continue
                yield rec
            return
        top = self.next_idx - 1 if marker_idx is None else marker_idx - 1
        lo = 0
        if lo_created is not None:
            lo = max(0, int(((lo_created - MAX_UPDATE_LAG - self.t0) * self.n) // self.span) - 2)
        overlay = self.overlay
        project_for = self.project_for
        gen = self.gen
        for idx in range(top, lo - 1, -1):
            rec = overlay.get(idx)
            if rec is None:
                if idx >= self.n:
                    continue
                if project is not None and project_for(idx) != project:
                    continue
                if lo_created is not None and self.created_of(idx) + MAX_UPDATE_LAG < lo_created:
                    continue
                yield gen(idx)
            else:
                if project is not None and rec["project_id"] != project:
                    continue
                yield rec
        if lo > 0:
            # Touched servers created before the window still count: a server created long ago
            # and stopped, resized or renamed now has a recent `updated` (changes-since).
            for idx in self.sorted_overlay_desc():
                if idx >= lo or idx > top:
                    continue
                rec = overlay[idx]
                if project is not None and rec["project_id"] != project:
                    continue
                yield rec

    def iter_all_records(self, ascending=True, project=None, start_idx=None):
        """All records incl. deleted ones (ports/volumes listings walk this)."""
        if ascending:
            rng = range(0 if start_idx is None else start_idx, self.next_idx)
        else:
            rng = range(self.next_idx - 1 if start_idx is None else start_idx, -1, -1)
        overlay = self.overlay
        for idx in rng:
            rec = overlay.get(idx)
            if rec is None:
                if idx >= self.n:
                    continue
                if project is not None and self.project_for(idx) != project:
                    continue
                yield self.gen(idx)
            else:
                if project is not None and rec["project_id"] != project:
                    continue
                yield rec

    # ---------------------------------------------------------------- rendering (nova)
    def render_server(self, rec, mv, admin, es_vis, link_base, detail=True, show=False):
        sid = rec["id"]
        links = [{"rel": "self", "href": "%s/v2.1/servers/%s" % (link_base, sid)},
                 {"rel": "bookmark", "href": "%s/servers/%s" % (link_base, sid)}]
        if not detail:
            return {"id": sid, "links": links, "name": rec["name"]}
        vm = rec["vm_state"]
        status = status_of(vm, rec["task_state"])
        deleted = vm == "deleted"
        pid = rec["project_id"]
        addresses = {}
        sg_names = []
        if not deleted:
            nets = self.net_by_id
            sgs = self.sg_by_id
            for p in rec["ports"]:
                lst = addresses.setdefault(nets[p["network_id"]]["name"], [])
                mac = p["mac"]
                for (_, ip, ver) in p["ips"]:
                    lst.append({"OS-EXT-IPS-MAC:mac_addr": mac, "OS-EXT-IPS:type": "fixed", "addr": ip,
                                "version": ver})
                if p["fip"]:
                    lst.append({"OS-EXT-IPS-MAC:mac_addr": mac, "OS-EXT-IPS:type": "floating",
                                "addr": p["fip"]["ip"], "version": 4})
                for g in p["sgs"]:
                    sg = sgs.get(g)
                    sg_names.append({"name": (sg["name"] or g) if sg else g})
        fl = self.flavor_by_id.get(rec["flavor_id"])
        if mv >= 47:
            if fl is None:
                flavor = {}
            else:
                flavor = {"disk": fl["disk"], "ephemeral": fl["ephemeral"], "original_name": fl["name"],
                          "ram": fl["ram"], "swap": fl["swap"], "vcpus": fl["vcpus"]}
                if es_vis:
                    flavor["extra_specs"] = dict(fl["extra_specs"])
        else:
            flavor = {"id": rec["flavor_id"], "links": [
                {"rel": "bookmark", "href": "%s/flavors/%s" % (link_base, rec["flavor_id"])}]}
        if rec["image_id"]:
            image = {"id": rec["image_id"], "links": [
                {"rel": "bookmark", "href": "%s/images/%s" % (link_base, rec["image_id"])}]}
            if mv >= 98:
                im = self.image_by_id.get(rec["image_id"])
                image["properties"] = dict(im["properties"]) if im else {}
        else:
            image = ""
        if deleted:
            vols = []
        elif mv >= 3:
            vols = [{"delete_on_termination": v["dot"], "id": v["id"]} for v in rec["volumes"] if v["attached"]]
        else:
            vols = [{"id": v["id"]} for v in rec["volumes"] if v["attached"]]
        host = rec["host"]
        s = {
            "OS-DCF:diskConfig": rec["disk_config"],
            "OS-EXT-AZ:availability_zone": rec["az"] if host or vm == "shelved_offloaded" else "",
            "OS-EXT-STS:power_state": rec["power_state"],
            "OS-EXT-STS:task_state": rec["task_state"],
            "OS-EXT-STS:vm_state": vm,
            "OS-SRV-USG:launched_at": naive_us(rec["launched_us"]),
            "OS-SRV-USG:terminated_at": naive_us(rec["terminated_us"]),
            "accessIPv4": rec["access_v4"], "accessIPv6": rec["access_v6"],
            "addresses": addresses,
            "config_drive": "True" if rec["config_drive"] else "",
            "created": iso_z(rec["created"]),
            "flavor": flavor,
            "hostId": self.host_id(pid, host),
            "id": sid, "image": image, "key_name": rec["key_name"], "links": links,
            "metadata": dict(rec["metadata"]), "name": rec["name"],
            "os-extended-volumes:volumes_attached": vols,
            "status": status, "tenant_id": pid, "updated": iso_z(rec["updated"]), "user_id": rec["user_id"],
        }
        if status in PROGRESS_STATUSES:
            s["progress"] = rec["progress"]
        if sg_names:
            s["security_groups"] = sg_names
        if rec["fault"] and status in ("ERROR", "DELETED"):
            f = rec["fault"]
            fd = {"code": f["code"], "created": f["created"], "message": f["message"]}
            if f["code"] != 500 or admin:
                fd["details"] = f["details"]
            s["fault"] = fd
        if admin:
            s["OS-EXT-SRV-ATTR:host"] = host
            s["OS-EXT-SRV-ATTR:hypervisor_hostname"] = (host + ".example.org") if host else None
            s["OS-EXT-SRV-ATTR:instance_name"] = "instance-%08x" % (rec["idx"] + 1)
            if mv >= 3:
                s["OS-EXT-SRV-ATTR:hostname"] = rec["hostname"]
                s["OS-EXT-SRV-ATTR:kernel_id"] = rec["kernel_id"]
                s["OS-EXT-SRV-ATTR:launch_index"] = 0
                s["OS-EXT-SRV-ATTR:ramdisk_id"] = rec["ramdisk_id"]
                s["OS-EXT-SRV-ATTR:reservation_id"] = rec["reservation_id"]
                s["OS-EXT-SRV-ATTR:root_device_name"] = "/dev/vda"
                s["OS-EXT-SRV-ATTR:user_data"] = rec["user_data"]
            if mv >= 16:
                if not host:
                    s["host_status"] = ""
                elif host in self.down_hosts:
                    s["host_status"] = "DOWN"
                else:
                    s["host_status"] = "UP"
        elif mv >= 90:
            s["OS-EXT-SRV-ATTR:hostname"] = rec["hostname"]
        if mv >= 9:
            s["locked"] = rec["locked"]
        if mv >= 19:
            s["description"] = rec["description"]
        if mv >= 26:
            s["tags"] = list(rec["tags"])
        if mv >= 63:
            s["trusted_image_certificates"] = None
        if mv >= 71 and show:
            s["server_groups"] = list(rec["groups"])
        if mv >= 73:
            s["locked_reason"] = rec["locked_reason"]
        if mv >= 96:
            s["pinned_availability_zone"] = rec["pinned_az"]
        if mv >= 100:
            s["scheduler_hints"] = dict(rec["hints"])
        return s

    def render_partial(self, rec, mv, link_base, detail=True, show=False):
        sid = rec["id"]
        links = [{"rel": "self", "href": "%s/v2.1/servers/%s" % (link_base, sid)},
                 {"rel": "bookmark", "href": "%s/servers/%s" % (link_base, sid)}]
        s = {"id": sid, "status": "UNKNOWN", "links": links}
        if detail or show:
            s["tenant_id"] = rec["project_id"]
            s["created"] = iso_z(rec["created"])
        if show:
            s["user_id"] = rec["user_id"]
            s["OS-EXT-AZ:availability_zone"] = "UNKNOWN"
            s["OS-EXT-STS:power_state"] = 0
            s["image"] = {"id": rec["image_id"], "links": [{"rel": "bookmark", "href": "%s/images/%s" % (
                link_base, rec["image_id"])}]} if rec["image_id"] else ""
            fl = self.flavor_by_id.get(rec["flavor_id"])
            s["flavor"] = {"disk": fl["disk"], "ephemeral": fl["ephemeral"], "original_name": fl["name"],
                           "ram": fl["ram"], "swap": fl["swap"], "vcpus": fl["vcpus"]} if fl else {}
            if mv >= 71:
                s["server_groups"] = list(rec["groups"])
        return s

    # ---------------------------------------------------------------- neutron views
    def port_host(self, rec):
        return rec["host"] or ""

    def iter_ports(self, project=None, start_after=None):
        """Yield (port_dict_internal, rec_or_None) in listing order: infra ports, then by server idx."""
        skip = start_after is not None
        start_idx = None
        start_k = -1
        if skip:
            if start_after in self.infra_port_by_id:
                pass
            else:
                d = self.idx_of_port(start_after)
                if d is None:
                    return
                start_idx, start_k = d
                skip = False
        if start_idx is None:
            for p in self.infra_ports:
                if skip:
                    if p["id"] == start_after:
                        skip = False
                    continue
                if project is None or p["project_id"] == project:
                    yield p, None
        for rec in self.iter_all_records(True, project, start_idx):
            if rec["vm_state"] == "deleted":
                continue
            for p in rec["ports"]:
                if start_idx is not None and rec["idx"] == start_idx and p["k"] <= start_k:
                    continue
                yield p, rec

    def render_port(self, p, rec, admin):
        if rec is None:
            pid, owner, dev, host, status = p["project_id"], p["device_owner"], p["device_id"], p["host"], p["status"]
        else:
            pid = rec["project_id"]
            owner = "compute:" + rec["az"]
            dev = rec["id"]
            host = rec["host"] or ""
            vm = rec["vm_state"]
            status = "ACTIVE" if (host and vm in ("active", "resized", "paused", "suspended")) else "DOWN"
        out = {
            "admin_state_up": True, "allowed_address_pairs": [],
            "created_at": naive_s(p["created"]), "data_plane_status": None, "description": "",
            "device_id": dev, "device_owner": owner, "dns_assignment": [], "dns_domain": "", "dns_name": "",
            "extra_dhcp_opts": [], "fixed_ips": [{"subnet_id": s, "ip_address": ip} for (s, ip, _) in p["ips"]],
            "id": p["id"], "ip_allocation": "immediate", "mac_address": p["mac"], "name": "",
            "network_id": p["network_id"], "port_security_enabled": True, "project_id": pid,
            "propagate_uplink_status": False, "qos_network_policy_id": None, "qos_policy_id": None,
            "resource_request": None, "revision_number": p.get("revision", 2),
            "security_groups": list(p["sgs"]), "status": status, "tags": [], "tenant_id": pid,
            "updated_at": naive_s(p["updated"]),
        }
        if admin:
            out["binding:host_id"] = host
            out["binding:profile"] = {}
            out["binding:vif_details"] = {"port_filter": True, "connectivity": "l2"} if host else {}
            out["binding:vif_type"] = "ovs" if host else "unbound"
        out["binding:vnic_type"] = "normal"
        return out

    def iter_fips(self, project=None, start_after=None):
        skip = start_after is not None
        start_idx = None
        if skip and start_after not in self.spare_fip_by_id:
            d = self.idx_of_fip(start_after)
            if d is None:
                return
            start_idx = d[0] + 1
            skip = False
        if start_idx is None:
            for f in self.spare_fips:
                if skip:
                    if f["id"] == start_after:
                        skip = False
                    continue
                if project is None or f["project_id"] == project:
                    yield f, None, None
        for rec in self.iter_all_records(True, project, start_idx):
            if rec["vm_state"] == "deleted":
                continue
            for p in rec["ports"]:
                if p["fip"]:
                    yield p["fip"], p, rec

    def render_fip(self, f, p, rec):
        pub = self.networks[NET_PUBLIC]
        if rec is None:
            pid = f["project_id"]
            return {"id": f["id"], "floating_ip_address": f["ip"], "fixed_ip_address": None, "port_id": None,
                    "router_id": None, "status": "DOWN", "project_id": pid, "tenant_id": pid,
                    "floating_network_id": pub["id"], "description": "", "dns_domain": "", "dns_name": "",
                    "port_details": None, "qos_policy_id": None, "revision_number": 0, "tags": [],
                    "port_forwardings": [], "created_at": naive_s(self.t0), "updated_at": naive_s(self.t0)}
        pid = rec["project_id"]
        return {"id": f["id"], "floating_ip_address": f["ip"], "fixed_ip_address": p["ips"][0][1],
                "port_id": p["id"], "router_id": self.router_id,
                "status": "ACTIVE" if rec["host"] else "DOWN", "project_id": pid, "tenant_id": pid,
                "floating_network_id": pub["id"], "description": "", "dns_domain": "", "dns_name": "",
                "port_details": {"name": "", "network_id": p["network_id"], "mac_address": p["mac"],
                                 "admin_state_up": True, "status": "ACTIVE" if rec["host"] else "DOWN",
                                 "device_id": rec["id"], "device_owner": "compute:" + rec["az"]},
                "qos_policy_id": None, "revision_number": 2, "tags": [], "port_forwardings": [],
                "created_at": naive_s(p["created"] + 60), "updated_at": naive_s(p["updated"] + 60)}

    def render_sg(self, sg, with_rules=True):
        created = naive_s(self.t0)
        out = {"id": sg["id"], "name": sg["name"], "description": sg["description"], "project_id": sg["project_id"],
               "tenant_id": sg["project_id"], "stateful": True, "shared": False, "tags": [], "revision_number": 1,
               "created_at": created, "updated_at": created}
        if with_rules:
            out["security_group_rules"] = [self.render_sg_rule(r) for r in sg["rules"]]
        return out

    def render_sg_rule(self, r):
        created = naive_s(self.t0)
        out = dict(r)
        out["tenant_id"] = r["project_id"]
        out["remote_address_group_id"] = None
        out["normalized_cidr"] = r["remote_ip_prefix"]
        out["created_at"] = created
        out["updated_at"] = created
        out["revision_number"] = 0
        out["tags"] = []
        out["belongs_to_default_sg"] = self.sg_by_id[r["security_group_id"]]["name"] == "default"
        return out

    def render_network(self, net, admin):
        created = naive_s(self.t0)
        out = {"id": net["id"], "name": net["name"], "status": "ACTIVE", "admin_state_up": True,
               "subnets": [s["id"] for s in net["subnets"]], "mtu": 1450 if not net["external"] else 1500,
               "project_id": net["project_id"], "tenant_id": net["project_id"], "shared": net["shared"],
               "router:external": net["external"], "availability_zones": ["nova"],
               "availability_zone_hints": [], "ipv4_address_scope": None, "ipv6_address_scope": None,
               "port_security_enabled": True, "description": "", "tags": [], "is_default": net["external"],
               "l2_adjacency": True, "qos_policy_id": None, "dns_domain": "", "revision_number": 3,
               "created_at": created, "updated_at": created}
        if admin:
            out["provider:network_type"] = "flat" if net["external"] else "geneve"
            out["provider:physical_network"] = "public" if net["external"] else None
            out["provider:segmentation_id"] = None if net["external"] else 100 + self.networks.index(net)
        return out

    def render_subnet(self, s):
        created = naive_s(self.t0)
        net = self.net_by_id[s["network_id"]]
        if s["version"] == 4:
            pools = [{"start": ip4(s["base"] + 2), "end": ip4(s["base"] + (1 << (32 - int(s["cidr"].split("/")[1]))) - 2)}]
        else:
            pools = [{"start": "fd00:1234:5678::2", "end": "fd00:1234:5678:0:ffff:ffff:ffff:ffff"}]
        return {"id": s["id"], "name": s["name"], "network_id": s["network_id"], "ip_version": s["version"],
                "cidr": s["cidr"], "gateway_ip": s["gateway"], "allocation_pools": pools, "enable_dhcp": True,
                "dns_nameservers": [], "host_routes": [], "ipv6_ra_mode": "slaac" if s["version"] == 6 else None,
                "ipv6_address_mode": "slaac" if s["version"] == 6 else None, "project_id": net["project_id"],
                "tenant_id": net["project_id"], "subnetpool_id": None, "service_types": [], "description": "",
                "tags": [], "dns_publish_fixed_ip": False, "revision_number": 0,
                "created_at": created, "updated_at": created}

    def network_visible(self, net, project):
        return project is None or net["shared"] or net["external"] or net["project_id"] == project

    # ---------------------------------------------------------------- cinder views
    def iter_volumes(self, project=None, start_after=None):
        """Listing order: server idx desc, slot desc (roughly created_at desc)."""
        start_idx = None
        start_slot = None
        if start_after is not None:
            d = self.idx_of_volume(start_after)
            if d is None:
                return
            start_idx, start_slot = d
        for rec in self.iter_all_records(False, project, start_idx):
            vols = rec["volumes"]
            for v in sorted(vols, key=lambda v: -v["slot"]) if len(vols) > 1 else vols:
                if start_idx is not None and rec["idx"] == start_idx and v["slot"] >= start_slot:
                    continue
                if v.get("deleted"):
                    continue
                yield v, rec

    def render_volume(self, v, rec, admin, link_base, vmv):
        attachments = []
        if v["attached"] and rec["vm_state"] != "deleted":
            attachments.append({"id": v["id"], "attachment_id": v["attachment_id"], "volume_id": v["id"],
                                "server_id": rec["id"], "host_name": (rec["host"] if admin else None),
                                "device": v["device"], "attached_at": naive_us(v["attached_us"])})
        status = "in-use" if attachments else "available"
        out = {
            "attachments": attachments, "availability_zone": v["az"],
            "bootable": "true" if v["bootable"] else "false", "consistencygroup_id": None,
            "created_at": naive_us(v["created_us"]), "description": None, "encrypted": False, "id": v["id"],
            "links": [{"rel": "self", "href": "%s/v3/%s/volumes/%s" % (link_base, v["project_id"], v["id"])},
                      {"rel": "bookmark", "href": "%s/%s/volumes/%s" % (link_base, v["project_id"], v["id"])}],
            "metadata": {"attached_mode": "rw"} if attachments else {}, "multiattach": False, "name": v["name"],
            "replication_status": None, "size": v["size"], "snapshot_id": None, "source_volid": None,
            "status": status, "updated_at": naive_us(v["updated_us"]), "user_id": v["user_id"],
            "volume_type": v["type"],
        }
        if v["bootable"] and v.get("image_id"):
            im = self.image_by_id.get(v["image_id"])
            out["volume_image_metadata"] = {"image_id": v["image_id"], "image_name": im["name"] if im else "",
                                            "container_format": "bare", "disk_format": "qcow2",
                                            "min_disk": "0", "min_ram": "0", "size": "21430272"}
        if admin:
            out["os-vol-host-attr:host"] = "cinder-volume-1@ceph#ceph"
            out["os-vol-mig-status-attr:migstat"] = None
            out["os-vol-mig-status-attr:name_id"] = None
            out["os-vol-tenant-attr:tenant_id"] = v["project_id"]
            out["migration_status"] = None
        if vmv >= 13:
            out["group_id"] = None
        if vmv >= 21 and admin:
            out["provider_id"] = None
        if vmv >= 48:
            out["shared_targets"] = False
            if admin:
                out["service_uuid"] = "2f6a1c1e-7b2c-4d7c-9b64-5d3c8a1f0e11"
        if vmv >= 61 and admin:
            out["cluster_name"] = None
        if vmv >= 63:
            out["volume_type_id"] = uuid_from("volume-type", self.seed, v["type"])
        if vmv >= 64:
            out["encryption_key_id"] = None
        if vmv >= 65:
            out["consumes_quota"] = True
        return out

    # ---------------------------------------------------------------- counts
    @staticmethod
    def _contrib(rec):
        c = {"live": 0, "deleted": 0, "soft_deleted": 0, "ports": 0, "volumes": 0, "fips": 0}
        vm = rec["vm_state"]
        if vm == "deleted":
            c["deleted"] = 1
        elif vm == "soft-delete":
            c["soft_deleted"] = 1
        else:
            c["live"] = 1
        if vm != "deleted":
            c["ports"] = len(rec["ports"])
            c["fips"] = sum(1 for p in rec["ports"] if p["fip"])
        c["volumes"] = sum(1 for v in rec["volumes"] if not v.get("deleted"))
        return c

    def ensure_base_counts(self):
        """Counts of the untouched generated fleet (pure; safe to run without the cloud lock)."""
        if self._base_counts is None:
            base = {}
            for idx in range(self.n):
                pid = self.project_for_base(idx)
                c = self._contrib(self.gen(idx))
                acc = base.setdefault(pid, dict.fromkeys(c, 0))
                for k, val in c.items():
                    acc[k] += val
            self._base_counts = base

    def counts(self):
        self.ensure_base_counts()
        per = {p["id"]: dict(d) for p, d in ((self.project_by_id[k], v) for k, v in self._base_counts.items())}
        keys = ["live", "deleted", "soft_deleted", "ports", "volumes", "fips"]
        for idx, rec in list(self.overlay.items()):
            if idx < self.n:
                pid0 = self.project_for_base(idx)
                c0 = self._contrib(self.gen(idx))
                acc = per.setdefault(pid0, dict.fromkeys(keys, 0))
                for k in keys:
                    acc[k] -= c0[k]
            c = self._contrib(rec)
            acc = per.setdefault(rec["project_id"], dict.fromkeys(keys, 0))
            for k in keys:
                acc[k] += c[k]
        for p in self.projects:
            acc = per.setdefault(p["id"], dict.fromkeys(keys, 0))
            acc["security_groups"] = len(p["sgs"])
            acc["fips"] += 1  # one unassociated floating IP per project
        admin_pid = self.project_by_name["admin"]["id"]
        per[admin_pid]["ports"] += len(self.infra_ports)
        total = dict.fromkeys(keys + ["security_groups"], 0)
        for d in per.values():
            for k in total:
                total[k] += d.get(k, 0)
        names = {p["id"]: p["name"] for p in self.projects}
        return {
            "servers": total["live"], "servers_deleted": total["deleted"],
            "servers_soft_deleted": total["soft_deleted"], "ports": total["ports"],
            "compute_ports": total["ports"] - len(self.infra_ports), "volumes": total["volumes"],
            "security_groups": total["security_groups"],
            "security_group_rules": sum(len(sg["rules"]) for sg in self.sg_by_id.values()),
            "flavors": len(self.flavors), "floating_ips": total["fips"], "networks": len(self.networks),
            "subnets": len(self.subnet_by_id), "images": len(self.images),
            "per_project": {names[pid]: dict(d, id=pid) for pid, d in per.items()},
        }

    def project_for_base(self, idx):
        x = mix64(self._salts[5] ^ idx) >> 32
        for p, t in zip(self.projects, self._proj_thresholds):
            if x < t:
                return p["id"]
        return self.projects[-1]["id"]

    # ---------------------------------------------------------------- mutations
    def _record(self, rec, name, user_id, project_id, ts, result="Success"):
        acts = rec["actions"]
        if acts is None:
            acts = rec["actions"] = self.base_actions(rec)
        us = ts * 1000000 + (len(acts) * 1009) % 999983 + 1
        a = self._action(name, user_id, project_id, us, rec["idx"], 100 + len(acts), rec, result)
        acts.append(a)
        return a

    def _bump(self, rec, ts):
        rec["updated"] = ts

    def create_server(self, r, ts, sid, project=None):
        idx = self.next_idx
        self.next_idx += 1
        proj = self.project_by_id[project] if project else self.projects[r.randint(0, len(self.projects) - 1)]
        flavor = self.flavors[r.randint(0, len(self.flavors) - 1)]
        image = self.images[r.randint(0, len(self.images) - 1)]
        user = proj["users"][r.randint(0, len(proj["users"]) - 1)][1]
        role = ROLES[r.randint(0, len(ROLES) - 1)]
        name = "%s-%s-%d" % (proj["name"], role, idx)
        host = self.hosts[r.randint(0, N_HOSTS - 1)]
        bfv = r.random() < 0.2
        rec = {
            "idx": idx, "id": sid, "name": name, "hostname": name, "project_id": proj["id"], "user_id": user,
            "created": ts, "updated": ts, "launched_us": ts * 1000000 + 54321, "terminated_us": None,
            "vm_state": "active", "task_state": None, "power_state": 1, "flavor_id": flavor["id"],
            "old_flavor_id": None, "image_id": None if bfv else image["id"], "bfv_image_id": image["id"],
            "key_name": proj["keypair"], "az": AZS[0], "host": host, "metadata": {"created-by": "churn"},
            "tags": [], "locked": False, "locked_reason": None, "description": None, "config_drive": False,
            "disk_config": "AUTO", "access_v4": "", "access_v6": "", "progress": 0, "fault": None,
            "user_data": None, "reservation_id": "r-%08x" % (mix64(idx ^ self._salts[7]) & 0xFFFFFFFF),
            "pinned_az": None, "hints": {}, "groups": [], "ports": [], "volumes": [], "deleted": False,
            "deleted_at": None, "actions": [], "pre_resize_state": None, "kernel_id": "", "ramdisk_id": "",
        }
        net = self.networks[NET_PRIVATE if r.random() < 0.7 else NET_SHARED]
        rec["ports"].append(self._new_port(idx, 0, net, [proj["sgs"][0]["id"]], ts, None, fip=r.random() < 0.15))
        if bfv:
            rec["volumes"].append(self._new_volume(idx, 0, rec, "/dev/vda", True, flavor["disk"] or 20, r, ts))
        self.overlay[idx] = rec
        self.new_ids[sid] = idx
        self._record(rec, "create", user, proj["id"], ts)
        return rec

    def hard_delete(self, rec, ts):
        rec["vm_state"] = "deleted"
        rec["task_state"] = None
        rec["power_state"] = 0
        rec["deleted"] = True
        rec["deleted_at"] = ts
        rec["terminated_us"] = ts * 1000000 + 777
        rec["updated"] = ts
        for v in rec["volumes"]:
            if v["attached"] and v["dot"]:
                v["deleted"] = True
            v["attached"] = False
            v["device"] = None
            v["updated_us"] = ts * 1000000 + 888

    def churn(self, count, seed, actor=None):
        r = random.Random(seed)
        ts = self.tick()
        created, deleted, changed = [], [], []
        # new ids sorted so that (created desc, id desc) == idx desc within this batch
        kinds = [_pick(r, CHURN_KINDS, _CHURN_CUM) for _ in range(count)]
        ncreate = kinds.count("create")
        new_ids = sorted(uuid_from("new-server", self.seed, seed, ts, k, self.next_idx) for k in range(ncreate))
        done = set()
        for kind in kinds:
            if kind == "create":
                rec = self.create_server(r, ts, new_ids.pop(0))
                created.append(rec["id"])
                done.add(rec["idx"])
                continue
            if kind == "delete" and self.reclaim and r.random() < 0.3:
                soft = [i for i in self.sorted_overlay_desc()
                        if self.overlay[i]["vm_state"] == "soft-delete" and i not in done]
                if soft:
                    rec = self.overlay[soft[r.randint(0, len(soft) - 1)]]
                    done.add(rec["idx"])
                    self.hard_delete(rec, ts)
                    self._record(rec, "delete", self.project_by_name["admin"]["users"][0][1],
                                 self.project_by_name["admin"]["id"], ts)
                    deleted.append(rec["id"])
                    changed.append({"id": rec["id"], "kind": "reclaim", "bumped": True})
                    continue
            rec = self._pick_live(r, done)
            if rec is None:
                continue
            done.add(rec["idx"])
            rec = self.touch(rec["idx"])
            who = rec["user_id"] if r.random() < 0.8 else self.project_by_name["admin"]["users"][0][1]
            pid_actor = self.users[who]["project_id"]
            applied = self._apply_churn(kind, rec, r, ts, who, pid_actor)
            if applied is None:
                continue
            if kind == "delete":
                deleted.append(rec["id"])
            changed.append({"id": rec["id"], "kind": applied, "bumped": applied not in NO_BUMP})
        self._sorted_overlay = None
        return {"created": created, "deleted": deleted, "changed": changed, "timestamp": iso_z(ts)}

    def _pick_live(self, r, done):
        top = self.next_idx
        for _ in range(50):
            idx = r.randint(0, top - 1)
            if idx in done:
                continue
            rec = self.get(idx)
            if rec is None or rec["vm_state"] in ("deleted", "soft-delete", "building", "error"):
                continue
            return rec
        return None

    def _apply_churn(self, kind, rec, r, ts, who, actor_pid):
        act = lambda name: self._record(rec, name, who, actor_pid, ts)  # noqa: E731
        if kind == "delete":
            if self.reclaim:
                rec["vm_state"] = "soft-delete"
                rec["power_state"] = 4
                rec["deleted_at"] = ts
                rec["updated"] = ts
            else:
                self.hard_delete(rec, ts)
            act("delete")
            return "delete"
        if kind == "resize":
            if rec["vm_state"] not in ("active", "stopped"):
                return None
            cur = rec["flavor_id"]
            choices = [f["id"] for f in self.flavors if f["id"] != cur]
            new = choices[r.randint(0, len(choices) - 1)]
            act("resize")
            if r.random() < 0.5:
                rec["pre_resize_state"] = rec["vm_state"]
                rec["old_flavor_id"] = cur
                rec["flavor_id"] = new
                rec["vm_state"] = "resized"
                rec["power_state"] = 1
                rec["progress"] = 100
            else:
                rec["flavor_id"] = new
                act("confirmResize")
            rec["updated"] = ts
            return "resize"
        if kind == "stop_start":
            if rec["vm_state"] == "active":
                rec["vm_state"] = "stopped"
                rec["power_state"] = 4
                act("stop")
            elif rec["vm_state"] == "stopped":
                rec["vm_state"] = "active"
                rec["power_state"] = 1
                act("start")
            else:
                return None
            rec["updated"] = ts
            return "stop" if rec["vm_state"] == "stopped" else "start"
        if kind == "metadata_set":
            k, vals = META_POOL[r.randint(0, len(META_POOL) - 1)]
            rec["metadata"][k] = vals[r.randint(0, len(vals) - 1)] + "-" + str(ts % 1000)
            rec["updated"] = ts
            return kind
        if kind == "metadata_delete":
            if not rec["metadata"]:
                return None
            k = sorted(rec["metadata"])[r.randint(0, len(rec["metadata"]) - 1)]
            del rec["metadata"][k]
            return kind
        if kind == "tag_add":
            free = [t for t in TAG_POOL if t not in rec["tags"]]
            if not free:
                return None
            rec["tags"] = sorted(rec["tags"] + [free[r.randint(0, len(free) - 1)]])
            return kind
        if kind == "tag_remove":
            if not rec["tags"]:
                return None
            rec["tags"].pop(r.randint(0, len(rec["tags"]) - 1))
            return kind
        if kind == "volume_attach":
            used = {v["slot"] for v in rec["volumes"]}
            spare = [v for v in rec["volumes"] if not v["attached"] and not v.get("deleted")]
            devs = {v["device"] for v in rec["volumes"] if v["attached"]}
            dev = next(("/dev/vd%s" % c for c in "bcdefg" if "/dev/vd%s" % c not in devs), None)
            if dev is None:
                return None
            if spare:
                v = spare[0]
            else:
                slot = next((s for s in range(1, 7) if s not in used), None)
                if slot is None:
                    return None
                v = self._new_volume(rec["idx"], slot, rec, None, False, r.randint(1, 20) * 10, r, ts)
                rec["volumes"].append(v)
            v["attached"] = True
            v["device"] = dev
            v["dot"] = False
            v["attached_us"] = ts * 1000000 + 4242
            v["attachment_id"] = uuid_from("attachment", self.seed, v["id"], ts)
            v["updated_us"] = ts * 1000000 + 4343
            act("attach_volume")
            rec["updated"] = ts
            return kind
        if kind == "volume_detach":
            att = [v for v in rec["volumes"] if v["attached"] and not v["bootable"]]
            if not att:
                return None
            v = att[r.randint(0, len(att) - 1)]
            v["attached"] = False
            v["device"] = None
            v["attached_us"] = None
            v["updated_us"] = ts * 1000000 + 5151
            act("detach_volume")
            return kind
        if kind == "sg_add":
            if not rec["ports"]:
                return None
            p = rec["ports"][0]
            avail = [s["id"] for s in self.project_by_id[rec["project_id"]]["sgs"] if s["id"] not in p["sgs"]]
            if not avail:
                return None
            p["sgs"].append(avail[r.randint(0, len(avail) - 1)])
            p["updated"] = ts
            p["revision"] = p.get("revision", 2) + 1
            rec["updated"] = ts
            return kind
        if kind == "sg_remove":
            ports = [p for p in rec["ports"] if p["sgs"]]
            if not ports:
                return None
            p = ports[0]
            p["sgs"].pop(r.randint(0, len(p["sgs"]) - 1))
            p["updated"] = ts
            p["revision"] = p.get("revision", 2) + 1
            return kind
        if kind == "ip_change":
            ports = [p for p in rec["ports"] if any(ver == 4 for (_, _, ver) in p["ips"])]
            if not ports:
                return None
            p = ports[0]
            self.ip_counter += 1
            for ipd in p["ips"]:
                if ipd[2] == 4:
                    sub = self.subnet_by_id[ipd[0]]
                    size = 1 << (32 - int(sub["cidr"].split("/")[1]))
                    ipd[1] = ip4(sub["base"] + size // 2 + self.ip_counter)
            p["updated"] = ts
            p["revision"] = p.get("revision", 2) + 1
            rec["updated"] = ts
            return kind
        if kind == "rename":
            rec["name"] = rec["name"].split("~")[0] + "~r%d" % ts
            rec["updated"] = ts
            return kind
        if kind == "lock_unlock":
            if rec["locked"]:
                rec["locked"] = False
                rec["locked_reason"] = None
                act("unlock")
            else:
                rec["locked"] = True
                rec["locked_reason"] = "churn"
                act("lock")
            rec["updated"] = ts
            return "unlock" if not rec["locked"] else "lock"
        return None

    # ---------------------------------------------------------------- server actions (API)
    def server_action(self, rec, name, body, user_id, project_id, admin, mv, image_ref_ok=None):
        """Apply a POST /servers/{id}/action. Returns (status, extra dict). Raises ActionError."""
        vm = rec["vm_state"]
        sid = rec["id"]

        def conflict(attr="vm_state", state=None):
            raise ActionError(409, "Cannot '%s' instance %s while it is in %s %s" % (
                name, sid, attr, state if state is not None else vm))

        def check_lock():
            if rec["locked"] and not admin:
                raise ActionError(409, "Instance %s is locked" % sid)

        if rec["task_state"]:
            conflict("task_state", rec["task_state"])
        result = {}
        if name == "changePassword":
            if not isinstance(body, dict) or not isinstance(body.get("adminPass"), str):
                raise ActionError(400, "Invalid input for field/attribute changePassword.")
            check_lock()
            if vm != "active":
                conflict()
            aname = "changePassword"
        elif name == "reboot":
            t = (body or {}).get("type") if isinstance(body, dict) else None
            if t not in ("SOFT", "HARD", "soft", "hard"):
                raise ActionError(400, "Invalid input for field/attribute type.")
            check_lock()
            allowed = ("active",) if t.upper() == "SOFT" else ("active", "stopped", "paused", "suspended", "error")
            if vm not in allowed:
                conflict()
            aname = "reboot"
        elif name == "forceDelete":
            check_lock()
            if vm != "soft-delete":
                conflict()
            aname = "delete"
        elif name == "rebuild":
            if not isinstance(body, dict) or "imageRef" not in body:
                raise ActionError(400, "Invalid input for field/attribute rebuild.")
            img = body.get("imageRef")
            if img not in self.image_by_id:
                raise ActionError(400, "Invalid imageRef provided.")
            check_lock()
            if vm not in ("active", "stopped", "error"):
                conflict()
            if not rec["image_id"] and img != rec["bfv_image_id"] and mv < 93:
                raise ActionError(400, "Unable to rebuild with a different image for a volume-backed server.")
            aname = "rebuild"
        elif name == "resize":
            if not isinstance(body, dict) or "flavorRef" not in body:
                raise ActionError(400, "Invalid input for field/attribute resize.")
            fid = str(body.get("flavorRef")).rstrip("/").split("/")[-1]
            if fid not in self.flavor_by_id:
                raise ActionError(400, "Invalid flavorRef provided.")
            check_lock()
            if vm not in ("active", "stopped"):
                conflict()
            if fid == rec["flavor_id"]:
                raise ActionError(400, "When resizing, instances must change flavor!")
            aname = "resize"
        elif name in ("confirmResize", "revertResize"):
            check_lock()
            if vm != "resized":
                conflict()
            aname = name
        elif name == "createImage":
            if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"].strip():
                raise ActionError(400, "Invalid input for field/attribute name.")
            check_lock()
            if vm not in ("active", "stopped", "paused", "suspended", "shelved", "shelved_offloaded"):
                conflict()
            aname = "createImage"
        elif name == "os-start":
            check_lock()
            if vm != "stopped":
                conflict()
            aname = "start"
        elif name == "os-stop":
            check_lock()
            if vm not in ("active", "error", "rescued"):
                conflict()
            aname = "stop"
        elif name == "lock":
            aname = "lock"
        elif name == "unlock":
            aname = "unlock"
        else:
            raise ActionError(400, "There is no such action: %s" % name)

        rec = self.touch(rec["idx"])
        ts = self.tick()
        self._record(rec, aname, user_id, project_id, ts)
        rec["updated"] = ts
        if name == "changePassword":
            pass
        elif name == "reboot":
            rec["vm_state"] = "active"
            rec["power_state"] = 1
        elif name == "forceDelete":
            self.hard_delete(rec, ts)
        elif name == "rebuild":
            if rec["image_id"]:
                rec["image_id"] = body["imageRef"]
            for k, field in (("name", "name"), ("description", "description")):
                if k in body:
                    rec[field] = body[k]
            if isinstance(body.get("metadata"), dict):
                rec["metadata"] = {str(k): str(v) for k, v in body["metadata"].items()}
            if body.get("accessIPv4") is not None:
                rec["access_v4"] = body["accessIPv4"]
            if body.get("accessIPv6") is not None:
                rec["access_v6"] = body["accessIPv6"]
            if vm == "error":
                rec["vm_state"] = "active"
                rec["power_state"] = 1
                rec["fault"] = None
            rec["launched_us"] = ts * 1000000 + 31337
            result["adminPass"] = body.get("adminPass") or base64.b32encode(
                hashlib.sha1(("%s%d" % (sid, ts)).encode()).digest())[:12].decode()
        elif name == "resize":
            rec["pre_resize_state"] = vm
            rec["old_flavor_id"] = rec["flavor_id"]
            rec["flavor_id"] = str(body["flavorRef"]).rstrip("/").split("/")[-1]
            rec["vm_state"] = "resized"
            rec["power_state"] = 1
            rec["progress"] = 100
        elif name == "confirmResize":
            prev = rec.get("pre_resize_state") or "active"
            rec["vm_state"] = prev
            rec["power_state"] = POWER[prev]
            rec["old_flavor_id"] = None
            rec["progress"] = 0
        elif name == "revertResize":
            prev = rec.get("pre_resize_state") or "active"
            if rec["old_flavor_id"]:
                rec["flavor_id"] = rec["old_flavor_id"]
            rec["old_flavor_id"] = None
            rec["vm_state"] = prev
            rec["power_state"] = POWER[prev]
            rec["progress"] = 0
        elif name == "createImage":
            result["image_id"] = uuid_from("snapshot", self.seed, sid, ts, body["name"])
        elif name == "os-start":
            rec["vm_state"] = "active"
            rec["power_state"] = 1
        elif name == "os-stop":
            rec["vm_state"] = "stopped"
            rec["power_state"] = 4
        elif name == "lock":
            rec["locked"] = True
            reason = body.get("locked_reason") if isinstance(body, dict) and mv >= 73 else None
            rec["locked_reason"] = reason
        elif name == "unlock":
            rec["locked"] = False
            rec["locked_reason"] = None
        return result


_VOL_CUM = _cum([40, 30, 20, 10])
_CHURN_CUM = _cum(CHURN_WEIGHTS)
