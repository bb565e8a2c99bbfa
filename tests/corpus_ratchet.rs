//! Corpus ratchet: detection per attack class and false positives per benign source on
//! `../shared/corpora` must not get worse than the rates recorded in `tests/ratchet.json`.
//! Not timed. Skips (with a message) when the corpora are absent. After an improvement,
//! record the new rates with `RATCHET_WRITE=1 cargo test --release --test corpus_ratchet`.
//!
//! Detection excludes `crs` (its positives depend on paranoia level and its negatives are
//! not clean) and `csic` ("anomalous" is not "attack"); see the corpora README caveats.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mirror_waf::config::InspectionConfig;
use mirror_waf::detect::Engine;
use mirror_waf::request::corpus;
use serde_json::{json, Value};

fn corpora_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora")
}

/// (detection rate per class, false-positive rate per benign source) at a paranoia level.
fn measure(records: &[corpus::Record], pl: u8) -> (BTreeMap<String, f64>, BTreeMap<String, f64>) {
    let cfg = InspectionConfig { paranoia_level: pl, ..Default::default() };
    let engine = Engine::new(&cfg);
    let mut det: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut fp: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in records {
        let attack = engine.inspect(&r.req).attack;
        if r.label == "attack" && r.source != "crs" && r.source != "csic" && r.class != "other" {
            let e = det.entry(r.class.clone()).or_default();
            e.0 += 1;
            e.1 += u64::from(attack);
        } else if r.label == "benign" && r.source != "crs" {
            let e = fp.entry(r.source.clone()).or_default();
            e.0 += 1;
            e.1 += u64::from(attack);
        }
    }
    let rate = |m: BTreeMap<String, (u64, u64)>, min: u64| {
        m.into_iter().filter(|(_, (n, _))| *n >= min).map(|(k, (n, d))| (k, d as f64 / n as f64)).collect()
    };
    (rate(det, 20), rate(fp, 1))
}

#[test]
fn corpus_ratchet() {
    let dir = corpora_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIP corpus_ratchet: {} is absent (put a copy of shared/ beside the repo)", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect();
    files.sort();
    let mut records = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        records.extend(corpus::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display())));
    }
    assert!(records.len() > 1000, "corpora look truncated: {} records", records.len());

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ratchet.json");
    let recorded: Value = std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(json!({}));
    let mut now = json!({});
    let mut failures = Vec::new();
    for pl in [1u8, 2] {
        let key = format!("paranoia_{pl}");
        let (det, fp) = measure(&records, pl);
        // Detection rates are floored and FP rates ceiled to 4 decimals when recorded.
        now[&key] = json!({
            "detection": det.iter().map(|(k, v)| (k.clone(), json!((v * 1e4).floor() / 1e4))).collect::<serde_json::Map<_, _>>(),
            "false_positive": fp.iter().map(|(k, v)| (k.clone(), json!((v * 1e4).ceil() / 1e4))).collect::<serde_json::Map<_, _>>(),
        });
        for (class, rate) in &det {
            if let Some(min) = recorded.pointer(&format!("/{key}/detection/{class}")).and_then(Value::as_f64) {
                if *rate + 1e-9 < min {
                    failures.push(format!("PL{pl} detection of {class}: {:.4} < recorded {min:.4}", rate));
                }
            }
        }
        for (source, rate) in &fp {
            if let Some(max) = recorded.pointer(&format!("/{key}/false_positive/{source}")).and_then(Value::as_f64) {
                if *rate > max + 1e-9 {
                    failures.push(format!("PL{pl} false positives on {source}: {:.4} > recorded {max:.4}", rate));
                }
            }
        }
    }
    if std::env::var_os("RATCHET_WRITE").is_some() {
        let text = serde_json::to_string_pretty(&now).unwrap_or_default();
        std::fs::write(&path, text + "\n").unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("recorded {}", path.display());
    }
    assert!(recorded.get("paranoia_1").is_some() || std::env::var_os("RATCHET_WRITE").is_some(), "{} has no recorded rates", path.display());
    assert!(failures.is_empty(), "corpus ratchet went backwards:\n{}\nnow: {now:#}", failures.join("\n"));
}
