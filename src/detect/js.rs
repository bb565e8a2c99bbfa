//! JavaScript application attacks, read with a small JavaScript lexer (identifiers with
//! `\uXXXX` escapes decoded as the language does, strings, numbers, punctuation):
//! prototype pollution (key paths that walk into `__proto__` or `constructor.prototype`,
//! in argument names, JSON keys and assignments), event-loop denial of service (a `while`
//! whose condition is a constant truthy expression, `for(;;)`), Node.js code (the
//! `process`/`require`/`module`/`console` globals used as code, function literals,
//! `new Function(`, `constructor.constructor`, serialized-function markers) and React
//! Server Components references that walk to a constructor (`"$1:constructor:constructor"`).

use super::gate::Triggers;
use super::textscan::{hit, push_once, snippet};
use super::{Finding, Hit, Part, Value};
use crate::request::HttpRequest;

const CLASS: &str = "js";
/// Bytes of a value lexed.
const MAX_BYTES: usize = 4096;
/// Tokens of a value looked at.
const MAX_TOKENS: usize = 512;
/// Bytes of a JSON body lexed by the request-level pass.
const MAX_BODY_BYTES: usize = 65_536;
/// Depth and items of the request-level JSON walk.
const MAX_JSON_DEPTH: usize = 32;
const MAX_JSON_ITEMS: usize = 4096;

/// What a value must contain for any rule of this class to match (see `gate`).
pub const TRIGGERS: Triggers = Triggers {
    anywhere: &[
        // Key paths and assignments; escaped identifiers (`__\u0070roto__`); `for(;;)`;
        // serialized-function markers.
        &["__proto__", "prototype", "\\u", "\\x", ";;", "nd_func", "__js_function"],
    ],
    // The lexer reads these as whole identifiers, so they are words in the text too.
    words: &[&["while", "process", "require", "module", "global", "globalThis", "console", "function", "constructor", "eval"]],
    ..Triggers::NONE
};

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Ident(String),
    /// String or template literal content (escapes decoded), whether a template has `${`.
    Str(String, bool),
    Num(f64),
    Punct(u8),
}

#[derive(Debug, Clone, PartialEq)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

impl Tok {
    fn ident(&self) -> Option<&str> {
        match &self.kind {
            Kind::Ident(s) => Some(s),
            _ => None,
        }
    }
    /// An identifier or a string: a property name in `a.b`, `a["b"]`, `{"b":…}`.
    fn name(&self) -> Option<&str> {
        match &self.kind {
            Kind::Ident(s) | Kind::Str(s, false) => Some(s),
            _ => None,
        }
    }
    fn is(&self, p: u8) -> bool {
        self.kind == Kind::Punct(p)
    }
}

fn hexval(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 6 {
        return None;
    }
    s.iter().try_fold(0u32, |acc, c| (*c as char).to_digit(16).map(|d| acc * 16 + d))
}

/// A `\uXXXX`, `\u{X…}` or `\xHH` escape at `i` (the backslash): the character and the
/// escape's length.
fn escape_at(b: &[u8], i: usize) -> Option<(char, usize)> {
    if b.get(i) != Some(&b'\\') {
        return None;
    }
    match b.get(i + 1)? {
        b'u' if b.get(i + 2) == Some(&b'{') => {
            let close = b.get(i + 3..)?.iter().take(8).position(|&c| c == b'}')?;
            Some((char::from_u32(hexval(b.get(i + 3..i + 3 + close)?)?)?, close + 4))
        }
        b'u' => Some((char::from_u32(hexval(b.get(i + 2..i + 6)?)?)?, 6)),
        b'x' => Some((char::from_u32(hexval(b.get(i + 2..i + 4)?)?)?, 4)),
        _ => None,
    }
}

fn ident_char(c: char, first: bool) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$' || !first && c.is_ascii_digit()
}

