//! Cross-site scripting detection on top of a small HTML/JS-aware tokenizer (`html`):
//! start tags with their attributes are parsed the way browsers tolerate them (`/` as a
//! separator, unquoted values, unterminated tags), then judged: script-capable tags
//! (`script`, `iframe`, `object`, `embed`, `base`, `meta refresh`...), event handler
//! attributes (`on*=`, also after attribute breaking `" onmouseover=`), script URLs
//! (`javascript:`, `vbscript:`, `data:text/html`...) in any attribute or as the whole value,
//! CSS expressions, SVG/MathML, and JavaScript sinks (`alert(`, `eval(`, `document.cookie`,
//! `String.fromCharCode(`, backtick calls) including in template/attribute breaking
//! (`'-alert(1)-'`, `</script><script>`). Encoded and obfuscated forms reach it through the
//! decoders (entities, escapes, control characters).

pub mod html;

use super::gate::Triggers;
use super::{Hit, Value};

const CLASS: &str = "xss";

/// Tags that run script or load active content by themselves.
const ACTIVE_TAGS: &[&str] = &["script", "iframe", "frame", "frameset", "object", "embed", "applet", "isindex", "vmlframe", "xss", "import", "portal", "fencedframe", "layer", "ilayer", "py-script", "py-repl"];
/// Tags that are dangerous with the right attributes or content.
const RISKY_TAGS: &[&str] = &[
    "svg", "math", "base", "meta", "link", "form", "style", "template", "xml", "bgsound", "layer", "ilayer", "animate", "set", "handler", "listener",
    "xmp", "html", "body",
];
/// Attributes that take a URL a browser may navigate to or load.
const URL_ATTRS: &[&str] = &[
    "href", "src", "action", "formaction", "data", "xlink:href", "background", "dynsrc", "lowsrc", "poster", "code", "codebase",
    "to", "from", "values", "by", "content", "srcset", "icon", "manifest", "longdesc", "profile", "usemap", "cite", "classid",
    "ping", "archive", "folder", "datasrc", "xmlns", "location", "url",
];

/// Sink call names (with their score when called).
const SINK_CALLS: &[(&str, u32)] = &[
    ("alert", 5), ("prompt", 5), ("confirm", 5), ("eval", 5), ("settimeout", 4), ("setinterval", 4), ("fromcharcode", 5),
    ("atob", 3), ("execscript", 5), ("msgbox", 4), ("import", 2), ("fetch", 2),
];
/// Sink expressions (with their score when present).
const SINKS: &[(&str, u32)] = &[
    ("document.cookie", 5), ("document.write", 4), ("document.domain", 4), ("document.location", 4), ("window.location", 3),
    ("location.href", 3), (".innerhtml", 3), (".outerhtml", 3), ("constructor.constructor", 5), ("constructor(", 3),
    ("createelement(", 3), ("window[", 3), ("top[", 3), ("self[", 3), ("parent[", 3), ("globalthis[", 3), ("localstorage", 2),
    ("document.body", 2), (".textcontent", 2), ("document.queryselector", 2), ("document.getelementby", 2), (".appendchild(", 2),
];
/// Global objects used for indirect calls (`top['al'+'ert'](1)`).
const GLOBALS: &[&str] = &["top", "self", "window", "parent", "frames", "globalthis", "this", "content", "opener"];

/// Every needle the scanners look for, in one automaton built once, with the needles by
/// pattern index.
fn automaton() -> &'static (Option<aho_corasick::AhoCorasick>, Vec<&'static str>) {
    static AC: std::sync::OnceLock<(Option<aho_corasick::AhoCorasick>, Vec<&'static str>)> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        let mut pats: Vec<&'static str> = vec!["script:", "data:", "expression", "binding", "behavio", "url(", "@import", "function"];
        pats.extend(SINK_CALLS.iter().map(|(n, _)| *n));
        pats.extend(SINKS.iter().map(|(n, _)| *n));
        pats.extend(GLOBALS.iter().copied());
        let ac = aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(&pats).ok();
        (ac, pats)
    })
}

/// Positions of every needle in `lower` (bounded), as (needle, start).
fn find_needles(lower: &str) -> Vec<(&'static str, usize)> {
    let mut out = Vec::new();
    let (Some(ac), names) = automaton() else { return out };
    for m in ac.find_overlapping_iter(lower).take(512) {
        if let Some(n) = names.get(m.pattern().as_usize()) {
            out.push((*n, m.start()));
        }
    }
    out
}

fn positions<'a>(found: &'a [(&'static str, usize)], needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    found.iter().filter(move |(n, _)| *n == needle).map(|(_, p)| *p)
}

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers { custom: Some(may_match), ..Triggers::NONE };

/// `scan`'s own entry condition: a character markup or script needs, and then an
/// event-handler-named parameter, a needle, an `=`, a `<`, a backtick or obfuscated JS
/// (`/*` or `[]`/`["`/`['`/`[ ` member access, JSFuck).
fn may_match(v: &Value<'_>) -> bool {
    let t = v.text;
    let b = t.as_bytes();
    if encoded_lt(t) {
        return true;
    }
    if t.len() < 3 || !b.iter().any(|c| matches!(c, b'<' | b':' | b'(' | b'`' | b'=' | b'.' | b'[')) {
        return false;
    }
    handler_name(v.name)
        || b.contains(&b'=')
        || b.contains(&b'<')
        || b.contains(&b'`')
        || obfuscated(b)
        || automaton().0.as_ref().is_some_and(|ac| ac.is_match(t))
        || split_scheme(t)
}

/// A parameter named like an event handler (`onfocus`, `onerror`).
fn handler_name(name: &str) -> bool {
    name.len() >= 5 && name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("on"))
}

/// Obfuscated JS without a needle: comments or brackets inside member access, JSFuck.
fn obfuscated(b: &[u8]) -> bool {
    memchr::memchr2_iter(b'/', b'[', b).any(|i| matches!((b.get(i), b.get(i + 1)), (Some(b'/'), Some(b'*')) | (Some(b'['), Some(b']' | b'"' | b'\'' | b' '))))
}

