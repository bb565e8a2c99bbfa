//! Value extraction: turns a request into the values to inspect, each with its part,
//! name and location (`path`, `query.<name>`, `header.<name>`, `cookie.<name>`,
//! `body.<field>`, `body`), and the decoders extraction already applied. Bounded by
//! `max_args`, `max_depth`; headers that carry no attacker-controlled text are skipped.

use std::borrow::Cow;

use super::prefilter::Prefilter;
use super::Part;
use crate::config::InspectionConfig;
use crate::request::body::{classify, BodyKind};
use crate::request::{json, multipart, query, xml, HttpRequest};

/// Of an uploaded file (a multipart part with a filename) only this prefix is inspected:
/// script and webshell uploads show themselves at the start, while scanning whole binaries
/// costs milliseconds per upload (CRS at PL1 does not scan file contents at all).
pub const FILE_CONTENT_PREFIX: usize = 8192;

/// Headers whose values are protocol plumbing, not inspected by value detectors (request
/// level detectors still see every header). `cookie` is parsed into cookies instead.
const SKIP_HEADERS: &[&str] = &[
    "accept", "accept-encoding", "accept-language", "accept-charset", "connection", "content-length",
    "cache-control", "pragma", "upgrade-insecure-requests", "te", "dnt", "keep-alive", "if-modified-since",
    "if-none-match", "if-match", "if-unmodified-since", "authorization", "proxy-authorization", "cookie",
    "host", "content-type", "x-server-addr", "x-server-port", "x-request-id", "x-b3-traceid", "x-b3-spanid",
    "x-b3-parentspanid", "x-b3-sampled", "traceparent", "tracestate", "x-envoy-expected-rq-timeout-ms",
    "x-envoy-attempt-count", "x-forwarded-proto", "x-forwarded-port", "content-encoding", "transfer-encoding",
    "priority", "purpose", "sec-purpose",
];
/// Maximum header values inspected.
const MAX_HEADERS: usize = 64;
/// Maximum length of one header value inspected.
const MAX_HEADER_LEN: usize = 8192;

#[derive(Debug, Clone)]
pub struct Field {
    pub part: Part,
    pub name: String,
    pub location: String,
    pub text: String,
    /// Decoders extraction applied beyond the protocol's own (e.g. `overlong`).
    pub base: Vec<&'static str>,
}

#[derive(Debug, Default)]
pub struct Extracted<'p> {
    /// The values worth inspecting (all values when no prefilter is given).
    pub fields: Vec<Field>,
    pub truncated: bool,
    pub notes: Vec<String>,
    /// Non-empty values seen, and how many the prefilter dropped.
    pub values: usize,
    pub skipped: usize,
    keep: Option<&'p Prefilter>,
}

impl Extracted<'_> {
    /// Adds a value; its name and location are only built (and its text only copied) when
    /// the value is kept.
    fn add(&mut self, part: Part, text: Cow<'_, str>, overlong: bool, naming: impl FnOnce() -> (String, String)) {
        if text.is_empty() {
            return;
        }
        self.values += 1;
        if self.keep.is_some_and(|p| !p.interesting(&text)) {
            self.skipped += 1;
            return;
        }
        let base = if overlong { vec!["overlong"] } else { Vec::new() };
        let (name, location) = naming();
        self.fields.push(Field { part, name, location, text: text.into_owned(), base });
    }

    fn note(&mut self, n: String) {
        if self.notes.len() < 16 && !self.notes.contains(&n) {
            self.notes.push(n);
        }
    }

    fn pairs(&mut self, pairs: Vec<query::Pair<'_>>, value_part: Part, prefix: &str) {
        for p in pairs {
            let naming = || (p.name.to_string(), format!("{prefix}.{}", p.name));
            self.add(Part::ArgName, Cow::Borrowed(&*p.name), p.overlong, naming);
            self.add(value_part, p.value, p.overlong, naming);
        }
    }
}

/// Extracts every value of `req` to inspect.
pub fn extract<'p>(req: &HttpRequest, cfg: &InspectionConfig) -> Extracted<'p> {
    extract_filtered(req, cfg, None)
}

