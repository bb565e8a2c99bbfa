//! Decoders: undo the encodings attackers use to hide payloads, and produce the decoded
//! *variants* of one value that the detectors read. Each variant carries the names of the
//! decoders applied, in order (`url`, `html`, `js`, `base64`, `sqlfold`, `path`...), which
//! become `Finding::decoders`. Everything is bounded (passes, output size) and lossless in
//! spirit: invalid UTF-8 is inspected lossily, never dropped.
//!
//! Case folding is done by the detectors themselves (they match ASCII case-insensitively),
//! so no lower-cased variant is produced; `fold_case` exists for callers that need it.

use std::borrow::Cow;

pub mod base64;
pub mod html;
pub mod join;
pub mod js;
pub mod markup;
pub mod path;
pub mod url;
pub mod utf7;

/// Maximum URL-decoding passes (1 = single encoding, 3 = triple).
pub const MAX_URL_PASSES: usize = 3;
/// Maximum variants of one value (including the value itself).
pub const MAX_VARIANTS: usize = 10;

/// One decoded form of a value (the value itself is borrowed, not copied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant<'a> {
    pub text: Cow<'a, str>,
    pub decoders: Vec<&'static str>,
}

/// Which extra decoders fit the value's origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeOpts {
    /// Normalise as a URL path (`//`, `/./`, `\`).
    pub path: bool,
}

fn push<'a>(out: &mut Vec<Variant<'a>>, text: impl Into<Cow<'a, str>>, decoders: Vec<&'static str>) -> bool {
    let text = text.into();
    if out.len() >= MAX_VARIANTS || out.iter().any(|v| v.text == text) {
        return false;
    }
    out.push(Variant { text, decoders });
    true
}

/// The characters browsers and parsers skip: NUL, C0 controls (`<scr\0ipt>`, `java\tscript:`)
/// and invisible format characters (zero-width space/joiners, soft hyphen, BOM).
fn invisible(c: char) -> bool {
    matches!(c, '\0' | '\t' | '\r' | '\n' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{00AD}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}')
}

/// The ASCII characters among `invisible`.
fn invisible_byte(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\r' | b'\n')
}

/// Produces the distinct decoded variants of `text` (which is the value as extracted, with
/// the decoders that extraction already applied in `base`). The first variant is the value
/// itself. Identical variants are deduplicated.
pub fn variants<'a>(text: &'a str, base: &[&'static str], opts: DecodeOpts, out: &mut Vec<Variant<'a>>) {
    out.clear();
    push(out, text, base.to_vec());
    expand(Cow::Borrowed(text), base, opts, out, MAX_BASE64_DEPTH);
}

/// Base64 inside base64 is decoded this many times.
pub const MAX_BASE64_DEPTH: usize = 2;

