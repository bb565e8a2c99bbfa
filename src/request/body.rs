//! Chooses how a body is parsed: by Content-Type when it is one we know, else by sniffing
//! the first bytes (JSON, XML, multipart, urlencoded) so a wrong or missing Content-Type
//! still gets a best-effort inspection. Falls back to raw text.

use super::{json, multipart, xml};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    Empty,
    Form,
    Json,
    Multipart(String),
    Xml,
    Text,
}

/// Decides the body kind. `sniffed` tells whether the Content-Type was ignored.
pub fn classify(content_type: Option<&str>, body: &[u8]) -> (BodyKind, bool) {
    if body.iter().all(|c| c.is_ascii_whitespace()) {
        return (BodyKind::Empty, false);
    }
    let ct = content_type.unwrap_or("").trim().to_ascii_lowercase();
    let mime = ct.split(';').next().unwrap_or("").trim();
    let declared = if mime == "application/x-www-form-urlencoded" {
        Some(BodyKind::Form)
    } else if mime == "application/json" || mime.ends_with("+json") || mime == "text/json" || mime == "application/x-ndjson" {
        Some(BodyKind::Json)
    } else if mime.starts_with("multipart/") {
        content_type.and_then(multipart::boundary).map(BodyKind::Multipart)
    } else if mime.ends_with("/xml") || mime.ends_with("+xml") {
        Some(BodyKind::Xml)
    } else {
        None
    };
    // Trust the declaration when the body agrees with it.
    if let Some(k) = declared {
        let agrees = match &k {
            BodyKind::Json => json::looks_like_json(body),
            BodyKind::Xml => xml::looks_like_xml(body),
            BodyKind::Form => !json::looks_like_json(body),
            _ => true,
        };
        if agrees {
            return (k, false);
        }
    }
    (sniff(body), true)
}

fn sniff(body: &[u8]) -> BodyKind {
    if json::looks_like_json(body) {
        return BodyKind::Json;
    }
    if let Some(b) = multipart::sniff_boundary(body) {
        return BodyKind::Multipart(b);
    }
    if xml::looks_like_xml(body) {
        return BodyKind::Xml;
    }
    if looks_like_form(body) {
        return BodyKind::Form;
    }
    BodyKind::Text
}

/// `name=value(&name=value)*` with a token-like first name.
fn looks_like_form(body: &[u8]) -> bool {
    let first = body.split(|c| *c == b'&').next().unwrap_or_default();
    match memchr::memchr(b'=', first) {
        Some(p) if p > 0 => first.get(..p).is_some_and(|n| n.iter().all(|c| c.is_ascii_alphanumeric() || b"_-.[]%".contains(c))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_type_and_sniffed() {
        assert_eq!(classify(Some("application/json; charset=utf-8"), b"{\"a\":1}"), (BodyKind::Json, false));
        assert_eq!(classify(Some("application/x-www-form-urlencoded"), b"a=1"), (BodyKind::Form, false));
        assert_eq!(classify(Some("application/x-www-form-urlencoded"), b"{\"a\":1}"), (BodyKind::Json, true));
        assert_eq!(classify(None, b"<?xml version='1.0'?><a/>"), (BodyKind::Xml, true));
        assert_eq!(classify(Some("text/plain"), b"id=1&x=2"), (BodyKind::Form, true));
        assert_eq!(classify(None, b"' or 1=1 --"), (BodyKind::Text, true));
        assert_eq!(classify(Some("multipart/form-data; boundary=zz"), b"--zz\r\n"), (BodyKind::Multipart("zz".into()), false));
        assert_eq!(classify(None, b"  "), (BodyKind::Empty, false));
    }
}
