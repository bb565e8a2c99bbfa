//! `name=value` lists: query strings and urlencoded bodies (`&`-separated, `+` as space),
//! and `Cookie` headers (`;`-separated, not percent-decoded). Repeated keys, `a[]=` and
//! empty values are kept as they are; the number of pairs is bounded.

use std::borrow::Cow;

/// One decoded argument (borrowed from the request when nothing needed decoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair<'a> {
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
    /// An overlong UTF-8 sequence was folded while decoding.
    pub overlong: bool,
}

/// Parses a query string / urlencoded body into at most `max` pairs. Returns the pairs and
/// whether some were dropped.
pub fn parse_form(raw: &[u8], max: usize) -> (Vec<Pair<'_>>, bool) {
    let mut out = Vec::new();
    let mut truncated = false;
    for piece in raw.split(|b| *b == b'&') {
        if piece.is_empty() {
            continue;
        }
        if out.len() >= max {
            truncated = true;
            break;
        }
        let (n, v) = match memchr::memchr(b'=', piece) {
            Some(i) => (piece.get(..i).unwrap_or_default(), piece.get(i + 1..).unwrap_or_default()),
            None => (piece, &b""[..]),
        };
        let (name, o1) = crate::decode::url::decode_component_cow(n, true);
        let (value, o2) = crate::decode::url::decode_component_cow(v, true);
        out.push(Pair { name, value, overlong: o1 || o2 });
    }
    (out, truncated)
}

/// Parses a `Cookie` header value into at most `max` pairs (values kept raw, quotes removed).
pub fn parse_cookies(raw: &str, max: usize) -> (Vec<Pair<'_>>, bool) {
    let mut out = Vec::new();
    let mut truncated = false;
    for piece in raw.split(';') {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        if out.len() >= max {
            truncated = true;
            break;
        }
        let (n, v) = piece.split_once('=').unwrap_or((piece, ""));
        let v = v.trim();
        let v = v.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(v);
        out.push(Pair { name: Cow::Borrowed(n.trim()), value: Cow::Borrowed(v), overlong: false });
    }
    (out, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_values<'a>(p: &'a [Pair<'_>]) -> Vec<(&'a str, &'a str)> {
        p.iter().map(|x| (&*x.name, &*x.value)).collect()
    }

    #[test]
    fn form_shapes() {
        let (p, t) = parse_form(b"a=1&a=2&b[]=x+y&c=&d&&e=%27%20or", 100);
        assert!(!t);
        assert_eq!(names_values(&p), vec![("a", "1"), ("a", "2"), ("b[]", "x y"), ("c", ""), ("d", ""), ("e", "' or")]);
    }

    #[test]
    fn form_bounded() {
        let (p, t) = parse_form(b"a=1&b=2&c=3", 2);
        assert_eq!(p.len(), 2);
        assert!(t);
    }

    #[test]
    fn cookies() {
        let (p, _) = parse_cookies("sid=abc; theme=\"dark\" ;x; y=a=b", 10);
        assert_eq!(names_values(&p), vec![("sid", "abc"), ("theme", "dark"), ("x", ""), ("y", "a=b")]);
    }
}
