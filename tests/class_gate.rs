//! The class gate is sound on the corpora: for every value of every request of
//! `../shared/corpora` (every decoded variant, prefilter off), a per-value detector the gate
//! skips reports nothing; and the engine's output is the same with and without the gate.
//! Skips (with a message) when the corpora are absent. Also prints how often each class's
//! gate opens (`cargo test --release --test class_gate -- --nocapture`).

use std::path::PathBuf;

use mirror_waf::config::InspectionConfig;
use mirror_waf::decode;
use mirror_waf::detect::gate::Gate;
use mirror_waf::detect::{extract, registry, Engine, Hit, Part, Value};
use mirror_waf::request::{corpus, HttpRequest};

fn corpus_requests() -> Option<Vec<HttpRequest>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIP class_gate: {} is absent (put a copy of shared/ beside the repo)", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect();
    files.sort();
    let mut reqs = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("corpus file");
        reqs.extend(corpus::parse(&text).expect("corpus parses").into_iter().map(|r| r.req));
    }
    assert!(reqs.len() > 1000, "corpora look truncated: {} requests", reqs.len());
    Some(reqs)
}

#[test]
fn skipped_scanners_report_nothing_on_the_corpora() {
    let Some(reqs) = corpus_requests() else { return };
    let triggers: Vec<_> = registry::VALUE_SCANNERS.iter().map(|(_, _, t)| *t).collect();
    let gate = Gate::new(&triggers).expect("gate builds");
    let all = (1u64 << registry::VALUE_SCANNERS.len()) - 1;
    let cfg = InspectionConfig { paranoia_level: 4, ..Default::default() };
    let mut hits: Vec<Hit> = Vec::new();
    let mut open = vec![0usize; registry::VALUE_SCANNERS.len()];
    let mut values = 0usize;
    let mut misses = Vec::new();
    for r in &reqs {
        let ex = extract::extract(r, &cfg);
        for f in &ex.fields {
            let mut variants = Vec::new();
            decode::variants(&f.text, &f.base, decode::DecodeOpts { path: f.part == Part::Path }, &mut variants);
            for v in &variants {
                values += 1;
                let value = Value { part: f.part, name: &f.name, text: &v.text };
                let mask = gate.classes(&value, all);
                for (i, (class, scan, _)) in registry::VALUE_SCANNERS.iter().enumerate() {
                    if mask & 1 << i != 0 {
                        open[i] += 1;
                        continue;
                    }
                    hits.clear();
                    scan(&value, &mut hits);
                    if let Some(h) = hits.first() {
                        misses.push(format!("{class}: {} on {:?} {:?}={:?}", h.rule, f.part, f.name, v.text));
                    }
                }
            }
        }
    }
    for (i, (class, _, _)) in registry::VALUE_SCANNERS.iter().enumerate() {
        println!("gate {class:<10} open on {:>6} of {values} values ({:.1}%)", open[i], open[i] as f64 * 100.0 / values.max(1) as f64);
    }
    assert!(misses.is_empty(), "{} values where a skipped scanner reports (add the trigger to its class):\n{}", misses.len(), misses.iter().take(20).cloned().collect::<Vec<_>>().join("\n"));
}

#[test]
fn engine_output_is_the_same_without_the_gate() {
    let Some(reqs) = corpus_requests() else { return };
    for pl in [1, 4] {
        let cfg = InspectionConfig { paranoia_level: pl, ..Default::default() };
        let gated = Engine::new(&cfg);
        let ungated = Engine::new(&cfg).without_gate();
        for r in &reqs {
            assert_eq!(gated.inspect(r), ungated.inspect(r), "PL{pl} {} {}", r.method, r.uri);
        }
    }
}
