"""Event delivery end to end (issue 5): real Envoy + the built mirror_waf.wasm + a real HTTP
collector on 127.0.0.1 (local/collector.py). Every test checks the export invariant
`events_total == events_exported_total + Σ events_dropped_total{reason} + events_queued`
and that what the collector accepted is exactly what the filter counts as exported.
"""
from __future__ import annotations

import http.client
import json
import statistics
import threading
import time

import pytest

from collector import CLUSTER, Collector, collector_cluster
from topology import Topology, default_plugin_config, local_ip

TRUSTED = ["127.0.0.0/8", "::1/128", "10.0.0.0/8"] + ([f"{local_ip()}/32"] if local_ip() else [])

P = "wasmcustom.mirror_waf_"
REASONS = ("queue_full", "collector_error", "timeout", "shutdown")

SQLI = "/search?q=1%27%20UNION%20SELECT%20username%2Cpassword%20FROM%20users--"
XSS = "/comment?text=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E"


def cfg(http: dict | None = None, **events) -> dict:
    ev = {"include_benign": True, **events}
    if http is not None:
        ev["http"] = {"cluster": CLUSTER, **http}
    return default_plugin_config("sink", trusted=list(TRUSTED), events=ev)


def export_stats(t: Topology) -> dict:
    s = t.receiver.stats()
    out = {
        "emitted": s.get(P + "events_total", 0),
        "exported": s.get(P + "events_exported_total", 0),
        "queued": s.get(P + "events_queued", 0),
        "batches_sent": s.get(P + "batches_sent_total", 0),
        "batches_retried": s.get(P + "batches_retried_total", 0),
        "requests": s.get(P + "requests_total", 0),
        "inspected": s.get(P + "inspected_requests_total", 0),
    }
    for r in REASONS:
        out["dropped_" + r] = s.get(f"{P}events_dropped_total.reason=.={r};.;", 0)
    for r in ("collector_error", "timeout"):
        out["batches_failed_" + r] = s.get(f"{P}batches_failed_total.reason=.={r};.;", 0)
    out["dropped"] = sum(out["dropped_" + r] for r in REASONS)
    return out


def balanced(s: dict) -> bool:
    return s["emitted"] == s["exported"] + s["dropped"] + s["queued"]


def settle(t: Topology, emitted: int, timeout: float = 20.0, done=lambda s: s["queued"] == 0) -> dict:
    """Waits until `emitted` events were counted and the exporter is idle (`done`)."""
    deadline = time.time() + timeout
    s = export_stats(t)
    while time.time() < deadline:
        s = export_stats(t)
        if s["emitted"] >= emitted and done(s) and balanced(s):
            return s
        time.sleep(0.05)
    return s