/// Lexes the first `MAX_BYTES` of `t` into at most `MAX_TOKENS` tokens. Whitespace and
/// comments are skipped; bytes that start no token are skipped too.
fn lex(t: &str) -> Vec<Tok> {
    let b = t.as_bytes();
    let b = b.get(..MAX_BYTES).unwrap_or(b);
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < MAX_TOKENS {
        let Some(&c) = b.get(i) else { break };
        let start = i;
        // Identifiers, escapes included (`c\u006fnsole` is `console`).
        let first = if ident_char(c as char, true) { Some((c as char, 1)) } else { escape_at(b, i).filter(|(ch, _)| ident_char(*ch, true)) };
        if let Some((ch, n)) = first {
            let mut s = String::new();
            s.push(ch);
            i += n;
            while let Some(&c) = b.get(i) {
                if ident_char(c as char, false) {
                    s.push(c as char);
                    i += 1;
                } else if let Some((ch, n)) = escape_at(b, i).filter(|(ch, _)| ident_char(*ch, false)) {
                    s.push(ch);
                    i += n;
                } else {
                    break;
                }
            }
            out.push(Tok { kind: Kind::Ident(s), start, end: i });
            continue;
        }
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => i += 1,
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = b.get(i + 2..).and_then(|r| memchr::memmem::find(r, b"*/")).map_or(b.len(), |p| i + 2 + p + 2);
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = b.get(i..).and_then(|r| memchr::memchr(b'\n', r)).map_or(b.len(), |p| i + p + 1);
            }
            b'"' | b'\'' | b'`' => {
                let mut s = String::new();
                let mut interp = false;
                i += 1;
                while let Some(&d) = b.get(i) {
                    if d == c {
                        i += 1;
                        break;
                    }
                    if d == b'\\' {
                        if let Some((ch, n)) = escape_at(b, i) {
                            s.push(ch);
                            i += n;
                        } else {
                            if let Some(&e) = b.get(i + 1) {
                                s.push(e as char);
                            }
                            i += 2;
                        }
                        continue;
                    }
                    if c == b'`' && d == b'$' && b.get(i + 1) == Some(&b'{') {
                        interp = true;
                    }
                    // Text is valid UTF-8: copy the whole character.
                    let ch = t.get(i..).and_then(|r| r.chars().next()).unwrap_or('\u{fffd}');
                    s.push(ch);
                    i += ch.len_utf8().max(1);
                }
                out.push(Tok { kind: Kind::Str(s, interp), start, end: i.min(b.len()) });
            }
            b'0'..=b'9' => {
                while b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.') {
                    i += 1;
                }
                let lit = t.get(start..i).unwrap_or_default();
                let n = if let Some(h) = lit.strip_prefix("0x").or_else(|| lit.strip_prefix("0X")) {
                    u64::from_str_radix(h, 16).map_or(f64::NAN, |v| v as f64)
                } else {
                    lit.parse::<f64>().unwrap_or(f64::NAN)
                };
                out.push(Tok { kind: Kind::Num(n), start, end: i });
            }
            c if c.is_ascii() => {
                out.push(Tok { kind: Kind::Punct(c), start, end: i + 1 });
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// A property path as a key names it: `a[constructor][prototype]`, `__proto__.x`,
/// `a["__proto__"]`, split into its segments (escapes decoded).
fn key_segments(name: &str) -> Vec<String> {
    let mut segs = Vec::new();
    for raw in name.split(['.', '[', ']']).take(32) {
        let s = raw.trim().trim_matches(['"', '\'', '`']).trim();
        if s.is_empty() {
            continue;
        }
        let d = if s.contains('\\') { crate::decode::js::decode(s) } else { s.to_string() };
        segs.push(d);
    }
    segs
}

/// The segment list walks into an object's prototype.
fn pollutes(segs: &[impl AsRef<str>]) -> bool {
    segs.iter().enumerate().any(|(k, s)| {
        let s = s.as_ref();
        s == "__proto__" || s == "constructor" && segs.get(k + 1).is_some_and(|n| n.as_ref() == "prototype")
    })
}

/// Offset of a prototype-pollution key path inside code or data (`obj.__proto__.x=1`,
/// `__proto__[a]=b`, `{"__proto__":{…}}`, `x[constructor][prototype]=1`,
/// `{"constructor":{"prototype":{…}}}`).
fn pollution_in_tokens(toks: &[Tok]) -> Option<usize> {
    for (k, tok) in toks.iter().enumerate() {
        let Some(name) = tok.name() else { continue };
        let next = toks.get(k + 1);
        let after = |j: usize| toks.get(j);
        // What may follow a key that is being walked or written: `[`, `=`, `.name`,
        // `]` then more path, `:` after a quoted key.
        let continues = |j: usize| -> bool {
            match after(j) {
                Some(t) if t.is(b'[') || t.is(b'=') => true,
                Some(t) if t.is(b'.') => after(j + 1).is_some_and(|n| n.ident().is_some() && n.start == t.end),
                Some(t) if t.is(b']') => after(j + 1).is_some_and(|n| n.is(b'[') || n.is(b'=') || n.is(b'.')),
                Some(t) if t.is(b':') => matches!(toks.get(j - 1).map(|p| &p.kind), Some(Kind::Str(..))),
                _ => false,
            }
        };
        if name == "__proto__" && next.is_some() && continues(k + 1) {
            return Some(tok.start);
        }
        if name == "constructor" {
            // `constructor.prototype`, `constructor[prototype]`, `constructor][prototype`,
            // `"constructor":{"prototype"`.
            let mut j = k + 1;
            while toks.get(j).is_some_and(|t| t.is(b'.') || t.is(b'[') || t.is(b']') || t.is(b':') || t.is(b'{')) && j < k + 4 {
                j += 1;
            }
            if j > k + 1 && toks.get(j).and_then(Tok::name) == Some("prototype") && continues(j + 1) {
                return Some(tok.start);
            }
        }
    }
    None
}

/// A React Server Components (Flight) reference that walks a property path to a
/// constructor or prototype: `$1:constructor:constructor`, `$@0:__proto__:then`.
fn flight_reference(s: &str) -> bool {
    let Some(rest) = s.trim().strip_prefix('$') else { return false };
    let rest = rest.trim_start_matches(['@', 'F', 'Q', 'W', 'K', 'B', 'T', 'h']);
    let Some((id, path)) = rest.split_once(':') else { return false };
    id.bytes().all(|c| c.is_ascii_hexdigit()) && path.split(':').take(16).any(|s| matches!(s, "__proto__" | "constructor" | "prototype"))
}

/// A Flight reference in a string literal of the value: its offset.
fn flight_in_tokens(toks: &[Tok]) -> Option<usize> {
    toks.iter().find_map(|t| match &t.kind {
        Kind::Str(s, _) if flight_reference(s) => Some(t.start),
        _ => None,
    })
}

/// A JavaScript value as far as a loop condition needs it: truthiness and `ToNumber`.
#[derive(Debug, Clone, Copy)]
struct Js {
    truthy: bool,
    num: f64,
}

/// Global constructors and namespaces: functions and objects, all truthy.
const GLOBAL_OBJECTS: &[&str] = &[
    "String", "Object", "Number", "Boolean", "Array", "Date", "Function", "Symbol", "RegExp", "Error", "Math", "JSON",
    "Promise", "Map", "Set", "Reflect", "Proxy", "globalThis", "Infinity",
];

/// Evaluates a unary expression of literals (`!0`, `-Infinity`, `!!""`, `(true)`,
/// `new Date`); `None` when it depends on anything unknown.
fn unary(toks: &[Tok], i: &mut usize, depth: usize) -> Option<Js> {
    if depth > 16 {
        return None;
    }
    let t = toks.get(*i)?;
    *i += 1;
    let num = |n: f64| Js { truthy: n != 0.0 && !n.is_nan(), num: n };
    Some(match &t.kind {
        Kind::Punct(b'!') => {
            let v = unary(toks, i, depth + 1)?;
            Js { truthy: !v.truthy, num: if v.truthy { 0.0 } else { 1.0 } }
        }
        Kind::Punct(b'+') => num(unary(toks, i, depth + 1)?.num),
        Kind::Punct(b'-') => num(-unary(toks, i, depth + 1)?.num),
        Kind::Punct(b'(') => {
            let v = unary(toks, i, depth + 1)?;
            if !toks.get(*i)?.is(b')') {
                return None;
            }
            *i += 1;
            v
        }
        Kind::Punct(b'{') if toks.get(*i)?.is(b'}') => {
            *i += 1;
            Js { truthy: true, num: f64::NAN }
        }
        Kind::Punct(b'[') if toks.get(*i)?.is(b']') => {
            *i += 1;
            Js { truthy: true, num: 0.0 }
        }
        Kind::Num(n) => num(*n),
        Kind::Str(_, true) => return None,
        Kind::Str(s, false) => {
            let n = if s.trim().is_empty() { 0.0 } else { s.trim().parse::<f64>().unwrap_or(f64::NAN) };
            Js { truthy: !s.is_empty(), num: n }
        }
        Kind::Ident(id) => match id.as_str() {
            "true" => num(1.0),
            "false" | "null" => Js { truthy: false, num: 0.0 },
            "undefined" | "NaN" => Js { truthy: false, num: f64::NAN },
            "Infinity" => num(f64::INFINITY),
            "this" => Js { truthy: true, num: f64::NAN },
            // Any object is truthy (`new Boolean(false)` too).
            "new" => {
                toks.get(*i)?.ident()?;
                *i += 1;
                if toks.get(*i).is_some_and(|t| t.is(b'(')) && toks.get(*i + 1).is_some_and(|t| t.is(b')')) {
                    *i += 2;
                }
                Js { truthy: true, num: f64::NAN }
            }
            g if GLOBAL_OBJECTS.contains(&g) => Js { truthy: true, num: f64::NAN },
            _ => return None,
        },
        _ => return None,
    })
}

/// The loop body after `)` at `i` can leave the loop (`break`, `return`, `throw`).
fn body_exits(toks: &[Tok], i: usize) -> bool {
    if !toks.get(i).is_some_and(|t| t.is(b'{')) {
        return toks.get(i).and_then(Tok::ident).is_some_and(|w| matches!(w, "break" | "return" | "throw"));
    }
    let mut depth = 0usize;
    for t in toks.get(i..).unwrap_or_default() {
        if t.is(b'{') {
            depth += 1;
        } else if t.is(b'}') {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return false;
            }
        } else if t.ident().is_some_and(|w| matches!(w, "break" | "return" | "throw" | "await" | "yield")) {
            return true;
        }
    }
    false
}

