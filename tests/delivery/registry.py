"""A real local OCI registry for tests: Debian's `docker-registry` (distribution 2.8) with its own config on
127.0.0.1:<free port> and its own storage directory (the package's /etc/docker/registry/config.yml listens on
all interfaces with htpasswd auth and is never used). Started and stopped by the test, bounded waits."""
from __future__ import annotations

import contextlib
import pathlib
import shutil
import socket
import subprocess
import time
import urllib.request


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    def __init__(self, workdir: pathlib.Path):
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> "Registry":
        binary = shutil.which("docker-registry")
        if not binary:
            raise RuntimeError("docker-registry not installed (make istio-deps: apt-get install docker-registry)")
        for _attempt in range(3):
            self.port = free_port()
            data = self.workdir / "data"
            data.mkdir(parents=True, exist_ok=True)
            cfg = self.workdir / "config.yml"
            cfg.write_text(
                "version: 0.1\n"
                "log: {level: warn}\n"
                f"storage: {{filesystem: {{rootdirectory: {data}}}, delete: {{enabled: true}}}}\n"
                f"http: {{addr: '127.0.0.1:{self.port}'}}\n")
            log = open(self.workdir / "registry.log", "ab")
            self.proc = subprocess.Popen([binary, "serve", str(cfg)], stdout=log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break  # port taken in the meantime: retry on another
                with contextlib.suppress(OSError):
                    with urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1) as r:
                        if r.status == 200:
                            return self
                time.sleep(0.1)
            self.stop()
        raise RuntimeError(f"registry did not start; log: {(self.workdir / 'registry.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