/// A value that is only an encoded `<`, still encoded after decoding: an HTML entity
/// (`&lt`, `&#60;`, `&#x003C`, zero-padded), or a JS escape (`\x3c`, `\u003c`). Filter
/// probes send these to learn which decoding the application applies before the payload.
fn encoded_lt(t: &str) -> bool {
    let t = t.trim();
    if t.len() < 3 || t.len() > 12 {
        return false;
    }
    let l = t.to_ascii_lowercase();
    let l = l.strip_suffix(';').unwrap_or(&l);
    if l == "&lt" || l == "\\x3c" || l == "\\u003c" {
        return true;
    }
    let digits = |d: &str, hex: bool| !d.is_empty() && d.len() <= 8 && d.bytes().all(|c| if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() });
    if let Some(h) = l.strip_prefix("&#x") {
        return digits(h, true) && u32::from_str_radix(h, 16) == Ok(0x3c);
    }
    if let Some(d) = l.strip_prefix("&#") {
        return digits(d, false) && d.parse::<u32>() == Ok(60);
    }
    false
}

/// Tag names spelled to dodge filters: letters split by separators (`<f o r m`,
/// `<d i a l o g`, `<s\tc r i p t`), or a name after a blank and a namespace prefix
/// (`< x: script`). Browsers do not build a tag from these, but filters that normalise
/// input do, and they only ever come from people probing for that.
fn spaced_tags(lower: &str, hits: &mut Vec<Hit>) {
    const NAMES: &[&str] = &[
        "script", "form", "dialog", "svg", "iframe", "frame", "style", "object", "embed", "math", "meta", "base", "link", "img", "image",
        "applet", "body", "input", "button", "video", "audio", "details", "marquee", "template", "isindex", "frameset", "textarea",
        "select", "keygen", "source", "xmp",
    ];
    let b = lower.as_bytes();
    for lt in memchr::memchr_iter(b'<', b).take(64) {
        let mut j = lt + 1;
        if b.get(j) == Some(&b'/') {
            j += 1;
        }
        let blank = b.get(j).is_some_and(|c| c.is_ascii_whitespace());
        while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) && j < lt + 4 {
            j += 1;
        }
        // Single letters with separators between them.
        let mut word = [0u8; 12];
        let mut n = 0usize;
        let mut seps = 0;
        let mut k = j;
        while let Some(&c) = b.get(k) {
            if !c.is_ascii_alphabetic() || b.get(k + 1).is_some_and(u8::is_ascii_alphanumeric) || n >= word.len() {
                break;
            }
            if let Some(w) = word.get_mut(n) {
                *w = c;
            }
            n += 1;
            k += 1;
            let sep_start = k;
            while b.get(k).is_some_and(|c| (c.is_ascii_whitespace() || c.is_ascii_control() || matches!(c, b'/' | b'+' | b'.' | b'-' | b'_')) && *c != b'<') && k < sep_start + 3 {
                k += 1;
            }
            if k == sep_start {
                break;
            }
            seps += 1;
        }
        // The last letter may end the value or be glued to nothing else.
        if let Some(&c) = b.get(k) {
            if c.is_ascii_alphabetic() && !b.get(k + 1).is_some_and(u8::is_ascii_alphanumeric) && n < word.len() {
                if let Some(w) = word.get_mut(n) {
                    *w = c;
                }
                n += 1;
            }
        }
        let spelled = word.get(..n).and_then(|w| std::str::from_utf8(w).ok()).unwrap_or("");
        if n >= 3 && seps >= 2 && NAMES.contains(&spelled) {
            add(hits, "xss.obfuscated-tag", 5, 1, sub(lower, lt, k + 1));
            continue;
        }
        // `< x: script`: a blank after `<`, a namespace prefix, then a tag name.
        if blank {
            let name_end = |from: usize| {
                let mut e = from;
                while b.get(e).is_some_and(u8::is_ascii_alphanumeric) {
                    e += 1;
                }
                e
            };
            let pe = name_end(j);
            if pe > j && b.get(pe) == Some(&b':') {
                let mut t = pe + 1;
                while b.get(t).is_some_and(|c| c.is_ascii_whitespace()) && t < pe + 4 {
                    t += 1;
                }
                let te = name_end(t);
                let name = sub(lower, t, te);
                if ACTIVE_TAGS.contains(&name) || matches!(name, "svg" | "math" | "style" | "form" | "base") {
                    add(hits, "xss.obfuscated-tag", 5, 1, sub(lower, lt, te));
                }
            }
        }
    }
}

/// A script URL scheme split by the tabs and newlines browsers drop inside a scheme
/// (`ja\tvascript:`, `v\nb\ts\nc\nr\ti\tp\nt:`): written that way only to pass filters.
fn split_scheme(t: &str) -> bool {
    let b = t.as_bytes();
    if t.len() > 4096 || memchr::memchr(b':', b).is_none() || !b.iter().any(|c| matches!(c, b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')) {
        return false;
    }
    let folded: String = t.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')).map(|c| c.to_ascii_lowercase()).collect();
    ["javascript:", "vbscript:", "livescript:"].iter().any(|p| {
        folded.match_indices(p).any(|(i, _)| {
            // The scheme starts the value or follows a separator, and was split in the original.
            let before = folded.get(..i).unwrap_or("");
            let starts = before.trim().is_empty() || before.ends_with(['=', '(', '"', '\'', '`', '>', ' ']);
            starts && !t.to_ascii_lowercase().contains(p)
        })
    })
}

/// Scans one value for XSS.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let t = v.text;
    let b = t.as_bytes();
    // (Also the class gate's condition: widen it there, not here.)
    if !may_match(v) {
        return;
    }
    if handler_name(v.name) {
        handler_param(v.name, &t.to_ascii_lowercase(), out);
    }
    if encoded_lt(t) {
        out.push(Hit { rule: "xss.encoded-lt-probe", class: CLASS, score: 5, paranoia: 1, evidence: clip(t) });
        return;
    }
    // Needles are matched case-insensitively on the text itself; lower-casing (for the
    // tokenizer and the checks) only happens when something may be there.
    let found = find_needles(t);
    if split_scheme(t) {
        out.push(Hit { rule: "xss.script-url", class: CLASS, score: 5, paranoia: 1, evidence: clip(t) });
    }
    let has_eq = b.contains(&b'=');
    // Obfuscated JS (comments or brackets inside member access, JSFuck) has no needle.
    let backtick = memchr::memchr(b'`', b).is_some();
    if found.is_empty() && !has_eq && !b.contains(&b'<') && !obfuscated(b) && !backtick {
        return;
    }
    let lower = t.to_ascii_lowercase();
    let mut hits: Vec<Hit> = Vec::new();
    if b.contains(&b'<') {
        tags(&lower, &mut hits);
        spaced_tags(&lower, &mut hits);
        for (pi, score) in [("<?import", 5u32), ("<?xml-stylesheet", 4), ("<?xml:namespace", 5)] {
            if let Some(p) = lower.find(pi) {
                add(&mut hits, "xss.processing-instruction", score, 1, sub(&lower, p, p + 60));
            }
        }
    }
    if !found.is_empty() {
        urls(&lower, &found, &mut hits);
        js(&lower, &found, &mut hits);
    }
    // The same JS with comments, whitespace and bracket-string member access folded
    // (`document /**/ . cookie`, `(document)["cookie"]`, `self [ "alert" ]("x")`).
    if let Some(c) = js_compact(&lower, !found.is_empty()) {
        let f = find_needles(&c);
        if !f.is_empty() {
            js(&c, &f, &mut hits);
        }
    }
    jsfuck(&lower, &mut hits);
    if backtick {
        template_calls(&lower, &mut hits);
    }
    if has_eq {
        attribute_break(&lower, &mut hits);
        attribute_break_active(&lower, &mut hits);
    }
    if b.contains(&b'>') || b.contains(&b'*') {
        context_polyglot(&lower, &mut hits);
    }
    if found.iter().any(|(n, _)| matches!(*n, "expression" | "binding" | "behavio" | "url(" | "@import")) {
        css(&lower, &mut hits);
    }
    for h in hits {
        if !out.iter().any(|o| o.rule == h.rule) {
            out.push(h);
        }
    }
}

