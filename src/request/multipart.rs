//! `multipart/form-data`: splits a body on its boundary into parts with their headers,
//! field name, filename and content. Tolerates truncated input (a last part without its
//! closing delimiter is kept), LF-only line ends, and bounds the number of parts.

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartData<'a> {
    pub name: String,
    pub filename: Option<String>,
    /// Part headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The part's bytes, as sent (extraction converts them to text, uploaded files only in part).
    pub content: &'a [u8],
}

/// The boundary parameter of a multipart Content-Type, if any.
pub fn boundary(content_type: &str) -> Option<String> {
    param(content_type, "boundary").filter(|b| !b.is_empty() && b.len() <= 200)
}

/// A `;`-separated parameter of a header value (quotes removed), case-insensitive name.
pub fn param(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if k.trim().eq_ignore_ascii_case(name) {
            let v = v.trim();
            Some(v.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(v).to_string())
        } else {
            None
        }
    })
}

/// Guesses the boundary of a body whose Content-Type is missing: a first line `--token`.
pub fn sniff_boundary(body: &[u8]) -> Option<String> {
    let first = body.split(|c| *c == b'\n').next()?;
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    let b = first.strip_prefix(b"--")?;
    if b.is_empty() || b.len() > 200 || !b.iter().all(|c| c.is_ascii_graphic()) {
        return None;
    }
    let head = body.get(..body.len().min(4096)).unwrap_or_default();
    if !head.windows(19).any(|w| w.eq_ignore_ascii_case(b"content-disposition")) {
        return None;
    }
    std::str::from_utf8(b).ok().map(str::to_string)
}

/// Splits `body` into at most `max_parts` parts. Returns the parts and whether some were cut.
pub fn parse<'a>(body: &'a [u8], boundary: &str, max_parts: usize) -> (Vec<PartData<'a>>, bool) {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let mut parts = Vec::new();
    let mut truncated = false;
    let finder = memchr::memmem::Finder::new(d);
    let mut pos = match finder.find(body) {
        Some(p) => p + d.len(),
        None => return (parts, false),
    };
    loop {
        let rest = body.get(pos..).unwrap_or_default();
        if rest.starts_with(b"--") {
            break; // closing delimiter
        }
        let (chunk, next) = match finder.find(rest) {
            Some(p) => (rest.get(..p).unwrap_or_default(), Some(pos + p + d.len())),
            None => (rest, None),
        };
        if chunk.iter().any(|c| !c.is_ascii_whitespace()) {
            if parts.len() >= max_parts {
                truncated = true;
                break;
            }
            parts.push(part(chunk));
        }
        match next {
            Some(n) => pos = n,
            None => break,
        }
    }
    (parts, truncated)
}

fn part(chunk: &[u8]) -> PartData<'_> {
    let chunk = chunk.strip_prefix(b"\r\n").or_else(|| chunk.strip_prefix(b"\n")).unwrap_or(chunk);
    let (head, content) = match memchr::memmem::find(chunk, b"\r\n\r\n") {
        Some(p) => (chunk.get(..p).unwrap_or_default(), chunk.get(p + 4..).unwrap_or_default()),
        None => match memchr::memmem::find(chunk, b"\n\n") {
            Some(p) => (chunk.get(..p).unwrap_or_default(), chunk.get(p + 2..).unwrap_or_default()),
            None => (chunk, &b""[..]),
        },
    };
    let content = content.strip_suffix(b"\r\n").or_else(|| content.strip_suffix(b"\n")).unwrap_or(content);
    let mut headers = Vec::new();
    let mut name = String::new();
    let mut filename = None;
    for line in super::text(head).lines().take(32) {
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim().to_string();
            if k == "content-disposition" {
                name = param(&v, "name").unwrap_or_default();
                filename = param(&v, "filename").or_else(|| param(&v, "filename*"));
            }
            headers.push((k, v));
        }
    }
    PartData { name, filename, headers, content }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a<b>.php\"\r\nContent-Type: image/png\r\n\r\n<?php system($_GET[1]); ?>\r\n--XyZ--\r\n";

    #[test]
    fn parts() {
        assert_eq!(boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(), Some("XyZ"));
        let (p, t) = parse(BODY, "XyZ", 10);
        assert!(!t);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "title");
        assert_eq!(p[0].content, b"hello");
        assert_eq!(p[1].filename.as_deref(), Some("a<b>.php"));
        assert_eq!(p[1].headers[1], ("content-type".to_string(), "image/png".to_string()));
        assert_eq!(sniff_boundary(BODY).as_deref(), Some("XyZ"));
    }

    #[test]
    fn truncated_and_lf() {
        let body = b"--b0undary\nContent-Disposition: form-data; name=a\n\nvalue that is cut";
        let (p, _) = parse(body, "b0undary", 10);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].content, b"value that is cut");
        let (p, t) = parse(BODY, "XyZ", 1);
        assert_eq!(p.len(), 1);
        assert!(t);
        assert!(parse(b"no delimiter", "XyZ", 5).0.is_empty());
    }
}
