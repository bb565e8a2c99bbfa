//! Detection: turns an `HttpRequest` into findings, a score and a verdict.
//!
//! This module owns the public contract used by the shell, the scanner and events:
//! `Engine::new(&InspectionConfig)` once per configuration, `Engine::inspect(&HttpRequest)`
//! per request. The detectors behind it live in submodules.

pub mod extract;
pub mod gate;
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
pub mod js;
pub mod session;
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
    prefilter_on: bool,
    /// Entries of `registry::VALUE_SCANNERS` enabled by the config (bit per entry).
    value_on: u64,
    /// The class gate over `registry::VALUE_SCANNERS`' triggers (`None`: run every
    /// enabled scanner on every value).
    gate: Option<gate::Gate>,
    request_on: Vec<bool>,
    /// Maximum bytes fed to detectors per request (all values and variants together).
    budget: usize,
}

impl Engine {
    pub fn new(cfg: &InspectionConfig) -> Engine {
        warm_up();
        Engine {
            cfg: cfg.clone(),
            prefilter: prefilter::Prefilter::new(registry::PREFILTER_KEYWORDS),
            prefilter_on: true,
            value_on: registry::VALUE_SCANNERS
                .iter()
                .enumerate()
                .take(64)
                .filter(|(_, (c, _, _))| cfg.class_enabled(c))
                .fold(0u64, |m, (i, _)| m | 1u64 << i),
            gate: gate::Gate::new(&registry::VALUE_SCANNERS.iter().map(|(_, _, t)| *t).collect::<Vec<_>>()),
            request_on: registry::REQUEST_SCANNERS.iter().map(|(c, _)| cfg.class_enabled(c)).collect(),
            budget: cfg.max_body_bytes.saturating_mul(4).saturating_add(256 * 1024),
        }
    }

    /// The same engine without the prefilter (every value is decoded and scanned); for
    /// measuring what the prefilter saves.
    #[doc(hidden)]
    pub fn without_prefilter(mut self) -> Engine {
        self.prefilter_on = false;
        self
    }