fn add(hits: &mut Vec<Hit>, rule: &'static str, score: u32, paranoia: u8, evidence: &str) {
    match hits.iter_mut().find(|h| h.rule == rule) {
        Some(h) => {
            if score > h.score {
                h.score = score;
                h.evidence = clip(evidence);
            }
        }
        None => hits.push(Hit { rule, class: CLASS, score, paranoia, evidence: clip(evidence) }),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(120).collect()
}

fn sub(s: &str, a: usize, b: usize) -> &str {
    s.get(a..b.min(s.len())).unwrap_or("")
}

/// Removes what browsers ignore inside a URL scheme: whitespace, controls, quotes at the start.
fn scheme_view(v: &str) -> String {
    v.chars().filter(|c| !c.is_whitespace() && !c.is_control()).take(40).collect::<String>()
}

/// The script-capable URL scheme `v` starts with, if any.
fn script_scheme(v: &str) -> Option<&'static str> {
    let s = scheme_view(v);
    let s = s.trim_start_matches(['"', '\'', '`']);
    for p in ["javascript:", "vbscript:", "livescript:", "mocha:", "jscript:"] {
        if s.starts_with(p) {
            return Some(p);
        }
    }
    if s.starts_with("data:") {
        let media = s.trim_start_matches("data:");
        for m in ["text/html", "image/svg", "application/xhtml", "application/x-javascript", "text/javascript", "application/javascript", "text/xml", "application/xml", "text/x-scriptlet"] {
            if media.starts_with(m) {
                return Some("data:");
            }
        }
    }
    None
}

fn tags(lower: &str, hits: &mut Vec<Hit>) {
    let mut count = 0;
    // A whole XML document (an uploaded SVG image, a feed) rather than markup injected into a page.
    let xml_document = lower.trim_start().starts_with("<?xml");
    for tag in html::Tags::new(lower) {
        count += 1;
        if count > 256 {
            break;
        }
        let ev = sub(lower, tag.start, tag.end);
        // Namespaced names (`<x:script xmlns:x=…>`, `<svg:svg>`) act as the local name.
        let name = tag.name.rsplit(':').next().unwrap_or(tag.name);
        if tag.closing {
            if matches!(name, "script" | "style" | "title" | "textarea" | "noscript" | "iframe" | "xmp" | "template" | "noembed" | "plaintext") {
                add(hits, "xss.context-close", 3, 1, ev);
            }
            continue;
        }
        if ACTIVE_TAGS.contains(&name) {
            add(hits, "xss.active-tag", 5, 1, ev);
        } else if RISKY_TAGS.contains(&name) {
            let score = match name {
                // Markup that changes how the rest of the page is parsed or runs: a new
                // document, script-capable foreign content (SVG, MathML), a style sheet,
                // a raw-text element, XML event handlers, a form or a base URL.
                "svg" | "math" if xml_document => 3,
                "svg" | "math" | "style" | "xml" | "xmp" | "html" | "body" | "listener" | "handler" | "base" | "form" => 5,
                // `<meta charset=…>` / `<meta http-equiv=…>`: charset switching, redirects, cookies.
                "meta" if tag.attrs.iter().any(|a| a.name == "charset" || a.name == "http-equiv") => 5,
                "link" if tag.attrs.iter().any(|a| a.name == "href") => 5,
                "template" => 3,
                _ => 2,
            };
            add(hits, "xss.risky-tag", score, 1, ev);
        } else if tag.attrs.is_empty() && !tag.closed {
            // `<word` without `>` or attributes: likely text (`a <b`), PL2 signal only.
            add(hits, "xss.html-tag", 1, 3, ev);
        } else {
            add(hits, "xss.html-tag", 2, 2, ev);
        }
        for a in &tag.attrs {
            if (URL_ATTRS.contains(&a.name) || a.name.ends_with(":href")) && obfuscated_ip_url(a.value) {
                add(hits, "xss.obfuscated-url", 5, 1, ev);
            }
            if html::is_event_handler(a.name) && a.has_value {
                add(hits, "xss.event-handler", 5, 1, ev);
            }
            if (URL_ATTRS.contains(&a.name) || a.name.ends_with(":href")) && script_scheme(a.value).is_some() {
                add(hits, "xss.script-url", 5, 1, ev);
            }
            if a.name == "srcdoc" && a.value.contains('<') {
                add(hits, "xss.script-url", 5, 1, ev);
            }
            if a.name == "style" && css_dangerous(a.value) {
                add(hits, "xss.css-expression", 5, 1, ev);
            } else if a.name == "style" && a.has_value {
                // Style injection: parser-confusing CSS (escapes, comments, braces, brackets,
                // entity residue) or a resource load is what CSS-based attacks need; a plain
                // `color:red` is only a signal.
                let tricky = a.value.contains(['\\', '{', '}', '[', ']', '&', '<']) || a.value.contains("/*") || a.value.contains("url(") || a.value.contains("@import") || a.value.chars().any(|c| c.is_control());
                add(hits, "xss.style-injection", if tricky { 5 } else { 3 }, 1, ev);
            }
            // `xsi:schemaLocation="ns http://host/x.xsd"` on injected markup: the parser
            // fetches the schema from a host the sender names (out-of-band probe, SSRF).
            if a.name.ends_with("schemalocation") && (a.value.contains("http:") || a.value.contains("https:") || a.value.contains("//")) && !xml_document {
                add(hits, "xss.xml-schema-location", 5, 1, ev);
            }
            if a.name == "dataformatas" && a.value.contains("html") {
                add(hits, "xss.data-binding", 5, 1, ev);
            }
            if a.name == "attributename" && (a.value.contains("href") || a.value.starts_with("on")) {
                add(hits, "xss.svg-animate", 5, 1, ev);
            }
        }
    }
}

