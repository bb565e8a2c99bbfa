#!/usr/bin/env python3
"""`make bench-profile`: where the native engine spends its instructions on the loads of
`make bench` (valgrind callgrind, collecting only inside `Engine::inspect`).

    bench/profile.py --example target/release/examples/inspect_loads [--out build/bench/profile.md]

Also times the native engine on the same loads (examples/inspect_loads.rs, many rounds) and
writes both to a Markdown fragment that `make bench` copies into bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from loads import make_loads, to_jsonl  # noqa: E402

ROW = re.compile(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(?:\*\s+)?\S*?:(.+?)(?:\s+\[.*\])?\s*$")


def annotate(out: Path, inclusive: bool) -> list[tuple[int, float, str]]:
    args = ["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}", str(out)]
    text = subprocess.run(args, capture_output=True, text=True).stdout
    rows = []
    started = False
    for line in text.splitlines():
        if "file:function" in line:
            started = True
            continue
        if not started:
            continue
        m = ROW.match(line)
        if m:
            rows.append((int(m.group(1).replace(",", "")), float(m.group(2)), m.group(3).strip()))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--example", type=Path, required=True, help="the built examples/inspect_loads binary")
    ap.add_argument("--out", type=Path, help="write the Markdown fragment here")
    ap.add_argument("--rounds", type=int, default=300, help="timing rounds per request")
    ap.add_argument("--callgrind-rounds", type=int, default=10)
    ap.add_argument("--loads", default="get,json,multipart,mix")
    args = ap.parse_args()

    loads = {k: v for k, v in make_loads().items() if k in args.loads.split(",")}
    work = Path(tempfile.mkdtemp(prefix="mirror-waf-profile-"))
    jsonl = work / "loads.jsonl"
    jsonl.write_text(to_jsonl(loads))
    md = ["## Native engine on the bench loads (`examples/inspect_loads.rs`)\n"]
    timing = subprocess.run([str(args.example), str(jsonl), str(args.rounds)], capture_output=True, text=True)
    if timing.returncode != 0:
        print(timing.stdout + timing.stderr, file=sys.stderr)
        return 1
    md.append("`Engine::inspect` alone, native release build, one core, same requests as the wrk loads:\n")
    md.append("| load | requests | flagged by the engine | median µs | p99 µs | mean µs |")
    md.append("|---|---:|---:|---:|---:|---:|")
    for line in timing.stdout.splitlines():
        d = json.loads(line)
        md.append(f"| {d['load']} | {d['requests']} | {d['flagged']} | {d['median_us']:.1f} | {d['p99_us']:.1f} | {d['mean_us']:.1f} |")
    md.append("")
    if shutil.which("valgrind") and shutil.which("callgrind_annotate"):
        md.append("### Where the instructions go (callgrind, inside `Engine::inspect` only)\n")
        for name, load in loads.items():
            if name == "mix":
                continue
            runs = {}
            for rounds in (1, args.callgrind_rounds):
                out = work / f"callgrind-{name}-{rounds}.out"
                r = subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=*Engine*inspect*",
                                    f"--callgrind-out-file={out}", str(args.example), str(jsonl), str(rounds), name],
                                   capture_output=True, text=True)
                if r.returncode != 0 or not out.exists():
                    break
                m = re.search(r"Collected : (\d+)", r.stderr)
                runs[rounds] = (int(m.group(1)) if m else 0, out)
            if len(runs) < 2:
                md.append(f"- {name}: callgrind failed")
                continue
            # marginal cost: the difference between the two runs excludes one-time work (lazy automata)
            per = (runs[args.callgrind_rounds][0] - runs[1][0]) / (len(load.requests) * (args.callgrind_rounds - 1))
            out = runs[args.callgrind_rounds][1]
            # per-function marginal instructions: the N-round profile minus the 1-round profile,
            # so one-time work (automata built lazily on the first inspection) drops out
            base = runs[1][1]

            def marginal(inclusive: bool) -> list[tuple[float, str]]:
                one = {fn: ir for ir, _, fn in annotate(base, inclusive)}
                many = {fn: ir for ir, _, fn in annotate(out, inclusive)}
                total = runs[args.callgrind_rounds][0] - runs[1][0]
                rows = [((many[fn] - one.get(fn, 0)) * 100.0 / total, fn) for fn in many if total > 0]
                return sorted((r for r in rows if r[0] > 0), reverse=True)

            incl = marginal(True)
            excl = marginal(False)
            one_time = runs[1][0] - per * len(load.requests) * 2  # the 1-round run inspects each request twice
            md.append(f"**{name}** ({load.title}): {per:,.0f} instructions per inspection (marginal), plus "
                      f"{max(0, one_time):,.0f} once (lazy set-up on the first inspection).")
            detectors = [(pct, fn) for pct, fn in incl if fn.startswith("mirror_waf::") and "Engine::inspect" not in fn][:10]
            md.append("- inclusive, by engine function: " + ", ".join(f"`{fn.replace('mirror_waf::', '')}` {pct:.1f}%"
                                                                      for pct, fn in detectors))
            md.append("- self, top 8: " + ", ".join(f"`{fn[:60]}` {pct:.1f}%" for pct, fn in excl[:8]))
            md.append("")
    else:
        md.append("(valgrind not installed: no callgrind profile)\n")
    text = "\n".join(md) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(text)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