/// A loop that never ends: `while(<constant truthy>)`, `for(;;)`. Returns its offset.
fn infinite_loop(toks: &[Tok]) -> Option<usize> {
    for (k, t) in toks.iter().enumerate() {
        let Some(w) = t.ident() else { continue };
        if !toks.get(k + 1).is_some_and(|p| p.is(b'(')) {
            continue;
        }
        // At a statement start (or closing `do { … }`).
        if k > 0 && !toks.get(k - 1).is_some_and(|p| p.is(b';') || p.is(b'{') || p.is(b'}') || p.is(b')') || p.ident().is_some_and(|w| matches!(w, "do" | "else"))) {
            continue;
        }
        let close = match w {
            "while" => {
                let mut i = k + 2;
                let v = unary(toks, &mut i, 0);
                if !(v.is_some_and(|v| v.truthy) && toks.get(i).is_some_and(|p| p.is(b')'))) {
                    continue;
                }
                i
            }
            // `for(;;)`, written without blanks inside (the class gate looks for `;;`).
            "for" if toks.get(k + 2).is_some_and(|p| p.is(b';')) && toks.get(k + 3).is_some_and(|p| p.is(b';') && toks.get(k + 2).is_some_and(|q| q.end == p.start)) && toks.get(k + 4).is_some_and(|p| p.is(b')')) => k + 4,
            _ => continue,
        };
        if !body_exits(toks, close + 1) {
            return Some(t.start);
        }
    }
    None
}

