#!/usr/bin/env python3
"""A/B of mirror-waf builds in Envoy, in one invocation (same machine state for every side):
(a) Envoy, (a0) the no-op Wasm filter, then (b0) every class off and (b) default for each
given .wasm. Rounds are interleaved; prints median req/s and server CPU µs per request,
and the ratios (b)/(a), (b0)/(a0), (b0)−(a0) µs per build and load.

    .venv/bin/python bench/ab.py --wasm base=/tmp/base.wasm --wasm new=target/wasm32-wasip1/release/mirror_waf.wasm \
        --loads get,json,multipart --runs 3 --duration 5 [--json out.json]

Reuses bench/run.py's servers and wrk driver (same pinning: server CPU 0, wrk/upstream CPU 1).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (bench/run.py)
from loads import make_loads, to_lua  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wasm", action="append", required=True, help="label=path of a mirror_waf.wasm (repeatable)")
    ap.add_argument("--loads", default="get,json,multipart")
    ap.add_argument("--configs", default="b0,b", help="mirror-waf configurations per build: b0, b")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--perf", type=int, default=0, help="also split CPU per request by DSO with perf, for N seconds per cell")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    builds = []
    for w in args.wasm:
        label, _, path = w.partition("=")
        if not path or not Path(path).exists():
            ap.error(f"--wasm {w}: expected label=existing-path")
        builds.append((label, Path(path)))
    loads = {k: v for k, v in make_loads().items() if k in args.loads.split(",")}
    workdir = Path(run.tempfile.mkdtemp(prefix="ab-", dir=str(run.ROOT / "build" / "bench")))
    reqfiles = {}
    for name, load in loads.items():
        reqfiles[name] = workdir / f"{name}.lua"
        reqfiles[name].write_text(to_lua(load))
    mine = [c for c in args.configs.split(",") if c]
    started = []
    servers: dict[str, object] = {}
    try:
        upstream = run.Nginx("upstream", workdir, run.CLIENT_CPU)
        started.append(upstream)
        servers["a"] = run.EnvoyUnderTest("a", None, upstream.port, workdir, builds[0][1], run.SERVER_CPU)
        servers["a0"] = run.EnvoyUnderTest("a0", "noop", upstream.port, workdir, builds[0][1], run.SERVER_CPU)
        off = {"inspection": {"classes": {c: False for c in run.CLASS_NAMES}}}
        for label, path in builds:
            if "b0" in mine:
                servers[f"b0:{label}"] = run.EnvoyUnderTest(f"b0-{label}", "inspect", upstream.port, workdir, path,
                                                            run.SERVER_CPU, plugin_extra=off)
            if "b" in mine:
                servers[f"b:{label}"] = run.EnvoyUnderTest(f"b-{label}", "inspect", upstream.port, workdir, path, run.SERVER_CPU)
        started += list(servers.values())
        urls = {k: f"http://127.0.0.1:{s.port}" for k, s in servers.items()}
        for load in loads:
            for c in servers:
                run.start_wrk(urls[c], reqfiles[load], args.conns, 1).communicate(timeout=60)
        runs = []
        for rnd in range(args.runs):
            print(f"ab: round {rnd + 1}/{args.runs}", flush=True)
            for load in loads:
                cells = [(c, load, urls[c], servers[c]) for c in servers]
                runs += run.run_cells(cells, reqfiles, args.conns, args.duration, parallel=False)
        profile = run.perf_breakdown(servers, urls, reqfiles, list(servers), list(loads), args.perf) if args.perf else {}
    finally:
        for s in reversed(started):
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                print(f"ab: stopping: {e}", file=sys.stderr)

    def med(c, load, key):
        return run.median([r[key] for r in runs if r["config"] == c and r["load"] == load])

    summary = {}
    print("\n| load | config | req/s | CPU µs/req |\n|---|---|---:|---:|")
    for load in loads:
        for c in servers:
            rps, cpu = med(c, load, "rps"), med(c, load, "cpu_us_per_req")
            summary.setdefault(load, {})[c] = {"rps": rps, "cpu_us_per_req": cpu}
            print(f"| {load} | {c} | {rps:,.0f} | {cpu:.1f} |")
    print("\n| load | build | (b)/(a) | (b0)/(a0) | (b0)−(a0) CPU µs | (b)−(b0) CPU µs | (b)−(a) CPU µs |\n|---|---|---:|---:|---:|---:|---:|")
    for load in loads:
        s = summary[load]
        for label, _ in builds:
            b, b0 = s.get(f"b:{label}"), s.get(f"b0:{label}")
            f = lambda x: "—" if x is None else f"{x:.3f}"  # noqa: E731
            g = lambda x: "—" if x is None else f"{x:+.1f}"  # noqa: E731
            print(f"| {load} | {label} | {f(b and b['rps'] / s['a']['rps'])} | {f(b0 and b0['rps'] / s['a0']['rps'])} | "
                  f"{g(b0 and b0['cpu_us_per_req'] - s['a0']['cpu_us_per_req'])} | "
                  f"{g(b and b0 and b['cpu_us_per_req'] - b0['cpu_us_per_req'])} | "
                  f"{g(b and b['cpu_us_per_req'] - s['a']['cpu_us_per_req'])} |")
    if profile:
        print("\n| load | config | CPU µs/req | by DSO (µs/req) |\n|---|---|---:|---|")
        for load, per in profile.items():
            for c, d in per.items():
                print(f"| {load} | {c} | {d['cpu_us_per_req']} | " + ", ".join(f"{k} {v}" for k, v in d["by_dso_us"].items()) + " |")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "summary": summary, "profile": profile,
                                         "builds": [(l, str(p)) for l, p in builds]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
