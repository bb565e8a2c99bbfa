#!/usr/bin/env python3
"""`make bench` / `make bench-smoke`: mirror-waf's cost, side by side with Envoy without the
filter and with nginx + ModSecurity v3 + OWASP CRS (Debian), all on 127.0.0.1.

Configurations (one Envoy worker, one nginx worker each):
  a      Envoy, no filter, proxying to the upstream
  a0     Envoy + a proxy-wasm filter that does nothing (bench/noop-filter): the floor cost of
         Envoy's Wasm machinery, to tell it apart from mirror-waf's own work
  b0     (b) with every detection class disabled: the shell, request parsing and events, no detectors
  b      Envoy + mirror-waf, role inspect, proxying to the upstream
  c      Envoy + mirror-waf, role sink (answers every copy itself)
  d-on   the full mirrored topology (local/front.yaml.tmpl + local/receiver.yaml.tmpl):
         front Envoy routing to the upstream and mirroring 100% to a sink receiver
  d-off  the same front Envoy, on its listener without mirroring
  e      nginx + ModSecurity v3 + CRS 3.3.4 PL1, DetectionOnly (answers itself, echo module)
  nginx  the same nginx without ModSecurity (reference)
The upstream of a, b, d is nginx + echo (reads the body, answers "ok"): never the bottleneck.

The server under test is pinned to CPU 0; wrk (one thread) and the upstream to CPU 1
(in d, the receiver too). Runs are interleaved (round r of every configuration, then round
r+1), so ratios come from the same invocation and slow drift hits every configuration alike.

Output: a JSON file with every run and the summary (--json), and bench/RESULTS.md (--results).
The smoke mode (--smoke) runs every configuration on every load for about a second, checks
that the output parses and that each configuration inspected what it was sent; it asserts
no performance ratio.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "local"))
sys.path.insert(0, str(BENCH))

import topology  # noqa: E402  (local/topology.py: Envoy launcher, templates, ports)
from loads import ATTACKS, CANARY_XSS, HOST, JSON_VALUES, Load, make_loads, to_lua  # noqa: E402

NOOP_WASM = ROOT / "build" / "noop-target" / "wasm32-wasip1" / "release" / "bench_noop_filter.wasm"
SERVER_CPU = "0"
CLIENT_CPU = "1"
CLK_TCK = os.sysconf("SC_CLK_TCK")

CONFIGS = {
    "a": "Envoy, no filter",
    "a0": "Envoy + no-op Wasm filter",
    "b0": "Envoy + mirror-waf (inspect), every class off",
    "b": "Envoy + mirror-waf (inspect)",
    "c": "Envoy + mirror-waf (sink)",
    "d-on": "front Envoy, mirroring on",
    "d-off": "front Envoy, mirroring off",
    "e": "nginx + ModSecurity + CRS 3.3.4 PL1",
    "nginx": "nginx, no ModSecurity",
}
LATENCY_CONFIGS = ["a", "a0", "b0", "b", "c", "e", "nginx"]
# config::CLASS_NAMES: (b0) disables them all
CLASS_NAMES = ["sqli", "xss", "traversal", "rfi", "rce", "ssrf", "ssti", "nosqli", "ldapi", "xxe", "jndi",
               "crlf", "php", "java", "scanner", "protocol"]


DIE_WITH_PARENT = getattr(topology, "_die_with_parent", None)  # no process outlives the run


def render(path: Path, **values) -> str:
    return string.Template(path.read_text()).substitute({k: str(v) for k, v in values.items()})


def pinned(cpu: str | None) -> list[str]:
    """Command prefix: pinned to `cpu`, at raised priority when root (inherited by threads)."""
    prefix = ["nice", "-n", str(NICE)] if os.geteuid() == 0 else []
    return prefix + (["taskset", "-c", cpu] if cpu is not None else [])


NICE = -10  # servers and wrk run at this priority (root only), to damp other jobs on a shared machine


def pin_process(pid: int, cpu: str | None) -> None:
    """Pins every thread of a running process (Envoy starts its workers before we can wrap it)
    and raises the priority of each thread (nice is per thread on Linux)."""
    if cpu is not None:
        subprocess.run(["taskset", "-a", "-p", "-c", cpu, str(pid)], check=True, capture_output=True)
    if os.geteuid() == 0:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                os.setpriority(os.PRIO_PROCESS, int(task.name), NICE)
            except (OSError, ValueError):
                pass


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def leb128(buf: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def wasm_initial_memory_pages(path: Path) -> int | None:
    """Initial pages (64 KiB) of the module's linear memory, from its memory section (id 5)."""
    try:
        buf = path.read_bytes()
        i = 8
        while i < len(buf):
            sid = buf[i]
            size, j = leb128(buf, i + 1)
            if sid == 5:
                _count, k = leb128(buf, j)
                _flags, k = leb128(buf, k)
                pages, _ = leb128(buf, k)
                return pages
            i = j + size
    except (OSError, IndexError):
        return None
    return None


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------- servers

class Nginx:
    """One nginx (one worker) rendered from bench/nginx.conf.tmpl: upstream, modsec or plain."""

    def __init__(self, kind: str, workdir: Path, cpu: str | None):
        self.kind = kind
        self.dir = workdir / f"nginx-{kind}"
        self.dir.mkdir(parents=True, exist_ok=True)
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.dir / d).mkdir(exist_ok=True)
        self.port = topology.free_port()
        self.audit_log = self.dir / "audit.log"
        modsec = kind == "modsec"
        if modsec:
            (self.dir / "modsecurity.conf").write_text(render(
                BENCH / "modsecurity.conf.tmpl", WORKDIR=self.dir, AUDIT_LOG=self.audit_log, AUDIT_ENGINE="On"))
        conf = render(
            BENCH / "nginx.conf.tmpl", WORKDIR=self.dir, PORT=self.port,
            LOAD_MODSECURITY="load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;" if modsec else "",
            MODSECURITY=f"modsecurity on; modsecurity_rules_file {self.dir / 'modsecurity.conf'};" if modsec else "",
        )
        if os.geteuid() == 0:
            conf = "user root;\n" + conf
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text(conf)
        self.log = open(self.dir / "stderr.log", "wb")
        self.proc = subprocess.Popen(pinned(cpu) + ["nginx", "-p", str(self.dir), "-c", str(self.conf)],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     preexec_fn=DIE_WITH_PARENT)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx {self.kind} exited: {(self.dir / 'stderr.log').read_text()[-3000:]}"
                                   f"{(self.dir / 'error.log').read_text()[-3000:] if (self.dir / 'error.log').exists() else ''}")
            try:
                st, _ = http_request(self.port, "GET", "/", {"Host": HOST})
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"nginx {self.kind} not ready after {timeout}s")

    @property
    def pids(self) -> list[int]:
        return [self.proc.pid] + children(self.proc.pid)

    def worker_pid(self) -> int | None:
        kids = children(self.proc.pid)
        return kids[0] if kids else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: fast shutdown of master and workers
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


