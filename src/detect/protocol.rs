//! HTTP protocol anomalies visible in a (mirrored) request: invalid or unusual methods,
//! duplicate Host, Content-Length/Transfer-Encoding conflicts and obfuscated
//! Transfer-Encoding, control bytes in headers, absurd lengths and counts, many-range
//! requests, bodies on GET/HEAD and request lines smuggled inside bodies. Low scores: an
//! anomaly adds weight to other findings, never an attack alone. A missing Host is not
//! reported: Envoy moves it to `:authority`, which the request model does not carry.

use super::textscan::snippet;
use super::Finding;
use crate::request::HttpRequest;

const CLASS: &str = "protocol";
const MAX_URI: usize = 4096;
const MAX_HEADER_VALUE: usize = 8192;
const MAX_HEADERS: usize = 100;
const MAX_RANGES: usize = 5;

const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "PROPFIND",
    "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH", "MKCALENDAR",
    "ACL", "MERGE", "CHECKOUT", "VERSION-CONTROL",
];

fn f(rule: &'static str, location: &str, evidence: String, score: u32, paranoia: u8) -> Finding {
    Finding { rule, class: CLASS, location: location.to_string(), evidence, decoders: Vec::new(), score, paranoia }
}

/// RFC 9110 token characters as a table (header names are checked byte by byte).
// Indexing in a const initialiser: `i < 256` on a `[_; 256]`, and an out-of-range index
// would fail the build, never a request.
#[allow(clippy::indexing_slicing)]
const TCHARS: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || matches!(c, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~');
        i += 1;
    }
    t
};

/// RFC 9110 token character.
fn tchar(c: u8) -> bool {
    TCHARS.get(usize::from(c)).copied().unwrap_or(false)
}

/// Request-level scan.
pub fn scan_request(req: &HttpRequest, out: &mut Vec<Finding>) {
    let m = req.method.as_str();
    if m.is_empty() || !m.bytes().all(tchar) {
        out.push(f("protocol.invalid-method", "method", snippet(m, 0, 40), 3, 1));
    } else if m == "TRACE" || m == "TRACK" || m == "DEBUG" {
        out.push(f("protocol.debug-method", "method", m.to_string(), 2, 1));
    } else if !METHODS.contains(&m) {
        out.push(f("protocol.unknown-method", "method", snippet(m, 0, 40), 2, 1));
    }

    let h = HeaderWalk::of(req);
    if h.hosts > 1 {
        out.push(f("protocol.duplicate-host", "header.host", String::new(), 3, 1));
    }
    if let Some(h) = h.host.map(crate::request::text) {
        let host = h.trim();
        if host.is_empty() {
            out.push(f("protocol.empty-host", "header.host", String::new(), 2, 1));
        } else {
            let bare = host.rsplit_once(':').map_or(host, |(h, p)| if p.bytes().all(|c| c.is_ascii_digit()) { h } else { host });
            if bare.parse::<core::net::Ipv4Addr>().is_ok() || bare.starts_with('[') {
                out.push(f("protocol.host-is-ip", "header.host", snippet(host, 0, 60), 2, 2));
            }
        }
    }

    let cls: Vec<String> = h.content_lengths.iter().map(|v| String::from_utf8_lossy(v).trim().to_string()).collect();
    let te: Vec<String> = h.transfer_encodings.iter().map(|v| String::from_utf8_lossy(v).to_string()).collect();
    if !cls.is_empty() && !te.is_empty() {
        out.push(f("protocol.cl-te-conflict", "header.transfer-encoding", snippet(&te.join(","), 0, 60), 3, 1));
    }
    if cls.iter().any(|c| c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit())) {
        out.push(f("protocol.invalid-content-length", "header.content-length", snippet(&cls.join(","), 0, 60), 3, 1));
    } else if cls.windows(2).any(|w| matches!(w, [a, b] if a != b)) {
        out.push(f("protocol.conflicting-content-length", "header.content-length", snippet(&cls.join(","), 0, 60), 3, 1));
    }
    if te.len() > 1 || te.iter().any(|t| t != "chunked" && !t.eq_ignore_ascii_case("chunked")) {
        out.push(f("protocol.transfer-encoding-obfuscated", "header.transfer-encoding", snippet(&te.join(","), 0, 60), 3, 1));
    }

    if req.headers.len() > MAX_HEADERS {
        out.push(f("protocol.too-many-headers", "header", req.headers.len().to_string(), 2, 1));
    }
    if let Some(n) = h.invalid_name {
        out.push(f("protocol.invalid-header-name", &format!("header.{}", snippet(n, 0, 40)), snippet(n, 0, 40), 2, 1));
    }
    match h.control {
        Some((n, _, true)) => out.push(f("protocol.nul-in-header", &format!("header.{n}"), String::new(), 3, 1)),
        Some((n, v, false)) => out.push(f("protocol.control-char-in-header", &format!("header.{n}"), snippet(&String::from_utf8_lossy(v), 0, 60), 2, 1)),
        None => {}
    }
    if let Some((n, v)) = h.long {
        out.push(f("protocol.long-header", &format!("header.{n}"), v.len().to_string(), 2, 1));
    }
    if req.uri.len() > MAX_URI {
        out.push(f("protocol.long-uri", "path", req.uri.len().to_string(), 2, 1));
    }
    if req.uri.bytes().fold(false, |any, b| any | (b <= 0x20 || b == 0x7f)) {
        out.push(f("protocol.invalid-uri-chars", "path", snippet(&req.uri, 0, 80), 2, 1));
    }
    if bad_percent(&req.uri) {
        out.push(f("protocol.invalid-percent-encoding", "path", snippet(&req.uri, 0, 80), 2, 2));
    }
    for (name, r) in [("range", h.range), ("request-range", h.request_range)] {
        if let Some(r) = r.map(crate::request::text) {
            let n = r.split(',').count();
            if n > MAX_RANGES {
                out.push(f("protocol.range-abuse", &format!("header.{name}"), snippet(&r, 0, 60), 2, 1));
            }
        }
    }
    let has_body = !req.body.is_empty() || cls.iter().any(|c| c.parse::<u64>().is_ok_and(|n| n > 0));
    if has_body && (m == "GET" || m == "HEAD") {
        out.push(f("protocol.body-in-get", "body", String::new(), 2, 1));
    }
    if !req.body.is_empty() && !h.content_type {
        out.push(f("protocol.body-without-content-type", "body", String::new(), 2, 2));
    }
    if let Some(ev) = embedded_request(&req.body) {
        out.push(f("protocol.embedded-request", "body", ev, 3, 1));
    }
}

