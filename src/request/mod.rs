//! The request model the engine inspects: method, raw request-target, headers (names
//! lower-cased, values as bytes so invalid UTF-8 survives), and the body prefix that was
//! copied (at most `max_body_bytes`) with the total size seen. Submodules parse the parts a
//! request carries values in: `query` (query strings, urlencoded forms, cookies), `json`,
//! `multipart`, `xml`, and `body` (which parser a body gets, by Content-Type or sniffing).

pub mod body;
pub mod corpus;
pub mod json;
pub mod multipart;
pub mod query;
pub mod xml;

pub mod pairs;

/// Bytes as text: borrowed when valid UTF-8 (checked with the fast validator), invalid
/// sequences replaced by U+FFFD otherwise (same result as `String::from_utf8_lossy`).
pub fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    /// The request-target as received (`:path`): path plus query, still percent-encoded.
    pub uri: String,
    /// Header lines in order; names lower-case. Pseudo-headers (`:path`...) are not included.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The inspected body prefix.
    pub body: Vec<u8>,
    /// Total body bytes seen (may exceed `body.len()`).
    pub body_bytes: u64,
    /// True when `body` holds less than the whole body.
    pub body_truncated: bool,
}

impl HttpRequest {
    /// A POST with the given target, headers and body (the tests' request builder).
    #[cfg(test)]
    pub(crate) fn test_post(uri: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            uri: uri.into(),
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())).collect(),
            body: body.as_bytes().to_vec(),
            body_bytes: body.len() as u64,
            body_truncated: false,
        }
    }

    /// First value of header `name` (lower-case), as text (invalid UTF-8 replaced).
    pub fn header(&self, name: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| text(v))
    }

    /// The path part of the request-target (before `?`).
    pub fn path(&self) -> &str {
        match self.uri.split_once('?') {
            Some((path, _)) => path,
            None => &self.uri,
        }
    }

    /// The query string (after the first `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.uri.split_once('?').map(|(_, query)| query)
    }
}

/// Copies body chunks as they stream, keeping at most `limit` bytes and counting the rest.
#[derive(Debug, Default)]
pub struct BodyCollector {
    limit: usize,
    buf: Vec<u8>,
    total: u64,
}

impl BodyCollector {
    pub fn new(limit: usize) -> Self {
        BodyCollector { limit, buf: Vec::new(), total: 0 }
    }

    /// How many more bytes the collector wants.
    pub fn wants(&self) -> usize {
        self.limit.saturating_sub(self.buf.len())
    }

    /// Appends (the wanted part of) a chunk; `chunk_len` is the chunk's full size.
    pub fn push(&mut self, chunk: &[u8], chunk_len: usize) {
        let take = chunk.len().min(self.wants());
        self.buf.extend_from_slice(chunk.get(..take).unwrap_or_default());
        self.total = self.total.saturating_add(chunk_len as u64);
    }

    /// `push` for a chunk the caller owns: the first chunk becomes the buffer (no copy).
    pub fn push_vec(&mut self, chunk: Vec<u8>, chunk_len: usize) {
        if self.buf.is_empty() && chunk.len() <= self.wants() {
            self.buf = chunk;
            self.total = self.total.saturating_add(chunk_len as u64);
        } else {
            self.push(&chunk, chunk_len);
        }
    }

    pub fn is_full(&self) -> bool {
        self.buf.len() >= self.limit
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Moves the collected body into `req`.
    pub fn finish_into(&mut self, req: &mut HttpRequest) {
        req.body = std::mem::take(&mut self.buf);
        req.body_bytes = self.total;
        req.body_truncated = self.total > req.body.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collector_bounds() {
        let mut c = BodyCollector::new(5);
        c.push(b"abc", 3);
        assert_eq!(c.wants(), 2);
        c.push(b"defg", 4);
        assert!(c.is_full());
        c.push(b"", 1000);
        let mut r = HttpRequest::default();
        c.finish_into(&mut r);
        assert_eq!(r.body, b"abcde");
        assert_eq!(r.body_bytes, 1007);
        assert!(r.body_truncated);
        // Owned chunks: the first one is moved in, the rest copied, the limit holds.
        let mut c = BodyCollector::new(5);
        c.push_vec(b"ab".to_vec(), 2);
        c.push_vec(b"cdefg".to_vec(), 5);
        c.push_vec(Vec::new(), 3);
        let mut r = HttpRequest::default();
        c.finish_into(&mut r);
        assert_eq!((r.body.as_slice(), r.body_bytes, r.body_truncated), (&b"abcde"[..], 10, true));
    }

    #[test]
    fn path_and_query() {
        let r = HttpRequest { uri: "/a/b?x=1&y=2?z".into(), ..Default::default() };
        assert_eq!(r.path(), "/a/b");
        assert_eq!(r.query(), Some("x=1&y=2?z"));
        let r = HttpRequest { uri: "/".into(), ..Default::default() };
        assert_eq!(r.query(), None);
    }
}
