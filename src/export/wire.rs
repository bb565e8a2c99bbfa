//! The two wire formats of the HTTP collector sink.
//!
//! - `ndjson` (`application/x-ndjson`, default path `/v1/events`): one event JSON per line,
//!   exactly the object the log sink prints.
//! - `otlp` (`application/json`, default path `/v1/logs`): an OTLP/HTTP JSON
//!   `ExportLogsServiceRequest` with one `LogRecord` per event. Encoding follows the OTLP
//!   JSON mapping: lowerCamelCase field names, 64-bit integers (`timeUnixNano`,
//!   `intValue`) as decimal strings, enums (`severityNumber`) as numbers, attribute values
//!   as `AnyValue` objects (`{"stringValue": …}`, `{"intValue": "…"}`, `{"boolValue": …}`,
//!   `{"arrayValue": {"values": […]}}`).
//!
//! The log body is the event JSON as a **string** (`{"stringValue": "<event json>"}`), not
//! a kvlist: it is byte-for-byte the NDJSON/log event, so one parser and one schema
//! (`mirror-waf/event/v1`) serve every sink; a kvlist cannot express `null` and would
//! turn every number into a string-typed `intValue`, i.e. a second, lossy schema. The
//! fields people filter on are attributes instead, with OpenTelemetry semantic-convention
//! names where they exist:
//! `client.address`, `server.address` (the original Host, without port, as semconv says
//! for HTTP servers), `server.port`, `network.local.address` (the server IP the client hit),
//! `http.request.method`, `url.path`, `user_agent.original`, and `mirror_waf.*` for the
//! rest (`mirror_waf.attack`, `mirror_waf.score`, `mirror_waf.classes`,
//! `mirror_waf.rules`, `mirror_waf.request_id`, `mirror_waf.mirrored`).
//! Severity: WARN (13) for attacks, INFO (9) otherwise.

use serde_json::{json, Value};

use crate::config::WireFormat;
use crate::event::Event;

pub const SERVICE_NAME: &str = "mirror-waf";
const SEVERITY_INFO: u32 = 9;
const SEVERITY_WARN: u32 = 13;

pub fn content_type(format: WireFormat) -> &'static str {
    match format {
        WireFormat::Ndjson => "application/x-ndjson",
        WireFormat::Otlp => "application/json",
    }
}

fn string_attr(key: &str, v: &str) -> Value {
    json!({ "key": key, "value": { "stringValue": v } })
}

fn int_attr(key: &str, v: i64) -> Value {
    json!({ "key": key, "value": { "intValue": v.to_string() } })
}

fn bool_attr(key: &str, v: bool) -> Value {
    json!({ "key": key, "value": { "boolValue": v } })
}

fn array_attr(key: &str, vs: &[&str]) -> Value {
    let values: Vec<Value> = vs.iter().map(|s| json!({ "stringValue": s })).collect();
    json!({ "key": key, "value": { "arrayValue": { "values": values } } })
}

