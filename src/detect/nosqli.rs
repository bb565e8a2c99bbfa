//! NoSQL (MongoDB-style) injection: query operators smuggled in as keys — in argument
//! names (`user[$ne]=`, JSON `{"user": {"$gt": ""}}` seen as `user.$gt`) or spelled out in
//! a value (`{ $ne: 1 }`, raw `a[$ne]=1` bodies) — and server-side JavaScript in
//! `$where`-style payloads (`this.password.match(..)`, `';sleep(5000);'`, `db.x.find(`).
//! MongoDB Extended JSON type wrappers (`$oid`, `$date`) are not operators.

use super::gate::Triggers;
use super::textscan::{hit, push_once, snippet};
use super::{Hit, Part, Value};

const CLASS: &str = "nosqli";
const MAX_BYTES: usize = 8192;

/// Query/aggregation operators that change a lookup's meaning.
const OPERATORS: &[&str] = &[
    "ne", "gt", "gte", "lt", "lte", "eq", "in", "nin", "regex", "where", "exists", "or", "and",
    "nor", "not", "expr", "elemmatch", "all", "size", "mod", "function", "accumulator",
    "lookup", "jsonschema", "text", "options", "comment", "type", "match", "group", "unionwith",
];
/// Update operators: suspicious in a request, but used by some APIs.
const UPDATE_OPERATORS: &[&str] = &["set", "unset", "push", "pull", "inc", "rename", "addtoset", "setoninsert", "currentdate"];

fn operator(word: &str) -> Option<bool> {
    let w = word.strip_prefix('$')?.to_ascii_lowercase();
    if OPERATORS.contains(&w.as_str()) {
        Some(true)
    } else if UPDATE_OPERATORS.contains(&w.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    bytes: b"$",
    anywhere: &[&["this.", "sleep(", "return", "new date()", "db.", "=="]],
    // Operators in the argument name (`pass[$ne]=1`).
    custom: Some(|v| v.name.contains('$') && matches!(v.part, Part::QueryValue | Part::BodyValue)),
    ..Triggers::NONE
};

/// Per-value scan (argument names and values).
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let since = out.len();
    if v.part == Part::ArgName {
        scan_name(v.text, out, since);
    }
    // The name of a value also carries operators (`pass[$ne]` → value `1`).
    if v.part != Part::ArgName && v.name.contains('$') && matches!(v.part, Part::QueryValue | Part::BodyValue) {
        scan_name(v.name, out, since);
    }
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    if v.part != Part::ArgName && t.contains('$') {
        scan_operators_in_text(t, out, since);
    }
    scan_js(t, out, since);
}

fn scan_name(name: &str, out: &mut Vec<Hit>, since: usize) {
    for seg in name.split(['[', ']', '.']) {
        match operator(seg) {
            Some(true) => {
                push_once(out, since, hit("nosqli.operator-key", CLASS, 5, 1, snippet(name, 0, 80)));
                return;
            }
            Some(false) => push_once(out, since, hit("nosqli.update-operator-key", CLASS, 3, 2, snippet(name, 0, 80))),
            None => {}
        }
    }
}

/// `$op` followed by `:` (object literal), `]=` / `]` (bracket syntax) or inside quotes
/// followed by `:` (JSON text).
fn scan_operators_in_text(t: &str, out: &mut Vec<Hit>, since: usize) {
    let b = t.as_bytes();
    let mut i = 0;
    let mut seen = 0;
    while let Some(off) = b.get(i..).and_then(|r| memchr::memchr(b'$', r)) {
        let at = i + off;
        seen += 1;
        if seen > 64 {
            break;
        }
        let end = at + 1 + b.get(at + 1..).map_or(0, |r| r.iter().take_while(|c| c.is_ascii_alphabetic()).count());
        let word = t.get(at..end).unwrap_or_default();
        if let Some(strong) = operator(word) {
            let before = b.get(..at).and_then(|r| r.iter().rev().find(|&&c| c != b' ' && c != b'"' && c != b'\'')).copied();
            let mut j = end;
            while matches!(b.get(j), Some(b' ' | b'"' | b'\'')) {
                j += 1;
            }
            let after = b.get(j).copied();
            let object_key = after == Some(b':') && matches!(before, Some(b'{' | b',') | None);
            let bracket = before == Some(b'[') && after == Some(b']');
            let where_js = word.eq_ignore_ascii_case("$where") && after == Some(b':');
            if object_key || bracket || where_js {
                let (score, pl) = if strong { (5, 1) } else { (3, 2) };
                push_once(out, since, hit("nosqli.operator-in-value", CLASS, score, pl, snippet(t, at.saturating_sub(8), at + 60)));
                return;
            }
            if word.eq_ignore_ascii_case("$where") {
                push_once(out, since, hit("nosqli.where-mention", CLASS, 2, 2, snippet(t, at, at + 60)));
            }
        }
        i = at + 1;
    }
}

