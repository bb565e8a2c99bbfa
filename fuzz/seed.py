#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the labelled request corpora (../shared/corpora, or $CORPORA)
at fuzz time; nothing here is committed. Deterministic: at most SEEDS_PER_TARGET (default 400) inputs
per target, the same ones on every run. Input formats are the ones documented in each target."""
from __future__ import annotations

import hashlib
import json
import os
import random
import struct
import sys
from pathlib import Path
from urllib.parse import urlsplit

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
CORPORA = Path(os.environ.get("CORPORA", ROOT.parent / "shared" / "corpora"))
LIMIT = int(os.environ.get("SEEDS_PER_TARGET", "400"))
MAX_SEED = 64 * 1024


def records():
    files = sorted(CORPORA.glob("*.jsonl"))
    if not files:
        print(f"seed.py: no corpora under {CORPORA}; targets start from built-in seeds only", file=sys.stderr)
    for f in files:
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue


def body_bytes(r) -> bytes:
    b = r.get("body") or ""
    return b.encode("latin-1", "replace") if r.get("body_encoding") == "latin-1" else b.encode("utf-8", "surrogateescape")


def header(r, name):
    for k, v in r.get("headers") or []:
        if k.lower() == name:
            return v
    return None


class Sink:
    def __init__(self):
        self.seen: dict[str, set] = {}

    def add(self, target: str, data: bytes):
        if not data or len(data) > MAX_SEED:
            return
        s = self.seen.setdefault(target, set())
        if len(s) >= LIMIT:
            return
        h = hashlib.sha1(data).hexdigest()
        if h in s:
            return
        s.add(h)
        d = FUZZ / "corpus" / target
        d.mkdir(parents=True, exist_ok=True)
        (d / h).write_bytes(data)


def serialize_pairs(pairs):
    out = struct.pack("<I", len(pairs))
    for k, v in pairs:
        out += struct.pack("<II", len(k), len(v))
    for k, v in pairs:
        out += k + b"\0" + v + b"\0"
    return out


def main() -> int:
    sink = Sink()
    for c in [b"", b"{}", b'{"role":"sink"}', b'{"role":"inspect","real_ip":{"trusted_proxies":["10.0.0.0/8","::1/128"],"recursive":true}}',
              b'{"inspection":{"paranoia_level":4,"max_body_bytes":1024,"max_args":8,"max_depth":4,"classes":{"sqli":false}}}',
              b'{"events":{"include_benign":true,"redact_headers":["authorization"],"max_evidence_bytes":64}}',
              b'{"mirror":{"server_addr_header":"x-server-addr","sink_status":204,"only_mirrored":true}}',
              b'{"plugin_version":"0.1.0"}', b'{"rol":"sink"}', b'{"real_ip":{"trusted_proxies":["10.0.0.0/33"]}}']:
        sink.add("config", c or b" ")
    for s in [b"127.0.0.1:4000\n10.0.0.0/8,127.0.0.0/8\nr\n198.51.100.1, 10.0.0.2\n10.1.1.1",
              b"[::1]:80\n::1/128,fd00::/8\n\n2001:db8::1, [fd00::2]:443, unknown",
              b"10.0.0.1:1\n0.0.0.0/0\nr\n<junk>, 1.2.3.4:5, ::ffff:10.0.0.1"]:
        sink.add("realip", s)
    for s in [b"shop.example.com-shadow:8080\n198.51.100.7, 10.0.0.1\n10.0.0.7\n8080\n127.0.0.1:3456\n127.0.0.1:15006",
              b"[::1]-shadow:80\n\n\n\n[::1]:1\n[::1]:2", b"api-shadow\n2001:db8::1|10.0.0.2\nbogus\n70000\n\n"]:
        sink.add("mirror_context", s)
    recs = list(records())
    random.Random(1337).shuffle(recs)  # a spread over every source, the same on every run
    for i, r in enumerate(recs):
        body = body_bytes(r)
        uri = (r.get("uri") or "/").encode("utf-8", "surrogateescape")
        method = (r.get("method") or "GET").encode("utf-8", "surrogateescape")
        hdrs = [(k.lower().encode("utf-8", "surrogateescape"), v.encode("utf-8", "surrogateescape")) for k, v in (r.get("headers") or [])]
        raw = method + b" " + uri + b"\n" + b"".join(k + b": " + v.replace(b"\n", b" ") + b"\n" for k, v in hdrs) + b"\n" + body
        sink.add("engine", bytes([i % 256]) + raw)
        sink.add("pairs", serialize_pairs([(b":method", method), (b":path", uri)] + hdrs))
        ct = (header(r, "content-type") or "").lower()
        if body:
            if "json" in ct or body[:1] in (b"{", b"["):
                sink.add("json", body)
            if "multipart" in ct:
                sink.add("multipart", ct.encode() + b"\n" + body)
            if "xml" in ct or body[:1] == b"<":
                sink.add("xml", body)
            if "urlencoded" in ct:
                sink.add("urlencoded", body)
        q = urlsplit(r.get("uri") or "/").query
        if q:
            sink.add("urlencoded", q.encode("utf-8", "surrogateescape"))
            sink.add("decoders", q.encode("utf-8", "surrogateescape"))
        if r.get("payload"):
            sink.add("decoders", r["payload"].encode("utf-8", "surrogateescape"))
        cookie = header(r, "cookie")
        if cookie:
            sink.add("urlencoded", cookie.encode("utf-8", "surrogateescape"))
        xff = header(r, "x-forwarded-for")
        if xff:
            sink.add("realip", b"127.0.0.1:1\n10.0.0.0/8,127.0.0.0/8\nr\n" + xff.encode("utf-8", "surrogateescape"))
        host = header(r, "host")
        if host:
            sink.add("mirror_context", host.encode("utf-8", "surrogateescape") + b"-shadow\n\n10.0.0.1\n80\n127.0.0.1:9\n127.0.0.1:10")
    for t, s in sorted(sink.seen.items()):
        print(f"seed.py: {t}: {len(s)} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