    /// The same engine without the class gate (every enabled detector runs on every
    /// value); for measuring what the gate saves and checking it changes nothing.
    #[doc(hidden)]
    pub fn without_gate(mut self) -> Engine {
        self.gate = None;
        self
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
        let ex = extract::extract_filtered(req, &self.cfg, if self.prefilter_on { Some(&self.prefilter) } else { None });
        let mut stats = Stats { values: ex.values, skipped: ex.skipped, ..Default::default() };
        let mut notes = ex.notes;
        let mut truncated = ex.truncated;
        let mut findings: Vec<Finding> = Vec::new();
        let mut variants: Vec<decode::Variant> = Vec::new();
        let mut hits: Vec<Hit> = Vec::new();
        let mut left = self.budget;
        let path = req.path();

        'fields: for f in &ex.fields {
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
                let run = self.gate.as_ref().map_or(self.value_on, |g| g.classes(&value, self.value_on));
                for (i, (_, scan, _)) in registry::VALUE_SCANNERS.iter().enumerate().take(64) {
                    if run & 1u64 << i == 0 {
                        #[cfg(test)]
                        gate_check(self.value_on & 1u64 << i != 0, scan, &value);
                        continue;
                    }
                    hits.clear();
                    scan(&value, &mut hits);
                    for h in hits.drain(..) {
                        if h.paranoia > self.cfg.paranoia_level
                            || findings.iter().any(|x| x.rule == h.rule && x.location == f.location && x.score >= h.score)
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
                            keep_strongest(&mut findings, fnd);
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
            if fnd.paranoia > self.cfg.paranoia_level || self.excluded(path, &fnd) {
                continue;
            }
            keep_strongest(&mut findings, fnd);
        }
        let mut ins = self.verdict(findings, req);
        ins.truncated |= truncated;
        ins.notes = notes;
        (ins, stats)
    }

    /// Whether a configured exclusion drops `f` (all conditions it names must match).
    fn excluded(&self, path: &str, f: &Finding) -> bool {
        self.cfg.exclusions.iter().any(|ex| {
            ex.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
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

/// Runs every detector once on values that reach their lazily built automata and tables
/// (process-wide `OnceLock`s), so building them is paid by `Engine::new` (Envoy's
/// `on_configure`) and not by the first request. Cheap after the first call.
fn warm_up() {
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        const TEXT: &str = "' or 1=1 union select sleep(1) -- <script>alert(document.cookie)</script> <img src=x onerror=alert(1)> \
            ../../etc/passwd ;cat /etc/passwd | id $(whoami) `id` http://127.0.0.1/x.php? file:///etc/passwd {{7*7}} ${7*7} <%= 7*7 %> \
            ${jndi:ldap://x/a} %{#_memberAccess} T(java.lang.Runtime) java.lang.Runtime O:8:\"stdClass\":0:{} a:1:{s:1:\"x\";i:1;} \
            php://filter <?php system($_GET[1]); ?> <!DOCTYPE x [<!ENTITY e SYSTEM \"file:///x\">]> )(cn=*))(|(objectClass=*) \
            {\"$ne\":1} this.a==1 \r\nSet-Cookie: a=b \r\nGET / HTTP/1.1 rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA== \
            eHh4amF2YS5sYW5nLlJ1bnRpbWV4eHg= class.module.classLoader.x C:/windows/win.ini %systemroot% 2>&1";
        let parts = [Part::Path, Part::ArgName, Part::QueryValue, Part::Header, Part::Cookie, Part::BodyValue, Part::BodyRaw];
        let mut hits = Vec::new();
        for (_, scan, _) in registry::VALUE_SCANNERS {
            for part in parts {
                for text in [TEXT, "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==", "aHR0cDovL3g="] {
                    hits.clear();
                    scan(&Value { part, name: "url", text }, &mut hits);
                }
            }
        }
        let req = HttpRequest {
            method: "POST".into(),
            uri: "/a/../../etc/passwd?x=%2e%2e%2fetc%2fpasswd&u=http://x.oast.fun/".into(),
            headers: vec![
                ("user-agent".into(), b"sqlmap/1.0 (http://sqlmap.org)".to_vec()),
                ("content-type".into(), b"application/xml".to_vec()),
                ("x-scanner".into(), b"1".to_vec()),
            ],
            body: TEXT.as_bytes().to_vec(),
            body_bytes: TEXT.len() as u64,
            body_truncated: false,
        };
        let mut findings = Vec::new();
        for (_, scan) in registry::REQUEST_SCANNERS {
            scan(&req, &mut findings);
        }
        let _ = gate::Gate::new(&[]);
    });
}

/// Unit tests check the gate on every value they inspect: an enabled scanner the gate
/// skipped must have nothing to report.
#[cfg(test)]
fn gate_check(enabled: bool, scan: &ScanFn, value: &Value<'_>) {
    if enabled {
        let mut hits = Vec::new();
        scan(value, &mut hits);
        assert!(hits.is_empty(), "the class gate skipped a scanner that reports {hits:?} on {value:?}");
    }
}

/// One finding per rule and location: the strongest (a decoded variant or a request-level
/// pass may show a stronger form of a rule another variant already reported).
fn keep_strongest(findings: &mut Vec<Finding>, fnd: Finding) {
    match findings.iter_mut().find(|x| x.rule == fnd.rule && x.location == fnd.location) {
        Some(x) if x.score < fnd.score => *x = fnd,
        Some(_) => {}
        None => findings.push(fnd),
    }
}

/// Exclusion location pattern: exact, or a prefix ending at a `.` boundary (`body` matches
/// `body.user.name`, `query.id` matches `query.id` but not `query.idx`).
pub fn location_matches(pattern: &str, location: &str) -> bool {
    location == pattern || (location.starts_with(pattern) && location.as_bytes().get(pattern.len()) == Some(&b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn req(uri: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
        HttpRequest::test_post(uri, headers, body)
    }

    #[test]
    fn finds_with_locations_and_decoders() {
        let e = Engine::new(&InspectionConfig::default());
        let ins = e.inspect(&req("/p?id=1%2527%2520or%25201%253D1--", &[], ""));
        assert!(ins.attack, "{ins:?}");
        let f = ins.findings.iter().find(|f| f.rule == "sqli.tautology").expect("tautology");
        assert_eq!(f.location, "query.id");
        assert_eq!(f.decoders, vec!["url"]);
        assert_eq!(ins.classes, vec!["sqli"]);
        let ins = e.inspect(&req("/", &[("cookie", "pref=%3Cscript%3Ealert(1)%3C/script%3E")], ""));
        assert!(ins.findings.iter().any(|f| f.location == "cookie.pref" && f.class == "xss"), "{ins:?}");
        let ins = e.inspect(&req("/", &[("content-type", "application/json")], r#"{"user":{"bio":"<img src=x onerror=alert(1)>"}}"#));
        assert!(ins.findings.iter().any(|f| f.location == "body.user.bio"), "{ins:?}");
    }

    #[test]
    fn benign_is_quiet() {
        let e = Engine::new(&InspectionConfig::default());
        for r in [
            req("/search?q=O%27Reilly+and+sons&page=2", &[("user-agent", "Mozilla/5.0 (X11; Linux x86_64)")], ""),
            req("/api", &[("content-type", "application/json")], r#"{"comment":"I'm here, or there; select the best one!","n":5}"#),
            req("/form", &[("content-type", "application/x-www-form-urlencoded")], "name=Jos%C3%A9+Mu%C3%B1oz&city=l%27Hospitalet&note=5+%3C+6"),
        ] {
            let ins = e.inspect(&r);
            assert!(!ins.attack, "{ins:?}");
        }
        // Realistic free text, in a query argument and in a JSON field.
        for v in [
            "Rock 'n' roll", "It's 5 o'clock; let's go", "O'Brien & O'Neil", "Union Station, Chicago", "I'd like to order by phone",
            "Select your country", "1 or 2 items", "5' 11\"", "SELECT a product from our catalog", "x = y or z", "L'Hospitalet de Llobregat",
            "email me at x@y.com -- thanks", "<p>Hello <b>world</b></p>", "<a href=\"https://example.com\">link</a>",
            "onload event in javascript", "I said \"yes\" or \"no\"?", "The 'best' and the 'worst'", "Price: $5 (or less)",
            "He wrote: 'select * from users' in his SQL book", "Joe's Bar & Grill -- open late", "drop table tennis lessons",
            "show tables near me", "delete from cart", "Order #1234 -- shipped", "confirm your email",
            "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        ] {
            let q: String = v.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
            let ins = e.inspect(&req(&format!("/s?q={q}"), &[], ""));
            assert!(!ins.attack, "{v}: {ins:?}");
            let body = serde_json::json!({ "comment": v }).to_string();
            let ins = e.inspect(&req("/api", &[("content-type", "application/json")], &body));
            assert!(!ins.attack, "{v}: {ins:?}");
        }
    }

    #[test]
    fn dedupe_paranoia_and_classes() {
        // The same rule at the same location once, even when several variants expose it.
        let e = Engine::new(&InspectionConfig::default());
        let ins = e.inspect(&req("/?q=%3Cscript%3E%26lt%3Bscript%26gt%3B", &[], ""));
        let n = ins.findings.iter().filter(|f| f.rule == "xss.active-tag" && f.location == "query.q").count();
        assert_eq!(n, 1, "{ins:?}");
        // PL2 rules only at PL2.
        let pl2 = Engine::new(&InspectionConfig { paranoia_level: 2, ..Default::default() });
        let v = "/?q=%22*%22";
        assert!(e.inspect(&req(v, &[], "")).findings.iter().all(|f| f.paranoia <= 1));
        assert!(pl2.inspect(&req(v, &[], "")).findings.iter().any(|f| f.paranoia == 2));
        // A disabled class is not run.
        let mut cfg = InspectionConfig::default();
        cfg.classes.insert("sqli".into(), false);
        let off = Engine::new(&cfg);
        assert!(off.inspect(&req("/?id=1%20union%20select%201,2", &[], "")).findings.iter().all(|f| f.class != "sqli"));
    }

    #[test]
    fn the_strongest_finding_of_a_rule_at_a_location_is_kept() {
        let f = |score| Finding {
            rule: "traversal.parent-dir",
            class: "traversal",
            location: "query.f".into(),
            evidence: format!("s{score}"),
            decoders: Vec::new(),
            score,
            paranoia: 1,
        };
        let mut v = Vec::new();
        keep_strongest(&mut v, f(2));
        keep_strongest(&mut v, f(5));
        keep_strongest(&mut v, f(3));
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].score, v[0].evidence.as_str()), (5, "s5"));
        let mut other = f(1);
        other.location = "query.g".into();
        keep_strongest(&mut v, other);
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn exclusions() {
        let cfg = Config::parse(
            br#"{"inspection":{"exclusions":[{"path_prefix":"/cms","locations":["body"]},{"rules":["sqli.union-select"]},{"locations":["query.id"],"classes":["xss"]}]}}"#,
        )
        .unwrap();
        let e = Engine::new(&cfg.inspection);
        let xss_body = r#"{"html":"<script>alert(1)</script>"}"#;
        let ct = [("content-type", "application/json")];
        assert!(!e.inspect(&req("/cms/page", &ct, xss_body)).attack);
        assert!(e.inspect(&req("/other", &ct, xss_body)).attack);
        assert!(e.inspect(&req("/?id=1%20union%20select%201,2", &[], "")).findings.iter().all(|f| f.rule != "sqli.union-select"));
        assert!(!e.inspect(&req("/?id=%3Cscript%3Ealert(1)%3C/script%3E", &[], "")).attack);
        assert!(e.inspect(&req("/?idx=%3Cscript%3Ealert(1)%3C/script%3E", &[], "")).attack, "query.id is not a prefix of query.idx");
        assert!(location_matches("body", "body.a.b") && location_matches("query.id", "query.id") && !location_matches("query.id", "query.idx"));
    }

    #[test]
    fn hostile_bytes_never_panic() {
        // Deterministic pseudo-random inputs built from the characters parsers care about.
        let alphabet: &[u8] = b"<>\"'`%&;=()[]{}/\\*-#@!|^~,.:? \t\r\n\x00\xc0\xae\xff0aZ9xu+$";
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let e = Engine::new(&InspectionConfig { paranoia_level: 4, ..Default::default() });
        for i in 0..400 {
            let len = 1 + (i * 7) % 300;
            let mut v = Vec::with_capacity(len);
            for _ in 0..len {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                v.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let text = String::from_utf8_lossy(&v).into_owned();
            let q: String = v.iter().map(|b| format!("%{b:02X}")).collect();
            for ct in ["application/json", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", ""] {
                let r = HttpRequest {
                    method: "POST".into(),
                    uri: format!("/{text}?a={q}&{text}"),
                    headers: vec![("content-type".into(), ct.as_bytes().to_vec()), ("cookie".into(), v.clone()), ("x-h".into(), v.clone())],
                    body: v.clone(),
                    body_bytes: v.len() as u64,
                    body_truncated: false,
                };
                let _ = e.inspect(&r);
            }
        }
    }

    #[test]
    fn bounded_work() {
        let cfg = InspectionConfig { max_body_bytes: 1024, ..Default::default() };
        let e = Engine::new(&cfg);
        let big = "a=%27%20or%201%3D1--&".repeat(5000);
        let ins = e.inspect(&req("/", &[("content-type", "application/x-www-form-urlencoded")], &big));
        assert!(ins.truncated);
        assert!(ins.inspected_bytes <= 1024);
        assert!(!ins.notes.is_empty());
        let deep = format!("{}\"x\"{}", "[".repeat(10_000), "]".repeat(10_000));
        let ins = Engine::new(&InspectionConfig::default()).inspect(&req("/", &[("content-type", "application/json")], &deep));
        assert!(ins.truncated);
    }
}

/// Helpers the detectors' unit tests share: run one scanner on one value.
#[cfg(test)]
pub(crate) mod testkit {
    use super::{Hit, Part, ScanFn, Value};

    /// The hits of `scan` on `text` as the value of argument `name` in `part`.
    pub fn hits(scan: ScanFn, part: Part, name: &str, text: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        scan(&Value { part, name, text }, &mut out);
        out
    }

    /// The summed score of the hits at paranoia level 1.
    pub fn score_pl1(scan: ScanFn, part: Part, name: &str, text: &str) -> u32 {
        hits(scan, part, name, text).iter().filter(|h| h.paranoia <= 1).map(|h| h.score).sum()
    }

    /// The rule ids of every hit.
    pub fn rules(scan: ScanFn, part: Part, name: &str, text: &str) -> Vec<&'static str> {
        hits(scan, part, name, text).iter().map(|h| h.rule).collect()
    }
}