class EnvoyUnderTest:
    """Envoy from bench/proxy.yaml.tmpl: no filter (a), inspect (b) or sink (c)."""

    def __init__(self, name: str, role: str | None, upstream_port: int, workdir: Path, wasm: Path,
                 cpu: str | None, concurrency: int = 1, plugin_extra: dict | None = None):
        self.name = name
        self.port = topology.free_port()
        self.admin_port = topology.free_port()
        self.wasm_filter = ""
        route = "                route: {cluster: upstream, timeout: 30s}"
        if role == "noop":
            self.wasm_filter = render(BENCH / "wasm-filter.yaml.tmpl", PLUGIN_CONFIG="{}", WASM=NOOP_WASM.resolve()).rstrip("\n")
        elif role is not None:
            cfg = json.dumps(topology.default_plugin_config(role, **(plugin_extra or {})))
            self.wasm_filter = render(BENCH / "wasm-filter.yaml.tmpl", PLUGIN_CONFIG=cfg.replace("'", "''"),
                                      WASM=wasm.resolve()).rstrip("\n")
            if role == "sink":
                route = topology.SINK_ROUTE
        yaml = render(BENCH / "proxy.yaml.tmpl", ADMIN_PORT=self.admin_port, PORT=self.port,
                      UPSTREAM_PORT=upstream_port, ROUTE=route, WASM_FILTER=self.wasm_filter)
        d = workdir / f"envoy-{name}"
        d.mkdir(parents=True, exist_ok=True)
        self.envoy = topology.Envoy(name, yaml, self.admin_port, d, concurrency=concurrency)
        self.started = time.time()
        self.envoy.wait_ready(timeout=120)
        self.ready_s = time.time() - self.started
        pin_process(self.envoy.proc.pid, cpu)

    @property
    def pids(self) -> list[int]:
        return [self.envoy.proc.pid]

    def stop(self) -> None:
        self.envoy.stop()


class Mirrored:
    """(d): the local topology's front and receiver templates, with nginx as the backend."""

    def __init__(self, upstream_port: int, workdir: Path, wasm: Path, front_cpu: str | None, receiver_cpu: str | None):
        ports = {k: topology.free_port() for k in ("FRONT_PORT", "FRONT_NOMIRROR_PORT", "FRONT_ADMIN_PORT",
                                                   "RECEIVER_PORT", "RECEIVER_ADMIN_PORT")}
        ports["BACKEND_PORT"] = upstream_port
        self.ports = ports
        d = workdir / "mirrored"
        d.mkdir(parents=True, exist_ok=True)
        cfg = json.dumps(topology.default_plugin_config("sink"))
        receiver_yaml = topology.render("receiver.yaml.tmpl", **ports, WASM=wasm.resolve(),
                                        PLUGIN_CONFIG=cfg.replace("'", "''"), ACCESS_LOG=d / "receiver-access.log",
                                        RECEIVER_ROUTE=topology.SINK_ROUTE, EXTRA_CLUSTERS="")
        front_yaml = topology.render("front.yaml.tmpl", **ports)
        self.receiver = topology.Envoy("receiver", receiver_yaml, ports["RECEIVER_ADMIN_PORT"], d)
        self.front = topology.Envoy("front", front_yaml, ports["FRONT_ADMIN_PORT"], d)
        self.receiver.wait_ready(timeout=120)
        self.front.wait_ready(timeout=120)
        pin_process(self.receiver.proc.pid, receiver_cpu)
        pin_process(self.front.proc.pid, front_cpu)

    @property
    def pids(self) -> list[int]:
        return [self.front.proc.pid]

    def stop(self) -> None:
        self.front.stop()
        self.receiver.stop()


def http_request(port: int, method: str, path: str, headers: dict, body: bytes | None = None, timeout: float = 10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def envoy_stats(envoy: topology.Envoy) -> dict[str, int]:
    return envoy.stats()


def filter_counter(stats: dict[str, int], name: str) -> int:
    return sum(v for k, v in stats.items() if k.endswith(f"mirror_waf_{name}"))


# ---------------------------------------------------------------- wrk

def start_wrk(url: str, reqfile: Path, conns: int, duration: int) -> subprocess.Popen:
    cmd = pinned(CLIENT_CPU) + ["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--timeout", "10s",
                                "-s", str(BENCH / "load.lua"), url, "--", str(reqfile)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=DIE_WITH_PARENT)


def parse_wrk(out: str, err: str) -> dict:
    for line in out.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError(f"wrk printed no BENCH_JSON line:\n{out}\n{err}")


def summarize_run(raw: dict, cpu_s: float) -> dict:
    secs = raw["duration_us"] / 1e6
    n = raw["requests"]
    return {
        "requests": n,
        "rps": n / secs if secs > 0 else 0.0,
        "p50_us": raw["latency_us"]["p50"],
        "p90_us": raw["latency_us"]["p90"],
        "p99_us": raw["latency_us"]["p99"],
        "mean_us": raw["latency_us"]["mean"],
        "errors": sum(raw["errors"].values()),
        "error_detail": raw["errors"],
        "server_cpu_s": round(cpu_s, 3),
        "cpu_us_per_req": (cpu_s * 1e6 / n) if n else None,
    }


def run_cells(cells: list[tuple[str, str, str, object]], reqfiles: dict[str, Path], conns: int, duration: int,
              parallel: bool) -> list[dict]:
    """cells: (config, load, url, server). Sequential (measurement) or all at once (smoke)."""
    results = []
    if parallel:
        procs = []
        for cfg, load, url, server in cells:
            procs.append((cfg, load, server, cpu_seconds(server.pids), start_wrk(url, reqfiles[load], conns, duration)))
        for cfg, load, server, cpu0, p in procs:
            out, err = p.communicate(timeout=duration + 60)
            results.append({"config": cfg, "load": load, "conns": conns,
                            **summarize_run(parse_wrk(out, err), cpu_seconds(server.pids) - cpu0)})
        return results
    for cfg, load, url, server in cells:
        cpu0 = cpu_seconds(server.pids)
        p = start_wrk(url, reqfiles[load], conns, duration)
        out, err = p.communicate(timeout=duration + 60)
        results.append({"config": cfg, "load": load, "conns": conns,
                        **summarize_run(parse_wrk(out, err), cpu_seconds(server.pids) - cpu0)})
        r = results[-1]
        print(f"  {cfg:6} {load:9} c={conns:<3} {r['rps']:>10.0f} req/s  p50 {r['p50_us']:>7} us  p99 {r['p99_us']:>7} us"
              f"  cpu {r['cpu_us_per_req'] or 0:>7.1f} us/req  errors {r['errors']}", flush=True)
    return results


# ---------------------------------------------------------------- checks

def modsec_scores(audit_log: Path) -> list[tuple[str, int]]:
    """(uri, inbound anomaly score) per audit log entry (JSON, part H messages)."""
    out = []
    if not audit_log.exists():
        return out
    for line in audit_log.read_text(errors="replace").splitlines():
        try:
            doc = json.loads(line)
        except json.JSONDecodeError:
            continue
        tx = doc.get("transaction", {})
        uri = tx.get("request", {}).get("uri", "")
        score = 0
        for m in tx.get("messages", []):
            text = f"{m.get('message', '')} {m.get('details', {}).get('data', '')}"
            for pat in (r"Total Score: (\d+)", r"Inbound Anomaly Score[^0-9]*(\d+)"):
                for s in re.findall(pat, text):
                    score = max(score, int(s))
        out.append((uri, score))
    return out


def check_modsec(modsec: Nginx) -> int:
    """Sends the known XSS form POST; it must score >= 5 (else ModSecurity is not really inspecting)."""
    st, _ = http_request(modsec.port, CANARY_XSS.method, CANARY_XSS.path, CANARY_XSS.headers, CANARY_XSS.body)
    if st != 200:
        raise RuntimeError(f"ModSecurity nginx answered {st} to the canary XSS (DetectionOnly should answer 200)")
    deadline = time.time() + 5
    while time.time() < deadline:
        hits = [s for uri, s in modsec_scores(modsec.audit_log) if uri.startswith(CANARY_XSS.path)]
        if hits:
            if max(hits) < 5:
                raise RuntimeError(f"ModSecurity scored the canary XSS {max(hits)} < 5: CRS is not inspecting the body")
            return max(hits)
        time.sleep(0.1)
    raise RuntimeError(f"no audit log entry for the canary XSS in {modsec.audit_log}")


def check_filter(env: EnvoyUnderTest, attacks: list) -> dict:
    """Sends the 5 attack requests; the filter must inspect them all. Reports how many it flags."""
    before = envoy_stats(env.envoy)
    for r in attacks:
        http_request(env.port, r.method, r.path, r.headers, r.body)
    deadline = time.time() + 5
    while time.time() < deadline:
        after = envoy_stats(env.envoy)
        if filter_counter(after, "inspected_requests_total") - filter_counter(before, "inspected_requests_total") >= len(attacks):
            break
        time.sleep(0.1)
    inspected = filter_counter(after, "inspected_requests_total") - filter_counter(before, "inspected_requests_total")
    flagged = filter_counter(after, "attack_requests_total") - filter_counter(before, "attack_requests_total")
    if inspected < len(attacks):
        raise RuntimeError(f"mirror-waf ({env.name}) inspected {inspected} of {len(attacks)} canary requests")
    return {"inspected": inspected, "flagged": flagged, "sent": len(attacks)}


# ---------------------------------------------------------------- startup timing

TS = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\]\[(\d+)\]")