def send_many(port: int, reqs: list[tuple], threads: int = 8) -> list[int]:
    """Sends (method, path, headers, body) requests over `threads` keep-alive connections."""
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        got = []
        for method, path, headers, body in chunk:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            got.append(r.status)
            if r.getheader("connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        conn.close()
        with lock:
            statuses.extend(got)

    ts = [threading.Thread(target=worker, args=(reqs[i::threads],)) for i in range(threads)]
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    return statuses


def mixed_requests(n: int, prefix: str) -> list[tuple]:
    templates = [
        ("GET", "/products?id=42&sort=price", {"user-agent": "Mozilla/5.0"}, None),
        ("GET", SQLI, {"x-forwarded-for": "198.51.100.23"}, None),
        ("POST", "/api/cart", {"content-type": "application/json"}, b'{"item": 42, "qty": 2}'),
        ("GET", XSS, {}, None),
        ("POST", "/login", {"content-type": "application/x-www-form-urlencoded"}, b"user=admin%27--&pass=x"),
        ("GET", "/download?file=../../../../etc/passwd", {}, None),
        ("GET", "/static/app.js", {"accept": "*/*"}, None),
        ("POST", "/api/ping", {"content-type": "application/json"}, b'{"host": "127.0.0.1; cat /etc/passwd"}'),
    ]
    out = []
    for i in range(n):
        m, p, h, b = templates[i % len(templates)]
        out.append((m, p, dict(h, **{"x-request-id": f"{prefix}-{i}", "host": "app.example-shadow"}), b))
    return out


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.stop()


@pytest.mark.parametrize("fmt", ["ndjson", "otlp"])
def test_every_event_arrives_exactly_once_under_load(collector, fmt):
    n = 10_000
    http_cfg = {"format": fmt, "batch_max": 100, "flush_ms": 100, "queue_max": 10_000, "timeout_ms": 2000}
    # two Envoy workers: two Wasm VMs, each with its own exporter, counters summed by Envoy
    with Topology(cfg(http_cfg, log=False), extra_clusters=collector_cluster(collector.port), receiver_concurrency=2) as t:
        t0 = time.time()
        # Straight to the receiver (the copies a front proxy would send): no Python backend in the loop.
        statuses = send_many(t.ports["RECEIVER_PORT"], mixed_requests(n, "load"))
        sent_s = time.time() - t0
        assert statuses.count(204) == n, {s: statuses.count(s) for s in set(statuses)}
        s = settle(t, n, timeout=30)
        elapsed = time.time() - t0
        evs = collector.events()
        ids = [e["request_id"] for e in evs]
        print(f"\n10k load ({fmt}): sent in {sent_s:.1f}s, all delivered in {elapsed:.1f}s; stats {s}; "
              f"batches received {len(collector.received())}")
        assert s["emitted"] == n and s["inspected"] == n
        assert len(ids) == n, f"collector got {len(ids)} events"
        assert len(set(ids)) == n, "duplicates"
        assert set(ids) == {f"load-{i}" for i in range(n)}
        assert s["exported"] == n and s["dropped"] == 0 and s["queued"] == 0
        assert s["batches_sent"] == len(collector.accepted())
        per_batch = [len(b.otlp_events() if fmt == "otlp" else b.ndjson()) for b in collector.received()]
        assert sum(per_batch) == n and max(per_batch) <= 100
        # attacks in the mix: the per-class counters agree with the delivered events
        by_class: dict[str, int] = {}
        for e in evs:
            if e["verdict"]["attack"]:
                for c in e["verdict"]["classes"]:
                    by_class[c] = by_class.get(c, 0) + 1
        assert by_class.get("sqli", 0) >= n // 8 and by_class.get("xss", 0) >= n // 8, by_class
        st = t.receiver.stats()
        assert {c: st.get(f"{P}attacks_total.class=.={c};.;") for c in by_class} == by_class
        assert st[P + "attack_requests_total"] == sum(1 for e in evs if e["verdict"]["attack"])
        want = ("application/x-ndjson", "/v1/events") if fmt == "ndjson" else ("application/json", "/v1/logs")
        assert all((b.headers["content-type"], b.path) == want for b in collector.received())


def test_collector_down_drops_are_counted_memory_bounded_and_inspection_goes_on(collector):
    collector.stop()  # nothing listens on its port: connection refused
    http_cfg = {"batch_max": 10, "flush_ms": 50, "queue_max": 50, "timeout_ms": 500}
    with Topology(cfg(http_cfg, log=False), extra_clusters=collector_cluster(collector.port)) as t:
        peak = {"queued": 0}
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak["queued"] = max(peak["queued"], export_stats(t)["queued"])
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        n = 2000
        statuses = send_many(t.ports["RECEIVER_PORT"], mixed_requests(n, "down"), threads=4)
        s = settle(t, n, done=lambda s: s["batches_failed_collector_error"] > 0 and s["queued"] == 0)
        stop.set()
        sampler.join()
        s = export_stats(t)
        print(f"\ncollector down: {s}, peak queued {peak['queued']}")
        assert statuses.count(204) == n
        assert s["inspected"] == n and s["emitted"] == n, "the filter must keep inspecting"
        assert 0 < peak["queued"] <= 50, peak
        assert s["queued"] <= 50
        assert s["exported"] == 0
        assert s["dropped_queue_full"] > 0 and s["dropped_collector_error"] > 0
        assert balanced(s), s
        assert collector.received() == []
        # The collector comes back: new events flow again, and the books still balance.
        collector.start()
        before = export_stats(t)
        assert before["queued"] == 0, before  # everything from the outage was given up, counted
        for i in range(30):
            t.request("GET", f"/back/{i}", {"x-request-id": f"back-{i}", "host": "app.example-shadow"}, port_key="RECEIVER_PORT")
        s = settle(t, n + 30, timeout=15)
        assert balanced(s) and s["queued"] == 0, s
        got = collector.events()
        assert s["exported"] == len(got) > 0
        assert len({e["request_id"] for e in got}) == len(got)
        assert {f"back-{i}" for i in range(30)} <= {e["request_id"] for e in got}
        assert s["dropped"] >= before["dropped"]


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def test_slow_collector_never_blocks_the_data_path(collector):
    collector.delay = 1.5  # answers long after timeout_ms
    http_cfg = {"batch_max": 5, "flush_ms": 50, "queue_max": 1000, "timeout_ms": 200}
    with Topology(cfg(http_cfg, log=False), extra_clusters=collector_cluster(collector.port)) as t:
        lat_mirror, lat_plain = [], []
        for i in range(150):
            h = {"x-request-id": f"slow-{i}"}
            t0 = time.perf_counter()
            st, _, _ = t.request("GET", f"/slow/{i}?q=1", h)
            lat_mirror.append(time.perf_counter() - t0)
            assert st == 200
            t0 = time.perf_counter()
            t.request("GET", f"/slow/{i}?q=1", h, port_key="FRONT_NOMIRROR_PORT")
            lat_plain.append(time.perf_counter() - t0)
        # copies sent straight to the receiver: answered without waiting for the collector
        lat_copy = []
        for i in range(50):
            t0 = time.perf_counter()
            st, _, _ = t.request("GET", f"/copy/{i}", {"x-request-id": f"copy-{i}", "host": "a-shadow"}, port_key="RECEIVER_PORT")
            lat_copy.append(time.perf_counter() - t0)
            assert st == 204
        s = settle(t, 200, timeout=20, done=lambda s: s["queued"] == 0)
        print(f"\nslow collector: primary p50 {statistics.median(lat_mirror)*1000:.1f} ms p95 {percentile(lat_mirror, .95)*1000:.1f} ms "
              f"(no mirror p50 {statistics.median(lat_plain)*1000:.1f} ms); copy p95 {percentile(lat_copy, .95)*1000:.1f} ms; {s}")
        # One collector round trip (timeout 200 ms, collector 1.5 s) on the data path would show up here.
        assert percentile(lat_mirror, 0.95) < 0.15, lat_mirror
        assert statistics.median(lat_mirror) < statistics.median(lat_plain) + 0.02
        assert percentile(lat_copy, 0.95) < 0.15
        assert s["emitted"] == 200 and s["exported"] == 0
        assert s["batches_failed_timeout"] > 0 and s["dropped_timeout"] > 0
        assert s["batches_failed_collector_error"] == 0
        assert s["dropped_timeout"] + s["dropped_queue_full"] == 200 and balanced(s), s


def test_collector_500_retries_once_then_drops(collector):
    collector.status = 500
    # flush_ms well above the time 5 requests take: the batch leaves because it is full
    http_cfg = {"batch_max": 5, "flush_ms": 1000, "queue_max": 100, "timeout_ms": 1000}
    with Topology(cfg(http_cfg, log=False), extra_clusters=collector_cluster(collector.port)) as t:
        for i in range(5):
            t.request("GET", f"/e/{i}", {"x-request-id": f"e500-{i}"})
        s = settle(t, 5, done=lambda s: s["dropped_collector_error"] == 5)
        got = collector.received()
        assert [b.status for b in got] == [500, 500], [b.status for b in got]
        assert got[0].body == got[1].body, "the retry carries the same batch"
        assert sorted(e["request_id"] for e in got[0].ndjson()) == [f"e500-{i}" for i in range(5)]
        assert s["batches_failed_collector_error"] == 2 and s["batches_retried"] == 1
        assert s["exported"] == 0 and s["queued"] == 0 and balanced(s), s
        time.sleep(0.5)
        assert len(collector.received()) == 2, "no third attempt"
        # back to 200: later events arrive, the dropped ones do not come back
        collector.status = 200
        for i in range(3):
            t.request("GET", f"/ok/{i}", {"x-request-id": f"ok-{i}"})
        s = settle(t, 8)
        assert sorted(e["request_id"] for e in collector.events()) == ["ok-0", "ok-1", "ok-2"]
        assert s["exported"] == 3 and s["dropped_collector_error"] == 5 and balanced(s), s


def test_collector_500_then_recovers_within_the_retry(collector):
    collector.status = 500
    http_cfg = {"batch_max": 3, "flush_ms": 1000, "queue_max": 100, "timeout_ms": 1000}
    with Topology(cfg(http_cfg, log=False), extra_clusters=collector_cluster(collector.port)) as t:
        for i in range(3):
            t.request("GET", f"/r/{i}", {"x-request-id": f"r-{i}"})
        deadline = time.time() + 10
        while time.time() < deadline and not collector.received():
            time.sleep(0.01)
        collector.status = 200  # the retry comes flush_ms later and succeeds
        s = settle(t, 3, done=lambda s: s["exported"] == 3)
        assert [b.status for b in collector.received()] == [500, 200]
        assert s["batches_failed_collector_error"] == 1 and s["batches_retried"] == 1 and s["dropped"] == 0
        assert sorted(e["request_id"] for e in collector.events()) == ["r-0", "r-1", "r-2"] and balanced(s)


def test_extra_headers_authority_path_and_timeout_config(collector):
    http_cfg = {"batch_max": 2, "flush_ms": 50, "authority": "events.example", "path": "/ingest/mw",
                "headers": [["authorization", "Bearer collector-token"], ["x-tenant", "blue"]]}
    with Topology(cfg(http_cfg, log=False), extra_clusters=collector_cluster(collector.port)) as t:
        t.request("GET", "/h", {"x-request-id": "hdr-1"})
        assert collector.wait_events(1)
        b = collector.received()[0]
        assert b.path == "/ingest/mw"
        assert b.headers["host"] == "events.example"
        assert b.headers["authorization"] == "Bearer collector-token" and b.headers["x-tenant"] == "blue"
        assert b.headers["user-agent"].startswith("mirror-waf/")


def test_unknown_cluster_is_counted_and_logged_once():
    http_cfg = {"cluster": "no-such-cluster", "batch_max": 2, "flush_ms": 50}
    with Topology(cfg(http_cfg, log=False)) as t:
        for i in range(6):
            t.request("GET", f"/u/{i}", {"x-request-id": f"u-{i}"})
        s = settle(t, 6, done=lambda s: s["queued"] == 0)
        assert s["inspected"] == 6 and s["exported"] == 0
        assert s["dropped_collector_error"] == 6 and s["batches_failed_collector_error"] > 0 and balanced(s), s
        log = t.receiver.log_text()
        assert log.count("cannot dispatch to cluster 'no-such-cluster'") == 1, log[-2000:]
