"""Soak (issue 8): N mixed requests (tests/e2e/soak.lua, benign and hostile) straight into the
receiver Envoy running mirror-waf, with the Envoy process's RSS sampled over time.

Reports the RSS slope after warm-up (least squares over samples taken once `warmup` of the
requests were served, in bytes per request and KiB per 100k requests) and checks the filter's
counters: every request counted, inspected and turned into an event, and every event exported to
an HTTP collector, dropped with a reason or still queued (emitted = exported + dropped + queued), with
the collector's own count equal to the exported counter. `make soak` runs 1,000,000 requests; the short version in
tests/e2e/test_robust_soak.py runs 20,000.

    SOAK_REQUESTS=1000000 .venv/bin/python tests/e2e/soak.py   # writes build/soak-report.json
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "local"))
sys.path.insert(0, str(HERE))

from robust_util import assert_vm_healthy, wasm_stats  # noqa: E402
from topology import Topology, default_plugin_config, free_port  # noqa: E402

COLLECTOR_CLUSTER = "soak-collector"


class CountingCollector:
    """An HTTP event collector that only counts (NDJSON lines and batches): the soak's million
    events must not pile up in the test process as local/collector.py's recorded batches would."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.port = free_port()
        self.events = 0
        self.batches = 0
        self.lock = threading.Lock()
        me = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n) if n else b""
                with me.lock:
                    me.events += sum(1 for line in body.split(b"\n") if line.strip())
                    me.batches += 1
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def cluster(self) -> str:
        return f"""  - name: {COLLECTOR_CLUSTER}
    type: STATIC
    connect_timeout: 0.25s
    load_assignment:
      cluster_name: {COLLECTOR_CLUSTER}
      endpoints: [{{lb_endpoints: [{{endpoint: {{address: {{socket_address: {{address: 127.0.0.1, port_value: {self.port}}}}}}}}}]}}]
"""

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def slope(points: list[tuple[float, float]]) -> float:
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return 0.0 if sxx == 0 else sum((x - mx) * (y - my) for x, y in points) / sxx


