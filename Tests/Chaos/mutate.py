"""Seeded mutations of real API pages, for the decoding fuzz of scripts/chaos.

`mutate(data, rng)` returns a mutated copy of a JSON body: structural mutations of the parsed
document (flip a value's type, delete or add keys, deep nesting, huge strings, edge numbers,
duplicate items) or byte-level damage (truncate, garbage, empty). Python 3 standard library only.
"""
import json
import re

TARGETS = {
    "servers": re.compile(r"/servers/detail$"),
    "server": re.compile(r"/servers/[0-9a-f-]{36}$"),
    "actions": re.compile(r"/os-instance-actions"),
    "ports": re.compile(r"/v2\.0/ports"),
    "fips": re.compile(r"/v2\.0/floatingips"),
    "sgs": re.compile(r"/v2\.0/security-groups"),
    "networks": re.compile(r"/v2\.0/networks"),
    "volumes": re.compile(r"/volumes/detail$"),
    "versions": re.compile(r"^/(compute|volume|network)/?(v[0-9.]+/?)?$"),
}


def targeted(path, names):
    names = names or ["servers", "ports", "volumes"]
    return any(TARGETS[n].search(path) for n in names if n in TARGETS)


EDGE_VALUES = [None, True, False, 0, -1, 1.5, 2 ** 63, 2 ** 64 + 1, -(2 ** 63) - 1, 1e308, -1e-308,
               "", " ", "null", "12345", "2024-13-45T25:61:61Z", "not-a-uuid", "\u0000",
               "\ud800", [], {}, [None], {"": None}, "x" * 100000]


def _paths(node, prefix=(), out=None, limit=4000):
    """Every (path) into the document, up to `limit` of them."""
    if out is None:
        out = []
    if len(out) >= limit:
        return out
    out.append(prefix)
    if isinstance(node, dict):
        for k, v in node.items():
            _paths(v, prefix + (k,), out, limit)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _paths(v, prefix + (i,), out, limit)
    return out


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def _set(doc, path, value):
    if not path:
        return value
    parent = _get(doc, path[:-1])
    parent[path[-1]] = value
    return doc


def _flip(value, rng):
    if isinstance(value, str):
        return rng.choice([12345, None, [value], {"v": value}, True, 1.5, value * 50])
    if isinstance(value, bool):
        return rng.choice(["true", 1, None])
    if isinstance(value, (int, float)):
        return rng.choice([str(value), None, [value], 2 ** 64, -value, 1e308, False])
    if isinstance(value, list):
        return rng.choice([{}, "list", None, 0, [value], value + value])
    if isinstance(value, dict):
        return rng.choice([[], "dict", None, 0, list(value.values()), [value]])
    return rng.choice(EDGE_VALUES)


def _nest(depth, rng):
    if rng.random() < 0.5:
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def mutate_doc(doc, rng):
    """One structural mutation; returns (doc, raw_suffix_or_None, nesting)."""
    paths = _paths(doc)
    path = rng.choice(paths)
    op = rng.choice(["flip", "flip", "delete", "add", "nest", "huge", "edge", "dup", "swap"])
    nesting = None
    if op == "flip":
        doc = _set(doc, path, _flip(_get(doc, path), rng))
    elif op == "delete" and path:
        parent = _get(doc, path[:-1])
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif isinstance(parent, list) and parent:
            parent.pop(path[-1])
    elif op == "add":
        node = _get(doc, path)
        if isinstance(node, dict):
            node[rng.choice(["", "id", "status", "\u0000", "x" * 300, "links", "__proto__"])] = rng.choice(EDGE_VALUES)
        elif isinstance(node, list):
            node.insert(rng.randint(0, len(node)), rng.choice(EDGE_VALUES))
    elif op == "nest":
        nesting = (path, _nest(rng.choice([64, 512, 5000, 50000, 200000]), rng))
    elif op == "huge":
        doc = _set(doc, path, rng.choice(["h" * 2_000_000, ["h"] * 200000, {str(i): i for i in range(50000)}]))
    elif op == "edge":
        doc = _set(doc, path, rng.choice(EDGE_VALUES))
    elif op == "dup":
        node = _get(doc, path)
        if isinstance(node, list) and node:
            node.append(node[rng.randrange(len(node))])
    elif op == "swap" and len(paths) > 2:
        other = rng.choice(paths)
        try:
            a, b = _get(doc, path), _get(doc, other)
            doc = _set(doc, path, b)
            doc = _set(doc, other, a)
        except (KeyError, IndexError, TypeError):
            pass
    return doc, nesting


NEST_MARK = "@@NEST@@"


def mutate(data, rng):
    """A mutated copy of `data` (bytes)."""
    if rng.random() < 0.25 or not data:
        return _bytes(data, rng)
    try:
        doc = json.loads(data)
    except ValueError:
        return _bytes(data, rng)
    nest = None
    for _ in range(rng.choice([1, 1, 2, 3])):
        try:
            doc, n = mutate_doc(doc, rng)
        except (KeyError, IndexError, TypeError, RecursionError):
            continue
        if n is not None:
            nest = n
    if nest is not None:
        try:
            doc = _set(doc, nest[0], NEST_MARK)
        except (KeyError, IndexError, TypeError):
            nest = None
    try:
        text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
    except (ValueError, RecursionError):
        return _bytes(data, rng)
    if nest is not None:
        text = text.replace(json.dumps(NEST_MARK), nest[1], 1)
    return text.encode("utf-8", "surrogatepass")


def _bytes(data, rng):
    op = rng.choice(["truncate", "garbage", "flipbyte", "empty", "trailing", "bom", "nul"])
    if op == "truncate" and data:
        return data[:rng.randrange(len(data))]
    if op == "garbage" and data:
        i = rng.randrange(len(data))
        return data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))) + data[i:]
    if op == "flipbyte" and data:
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if op == "empty":
        return b""
    if op == "trailing":
        return data + b"}]garbage"
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    if op == "nul" and data:
        i = rng.randrange(len(data))
        return data[:i] + b"\x00" + data[i:]
    return data[: len(data) // 2]