/// Pushes the decoded variants of `text` (already pushed itself) whose decoders so far are
/// `base`; a whole value that is base64 of text is expanded the same way (up to `depth`).
fn expand<'a>(text: Cow<'a, str>, base: &[&'static str], opts: DecodeOpts, out: &mut Vec<Variant<'a>>, depth: usize) {
    // The value as decoded so far: borrowed until a decoder changes it.
    let mut cur: Cow<'a, str> = text.clone();
    let mut chain: Vec<&'static str> = base.to_vec();

    // URL, HTML-entity and JS/CSS escape layers, peeled until none is left.
    let js_octal = peel(&mut cur, &mut chain, out);
    extra_variants(&cur, &chain, js_octal, out);
    // NUL, C0 controls and invisible format characters (see `invisible`).
    let ctl = cur.bytes().any(|b| b < 0x20);
    let non_ascii = !cur.is_ascii();
    if (ctl || non_ascii) && cur.len() < 65_536 {
        let d: Option<String> = if non_ascii {
            cur.chars().any(invisible).then(|| cur.chars().filter(|c| !invisible(*c)).collect())
        } else if cur.bytes().any(invisible_byte) {
            // ASCII: the invisible characters are single bytes; copy the runs between them.
            let mut kept: Vec<u8> = Vec::with_capacity(cur.len());
            for run in cur.as_bytes().split(|b| invisible_byte(*b)) {
                kept.extend_from_slice(run);
            }
            String::from_utf8(kept).ok()
        } else {
            None
        };
        if let Some(d) = d.filter(|d| *d != *cur) {
            let mut c = chain.clone();
            c.push("strip-ctl");
            push(out, d, c);
        }
    }
    // Unicode look-alikes that case mapping or "best fit" code-page conversion turn into
    // ASCII (`ſ` → `s`, `ı` → `i`, `K` → `k`, full-width `＜` → `<`).
    if non_ascii && cur.chars().any(|c| fold_unicode_char(c).is_some()) && cur.len() < 65_536 {
        let d: String = cur.chars().map(|c| fold_unicode_char(c).unwrap_or(c)).collect();
        if d != *cur {
            let mut c = chain.clone();
            c.push("unicode");
            push(out, d, c);
        }
    }
    // `+` as a space when a second form-decoding happens (`1+union+select+1`).
    if memchr::memchr(b'+', cur.as_bytes()).is_some() && memchr::memchr(b' ', cur.as_bytes()).is_none() {
        let d = cur.replace('+', " ");
        let mut c = chain.clone();
        c.push("plus");
        push(out, d, c);
    }
    // Backslash-escaped quotes (`\"`, `\'`) as a JSON or C string would unescape them.
    if memchr::memchr(b'\\', cur.as_bytes()).is_some() && (cur.contains("\\\"") || cur.contains("\\'")) {
        let d = cur.replace("\\\"", "\"").replace("\\'", "'");
        if d != *cur {
            let mut c = chain.clone();
            c.push("unescape");
            push(out, d, c);
        }
    }
    // SQL comment and whitespace folding (`UN/**/ION`, `/*!50000select*/`).
    if memchr::memmem::find(cur.as_bytes(), b"/*").is_some() {
        let d = fold_sql(&cur);
        if d != *cur {
            let mut c = chain.clone();
            c.push("sqlfold");
            push(out, d, c);
        }
    }
    // Base64, only when the whole value looks like it and decodes to text.
    // The decoded text is expanded in turn: its own escape layers (base64 of URL-encoded
    // text), comment splits, or base64 again.
    let candidates: &[&str] = if *cur == *text { &[text.as_ref()] } else { &[text.as_ref(), cur.as_ref()] };
    let decoded = if depth > 0 { candidates.iter().find_map(|c| base64::decode_text(c)) } else { None };
    if let Some(d) = decoded {
        let mut c = base.to_vec();
        c.push("base64");
        if push(out, d.clone(), c.clone()) {
            expand(Cow::Owned(d), &c, opts, out, depth - 1);
        }
    }
    // Base64 payloads of `data:` URLs (`data:…;base64,PHNjcmlwdD4…`), decoded in place.
    if let Some(d) = base64::decode_data_urls(&cur) {
        let mut c = chain.clone();
        c.push("base64");
        push(out, d, c);
    }
    if opts.path && !path::is_normal(&cur) {
        let n = path::normalize(&cur);
        if n != *cur {
            let mut c = chain.clone();
            c.push("path");
            push(out, n, c);
        }
    }
}

/// Maximum escape layers peeled (a layer is a run of URL passes, an HTML-entity decode or a
/// JS/CSS-escape decode): `\u0025\u0032\u0037` is JS over URL, base64 over URL over JS…
pub const MAX_LAYERS: usize = 6;