/// Extracts the values of `req` that `keep` finds worth inspecting (all when `None`).
pub fn extract_filtered<'p>(req: &HttpRequest, cfg: &InspectionConfig, keep: Option<&'p Prefilter>) -> Extracted<'p> {
    let mut ex = Extracted { keep, ..Default::default() };
    let mut args_left = cfg.max_args;

    let (path, overlong) = crate::decode::url::decode_component_cow(req.path().as_bytes(), false);
    ex.add(Part::Path, path, overlong, unnamed("path"));
    path_segments(req.path(), &mut ex);

    if let Some(q) = req.query() {
        let (pairs, cut) = query::parse_form(q.as_bytes(), args_left);
        args_left = args_left.saturating_sub(pairs.len());
        if cut {
            ex.truncated = true;
            ex.note(format!("query: more than max_args ({}) arguments", cfg.max_args));
        }
        // A query that is not a clean `name=value` list (markup or quotes in names) was likely
        // split inside a payload at `&` or `=`: inspect it whole as well.
        let odd = pairs.iter().any(|p| !clean_name(&p.name));
        ex.pairs(pairs, Part::QueryValue, "query");
        if odd {
            let (whole, overlong) = crate::decode::url::decode_component_cow(q.as_bytes(), false);
            ex.add(Part::QueryValue, whole, overlong, unnamed("query"));
        }
    }

    let mut seen = 0;
    for (name, value) in &req.headers {
        if name == "cookie" {
            let text = crate::request::text(value);
            let (pairs, cut) = query::parse_cookies(&text, args_left);
            args_left = args_left.saturating_sub(pairs.len());
            if cut {
                ex.truncated = true;
                ex.note("cookie: more than max_args cookies".into());
            }
            // A payload with `;` in it (`&#34;&gt;`, `admin'; --`) splits into odd cookie
            // names: inspect the header whole as well.
            let odd = pairs.iter().any(|p| !clean_name(&p.name));
            for p in pairs {
                let naming = || (p.name.to_string(), format!("cookie.{}", p.name));
                ex.add(Part::ArgName, Cow::Borrowed(&*p.name), false, naming);
                ex.add(Part::Cookie, p.value, false, naming);
            }
            if odd {
                let v = value.get(..value.len().min(MAX_HEADER_LEN)).unwrap_or_default();
                ex.add(Part::Header, String::from_utf8_lossy(v), false, || (name.clone(), "header.cookie".into()));
            }
            continue;
        }
        if SKIP_HEADERS.contains(&name.as_str()) || name.starts_with("sec-") || name.starts_with(':') {
            continue;
        }
        seen += 1;
        if seen > MAX_HEADERS {
            ex.truncated = true;
            ex.note(format!("headers: more than {MAX_HEADERS} inspected"));
            break;
        }
        let v = value.get(..value.len().min(MAX_HEADER_LEN)).unwrap_or_default();
        ex.add(Part::Header, crate::request::text(v), false, || (name.clone(), format!("header.{name}")));
        if name == "referer" {
            args_left = referer_args(v, args_left, &mut ex);
        }
    }

    body(req, cfg, args_left, &mut ex);
    ex
}