/// Properties of Node's `process` object that code reads or calls.
const PROCESS_PROPS: &[&str] = &[
    "env", "mainModule", "binding", "_linkedBinding", "dlopen", "kill", "exit", "reallyExit", "abort", "argv", "execPath",
    "execArgv", "cwd", "chdir", "setuid", "setgid", "getuid", "getgid", "umask", "pid", "ppid", "platform", "versions",
    "memoryUsage", "openStdin", "stdout", "stdin", "stderr", "emitWarning", "report", "config", "constructor", "moduleLoadList",
];
const CONSOLE_METHODS: &[&str] = &["log", "info", "warn", "error", "debug", "trace", "dir", "table", "time", "timeEnd", "assert", "count", "group"];
/// Functions that turn data into code for `eval(` (`eval(String.fromCharCode(…))`).
const DECODERS: &[&str] = &["String", "atob", "Buffer", "unescape", "decodeURIComponent", "decodeURI", "require"];

/// The name reached by member access after token `k` (`.name` adjacent, or `[name`/`["name"]`),
/// and the index after it.
fn member(toks: &[Tok], k: usize) -> Option<(&str, usize, bool)> {
    let t = toks.get(k)?;
    let n = toks.get(k + 1)?;
    if t.is(b'.') && n.start == t.end {
        return Some((n.ident()?, k + 2, false));
    }
    if t.is(b'[') {
        return Some((n.name()?, if toks.get(k + 2).is_some_and(|c| c.is(b']')) { k + 3 } else { k + 2 }, true));
    }
    None
}

