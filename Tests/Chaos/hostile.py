"""Hostile server records for scripts/chaos: what the API may send and the ledger must survive.

Each case patches the first server of every /servers/detail page. `expected` says what the
servers row must then hold (compared through psql with to_json), or None when the value cannot
be stored verbatim in PostgreSQL (NUL bytes, invalid UTF-8): then the run must fail with a clear
message, or store the value with a documented, visible substitution (see `lossy`).
"""
import json

# A marker replaced by raw bytes after serialization (invalid UTF-8 cannot be built in JSON).
RAW_MARK = "@@RAW-BYTES@@"
RAW_BYTES = b"bad\xff\xfe\xc3(utf8\xed\xa0\x80"

SQL = "x'); DROP TABLE servers; --"
SQL2 = "$$; DROP TABLE changes; SELECT pg_sleep(30); $$"


def _cases():
    big_meta = {"key-%05d" % i: "value %d '\"\\" % i for i in range(10000)}
    return {
        "quotes": {"name": "O'Reilly \"quoted\" `tick` \\backslash\\ ''"},
        "sql": {"name": SQL, "metadata": {"'; DELETE FROM changes; --": SQL2, "k": "'"},
                "description": "Robert'); DROP TABLE sync_runs;--"},
        "copy-escapes": {"name": "tab\there\nnew\\line\r\\N\\.\n\\.", "metadata": {"k\tey\n": "\\N", "\\.": "\t"},
                         "description": "\\N"},
        "backslash-N": {"name": "\\N", "description": "\\."},
        "array-literals": {"tags": ["'; DROP TABLE x; --", "{\"a\"}", "a,b", "{}", "NULL", "\\", " sp ", "\"", ""]},
        "json-text": {"name": "{\"a\": 1}", "metadata": {"j": "[1, 2, {\"x\": null}]", "n": "null"}},
        "unicode": {"name": "名前 🚀 \u202eRTL e\u0301 \ufeffbom \u2028sep", "metadata": {"κλειδί": "ζ😀"}},
        "control-chars": {"name": "ctl\u0001\u001f\u007f\u0085end", "metadata": {"c": "\u0007\b\f"}},
        "huge-name": {"name": "n" * 1_000_000},
        "huge-metadata": {"metadata": {"big": "y" * 5_000_000}},
        "metadata-10k-keys": {"metadata": big_meta},
        "nul-name": {"name": "a\u0000b"},
        "nul-metadata": {"metadata": {"k": "v\u0000w"}},
        "nul-key": {"metadata": {"k\u0000": "v"}},
        "lone-surrogate": {"name": "\ud800x"},
        "invalid-utf8": {"name": RAW_MARK},
    }


CASES = _cases()

# Cases whose value PostgreSQL cannot hold verbatim (text and jsonb refuse NUL; the database is
# UTF8). For them a clear failure is right; a stored value is accepted only if it equals one of
# these visible substitutions, and is reported as lossy.
UNSTORABLE = {"nul-name", "nul-metadata", "nul-key", "lone-surrogate", "invalid-utf8"}


def lossy_variants(case):
    """Plausible visible substitutions of an unstorable value (field -> list of accepted)."""
    if case == "invalid-utf8":
        return {"name": [RAW_BYTES.decode("utf-8", "replace")]}
    if case == "lone-surrogate":
        return {"name": ["\ufffdx"]}
    if case == "nul-name":
        return {"name": ["a\ufffdb", "a\\u0000b"]}
    return {}


def apply(case, data):
    """Patch the first server of a /servers/detail page; returns (bytes, [patched ids])."""
    obj = json.loads(data)
    servers = obj.get("servers") or []
    if not servers:
        return data, []
    patch = CASES[case]
    first = servers[0]
    for key, value in patch.items():
        first[key] = value
    out = json.dumps(obj, ensure_ascii=(case == "lone-surrogate"))
    if case == "lone-surrogate":
        out = out.encode("ascii")
    else:
        out = out.encode("utf-8", "surrogatepass")
    out = out.replace(RAW_MARK.encode(), RAW_BYTES)
    return out, [first["id"]]


def expected(case):
    """Field -> value the servers row must hold (None: not storable verbatim)."""
    if case in UNSTORABLE:
        return None
    return dict(CASES[case])
