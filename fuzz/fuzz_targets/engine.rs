//! The whole engine, and the event built from its result, on an arbitrary request.
//!
//! Input: byte 0 picks the configuration (paranoia level, small or default limits, body
//! limit), then an HTTP/1-like request: `METHOD URI\n`, header lines `name: value\n`, an
//! empty line, the body. Nothing needs to be well-formed; this format lets real requests
//! (fuzz/seed.py) seed the corpus.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::config::Config;
use mirror_waf::detect::Engine;
use mirror_waf::event::{Event, EventInput};
use mirror_waf::mirror::{MirrorContext, MirrorInputs};
use mirror_waf::request::{BodyCollector, HttpRequest};

fn split_line(b: &[u8]) -> (&[u8], &[u8]) {
    match b.iter().position(|&c| c == b'\n') {
        Some(i) => (b.get(..i).unwrap_or_default(), b.get(i + 1..).unwrap_or_default()),
        None => (b, &[]),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let pl = (sel & 3) + 1;
    let (args, depth, body_limit) = if sel & 4 != 0 { (4, 3, 64) } else { (512, 16, 131_072) };
    let cfg_json = format!(
        r#"{{"inspection": {{"paranoia_level": {pl}, "max_args": {args}, "max_depth": {depth}, "max_body_bytes": {body_limit}}},
            "events": {{"include_benign": true, "redact_headers": ["authorization"]}}}}"#
    );
    let Ok(cfg) = Config::parse(cfg_json.as_bytes()) else { return };
    let engine = Engine::new(&cfg.inspection);

    let (first, mut rest) = split_line(rest);
    let first = String::from_utf8_lossy(first);
    let (method, uri) = first.split_once(' ').unwrap_or((&first, "/"));
    let mut req = HttpRequest { method: method.to_string(), uri: uri.to_string(), ..Default::default() };
    loop {
        let (line, r) = split_line(rest);
        rest = r;
        if line.is_empty() || line == b"\r" {
            break;
        }
        let (name, value) = match line.iter().position(|&c| c == b':') {
            Some(i) => (line.get(..i).unwrap_or_default(), line.get(i + 1..).unwrap_or_default()),
            None => (line, &[][..]),
        };
        let value = value.strip_prefix(b" ").unwrap_or(value);
        req.headers.push((String::from_utf8_lossy(name).to_ascii_lowercase(), value.to_vec()));
    }
    // The body arrives in chunks, as in the filter.
    let mut body = BodyCollector::new(cfg.inspection.max_body_bytes);
    for chunk in rest.chunks(1 + usize::from(sel >> 3)) {
        body.push(chunk, chunk.len());
    }
    body.finish_into(&mut req);

    let ins = engine.inspect(&req);
    assert!(ins.inspected_bytes <= cfg.inspection.max_body_bytes);
    assert_eq!(ins.attack, ins.score >= cfg.inspection.anomaly_threshold);

    let xff: Vec<String> = req.headers.iter().filter(|(n, _)| n == "x-forwarded-for").map(|(_, v)| String::from_utf8_lossy(v).into_owned()).collect();
    let host = req.header("host").map(|h| h.into_owned()).unwrap_or_default();
    let mirror = MirrorContext::resolve(
        &cfg,
        &MirrorInputs { authority: &host, forwarded_for: xff.iter().map(String::as_str).collect(), peer: Some("127.0.0.1:5000"), ..Default::default() },
    );
    let ev = Event::build(
        &EventInput { time_unix_nanos: 0, request_id: None, mirror: &mirror, request: &req, inspection: &ins, paranoia_level: pl, extra_notes: &[] },
        &cfg.events,
    );
    let json = ev.to_json();
    assert!(json.starts_with('{'));
});
