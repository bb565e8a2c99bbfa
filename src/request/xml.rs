//! A small, bounded XML tokenizer for inspection (not validation): element text, attribute
//! values, CDATA, processing instructions, and the raw DOCTYPE with its internal subset
//! (kept whole so XXE detectors see `<!ENTITY ... SYSTEM ...>`). Element paths are cut at
//! `max_depth`; malformed or truncated input yields what was read.

/// What an XML item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlKind {
    Text,
    Attr,
    Doctype,
    Pi,
    Comment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlItem {
    pub kind: XmlKind,
    /// Element path (`root.user.name`), `@attr` appended for attributes, `!doctype`, `?pi`.
    pub path: String,
    pub text: String,
}

#[derive(Debug, Default, Clone)]
pub struct XmlDoc {
    pub items: Vec<XmlItem>,
    pub truncated: bool,
    /// Any element seen (the body is really markup).
    pub elements: usize,
}

/// Whether `b` starts (after whitespace/BOM) like XML.
pub fn looks_like_xml(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let t: Vec<u8> = b.iter().skip_while(|c| c.is_ascii_whitespace()).take(5).copied().collect();
    t.starts_with(b"<?xml") || t.starts_with(b"<!DOC") || (t.first() == Some(&b'<') && t.get(1).is_some_and(|c| c.is_ascii_alphabetic()))
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    crate::decode::find_from(b, from, needle)
}

fn path(stack: &[String], max_depth: usize) -> String {
    stack.iter().take(max_depth).cloned().collect::<Vec<_>>().join(".")
}

/// Tokenizes `b`, yielding at most `max_items` items.
pub fn parse(b: &[u8], max_depth: usize, max_items: usize) -> XmlDoc {
    let mut doc = XmlDoc::default();
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    let mut add = |doc: &mut XmlDoc, kind, path: String, text: String| {
        if doc.items.len() >= max_items {
            doc.truncated = true;
        } else if !text.trim().is_empty() {
            doc.items.push(XmlItem { kind, path, text });
        }
    };
    while i < b.len() {
        let lt = match memchr::memchr(b'<', b.get(i..).unwrap_or_default()) {
            Some(p) => i + p,
            None => b.len(),
        };
        if lt > i {
            let text = String::from_utf8_lossy(b.get(i..lt).unwrap_or_default()).into_owned();
            add(&mut doc, XmlKind::Text, path(&stack, max_depth), text);
        }
        if lt >= b.len() {
            break;
        }
        let rest = b.get(lt..).unwrap_or_default();
        if rest.starts_with(b"<!--") {
            let end = find(b, lt + 4, b"-->").unwrap_or(b.len());
            let text = String::from_utf8_lossy(b.get(lt + 4..end).unwrap_or_default()).into_owned();
            add(&mut doc, XmlKind::Comment, path(&stack, max_depth), text);
            i = end.saturating_add(3);
        } else if rest.starts_with(b"<![CDATA[") {
            let end = find(b, lt + 9, b"]]>").unwrap_or(b.len());
            let text = String::from_utf8_lossy(b.get(lt + 9..end).unwrap_or_default()).into_owned();
            add(&mut doc, XmlKind::Text, path(&stack, max_depth), text);
            i = end.saturating_add(3);
        } else if rest.len() >= 9 && rest.get(..9).is_some_and(|s| s.eq_ignore_ascii_case(b"<!DOCTYPE")) {
            // The internal subset may contain '>' inside declarations: end at "]>" if there is a '['.
            let bracket = memchr::memchr(b'[', rest);
            let gt = memchr::memchr(b'>', rest);
            let end = match (bracket, gt) {
                (Some(br), Some(g)) if br < g => find(b, lt + br, b"]").and_then(|e| find(b, e, b">")).map(|e| e + 1),
                (_, Some(g)) => Some(lt + g + 1),
                _ => None,
            }
            .unwrap_or(b.len());
            let text = String::from_utf8_lossy(b.get(lt..end).unwrap_or_default()).into_owned();
            add(&mut doc, XmlKind::Doctype, "!doctype".into(), text);
            i = end;
        } else if rest.starts_with(b"<?") {
            let end = find(b, lt + 2, b"?>").unwrap_or(b.len());
            let text = String::from_utf8_lossy(b.get(lt + 2..end).unwrap_or_default()).into_owned();
            add(&mut doc, XmlKind::Pi, "?pi".into(), text);
            i = end.saturating_add(2);
        } else if rest.starts_with(b"</") {
            let end = memchr::memchr(b'>', rest).map(|p| lt + p + 1).unwrap_or(b.len());
            stack.pop();
            i = end;
        } else {
            i = element(b, lt, &mut stack, &mut doc, max_depth, &mut add);
        }
    }
    doc
}

