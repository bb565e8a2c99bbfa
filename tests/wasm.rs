//! The pure core's checks compiled to wasm32-unknown-unknown and run under Node with
//! wasm-bindgen-test (`make test-wasm`): decoders, parsers, detectors and the engine behave
//! the same inside a wasm VM (no panics, same verdicts, deep input bounded on the small
//! wasm stack). On native targets this file is empty (the unit tests cover the same code).
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use mirror_waf::config::{Config, InspectionConfig};
use mirror_waf::decode::{self, DecodeOpts};
use mirror_waf::detect::{Engine, Part, Value};
use mirror_waf::request::{json, multipart, query, xml, HttpRequest};
use wasm_bindgen_test::wasm_bindgen_test;

fn req(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        uri: uri.into(),
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())).collect(),
        body: body.as_bytes().to_vec(),
        body_bytes: body.len() as u64,
        body_truncated: false,
    }
}

fn engine() -> Engine {
    Engine::new(&InspectionConfig::default())
}

#[wasm_bindgen_test]
fn decoders() {
    let mut out = Vec::new();
    decode::variants("%253Cscript%253E", &[], DecodeOpts::default(), &mut out);
    assert!(out.iter().any(|v| v.text == "<script>" && v.decoders == vec!["url", "url"]));
    assert_eq!(decode::url::decode_str("%c0%ae%c0%ae%c0%af", false), "../");
    assert_eq!(decode::html::decode("&#x3C;&lt&#60;"), "<<<");
    assert_eq!(decode::js::decode(r"\u0061lert\x28"), "alert(");
    assert_eq!(decode::base64::decode_text("YWxlcnQoMSk=").as_deref(), Some("alert(1)"));
}

#[wasm_bindgen_test]
fn parsers() {
    let (p, _) = query::parse_form(b"a=1&a=2&b[]=x+y&c=", 10);
    assert_eq!(p.len(), 4);
    let deep = "[".repeat(20_000);
    assert!(json::walk(deep.as_bytes(), 16, 100).error.is_some());
    let d = xml::parse(b"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r a='1'>&x;</r>", 16, 100);
    assert!(d.items.iter().any(|i| i.text.contains("SYSTEM")));
    let (parts, _) = multipart::parse(b"--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--b--", "b", 10);
    assert_eq!(parts[0].content, b"v");
}

#[wasm_bindgen_test]
fn detectors() {
    let mut hits = Vec::new();
    mirror_waf::detect::sqli::scan(&Value { part: Part::QueryValue, name: "id", text: "1' or '1'='1" }, &mut hits);
    assert!(hits.iter().map(|h| h.score).sum::<u32>() >= 5);
    hits.clear();
    mirror_waf::detect::sqli::scan(&Value { part: Part::QueryValue, name: "q", text: "O'Reilly and sons" }, &mut hits);
    assert!(hits.iter().map(|h| h.score).sum::<u32>() < 5);
    hits.clear();
    mirror_waf::detect::xss::scan(&Value { part: Part::QueryValue, name: "q", text: "<svg/onload=alert(1)>" }, &mut hits);
    assert!(hits.iter().map(|h| h.score).sum::<u32>() >= 5);
}

#[wasm_bindgen_test]
fn engine_verdicts() {
    let e = engine();
    let ins = e.inspect(&req("GET", "/item?id=1%20union%20select%20password%20from%20users", &[("user-agent", "curl/8")], ""));
    assert!(ins.attack && ins.classes.contains(&"sqli"));
    let ins = e.inspect(&req("POST", "/c", &[("content-type", "application/json")], r#"{"c":{"t":"\u003cimg src=x onerror=alert(1)\u003e"}}"#));
    assert!(ins.attack && ins.findings.iter().any(|f| f.location == "body.c.t"));
    let ins = e.inspect(&req("GET", "/search?q=blue+shoes&page=2", &[("user-agent", "Mozilla/5.0")], ""));
    assert!(!ins.attack && ins.findings.is_empty());
    let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let ins = e.inspect(&req("POST", "/", &[("content-type", "application/json")], &deep));
    assert!(ins.truncated && !ins.attack);
}

#[wasm_bindgen_test]
fn config_exclusions() {
    let cfg = Config::parse(br#"{"inspection":{"exclusions":[{"path_prefix":"/admin","locations":["query.q"]}]}}"#).unwrap_or_default();
    let e = Engine::new(&cfg.inspection);
    assert!(!e.inspect(&req("GET", "/admin/x?q=1%27%20or%201%3D1--", &[], "")).attack);
    assert!(e.inspect(&req("GET", "/other?q=1%27%20or%201%3D1--", &[], "")).attack);
}