/// `host[:port]` / `[v6]:port` → host without the port.
fn host_without_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        // a bare IPv6 address has several colons: leave it
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// One OTLP `LogRecord` (JSON object) for an event.
pub fn otlp_log_record(ev: &Event, event_json: &str, time_unix_nanos: u128) -> Value {
    let mut attrs = Vec::with_capacity(14);
    if let Some(ip) = &ev.client.ip {
        attrs.push(string_attr("client.address", ip));
    }
    let host = host_without_port(&ev.request.host);
    if !host.is_empty() {
        attrs.push(string_attr("server.address", host));
    }
    if let Some(port) = ev.server.port {
        attrs.push(int_attr("server.port", i64::from(port)));
    }
    if let Some(addr) = &ev.server.addr {
        attrs.push(string_attr("network.local.address", addr));
    }
    attrs.push(string_attr("http.request.method", &ev.request.method));
    attrs.push(string_attr("url.path", &ev.request.path));
    if let Some(ua) = &ev.request.user_agent {
        attrs.push(string_attr("user_agent.original", ua));
    }
    attrs.push(bool_attr("mirror_waf.attack", ev.verdict.attack));
    attrs.push(int_attr("mirror_waf.score", i64::from(ev.verdict.score)));
    attrs.push(array_attr("mirror_waf.classes", &ev.verdict.classes));
    let mut rules: Vec<&str> = Vec::new();
    for f in &ev.findings {
        if !rules.contains(&f.rule) {
            rules.push(f.rule);
        }
    }
    attrs.push(array_attr("mirror_waf.rules", &rules));
    if let Some(id) = &ev.request_id {
        attrs.push(string_attr("mirror_waf.request_id", id));
    }
    attrs.push(bool_attr("mirror_waf.mirrored", ev.mirrored));
    let (num, text) = if ev.verdict.attack { (SEVERITY_WARN, "WARN") } else { (SEVERITY_INFO, "INFO") };
    let t = time_unix_nanos.to_string();
    json!({
        "timeUnixNano": t,
        "observedTimeUnixNano": t,
        "severityNumber": num,
        "severityText": text,
        "body": { "stringValue": event_json },
        "attributes": attrs,
    })
}

/// The queued form of an event in `format`: an NDJSON line (without the newline) or an
/// OTLP `LogRecord` JSON object.
pub fn encode_record(format: WireFormat, ev: &Event, event_json: &str, time_unix_nanos: u128) -> String {
    match format {
        WireFormat::Ndjson => event_json.to_string(),
        WireFormat::Otlp => otlp_log_record(ev, event_json, time_unix_nanos).to_string(),
    }
}