def ts(line: str) -> tuple[float, str] | None:
    m = TS.match(line)
    if not m:
        return None
    t = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
    return t, m.group(2)


def trace_log_run(workdir: Path, name: str, wasm: Path, upstream_port: int, requests: list) -> Path:
    """Runs Envoy + mirror-waf (inspect role) with wasm trace logs: every VM creation and every
    host call is logged with a timestamp. Sends `requests` one by one, then stops Envoy."""
    d = workdir / f"envoy-{name}"
    d.mkdir(parents=True, exist_ok=True)
    port, admin = topology.free_port(), topology.free_port()
    cfg = json.dumps(topology.default_plugin_config("inspect"))
    wf = render(BENCH / "wasm-filter.yaml.tmpl", PLUGIN_CONFIG=cfg.replace("'", "''"), WASM=wasm.resolve()).rstrip("\n")
    yaml = render(BENCH / "proxy.yaml.tmpl", ADMIN_PORT=admin, PORT=port, UPSTREAM_PORT=upstream_port,
                  ROUTE="                route: {cluster: upstream, timeout: 30s}", WASM_FILTER=wf)
    (d / "envoy.yaml").write_text(yaml)
    log = d / "envoy.log"
    with open(log, "wb") as f:
        p = subprocess.Popen(pinned(SERVER_CPU) + [topology.envoy_binary(), "-c", str(d / "envoy.yaml"), "--concurrency", "1",
                             "--disable-hot-restart", "--log-level", "info", "--component-log-level", "wasm:trace",
                             "--base-id-path", str(d / "baseid")], stdout=f, stderr=subprocess.STDOUT,
                             preexec_fn=DIE_WITH_PARENT)
        try:
            deadline = time.time() + 120
            ready = False
            while time.time() < deadline and p.poll() is None and not ready:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{admin}/ready", timeout=1) as r:
                        ready = r.status == 200
                except OSError:
                    time.sleep(0.05)
            for r in requests:
                http_request(port, r.method, r.path, r.headers, r.body)
                time.sleep(0.05)
            time.sleep(0.3)
        finally:
            p.terminate()
            p.wait(timeout=10)
    return log


def parse_startup(log: Path) -> tuple[float | None, list[float]]:
    """(module load + compile ms, [VM start + configure ms per VM]) from a trace log:
    compile = 'Base Wasm created' -> first _initialize(); per VM = 'Thread-Local Wasm created'
    -> the filter's 'configured' log in on_configure (clone, _initialize, on_vm_start, on_configure)."""
    base = first_init = None
    vm_start: dict[str, float] = {}
    per_vm = []
    for line in log.read_text(errors="replace").splitlines():
        t = ts(line)
        if not t:
            continue
        when, thread = t
        if "Base Wasm created" in line and base is None:
            base = when
        elif "_initialize()" in line and first_init is None:
            first_init = when
        elif "Thread-Local Wasm created" in line:
            vm_start[thread] = when
        elif "mirror-waf" in line and ": configured:" in line and thread in vm_start:
            per_vm.append((when - vm_start.pop(thread)) * 1000)
    compile_ms = (first_init - base) * 1000 if base is not None and first_init is not None else None
    return compile_ms, per_vm


CALL = re.compile(r"\[(vm->host|host->vm)\] ([A-Za-z0-9_.]+)\(")


def host_calls(log: Path, names: list[str]) -> list[dict]:
    """Per HTTP request (sent one at a time): crossings counted from the trace log. A request
    starts at proxy_on_context_create(id, root) with a non-zero root and ends at proxy_on_delete."""
    out = []
    cur = None
    for line in log.read_text(errors="replace").splitlines():
        m = CALL.search(line)
        if not m:
            continue
        way, fn = m.groups()
        if way == "host->vm" and fn == "proxy_on_context_create" and not re.search(r"proxy_on_context_create\(\d+, 0\)", line):
            cur = {"vm_to_host": {}, "host_to_vm": {}}
        if cur is None:
            continue
        key = "vm_to_host" if way == "vm->host" else "host_to_vm"
        fn = fn.split(".", 1)[-1]
        cur[key][fn] = cur[key].get(fn, 0) + 1
        if way == "host->vm" and fn == "proxy_on_delete":
            out.append(cur)
            cur = None
    result = []
    for name, c in zip(names, out):
        result.append({"request": name, "host_calls": sum(c["vm_to_host"].values()),
                       "callbacks": sum(c["host_to_vm"].values()), "detail": c})
    return result


def startup_timing(workdir: Path, wasm: Path, upstream_port: int, repeats: int, probe: list) -> dict:
    """VM start + configure and module compile from trace logs (ms resolution), Envoy's time to
    /ready without and with the filter, and host calls per request for the `probe` requests."""
    compile_ms, per_vm_ms, ready_a, ready_b, noop_compile_ms = [], [], [], [], []
    calls = []
    for i in range(repeats):
        a = EnvoyUnderTest(f"startup-a{i}", None, upstream_port, workdir, wasm, SERVER_CPU)
        ready_a.append(a.ready_s * 1000)
        a.stop()
        b = EnvoyUnderTest(f"startup-b{i}", "inspect", upstream_port, workdir, wasm, SERVER_CPU)
        ready_b.append(b.ready_s * 1000)
        b.stop()
        log = trace_log_run(workdir, f"trace{i}", wasm, upstream_port, [r for _, r in probe] if i == 0 else [])
        c, vms = parse_startup(log)
        if c is not None:
            compile_ms.append(c)
        if NOOP_WASM.exists():
            c0, _ = parse_startup(trace_log_run(workdir, f"trace-noop{i}", NOOP_WASM, upstream_port, []))
            if c0 is not None:
                noop_compile_ms.append(c0)
        per_vm_ms += vms
        if i == 0:
            calls = host_calls(log, [n for n, _ in probe])
    return {
        "module_load_compile_ms": median(compile_ms),
        "noop_module_load_compile_ms": median(noop_compile_ms),
        "vm_start_configure_ms": median(per_vm_ms),
        "vm_start_configure_ms_max": max(per_vm_ms) if per_vm_ms else None,
        "vm_samples": len(per_vm_ms),
        "envoy_ready_ms_without_filter": median(ready_a),
        "envoy_ready_ms_with_filter": median(ready_b),
        "repeats": repeats,
        "host_calls": calls,
    }


