//! A bounded, iterative JSON walker: yields every string value (and number) with its path
//! (`a.b[2].c`) and every object key. No recursion, so nesting depth cannot overflow the
//! stack; paths deeper than `max_depth` are cut (the values are still yielded, under the
//! deepest kept path) and reported as truncated. Lenient: stops at the first syntax error
//! and reports it, keeping what was read.

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

fn path_of(stack: &[Frame], max_depth: usize) -> String {
    let mut p = String::new();
    for f in stack.iter().take(max_depth) {
        match f {
            Frame::Obj { key, .. } => {
                if !p.is_empty() {
                    p.push('.');
                }
                p.push_str(key);
            }
            Frame::Arr { idx } => {
                p.push('[');
                p.push_str(&idx.to_string());
                p.push(']');
            }
        }
    }
    p
}

/// Whether `b` starts (after whitespace) like a JSON object or array.
pub fn looks_like_json(b: &[u8]) -> bool {
    matches!(b.iter().find(|c| !c.is_ascii_whitespace()), Some(b'{' | b'['))
}

/// Parses a JSON string starting after the opening quote at `i`. Returns the text and the
/// index after the closing quote (or the end, if unterminated).
fn string_at(b: &[u8], mut i: usize) -> (String, usize, bool) {
    let mut out: Vec<u8> = Vec::new();
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => return (String::from_utf8_lossy(&out).into_owned(), i + 1, true),
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
                out.push(c);
                i += 1;
            }
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), b.len(), false)
}

/// Walks `b`, yielding at most `max_items` items.
pub fn walk(b: &[u8], max_depth: usize, max_items: usize) -> JsonDoc {
    let mut doc = JsonDoc::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    let mut depth_cut = false;
    let push_item = |doc: &mut JsonDoc, item: JsonItem| {
        if doc.items.len() >= max_items {
            doc.truncated = true;
        } else {
            doc.items.push(item);
        }
    };
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
                    doc.error = Some("unterminated string".into());
                }
                if stack.len() > max_depth {
                    depth_cut = true;
                }
                let is_key = matches!(stack.last(), Some(Frame::Obj { expect_key: true, .. }));
                if is_key {
                    let path = path_of(stack.get(..stack.len().saturating_sub(1)).unwrap_or_default(), max_depth);
                    if let Some(Frame::Obj { key, expect_key }) = stack.last_mut() {
                        *key = text.chars().take(128).collect();
                        *expect_key = false;
                    }
                    push_item(&mut doc, JsonItem { path, text, is_key: true });
                } else {
                    push_item(&mut doc, JsonItem { path: path_of(&stack, max_depth), text, is_key: false });
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while b.get(i).is_some_and(|d| d.is_ascii_digit() || matches!(d, b'-' | b'+' | b'.' | b'e' | b'E')) {
                    i += 1;
                }
                // Numbers cannot carry an attack; they are not yielded.
                let _ = start;
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
                    doc.error = Some(format!("unexpected byte at {i}"));
                    break;
                }
            }
            _ => {
                doc.error = Some(format!("unexpected byte at {i}"));
                break;
            }
        }
    }
    if depth_cut {
        doc.truncated = true;
    }
    if doc.error.is_none() && !stack.is_empty() {
        doc.error = Some("unterminated document".into());
    }
    doc
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