fn body(req: &HttpRequest, cfg: &InspectionConfig, args_left: usize, ex: &mut Extracted<'_>) {
    let b = req.body.get(..req.body.len().min(cfg.max_body_bytes)).unwrap_or_default();
    if req.body_truncated || req.body.len() > cfg.max_body_bytes {
        ex.truncated = true;
        ex.note(format!("body: inspected the first {} bytes", b.len()));
    }
    let ct = req.header("content-type");
    let (kind, sniffed) = classify(ct.as_deref(), b);
    if sniffed && !matches!(kind, BodyKind::Text) {
        ex.note(format!("body: parsed as {} by sniffing", kind_name(&kind)));
    }
    let raw = || crate::request::text(b);
    match kind {
        BodyKind::Empty => {}
        BodyKind::Text => ex.add(Part::BodyRaw, raw(), false, unnamed("body")),
        BodyKind::Form => {
            let (pairs, cut) = query::parse_form(b, args_left);
            if cut {
                ex.truncated = true;
                ex.note(format!("body: more than max_args ({}) arguments", cfg.max_args));
            }
            let odd = sniffed || pairs.iter().any(|p| !clean_name(&p.name));
            ex.pairs(pairs, Part::BodyValue, "body");
            if odd {
                let (whole, overlong) = crate::decode::url::decode_component_cow(b, false);
                ex.add(Part::BodyRaw, whole, overlong, unnamed("body"));
            }
        }
        BodyKind::Json => {
            let end = json::walk_each(b, cfg.max_depth, args_left, |it| {
                let json::ItemRef { path, text, is_key } = it;
                if is_key {
                    let name = text.clone();
                    ex.add(Part::ArgName, text, false, || {
                        let mut loc = String::from("body.");
                        path.write_to(&mut loc);
                        if loc.len() > "body.".len() {
                            loc.push('.');
                        }
                        loc.push_str(&name);
                        (name.into_owned(), loc)
                    });
                } else {
                    ex.add(Part::BodyValue, text, false, || {
                        let name = path.render();
                        let loc = if name.is_empty() { "body".to_string() } else { format!("body.{name}") };
                        (name, loc)
                    });
                }
            });
            if end.truncated {
                ex.truncated = true;
                ex.note(format!("body: json deeper than max_depth ({}) or more than max_args values", cfg.max_depth));
            }
            if let Some(e) = end.error {
                ex.note(format!("body: invalid json ({e}), inspected raw"));
                ex.add(Part::BodyRaw, raw(), false, unnamed("body"));
            }
        }
        BodyKind::Multipart(boundary) => {
            let (parts, cut) = multipart::parse(b, &boundary, args_left);
            if cut {
                ex.truncated = true;
                ex.note("body: more than max_args multipart parts".into());
            }
            if parts.is_empty() {
                ex.note("body: multipart without parts, inspected raw".into());
                ex.add(Part::BodyRaw, raw(), false, unnamed("body"));
            }
            for p in parts {
                let loc = format!("body.{}", p.name);
                ex.add(Part::ArgName, Cow::Borrowed(&p.name), false, || (p.name.clone(), loc.clone()));
                if let Some(f) = &p.filename {
                    ex.add(Part::BodyValue, Cow::Borrowed(f), false, || ("filename".into(), format!("{loc}.filename")));
                }
                for (h, v) in &p.headers {
                    if h != "content-disposition" && h != "content-type" {
                        ex.add(Part::Header, Cow::Borrowed(v), false, || (h.clone(), format!("{loc}.{h}")));
                    }
                }
                let content = if p.filename.is_some() { file_prefix(p.content) } else { (crate::request::text(p.content), false) };
                if content.1 {
                    ex.note(format!("{loc}: uploaded file inspected to its first {FILE_CONTENT_PREFIX} bytes"));
                }
                ex.add(Part::BodyValue, content.0, false, || (p.name.clone(), loc.clone()));
            }
        }
        BodyKind::Xml => {
            let doc = xml::parse(b, cfg.max_depth, args_left);
            if doc.truncated {
                ex.truncated = true;
                ex.note(format!("body: xml deeper than max_depth ({}) or more than max_args values", cfg.max_depth));
            }
            for it in doc.items {
                let naming = || (it.path.rsplit(['.', '@']).next().unwrap_or("").to_string(), format!("body.{}", it.path));
                ex.add(Part::BodyValue, Cow::Owned(it.text), false, naming);
            }
            if sniffed {
                // Markup without an XML Content-Type (HTML injection in a raw body): the
                // tags themselves matter.
                ex.add(Part::BodyRaw, raw(), false, unnamed("body"));
            }
        }
    }
}

/// Name and location of a value that has no name of its own (`path`, `query`, `body`).
/// At most this many path segments are inspected one by one.
const MAX_PATH_SEGMENTS: usize = 16;

/// REST routes carry arguments in path segments (`/users/1' or '1'='1/orders`,
/// `/files/..%2f..%2fetc%2fpasswd/raw`): when the path has two segments or more, each
/// segment with more than plain name characters is also inspected as an argument value
/// (location `path`), decoded on its own (an encoded `/` stays inside its segment).
fn path_segments(raw: &str, ex: &mut Extracted<'_>) {
    let plain = |s: &str| s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'~' | b',' | b'@' | b':'));
    let mut segs = raw.split('/').filter(|s| !s.is_empty());
    let (Some(_), Some(_)) = (segs.next(), segs.next()) else {
        return;
    };
    for seg in raw.split('/').filter(|s| !s.is_empty() && !plain(s)).take(MAX_PATH_SEGMENTS) {
        let (text, overlong) = crate::decode::url::decode_component_cow(seg.as_bytes(), false);
        if matches!(&*text, "." | "..") {
            continue;
        }
        ex.add(Part::QueryValue, text, overlong, unnamed("path"));
    }
}

