"""A small real HTTP event collector for the local topology and the end-to-end tests.

It listens on 127.0.0.1, records every batch (path, headers, body) it receives and answers
according to its mode, which tests change at run time:

    c = Collector()                      # answers 200 at once
    c.status = 500                       # answers 500
    c.delay = 2.0                        # answers after 2 s (slower than the filter's timeout_ms)
    c.stop(); c.start()                  # down (connection refused) / back up, same port

`collector_cluster(port)` is the Envoy cluster (YAML, for Topology(extra_clusters=…)) that
the filter's `events.http.cluster` names.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from topology import free_port

CLUSTER = "mirror-waf-collector"


def collector_cluster(port: int, name: str = CLUSTER) -> str:
    """A STATIC cluster to 127.0.0.1:port, indented for the receiver template's clusters list."""
    return f"""  - name: {name}
    type: STATIC
    connect_timeout: 0.25s
    load_assignment:
      cluster_name: {name}
      endpoints: [{{lb_endpoints: [{{endpoint: {{address: {{socket_address: {{address: 127.0.0.1, port_value: {port}}}}}}}}}]}}]
"""


class Batch:
    def __init__(self, path: str, headers: dict[str, str], body: bytes, status: int, at: float):
        self.path = path
        self.headers = headers
        self.body = body
        self.status = status  # what the collector answered
        self.at = at

    def ndjson(self) -> list[dict]:
        return [json.loads(l) for l in self.body.decode().splitlines() if l.strip()]

    def json(self) -> dict:
        return json.loads(self.body)

    def otlp_events(self) -> list[dict]:
        """The mirror-waf events carried as OTLP log bodies."""
        out = []
        for rl in self.json().get("resourceLogs", []):
            for sl in rl.get("scopeLogs", []):
                for rec in sl.get("logRecords", []):
                    out.append(json.loads(rec["body"]["stringValue"]))
        return out


class Collector:
    def __init__(self, port: int | None = None, status: int = 200, delay: float = 0.0):
        self.port = port or free_port()
        self.status = status
        self.delay = delay
        self.lock = threading.Lock()
        self.batches: list[Batch] = []
        self.server: ThreadingHTTPServer | None = None
        self.start()

    def _handler(self):
        collector = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n) if n else b""
                status, delay = collector.status, collector.delay
                with collector.lock:
                    collector.batches.append(Batch(self.path, {k.lower(): v for k, v in self.headers.items()}, body, status, time.time()))
                if delay:
                    time.sleep(delay)
                out = b"{}" if 200 <= status < 300 else b'{"error":"test collector says no"}'
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # Envoy gave up (timeout) and closed the connection

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> "Collector":
        if self.server is None:
            ThreadingHTTPServer.allow_reuse_address = True
            self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
            self.server.daemon_threads = True
            threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # --- what arrived ---------------------------------------------------------------
    def received(self) -> list[Batch]:
        with self.lock:
            return list(self.batches)

    def accepted(self) -> list[Batch]:
        """Batches the collector answered with 2xx (the ones the filter counts as sent)."""
        return [b for b in self.received() if 200 <= b.status < 300]

    def events(self, accepted_only: bool = True) -> list[dict]:
        out = []
        for b in (self.accepted() if accepted_only else self.received()):
            out.extend(b.otlp_events() if b.path.endswith("/v1/logs") else b.ndjson())
        return out

    def wait_events(self, n: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.time() + timeout
        evs = self.events()
        while len(evs) < n and time.time() < deadline:
            time.sleep(0.05)
            evs = self.events()
        return evs

    def clear(self) -> None:
        with self.lock:
            self.batches.clear()
