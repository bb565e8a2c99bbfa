//! Detection: turns an `HttpRequest` into findings, a score and a verdict.
//!
//! This module owns the public contract used by the shell, the scanner and events:
//! `Engine::new(&InspectionConfig)` once per configuration, `Engine::inspect(&HttpRequest)`
//! per request. The detectors behind it live in submodules.

pub mod extract;
pub mod prefilter;
pub mod registry;
pub mod sqli;
pub mod xss;
pub mod textscan;
pub mod traversal;
pub mod rce;
pub mod ssrf;
pub mod rfi;
pub mod jndi;
pub mod crlf;
pub mod ldapi;
pub mod nosqli;
pub mod xxe;
pub mod ssti;
pub mod php;
pub mod java;
pub mod scanner;
pub mod protocol;

use crate::config::InspectionConfig;
use crate::decode;
use crate::request::HttpRequest;

/// One thing found in one place of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable rule id, `<class>.<name>` (e.g. `sqli.union-select`).
    pub rule: &'static str,
    /// Attack class, one of `config::CLASS_NAMES`.
    pub class: &'static str,
    /// Where: `path`, `query.<name>`, `header.<name>`, `cookie.<name>`, `body.<field>`...
    pub location: String,
    /// The (decoded) text that matched, before truncation for the event.
    pub evidence: String,
    /// Decoders that exposed it, in the order applied (`url`, `html`, `base64`...).
    pub decoders: Vec<&'static str>,
    pub score: u32,
    /// Paranoia level the rule belongs to (1..4).
    pub paranoia: u8,
}

/// Which part of the request a value came from. Detectors may weigh context by it
/// (a CRLF in a header value matters more than in a JSON string, a URL in `?url=` more
/// than in free text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The whole decoded path.
    Path,
    /// The name of a query/form/JSON argument (attackers inject there too).
    ArgName,
    /// A query-string argument value.
    QueryValue,
    /// A header value (`name` holds the lower-case header name).
    Header,
    /// A cookie value (`name` holds the cookie name).
    Cookie,
    /// A field value of a parsed body (form, JSON, multipart, XML text/attribute).
    BodyValue,
    /// A body that was not parsed into fields (raw text, or a parse failure).
    BodyRaw,
}

/// One value to inspect: after extraction and after one decoding chain.
#[derive(Debug, Clone, Copy)]
pub struct Value<'a> {
    pub part: Part,
    /// Argument, header or cookie name (empty for path/raw body).
    pub name: &'a str,
    /// Decoded, normalised text the detectors read.
    pub text: &'a str,
}

/// What a per-value detector reports; the engine turns it into a `Finding` with the
/// value's location and decoders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: &'static str,
    pub class: &'static str,
    pub score: u32,
    pub paranoia: u8,
    /// The matching part of `Value::text` (or a short description).
    pub evidence: String,
}

/// A per-value detector: appends hits for `v` to `out`. Must be bounded and never panic.
pub type ScanFn = fn(v: &Value<'_>, out: &mut Vec<Hit>);

/// A request-level detector (protocol anomalies, scanner fingerprints, XXE on whole XML
/// bodies...): appends complete findings (with their own locations). Bounded, never panics.
pub type RequestScanFn = fn(req: &HttpRequest, out: &mut Vec<Finding>);

/// The result of inspecting one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inspection {
    pub findings: Vec<Finding>,
    pub score: u32,
    /// `score >= anomaly_threshold`.
    pub attack: bool,
    /// Distinct classes of the findings, in first-seen order.
    pub classes: Vec<&'static str>,
    /// Body bytes inspected.
    pub inspected_bytes: usize,
    /// A limit (body bytes, args, depth, work) cut the inspection short.
    pub truncated: bool,
    /// Parse anomalies and limits hit, for the event.
    pub notes: Vec<String>,
}

/// Work counters of one inspection (for benchmarks and the prefilter's measured savings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Values extracted from the request.
    pub values: usize,
    /// Values the prefilter let skip decoding and detection.
    pub skipped: usize,
    /// Decoded variants scanned.
    pub variants: usize,
    /// Bytes fed to detectors.
    pub scanned_bytes: usize,
}

/// The detection engine for one configuration. Built once in `on_configure`, shared by
/// every request (read-only).
#[derive(Debug)]
pub struct Engine {
    cfg: InspectionConfig,
    prefilter: prefilter::Prefilter,
    /// Per entry of `registry::VALUE_SCANNERS`: enabled by the config.
    value_on: Vec<bool>,
    request_on: Vec<bool>,
    /// Maximum bytes fed to detectors per request (all values and variants together).
    budget: usize,
}