/// The query arguments of a Referer URL (`https://site/search?q=<payload>`): scanners and
/// attackers put payloads there too. Inspected as argument values (location
/// `header.referer`), counted against `max_args`; returns the arguments left.
fn referer_args(v: &[u8], args_left: usize, ex: &mut Extracted<'_>) -> usize {
    let Some(q) = memchr::memchr(b'?', v).and_then(|i| v.get(i + 1..)) else {
        return args_left;
    };
    let q = memchr::memchr(b'#', q).and_then(|i| q.get(..i)).unwrap_or(q);
    let (pairs, cut) = query::parse_form(q, args_left);
    if cut {
        ex.truncated = true;
        ex.note("referer: more than max_args arguments".into());
    }
    let left = args_left.saturating_sub(pairs.len());
    for p in pairs {
        let naming = || (p.name.to_string(), "header.referer".to_string());
        ex.add(Part::ArgName, Cow::Borrowed(&*p.name), p.overlong, naming);
        ex.add(Part::QueryValue, p.value, p.overlong, naming);
    }
    left
}

fn unnamed(location: &'static str) -> impl FnOnce() -> (String, String) {
    move || (String::new(), location.to_string())
}

/// The inspected text of an uploaded file: its first `FILE_CONTENT_PREFIX` bytes of text
/// (invalid UTF-8 replaced, cut at a character boundary), and whether it was cut. Only a
/// few bytes past the prefix are converted: the conversion decides each byte from at most
/// the next three, so the text up to the cut is the same as when converting the whole file.
fn file_prefix(content: &[u8]) -> (Cow<'_, str>, bool) {
    let window = content.get(..FILE_CONTENT_PREFIX.saturating_add(8)).unwrap_or(content);
    let text = crate::request::text(window);
    if text.len() <= FILE_CONTENT_PREFIX {
        return (text, false);
    }
    let mut end = FILE_CONTENT_PREFIX;
    while end > 0 && !text.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    let cut = match text {
        Cow::Borrowed(t) => Cow::Borrowed(t.get(..end).unwrap_or_default()),
        Cow::Owned(t) => Cow::Owned(t.get(..end).unwrap_or_default().to_string()),
    };
    (cut, true)
}

/// An argument name as applications use them: word characters, `.`, `-`, brackets.
fn clean_name(n: &str) -> bool {
    n.len() <= 128 && n.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'[' | b']' | b'$' | b':' | b'@'))
}

fn kind_name(k: &BodyKind) -> &'static str {
    match k {
        BodyKind::Empty => "empty",
        BodyKind::Form => "form",
        BodyKind::Json => "json",
        BodyKind::Multipart(_) => "multipart",
        BodyKind::Xml => "xml",
        BodyKind::Text => "text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uri: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
        HttpRequest::test_post(uri, headers, body)
    }

    fn locs(ex: &Extracted) -> Vec<(String, String)> {
        ex.fields.iter().map(|f| (f.location.clone(), f.text.clone())).collect()
    }

    #[test]
    fn all_parts() {
        let r = req(
            "/a%20b/c?x=1&y[]=%27",
            &[("user-agent", "ua"), ("accept-encoding", "gzip"), ("cookie", "s=v; t=w"), ("content-type", "application/json")],
            r#"{"k":{"n":"v"}}"#,
        );
        let ex = extract(&r, &InspectionConfig::default());
        let l = locs(&ex);
        for want in [("path", "/a b/c"), ("query.x", "1"), ("query.y[]", "'"), ("header.user-agent", "ua"), ("cookie.t", "w"), ("body.k.n", "v"), ("body.k", "k")] {
            assert!(l.contains(&(want.0.to_string(), want.1.to_string())), "{want:?} not in {l:?}");
        }
        assert!(!l.iter().any(|(k, _)| k.starts_with("header.accept")));
    }

    #[test]
    fn path_segments_and_referer_arguments() {
        let r = req("/api/users/1%27%20or%20%271%27%3D%271/files/..%2F..%2Fetc%2Fpasswd/v2", &[("referer", "https://shop.example/search?q=%3Csvg%20onload%3Dx%3E&page=2#top")], "");
        let ex = extract(&r, &InspectionConfig::default());
        let l = locs(&ex);
        for want in [("path", "1' or '1'='1"), ("path", "../../etc/passwd"), ("header.referer", "<svg onload=x>"), ("header.referer", "2")] {
            assert!(l.contains(&(want.0.to_string(), want.1.to_string())), "{want:?} not in {l:?}");
        }
        // Plain segments, `..` and a one-segment path add nothing beyond the whole path.
        for uri in ["/static/js/app.3f2a1c.js", "/docs/../index.html", "/a%27b"] {
            let ex = extract(&req(uri, &[], ""), &InspectionConfig::default());
            assert_eq!(ex.fields.iter().filter(|f| f.location == "path").count(), 1, "{uri}: {:?}", locs(&ex));
        }
    }

    #[test]
    fn split_cookie_header_is_inspected_whole() {
        let raw = "id=&#39;&gt;&lt;b x=1";
        let ex = extract(&req("/", &[("cookie", raw)], ""), &InspectionConfig::default());
        assert!(locs(&ex).contains(&("header.cookie".into(), raw.into())), "{:?}", locs(&ex));
        let ex = extract(&req("/", &[("cookie", "s=v; t=w")], ""), &InspectionConfig::default());
        assert!(!locs(&ex).iter().any(|(k, _)| k == "header.cookie"));
    }

    #[test]
    fn limits_and_sniffing() {
        let cfg = InspectionConfig { max_args: 2, ..Default::default() };
        let ex = extract(&req("/?a=1&b=2&c=3", &[], ""), &cfg);
        assert!(ex.truncated);
        let ex = extract(&req("/", &[], "<script>alert(1)</script>"), &InspectionConfig::default());
        assert!(locs(&ex).contains(&("body".into(), "<script>alert(1)</script>".into())));
        let ex = extract(&req("/", &[("content-type", "multipart/form-data; boundary=B")], "--B\r\ncontent-disposition: form-data; name=\"f\"; filename=\"x.php\"\r\n\r\ndata\r\n--B--"), &InspectionConfig::default());
        let l = locs(&ex);
        assert!(l.contains(&("body.f.filename".into(), "x.php".into())), "{l:?}");
        assert!(l.contains(&("body.f".into(), "data".into())), "{l:?}");
    }
}

