//! A bounded, iterative JSON walker: yields every string value (and number) with its path
//! (`a.b[2].c`) and every object key. No recursion, so nesting depth cannot overflow the
//! stack; paths deeper than `max_depth` are cut (the values are still yielded, under the
//! deepest kept path) and reported as truncated. Lenient: stops at the first syntax error
//! and reports it, keeping what was read. `walk_each` streams the items without rendering
//! paths or copying unescaped text (extraction renders them only for values it keeps).

use std::borrow::Cow;

/// One item of a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonItem {
    /// Dotted path of the value (`user.tags[0]`), or of the object holding the key.
    pub path: String,
    /// The decoded string (for keys: the key itself).
    pub text: String,
    pub is_key: bool,
}

/// What the walk produced.
#[derive(Debug, Default, Clone)]
pub struct JsonDoc {
    pub items: Vec<JsonItem>,
    /// Depth or item limit hit.
    pub truncated: bool,
    /// First syntax problem, if any.
    pub error: Option<String>,
}

enum Frame {
    Obj { key: String, expect_key: bool },
    Arr { idx: usize },
}

/// The path of the item being yielded, rendered only on demand (most values are dropped by
/// the prefilter before anybody needs their path).
pub struct PathRef<'s> {
    stack: &'s [Frame],
    max_depth: usize,
}

impl PathRef<'_> {
    /// Appends the dotted path (`user.tags[0]`) to `out`.
    pub fn write_to(&self, out: &mut String) {
        use std::fmt::Write;
        let start = out.len();
        for f in self.stack.iter().take(self.max_depth) {
            match f {
                Frame::Obj { key, .. } => {
                    if out.len() > start {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Frame::Arr { idx } => {
                    let _ = write!(out, "[{idx}]");
                }
            }
        }
    }

    /// The dotted path as a new string.
    pub fn render(&self) -> String {
        let mut p = String::with_capacity(48);
        self.write_to(&mut p);
        p
    }
}

/// One item as the walk yields it: text borrowed from the document when it has no escapes.
pub struct ItemRef<'s, 'b> {
    /// Path of the value, or of the object holding the key.
    pub path: PathRef<'s>,
    pub text: Cow<'b, str>,
    pub is_key: bool,
}

/// How a walk ended.
#[derive(Debug, Default, Clone)]
pub struct WalkEnd {
    /// Depth or item limit hit.
    pub truncated: bool,
    /// First syntax problem, if any.
    pub error: Option<String>,
}

/// Whether `b` starts (after whitespace) like a JSON object or array.
pub fn looks_like_json(b: &[u8]) -> bool {
    matches!(b.iter().find(|c| !c.is_ascii_whitespace()), Some(b'{' | b'['))
}

/// Parses a JSON string starting after the opening quote at `i`. Returns the text (borrowed
/// when it holds no escape), the index after the closing quote (or the end, if
/// unterminated) and whether it was closed.
fn string_at(b: &[u8], i: usize) -> (Cow<'_, str>, usize, bool) {
    let rest = b.get(i..).unwrap_or_default();
    match memchr::memchr2(b'"', b'\\', rest) {
        Some(n) if rest.get(n) == Some(&b'"') => (super::text(rest.get(..n).unwrap_or_default()), i + n + 1, true),
        Some(n) => {
            let (s, next, closed) = string_escaped(b, i, n);
            (Cow::Owned(s), next, closed)
        }
        None => (super::text(rest), b.len(), false),
    }
}

/// `string_at` for a string with an escape: `first` bytes after `i` are plain.
fn string_escaped(b: &[u8], start: usize, first: usize) -> (String, usize, bool) {
    let mut out: Vec<u8> = Vec::with_capacity(first + 16);
    out.extend_from_slice(b.get(start..start + first).unwrap_or_default());
    let mut i = start + first;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => return (utf8(out), i + 1, true),
            b'\\' => {
                let e = b.get(i + 1).copied().unwrap_or(b'\\');
                i += 2;
                match e {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'u' => {
                        let hex = b.get(i..i + 4).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u32::from_str_radix(h, 16).ok());
                        match hex {
                            Some(mut cp) => {
                                i += 4;
                                if (0xD800..0xDC00).contains(&cp) && b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
                                    let lo = b.get(i + 2..i + 6).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u32::from_str_radix(h, 16).ok());
                                    if let Some(lo) = lo.filter(|l| (0xDC00..0xE000).contains(l)) {
                                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                        i += 6;
                                    }
                                }
                                let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            }
                            None => out.extend_from_slice(b"\\u"),
                        }
                    }
                    other => out.push(other),
                }
            }
            _ => {
                // Copy the plain run up to the next quote or backslash at once.
                let run = b.get(i..).map_or(0, |r| memchr::memchr2(b'"', b'\\', r).unwrap_or(r.len()));
                out.extend_from_slice(b.get(i..i + run).unwrap_or_default());
                i += run.max(1);
            }
        }
    }
    (utf8(out), b.len(), false)
}

