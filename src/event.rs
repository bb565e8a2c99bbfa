//! The event: one versioned JSON object per inspected request (DESIGN §4), built from the
//! mirror context, the request and the inspection; redaction and evidence limits applied
//! here so no sink can leak what the config says to hide.

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
        end -= 1;
    }
    let mut out = s.get(..end).unwrap_or_default().to_string();
    out.push('…');
    out
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
                    clip_utf8(&f.evidence, cfg.max_evidence_bytes)
                },
                decoders: f.decoders.clone(),
                score: f.score,
            })
            .collect();
        let mut notes: Vec<String> = m.notes.clone();
        notes.extend(ins.notes.iter().cloned());
        notes.extend(inp.extra_notes.iter().cloned());
        let text_header = |name: &str| r.header(name).map(|v| clip_utf8(&v, 512));
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
                host: clip_utf8(&m.host, 256),
                path: clip_utf8(r.path(), 2048),
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
    let mut rules: Vec<&str> = Vec::new();
    for f in &ins.findings {
        if !rules.contains(&f.rule) {
            rules.push(f.rule);
        }
    }
    serde_json::json!({ "attack": ins.attack, "classes": ins.classes, "score": ins.score, "rules": rules }).to_string()
}

/// Formats Unix time in nanoseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (proleptic Gregorian, UTC).
pub fn rfc3339_millis(unix_nanos: u128) -> String {
    let secs = (unix_nanos / 1_000_000_000) as i64;
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
}
