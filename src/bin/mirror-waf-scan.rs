//! `mirror-waf-scan`: the offline scanner. Replays requests from JSON Lines (the corpora
//! format: method, uri, headers [[n, v]], body, body_encoding, label, class, source, id) or
//! a HAR file through the same engine and configuration JSON as the filter, and prints one
//! verdict per request, or with `--summary` a detection / false-positive table per source
//! and class.

use std::collections::BTreeMap;
use std::io::Write;

use mirror_waf::config::{Config, InspectionConfig};
use mirror_waf::detect::{Engine, Inspection};
use mirror_waf::request::corpus::{self, Record};
use serde_json::{json, Value};

const USAGE: &str = "usage: mirror-waf-scan [--config FILE] [--paranoia N] [--summary] [--markdown] [--misses] [--fps] FILE...
  FILE        JSON Lines (one request per line: method, uri, headers, body...) or a HAR file
  --config    plugin configuration JSON (its `inspection` section is used)
  --paranoia  override inspection.paranoia_level (1..4)
  --summary   print a per-source / per-class table instead of verdicts
  --markdown  with --summary: print the table as Markdown
  --misses    print the labelled attacks that were not detected (id, class, uri)
  --fps       print the labelled benign requests that were flagged (id, findings)";

fn read_records(path: &str) -> Result<Vec<Record>, String> {
    let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    corpus::parse(&String::from_utf8_lossy(&text)).map_err(|e| format!("{path}: {e}"))
}

fn verdict(id: &str, ins: &Inspection) -> Value {
    json!({
        "id": id,
        "attack": ins.attack,
        "score": ins.score,
        "classes": ins.classes,
        "findings": ins.findings.iter().map(|f| json!({
            "rule": f.rule, "class": f.class, "location": f.location, "evidence": f.evidence.chars().take(200).collect::<String>(),
            "decoders": f.decoders, "score": f.score, "paranoia": f.paranoia,
        })).collect::<Vec<_>>(),
        "truncated": ins.truncated,
    })
}

#[derive(Default, Clone, Copy)]
struct Tally {
    attacks: u64,
    detected: u64,
    benign: u64,
    flagged: u64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.attacks += o.attacks;
        self.detected += o.detected;
        self.benign += o.benign;
        self.flagged += o.flagged;
    }
}

fn pct(n: u64, d: u64) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:.2}%", n as f64 * 100.0 / d as f64)
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut config: Option<String> = None;
    let mut paranoia: Option<u8> = None;
    let (mut summary, mut markdown, mut misses, mut fps) = (false, false, false, false);
    let mut files = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => config = args.next(),
            "--paranoia" => paranoia = args.next().and_then(|p| p.parse().ok()),
            "--summary" => summary = true,
            "--markdown" => markdown = true,
            "--misses" => misses = true,
            "--fps" => fps = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        eprintln!("{USAGE}");
        std::process::exit(2);
    }
    let mut cfg: InspectionConfig = match &config {
        Some(p) => match std::fs::read(p).map_err(|e| e.to_string()).and_then(|b| Config::parse(&b).map_err(|e| e.to_string())) {
            Ok(c) => c.inspection,
            Err(e) => {
                eprintln!("mirror-waf-scan: config {p}: {e}");
                std::process::exit(2);
            }
        },
        None => InspectionConfig::default(),
    };
    if let Some(p) = paranoia {
        if !(1..=4).contains(&p) {
            eprintln!("mirror-waf-scan: --paranoia must be 1..4");
            std::process::exit(2);
        }
        cfg.paranoia_level = p;
    }
    let engine = Engine::new(&cfg);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut table: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for f in &files {
        let recs = match read_records(f) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("mirror-waf-scan: {e}");
                std::process::exit(1);
            }
        };
        for r in recs {
            let ins = engine.inspect(&r.req);
            if !summary {
                let _ = writeln!(out, "{}", verdict(&r.id, &ins));
            }
            // CRS positives of rules above the configured paranoia level are not expected.
            if r.source == "crs" && r.label == "attack" && r.crs_pl.is_some_and(|p| p > cfg.paranoia_level) {
                continue;
            }
            let t = table.entry((r.source.clone(), r.class.clone())).or_default();
            if r.label == "attack" {
                t.attacks += 1;
                if ins.attack {
                    t.detected += 1;
                } else if misses {
                    let _ = writeln!(out, "MISS {} {} {} {} | {}", r.id, r.class, ins.score, r.req.uri, String::from_utf8_lossy(&r.req.body).chars().take(300).collect::<String>());
                }
            } else if r.label == "benign" {
                t.benign += 1;
                if ins.attack {
                    t.flagged += 1;
                    if fps {
                        let rules: Vec<String> = ins.findings.iter().map(|f| format!("{}@{}[{}]", f.rule, f.location, f.evidence.chars().take(60).collect::<String>())).collect();
                        let _ = writeln!(out, "FP {} {} {} | {}", r.id, r.req.uri, String::from_utf8_lossy(&r.req.body).chars().take(200).collect::<String>(), rules.join(" "));
                    }
                }
            }
        }
    }
    if summary {
        print_summary(&mut out, &table, markdown, cfg.paranoia_level);
    }
}

fn print_summary(out: &mut impl Write, table: &BTreeMap<(String, String), Tally>, md: bool, pl: u8) {
    let row = |out: &mut dyn Write, a: &str, b: &str, t: &Tally| {
        let cells = [
            a.to_string(),
            b.to_string(),
            t.attacks.to_string(),
            t.detected.to_string(),
            pct(t.detected, t.attacks),
            t.benign.to_string(),
            t.flagged.to_string(),
            pct(t.flagged, t.benign),
        ];
        if md {
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        } else {
            let _ = writeln!(out, "{:<14} {:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}", cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]);
        }
    };
    let header = ["source", "class", "attacks", "detected", "rate", "benign", "flagged", "FP rate"];
    if md {
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    } else {
        let _ = writeln!(out, "paranoia level {pl}");
        let _ = writeln!(out, "{:<14} {:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}", header[0], header[1], header[2], header[3], header[4], header[5], header[6], header[7]);
    }
    let mut by_source: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut by_class: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut by_class_ex: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut all = Tally::default();
    let mut ex = Tally::default();
    for ((src, class), t) in table {
        row(out, src, class, t);
        by_source.entry(src).or_default().add(t);
        by_class.entry(class).or_default().add(t);
        all.add(t);
        if src != "crs" && src != "csic" {
            ex.add(t);
            by_class_ex.entry(class).or_default().add(t);
        }
    }
    for (src, t) in &by_source {
        row(out, src, "(all)", t);
    }
    for (class, t) in &by_class {
        row(out, "(all)", class, t);
    }
    for (class, t) in &by_class_ex {
        row(out, "(excl crs,csic)", class, t);
    }
    row(out, "(excl crs,csic)", "(all)", &ex);
    row(out, "(all)", "(all)", &all);
}