/// Peels URL escapes (repeated: double/triple encoding, `%uXXXX`, overlong UTF-8), then HTML
/// entities, then JS/CSS escapes, and again while a layer reveals another (bounded by
/// `MAX_LAYERS` and `MAX_URL_PASSES` per layer), pushing each decoded form as a variant.
/// Returns the JS-octal reading of the first JS layer when it differs from the CSS one.
fn peel<'a>(cur: &mut Cow<'a, str>, chain: &mut Vec<&'static str>, out: &mut Vec<Variant<'a>>) -> Option<String> {
    let mut js_octal = None;
    let mut layers = 0;
    loop {
        let before = layers;
        // URL decoding, repeated.
        let mut url_layer = false;
        for _ in 0..MAX_URL_PASSES {
            if !url::has_escapes(cur) {
                break;
            }
            let d = url::decode_str(cur, false);
            if d == **cur {
                break;
            }
            chain.push("url");
            *cur = Cow::Owned(d);
            push(out, cur.clone(), chain.clone());
            url_layer = true;
        }
        if url_layer {
            layers += 1;
        }
        // HTML entities, then URL again if the entities revealed escapes.
        if layers < MAX_LAYERS && html::has_entities(cur) {
            let mut d = html::decode(cur);
            if d != **cur {
                chain.push("html");
                // Double-encoded entities (`&amp;tab;`), as XML attributes carry them.
                if html::has_entities(&d) {
                    let d2 = html::decode(&d);
                    if d2 != d {
                        chain.push("html");
                        d = d2;
                    }
                }
                if url::has_escapes(&d) {
                    let d2 = url::decode_str(&d, false);
                    if d2 != d {
                        chain.push("url");
                        d = d2;
                    }
                }
                *cur = Cow::Owned(d);
                push(out, cur.clone(), chain.clone());
                layers += 1;
            }
        }
        // JS-string octal escapes (`'\74img…\76'`) where the CSS reading below differs.
        if before == 0 && js::has_short_octal(cur) {
            js_octal = Some(js::decode_js_octal(cur));
        }
        // JS / CSS escapes.
        if layers < MAX_LAYERS && js::has_escapes(cur) {
            let mut d = js::decode(cur);
            if d != **cur {
                chain.push("js");
                if html::has_entities(&d) {
                    let d2 = html::decode(&d);
                    if d2 != d {
                        chain.push("html");
                        d = d2;
                    }
                }
                *cur = Cow::Owned(d);
                push(out, cur.clone(), chain.clone());
                layers += 1;
            }
        }
        // Another round only when a decoder after the URL passes revealed new escapes.
        let revealed = url::has_escapes(cur) || html::has_entities(cur) || js::has_escapes(cur);
        if layers == before || layers >= MAX_LAYERS || !revealed || layers == before + usize::from(url_layer) {
            return js_octal;
        }
    }
}

/// Decodings that only some targets apply: JS octal string escapes, UTF-7 (a page served or
/// sniffed as UTF-7), and tag stripping by naive sanitizers (`o<x>nclick`).
fn extra_variants(cur: &str, chain: &[&'static str], js_octal: Option<String>, out: &mut Vec<Variant<'_>>) {
    let with = |name: &'static str| {
        let mut c = chain.to_vec();
        c.push(name);
        c
    };
    if let Some(d) = js_octal {
        if d != cur {
            push(out, d, with("js"));
        }
    }
    if utf7::looks_encoded(cur) {
        let d = utf7::decode(cur);
        if d != cur {
            push(out, d, with("utf7"));
        }
    }
    if memchr::memchr(b'<', cur.as_bytes()).is_some() && markup::has_inline_tags(cur) {
        push(out, markup::strip_inline_tags(cur), with("strip-tags"));
    }
    if memchr::memchr2(b'*', b',', cur.as_bytes()).is_some() && join::has_splits(cur) {
        let joined = join::join(cur);
        // `1+un/**/ion+sel/**/ect+1`: the `+` spaces of a second form-decoding as well.
        let plus = (memchr::memchr(b'+', joined.as_bytes()).is_some() && !joined.contains(' ')).then(|| joined.replace('+', " "));
        push(out, joined, with("join"));
        if let Some(p) = plus {
            let mut c = with("join");
            c.push("plus");
            push(out, p, c);
        }
    }
}