def soak(requests: int, connections: int = 16, threads: int = 2, segment_s: int = 5, warmup: float = 0.2,
         sample_s: float = 0.5, log=print) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk not found: `make soak` installs it (apt-get install wrk)")
    collector = CountingCollector()
    events = {"include_benign": True, "log": False,
              "http": {"cluster": COLLECTOR_CLUSTER, "batch_max": 500, "flush_ms": 200, "queue_max": 20_000}}
    cfg = default_plugin_config("sink", events=events)
    t = Topology(cfg, with_front=False, extra_clusters=collector.cluster())
    t.start()
    try:
        pid = t.receiver.proc.pid
        active = wasm_stats(t.receiver).get("wasm.envoy.wasm.runtime.v8.active")
        samples: list[tuple[float, int, int]] = []  # (t, requests served, rss KiB)
        stop = threading.Event()

        def served() -> int:
            return t.receiver.stats().get("http.receiver.downstream_rq_total", 0)

        def sampler():
            t0 = time.time()
            while not stop.is_set():
                r = rss_kib(pid)
                if r is not None:
                    samples.append((time.time() - t0, served(), r))
                stop.wait(sample_s)

        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        url = f"http://127.0.0.1:{t.ports['RECEIVER_PORT']}/"
        done = 0
        non2xx = 0
        errors = 0
        started = time.time()
        while done < requests:
            # a rough rate from the previous segments keeps the overshoot small
            rate = done / (time.time() - started) if done else None
            dur = segment_s if rate is None else max(1, min(segment_s, round((requests - done) / rate + 0.5)))
            run = subprocess.run([wrk, "-t", str(threads), "-c", str(connections), "-d", f"{int(dur)}s",
                                  "-s", str(HERE / "soak.lua"), url], capture_output=True, text=True, timeout=dur + 60)
            out = run.stdout
            m = re.search(r"(\d+) requests in", out)
            if not m or int(m.group(1)) == 0:
                raise RuntimeError(f"wrk served nothing (rc {run.returncode}):\n{out}\n{run.stderr}")
            done += int(m.group(1))
            m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            non2xx += int(m.group(1)) if m else 0
            m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
            errors += sum(map(int, m.groups())) if m else 0
            log(f"soak: {done}/{requests} requests, rss {samples[-1][2] if samples else '?'} KiB")
        elapsed = time.time() - started
        # let the exporter drain its queue
        deadline = time.time() + 30
        while time.time() < deadline and t.receiver.stats().get("wasmcustom.mirror_waf_events_queued", 0) > 0:
            time.sleep(0.2)
        time.sleep(1.0)
        stop.set()
        th.join()
        st = t.receiver.stats()
        ws = wasm_stats(t.receiver)
        assert_vm_healthy(t.receiver, active)
        total = st.get("http.receiver.downstream_rq_total", 0)
        after = [(s, r * 1024.0) for _, s, r in samples if s >= warmup * total]
        b_per_req = slope(after)
        timed = [(x, r * 1024.0) for x, s, r in samples if s >= warmup * total]
        counters = {k.removeprefix("wasmcustom."): v for k, v in ws.items() if k.startswith("wasmcustom.")}
        report = {
            "requests_sent_wrk": done,
            "requests_served_envoy": total,
            "non_2xx": non2xx,
            "socket_errors": errors,
            "seconds": round(elapsed, 1),
            "rps": round(done / elapsed) if elapsed else 0,
            "rss_kib_start": samples[0][2] if samples else None,
            "rss_kib_after_warmup": after and int(after[0][1] / 1024),
            "rss_kib_end": samples[-1][2] if samples else None,
            "rss_kib_max": max(r for _, _, r in samples) if samples else None,
            "samples": len(samples),
            "samples_after_warmup": len(after),
            "slope_bytes_per_request": round(b_per_req, 4),
            "slope_kib_per_100k_requests": round(b_per_req * 100_000 / 1024, 2),
            "slope_kib_per_minute": round(slope(timed) * 60 / 1024, 2),
            "counters": counters,
            "wasm_vm_active": ws.get("wasm.envoy.wasm.runtime.v8.active"),
            "collector_events": collector.events,
            "collector_batches": collector.batches,
        }
        return report
    finally:
        t.stop()
        collector.stop()


def check_counters(report: dict) -> list[str]:
    """The accounting identities; returns the violations."""
    c = report["counters"]
    bad = []
    served = report["requests_served_envoy"]
    req = c.get("mirror_waf_requests_total", 0)
    if req != served:
        bad.append(f"mirror_waf_requests_total {req} != requests served {served}")
    if c.get("mirror_waf_inspected_requests_total", 0) != req:
        bad.append(f"inspected {c.get('mirror_waf_inspected_requests_total')} != requests {req}")
    emitted = c.get("mirror_waf_events_total", 0)
    if emitted != req:  # include_benign: every inspected request is an event
        bad.append(f"events {emitted} != requests {req}")
    # the exporter's identity (README, "Metrics"): emitted = exported + dropped (all reasons) + queued
    sent = c.get("mirror_waf_events_exported_total", 0)
    dropped = sum(v for k, v in c.items() if k.startswith("mirror_waf_events_dropped_total"))
    queued = c.get("mirror_waf_events_queued", 0)
    if emitted != sent + dropped + queued:
        bad.append(f"events emitted {emitted} != exported {sent} + dropped {dropped} + queued {queued}")
    if report.get("collector_events") != sent:
        bad.append(f"collector received {report.get('collector_events')} events, filter counts {sent} exported")
    return bad


def main() -> int:
    n = int(os.environ.get("SOAK_REQUESTS", "1000000"))
    report = soak(n)
    report["counter_violations"] = check_counters(report)
    out = ROOT / "build" / "soak-report.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    ok = not report["counter_violations"] and report["non_2xx"] == 0 and abs(report["slope_bytes_per_request"]) < 1.0
    print(f"soak: {'FLAT' if ok else 'FAILED'}: slope {report['slope_bytes_per_request']} B/request "
          f"({report['slope_kib_per_100k_requests']} KiB per 100k) over {report['requests_served_envoy']} requests; report {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
