"""Fail-open (issue 8): when the mirror-waf VM cannot run, traffic keeps flowing and the failure
is visible in metrics and logs.

How a VM failure is forced: the module is loaded as *remote* code (`vm_config.code.remote`, served
by a local HTTP server with its sha256), which is how it arrives in a mesh; Envoy then creates the
VM after start-up, so a failing VM is a runtime condition rather than a rejected bootstrap (with
`code.local` in a static bootstrap, any VM failure makes Envoy refuse the whole config and exit,
whatever the failure policy; see docs/robustness.md). Two failures are triggered:
- a VM configuration that passes Envoy's validation but that the filter refuses in
  `proxy_on_vm_start` (`{"plugin_version": ...}` pinning a version this module is not);
- a corrupted module (truncated .wasm with a matching sha256).
With `failure_policy: FAIL_OPEN` the receiver serves traffic without the filter; the primary path
through the front is unaffected in every case (a mirror never waits for its copy)."""
import functools
import hashlib
import json
import re
import threading
import time
import tomllib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from robust_util import vm_failures, wasm_stats
from topology import DEFAULT_WASM, ROOT, Topology, default_plugin_config, free_port

VERSION = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]


class WasmServer:
    """Serves one module over HTTP on a free loopback port."""

    def __init__(self, data: bytes, workdir: Path):
        self.dir = workdir / "wasm-server"
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "m.wasm").write_bytes(data)
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.port = free_port()
        handler = functools.partial(QuietHandler, directory=str(self.dir))
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def cluster(self) -> str:
        return f"""  - name: wasm_server
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: wasm_server
      endpoints: [{{lb_endpoints: [{{endpoint: {{address: {{socket_address: {{address: 127.0.0.1, port_value: {self.port}}}}}}}}}]}}]
"""

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def remote_topology(module: bytes, vm_configuration: str | None, policy: str = "FAIL_OPEN", tmp_path: Path | None = None):
    cfg = default_plugin_config("sink", events={"include_benign": True})
    srv = WasmServer(module, tmp_path)
    t = Topology(cfg, extra_clusters=srv.cluster(), workdir=tmp_path / "topo")
    y = t.receiver_yaml
    local = re.search(r'code: \{local: \{filename: "[^"]*"\}\}', y)
    assert local, "receiver template changed: no local code block"
    remote = (f'code: {{remote: {{http_uri: {{uri: "http://127.0.0.1:{srv.port}/m.wasm", cluster: wasm_server, timeout: 5s}}, '
              f'sha256: "{srv.sha256}"}}}}')
    if vm_configuration is not None:
        indent = y[: local.start()].rsplit("\n", 1)[1]
        value = vm_configuration.replace("'", "''")
        remote += f"\n{indent}configuration: {{\"@type\": type.googleapis.com/google.protobuf.StringValue, value: '{value}'}}"
    y = y[: local.start()] + remote + y[local.end():]
    assert "failure_policy: FAIL_OPEN" in y
    t.receiver_yaml = y.replace("failure_policy: FAIL_OPEN", f"failure_policy: {policy}")
    t.wasm_server = srv
    return t


def run(t: Topology):
    t.start()
    # the remote fetch and VM creation finish after the listeners are up
    deadline = time.time() + 15
    while time.time() < deadline and "remote_load_fetch_successes" not in json.dumps(wasm_stats(t.receiver)):
        time.sleep(0.1)
    time.sleep(0.5)


def stop(t: Topology):
    t.stop()
    t.wasm_server.stop()


def send_both(t: Topology, n: int = 5):
    """n requests through the front (mirrored) and n straight to the receiver."""
    body = b'{"q": "1 UNION SELECT password FROM users"}'
    front, receiver = [], []
    for i in range(n):
        s, h, b = t.request("POST", f"/fo/{i}", {"x-request-id": f"fo-{i}", "content-type": "application/json"}, body)
        front.append((s, json.loads(b)))
        s, h, b = t.request("GET", f"/direct/{i}", {"x-request-id": f"fd-{i}", "host": "app-shadow"}, port_key="RECEIVER_PORT")
        receiver.append((s, dict((k.lower(), v) for k, v in h)))
    return body, front, receiver


