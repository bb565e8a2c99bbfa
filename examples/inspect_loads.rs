//! Native inspection time per request on the loads of `make bench` (bench/run.py writes them
//! as JSON Lines: load, method, uri, headers, body), and a small target for callgrind:
//!
//!     cargo run --release --example inspect_loads -- build/bench/loads.jsonl [rounds] [load]
//!     valgrind --tool=callgrind target/release/examples/inspect_loads build/bench/loads.jsonl 20 json
//!
//! Prints one JSON object per load: requests, median/p99/mean µs per `Engine::inspect`, and how
//! many of the load's requests the engine flags. Engine only: no proxy-wasm shell, no Envoy.
//! `MIRROR_WAF_CLASSES_OFF=1` disables every class, as configuration (b0) of `make bench`.

use std::hint::black_box;
use std::time::Instant;

use mirror_waf::config::InspectionConfig;
use mirror_waf::detect::Engine;
use mirror_waf::request::HttpRequest;

fn request(v: &serde_json::Value) -> Option<(String, HttpRequest)> {
    let load = v.get("load")?.as_str()?.to_string();
    let body = v.get("body").and_then(|b| b.as_str()).unwrap_or("").as_bytes().to_vec();
    let headers = v
        .get("headers")?
        .as_array()?
        .iter()
        .filter_map(|h| {
            let pair = h.as_array()?;
            Some((pair.first()?.as_str()?.to_ascii_lowercase(), pair.get(1)?.as_str()?.as_bytes().to_vec()))
        })
        .collect();
    let req = HttpRequest {
        method: v.get("method")?.as_str()?.to_string(),
        uri: v.get("uri")?.as_str()?.to_string(),
        headers,
        body_bytes: body.len() as u64,
        body,
        body_truncated: false,
    };
    Some((load, req))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: inspect_loads <loads.jsonl> [rounds] [load]");
        std::process::exit(2);
    };
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let only = args.get(3);
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("inspect_loads: {path}: {e}");
            std::process::exit(2);
        }
    };
    let mut loads: Vec<(String, Vec<HttpRequest>)> = Vec::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let Some((load, req)) = request(&v) else { continue };
        if only.is_some_and(|o| *o != load) {
            continue;
        }
        match loads.iter_mut().find(|(l, _)| *l == load) {
            Some((_, reqs)) => reqs.push(req),
            None => loads.push((load, vec![req])),
        }
    }
    // MIRROR_WAF_CLASSES_OFF=1: every class disabled, as configuration (b0) of `make bench`
    // (extraction, prefilter and decoding only).
    let mut cfg = InspectionConfig::default();
    if std::env::var_os("MIRROR_WAF_CLASSES_OFF").is_some_and(|v| v == "1") {
        for c in mirror_waf::config::CLASS_NAMES {
            cfg.classes.insert(c.to_string(), false);
        }
    }
    let engine = Engine::new(&cfg);
    // MIRROR_WAF_THRASH=<KiB>: overwrite that much memory between inspections (not timed), as
    // the proxy's own work does between two requests, so caches start cold-ish.
    let thrash_kib: usize = std::env::var("MIRROR_WAF_THRASH").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut thrash = vec![0u8; thrash_kib * 1024];
    for (load, reqs) in &loads {
        let flagged = reqs.iter().filter(|r| engine.inspect(r).attack).count();
        // Work per request (summed over the load's requests): values extracted, skipped by the
        // prefilter, decoded variants scanned.
        let (mut values, mut skipped, mut variants) = (0, 0, 0);
        for r in reqs {
            let (_, st) = engine.inspect_with_stats(r);
            values += st.values;
            skipped += st.skipped;
            variants += st.variants;
        }
        let mut ns: Vec<u64> = Vec::with_capacity(reqs.len() * rounds);
        for _ in 0..rounds {
            for r in reqs {
                for (i, b) in thrash.iter_mut().enumerate().step_by(64) {
                    *b = b.wrapping_add(i as u8);
                }
                black_box(&thrash);
                let t = Instant::now();
                black_box(engine.inspect(black_box(r)));
                ns.push(t.elapsed().as_nanos() as u64);
            }
        }
        ns.sort_unstable();
        let pick = |p: f64| ns.get(((ns.len().saturating_sub(1)) as f64 * p).round() as usize).copied().unwrap_or(0) as f64 / 1000.0;
        let mean = ns.iter().sum::<u64>() as f64 / ns.len().max(1) as f64 / 1000.0;
        println!(
            "{{\"load\":\"{load}\",\"requests\":{},\"flagged\":{flagged},\"values\":{values},\"skipped\":{skipped},\"variants\":{variants},\"samples\":{},\"median_us\":{:.2},\"p99_us\":{:.2},\"mean_us\":{:.2}}}",
            reqs.len(),
            ns.len(),
            pick(0.5),
            pick(0.99),
            mean
        );
    }
}