/// Server-side JavaScript shapes used against `$where` / mapReduce.
fn scan_js(t: &str, out: &mut Vec<Hit>, since: usize) {
    let lower_has = |n: &str| super::textscan::find_ci(t, n);
    if let Some(at) = lower_has("this.") {
        let rest = t.get(at + 5..).unwrap_or_default();
        let ident: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let after = rest.get(ident.len()..).unwrap_or_default().trim_start();
        let js = after.starts_with("==") || after.starts_with("!=") || after.starts_with(".match(") || after.starts_with(".length") || after.starts_with(".indexof(") || after.starts_with('[');
        // Quote breakout before it (`' && this.x`, `'|| this.x`).
        let breakout = t.get(..at).is_some_and(|p| p.contains('\'') || p.contains('"')) && (t.contains("&&") || t.contains("||") || t.contains(';'));
        if !ident.is_empty() && js {
            let score = if breakout { 5 } else { 3 };
            push_once(out, since, hit("nosqli.where-javascript", CLASS, score, 1, snippet(t, at.saturating_sub(12), at + 60)));
        }
    }
    // `';sleep(5000);'` — a quote, then a JS statement.
    if let Some(at) = lower_has("sleep(") {
        let before = t.get(..at).unwrap_or_default().trim_end();
        let digits = t.get(at + 6..).is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
        if digits && (before.ends_with(';') || before.ends_with("&&") || before.ends_with("||")) && t.contains('\'') {
            push_once(out, since, hit("nosqli.where-javascript", CLASS, 5, 1, snippet(t, at.saturating_sub(8), at + 30)));
        }
    }
    // `';return 'a'=='a'`, `0;return true`: a statement injected into a JS expression.
    let b = t.as_bytes();
    let mut from = 0;
    while let Some(at) = super::textscan::find_ci_from(t, "return", from) {
        from = at + 6;
        let before = t.get(..at).unwrap_or_default().trim_end();
        let after = t.get(at + 6..).unwrap_or_default().trim_start();
        let stmt = before.ends_with(';') && super::textscan::word_end(b, at + 6);
        let value = after.starts_with(['\'', '"', '(']) && before.contains(['\'', '"']) || after.starts_with("true") || after.starts_with("1") || after.starts_with("(true") || after.starts_with('\'') && after.contains("==") || after.starts_with('"') && after.contains("==") || after.starts_with("this.");
        if stmt && value {
            push_once(out, since, hit("nosqli.where-javascript", CLASS, 5, 1, snippet(t, at.saturating_sub(8), at + 40)));
            break;
        }
    }
    // Busy-wait timing loops (`do{..}while(pt-it<5000)`).
    if let Some(at) = lower_has("new date()") {
        if lower_has("while(").is_some() || lower_has("while (").is_some() {
            push_once(out, since, hit("nosqli.where-javascript", CLASS, 5, 1, snippet(t, at, at + 60)));
        }
    }
    // `' || 1==1`, `" || 'a'==='a`: a JS equality of two identical literals after a
    // logical operator (SQL spells equality with one `=`).
    if let Some(at) = js_tautology(t) {
        push_once(out, since, hit("nosqli.js-tautology", CLASS, 5, 1, snippet(t, at, at + 40)));
    }
    if let Some(at) = lower_has("db.") {
        let rest = t.get(at + 3..).unwrap_or_default();
        let ident = rest.find('.').and_then(|d| rest.get(d..));
        let methods = [".find(", ".findone(", ".insert(", ".remove(", ".drop(", ".update(", ".aggregate(", ".getcollection", ".mapreduce("];
        if super::textscan::word_start(t.as_bytes(), at) && ident.is_some_and(|r| methods.iter().any(|m| r.to_ascii_lowercase().starts_with(m))) {
            push_once(out, since, hit("nosqli.mongo-shell", CLASS, 5, 1, snippet(t, at, at + 60)));
        }
    }
}