def perf_breakdown(servers: dict, urls: dict, reqfiles: dict, configs: list[str], loads: list[str], seconds: int) -> dict:
    """CPU per request of the server under test split by where it runs (perf, software clock
    sampling: this VM has no hardware counters): Envoy's binary (including V8 and the host side
    of every Wasm call), JIT code (the .wasm compiled by V8), the kernel, libc. Envoy's binary
    is stripped, so this is the finest split available without rebuilding Envoy."""
    if not shutil.which("perf"):
        return {}
    out = {}
    for load in loads:
        for c in configs:
            if c not in servers:
                continue
            srv = servers[c]
            pid = srv.pids[0]
            data = Path(tempfile.mkdtemp(prefix="perf-")) / "perf.data"
            p = start_wrk(urls[c], reqfiles[load], 16, seconds + 2)
            time.sleep(1)
            st = srv.envoy.stats() if hasattr(srv, "envoy") else {}
            n0 = st.get("http.bench.downstream_rq_total", 0)
            c0 = cpu_seconds([pid])
            rec = subprocess.run(["perf", "record", "-F", "1999", "-p", str(pid), "-o", str(data), "--", "sleep", str(seconds)],
                                 capture_output=True, text=True)
            c1 = cpu_seconds([pid])
            n1 = srv.envoy.stats().get("http.bench.downstream_rq_total", 0) if hasattr(srv, "envoy") else 0
            p.communicate(timeout=seconds + 60)
            if rec.returncode != 0 or n1 <= n0:
                shutil.rmtree(data.parent, ignore_errors=True)
                continue
            rep = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "dso", "-g", "none"],
                                 capture_output=True, text=True).stdout
            shutil.rmtree(data.parent, ignore_errors=True)
            shares: dict[str, float] = {}
            for line in rep.splitlines():
                m = re.match(r"\s+([\d.]+)%\s+(.+?)\s*$", line)
                if m:
                    name = m.group(2)
                    name = "wasm (JIT)" if name.startswith("[JIT]") else "kernel" if "kernel" in name else \
                        "envoy binary" if name == "envoy" else name
                    shares[name] = shares.get(name, 0.0) + float(m.group(1))
            per_req = (c1 - c0) * 1e6 / (n1 - n0)
            out.setdefault(load, {})[c] = {"cpu_us_per_req": round(per_req, 1),
                                          "by_dso_us": {k: round(v * per_req / 100, 1) for k, v in
                                                        sorted(shares.items(), key=lambda kv: -kv[1]) if v >= 0.5}}
    return out


def memory_per_worker(workdir: Path, wasm: Path, upstream_port: int, reqfile: Path, workers: int, seconds: int) -> dict:
    """RSS with 1 and with `workers` Envoy workers, without (a) and with (b) the filter, after the
    same traffic: per extra VM = ((b_N - b_1) - (a_N - a_1)) / (N - 1), Envoy's own per-worker
    cost cancelled out."""
    rss = {}
    for role, key in ((None, "a"), ("inspect", "b")):
        for n in (1, workers):
            e = EnvoyUnderTest(f"mem-{key}{n}", role, upstream_port, workdir, wasm, SERVER_CPU, concurrency=n)
            try:
                p = start_wrk(f"http://127.0.0.1:{e.port}", reqfile, 8 * workers, seconds)
                p.communicate(timeout=seconds + 60)
                st = e.envoy.stats()
                rss[f"{key}{n}"] = rss_kib(e.pids[0])
                if role:
                    rss[f"{key}{n}_vms"] = st.get("wasm.envoy.wasm.runtime.v8.active")
            finally:
                e.stop()
    per_vm = ((rss[f"b{workers}"] - rss["b1"]) - (rss[f"a{workers}"] - rss["a1"])) / (workers - 1)
    return {"workers": workers, "rss_kib": rss, "per_extra_vm_kib": round(per_vm)}


# ---------------------------------------------------------------- main

def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    load = os.getloadavg()
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release(), "loadavg_at_start": [round(x, 2) for x in load]}


def versions() -> dict:
    def first_line(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
            return (r.stdout + r.stderr).strip().splitlines()[0] if (r.stdout + r.stderr).strip() else "?"
        except (OSError, subprocess.SubprocessError):
            return "?"

    def dpkg(pkg):
        try:
            return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True).stdout or "?"
        except OSError:
            return "?"

    envoy = first_line([topology.envoy_binary(), "--version"])
    m = re.search(r"version: \S+/([\d.]+)", envoy)
    return {
        "envoy": m.group(1) if m else envoy,
        "nginx": dpkg("nginx"),
        "libmodsecurity3": dpkg("libmodsecurity3"),
        "connector": dpkg("libnginx-mod-http-modsecurity"),
        "crs": dpkg("modsecurity-crs"),
        "wrk": dpkg("wrk"),
    }