/// Bytes to text without a copy when they are valid UTF-8 (lossy otherwise).
fn utf8(v: Vec<u8>) -> String {
    String::from_utf8(v).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Walks `b`, collecting at most `max_items` items with their paths rendered.
pub fn walk(b: &[u8], max_depth: usize, max_items: usize) -> JsonDoc {
    let mut items = Vec::new();
    let end = walk_each(b, max_depth, max_items, |it| {
        items.push(JsonItem { path: it.path.render(), text: it.text.into_owned(), is_key: it.is_key });
    });
    JsonDoc { items, truncated: end.truncated, error: end.error }
}

/// Walks `b`, handing each of at most `max_items` items to `f` as it is read (no path is
/// rendered, no text copied unless it had escapes).
pub fn walk_each<'b>(b: &'b [u8], max_depth: usize, max_items: usize, mut f: impl FnMut(ItemRef<'_, 'b>)) -> WalkEnd {
    let mut end = WalkEnd::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    let mut depth_cut = false;
    let mut yielded = 0usize;
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b':' => i += 1,
            b'{' => {
                stack.push(Frame::Obj { key: String::new(), expect_key: true });
                i += 1;
            }
            b'[' => {
                stack.push(Frame::Arr { idx: 0 });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Obj { expect_key, .. }) => *expect_key = true,
                    Some(Frame::Arr { idx }) => *idx = idx.saturating_add(1),
                    None => {}
                }
                i += 1;
            }
            b'"' => {
                let (text, next, closed) = string_at(b, i + 1);
                i = next;
                if !closed {
                    end.error = Some("unterminated string".into());
                }
                if stack.len() > max_depth {
                    depth_cut = true;
                }
                let is_key = matches!(stack.last(), Some(Frame::Obj { expect_key: true, .. }));
                let full = yielded >= max_items;
                if full {
                    end.truncated = true;
                }
                if is_key {
                    let parent = stack.len().saturating_sub(1);
                    if !full {
                        yielded += 1;
                        let path = PathRef { stack: stack.get(..parent).unwrap_or_default(), max_depth };
                        f(ItemRef { path, text: text.clone(), is_key: true });
                    }
                    if let Some(Frame::Obj { key, expect_key }) = stack.last_mut() {
                        key.clear();
                        let mut cut = text.len().min(128);
                        while !text.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        key.push_str(text.get(..cut).unwrap_or(""));
                        *expect_key = false;
                    }
                } else if !full {
                    yielded += 1;
                    f(ItemRef { path: PathRef { stack: &stack, max_depth }, text, is_key: false });
                }
            }
            b'-' | b'0'..=b'9' => {
                // Numbers cannot carry an attack; they are not yielded.
                while b.get(i).is_some_and(|d| d.is_ascii_digit() || matches!(d, b'-' | b'+' | b'.' | b'e' | b'E')) {
                    i += 1;
                }
            }
            b't' | b'f' | b'n' => {
                let lit: &[u8] = match c {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                if b.get(i..i + lit.len()) == Some(lit) {
                    i += lit.len();
                } else {
                    end.error = Some(format!("unexpected byte at {i}"));
                    break;
                }
            }
            _ => {
                end.error = Some(format!("unexpected byte at {i}"));
                break;
            }
        }
    }
    if depth_cut {
        end.truncated = true;
    }
    if end.error.is_none() && !stack.is_empty() {
        end.error = Some("unterminated document".into());
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_values_and_keys() {
        let d = walk(br#"{"user":{"name":"a'b","tags":["x","y\u0027"]},"n":5,"ok":true,"k\"":null}"#, 16, 100);
        assert!(d.error.is_none(), "{:?}", d.error);
        let got: Vec<(String, String, bool)> = d.items.iter().map(|i| (i.path.clone(), i.text.clone(), i.is_key)).collect();
        assert!(got.contains(&("user".into(), "name".into(), true)));
        assert!(got.contains(&("user.name".into(), "a'b".into(), false)));
        assert!(got.contains(&("user.tags[1]".into(), "y'".into(), false)));
        assert!(got.contains(&("".into(), "k\"".into(), true)));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut s = String::new();
        for _ in 0..10_000 {
            s.push_str("{\"a\":");
        }
        s.push_str("\"deep\"");
        for _ in 0..10_000 {
            s.push('}');
        }
        let d = walk(s.as_bytes(), 16, 100_000);
        assert!(d.truncated);
        let v = d.items.iter().find(|i| i.text == "deep").expect("value kept");
        assert_eq!(v.path.matches('a').count(), 16);
        let s2 = "[".repeat(50_000);
        let d2 = walk(s2.as_bytes(), 16, 10);
        assert!(d2.error.is_some());
    }

    #[test]
    fn malformed_keeps_prefix() {
        let d = walk(br#"{"a":"x", oops}"#, 16, 100);
        assert!(d.error.is_some());
        assert_eq!(d.items.iter().filter(|i| !i.is_key).count(), 1);
        assert!(looks_like_json(b"  [1]") && !looks_like_json(b"a=1"));
    }
}
