//! The event: one versioned JSON object per inspected request (DESIGN §4), built from the
//! mirror context, the request and the inspection; redaction and evidence limits applied
//! here so no sink can leak what the config says to hide.
//!
//! Redaction has two layers: (1) evidence found *at* a redacted header or any cookie is
//! replaced by `[redacted]`, and a redacted `user-agent`/`content-type` is not copied;
//! (2) the values of redacted headers and of cookies (whole values and their tokens of
//! at least [`MIN_SECRET_LEN`] bytes, ASCII case-insensitively) are scrubbed from every
//! text the event carries (evidence, notes, path, host, user agent), so a secret that a
//! detector quotes from elsewhere (a request-level finding, a note) cannot leak either.

use serde::Serialize;

use crate::config::EventsConfig;
use crate::detect::Inspection;
use crate::mirror::realip::ClientSource;
use crate::mirror::MirrorContext;
use crate::request::HttpRequest;

pub const SCHEMA: &str = "mirror-waf/event/v1";
pub const REDACTED: &str = "[redacted]";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub schema: &'static str,
    pub time: String,
    pub request_id: Option<String>,
    pub mirrored: bool,
    pub client: Client,
    pub server: Server,
    pub request: Request,
    pub response: Response,
    pub verdict: Verdict,
    pub findings: Vec<EventFinding>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Client {
    pub ip: Option<String>,
    pub source: &'static str,
    pub peer: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Server {
    pub addr: Option<String>,
    pub port: Option<u16>,
    pub source: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Request {
    pub method: String,
    pub host: String,
    pub path: String,
    pub user_agent: Option<String>,
    pub content_type: Option<String>,
    pub body_bytes: u64,
    pub inspected_bytes: usize,
    pub truncated: bool,
}

/// Always zero for copies: the mirror's response is never seen (as Wallarm's `wallarm_force response_*`).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Response {
    pub status: u32,
    pub time_ms: u64,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    pub attack: bool,
    pub score: u32,
    pub paranoia_level: u8,
    pub classes: Vec<&'static str>,
    pub blocked: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventFinding {
    pub rule: &'static str,
    pub class: &'static str,
    pub location: String,
    pub evidence: String,
    pub decoders: Vec<&'static str>,
    pub score: u32,
}

/// Cuts `s` to at most `max` bytes on a char boundary, marking the cut with `…`.
pub fn clip_utf8(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while end > 0 && !s.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    let mut out = s.get(..end).unwrap_or_default().to_string();
    out.push('…');
    out
}

/// Shorter values (`lang=en`) are only redacted at their own location: scrubbing them
/// everywhere would erase ordinary text and they carry little secret.
pub const MIN_SECRET_LEN: usize = 6;
const MAX_SECRETS: usize = 64;
const MAX_SECRET_LEN: usize = 8192;

/// Secret strings from a request's redacted headers and cookies.
#[derive(Debug, Default)]
struct Secrets {
    /// ASCII-lowercased, longest first (so a whole value is replaced before its tokens).
    values: Vec<Vec<u8>>,
}

impl Secrets {
    fn from_request(r: &HttpRequest, cfg: &EventsConfig) -> Secrets {
        let mut values: Vec<Vec<u8>> = Vec::new();
        let mut add = |v: &[u8]| {
            let v = v.trim_ascii();
            if v.len() >= MIN_SECRET_LEN && v.len() <= MAX_SECRET_LEN && values.len() < MAX_SECRETS {
                let l = v.to_ascii_lowercase();
                if !values.contains(&l) {
                    values.push(l);
                }
            }
        };
        for (name, value) in &r.headers {
            let is_cookie = name.eq_ignore_ascii_case("cookie");
            let redacted = cfg.redact_headers.iter().any(|h| h.eq_ignore_ascii_case(name));
            if !(is_cookie || redacted) {
                continue;
            }
            if redacted {
                add(value);
            }
            for pair in value.split(|b| matches!(b, b';' | b',')) {
                let v = if is_cookie {
                    match pair.iter().position(|b| *b == b'=') {
                        Some(i) => pair.get(i.saturating_add(1)..).unwrap_or_default(),
                        None => continue,
                    }
                } else {
                    pair
                };
                add(v);
                // token68 runs (RFC 7235): `Bearer <tok>`, `Basic <b64>`, a token inside a payload
                for tok in v.split(|b: &u8| !(b.is_ascii_alphanumeric() || b"-._~+/=".contains(b))) {
                    add(tok);
                }
            }
        }
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        Secrets { values }
    }

    /// `text` with every occurrence of a secret replaced by `[redacted]`.
    fn scrub(&self, text: &str) -> String {
        if self.values.is_empty() {
            return text.to_string();
        }
        let mut out = text.to_string();
        for secret in &self.values {
            let mut from = 0;
            loop {
                let lower = out.to_ascii_lowercase();
                let hit = lower.as_bytes().get(from..).and_then(|h| memchr::memmem::find(h, secret));
                let Some(i) = hit else { break };
                let start = from.saturating_add(i);
                let end = start.saturating_add(secret.len());
                // ASCII lowercasing keeps byte offsets, and a whole UTF-8 string matches
                // only on char boundaries; `get` guards it anyway.
                match (out.get(..start), out.get(end..)) {
                    (Some(a), Some(b)) => {
                        out = format!("{a}{REDACTED}{b}");
                        from = start.saturating_add(REDACTED.len());
                    }
                    _ => break,
                }
            }
        }
        out
    }
}

/// Whether a finding at `location` must not show its evidence (redacted header or any cookie).
fn redacted_location(location: &str, cfg: &EventsConfig) -> bool {
    if location.starts_with("cookie.") || location == "cookie" {
        return true;
    }
    match location.strip_prefix("header.") {
        Some(name) => cfg.redact_headers.iter().any(|h| h.eq_ignore_ascii_case(name)),
        None => false,
    }
}

/// Everything an event needs besides the inspection.
pub struct EventInput<'a> {
    pub time_unix_nanos: u128,
    pub request_id: Option<String>,
    pub mirror: &'a MirrorContext,
    pub request: &'a HttpRequest,
    pub inspection: &'a Inspection,
    pub paranoia_level: u8,
    /// Notes from the shell (host-call failures etc.).
    pub extra_notes: &'a [String],
}

impl Event {
    pub fn build(inp: &EventInput<'_>, cfg: &EventsConfig) -> Event {
        let m = inp.mirror;
        let r = inp.request;
        let ins = inp.inspection;
        let secrets = Secrets::from_request(r, cfg);
        let findings = ins
            .findings
            .iter()
            .map(|f| EventFinding {
                rule: f.rule,
                class: f.class,
                location: f.location.clone(),
                evidence: if redacted_location(&f.location, cfg) {
                    REDACTED.to_string()
                } else {
                    clip_utf8(&secrets.scrub(&f.evidence), cfg.max_evidence_bytes)
                },
                decoders: f.decoders.clone(),
                score: f.score,
            })
            .collect();
        let mut notes: Vec<String> = m.notes.clone();
        notes.extend(ins.notes.iter().cloned());
        notes.extend(inp.extra_notes.iter().cloned());
        let notes = notes.iter().map(|n| secrets.scrub(n)).collect();
        let text_header = |name: &str| {
            if cfg.redact_headers.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                return r.header(name).map(|_| REDACTED.to_string());
            }
            r.header(name).map(|v| clip_utf8(&secrets.scrub(&v), 512))
        };
        Event {
            schema: SCHEMA,
            time: rfc3339_millis(inp.time_unix_nanos),
            request_id: inp.request_id.clone(),
            mirrored: m.mirrored,
            client: Client {
                ip: m.client_ip.map(|i| i.to_string()),
                source: match m.client_source {
                    ClientSource::Header => "x-forwarded-for",
                    ClientSource::Peer => "peer",
                },
                peer: m.peer.map(|i| i.to_string()),
            },
            server: Server { addr: m.server_addr.clone(), port: m.server_port, source: m.server_source.as_str() },
            request: Request {
                method: clip_utf8(&r.method, 64),
                host: clip_utf8(&secrets.scrub(&m.host), 256),
                path: clip_utf8(&secrets.scrub(r.path()), 2048),
                user_agent: text_header("user-agent"),
                content_type: text_header("content-type"),
                body_bytes: r.body_bytes,
                inspected_bytes: ins.inspected_bytes,
                truncated: ins.truncated,
            },
            response: Response::default(),
            verdict: Verdict {
                attack: ins.attack,
                score: ins.score,
                paranoia_level: inp.paranoia_level,
                classes: ins.classes.clone(),
                blocked: false,
            },
            findings,
            notes,
        }
    }

    /// Compact JSON, one line (NDJSON-ready).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"schema\":\"{SCHEMA}\",\"error\":\"{e}\"}}"))
    }
}