/// Node.js code: returns the offset of the first construct found.
fn node_code(toks: &[Tok]) -> Option<usize> {
    for (k, t) in toks.iter().enumerate() {
        let Some(w) = t.ident() else { continue };
        let after_dot = k > 0 && toks.get(k - 1).is_some_and(|p| p.is(b'.'));
        let next = toks.get(k + 1);
        let found = match w {
            // node-serialize and funcster function markers.
            _ if w.len() >= 13 && (w.get(..13).is_some_and(|p| p.eq_ignore_ascii_case("_$$ND_FUNC$$_")) || w.eq_ignore_ascii_case("__js_function")) => true,
            "process" if !after_dot => member(toks, k + 1).is_some_and(|(p, _, bracket)| bracket || PROCESS_PROPS.contains(&p)),
            "require" if !after_dot => next.is_some_and(|n| n.is(b'[')) || next.is_some_and(|n| n.is(b'(')) && matches!(toks.get(k + 2).map(|s| &s.kind), Some(Kind::Str(..))),
            "module" if !after_dot => member(toks, k + 1).is_some_and(|(p, j, _)| p == "exports" && toks.get(j).is_some_and(|e| e.is(b'=') || e.is(b'.') || e.is(b'['))),
            "global" | "globalThis" if !after_dot => member(toks, k + 1).is_some_and(|(p, _, _)| matches!(p, "process" | "require" | "eval" | "Function" | "module")),
            "console" if !after_dot => member(toks, k + 1).is_some_and(|(p, j, _)| {
                CONSOLE_METHODS.contains(&p) && toks.get(j).is_some_and(|c| c.is(b'(') || member(toks, j).is_some_and(|(m, _, _)| matches!(m, "call" | "apply" | "bind")))
            }),
            "constructor" => member(toks, k + 1).is_some_and(|(p, _, _)| p == "constructor"),
            "Function" => {
                let called = next.is_some_and(|n| n.is(b'('));
                let newed = k > 0 && toks.get(k - 1).and_then(Tok::ident) == Some("new");
                called && (newed || matches!(toks.get(k + 2).map(|s| &s.kind), Some(Kind::Str(..))))
            }
            // `function (…) {`: a function literal.
            "function" => {
                let mut j = k + 1;
                if toks.get(j).and_then(Tok::ident).is_some() {
                    j += 1;
                }
                if toks.get(j).is_some_and(|p| p.is(b'(')) {
                    j += 1;
                    while toks.get(j).is_some_and(|p| p.ident().is_some() || p.is(b',')) && j < k + 20 {
                        j += 1;
                    }
                    toks.get(j).is_some_and(|p| p.is(b')')) && toks.get(j + 1).is_some_and(|p| p.is(b'{'))
                } else {
                    false
                }
            }
            "eval" if !after_dot => next.is_some_and(|n| n.is(b'(')) && toks.get(k + 2).and_then(Tok::ident).is_some_and(|d| DECODERS.contains(&d)),
            _ => false,
        };
        if found {
            return Some(t.start);
        }
    }
    None
}