impl Engine {
    pub fn new(cfg: &InspectionConfig) -> Engine {
        Engine {
            cfg: cfg.clone(),
            prefilter: prefilter::Prefilter::new(registry::PREFILTER_KEYWORDS),
            value_on: registry::VALUE_SCANNERS.iter().map(|(c, _)| cfg.class_enabled(c)).collect(),
            request_on: registry::REQUEST_SCANNERS.iter().map(|(c, _)| cfg.class_enabled(c)).collect(),
            budget: cfg.max_body_bytes.saturating_mul(4).saturating_add(256 * 1024),
        }
    }

    pub fn config(&self) -> &InspectionConfig {
        &self.cfg
    }

    /// Inspects one request. Never panics, bounded work.
    pub fn inspect(&self, req: &HttpRequest) -> Inspection {
        self.inspect_with_stats(req).0
    }

    /// Inspects one request and reports the work done.
    pub fn inspect_with_stats(&self, req: &HttpRequest) -> (Inspection, Stats) {
        let ex = extract::extract(req, &self.cfg);
        let mut stats = Stats { values: ex.fields.len(), ..Default::default() };
        let mut notes = ex.notes;
        let mut truncated = ex.truncated;
        let mut findings: Vec<Finding> = Vec::new();
        let mut variants: Vec<decode::Variant> = Vec::new();
        let mut hits: Vec<Hit> = Vec::new();
        let mut left = self.budget;
        let path = req.path();

        'fields: for f in &ex.fields {
            if !self.prefilter.interesting(&f.text) {
                stats.skipped += 1;
                continue;
            }
            let opts = decode::DecodeOpts { path: f.part == Part::Path };
            decode::variants(&f.text, &f.base, opts, &mut variants);
            for v in &variants {
                if v.text.len() > left {
                    truncated = true;
                    notes.push(format!("work limit: stopped after {} bytes of decoded values", self.budget - left));
                    break 'fields;
                }
                left -= v.text.len();
                stats.variants += 1;
                stats.scanned_bytes += v.text.len();
                let value = Value { part: f.part, name: &f.name, text: &v.text };
                for ((_, scan), on) in registry::VALUE_SCANNERS.iter().zip(&self.value_on) {
                    if !*on {
                        continue;
                    }
                    hits.clear();
                    scan(&value, &mut hits);
                    for h in hits.drain(..) {
                        if h.paranoia > self.cfg.paranoia_level
                            || findings.iter().any(|x| x.rule == h.rule && x.location == f.location)
                        {
                            continue;
                        }
                        let fnd = Finding {
                            rule: h.rule,
                            class: h.class,
                            location: f.location.clone(),
                            evidence: h.evidence,
                            decoders: v.decoders.clone(),
                            score: h.score,
                            paranoia: h.paranoia,
                        };
                        if !self.excluded(path, &fnd) {
                            findings.push(fnd);
                        }
                    }
                }
            }
        }

        let mut req_findings = Vec::new();
        for ((_, scan), on) in registry::REQUEST_SCANNERS.iter().zip(&self.request_on) {
            if *on {
                scan(req, &mut req_findings);
            }
        }
        for fnd in req_findings {
            if fnd.paranoia > self.cfg.paranoia_level
                || findings.iter().any(|x| x.rule == fnd.rule && x.location == fnd.location)
                || self.excluded(path, &fnd)
            {
                continue;
            }
            findings.push(fnd);
        }
        let mut ins = self.verdict(findings, req);
        ins.truncated |= truncated;
        ins.notes = notes;
        (ins, stats)
    }

    /// Whether a configured exclusion drops `f` (all conditions it names must match).
    fn excluded(&self, path: &str, f: &Finding) -> bool {
        self.cfg.exclusions.iter().any(|ex| {
            ex.path_prefix.as_deref().map_or(true, |p| path.starts_with(p))
                && (ex.locations.is_empty() || ex.locations.iter().any(|l| location_matches(l, &f.location)))
                && (ex.classes.is_empty() || ex.classes.iter().any(|c| c == f.class))
                && (ex.rules.is_empty() || ex.rules.iter().any(|r| r == f.rule))
        })
    }

    /// Scores findings at the configured paranoia level and decides.
    fn verdict(&self, findings: Vec<Finding>, req: &HttpRequest) -> Inspection {
        let mut classes: Vec<&'static str> = Vec::new();
        let mut score: u32 = 0;
        for f in &findings {
            score = score.saturating_add(f.score);
            if !classes.contains(&f.class) {
                classes.push(f.class);
            }
        }
        Inspection {
            attack: score >= self.cfg.anomaly_threshold,
            score,
            classes,
            inspected_bytes: req.body.len().min(self.cfg.max_body_bytes),
            truncated: req.body_truncated,
            findings,
            notes: Vec::new(),
        }
    }
}

/// Exclusion location pattern: exact, or a prefix ending at a `.` boundary (`body` matches
/// `body.user.name`, `query.id` matches `query.id` but not `query.idx`).
pub fn location_matches(pattern: &str, location: &str) -> bool {
    location == pattern || (location.starts_with(pattern) && location.as_bytes().get(pattern.len()) == Some(&b'.'))
}