/// `b` without the spans `skip` reports: at each position, `skip(i)` gives the length of a
/// span to drop there (`None`: keep the byte). Invalid UTF-8 is replaced.
fn without_spans(b: &[u8], skip: impl Fn(usize) -> Option<usize>) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match skip(i) {
            Some(n) if n > 0 => i += n,
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The ASCII character a Unicode look-alike folds to, if any.
pub fn fold_unicode_char(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0),
        '\u{017F}' => Some('s'),
        '\u{0131}' => Some('i'),
        '\u{212A}' => Some('k'),
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{2032}' => Some('\''),
        '\u{201C}' | '\u{201D}' | '\u{2033}' => Some('"'),
        '\u{2039}' | '\u{00AB}' => Some('<'),
        '\u{203A}' | '\u{00BB}' => Some('>'),
        '\u{02C2}' => Some('<'),
        '\u{02C3}' => Some('>'),
        _ => None,
    }
}

/// ASCII lower-casing (the case folding detectors use).
pub fn fold_case(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Removes SQL block comments (keeping the body of MySQL `/*! ... */` version comments),
/// replacing each with a space as SQL engines do, then collapses runs of whitespace.
/// Bounded by the input length.
pub fn fold_sql(s: &str) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(0);
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let start = i + 2;
            let end = find_from(b, start, b"*/");
            let body_end = end.unwrap_or(b.len());
            if b.get(start) == Some(&b'!') {
                // MySQL executable comment: keep the body, minus an optional version number.
                let mut j = start + 1;
                while j < body_end && b.get(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
                out.push(b' ');
                out.extend_from_slice(b.get(j..body_end).unwrap_or_default());
                out.push(b' ');
            } else {
                out.push(b' ');
            }
            i = end.map(|e| e + 2).unwrap_or(b.len());
            continue;
        }
        out.push(c);
        i += 1;
    }
    // Collapse whitespace.
    let mut folded: Vec<u8> = Vec::with_capacity(out.len());
    let mut ws = false;
    for c in out {
        if c.is_ascii_whitespace() {
            if !ws {
                folded.push(b' ');
            }
            ws = true;
        } else {
            folded.push(c);
            ws = false;
        }
    }
    String::from_utf8_lossy(&folded).into_owned()
}