def test_control_remote_module_with_matching_pin_runs_the_filter(tmp_path):
    t = remote_topology(DEFAULT_WASM.read_bytes(), json.dumps({"plugin_version": VERSION}), tmp_path=tmp_path)
    try:
        run(t)
        body, front, receiver = send_both(t, 3)
        assert all(s == 200 and d["body_sha256"] == hashlib.sha256(body).hexdigest() for s, d in front)
        assert all(s == 204 and h.get("x-mirror-waf") == "sink" for s, h in receiver), receiver  # answered by the filter
        assert len(t.wait_events(6, predicate=lambda e: str(e.get("request_id", "")).startswith(("fo-", "fd-")))) == 6
        st = wasm_stats(t.receiver)
        assert st.get("wasm.envoy.wasm.runtime.v8.active", 0) >= 1
        assert st.get("wasmcustom.mirror_waf_vm_start_rejections_total", 0) == 0
        assert not vm_failures(t.receiver.log_text())
    finally:
        stop(t)


@pytest.mark.parametrize("failure", ["version-pin", "corrupted-module"])
def test_vm_failure_fails_open_and_is_visible(tmp_path, failure):
    module = DEFAULT_WASM.read_bytes()
    vm_cfg = None
    if failure == "version-pin":
        vm_cfg = json.dumps({"plugin_version": "0.0.0-not-this-build"})
    else:
        module = module[: len(module) // 2]
    t = remote_topology(module, vm_cfg, tmp_path=tmp_path)
    try:
        run(t)
        body, front, receiver = send_both(t)
        # Primary path: every request answered by the backend, body intact.
        assert all(s == 200 and d["body_sha256"] == hashlib.sha256(body).hexdigest() for s, d in front), front
        # Receiver: traffic flows without the filter (the route's own 204, no sink header, no events).
        assert all(s == 204 and "x-mirror-waf" not in h for s, h in receiver), receiver
        time.sleep(0.5)
        assert t.receiver.events() == []
        assert t.receiver.stats().get("http.receiver.downstream_rq_2xx", 0) >= 10
        # Visible: no live VM, the failure in the log, and (version pin) the filter's own counter.
        st = wasm_stats(t.receiver)
        assert st.get("wasm.envoy.wasm.runtime.v8.active") == 0, st
        assert st.get("wasm.remote_load_fetch_successes") == 1, st
        log = t.receiver.log_text()
        assert "Plugin mirror-waf failed to load" in log
        if failure == "version-pin":
            assert st.get("wasmcustom.mirror_waf_vm_start_rejections_total", 0) >= 1, st
            assert f"VM start refused: vm_config.plugin_version: '0.0.0-not-this-build' requested but this module is {VERSION}" in log
            assert "Failed to start base Wasm" in log
        else:
            assert "Failed to load Wasm code" in log
    finally:
        stop(t)


def test_fail_closed_contrast(tmp_path):
    """The same VM failure under FAIL_CLOSED: the receiver answers 503 to everything, yet the
    primary path is still untouched, because the front never waits for the mirrored copy. Where
    the filter runs in the request path itself (role `inspect` on an app's sidecar), FAIL_CLOSED
    would break the route: use FAIL_OPEN."""
    t = remote_topology(DEFAULT_WASM.read_bytes(), json.dumps({"plugin_version": "0.0.0-not-this-build"}), policy="FAIL_CLOSED",
                        tmp_path=tmp_path)
    try:
        run(t)
        body, front, receiver = send_both(t, 3)
        assert all(s == 200 and d["body_sha256"] == hashlib.sha256(body).hexdigest() for s, d in front)
        assert all(s == 503 for s, _ in receiver), receiver
    finally:
        stop(t)
