//! Profiling driver for the native engine (not a benchmark: see benches/engine.rs).
//!
//! Requests: the corpus requests of at most 1 KiB (default) or the benign ones
//! (`PROFILE_SET=benign`), every `PROFILE_STRIDE`-th of them, `PROFILE_ROUNDS` times.
//! Modes (environment variables):
//! - none: inspects them in `run` (mean time); for `perf record` or
//!   `valgrind --tool=callgrind --toggle-collect='engine_profile::run'` (`make profile-engine`);
//! - `PROFILE_TIMED`: median and p99 per inspection, as the benchmark measures them
//!   (two builds of this example give a same-load A/B);
//! - `PROFILE_STAGES`: time per stage (extraction, decoding, gate) and per class, how often
//!   each class's gate opens, and what the gate's custom predicates cost;
//! - `PROFILE_REQUEST`: each request-level scanner alone;
//! - `PROFILE_FIELDS`: which values reach the detectors (by part / header name);
//! - `PROFILE_VALUE=<text>`: one header value: gate mask and each scanner's cost.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use mirror_waf::config::InspectionConfig;
use mirror_waf::detect::Engine;
use mirror_waf::detect::{extract, gate::Gate, prefilter::Prefilter, registry, Part, Value};
use mirror_waf::request::{corpus, HttpRequest};
use mirror_waf::decode;

