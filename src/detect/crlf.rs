//! CRLF / header injection and response splitting. After decoding, a CR or LF followed
//! by header syntax (`Name: value`), by a blank line and markup, or by an HTTP
//! status/request line is what splits a response when the value reaches a header (a
//! redirect target, a cookie, the path). Values that reach headers (path, query, cookies,
//! headers, argument names) weigh more than free-text body fields, where line breaks are
//! normal. `%u000a`-style escapes are decoded here too.

use super::gate::Triggers;
use super::textscan::{hit, push_once, snippet};
use super::{Hit, Part, Value};

const CLASS: &str = "crlf";
const MAX_BYTES: usize = 8192;

/// Response headers whose injection matters even in a body field.
const HEADERS: &[&str] = &[
    "set-cookie", "location", "content-length", "content-type", "refresh", "transfer-encoding",
    "content-security-policy", "access-control-allow-origin", "access-control-allow-credentials",
    "x-xss-protection", "content-disposition", "cache-control", "link", "host", "cookie",
    "x-forwarded-for", "x-forwarded-host", "connection", "upgrade", "server", "x-frame-options",
    "strict-transport-security",
];

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT", "PROPFIND"];

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    bytes: b"\r\n",
    // `%u000a`/`\u000a` (decoded here), and the ` HTTP/` of an embedded request line.
    anywhere: &[&["%u", "\\u000", " http/"]],
    ..Triggers::NONE
};

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let raw = v.text;
    let t0 = raw.get(..super::textscan::floor_char(raw, MAX_BYTES)).unwrap_or(raw);
    let decoded;
    let t: &str = if t0.contains("%u") || t0.contains("%U") || t0.contains("\\u000") {
        decoded = decode_unicode_newlines(t0);
        &decoded
    } else {
        t0
    };
    let since = out.len();
    let reaches_header = matches!(v.part, Part::Path | Part::QueryValue | Part::Cookie | Part::Header | Part::ArgName);
    let b = t.as_bytes();
    if memchr::memchr2(b'\r', b'\n', b).is_some() {
        let mut i = 0;
        while let Some(off) = b.get(i..).and_then(|r| memchr::memchr2(b'\r', b'\n', r)) {
            let at = i + off;
            let mut j = at;
            while matches!(b.get(j), Some(b'\r' | b'\n')) {
                j += 1;
            }
            let line_breaks = j - at;
            let rest = t.get(j..).unwrap_or_default();
            let ev = snippet(t, at, at + 80);
            // Injection shape: the value opens with the line break (a textarea never does).
            let leading = t.get(..at).is_some_and(|p| p.trim().is_empty());
            if let Some(name) = header_name(rest) {
                let known = HEADERS.contains(&name.to_ascii_lowercase().as_str());
                if reaches_header {
                    push_once(out, since, hit("crlf.header-injection", CLASS, 5, 1, ev));
                } else if leading && (known || name.contains('-')) {
                    // (A dashed token is a header name, not the first word of a paragraph.)
                    push_once(out, since, hit("crlf.header-injection-body", CLASS, 5, 1, ev));
                } else if known && b.contains(&b'\r') {
                    push_once(out, since, hit("crlf.header-injection-body", CLASS, 3, 2, ev));
                }
            } else if status_line(rest) {
                // `\r\nHTTP/1.1 200 OK`: a second response, in any field.
                push_once(out, since, hit("crlf.response-splitting", CLASS, 5, 1, ev));
            } else if rest.starts_with("HTTP/1.") || rest.starts_with("HTTP/2") {
                let score = if reaches_header { 5 } else { 3 };
                push_once(out, since, hit("crlf.response-splitting", CLASS, score, if reaches_header { 1 } else { 2 }, ev));
            } else if line_breaks >= 2 && rest.trim_start().starts_with('<') && reaches_header {
                push_once(out, since, hit("crlf.response-splitting", CLASS, 5, 1, ev));
            } else if matches!(v.part, Part::Path | Part::Cookie | Part::ArgName) {
                // Browsers never send a raw line break in a path or a cookie.
                push_once(out, since, hit("crlf.line-break", CLASS, 5, 1, ev));
            } else if matches!(v.part, Part::QueryValue | Part::ArgName | Part::Header) {
                push_once(out, since, hit("crlf.line-break", CLASS, 2, 2, ev));
            }
            i = j.max(at + 1);
        }
    }
    // A request line inside a value (request smuggling / proxy confusion).
    if reaches_header {
        if let Some(ev) = request_line(t) {
            push_once(out, since, hit("crlf.embedded-request-line", CLASS, 5, 1, ev));
        }
    }
}