def git_state() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="a few seconds: every configuration and load once, briefly")
    ap.add_argument("--runs", type=int, default=3, help="measured rounds (medians are reported)")
    ap.add_argument("--duration", type=int, default=6, help="seconds per throughput run (<= 30)")
    ap.add_argument("--lat-duration", type=int, default=4, help="seconds per 1-connection latency run")
    ap.add_argument("--lat-loads", default="get,json", help="loads that also get 1-connection latency runs")
    ap.add_argument("--conns", type=int, default=16, help="connections of the throughput runs")
    ap.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per configuration and load")
    ap.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated subset of " + ",".join(CONFIGS))
    ap.add_argument("--loads", default="get,json,multipart,mix")
    ap.add_argument("--startup-repeats", type=int, default=3)
    ap.add_argument("--perf", action="store_true", help="also split CPU per request by DSO with perf (a, a0, b, c)")
    ap.add_argument("--wasm", type=Path, default=topology.DEFAULT_WASM)
    ap.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench")
    ap.add_argument("--json", type=Path, help="write every run and the summary here")
    ap.add_argument("--results", type=Path, help="write the Markdown report here (bench/RESULTS.md)")
    ap.add_argument("--engine-report", type=Path, help="output of `make bench-engine` to include")
    ap.add_argument("--analysis", type=Path, help="hand-written reading of the results, inserted after the targets")
    ap.add_argument("--append", type=Path, action="append", default=[],
                    help="Markdown fragments to append to the report (bench/profile.py output)")
    ap.add_argument("--command", default="make bench", help="the command line to print in the report")
    ap.add_argument("--shared-note", default="", help="a note on machine sharing for the report")
    ap.add_argument("--from-json", type=Path, help="only re-render the report from a results JSON of an earlier run")
    args = ap.parse_args()

    if args.from_json:
        return rerender(args)
    if args.duration > 30:
        ap.error("--duration is at most 30 s per run")
    if args.smoke:
        args.runs, args.duration, args.lat_duration, args.warmup, args.conns, args.startup_repeats = 1, 1, 1, 0, 4, 1
    configs = [c for c in args.configs.split(",") if c]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        ap.error(f"unknown configurations {unknown}")
    for tool in ("wrk", "nginx", "taskset"):
        if not shutil.which(tool):
            print(f"bench: {tool} is missing (make bench installs it: apt-get install wrk nginx ...)", file=sys.stderr)
            return 2
    if "a0" in configs and not NOOP_WASM.exists():
        print(f"bench: {NOOP_WASM} is missing: make bench builds it (bench/noop-filter)", file=sys.stderr)
        return 2
    if not args.wasm.exists():
        print(f"bench: {args.wasm} is missing: run `make wasm`", file=sys.stderr)
        return 2
    global SERVER_CPU, CLIENT_CPU
    if (os.cpu_count() or 1) < 2:
        SERVER_CPU = CLIENT_CPU = None

    loads_all = make_loads()
    loads = {k: v for k, v in loads_all.items() if k in args.loads.split(",")}
    args.workdir.mkdir(parents=True, exist_ok=True)
    for old in args.workdir.glob("run-*"):  # keep only this run's logs
        shutil.rmtree(old, ignore_errors=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=args.workdir))
    reqfiles = {}
    for name, load in loads.items():
        reqfiles[name] = workdir / f"{name}.lua"
        reqfiles[name].write_text(to_lua(load))

    info = {"started": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
            "git": git_state(), "wasm_path": str(args.wasm),
            "versions": versions(), "wasm_bytes": args.wasm.stat().st_size,
            "wasm_initial_memory_pages": wasm_initial_memory_pages(args.wasm),
            "params": {"runs": args.runs, "duration_s": args.duration, "lat_duration_s": args.lat_duration,
                       "conns": args.conns, "warmup_s": args.warmup, "smoke": args.smoke, "lat_loads": args.lat_loads,
                       "server_cpu": SERVER_CPU, "client_cpu": CLIENT_CPU},
            "loads": {k: {"title": v.title, "requests": len(v.requests), "attacks": v.attacks,
                          "mean_body_bytes": sum(len(r.body or b"") for r in v.requests) // len(v.requests)}
                      for k, v in loads.items()},
            "json_values": JSON_VALUES}
    print(f"bench: {info['machine']}  wasm {info['wasm_bytes']} bytes  workdir {workdir}", flush=True)

    servers: dict[str, object] = {}
    urls: dict[str, str] = {}
    started = []
    try:
        upstream = Nginx("upstream", workdir, CLIENT_CPU)
        started.append(upstream)
        if "a" in configs:
            servers["a"] = EnvoyUnderTest("a", None, upstream.port, workdir, args.wasm, SERVER_CPU)
        if "a0" in configs:
            servers["a0"] = EnvoyUnderTest("a0", "noop", upstream.port, workdir, args.wasm, SERVER_CPU)
        if "b0" in configs:
            servers["b0"] = EnvoyUnderTest("b0", "inspect", upstream.port, workdir, args.wasm, SERVER_CPU,
                                           plugin_extra={"inspection": {"classes": {c: False for c in CLASS_NAMES}}})
        if "b" in configs:
            servers["b"] = EnvoyUnderTest("b", "inspect", upstream.port, workdir, args.wasm, SERVER_CPU)
        if "c" in configs:
            servers["c"] = EnvoyUnderTest("c", "sink", upstream.port, workdir, args.wasm, SERVER_CPU)
        for k in ("a", "a0", "b0", "b", "c"):
            if k in servers:
                started.append(servers[k])
                urls[k] = f"http://127.0.0.1:{servers[k].port}"
        if "d-on" in configs or "d-off" in configs:
            mirrored = Mirrored(upstream.port, workdir, args.wasm, SERVER_CPU, CLIENT_CPU)
            started.append(mirrored)
            for k, port in (("d-on", "FRONT_PORT"), ("d-off", "FRONT_NOMIRROR_PORT")):
                if k in configs:
                    servers[k] = mirrored
                    urls[k] = f"http://127.0.0.1:{mirrored.ports[port]}"
        if "e" in configs:
            servers["e"] = Nginx("modsec", workdir, SERVER_CPU)
            started.append(servers["e"])
            urls["e"] = f"http://127.0.0.1:{servers['e'].port}"
        if "nginx" in configs:
            servers["nginx"] = Nginx("plain", workdir, SERVER_CPU)
            started.append(servers["nginx"])
            urls["nginx"] = f"http://127.0.0.1:{servers['nginx'].port}"

        # Before trusting any run: ModSecurity must score a known XSS, the filter must inspect.
        checks = {}
        if "e" in servers:
            checks["modsec_canary_xss_score"] = check_modsec(servers["e"])
        for k in ("b0", "b", "c"):
            if k in servers:
                checks[f"filter_{k}_canaries"] = check_filter(servers[k], ATTACKS)
        print(f"bench: checks {checks}", flush=True)

        memory = {"idle_rss_kib": {k: rss_kib(servers[k].pids[0]) for k in ("a", "a0", "b", "c") if k in servers}}
        stats0 = {k: envoy_stats(servers[k].envoy) for k in ("b0", "b", "c") if k in servers}
        if "d-on" in servers:
            stats0["receiver"] = envoy_stats(servers["d-on"].receiver)
            stats0["front"] = envoy_stats(servers["d-on"].front)

        order = [c for c in CONFIGS if c in servers]
        runs: list[dict] = []
        rss_series: dict[str, list] = {k: [] for k in ("a", "b", "c") if k in servers}
        if args.warmup:
            print("bench: warm-up", flush=True)
            for load in loads:
                for c in order:
                    p = start_wrk(urls[c], reqfiles[load], args.conns, args.warmup)
                    p.communicate(timeout=args.warmup + 60)
        for rnd in range(args.runs):
            print(f"bench: round {rnd + 1}/{args.runs}", flush=True)
            for load in loads:
                cells = [(c, load, urls[c], servers[c]) for c in order]
                for r in run_cells(cells, reqfiles, args.conns, args.duration, parallel=args.smoke):
                    runs.append({"round": rnd, "kind": "throughput", **r})
                lat_cells = [x for x in cells if x[0] in LATENCY_CONFIGS]
                if args.lat_duration and lat_cells and load in args.lat_loads.split(",") and (not args.smoke or load == "get"):
                    for r in run_cells(lat_cells, reqfiles, 1, args.lat_duration, parallel=args.smoke):
                        runs.append({"round": rnd, "kind": "latency", **r})
            for k in rss_series:
                total = filter_counter(envoy_stats(servers[k].envoy), "requests_total") if k != "a" else None
                rss_series[k].append({"rss_kib": rss_kib(servers[k].pids[0]), "filter_requests": total})

        # what the filter and the receiver saw
        seen = {}
        for k in ("b0", "b", "c"):
            if k in servers:
                s1 = envoy_stats(servers[k].envoy)
                seen[k] = {n: filter_counter(s1, n) - filter_counter(stats0[k], n)
                           for n in ("requests_total", "inspected_requests_total", "attack_requests_total", "truncated_requests_total")}
                seen[k]["wasm_vms_active"] = s1.get("wasm.envoy.wasm.runtime.v8.active")
        if "d-on" in servers:
            r1 = envoy_stats(servers["d-on"].receiver)
            f1 = envoy_stats(servers["d-on"].front)
            seen["receiver"] = {n: filter_counter(r1, n) - filter_counter(stats0["receiver"], n)
                                for n in ("requests_total", "inspected_requests_total", "attack_requests_total")}
            seen["front"] = {n: f1.get(n, 0) - stats0["front"].get(n, 0)
                             for n in ("http.front.downstream_rq_total", "cluster.receiver.upstream_rq_total",
                                       "cluster.receiver.upstream_rq_pending_overflow", "cluster.receiver.upstream_rq_timeout")}
        memory["final_rss_kib"] = {k: rss_kib(servers[k].pids[0]) for k in ("a", "a0", "b", "c") if k in servers}
        memory["series"] = rss_series
        for k in ("b", "c"):
            if k in seen:
                memory.setdefault("wasm_vms_active", {})[k] = seen[k]["wasm_vms_active"]

        # sanity: each configuration answered without errors, and the filter inspected what wrk counted
        problems = [f"{r['config']}/{r['load']}: {r['error_detail']}" for r in runs if r["errors"]]
        for k in ("b0", "b", "c"):
            if k in seen:
                done = sum(r["requests"] for r in runs if r["config"] == k)
                if seen[k]["inspected_requests_total"] < done:
                    problems.append(f"{k}: the filter inspected {seen[k]['inspected_requests_total']} requests, wrk completed {done}")
        probe = [("get", loads_all["get"].requests[0]), ("json", loads_all["json"].requests[0]),
                 ("multipart", loads_all["multipart"].requests[0])] + [(f"attack-{r.attack}", r) for r in ATTACKS]
        startup = startup_timing(workdir, args.wasm, upstream.port, args.startup_repeats, probe)
        print(f"bench: startup {({k: v for k, v in startup.items() if k != 'host_calls'})}", flush=True)
        profile = perf_breakdown(servers, urls, reqfiles, [c for c in ("a", "a0", "b0", "b", "c") if c in servers],
                                 [l for l in ("get", "json") if l in loads], 1 if args.smoke else 4) if args.perf else {}
        memory["per_worker"] = memory_per_worker(workdir, args.wasm, upstream.port, reqfiles[next(iter(loads))],
                                                 2 if args.smoke else 8, 1 if args.smoke else 3)
        print(f"bench: memory per worker {memory['per_worker']}", flush=True)
    finally:
        for s in reversed(started):
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                print(f"bench: stopping {s}: {e}", file=sys.stderr)

    engine = None
    if args.engine_report and args.engine_report.exists():
        lines = args.engine_report.read_text(errors="replace").strip().splitlines()
        start = next((i for i, l in enumerate(lines) if "engine benchmark" in l), max(0, len(lines) - 30))
        engine = "\n".join(lines[start:])
    info["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    info["finished"] = dt.datetime.now(dt.timezone.utc).strftime("%H:%M UTC")
    result = {"shared_note": args.shared_note, "info": info, "checks": checks, "runs": runs, "seen": seen, "memory": memory,
              "startup": startup, "profile": profile,
              "engine_report": engine, "problems": problems}
    result["summary"] = summarize(result, list(loads), order)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    analysis = args.analysis.read_text() if args.analysis and args.analysis.exists() else ""
    report = markdown(result, args.command, args.shared_note, analysis)
    for frag in args.append:
        if frag.exists():
            report += "\n" + frag.read_text()
    if args.results:
        args.results.write_text(report)
    print(report)
    if problems:
        print("bench: PROBLEMS:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    if args.smoke:
        validate_smoke(result, list(loads), order)
        print("bench-smoke: every configuration ran every load; output parsed; checks passed")
    return 0


def engine_text(path: Path | None) -> str | None:
    if not path or not path.exists():
        return None
    lines = path.read_text(errors="replace").strip().splitlines()
    start = next((i for i, l in enumerate(lines) if "engine benchmark" in l), max(0, len(lines) - 30))
    return "\n".join(lines[start:])


def rerender(args) -> int:
    """Re-renders RESULTS.md from results JSON (e.g. with a newer analysis or engine report)."""
    result = json.loads(args.from_json.read_text())
    if args.engine_report:
        result["engine_report"] = engine_text(args.engine_report)
    analysis = args.analysis.read_text() if args.analysis and args.analysis.exists() else ""
    report = markdown(result, args.command, args.shared_note, analysis)
    for frag in args.append:
        if frag.exists():
            report += "\n" + frag.read_text()
    if args.results:
        args.results.write_text(report)
    print(report)
    return 0


def summarize(result: dict, loads: list[str], order: list[str]) -> dict:
    runs = result["runs"]

    def med(cfg, load, kind, key):
        return median([r[key] for r in runs if r["config"] == cfg and r["load"] == load and r["kind"] == kind])

    table = {}
    for load in loads:
        row = {}
        for c in order:
            row[c] = {"rps": med(c, load, "throughput", "rps"), "cpu_us_per_req": med(c, load, "throughput", "cpu_us_per_req"),
                      "p50_us": med(c, load, "latency", "p50_us"), "p90_us": med(c, load, "latency", "p90_us"),
                      "p99_us": med(c, load, "latency", "p99_us"),
                      "loaded_p50_us": med(c, load, "throughput", "p50_us"), "loaded_p99_us": med(c, load, "throughput", "p99_us")}
        table[load] = row

    def ratio(x, y):
        return x / y if x and y else None

    ratios = {}
    for load in loads:
        row = table[load]
        g = lambda c, k: row.get(c, {}).get(k)  # noqa: E731
        ratios[load] = {
            "b/a": ratio(g("b", "rps"), g("a", "rps")),
            "a0/a": ratio(g("a0", "rps"), g("a", "rps")),
            "b/a0": ratio(g("b", "rps"), g("a0", "rps")),
            "b0/a": ratio(g("b0", "rps"), g("a", "rps")),
            "added_cpu_us_b0": (g("b0", "cpu_us_per_req") - g("a", "cpu_us_per_req")) if g("b0", "cpu_us_per_req") and g("a", "cpu_us_per_req") else None,
            "added_cpu_us_a0": (g("a0", "cpu_us_per_req") - g("a", "cpu_us_per_req")) if g("a0", "cpu_us_per_req") and g("a", "cpu_us_per_req") else None,
            "b/e": ratio(g("b", "rps"), g("e", "rps")),
            "c/e": ratio(g("c", "rps"), g("e", "rps")),
            "c/a": ratio(g("c", "rps"), g("a", "rps")),
            "d_on/d_off": ratio(g("d-on", "rps"), g("d-off", "rps")),
            "e/nginx": ratio(g("e", "rps"), g("nginx", "rps")),
            "cpu_b/cpu_a": ratio(g("b", "cpu_us_per_req"), g("a", "cpu_us_per_req")),
            "added_cpu_us_b": (g("b", "cpu_us_per_req") - g("a", "cpu_us_per_req")) if g("b", "cpu_us_per_req") and g("a", "cpu_us_per_req") else None,
            "added_p50_us_b": (g("b", "p50_us") - g("a", "p50_us")) if g("b", "p50_us") is not None and g("a", "p50_us") is not None else None,
            "added_p90_us_b": (g("b", "p90_us") - g("a", "p90_us")) if g("b", "p90_us") is not None and g("a", "p90_us") is not None else None,
            "added_p99_us_b": (g("b", "p99_us") - g("a", "p99_us")) if g("b", "p99_us") is not None and g("a", "p99_us") is not None else None,
        }
    mem = result["memory"]
    m = {}
    fa, fb = mem.get("final_rss_kib", {}).get("a"), mem.get("final_rss_kib", {}).get("b")
    vms = (mem.get("wasm_vms_active") or {}).get("b")
    if fa and fb:
        m["delta_b_minus_a_kib"] = fb - fa
        if vms:
            m["per_vm_kib_upper_bound"] = (fb - fa) / vms
    series = mem.get("series", {}).get("b") or []
    if len(series) >= 2:
        m["b_growth_first_to_last_round_kib"] = series[-1]["rss_kib"] - series[0]["rss_kib"]
        m["b_requests_over_series"] = (series[-1]["filter_requests"] or 0)
    return {"table": table, "ratios": ratios, "memory": m}


def validate_smoke(result: dict, loads: list[str], order: list[str]) -> None:
    """The smoke run's own assertions: every cell ran and parsed; no performance ratio is asserted."""
    for load in loads:
        for c in order:
            cell = [r for r in result["runs"] if r["config"] == c and r["load"] == load and r["kind"] == "throughput"]
            assert cell, f"no run for {c}/{load}"
            assert cell[0]["requests"] > 0, f"{c}/{load}: no request completed"
            assert cell[0]["p99_us"] >= cell[0]["p50_us"] > 0, f"{c}/{load}: latency percentiles do not parse"
    s = result["startup"]
    assert s["vm_start_configure_ms"] is not None, "no VM start + configure timing parsed from the Envoy log"
    assert result["summary"]["ratios"], "no ratios computed"


def targets_section(res: dict) -> list[str]:
    """DESIGN §5 / issue 7 targets against this run's figures."""
    summ, info = res["summary"], res["info"]
    ratios = summ["ratios"]
    mem = res["memory"]
    st = res["startup"]

    def verdict(ok):
        return "—" if ok is None else ("met" if ok else "**missed**")

    rows = []
    ba = {k: v["b/a"] for k, v in ratios.items() if v.get("b/a") is not None}
    if ba:
        worst = min(ba.values())
        rows.append(("(b)/(a) throughput", "≥ 0.85 (issue), ≥ 0.9 (DESIGN)",
                     ", ".join(f"{k} {v:.3f}" for k, v in ba.items()), verdict(worst >= 0.85) + " / " + verdict(worst >= 0.9)))
    for load, need_issue, need_design in (("get", 5, 20), ("json", 5, 100), ("multipart", 5, None), ("mix", 5, None)):
        v = ratios.get(load, {}).get("b/e")
        if v is not None:
            tgt = f"≥ {need_issue}× (issue)" + (f", ≥ {need_design}× (DESIGN)" if need_design else "")
            rows.append((f"(b)/(e) {load}", tgt, f"{v:.1f}×",
                         verdict(v >= need_issue) + (" / " + verdict(v >= need_design) if need_design else "")))
    pw = mem.get("per_worker")
    growth = summ["memory"].get("b_growth_first_to_last_round_kib")
    if pw:
        txt = f"{pw['per_extra_vm_kib'] / 1024:.2f} MiB per extra VM"
        if growth is not None:
            txt += f"; (b) RSS growth over the rounds {growth} KiB"
        rows.append(("memory per VM", "≤ 8 MiB, flat", txt, verdict(pw["per_extra_vm_kib"] <= 8192)))
    rows.append((".wasm size", "≤ 1.5 MiB", f"{info['wasm_bytes'] / 1048576:.2f} MiB", verdict(info["wasm_bytes"] <= 1.5 * 1048576)))
    if st.get("vm_start_configure_ms") is not None:
        rows.append(("VM start + configure", "≤ 20 ms",
                     f"{st['vm_start_configure_ms']:.1f} ms per VM (max {st['vm_start_configure_ms_max']:.1f}); "
                     f"+ module compile {fmt(st['module_load_compile_ms'])} ms once per process",
                     verdict(st["vm_start_configure_ms_max"] <= 20) + " (per VM) / " +
                     verdict(st["module_load_compile_ms"] is not None and st["module_load_compile_ms"] + st["vm_start_configure_ms_max"] <= 20)
                     + " (incl. compile)"))
    added = ratios.get("get", {}).get("added_p99_us_b")
    if added is not None:
        rows.append(("p99 added latency, GET, 1 connection", "≤ 100 µs",
                     f"{added:+.0f} µs (p50 {ratios['get']['added_p50_us_b']:+.0f} µs, p90 {ratios['get']['added_p90_us_b']:+.0f} µs)",
                     verdict(added <= 100)))
    L = ["## Targets (DESIGN §5, issue 7)\n", "| figure | target | measured | verdict |", "|---|---|---|---|"]
    L += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    L.append("")
    return L


def fmt(x, spec=".0f", none="—"):
    return none if x is None else format(x, spec)


def markdown(res: dict, command: str, shared_note: str, analysis: str = "") -> str:
    info, summ = res["info"], res["summary"]
    mach, ver, p = info["machine"], info["versions"], info["params"]
    table, ratios = summ["table"], summ["ratios"]
    loads = list(table)
    order = list(next(iter(table.values()))) if table else []
    L = []
    L.append("# mirror-waf benchmark results\n")
    if p["smoke"]:
        L.append("**Smoke run (1 s per cell, cells run in parallel): these numbers mean nothing.**\n")
    L.append(f"Measured {info['started']} with `{command}` at commit {info.get('git')} "
             f"(.wasm: `{os.path.relpath(info.get('wasm_path', '?'), ROOT)}`).\n")
    L.append(f"- Machine: {mach['nproc']} CPUs, {mach['cpu']}, {mach['mem_gib']} GiB RAM, Linux {mach['kernel']}; "
             f"load average at start {mach['loadavg_at_start']}, at the end ({info.get('finished')}) {mach.get('loadavg_at_end')} "
             f"(1, 5, 15 min; this run's own load is about 2).")
    if shared_note:
        L.append(f"- {shared_note}")
    L.append(f"- Envoy {ver['envoy']} (`--concurrency 1`), nginx {ver['nginx']} (1 worker), libmodsecurity3 {ver['libmodsecurity3']}, "
             f"connector {ver['connector']}, CRS {ver['crs']} PL1 DetectionOnly, wrk {ver['wrk']} (1 thread).")
    L.append(f"- Every server and wrk run at nice {NICE} (when root) to damp other jobs on a shared machine. "
             f"Server under test pinned to CPU {p['server_cpu']}; wrk and the upstream nginx (echo) pinned to CPU {p['client_cpu']} "
             f"(in d, the receiver too). {p['runs']} interleaved rounds, {p['duration_s']} s per throughput run at "
             f"{p['conns']} connections, {p['lat_duration_s']} s per latency run at 1 connection ({p['lat_loads']}), {p['warmup_s']} s warm-up; medians.")
    L.append(f"- Loads: " + "; ".join(f"**{k}** {v['title']} ({v['requests']} distinct, {v['mean_body_bytes']} B mean body)"
                                      for k, v in info["loads"].items()) + ".")
    L.append(f"- Checks before the runs: {json.dumps(res['checks'])}.")
    L.append("")
    L += targets_section(res)
    if analysis:
        L.append(analysis.rstrip() + "\n")
    L.append("## Throughput (req/s, median) and server CPU per request\n")
    L.append("| load | " + " | ".join(f"{c} {CONFIGS[c]}" for c in order) + " |")
    L.append("|---|" + "---:|" * len(order))
    for load in loads:
        L.append(f"| {load} | " + " | ".join(f"{fmt(table[load][c]['rps'], ',.0f')}<br>{fmt(table[load][c]['cpu_us_per_req'], '.1f')} µs"
                                           for c in order) + " |")
    L.append("")
    L.append("## Ratios (same invocation)\n")
    L.append("| load | (b)/(a) | (b)/(e) | (c)/(e) | (c)/(a) | (a0)/(a) | (b0)/(a) | (b)/(a0) | (d) on/off | (e)/nginx | CPU (b)/(a) | added CPU µs/req vs (a): (a0), (b0), (b) |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for load in loads:
        r = ratios[load]
        L.append(f"| {load} | {fmt(r['b/a'], '.3f')} | {fmt(r['b/e'], '.1f')}× | {fmt(r['c/e'], '.1f')}× | {fmt(r['c/a'], '.3f')} | "
                 f"{fmt(r['a0/a'], '.3f')} | {fmt(r['b0/a'], '.3f')} | {fmt(r['b/a0'], '.3f')} | "
                 f"{fmt(r['d_on/d_off'], '.3f')} | {fmt(r['e/nginx'], '.4f')} | {fmt(r['cpu_b/cpu_a'], '.3f')} | "
                 f"{fmt(r['added_cpu_us_a0'], '.1f')}, {fmt(r['added_cpu_us_b0'], '.1f')}, {fmt(r['added_cpu_us_b'], '.1f')} |")
    L.append("")
    if all(c in order for c in ("a", "a0", "b0", "b")):
        L.append("## Added CPU per request, decomposed (µs, medians of the 16-connection runs)\n")
        L.append("| load | (a) Envoy | + Wasm floor (a0)−(a) | + shell, parsing, decoding (b0)−(a0) | + detectors (b)−(b0) | = (b) | (c) sink |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        for load in loads:
            cpu = {c: table[load][c]["cpu_us_per_req"] for c in order}
            if None in (cpu["a"], cpu["a0"], cpu["b0"], cpu["b"]):
                continue
            L.append(f"| {load} | {cpu['a']:.1f} | {cpu['a0'] - cpu['a']:+.1f} | {cpu['b0'] - cpu['a0']:+.1f} | "
                     f"{cpu['b'] - cpu['b0']:+.1f} | {cpu['b']:.1f} | {fmt(cpu.get('c'), '.1f')} |")
        L.append("")
    L.append("## Latency at 1 connection (µs, median of runs): p50 / p90 / p99\n")
    lat_cfgs = [c for c in order if c in LATENCY_CONFIGS]
    L.append("| load | " + " | ".join(lat_cfgs) + " | added by (b) vs (a): p50 / p90 / p99 |")
    L.append("|---|" + "---:|" * (len(lat_cfgs) + 1))
    for load in loads:
        if table[load].get("a", {}).get("p50_us") is None and table[load].get("b", {}).get("p50_us") is None:
            continue
        cells = [f"{fmt(table[load][c]['p50_us'])} / {fmt(table[load][c]['p90_us'])} / {fmt(table[load][c]['p99_us'])}" for c in lat_cfgs]
        r = ratios[load]
        L.append(f"| {load} | " + " | ".join(cells) + f" | {fmt(r['added_p50_us_b'])} / {fmt(r['added_p90_us_b'])} / {fmt(r['added_p99_us_b'])} |")
    L.append("")
    mem, sm = res["memory"], summ["memory"]
    L.append("## Memory, size, start-up\n")
    pages = info.get("wasm_initial_memory_pages")
    L.append(f"- `.wasm`: {info['wasm_bytes']:,} bytes ({info['wasm_bytes'] / 1048576:.2f} MiB); initial linear memory "
             f"{fmt(pages)} pages ({fmt(pages and pages * 64, ',.0f')} KiB), the floor of each VM's own memory.")
    idle, final = mem.get("idle_rss_kib", {}), mem.get("final_rss_kib", {})
    L.append(f"- Envoy RSS idle after start (KiB): {idle}; after all runs: {final}.")
    if final.get("a") and final.get("a0") and final.get("b"):
        L.append(f"- After all runs, Envoy's V8 runtime with any Wasm filter costs (a0) − (a) = {final['a0'] - final['a']:,} KiB; "
                 f"mirror-waf's module and VMs add (b) − (a0) = {final['b'] - final['a0']:,} KiB on top.")
    if sm.get("delta_b_minus_a_kib") is not None:
        L.append(f"- (b) − (a) after all runs: {sm['delta_b_minus_a_kib']:,} KiB for {mem.get('wasm_vms_active', {}).get('b')} active VMs "
                 f"(`wasm.envoy.wasm.runtime.v8.active`) → ≤ {fmt(sm.get('per_vm_kib_upper_bound'), ',.0f')} KiB per VM "
                 f"(upper bound: includes the compiled module, shared by the VMs).")
    if sm.get("b_growth_first_to_last_round_kib") is not None:
        L.append(f"- (b) RSS after each round (KiB, filter requests so far): "
                 + ", ".join(f"{x['rss_kib']:,} ({x['filter_requests']:,})" for x in mem["series"]["b"])
                 + f"; growth first→last round {sm['b_growth_first_to_last_round_kib']:,} KiB.")
    pw = mem.get("per_worker")
    if pw:
        L.append(f"- Memory per VM, RSS delta per worker: Envoy with 1 and {pw['workers']} workers, without and with the filter, "
                 f"after the same traffic: {pw['rss_kib']} KiB → **{pw['per_extra_vm_kib']:,} KiB per extra VM** "
                 f"({pw['per_extra_vm_kib'] / 1024:.1f} MiB).")
    s = res["startup"]
    L.append(f"- Start-up (median of {s['repeats']}, Envoy log timestamps, ms resolution): first VM creation = V8 start-up + "
             f"module compile + instantiate {fmt(s['module_load_compile_ms'])} ms (once per Envoy process; "
             f"{fmt(s.get('noop_module_load_compile_ms'))} ms for the {fmt(NOOP_WASM.stat().st_size if NOOP_WASM.exists() else None, ',.0f')}-byte "
             f"no-op module); VM start + configure (clone, `_initialize`, "
             f"`on_vm_start`, `on_configure` until its 'configured' log) {fmt(s['vm_start_configure_ms'], '.1f')} ms per VM "
             f"(max {fmt(s['vm_start_configure_ms_max'], '.1f')}, {s['vm_samples']} VMs); Envoy ready in "
             f"{fmt(s['envoy_ready_ms_without_filter'])} ms without the filter, {fmt(s['envoy_ready_ms_with_filter'])} ms with it.")
    L.append(f"- Requests seen by the filter during the runs: {json.dumps(res['seen'])}.")
    fr, rc = res["seen"].get("front"), res["seen"].get("receiver")
    if fr and rc:
        sent = fr.get("cluster.receiver.upstream_rq_total", 0)
        L.append(f"- (d): the front served {fr.get('http.front.downstream_rq_total', 0):,} requests on its mirroring listener and sent "
                 f"{sent:,} copies; the receiver inspected {rc.get('inspected_requests_total', 0):,} "
                 f"({100 * rc.get('inspected_requests_total', 0) / max(1, sent):.1f}%); copies dropped at the front's pending "
                 f"queue {fr.get('cluster.receiver.upstream_rq_pending_overflow', 0):,}, timed out "
                 f"{fr.get('cluster.receiver.upstream_rq_timeout', 0):,} (the receiver shares CPU 1 with wrk here).")
    if s.get("host_calls"):
        L.append("")
        L.append("## Host crossings per request (inspect role, counted in Envoy's wasm trace log)\n")
        L.append("| request | calls into the host | callbacks into the VM | host calls |")
        L.append("|---|---:|---:|---|")
        for hc in s["host_calls"]:
            detail = ", ".join(f"{k} {v}" for k, v in sorted(hc["detail"]["vm_to_host"].items(), key=lambda kv: -kv[1]))
            L.append(f"| {hc['request']} | {hc['host_calls']} | {hc['callbacks']} | {detail} |")
    L.append("")
    if res.get("profile"):
        L.append("")
        L.append("## Where the CPU goes (perf, µs per request by DSO, 16 connections)\n")
        for load, per in res["profile"].items():
            for c, v in per.items():
                L.append(f"- {load} / ({c}) {CONFIGS[c]}: {v['cpu_us_per_req']} µs = "
                         + ", ".join(f"{k} {x}" for k, x in v["by_dso_us"].items()))
        L.append("")
    L.append("## Inspection time per request (native engine, `make bench-engine`)\n")
    L.append("```\n" + res["engine_report"] + "\n```" if res["engine_report"] else "Not available in this run (`make bench-engine` missing or failed).")
    L.append("")
    if res["problems"]:
        L.append("## Problems\n")
        L += [f"- {x}" for x in res["problems"]]
        L.append("")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    sys.exit(main())