/// Position of `needle` in `hay` at or after `from`.
pub fn find_from(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let rest = hay.get(from..)?;
    memchr::memmem::find(rest, needle).map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vs(s: &str) -> Vec<Variant<'_>> {
        let mut out = Vec::new();
        variants(s, &[], DecodeOpts::default(), &mut out);
        out
    }

    #[test]
    fn double_url_then_decoders_listed() {
        let v = vs("%253Cscript%253E");
        assert_eq!(v[0].text, "%253Cscript%253E");
        let last = v.iter().find(|x| x.text == "<script>").expect("decoded");
        assert_eq!(last.decoders, vec!["url", "url"]);
    }

    #[test]
    fn html_then_js() {
        let v = vs("&lt;img src=x onerror=\\u0061lert(1)&gt;");
        assert!(v.iter().any(|x| x.text == "<img src=x onerror=alert(1)>" && x.decoders == vec!["html", "js"]), "{v:?}");
    }

    #[test]
    fn layers_peeled_in_any_order() {
        // UTF-16-style `\u00XX` escapes of a URL-encoded payload (JS over URL over URL).
        let js_url: String = "%253Csvg%2520onload%253Dalert(1)%253E".chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
        let v = vs(&js_url);
        let d = v.iter().find(|x| x.text == "<svg onload=alert(1)>").expect("decoded");
        assert_eq!(d.decoders, vec!["js", "url", "url"]);
        // HTML entities over JS escapes over URL escapes.
        assert!(vs("&#x5c;u0025&#x5c;u0032&#x5c;u0037 or 1=1").iter().any(|x| x.text == "' or 1=1"), "{:?}", vs("&#x5c;u0025&#x5c;u0032&#x5c;u0037 or 1=1"));
    }

    #[test]
    fn base64_expanded_like_any_value() {
        // base64 of URL-encoded text; base64 of base64; `+` read as a space.
        let b64 = |s: &str| {
            const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut o = String::new();
            for ch in s.as_bytes().chunks(3) {
                let n = ch.iter().enumerate().fold(0u32, |a, (i, &b)| a | (u32::from(b) << (16 - 8 * i)));
                for i in 0..=ch.len() {
                    o.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
                }
            }
            o
        };
        let s1 = b64("%27%20union%20select%201%2C2--");
        let v = vs(&s1);
        assert!(v.iter().any(|x| x.text == "' union select 1,2--" && x.decoders == vec!["base64", "url"]), "{v:?}");
        let s2 = b64(&b64("/etc/passwd"));
        let v = vs(&s2);
        assert!(v.iter().any(|x| x.text == "/etc/passwd" && x.decoders == vec!["base64", "base64"]), "{v:?}");
        let s3 = b64("<svg/onload=alert(1)>>").replace('+', " ");
        let v = vs(&s3);
        assert!(v.iter().any(|x| x.text.starts_with("<svg/onload=alert(1)>")), "{v:?}");
        // Comment splits inside base64 are folded too.
        let s4 = b64("1 un/**/ion sel/**/ect 2");
        let v = vs(&s4);
        assert!(v.iter().any(|x| x.text.contains("union select")), "{v:?}");
    }

    #[test]
    fn plain_value_has_one_variant() {
        assert_eq!(vs("hello world").len(), 1);
    }

    #[test]
    fn sql_fold() {
        assert_eq!(fold_sql("UNION/**/SELECT/**/1"), "UNION SELECT 1");
        assert_eq!(fold_sql("1/*!50000union*/ /*!select*/ 2"), "1 union select 2");
        assert_eq!(fold_sql("a /* open"), "a ");
    }

    #[test]
    fn base64_variant() {
        let v = vs("PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==");
        assert!(v.iter().any(|x| x.text == "<script>alert(1)</script>" && x.decoders == vec!["base64"]), "{v:?}");
        assert_eq!(vs("abcdefgh12345678").len(), 1, "random token is not decoded");
    }

    #[test]
    fn unescape_and_invisible() {
        let v = vs("0\\\"XOR(1)\\\"");
        assert!(v.iter().any(|x| x.text == "0\"XOR(1)\"" && x.decoders == vec!["unescape"]), "{v:?}");
        let v = vs("un\u{200B}ion se\u{200B}lect");
        assert!(v.iter().any(|x| x.text == "union select"), "{v:?}");
    }

    #[test]
    fn unicode_lookalikes() {
        let v = vs("\u{FF1C}\u{017F}cript\u{FF1E}");
        assert!(v.iter().any(|x| x.text == "<script>" && x.decoders == vec!["unicode"]), "{v:?}");
    }

    #[test]
    fn joined_keywords() {
        let v = vs("1+un/**/ion+sel/**/ect+1,2--");
        assert!(v.iter().any(|x| x.text == "1 union select 1,2--" && x.decoders == vec!["join", "plus"]), "{v:?}");
        let v = vs("+ADw-i+AD4-");
        assert!(v.iter().any(|x| x.text == "<i>" && x.decoders == vec!["utf7"]), "{v:?}");
    }

    #[test]
    fn data_url_payload() {
        let v = vs("<a href=\"data:application/x-x509-user-cert;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">");
        assert!(v.iter().any(|x| x.text.contains("<script>alert(1)</script>") && x.decoders == vec!["base64"]), "{v:?}");
    }

    #[test]
    fn ctl_stripped() {
        let v = vs("java\tscript:alert(1)");
        assert!(v.iter().any(|x| x.text == "javascript:alert(1)"));
    }

    #[test]
    fn path_variant() {
        let mut out = Vec::new();
        variants("/a/./b//..\\win", &[], DecodeOpts { path: true }, &mut out);
        assert!(out.iter().any(|x| x.decoders == vec!["path"]), "{out:?}");
    }
}