/// Offset of `||`/`&&` followed by `L ==[=] L` (the same number, quoted string, `true`).
fn js_tautology(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    if memchr::memchr2(b'|', b'&', b).is_none() || memchr::memmem::find(b, b"==").is_none() {
        return None;
    }
    let mut from = 0;
    let mut tried = 0;
    while let Some(off) = b.get(from..).and_then(|r| r.windows(2).position(|w| w == b"||" || w == b"&&")) {
        let at = from + off;
        from = at + 2;
        tried += 1;
        if tried > 16 {
            break;
        }
        let mut j = at + 2;
        let skip = |j: &mut usize| {
            while matches!(b.get(*j), Some(b' ' | b'\t' | b'(' | b'+')) {
                *j += 1;
            }
        };
        skip(&mut j);
        let Some((lhs, k)) = js_literal(b, j) else { continue };
        j = k;
        skip(&mut j);
        if b.get(j..j + 2) != Some(b"==") {
            continue;
        }
        j += 2;
        if b.get(j) == Some(&b'=') {
            j += 1;
        }
        skip(&mut j);
        // The right side may lose its closing quote to the application's own.
        let rhs = js_literal(b, j).map(|(r, _)| r).or_else(|| {
            let q = *b.get(j)?;
            if q != b'\'' && q != b'"' {
                return None;
            }
            let body: Vec<u8> = b.get(j + 1..)?.iter().take_while(|&&c| c != q && c != b' ').copied().collect();
            Some(body)
        });
        if rhs.is_some_and(|r| r == lhs) {
            return Some(at);
        }
    }
    None
}

/// A number, `true`, or a quoted string at `i`: its text and the index after it.
fn js_literal(b: &[u8], i: usize) -> Option<(Vec<u8>, usize)> {
    let c = *b.get(i)?;
    if c == b'\'' || c == b'"' {
        let len = b.get(i + 1..)?.iter().take(32).position(|&x| x == c)?;
        return Some((b.get(i + 1..i + 1 + len)?.to_vec(), i + len + 2));
    }
    let len = b.get(i..)?.iter().take(32).take_while(|x| x.is_ascii_alphanumeric()).count();
    let w = b.get(i..i + len)?;
    if len > 0 && (w.iter().all(|x| x.is_ascii_digit()) || w == b"true") {
        return Some((w.to_vec(), i + len));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(part: Part, name: &str, text: &str) -> u32 {
        crate::detect::testkit::score_pl1(scan, part, name, text)
    }

    #[test]
    fn attacks() {
        assert!(score(Part::ArgName, "password[$ne]", "password[$ne]") >= 5);
        assert!(score(Part::ArgName, "user.$gt", "user.$gt") >= 5);
        assert!(score(Part::QueryValue, "login[$regex]", "^adm") >= 5);
        for a in [
            "{ $ne: 1 }",
            "{\"username\": {\"$ne\": null}, \"password\": {\"$ne\": null}}",
            "login[$gt]=admin&login[$lt]=test&pass[$ne]=1",
            "1, $where: '1 == 1'",
            "' && this.password.match(/.*/)//",
            "';sleep(5000);'",
            "db.collection.find( { $where: function() { return 1 } } );",
            "'; return this.a != 'x'; var z='",
            "';return 'a'=='a' && ''=='",
            "0;return true",
            "';it=new Date();do{pt=new Date();}while(pt-it<5000);",
            "|| 2==2",
            "x' || 'q'==='q",
            "admin\" && (7 == 7) && \"",
        ] {
            assert!(score(Part::BodyRaw, "", a) >= 5, "{a}");
        }
    }

    #[test]
    fn benign() {
        for b in [
            "{\"price\": \"$100\", \"note\": \"costs $5: cheap\"}",
            "{\"_id\": {\"$oid\": \"507f1f77bcf86cd799439011\"}}",
            "{\"$schema\": \"http://json-schema.org/draft-07/schema#\"}",
            "Pay $in advance",
            "this.value is required",
            "I need sleep(8 hours)",
            "ask db.admin about it",
            "total: $gt",
            "Click save; return to the list later",
            "function f() { return x; }",
            "a || b == c",
            "x || 1==2",
            "if (a == 1 || b == 2) go",
            "rock && roll",
        ] {
            assert!(score(Part::BodyValue, "x", b) < 5, "{b}");
        }
        assert!(score(Part::ArgName, "price$", "price$") < 5);
        assert!(score(Part::ArgName, "$ref", "$ref") < 5);
    }
}