/// Free text in a body (a post, a code snippet shared on a forum) rather than a field
/// an application evaluates: findings there weigh less.
fn prose(v: &Value<'_>) -> bool {
    matches!(v.part, Part::BodyValue | Part::BodyRaw) && v.text.len() > 80 && v.text.bytes().filter(|&c| c == b' ' || c == b'\n').count() > 10
}

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let t = v.text;
    let since = out.len();
    if t.len() < 4 {
        return;
    }
    // Argument names, JSON keys and cookie names are key paths.
    if v.part == Part::ArgName && pollutes(&key_segments(t)) {
        push_once(out, since, hit("js.prototype-pollution", CLASS, 5, 1, snippet(t, 0, 100)));
    }
    let toks = lex(t);
    let (score, pl) = if prose(v) { (3, 2) } else { (5, 1) };
    if let Some(at) = pollution_in_tokens(&toks) {
        push_once(out, since, hit("js.prototype-pollution", CLASS, score, pl, snippet(t, at, at + 100)));
    }
    if let Some(at) = flight_reference(t).then_some(0).or_else(|| flight_in_tokens(&toks)) {
        push_once(out, since, hit("js.flight-reference", CLASS, 5, 1, snippet(t, at, at + 100)));
    }
    if let Some(at) = infinite_loop(&toks) {
        push_once(out, since, hit("js.infinite-loop", CLASS, score, pl, snippet(t, at, at + 60)));
    }
    if let Some(at) = node_code(&toks) {
        push_once(out, since, hit("js.node-code", CLASS, score, pl, snippet(t, at, at + 80)));
    }
}