/// Script URLs where a value would become a URL: the whole value, or after `=`, `(`, a
/// quote (attribute or CSS context) inside it.
fn urls(lower: &str, found: &[(&'static str, usize)], hits: &mut Vec<Hit>) {
    let b = lower.as_bytes();
    for needle in ["script:", "data:"] {
        for pos in positions(found, needle).take(16) {
            // Walk back to the scheme start, across the tabs and newlines browsers drop
            // inside a scheme (`ja\tvascript:`, `v\nb\ts\nc\nr\ti\tp\nt:`).
            let mut s = pos;
            let mut split = false;
            while s > 0 && s + 40 > pos {
                match b.get(s - 1) {
                    Some(c) if c.is_ascii_alphabetic() => s -= 1,
                    Some(c) if (c.is_ascii_control() || *c == b'\x0c') && s > 1 && b.get(s - 2).is_some_and(u8::is_ascii_alphabetic) => {
                        split = true;
                        s -= 1;
                    }
                    _ => break,
                }
            }
            let Some(scheme) = script_scheme(sub(lower, s, lower.len())).or_else(|| {
                // The walk may have overshot into a preceding word: retry from the last plain run.
                split = false;
                let mut t = pos;
                while t > 0 && b.get(t - 1).is_some_and(|c| c.is_ascii_alphabetic()) {
                    t -= 1;
                }
                s = t;
                script_scheme(sub(lower, t, lower.len()))
            }) else {
                continue;
            };
            let before = lower.get(..s).unwrap_or("").trim_end();
            let at_start = before.trim_start_matches(['"', '\'', '`', ' ']).is_empty();
            let after_sep = before.ends_with(['=', '(', '"', '\'', '`', '>', ',', ';']) || before.ends_with("url") || before.ends_with(':');
            let rest = sub(lower, pos + needle.len(), lower.len());
            let codeish = rest.contains(['(', '`', '=', '\'', '"', ';', '/', '&', '[', '%', '<', '{', '\\']);
            let score = if (at_start || after_sep) && (codeish || scheme == "data:" || split) {
                5
            } else if at_start || after_sep {
                3
            } else {
                2
            };
            add(hits, "xss.script-url", score, 1, sub(lower, s, pos + needle.len() + 40));
        }
    }
}

/// Attribute breaking: a quote (or `>` of a tag being closed) followed by an event handler
/// attribute, e.g. `" onmouseover="alert(1)`, `' autofocus onfocus=alert(1) '`.
fn attribute_break(lower: &str, hits: &mut Vec<Hit>) {
    let b = lower.as_bytes();
    let ons = memchr::memchr_iter(b'o', b).filter(|&p| b.get(p + 1) == Some(&b'n'));
    for pos in ons.take(64) {
        // Must start a word.
        if pos > 0 && b.get(pos - 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-') {
            continue;
        }
        let mut e = pos + 2;
        while b.get(e).is_some_and(u8::is_ascii_alphabetic) {
            e += 1;
        }
        let name = sub(lower, pos, e);
        // Known handler names anywhere; any `on*` name right after a quote (`"onzoom=`).
        let after_quote = {
            let mut q = pos;
            while q > 0 && b.get(q - 1).is_some_and(|c| c.is_ascii_whitespace() || *c == b'/') {
                q -= 1;
            }
            q > 0 && matches!(b.get(q - 1), Some(b'"' | b'\'' | b'`'))
        };
        if name.len() < 5 || !(html::is_known_handler(name) || after_quote) {
            continue;
        }
        let mut k = e;
        while b.get(k).is_some_and(|c| c.is_ascii_whitespace()) {
            k += 1;
        }
        if b.get(k) != Some(&b'=') {
            continue;
        }
        // What precedes the handler: separators, then a quote that closed the attribute.
        let mut p = pos;
        while p > 0 && b.get(p - 1).is_some_and(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'+') {
            p -= 1;
        }
        let prev = if p > 0 { b.get(p - 1).copied() } else { None };
        let broke = matches!(prev, Some(b'"' | b'\'' | b'`')) || lower.get(..p).is_some_and(|x| x.contains(['"', '\'']));
        let value = sub(lower, k + 1, k + 80);
        let codeish = value.contains(['(', '`', '=']) || value.contains("javascript") || value.contains("location") || value.contains("alert");
        let at_start = lower.get(..p).is_some_and(|x| x.trim().is_empty());
        // `"onfocus=`, `'onpointerenter=`: the value opens by closing the attribute and
        // names a real handler; the page supplies the rest.
        let opens_with_break = lower.get(..p.saturating_sub(1)).is_some_and(|x| x.trim_matches(|c: char| c.is_whitespace() || c == '<' || c == '>').is_empty())
            && matches!(prev, Some(b'"' | b'\'' | b'`'));
        let score = if (broke || at_start) && codeish || (opens_with_break && html::is_known_handler(name)) {
            5
        } else if broke || (p < pos && codeish) {
            4
        } else if codeish {
            3
        } else {
            2
        };
        add(hits, "xss.attribute-break", score, 1, sub(lower, p.saturating_sub(1), k + 40));
    }
}

/// Attribute breaking into an attribute that runs or loads script without an `on*` name:
/// `'formaction=`, `" xlink:href=`, `" srcdoc=`, `' style=…expression(`, when the value
/// opens with the quote that closes the attribute it landed in.
fn attribute_break_active(lower: &str, hits: &mut Vec<Hit>) {
    let t = lower.trim_start();
    let Some(rest) = t.strip_prefix(['"', '\'', '`']) else { return };
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
    for name in ["formaction", "xlink:href", "srcdoc", "style"] {
        let Some(after) = rest.strip_prefix(name) else { continue };
        if !after.trim_start().starts_with('=') {
            continue;
        }
        let value = after.trim_start().trim_start_matches('=');
        let ok = match name {
            "style" => css_dangerous(value) || value.contains("expression"),
            _ => true,
        };
        if ok {
            add(hits, "xss.attribute-break", 5, 1, sub(t, 0, 60));
        }
        return;
    }
}

/// JavaScript sinks and calls used to prove or exploit XSS.
fn js(lower: &str, found: &[(&'static str, usize)], hits: &mut Vec<Hit>) {
    let b = lower.as_bytes();
    for &(name, score) in SINK_CALLS {
        for pos in positions(found, name).take(16) {
            let word_start = pos == 0 || !b.get(pos - 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$');
            if !word_start && name != "fromcharcode" {
                continue;
            }
            let mut e = pos + name.len();
            // `alert (1)`, `alert/**/(1)`, `alert\`1\``
            while b.get(e).is_some_and(|c| c.is_ascii_whitespace()) {
                e += 1;
            }
            if lower.get(e..).is_some_and(|r| r.starts_with("/*")) {
                if let Some(c) = crate::decode::find_from(b, e + 2, b"*/") {
                    e = c + 2;
                }
            }
            // `(alert)(1)`, `alert.call(null,1)`, `alert.apply(…)`
            let mut call = matches!(b.get(e), Some(b'(' | b'`'));
            if !call {
                let rest = sub(lower, e, e + 8);
                if rest.starts_with(")(") {
                    e += 1;
                    call = true;
                } else if let Some(m) = [".call(", ".apply(", ".bind("].iter().find(|m| rest.starts_with(**m)) {
                    e += m.len() - 1;
                    call = true;
                }
            }
            if !call {
                continue;
            }
            let args = sub(lower, e + 1, e + 64);
            // Dynamic `import('//host/x.js')` loads and runs a module.
            if name == "import" && args.trim_start().starts_with(['\'', '"', '`']) {
                add(hits, "xss.js-sink-call", 5, 1, sub(lower, pos, e + 40));
                continue;
            }
            // `alert(1)`, `alert(document.domain)`, `alert\`1\``: a call with an argument
            // list that closes, or a tagged template.
            let closes = b.get(e) == Some(&b'`') || args.contains(')');
            // `setTimeout(code, 1)`: a timer with code and a delay runs that code.
            let timer = matches!(name, "settimeout" | "setinterval")
                && args.split(')').next().and_then(|a| a.rsplit_once(',')).is_some_and(|(_, d)| !d.trim().is_empty() && d.trim().bytes().all(|c| c.is_ascii_digit()));
            let s = if timer { 5 } else if closes { score } else { score.saturating_sub(2) };
            if s > 0 {
                let (rule, pl) = if s >= 3 { ("xss.js-sink-call", 1) } else { ("xss.js-call", 2) };
                add(hits, rule, s, pl, sub(lower, pos, e + 20));
            }
        }
    }
    sink_references(lower, found, hits);
    for pos in positions(found, "function").take(8) {
        // The Function constructor on a string: `Function('ale'+'rt(1)')()`, `Function\`…\``.
        let word_start = pos == 0 || !b.get(pos - 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$');
        let rest = sub(lower, pos + 8, pos + 24).trim_start();
        let string_arg = rest.starts_with('`') || rest.strip_prefix('(').is_some_and(|r| r.trim_start().starts_with(['\'', '"', '`']));
        // `new Function()`: the constructor that compiles code (prose has `new function(s)`).
        let constructed = lower.get(..pos).is_some_and(|x| x.trim_end().ends_with("new") && x.trim_end().len() < pos) && sub(lower, pos + 8, pos + 10) == "()";
        if word_start && (string_arg || constructed) {
            add(hits, "xss.js-sink-call", 5, 1, sub(lower, pos.saturating_sub(4), pos + 40));
        }
    }
    // Distinct sinks add up (`document.body.appendChild(document.createElement(…))`); an
    // assignment to a DOM sink (`.innerHTML=`, `.textContent=`, `location=`) writes to the page.
    let mut total = 0u32;
    let mut first: Option<usize> = None;
    for &(needle, score) in SINKS {
        if let Some(pos) = positions(found, needle).next() {
            total += score;
            first = Some(first.map_or(pos, |f: usize| f.min(pos)));
            let after = sub(lower, pos + needle.len(), pos + needle.len() + 4).trim_start();
            let assigned = matches!(needle, ".innerhtml" | ".outerhtml" | ".textcontent" | "document.location" | "window.location" | "location.href")
                && after.starts_with('=')
                && !after.starts_with("==");
            if assigned {
                total += 2;
            }
        }
    }
    if let Some(pos) = first {
        add(hits, "xss.js-sink", total.min(5), 1, sub(lower, pos, pos + 40));
    }
    // Indirect calls through a global object: `top['al'+'ert'](1)`, `self[...](…)`.
    for &obj in GLOBALS {
        for pos in positions(found, obj).take(8) {
            if pos > 0 && b.get(pos - 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.') {
                continue;
            }
            let rest = sub(lower, pos + obj.len(), pos + obj.len() + 200);
            let rest_t = rest.trim_start_matches(['?', '.']);
            if rest_t.starts_with('[') && rest.contains("](") {
                add(hits, "xss.js-indirect-call", 5, 1, sub(lower, pos, pos + 60));
            }
        }
    }
    // String breaking into code: `'-alert(1)-'`, `";alert(1)//`, `'};x()//`.
    for pos in memchr::memchr2_iter(b'\'', b'"', b).take(32) {
        let rest = sub(lower, pos + 1, pos + 8);
        let mut it = rest.chars().skip_while(|c| c.is_whitespace());
        let op = it.next();
        if matches!(op, Some('-' | '+' | ';' | '}' | ')' | '*' | '|' | '&' | ',')) {
            let tail = sub(lower, pos + 1, lower.len());
            if hits.iter().any(|h| h.rule == "xss.js-sink-call") && tail.contains('(') {
                add(hits, "xss.js-string-break", 3, 1, sub(lower, pos, pos + 40));
                break;
            }
        }
    }
}

/// An `http(s)://` URL whose host is an IP address written to dodge filters: one integer
/// (`http://1113982867/`), or dotted parts in hex or zero-padded octal (`0x42.0x66…`, `0102.0146…`).
fn obfuscated_ip_url(v: &str) -> bool {
    let v = v.trim_start_matches(['"', '\'', ' ']);
    let Some(rest) = v.strip_prefix("http://").or_else(|| v.strip_prefix("https://")).or_else(|| v.strip_prefix("//")) else { return false };
    let host = rest.split(['/', '?', '#', ':']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    if host.is_empty() || host.len() > 40 {
        return false;
    }
    if host.bytes().all(|c| c.is_ascii_digit()) {
        return host.len() >= 8;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() <= 4
        && parts.iter().all(|p| !p.is_empty() && (p.bytes().all(|c| c.is_ascii_digit()) || p.starts_with("0x") && p.len() > 2 && p.bytes().skip(2).all(|c| c.is_ascii_hexdigit())))
        && parts.iter().any(|p| p.starts_with("0x") || (p.len() > 1 && p.starts_with('0')))
}

/// Context-closing polyglots: one value that closes several parsing contexts at once
/// (an HTML comment `-->`, a CDATA section `]]>`, a JS comment `*/`, mixed string quotes,
/// raw-text elements), so that it breaks out wherever it lands.
fn context_polyglot(lower: &str, hits: &mut Vec<Hit>) {
    let b = lower.as_bytes();
    let mut kinds = 0;
    if lower.contains("-->") || lower.contains("--!>") {
        kinds += 1;
    }
    if lower.contains("]]>") {
        kinds += 1;
    }
    if lower.contains("*/") && lower.contains("/*") {
        kinds += 1;
    }
    // Two different quote characters within three bytes: `"'`, `'\``, `"\``.
    let quote = |c: u8| matches!(c, b'"' | b'\'' | b'`');
    if memchr::memchr3_iter(b'"', b'\'', b'`', b).take(256).any(|i| {
        let q = b.get(i).copied().unwrap_or(0);
        b.get(i + 1..(i + 3).min(b.len())).is_some_and(|n| n.iter().any(|c| quote(*c) && *c != q))
    }) {
        kinds += 1;
    }
    if ["</script", "</style", "</title", "</textarea", "</noscript", "</xmp", "</template"].iter().any(|t| lower.contains(t)) {
        kinds += 1;
    }
    if kinds >= 3 {
        add(hits, "xss.context-polyglot", 5, 1, sub(lower, 0, 80));
    }
}

/// JS folded for matching: block comments and whitespace removed, `["name"]` read as
/// `.name`, parentheses around a lone name dropped. `None` when nothing would change.
fn js_compact(lower: &str, needles: bool) -> Option<String> {
    let b = lower.as_bytes();
    let bracket_str = memchr::memchr_iter(b'[', b).any(|i| matches!(b.get(i + 1), Some(b'"' | b'\'' | b'`')) || b.get(i + 1).is_some_and(u8::is_ascii_whitespace));
    // Spaced member access (`document . cookie`) only matters next to a JS name; prose has
    // plenty of `. ` otherwise.
    let spaced_dot = (needles || memchr::memmem::find(b, b"document").is_some()) && memchr::memchr_iter(b'.', b).any(|i| (i > 0 && b.get(i - 1).is_some_and(u8::is_ascii_whitespace)) || b.get(i + 1).is_some_and(u8::is_ascii_whitespace));
    let comment_or_call_index = memchr::memchr2_iter(b'/', b')', b).any(|i| matches!((b.get(i), b.get(i + 1)), (Some(b'/'), Some(b'*')) | (Some(b')'), Some(b'['))));
    if !(bracket_str || spaced_dot || comment_or_call_index) || lower.len() > 8192 {
        return None;
    }
    let folded = crate::decode::fold_sql(lower);
    let nows: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    let nb = nows.as_bytes();
    let mut out = String::with_capacity(nows.len());
    let mut i = 0;
    while i < nb.len() {
        let c = nb.get(i).copied().unwrap_or(0);
        // `["name"]` → `.name`
        if c == b'[' && matches!(nb.get(i + 1), Some(b'"' | b'\'' | b'`')) {
            let q = nb.get(i + 1).copied().unwrap_or(0);
            let mut j = i + 2;
            while nb.get(j).copied().is_some_and(is_ident) {
                j += 1;
            }
            if j > i + 2 && nb.get(j) == Some(&q) && nb.get(j + 1) == Some(&b']') {
                out.push('.');
                out.push_str(nows.get(i + 2..j).unwrap_or(""));
                i = j + 2;
                continue;
            }
        }
        // `(name)` not after a callee → `name`
        if c == b'(' && !(i > 0 && nb.get(i - 1).copied().is_some_and(|p| is_ident(p) || p == b')' || p == b']')) && nb.get(i + 1).is_some_and(|f| f.is_ascii_alphabetic() || *f == b'_' || *f == b'$') {
            let mut j = i + 1;
            while nb.get(j).copied().is_some_and(is_ident) {
                j += 1;
            }
            if j > i + 1 && nb.get(j) == Some(&b')') {
                out.push_str(nows.get(i + 1..j).unwrap_or(""));
                i = j + 1;
                continue;
            }
        }
        out.push(c as char);
        i += 1;
    }
    (out != lower).then_some(out)
}

/// JSFuck-style code built from `[]()!+` only: `![]`, `!![]`, `+[]`, `[][…]`.
fn jsfuck(lower: &str, hits: &mut Vec<Hit>) {
    let b = lower.as_bytes();
    if memchr::memmem::find(b, b"[]").is_none() {
        return;
    }
    let atoms = memchr::memmem::find_iter(b, b"[]").take(64).filter(|&p| p > 0 && matches!(b.get(p - 1), Some(b'!' | b'+'))).count();
    if atoms >= 2 {
        add(hits, "xss.jsfuck", 5, 1, sub(lower, 0, 60));
    } else if atoms == 1 {
        add(hits, "xss.jsfuck", 3, 1, sub(lower, 0, 60));
    }
}

/// A parameter named like an event handler whose value is script (`?onfocus=;write(cookie)`,
/// `onload=x=>$.getScript(…)`): reflected into a tag, the pair is the handler.
fn handler_param(name: &str, lower: &str, hits: &mut Vec<Hit>) {
    if name.len() < 5 || name.len() > 40 || !name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("on")) {
        return;
    }
    if !html::is_known_handler(&name.to_ascii_lowercase()) {
        return;
    }
    let b = lower.as_bytes();
    // A call (`name(`, `)(`, a tagged template) or an arrow function.
    let call = memchr::memchr2_iter(b'(', b'`', b).any(|p| p > 0 && b.get(p - 1).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b')')));
    if call || lower.contains("=>") {
        add(hits, "xss.event-handler", 5, 1, lower);
    }
}

/// Script sinks used as values rather than called: passed as callbacks (`[1].map(confirm)`,
/// `setTimeout(alert)`), interpolated (`\`${alert}\``) or assigned (`a=alert,a(1)`).
fn sink_references(lower: &str, found: &[(&'static str, usize)], hits: &mut Vec<Hit>) {
    let b = lower.as_bytes();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    for name in ["alert", "prompt", "confirm", "eval"] {
        for pos in positions(found, name).take(8) {
            let end = pos + name.len();
            if pos > 0 && b.get(pos - 1).copied().is_some_and(is_ident) || b.get(end).copied().is_some_and(is_ident) {
                continue;
            }
            let before = lower.get(..pos).unwrap_or("").trim_end();
            let after = lower.get(end..).unwrap_or("").trim_start();
            let prev = before.as_bytes().last().copied();
            let next = after.as_bytes().first().copied();
            let score = match (prev, next) {
                // `${alert}`
                (Some(b'{'), Some(b'}')) if before.ends_with("${") => 5,
                // `.map(alert)`, `find(confirm)`, `setTimeout(alert,…)`: a callback.
                (Some(b'('), Some(b')' | b',')) => {
                    let callee = before.get(..before.len() - 1).unwrap_or("").trim_end();
                    let method = callee.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$');
                    if callee.as_bytes().last().copied().is_some_and(is_ident) && method.ends_with('.') {
                        5
                    } else {
                        3
                    }
                }
                // `a=alert,a(1)`, `x=eval;x(…)`: aliasing the function, then a call.
                (Some(b'='), Some(b',' | b';')) if after.contains('(') => 5,
                _ => 0,
            };
            if score > 0 {
                add(hits, if score >= 5 { "xss.js-sink-ref" } else { "xss.js-ref" }, score, if score >= 5 { 1 } else { 2 }, sub(lower, pos.saturating_sub(8), end + 12));
            }
        }
    }
}

/// Calls through tagged templates, which need no parentheses: `[].sort.call\`${alert}1\``,
/// `Reflect.apply.call\`${navigation.navigate}…\``.
fn template_calls(lower: &str, hits: &mut Vec<Hit>) {
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).take(4096).collect();
    let folded = crate::decode::fold_sql(&compact).replace(' ', "");
    for m in [".call`", ".apply`", ".bind`"] {
        if let Some(p) = folded.find(m) {
            if folded.get(p + m.len()..).is_some_and(|r| r.contains("${")) {
                add(hits, "xss.js-sink-call", 5, 1, sub(&folded, p.saturating_sub(20), p + 40));
            }
        }
    }
}

fn css_dangerous(v: &str) -> bool {
    let s: String = v.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    s.contains("expression(") || s.contains("binding:url") || s.contains("behavior:url") || s.contains("behaviour:url") || s.contains("url(javascript") || s.contains("url(\"javascript") || s.contains("url('javascript")
}

/// CSS-based script execution (legacy IE/Firefox): `expression(...)`, `-moz-binding`,
/// `behavior: url(...)`, `@import` of a script URL.
fn css(lower: &str, hits: &mut Vec<Hit>) {
    if !lower.contains(['(', ':']) {
        return;
    }
    let s: String = lower.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    if let Some(p) = s.find("expression(") {
        let before = s.get(..p).unwrap_or("");
        if before.ends_with([':', '=', '{', ';', '"', '\'']) || before.is_empty() {
            add(hits, "xss.css-expression", 5, 1, sub(&s, p, p + 40));
        }
    }
    for needle in ["binding:url(", "behavior:url(", "behaviour:url(", "url(javascript", "url('javascript", "url(\"javascript"] {
        if let Some(p) = s.find(needle) {
            add(hits, "xss.css-expression", 5, 1, sub(&s, p, p + 40));
        }
    }
    if let Some(p) = s.find("@import") {
        add(hits, "xss.css-import", 3, 1, sub(&s, p, p + 40));
    }
}

#[cfg(test)]
mod tests {
    use super::super::Part;
    use super::*;

    fn score(s: &str) -> u32 {
        crate::detect::testkit::score_pl1(scan, Part::QueryValue, "q", s)
    }

    fn rules(s: &str) -> Vec<&'static str> {
        crate::detect::testkit::rules(scan, Part::QueryValue, "q", s)
    }

    #[test]
    fn attacks() {
        for p in [
            "<script>alert(1)</script>",
            "<ScRiPt src=//evil.example/x.js></sCrIpT>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(1)>",
            "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
            "<iframe src=\"javascript:alert(1)\">",
            "<a href=\"javascript:alert(document.cookie)\">x</a>",
            "<a href=\" javascript:alert(1)\">",
            "\" onmouseover=\"alert(1)",
            "' autofocus onfocus=alert(1) x='",
            "\"><script>alert(1)</script>",
            "'-alert(1)-'",
            "\";alert(String.fromCharCode(88,83,83))//",
            "</script><script>alert(1)</script>",
            "javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "<div style=\"width: expression(alert(1))\">",
            "<body onload=alert`1`>",
            "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
            "<object data=\"data:text/html,<script>alert(1)</script>\">",
            "<base href=\"javascript:alert(1)//\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "<details open ontoggle=confirm(1)>",
            "<x onclick=alert(1)>click",
            "vbscript:msgbox(1)",
            "<img src=x:alert(alt) onerror=eval(src) alt=0>",
            "<input onfocus=alert(1) autofocus>",
            "<meta http-equiv=set-cookie content=\"sid=1\">",
        ] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn script_without_markup() {
        for p in [
            "[7].forEach(prompt)",
            "x=confirm;x(2)",
            "`${eval}`",
            "[].map.call`${alert}9`",
            "Reflect.apply.call`${open}${window}${['u']}`",
            "Function('pro'+'mpt(3)')()",
            "import('//mod.example/x.js')",
            "<p style=\"color:red;background:url(//x.example/a.png)\">",
            "<b style='font:\\66 oo'>",
            "<py-script>print(1)</py-script>",
        ] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        for p in ["<span style=\"color: red\">hi</span>", "call me (alert) later", "x = alert + 1", "a `${name}` template", "the function (of) life"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn markup_injection_and_polyglots() {
        for p in [
            "<svg xmlns=\"http://www.w3.org/2000/svg\">",
            "<math><mi>x</mi></math>",
            "<style>p{}</style>",
            "<meta charset=\"utf-7\">",
            "<link rel=x href=//h.example/s.css>",
            "<form action=//h.example>",
            "<body>",
            "<?xml:namespace prefix=\"v\" ns=\"urn:x\">",
            "<a href=\"http://3232235777/\">x</a>",
            "<a href=\"http://0xc0.0xa8.0x1.0x1/\">x</a>",
            "<a href=\"http://0300.0250.01.01/\">x</a>",
            "x\"'-->]]></p>",
            "*/\"'--></title>",
        ] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        for p in [
            "<?xml version=\"1.0\"?><svg></svg>",
            "<a href=\"http://192.168.1.1/\">router</a>",
            "<a href=\"https://example.com/2024\">x</a>",
            "<b>bold</b> -->",
            "he said \"it's\" fine",
        ] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn folded_js() {
        for p in ["window /* x */ . name + document /**/.cookie", "(document)['cookie'] && 1", "top [ 'con'+'firm' ] ( 1 )", "(!![]+[])[+[]]"] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        for p in ["items[] = 3 /* note */", "a [ 'b' ] c", "see (document) [\"title\"]"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn handler_named_parameter() {
        let hit = |name: &str, text: &str| {
            let mut out = Vec::new();
            scan(&Value { part: Part::QueryValue, name, text }, &mut out);
            out.iter().map(|h| h.score).sum::<u32>()
        };
        assert!(hit("onfocus", ";print(document.title)") >= 5);
        assert!(hit("onload", "y=>$.get('/x')") >= 5);
        assert!(hit("onload", "true") < 5);
        assert!(hit("section", "f(1)") < 5);
    }

    #[test]
    fn benign() {
        for p in [
            "a < b and c > d",
            "x<3 love",
            "<b>bold</b> text",
            "see https://example.com/a?b=c",
            "Learn JavaScript: the good parts",
            "meeting on=Monday",
            "email: john@example.com",
            "price (USD) = 5.00",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
            "{\"confirm\": true}",
            "Please confirm your order",
            "data: 12, 13",
            "<p>Hello, <i>world</i></p>",
        ] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }
}

#[cfg(test)]
mod evasions {
    use super::super::Part;
    use super::*;

    fn score(s: &str) -> u32 {
        crate::detect::testkit::score_pl1(scan, Part::QueryValue, "q", s)
    }

    fn rules(s: &str) -> Vec<&'static str> {
        crate::detect::testkit::rules(scan, Part::QueryValue, "q", s)
    }

    #[test]
    fn spelled_out_tags() {
        for p in ["q<s v g", "<i f r a m e src=x", "x</s t y l e", "<  y: iframe", "<o\tb\tj\te\tc\tt", "z<b-o-d-y"] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        for p in ["a < b c d", "x < y: the script", "I <3 u", "if a<b then c", "< x: y", "<a b c>"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn encoded_lt_probes() {
        for p in ["&LT", "&lt;", "&#060;", "&#000060", "&#x3C", "&#X0003c;", "\\x3C", "\\u003c"] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        for p in ["&lt;b&gt; is bold", "&#61;", "&#x3d;", "&amp;", "a &lt; b", "\\x41", "&#600;"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn split_schemes() {
        for p in ["ja\tvascript: ", "=java\nscript:void(0)", "v\nb\ts\nc\nr\ti\tp\nt:x"] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        for p in ["I love java script: yes", "java\tbeans: none", "see javascript: the good parts"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn attribute_breaks_without_handlers() {
        for p in ["\"formaction=", "' xlink:href=x", "`srcdoc=", "\"style=width:expression(x)", "'onpointerdown=", " \"onclick=", "\"onpagereveal=", "<'onwebkitmouseforcedown="] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        for p in ["\"online=yes", "'style=color:red", "formaction=submit", "a \"quote\" onion=3", "\"once=1"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn external_schema_locations() {
        let p = "<zq xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"urn:a http://oob.example/zq.xsd\">zq</zq>";
        assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        // A whole XML document sent as a body declares its own schema legitimately.
        let doc = "<?xml version=\"1.0\"?><order xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"urn:o http://shop.example/o.xsd\"/>";
        assert!(score(doc) < 5, "{doc}: {:?}", rules(doc));
        assert!(score("<p class=\"schemaLocation\">x</p>") < 5);
    }

    #[test]
    fn code_constructors_timers_and_dom_writes() {
        for p in ["new Function()", "setTimeout(payload, 0)", "setInterval(s,50)", "document.getElementById('m').innerHTML='<b>'", "document.querySelector('#t').textContent = 'pwned'", "window.location='//evil.example'"] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        for p in ["the new function (beta) is out", "new function(s) added", "set a timeout (30s)", "window.location", "read document.body text", "the textContent property"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }
}