/// The HTTP body for a batch of records.
pub fn envelope(format: WireFormat, records: &[String]) -> String {
    let len: usize = records.iter().map(|r| r.len() + 1).sum();
    match format {
        WireFormat::Ndjson => {
            let mut out = String::with_capacity(len);
            for r in records {
                out.push_str(r);
                out.push('\n');
            }
            out
        }
        WireFormat::Otlp => {
            let resource = json!({ "attributes": [
                string_attr("service.name", SERVICE_NAME),
                string_attr("service.version", env!("CARGO_PKG_VERSION")),
            ] });
            let scope = json!({ "name": SERVICE_NAME, "version": env!("CARGO_PKG_VERSION") });
            let mut out = String::with_capacity(len + 256);
            out.push_str("{\"resourceLogs\":[{\"resource\":");
            out.push_str(&resource.to_string());
            out.push_str(",\"scopeLogs\":[{\"scope\":");
            out.push_str(&scope.to_string());
            out.push_str(",\"logRecords\":[");
            for (i, r) in records.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(r);
            }
            out.push_str("]}]}]}");
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::detect::{Finding, Inspection};
    use crate::event::EventInput;
    use crate::mirror::{MirrorContext, MirrorInputs};
    use crate::request::HttpRequest;

    fn event() -> (Event, String) {
        let cfg = Config::parse(br#"{"real_ip": {"trusted_proxies": ["10.0.0.0/8"]}}"#).unwrap();
        let m = MirrorContext::resolve(
            &cfg,
            &MirrorInputs {
                authority: "shop.example:8443-shadow",
                forwarded_for: vec!["203.0.113.9"],
                peer: Some("10.0.0.1:1"),
                server_addr_header: Some("10.0.0.5"),
                server_port_header: Some("8443"),
                ..Default::default()
            },
        );
        let req = HttpRequest { method: "POST".into(), uri: "/login?x=1".into(), headers: vec![("user-agent".into(), b"curl/8 \"q\"".to_vec())], ..Default::default() };
        let f = Finding { rule: "sqli.tautology", class: "sqli", location: "query.x".into(), evidence: "1' or 1=1".into(), decoders: vec![], score: 5, paranoia: 1 };
        let ins = Inspection { findings: vec![f.clone(), f], score: 10, attack: true, classes: vec!["sqli"], ..Default::default() };
        let ev = Event::build(&EventInput { time_unix_nanos: 1_795_608_000_123_000_000, request_id: Some("rid-1".into()), mirror: &m, request: &req, inspection: &ins, paranoia_level: 1, extra_notes: &[] }, &cfg.events);
        let j = ev.to_json();
        (ev, j)
    }

    fn attr<'a>(rec: &'a Value, key: &str) -> &'a Value {
        rec["attributes"].as_array().unwrap().iter().find(|a| a["key"] == key).map(|a| &a["value"]).unwrap_or(&Value::Null)
    }

    #[test]
    fn otlp_record_follows_the_json_mapping() {
        let (ev, j) = event();
        let rec: Value = serde_json::from_str(&encode_record(WireFormat::Otlp, &ev, &j, 1_795_608_000_123_000_000)).unwrap();
        assert_eq!(rec["timeUnixNano"], "1795608000123000000");
        assert_eq!(rec["severityNumber"], 13);
        assert_eq!(rec["severityText"], "WARN");
        assert_eq!(rec["body"]["stringValue"].as_str().unwrap(), j);
        assert_eq!(attr(&rec, "client.address"), &json!({"stringValue": "203.0.113.9"}));
        assert_eq!(attr(&rec, "server.address"), &json!({"stringValue": "shop.example"}));
        assert_eq!(attr(&rec, "server.port"), &json!({"intValue": "8443"}));
        assert_eq!(attr(&rec, "network.local.address"), &json!({"stringValue": "10.0.0.5"}));
        assert_eq!(attr(&rec, "http.request.method"), &json!({"stringValue": "POST"}));
        assert_eq!(attr(&rec, "url.path"), &json!({"stringValue": "/login"}));
        assert_eq!(attr(&rec, "user_agent.original"), &json!({"stringValue": "curl/8 \"q\""}));
        assert_eq!(attr(&rec, "mirror_waf.score"), &json!({"intValue": "10"}));
        assert_eq!(attr(&rec, "mirror_waf.classes"), &json!({"arrayValue": {"values": [{"stringValue": "sqli"}]}}));
        assert_eq!(attr(&rec, "mirror_waf.rules"), &json!({"arrayValue": {"values": [{"stringValue": "sqli.tautology"}]}}));
        assert_eq!(attr(&rec, "mirror_waf.request_id"), &json!({"stringValue": "rid-1"}));
        assert_eq!(attr(&rec, "mirror_waf.attack"), &json!({"boolValue": true}));
    }

    #[test]
    fn envelopes() {
        let (ev, j) = event();
        let r = encode_record(WireFormat::Otlp, &ev, &j, 5);
        let body: Value = serde_json::from_str(&envelope(WireFormat::Otlp, &[r.clone(), r])).unwrap();
        let rl = &body["resourceLogs"][0];
        assert_eq!(rl["resource"]["attributes"][0], json!({"key": "service.name", "value": {"stringValue": "mirror-waf"}}));
        assert_eq!(rl["scopeLogs"][0]["scope"]["name"], "mirror-waf");
        assert_eq!(rl["scopeLogs"][0]["logRecords"].as_array().unwrap().len(), 2);
        let nd = envelope(WireFormat::Ndjson, &[encode_record(WireFormat::Ndjson, &ev, &j, 5), "{}".into()]);
        let lines: Vec<&str> = nd.lines().collect();
        assert_eq!(lines, vec![j.as_str(), "{}"]);
        assert!(nd.ends_with('\n'));
        let empty: Value = serde_json::from_str(&envelope(WireFormat::Otlp, &[])).unwrap();
        assert_eq!(empty["resourceLogs"][0]["scopeLogs"][0]["logRecords"], json!([]));
    }

    #[test]
    fn host_port_stripping() {
        assert_eq!(host_without_port("a.example:80"), "a.example");
        assert_eq!(host_without_port("a.example"), "a.example");
        assert_eq!(host_without_port("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(host_without_port("2001:db8::1"), "2001:db8::1");
    }
}