#[cfg(test)]
mod upload_tests {
    use super::*;

    #[test]
    fn uploaded_file_content_is_inspected_to_a_prefix() {
        let big = "A".repeat(FILE_CONTENT_PREFIX * 3);
        let body = format!(
            "--B\r\ncontent-disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n<?php system($_GET[1]); ?>{big}\r\n--B\r\ncontent-disposition: form-data; name=\"t\"\r\n\r\n{big}\r\n--B--"
        );
        let req = HttpRequest {
            method: "POST".into(),
            uri: "/up".into(),
            headers: vec![("content-type".into(), b"multipart/form-data; boundary=B".to_vec())],
            body: body.into_bytes(),
            ..Default::default()
        };
        let ex = extract(&req, &InspectionConfig { max_body_bytes: 1 << 20, ..Default::default() });
        let vals: Vec<(String, usize)> = ex.fields.iter().filter(|v| v.part == Part::BodyValue).map(|v| (v.location.clone(), v.text.len())).collect();
        let file = vals.iter().find(|(l, _)| l == "body.f").map(|(_, n)| *n);
        assert_eq!(file, Some(FILE_CONTENT_PREFIX), "{vals:?}");
        let field = vals.iter().find(|(l, _)| l == "body.t").map(|(_, n)| *n);
        assert_eq!(field, Some(FILE_CONTENT_PREFIX * 3), "plain fields are not cut: {vals:?}");
        assert!(ex.notes.iter().any(|n| n.contains("body.f: uploaded file inspected to its first 8192 bytes")), "{:?}", ex.notes);
    }
}

#[cfg(test)]
mod file_prefix_tests {
    use super::*;

    /// The old way: the whole file converted, then cut.
    fn whole_then_cut(content: &[u8]) -> (String, bool) {
        let text = String::from_utf8_lossy(content).into_owned();
        if text.len() <= FILE_CONTENT_PREFIX {
            return (text, false);
        }
        let mut end = FILE_CONTENT_PREFIX;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        (text[..end].to_string(), true)
    }

    #[test]
    fn prefix_window_equals_converting_the_whole_file() {
        let pieces: &[&[u8]] = &[b"a", "é".as_bytes(), "😀".as_bytes(), "€".as_bytes(), b"\xff", b"\xe2\x82", b"\xf0\x9f\x98", b"\xc3", b"\x80"];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for len in (FILE_CONTENT_PREFIX - 12)..(FILE_CONTENT_PREFIX + 24) {
            for _ in 0..40 {
                let mut v = vec![b'x'; len.saturating_sub(16)];
                while v.len() < len + 40 {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    v.extend_from_slice(pieces[(seed % pieces.len() as u64) as usize]);
                }
                for cut in [len, len + 3, len + 40] {
                    let c = &v[..cut.min(v.len())];
                    let (t, was_cut) = file_prefix(c);
                    assert_eq!((t.into_owned(), was_cut), whole_then_cut(c), "len {cut}");
                }
            }
        }
    }
}