/// Request level: a JSON body whose nesting walks `constructor` → `prototype`
/// (`{"constructor": {"prototype": {"isAdmin": true}}}`). The parsed body hands keys to the
/// value scan one by one, without their parents; the JSON walk here sees the parent path
/// (keys decoded, so `"\u0070rototype"` is `prototype`).
pub fn scan_request(req: &HttpRequest, out: &mut Vec<Finding>) {
    let body = req.body.get(..MAX_BODY_BYTES).unwrap_or(&req.body);
    if body.is_empty() || !crate::request::json::looks_like_json(body) {
        return;
    }
    if super::textscan::find_lit!(body, b"prototype").is_none() && super::textscan::find_lit!(body, b"\\u").is_none() {
        return;
    }
    let mut found: Option<String> = None;
    crate::request::json::walk_each(body, MAX_JSON_DEPTH, MAX_JSON_ITEMS, |it| {
        if found.is_none() && it.is_key && it.text == "prototype" {
            let mut parent = String::new();
            it.path.write_to(&mut parent);
            if parent == "constructor" || parent.ends_with(".constructor") {
                found = Some(parent);
            }
        }
    });
    if let Some(parent) = found {
        out.push(Finding {
            rule: "js.prototype-pollution",
            class: CLASS,
            location: format!("body.{parent}.prototype"),
            evidence: snippet(&format!("{parent}.prototype"), 0, 100),
            decoders: Vec::new(),
            score: 5,
            paranoia: 1,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(part: Part, name: &str, text: &str) -> u32 {
        crate::detect::testkit::score_pl1(scan, part, name, text)
    }

    #[test]
    fn prototype_pollution_keys() {
        for k in [
            "user[__proto__][isAdmin]", "__proto__.polluted", "a.constructor.prototype.x", "q[constructor][prototype][admin]",
            "__proto__", "filter[\"__proto__\"]", "__\\u0070roto__[x]", "constructor[prototype]",
        ] {
            assert!(score(Part::ArgName, k, k) >= 5, "{k}");
        }
        for k in ["constructor", "prototype", "car.constructor", "product.prototype_id", "proto", "__proto", "constructor_name", "prototype[version]"] {
            assert_eq!(score(Part::ArgName, k, k), 0, "{k}");
        }
    }

    #[test]
    fn prototype_pollution_values() {
        for v in [
            "__proto__[role]=admin",
            "obj.__proto__.isAdmin=true",
            "x.constructor.prototype.admin = 1",
            "{\"a\":1,\"__proto__\":{\"admin\":true}}",
            "{\"constructor\": {\"prototype\": {\"shell\": \"/bin/sh\"}}}",
            "\\u005f\\u005fproto\\u005f\\u005f.x=1",
            "a[constructor][prototype][onerror]=alert",
        ] {
            assert!(score(Part::QueryValue, "q", v) >= 5, "{v}");
        }
        for v in [
            "The __proto__ property is deprecated; use Object.getPrototypeOf instead.",
            "Array.prototype.map returns a new array",
            "{\"constructor\": \"Ferrari\", \"model\": \"F40\"}",
            "{\"title\": \"prototype\", \"constructor\": \"Acme\"}",
            "Prototype of the new constructor",
            "we use __proto__.",
        ] {
            assert_eq!(score(Part::QueryValue, "q", v), 0, "{v}");
        }
    }

    #[test]
    fn flight_references() {
        assert!(score(Part::BodyValue, "1", "$1:constructor:constructor") >= 5);
        assert!(score(Part::QueryValue, "q", "{\"then\":\"$1:__proto__:then\",\"status\":\"resolved_model\"}") >= 5);
        assert_eq!(score(Part::QueryValue, "q", "{\"price\":\"$10:00\",\"ref\":\"$1:user:name\"}"), 0);
    }

    #[test]
    fn infinite_loops() {
        for v in [
            "while(true);", "while(1){}", "while (!0) ;", "while(!!{})", "while(-Infinity)", "while(new Date)", "while(String)",
            "x=1;while(!'');", "for(;;){}", "while(\"a\")", "do{}while(!false)", "while((true))", "while(+1)", "while(!!`x`)",
            "\\u0077\\u0068ile(true);",
        ] {
            assert!(score(Part::QueryValue, "code", v) >= 5, "{v}");
        }
        for v in [
            "while(!true);", "while(0)", "while(false){}", "while(i < 10) i++;", "while (foo) is bar.", "while(-0)", "while(+\"\")",
            "while(true){ if (done) break; }", "for(;;){ return x }", "while(!1)", "meanwhile(true)", "a.while(1)", "while(null)",
            "while(!!'')", "while(`${x}`)", "Note: while(true) loops are",
        ] {
            assert_eq!(score(Part::QueryValue, "code", v), 0, "{v}");
        }
    }

    #[test]
    fn node_code() {
        for v in [
            "process.env", "process[\"env\"]", "process[mainModule", "require[req.query.a", "require('child_process').exec('id')",
            "module.exports=function(){}", "console.info(1)", "console[\"log\"](1)", "console.info.call(this,1)", "c\\u006fnsole.log(1)",
            "this.constructor.constructor('return process')()", "new Function ('return 1')", "function() {return 1}",
            "eval(String.fromCharCode(97,108))", "_$$ND_FUNC$$_function(){}", "__js_function", "global.process.exit()",
        ] {
            assert!(score(Part::QueryValue, "q", v) >= 5, "{v}");
        }
        for v in [
            "process.", "console.", "the process. Then", "process env", "a.process.env", "console log", "function",
            "requirements (see below)", "module exports", "eval", "Function keys", "we require(d) it",
        ] {
            assert_eq!(score(Part::QueryValue, "q", v), 0, "{v}");
        }
    }

    #[test]
    fn prose_weighs_less() {
        let post = "Here is my snippet, can someone explain why it hangs? The server stops answering.\nlet n = 0;\nwhile(true);\nThanks in advance for any hint";
        assert_eq!(score(Part::BodyValue, "comment", post), 0);
        let mut out = Vec::new();
        scan(&Value { part: Part::BodyValue, name: "comment", text: post }, &mut out);
        assert!(out.iter().any(|h| h.rule == "js.infinite-loop" && h.paranoia == 2));
    }

    #[test]
    fn request_level_nested_json() {
        let mut out = Vec::new();
        let req = HttpRequest::test_post("/api", &[("content-type", "application/json")], r#"{"user":{"constructor":{"prototype":{"isAdmin":true}}}}"#);
        scan_request(&req, &mut out);
        assert_eq!(out.first().map(|f| f.location.as_str()), Some("body.user.constructor.prototype"));
        out.clear();
        let req = HttpRequest::test_post("/api", &[("content-type", "text/plain")], r#"[{"\u0063onstructor":{"\u0070rototype":{"x":1}}}]"#);
        scan_request(&req, &mut out);
        assert_eq!(out.len(), 1);
        out.clear();
        let req = HttpRequest::test_post("/api", &[("content-type", "application/json")], r#"{"constructor":"Acme","prototype":{"id":3},"car":{"constructor":{"name":"prototype"}}}"#);
        scan_request(&req, &mut out);
        assert!(out.is_empty());
    }
}