/// What the checks need from the headers, gathered in one walk (first occurrences, as
/// `HttpRequest::header` and the per-check loops found them).
#[derive(Default)]
struct HeaderWalk<'r> {
    hosts: usize,
    host: Option<&'r [u8]>,
    content_lengths: Vec<&'r [u8]>,
    transfer_encodings: Vec<&'r [u8]>,
    content_type: bool,
    range: Option<&'r [u8]>,
    request_range: Option<&'r [u8]>,
    /// The first header name that is not a token.
    invalid_name: Option<&'r str>,
    /// The first header with a NUL (`true`) or another control byte (`false`).
    control: Option<(&'r str, &'r [u8], bool)>,
    /// The first value over `MAX_HEADER_VALUE`.
    long: Option<(&'r str, &'r [u8])>,
}

impl<'r> HeaderWalk<'r> {
    fn of(req: &'r HttpRequest) -> HeaderWalk<'r> {
        let mut w = HeaderWalk::default();
        for (n, v) in &req.headers {
            let v = v.as_slice();
            match n.as_str() {
                "host" => {
                    w.hosts += 1;
                    w.host = w.host.or(Some(v));
                }
                "content-length" => w.content_lengths.push(v),
                "transfer-encoding" => w.transfer_encodings.push(v),
                "content-type" => w.content_type = true,
                "range" => w.range = w.range.or(Some(v)),
                "request-range" => w.request_range = w.request_range.or(Some(v)),
                _ => {}
            }
            if w.invalid_name.is_none() && (n.is_empty() || !n.bytes().all(tchar)) {
                w.invalid_name = Some(n);
            }
            if w.control.is_none() {
                if v.contains(&0) {
                    w.control = Some((n, v, true));
                } else if has_control(v) {
                    w.control = Some((n, v, false));
                }
            }
            if w.long.is_none() && v.len() > MAX_HEADER_VALUE {
                w.long = Some((n, v));
            }
        }
        w
    }
}

/// `%` not followed by two hex digits (nor `%u` + four).
fn bad_percent(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'%'
            && !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            && !(matches!(b.get(i + 1), Some(b'u' | b'U')) && (2..6).all(|k| b.get(i + k).is_some_and(u8::is_ascii_hexdigit)))
    })
}