/// The compact per-request summary put into filter state for access logs
/// (`%FILTER_STATE(wasm.mirror_waf.event:PLAIN)%`).
pub fn summary_json(ins: &Inspection) -> String {
    if ins.findings.is_empty() && ins.classes.is_empty() {
        // Most requests: the same bytes serde_json writes below (keys in sorted order),
        // without building a JSON value.
        return format!("{{\"attack\":{},\"classes\":[],\"rules\":[],\"score\":{}}}", ins.attack, ins.score);
    }
    let mut rules: Vec<&str> = Vec::new();
    for f in &ins.findings {
        if !rules.contains(&f.rule) {
            rules.push(f.rule);
        }
    }
    serde_json::json!({ "attack": ins.attack, "classes": ins.classes, "score": ins.score, "rules": rules }).to_string()
}

/// Formats Unix time in nanoseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (proleptic Gregorian, UTC).
/// Times past 9999-12-31T23:59:59Z are clamped to it.
// The arithmetic is bounded: `secs` is clamped to [0, MAX_SECS], so every intermediate
// below is within ±10^9 (no overflow) and every divisor is a non-zero constant.
#[allow(clippy::arithmetic_side_effects)]
pub fn rfc3339_millis(unix_nanos: u128) -> String {
    const MAX_SECS: u128 = 253_402_300_799;
    let secs = (unix_nanos / 1_000_000_000).min(MAX_SECS) as i64;
    let millis = ((unix_nanos / 1_000_000) % 1000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", sod / 3600, (sod % 3600) / 60, sod % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::detect::Finding;
    use crate::mirror::MirrorInputs;

    #[test]
    fn rfc3339_is_clamped_not_overflowing() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(u128::MAX), "9999-12-31T23:59:59.768Z");
        assert_eq!(rfc3339_millis(u128::from(u64::MAX)), "2554-07-21T23:34:33.709Z");
    }

    #[test]
    fn summary_fast_path_writes_what_serde_writes() {
        for (attack, score) in [(false, 0), (true, 7), (false, 3)] {
            let ins = Inspection { attack, score, ..Default::default() };
            let rules: Vec<&str> = Vec::new();
            let slow = serde_json::json!({ "attack": ins.attack, "classes": ins.classes, "score": ins.score, "rules": rules }).to_string();
            assert_eq!(summary_json(&ins), slow);
        }
    }

    #[test]
    fn time_format() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(1_795_608_000_123_000_000), "2026-11-25T12:00:00.123Z");
        assert_eq!(rfc3339_millis(951_782_400_000_000_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn clip() {
        assert_eq!(clip_utf8("abc", 8), "abc");
        let c = clip_utf8("ééééé", 6);
        assert!(c.len() <= 6 && c.ends_with('…'), "{c}");
    }

    #[test]
    fn event_shape_and_redaction() {
        let cfg = Config::parse(br#"{"events": {"max_evidence_bytes": 16}}"#).unwrap();
        let m = MirrorContext::resolve(&cfg, &MirrorInputs { authority: "h-shadow", peer: Some("10.0.0.1:1"), server_addr_header: Some("10.0.0.5"), server_port_header: Some("80"), ..Default::default() });
        let req = HttpRequest {
            method: "GET".into(),
            uri: "/get?id=1".into(),
            headers: vec![("user-agent".into(), b"curl/8".to_vec()), ("authorization".into(), b"Bearer s3cr3t".to_vec())],
            ..Default::default()
        };
        let f = |loc: &str, ev: &str| Finding { rule: "sqli.test", class: "sqli", location: loc.into(), evidence: ev.into(), decoders: vec!["url"], score: 5, paranoia: 1 };
        let ins = Inspection {
            findings: vec![f("query.id", "1 UNION SELECT password FROM users"), f("header.authorization", "Bearer s3cr3t"), f("cookie.sid", "s3cr3t")],
            score: 15,
            attack: true,
            classes: vec!["sqli"],
            ..Default::default()
        };
        let ev = Event::build(&EventInput { time_unix_nanos: 0, request_id: Some("rid".into()), mirror: &m, request: &req, inspection: &ins, paranoia_level: 1, extra_notes: &[] }, &cfg.events);
        let j: serde_json::Value = serde_json::from_str(&ev.to_json()).unwrap();
        assert_eq!(j["schema"], "mirror-waf/event/v1");
        assert_eq!(j["request"]["host"], "h");
        assert_eq!(j["server"]["addr"], "10.0.0.5");
        assert_eq!(j["server"]["port"], 80);
        assert_eq!(j["response"]["status"], 0);
        assert_eq!(j["verdict"]["blocked"], false);
        assert_eq!(j["findings"][0]["evidence"].as_str().unwrap().len() <= 16, true);
        assert_eq!(j["findings"][1]["evidence"], REDACTED);
        assert_eq!(j["findings"][2]["evidence"], REDACTED);
        assert!(!ev.to_json().contains("s3cr3t"));
    }

    #[test]
    fn secrets_are_scrubbed_from_every_text() {
        let cfg = Config::parse(br#"{"events": {"redact_headers": ["authorization", "x-api-key", "user-agent"]}}"#).unwrap();
        let m = MirrorContext::resolve(&cfg, &MirrorInputs { authority: "h", ..Default::default() });
        let secret = "TOKEN-9f8e7d6c5b4a";
        let req = HttpRequest {
            method: "GET".into(),
            uri: format!("/p/{}?q=1", secret.to_lowercase()),
            headers: vec![
                ("authorization".into(), format!("Bearer {secret}' OR 1=1--").into_bytes()),
                ("cookie".into(), b"lang=en; sid=CookieSecret77".to_vec()),
                ("x-api-key".into(), b"k3y-abcdefgh".to_vec()),
                ("user-agent".into(), b"ua-with-secret".to_vec()),
            ],
            ..Default::default()
        };
        let f = |loc: &str, ev: &str| Finding { rule: "sqli.test", class: "sqli", location: loc.into(), evidence: ev.into(), decoders: vec![], score: 5, paranoia: 1 };
        let ins = Inspection {
            findings: vec![
                f("header.authorization", &format!("Bearer {secret}' OR 1=1--")),
                // a request-level finding quoting the header from elsewhere
                f("path", &format!("{secret}' or 1=1-- and cookiesecret77 and k3y-abcdefgh")),
            ],
            notes: vec![format!("odd header value 'Bearer {secret}'")],
            score: 10,
            attack: true,
            classes: vec!["sqli"],
            ..Default::default()
        };
        let ev = Event::build(&EventInput { time_unix_nanos: 0, request_id: None, mirror: &m, request: &req, inspection: &ins, paranoia_level: 1, extra_notes: &[] }, &cfg.events);
        let j = ev.to_json();
        for leak in [secret, "9f8e7d6c5b4a", "CookieSecret77", "cookiesecret77", "k3y-abcdefgh", "ua-with-secret"] {
            assert!(!j.to_lowercase().contains(&leak.to_lowercase()), "{leak} leaked: {j}");
        }
        assert_eq!(ev.findings[0].evidence, REDACTED);
        assert!(ev.findings[1].evidence.contains("or 1=1"), "{}", ev.findings[1].evidence);
        assert_eq!(ev.request.user_agent.as_deref(), Some(REDACTED));
        assert!(ev.request.path.starts_with("/p/[redacted]"), "{}", ev.request.path);
        // short cookie values are not scrubbed from ordinary text
        assert!(Secrets::from_request(&req, &cfg.events).scrub("english").contains("en"));
    }
}
