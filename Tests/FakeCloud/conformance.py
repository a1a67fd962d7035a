#!/usr/bin/env python3
"""Check the fake cloud against openstacksdk (run by scripts/conformance).

Usage: conformance.py CONTROL_BASE_URL   (clouds.yaml taken from OS_CLIENT_CONFIG_FILE)
Exits 1 on any mismatch and prints one line per check.
"""

import json
import sys
import urllib.request

import openstack

failures = []
passes = []


def check(name, ok, detail=""):
    (passes if ok else failures).append(name)
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail else ""))


def state(base):
    with urllib.request.urlopen(base + "/_fake/state") as r:
        return json.load(r)


def main():
    base = sys.argv[1].rstrip("/")
    st = state(base)
    counts = st["counts"]
    demo = counts["per_project"]["demo"]

    conn = openstack.connect(cloud="fake-admin")
    servers = list(conn.compute.servers(details=True, all_projects=True))
    check("admin servers(all_projects) count", len(servers) == counts["servers"],
          "sdk=%d fake=%d" % (len(servers), counts["servers"]))
    ids = [s.id for s in servers]
    check("server ids unique", len(set(ids)) == len(ids))
    flavors = list(conn.compute.flavors(details=True))
    check("flavors count", len(flavors) == counts["flavors"], "sdk=%d fake=%d" % (len(flavors), counts["flavors"]))
    ports = list(conn.network.ports())
    check("ports count", len(ports) == counts["ports"], "sdk=%d fake=%d" % (len(ports), counts["ports"]))
    sgs = list(conn.network.security_groups())
    check("security groups count", len(sgs) == counts["security_groups"],
          "sdk=%d fake=%d" % (len(sgs), counts["security_groups"]))
    vols = list(conn.block_storage.volumes(details=True, all_projects=True))
    check("volumes(all_projects) count", len(vols) == counts["volumes"],
          "sdk=%d fake=%d" % (len(vols), counts["volumes"]))
    fips = list(conn.network.ips())
    check("floating ips count", len(fips) == counts["floating_ips"],
          "sdk=%d fake=%d" % (len(fips), counts["floating_ips"]))
    nets = list(conn.network.networks())
    check("networks count", len(nets) == counts["networks"], "sdk=%d fake=%d" % (len(nets), counts["networks"]))

    # field decoding
    flavor_ok = all(s.flavor is not None and s.flavor.get("original_name") and s.flavor.get("vcpus")
                    for s in servers)
    check("server.flavor decodes (embedded dict)", flavor_ok)
    bfv = [s for s in servers if not s.image or not s.image.get("id")]
    with_image = [s for s in servers if s.image and s.image.get("id")]
    image_ids = {i for i in (s.image["id"] for s in with_image)}
    check("server.image decodes (id for image-backed, empty for boot-from-volume)",
          len(with_image) > 0 and len(bfv) > 0 and len(image_ids) >= 2,
          "image-backed=%d boot-from-volume=%d" % (len(with_image), len(bfv)))
    port_ips = {}
    for p in ports:
        for ip in p.fixed_ips:
            port_ips.setdefault(p.device_id, set()).add(ip["ip_address"])
    net_names = {n.name for n in nets}
    addr_ok = True
    bad = None
    for s in servers:
        if not isinstance(s.addresses, dict):
            addr_ok, bad = False, s.id
            break
        for net, lst in s.addresses.items():
            if net not in net_names:
                addr_ok, bad = False, "%s net %s" % (s.id, net)
            for a in lst:
                if a.get("OS-EXT-IPS:type") == "fixed" and a["addr"] not in port_ips.get(s.id, ()):
                    addr_ok, bad = False, "%s addr %s" % (s.id, a["addr"])
    check("server.addresses decode and match Neutron ports", addr_ok, bad or "")
    vol_ids = {v.id for v in vols}
    att_ok = all(a["id"] in vol_ids for s in servers for a in (s.attached_volumes or []))
    check("server volumes_attached exist in Cinder", att_ok)
    statuses = sorted({s.status for s in servers})
    check("status mix", "ACTIVE" in statuses and len(statuses) >= 3, ",".join(statuses))
    check("timestamps decode", all(s.created_at and s.updated_at for s in servers))
    check("admin sees compute_host", any(s.compute_host for s in servers))

    # member: project-scoped, no all_projects
    mconn = openstack.connect(cloud="fake-member")
    msrv = list(mconn.compute.servers(details=True))
    check("member servers (project demo) count", len(msrv) == demo["live"],
          "sdk=%d fake=%d" % (len(msrv), demo["live"]))
    check("member sees no admin-only fields", all(not s.compute_host for s in msrv))
    try:
        list(mconn.compute.servers(details=True, all_projects=True))
        check("member all_projects is forbidden", False, "no error")
    except openstack.exceptions.ForbiddenException:
        check("member all_projects is forbidden", True)
    mports = list(mconn.network.ports())
    check("member ports count", len(mports) == demo["ports"], "sdk=%d fake=%d" % (len(mports), demo["ports"]))

    # application credential
    aconn = openstack.connect(cloud="fake-appcred")
    a_first = next(iter(aconn.compute.servers(details=True, all_projects=True, limit=5)), None)
    check("application credential auth + list", a_first is not None)

    # one server in full + actions
    s0 = conn.compute.get_server(servers[0].id)
    check("get_server", s0.id == servers[0].id)
    acts = list(conn.compute.server_actions(servers[0].id))
    check("server actions list", len(acts) >= 1 and any(a.action == "create" for a in acts))

    reqs = state(base)["requests"]
    pages = reqs.get("GET /compute/v2.1/servers/detail", 0)
    check("sdk followed servers_links over several pages", pages >= 2, "%d /servers/detail requests" % pages)
    vpages = sum(v for k, v in reqs.items() if k.startswith("GET /volume/v3/") and k.endswith("/volumes/detail"))
    check("sdk followed volumes_links", vpages >= 2, "%d /volumes/detail requests" % vpages)

    print("\nconformance: %d passed, %d failed%s" % (len(passes), len(failures),
                                                      (" (" + "; ".join(failures) + ")") if failures else ""))
    print("fake counts: servers=%d ports=%d volumes=%d security_groups=%d flavors=%d floating_ips=%d" % (
        counts["servers"], counts["ports"], counts["volumes"], counts["security_groups"], counts["flavors"],
        counts["floating_ips"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