/// A request line (`GET /x HTTP/1.1` + line break) inside a body: smuggling.
fn embedded_request(body: &[u8]) -> Option<String> {
    let body = body.get(..65536).unwrap_or(body);
    let pos = memchr::memmem::find(body, b" HTTP/1.")?;
    let after = body.get(pos + 9..pos + 12)?;
    if !(after.starts_with(b"\r\n") || after.starts_with(b"\n") || after.get(1..).is_some_and(|r| r.starts_with(b"\r\n") || r.starts_with(b"\n"))) {
        return None;
    }
    let line_start = body.get(..pos)?.iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
    let line = String::from_utf8_lossy(body.get(line_start..pos)?);
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let method = method.trim_start_matches(|c: char| !c.is_ascii_uppercase());
    let method = method.get(method.len().saturating_sub(method.bytes().rev().take_while(u8::is_ascii_uppercase).count())..)?;
    (METHODS.contains(&method) || method == "TRACE").then(|| snippet(&line, 0, 80))
}

/// A control byte other than TAB (or DEL). A fold without early exit: the compiler
/// vectorises it, and header values are short.
fn has_control(v: &[u8]) -> bool {
    v.iter().fold(false, |any, &b| any | (b < 0x20 && b != b'\t' || b == 0x7f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, headers: &[(&str, &[u8])], body: &[u8]) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            uri: "/a?b=c".into(),
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
            body: body.to_vec(),
            body_bytes: body.len() as u64,
            ..Default::default()
        }
    }
    fn rules(r: &HttpRequest) -> Vec<&'static str> {
        let mut out = Vec::new();
        scan_request(r, &mut out);
        assert!(out.iter().all(|f| f.score <= 3), "{out:?}");
        out.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn token_table() {
        for c in 0..=255u8 {
            assert_eq!(tchar(c), c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c), "{c}");
        }
    }

    #[test]
    fn anomalies() {
        assert!(rules(&req("     GET", &[("host", b"a")], b"")).contains(&"protocol.invalid-method"));
        assert!(rules(&req("GET", &[("host", b"a"), ("host", b"b")], b"")).contains(&"protocol.duplicate-host"));
        let smuggle = req("POST", &[("host", b"a"), ("content-length", b"4"), ("transfer-encoding", b"chunked")], b"0\r\n\r\n");
        assert!(rules(&smuggle).contains(&"protocol.cl-te-conflict"));
        assert!(rules(&req("POST", &[("host", b"a"), ("transfer-encoding", b"chunked, identity")], b"")).contains(&"protocol.transfer-encoding-obfuscated"));
        assert!(rules(&req("GET", &[("host", b"a"), ("x-a", b"a\0b")], b"")).contains(&"protocol.nul-in-header"));
        assert!(rules(&req("GET", &[("host", b"a"), ("range", b"bytes=1-2,3-4,5-6,7-8,9-10,11-12")], b"")).contains(&"protocol.range-abuse"));
        let body = b"barGET /a.html HTTP/1.1\r\nHost: foo\r\n\r\n";
        assert!(rules(&req("POST", &[("host", b"a"), ("content-type", b"text/plain")], body)).contains(&"protocol.embedded-request"));
        assert!(rules(&req("GET", &[("host", b"a"), ("content-length", b"5")], b"hello")).contains(&"protocol.body-in-get"));
    }

    #[test]
    fn normal_requests_are_quiet() {
        let get = req("GET", &[("host", b"example.com"), ("user-agent", b"Mozilla/5.0"), ("accept", b"*/*")], b"");
        assert!(rules(&get).is_empty(), "{:?}", rules(&get));
        let post = req("POST", &[("host", b"example.com"), ("content-type", b"application/json"), ("content-length", b"2")], b"{}");
        assert!(rules(&post).is_empty());
        let chunked = req("POST", &[("host", b"example.com"), ("content-type", b"text/plain"), ("transfer-encoding", b"chunked")], b"hi");
        assert!(rules(&chunked).is_empty());
    }
}