/// Time per stage and per class (summed over the requests, divided by the request count):
/// extraction, decoding, the gate, each value scanner (with how often its gate opened),
/// each request scanner.
fn stages(reqs: &[HttpRequest], cfg: &InspectionConfig) {
    let pf = Prefilter::new(registry::PREFILTER_KEYWORDS);
    let gate = Gate::new(&registry::VALUE_SCANNERS.iter().map(|(_, _, t)| *t).collect::<Vec<_>>()).expect("gate");
    let all = (1u64 << registry::VALUE_SCANNERS.len()) - 1;
    let n = registry::VALUE_SCANNERS.len();
    let (mut t_ex, mut t_dec, mut t_gate) = (0u128, 0u128, 0u128);
    let mut t_cls = vec![0u128; n];
    let mut open = vec![0usize; n];
    let mut t_req = vec![0u128; registry::REQUEST_SCANNERS.len()];
    let (mut nvals, mut nvars) = (0usize, 0usize);
    let mut hits = Vec::new();
    for r in reqs {
        let t = Instant::now();
        let ex = extract::extract_filtered(r, cfg, Some(&pf));
        t_ex += t.elapsed().as_nanos();
        let mut variants = Vec::new();
        for f in &ex.fields {
            nvals += 1;
            let t = Instant::now();
            decode::variants(&f.text, &f.base, decode::DecodeOpts { path: f.part == Part::Path }, &mut variants);
            t_dec += t.elapsed().as_nanos();
            for v in &variants {
                nvars += 1;
                let value = Value { part: f.part, name: &f.name, text: &v.text };
                let t = Instant::now();
                let m = black_box(gate.classes(&value, all));
                t_gate += t.elapsed().as_nanos();
                for (i, (_, scan, _)) in registry::VALUE_SCANNERS.iter().enumerate() {
                    if m & 1 << i != 0 {
                        open[i] += 1;
                        hits.clear();
                        let t = Instant::now();
                        scan(&value, &mut hits);
                        t_cls[i] += t.elapsed().as_nanos();
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (i, (_, scan)) in registry::REQUEST_SCANNERS.iter().enumerate() {
            let t = Instant::now();
            scan(r, &mut out);
            t_req[i] += t.elapsed().as_nanos();
        }
    }
    let k = reqs.len().max(1) as f64 * 1000.0;
    // Gate parts: literals+bytes only, then each class's custom predicate alone.
    let mut vals: Vec<(Part, String, String)> = Vec::new();
    for r in reqs {
        let ex = extract::extract_filtered(r, cfg, Some(&pf));
        let mut variants = Vec::new();
        for f in &ex.fields {
            decode::variants(&f.text, &f.base, decode::DecodeOpts { path: f.part == Part::Path }, &mut variants);
            for v in &variants {
                vals.push((f.part, f.name.clone(), v.text.to_string()));
            }
        }
    }
    let time_gate = |g: &Gate| {
        let t = Instant::now();
        for (p, n, x) in &vals {
            black_box(g.classes(&Value { part: *p, name: n, text: x }, all));
        }
        t.elapsed().as_nanos() as f64 / k
    };
    let no_custom: Vec<mirror_waf::detect::gate::Triggers> = registry::VALUE_SCANNERS.iter().map(|(_, _, t)| mirror_waf::detect::gate::Triggers { custom: None, always: false, ..**t }).collect();
    println!("gate memory {} B", gate.memory_usage());
    println!("gate full {:.3} µs, no custom/always {:.3} µs", time_gate(&gate), time_gate(&Gate::new(&no_custom.iter().collect::<Vec<_>>()).expect("g")));
    for (i, (c, _, t)) in registry::VALUE_SCANNERS.iter().enumerate() {
        if t.custom.is_some() {
            let only: Vec<mirror_waf::detect::gate::Triggers> = (0..n).map(|j| if j == i { mirror_waf::detect::gate::Triggers { custom: t.custom, ..mirror_waf::detect::gate::Triggers::NONE } } else { mirror_waf::detect::gate::Triggers::ALWAYS }).collect();
            println!("  custom {c:<10} {:.3} µs", time_gate(&Gate::new(&only.iter().collect::<Vec<_>>()).expect("g")));
        }
    }
    println!("{} requests, {nvals} values, {nvars} variants (per request, mean µs)", reqs.len());
    println!("extract {:.3}  decode {:.3}  gate {:.3}", t_ex as f64 / k, t_dec as f64 / k, t_gate as f64 / k);
    for (i, (c, _, _)) in registry::VALUE_SCANNERS.iter().enumerate() {
        println!("value  {c:<10} {:.3} µs  gate open on {:.1}% of variants", t_cls[i] as f64 / k, open[i] as f64 * 100.0 / nvars.max(1) as f64);
    }
    for (i, (c, _)) in registry::REQUEST_SCANNERS.iter().enumerate() {
        println!("request {c:<10} {:.3} µs", t_req[i] as f64 / k);
    }
}

/// The measured loop (not inlined: `valgrind --tool=callgrind --toggle-collect=*run*`).
#[inline(never)]
fn run(engine: &Engine, reqs: &[HttpRequest], rounds: usize) {
    for _ in 0..rounds {
        for r in reqs {
            black_box(engine.inspect(black_box(r)));
        }
    }
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    let set = std::env::var("PROFILE_SET").unwrap_or_default();
    let rounds: usize = std::env::var("PROFILE_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut reqs = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect())
        .unwrap_or_default();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for r in corpus::parse(&text).unwrap_or_default() {
            let keep = match set.as_str() {
                "benign" => r.label == "benign" && r.source != "crs",
                _ => r.req.body.len() + r.req.uri.len() <= 1024,
            };
            if keep {
                reqs.push(r.req);
            }
        }
    }
    let cfg = InspectionConfig::default();
    if let Ok(text) = std::env::var("PROFILE_VALUE") {
        // One header value: the gate's classes and each scanner's time (best of 5 x 20k).
        let gate = Gate::new(&registry::VALUE_SCANNERS.iter().map(|(_, _, t)| *t).collect::<Vec<_>>()).expect("gate");
        let all = (1u64 << registry::VALUE_SCANNERS.len()) - 1;
        let v = Value { part: Part::Header, name: "user-agent", text: &text };
        let best = |f: &dyn Fn()| {
            let mut b = f64::MAX;
            for _ in 0..5 {
                let t = Instant::now();
                for _ in 0..20000 {
                    f();
                }
                b = b.min(t.elapsed().as_secs_f64() * 1e9 / 20000.0);
            }
            b
        };
        let m = gate.classes(&v, all);
        let no_custom: Vec<mirror_waf::detect::gate::Triggers> = registry::VALUE_SCANNERS.iter().map(|(_, _, t)| mirror_waf::detect::gate::Triggers { custom: None, always: false, ..**t }).collect();
        let gnc = Gate::new(&no_custom.iter().collect::<Vec<_>>()).expect("g");
        println!("gate without custom/always {:.0} ns", best(&|| { black_box(gnc.classes(black_box(&v), all)); }));
        for (i, (c, _, t)) in registry::VALUE_SCANNERS.iter().enumerate() {
            if let Some(f) = t.custom {
                println!("  custom {c:<8} {:.0} ns -> {}", best(&|| { black_box(f(black_box(&v))); }), f(&v));
            }
            let _ = i;
        }
        println!("gate {:.0} ns, mask {m:b}", best(&|| { black_box(gate.classes(black_box(&v), all)); }));
        for (i, (c, scan, t)) in registry::VALUE_SCANNERS.iter().enumerate() {
            let only: Vec<mirror_waf::detect::gate::Triggers> = (0..registry::VALUE_SCANNERS.len()).map(|j| if j == i { **t } else { mirror_waf::detect::gate::Triggers::ALWAYS }).collect();
            let g1 = Gate::new(&only.iter().collect::<Vec<_>>()).expect("g");
            let gt = best(&|| { black_box(g1.classes(black_box(&v), all)); });
            let st = best(&|| { let mut h = Vec::new(); scan(black_box(&v), &mut h); black_box(h); });
            println!("{c:<10} open {} gate-alone {gt:>6.0} ns  scan {st:>6.0} ns", m >> i & 1);
        }
        let r = HttpRequest { method: "GET".into(), uri: "/index.html".into(), headers: vec![("user-agent".into(), text.as_bytes().to_vec())], ..Default::default() };
        for (c, scan) in registry::REQUEST_SCANNERS {
            println!("request {c:<10} {:>6.0} ns", best(&|| { let mut o = Vec::new(); scan(black_box(&r), &mut o); black_box(o); }));
        }
        let e = Engine::new(&cfg);
        let (ins, st) = e.inspect_with_stats(&r);
        println!("{ins:?} {st:?}");
        println!("engine.inspect {:.0} ns", best(&|| { black_box(e.inspect(black_box(&r))); }));
        return;
    }
    if std::env::var("PROFILE_FIELDS").is_ok() {
        let pf = Prefilter::new(registry::PREFILTER_KEYWORDS);
        let mut by: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
        for r in &reqs {
            for f in extract::extract_filtered(r, &cfg, Some(&pf)).fields {
                let key = match f.part { Part::Header => format!("header.{}", f.name), p => format!("{p:?}") };
                let e = by.entry(key).or_default();
                e.0 += 1;
                e.1 += f.text.len();
            }
        }
        let mut v: Vec<_> = by.into_iter().collect();
        v.sort_by_key(|(_, (n, b))| std::cmp::Reverse(*b + 0 * n));
        for (k, (n, b)) in v.iter().take(25) {
            println!("{k:<30} {:>7} fields  {:>8.1} per req  avg {:>5} B", n, *n as f64 / reqs.len() as f64, b / n);
        }
        return;
    }
    if std::env::var("PROFILE_REQUEST").is_ok() {
        // Request scanners alone, tight loop, best of 5.
        for (c, scan) in registry::REQUEST_SCANNERS {
            let mut best = f64::MAX;
            for _ in 0..5 {
                let t = Instant::now();
                let mut out = Vec::new();
                for r in &reqs {
                    out.clear();
                    scan(black_box(r), &mut out);
                }
                best = best.min(t.elapsed().as_secs_f64() * 1e6 / reqs.len().max(1) as f64);
            }
            println!("request {c:<10} best {best:.3} µs");
        }
        return;
    }
    if std::env::var("PROFILE_STAGES").is_ok() {
        stages(&reqs, &cfg);
        return;
    }
    let t = Instant::now();
    let engine = Engine::new(&cfg);
    eprintln!("Engine::new (first, builds every automaton): {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let stride: usize = std::env::var("PROFILE_STRIDE").ok().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let reqs: Vec<HttpRequest> = reqs.into_iter().step_by(stride).collect();
    if std::env::var("PROFILE_TIMED").is_ok() {
        // Median and p99 per inspection, as benches/engine.rs measures them.
        let mut ns = Vec::with_capacity(reqs.len() * rounds);
        for _ in 0..rounds {
            for r in &reqs {
                let t = Instant::now();
                black_box(engine.inspect(black_box(r)));
                ns.push(t.elapsed().as_nanos() as u64);
            }
        }
        ns.sort_unstable();
        let pct = |p: f64| ns.get(((ns.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0) as f64 / 1000.0;
        println!("{} requests x {rounds}: median {:.2} µs  p99 {:.2} µs", reqs.len(), pct(0.5), pct(0.99));
        return;
    }
    let t = Instant::now();
    run(&engine, &reqs, rounds);
    let n = (reqs.len() * rounds).max(1);
    println!("{} requests x {rounds}: {:.2} µs mean", reqs.len(), t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