/// Parses a start tag at `lt`; returns the index after it.
fn element(
    b: &[u8],
    lt: usize,
    stack: &mut Vec<String>,
    doc: &mut XmlDoc,
    max_depth: usize,
    add: &mut impl FnMut(&mut XmlDoc, XmlKind, String, String),
) -> usize {
    let mut j = lt + 1;
    let start = j;
    while b.get(j).is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'>' | b'/' | b'<')) {
        j += 1;
    }
    if j == start {
        // A lone '<' in text.
        add(doc, XmlKind::Text, path(stack, max_depth), "<".into());
        return lt + 1;
    }
    let name: String = String::from_utf8_lossy(b.get(start..j).unwrap_or_default()).chars().take(64).collect();
    doc.elements += 1;
    stack.push(name);
    if stack.len() > max_depth {
        doc.truncated = true;
    }
    // Attributes.
    loop {
        while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
            j += 1;
        }
        match b.get(j) {
            None => return b.len(),
            Some(b'>') => return j + 1,
            Some(b'/') if b.get(j + 1) == Some(&b'>') => {
                stack.pop();
                return j + 2;
            }
            Some(b'<') => return j,
            _ => {}
        }
        let an = j;
        while b.get(j).is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'=' | b'>' | b'/')) {
            j += 1;
        }
        if j == an {
            j += 1;
            continue;
        }
        let attr = String::from_utf8_lossy(b.get(an..j).unwrap_or_default()).into_owned();
        while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
            j += 1;
        }
        let (vs, ve, next) = match b.get(j) {
            Some(q @ (b'"' | b'\'')) => {
                let e = memchr::memchr(*q, b.get(j + 1..).unwrap_or_default()).map(|p| j + 1 + p).unwrap_or(b.len());
                (j + 1, e, e + 1)
            }
            _ => {
                let mut e = j;
                while b.get(e).is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>') {
                    e += 1;
                }
                (j, e, e)
            }
        };
        let value = String::from_utf8_lossy(b.get(vs..ve).unwrap_or_default()).into_owned();
        let p = format!("{}@{}", path(stack, max_depth), attr);
        add(doc, XmlKind::Attr, p, value);
        j = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_attrs_doctype() {
        let x = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r><u id='7' n="a&amp;b">&xxe;</u><![CDATA[<x>]]><e/></r>"#;
        let d = parse(x, 16, 100);
        let get = |k: XmlKind| d.items.iter().filter(|i| i.kind == k).map(|i| (i.path.as_str(), i.text.as_str())).collect::<Vec<_>>();
        assert_eq!(get(XmlKind::Doctype), vec![("!doctype", r#"<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#)]);
        assert_eq!(get(XmlKind::Attr), vec![("r.u@id", "7"), ("r.u@n", "a&amp;b")]);
        assert_eq!(get(XmlKind::Text), vec![("r.u", "&xxe;"), ("r", "<x>")]);
        assert!(looks_like_xml(x));
    }

    #[test]
    fn truncated_and_deep() {
        let d = parse(b"<a><b attr=\"unterminated", 16, 100);
        assert_eq!(d.items.len(), 1);
        let deep = "<a>".repeat(10_000);
        let d = parse(deep.as_bytes(), 8, 100);
        assert!(d.truncated);
    }
}
