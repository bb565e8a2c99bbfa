//! Detection: turns an `HttpRequest` into findings, a score and a verdict.
//!
//! This module owns the public contract used by the shell, the scanner and events:
//! `Engine::new(&InspectionConfig)` once per configuration, `Engine::inspect(&HttpRequest)`
//! per request. The detectors behind it live in submodules.

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

/// The detection engine for one configuration. Built once in `on_configure`, shared by
/// every request (read-only).
#[derive(Debug)]
pub struct Engine {
    cfg: InspectionConfig,
}

impl Engine {
    pub fn new(cfg: &InspectionConfig) -> Engine {
        Engine { cfg: cfg.clone() }
    }

    pub fn config(&self) -> &InspectionConfig {
        &self.cfg
    }

    /// Inspects one request. Never panics, bounded work.
    pub fn inspect(&self, req: &HttpRequest) -> Inspection {
        let findings: Vec<Finding> = Vec::new();
        self.verdict(findings, req)
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
            inspected_bytes: req.body.len(),
            truncated: req.body_truncated,
            findings,
            notes: Vec::new(),
        }
    }
}