/// `HTTP/1.1 200` at the start of `s`.
fn status_line(s: &str) -> bool {
    let b = s.as_bytes();
    s.starts_with("HTTP/") && b.get(5).is_some_and(u8::is_ascii_digit) && {
        let sp = s.find(' ').unwrap_or(0);
        sp > 5 && sp < 10 && b.get(sp + 1..sp + 4).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    }
}

/// `Name:` at the start of `s` (RFC 7230 token, then `:`), returns the name.
fn header_name(s: &str) -> Option<&str> {
    let s = s.trim_start_matches([' ', '\t']);
    let end = s.find(':')?;
    let name = s.get(..end)?;
    let token = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
        && name.bytes().next().is_some_and(|c| c.is_ascii_alphabetic());
    token.then_some(name)
}

/// `METHOD SP target SP HTTP/1.x` anywhere in `t`.
fn request_line(t: &str) -> Option<String> {
    let pos = t.find(" HTTP/")?;
    if !t.get(pos + 6..).is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())) {
        return None;
    }
    let before = t.get(..pos)?;
    let target_start = before.rfind(' ')? + 1;
    let target = before.get(target_start..)?;
    let m_part = before.get(..target_start - 1)?;
    let upper = m_part.bytes().rev().take_while(|c| c.is_ascii_uppercase()).count();
    let method = m_part.get(m_part.len() - upper..)?;
    (METHODS.contains(&method) && (target.starts_with('/') || target.starts_with("http"))).then(|| snippet(t, pos.saturating_sub(40), pos + 12))
}

/// Decodes `%u000d`/`%u000a` and `\u000d`/`\u000a` to CR/LF.
fn decode_unicode_newlines(t: &str) -> String {
    let mut s = t.to_string();
    for (pat, rep) in [("%u000d", "\r"), ("%u000a", "\n"), ("%u000D", "\r"), ("%u000A", "\n"), ("%U000D", "\r"), ("%U000A", "\n"), ("\\u000d", "\r"), ("\\u000a", "\n"), ("\\u000D", "\r"), ("\\u000A", "\n")] {
        if s.contains(pat) {
            s = s.replace(pat, rep);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(part: Part, text: &str) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part, name: "next", text }, &mut out);
        out.iter().filter(|h| h.paranoia == 1).map(|h| h.score).sum()
    }

    #[test]
    fn attacks() {
        for (p, a) in [
            (Part::QueryValue, "/home\r\nSet-Cookie: sid=evil"),
            (Part::Path, "/\r\nSet-Cookie:crlf=injection"),
            (Part::Path, "/%u000aSet-Cookie:crlf=injection"),
            (Part::QueryValue, "foobar\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK"),
            (Part::QueryValue, "x\nrefresh: 0;url=http://evil"),
            (Part::Cookie, "abc\r\nX-Injected: 1"),
            (Part::QueryValue, "GET http://www.foo.bar HTTP/1.1"),
            (Part::Path, "/index.php/PHP\ninfo.php"),
            (Part::QueryValue, "x\r\n\r\n<html>pwn</html>"),
            (Part::BodyValue, "\r\nContent-Length: 0"),
            (Part::BodyValue, "\r\nX-Forwarded-Host: evil.example"),
            (Part::BodyValue, "foobar\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html"),
            (Part::ArgName, "parameter\r\n"),
            (Part::QueryValue, "GET http://www.foo.bar HTTP/3.2"),
        ] {
            assert!(score(p, a) >= 5, "{a:?}");
        }
    }

    #[test]
    fn benign() {
        for (p, b) in [
            (Part::BodyValue, "Dear team,\r\nNote: the meeting moved.\r\nThanks"),
            (Part::BodyValue, "line one\nline two"),
            (Part::BodyValue, "\nPS: see you"),
            (Part::BodyValue, "a\nWell-known: fact"),
            (Part::QueryValue, "hello world"),
            (Part::QueryValue, "multi\nline search"),
            (Part::Header, "text/html, application/xhtml+xml"),
            (Part::BodyValue, "Address:\r\nLocation: Paris"),
            (Part::QueryValue, "time: 10:30"),
        ] {
            assert!(score(p, b) < 5, "{b:?}");
        }
    }
}
