//! LDAP injection: filter metacharacters that close the application's filter and open a
//! new one (`*)(uid=*`, `)(|(`, `(&(`), wildcard closers (`*))`, `*)%00`), and the
//! always-true `objectClass=*`. LDAP hex escapes (`\2a`, `\28`, `\29`) are decoded first,
//! and their presence next to filter syntax is a weaker signal of their own.

use super::gate::Triggers;
use super::textscan::{contains_ci, hit, push_once, snippet};
use super::{Hit, Value};

const CLASS: &str = "ldapi";
const MAX_BYTES: usize = 4096;

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    // `\2a`-style escapes (decoded by `unescape`: anything may follow), wildcard closes,
    // `objectClass=`...
    // (`*`: whole-value wildcard probes `*|`, `//*`, `@*`.)
    bytes: b"\\*",
    anywhere: &[&["*)", "objectclass="]],
    // ...and, on text without escapes, the shapes of the other rules; short values of
    // LDAP-named fields (the field rules).
    custom: Some(|v| filter_shape(v.text.as_bytes().get(..MAX_BYTES).unwrap_or(v.text.as_bytes())) || (v.text.len() <= 64 && ldap_field(v.name))),
    ..Triggers::NONE
};

/// The gate's condition for the breakout and probe rules on unescaped text: a `(` after
/// `)` or `*` (over spaces), or followed by an operator; or a metacharacter probe.
fn filter_shape(b: &[u8]) -> bool {
    let has = |c: u8| b.contains(&c);
    if !has(b'(') {
        return false;
    }
    if has(b'*') && has(b')') && (has(b'|') || has(b'&')) {
        return true;
    }
    let mut i = 0;
    while let Some(off) = b.get(i..).and_then(|r| memchr::memchr(b'(', r)) {
        let at = i + off;
        let glued = at >= 2 && matches!(b.get(at - 1), Some(b'|' | b'&' | b'!')) && b.get(at - 2) == Some(&b')');
        let mut j = at + 1;
        while matches!(b.get(j), Some(b' ' | b'(')) {
            j += 1;
        }
        let op = matches!(b.get(j), Some(b'|' | b'&' | b'!'));
        if glued || op || matches!(prev_non_space(b, at), Some(b')' | b'*')) {
            return true;
        }
        i = at + 1;
    }
    false
}

/// Field names whose values applications put into LDAP filters: LDAP attribute names,
/// directory identities, and filter parameters. (Last segment of a dotted/bracketed name,
/// ASCII case-insensitive.)
fn ldap_field(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "cn", "uid", "sn", "dn", "ou", "mail", "givenname", "samaccountname", "userprincipalname", "memberof",
        "objectclass", "user", "username", "user_name", "userid", "user_id", "login", "logon", "account", "principal",
        "filter", "ldapfilter", "ldap_filter", "searchfilter", "search_filter", "ldap",
    ];
    let last = name.trim_end_matches("[]").rsplit(['.', '[']).next().unwrap_or(name).trim_end_matches(']');
    last.len() <= 24 && (NAMES.iter().any(|n| last.eq_ignore_ascii_case(n)) || contains_ci(last, "ldap"))
}

/// Field rules: in an LDAP-named field (`ldap_field`), a value made only of filter or
/// path metacharacters is a probe for filter (or XPath) injection: `(`, `)`, `|`, `&`,
/// `!`, `)(`, `//`, `*/*`. Nobody's user name or directory filter is a lone parenthesis.
/// A lone `*`, `/`, `@` or `=` is not flagged (a search for everything). At PL2 a name with
/// a trailing wildcard (`admin*`) in such a field: a wildcard where an identity is
/// expected.
fn field_rules(v: &Value<'_>, out: &mut Vec<Hit>, since: usize) {
    if !ldap_field(v.name) {
        return;
    }
    let t = v.text.trim();
    let b = t.as_bytes();
    if (1..=4).contains(&b.len()) && b.iter().all(|c| b"()|&!*/=\\@".contains(c)) {
        let filter_meta = b.iter().any(|c| b"()|&!".contains(c));
        let path_probe = b.iter().filter(|&&c| c == b'/').count() >= 2 || (b.contains(&b'/') && b.contains(&b'*'));
        if filter_meta || path_probe {
            push_once(out, since, hit("ldapi.field-probe", CLASS, 5, 1, snippet(t, 0, 8)));
        }
    }
    if let Some(stem) = t.strip_suffix('*') {
        if (2..=32).contains(&stem.len()) && stem.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'@')) {
            push_once(out, since, hit("ldapi.field-wildcard", CLASS, 5, 2, snippet(t, 0, 40)));
        }
    }
}

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    field_rules(v, out, out.len());
    let raw = v.text.as_bytes().get(..MAX_BYTES).unwrap_or(v.text.as_bytes());
    if !raw.iter().any(|&b| matches!(b, b'(' | b')' | b'\\' | b'*')) {
        return;
    }
    let (bytes, escapes) = unescape(raw);
    let t = String::from_utf8_lossy(&bytes);
    let b = t.as_bytes();
    let since = out.len();

    // `)(` or `(|(`/`(&(`/`(!(` followed by a filter component.
    let mut i = 0;
    while let Some(off) = b.get(i..).and_then(|r| memchr::memchr(b'(', r)) {
        let at = i + off;
        let mut prev = prev_non_space(b, at);
        // `)!(`, `)|(`: an operator glued between the closing and the opening paren.
        if at >= 2 && matches!(b.get(at - 1), Some(b'|' | b'&' | b'!')) && b.get(at - 2) == Some(&b')') {
            prev = Some(b')');
        } else if matches!(prev, Some(b'|' | b'&' | b'!')) {
            prev = None;
        }
        let mut j = at + 1;
        while matches!(b.get(j), Some(b' ' | b'(')) {
            j += 1;
        }
        let op = matches!(b.get(j), Some(b'|' | b'&' | b'!'));
        let after_op = if op { j + 1 } else { j };
        let nested = b.get(after_op) == Some(&b'(');
        let comp = filter_component(b, if nested { after_op + 1 } else { after_op });
        // Closing a parenthesis the value did not open: the application's filter.
        let unbalanced = {
            let before = b.get(..at).unwrap_or_default();
            let mut depth: i32 = 0;
            let mut min: i32 = 0;
            for &c in before {
                match c {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        min = min.min(depth);
                    }
                    _ => {}
                }
            }
            min < 0
        };
        let breakout = matches!(prev, Some(b')')) && (op || comp) && unbalanced;
        let opened = op && nested && filter_component(b, after_op + 1);
        let starred = matches!(prev, Some(b'*')) && (op || comp);
        if breakout || opened || starred {
            push_once(out, since, hit("ldapi.filter-breakout", CLASS, 5, 1, snippet(&t, at.saturating_sub(8), at + 60)));
            break;
        }
        i = at + 1;
    }
    if let Some(at) = t.find("*))").or_else(|| t.find("*)\0")) {
        push_once(out, since, hit("ldapi.wildcard-close", CLASS, 5, 1, snippet(&t, at.saturating_sub(8), at + 40)));
    } else if t.trim_end().ends_with("*)") && t.len() < 64 && !t.contains(' ') {
        push_once(out, since, hit("ldapi.wildcard-close", CLASS, 3, 2, snippet(&t, 0, 64)));
    }
    // A probe made of filter metacharacters (`*()|&'`).
    let trimmed = t.trim();
    if trimmed.len() <= 24 && !trimmed.contains(' ') && trimmed.contains('*') && trimmed.contains('(') && trimmed.contains(')') && (trimmed.contains('|') || trimmed.contains('&')) {
        let meta = trimmed.bytes().filter(|c| b"*()|&!=\\'".contains(c)).count();
        if meta * 2 >= trimmed.len() {
            push_once(out, since, hit("ldapi.metacharacter-probe", CLASS, 5, 1, snippet(&t, 0, 40)));
        }
    }
    // A whole value of nothing but a wildcard and filter operators (`*|`, `|*`, `*)(`): a
    // probe for filter injection. (A lone `*`, `(` or `|` is not: search boxes and lists
    // send those.) `//*` and `@*` are the same probe for XPath queries.
    if (2..=8).contains(&trimmed.len())
        && trimmed.contains('*')
        && trimmed.bytes().all(|c| b"*()|&!".contains(&c))
        && trimmed.bytes().any(|c| b"()|&!".contains(&c))
        || matches!(trimmed, "//*" | "@*" | "//@*")
    {
        push_once(out, since, hit("ldapi.metacharacter-probe", CLASS, 5, 1, snippet(&t, 0, 40)));
    }
    if contains_ci(&t, "objectclass=*") || contains_ci(&t, "objectclass=") && t.contains('(') {
        push_once(out, since, hit("ldapi.objectclass", CLASS, 5, 1, snippet(&t, 0, 80)));
    }
    if escapes && t.contains('=') {
        push_once(out, since, hit("ldapi.hex-escape", CLASS, 3, 2, snippet(&t, 0, 80)));
    }
}

fn prev_non_space(b: &[u8], at: usize) -> Option<u8> {
    b.get(..at)?.iter().rev().find(|&&c| c != b' ').copied()
}

/// `attr=`, `attr~=`, `attr>=`, `attr<=`, `attr:dn:=` at `i` (attr: letter then
/// letters/digits/`-`/`.`/`;`), with a value or `*` after it.
fn filter_component(b: &[u8], i: usize) -> bool {
    let mut j = i;
    if !b.get(j).is_some_and(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    while b.get(j).is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b';' | b':')) {
        j += 1;
    }
    if j - i > 64 {
        return false;
    }
    if matches!(b.get(j), Some(b'~' | b'<' | b'>')) {
        j += 1;
    }
    b.get(j) == Some(&b'=') && b.get(j + 1).is_some_and(|&c| c != b'=' && c != b' ')
}

/// Decodes `\XX` LDAP hex escapes; reports whether any was found.
fn unescape(s: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(s.len());
    let mut any = false;
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if c == b'\\' {
            let h = s.get(i + 1).and_then(|&x| (x as char).to_digit(16));
            let l = s.get(i + 2).and_then(|&x| (x as char).to_digit(16));
            if let (Some(h), Some(l)) = (h, l) {
                let v = (h * 16 + l) as u8;
                if matches!(v, b'*' | b'(' | b')' | b'|' | b'&' | b'!' | b'=' | 0 | b'\\') {
                    out.push(v);
                    any = true;
                    i += 3;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    (out, any)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Part;

    fn score(text: &str) -> u32 {
        score_at("q", text, 1)
    }

    fn score_at(name: &str, text: &str, paranoia: u8) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part: Part::QueryValue, name, text }, &mut out);
        out.iter().filter(|h| h.paranoia <= paranoia).map(|h| h.score).sum()
    }

    #[test]
    fn probes_in_ldap_fields() {
        for (name, probe) in [("cn", "("), ("uid", ")"), ("filter", "|"), ("username", "!"), ("user[]", "&"), ("auth[uid]", "&"), ("ldapQuery", ")("), ("login", "//"), ("user", "*/*"), ("form.uid", ")|")] {
            assert!(score_at(name, probe, 1) >= 5, "{name}={probe:?}");
            // The same probe in an ordinary field is not flagged.
            assert!(score_at("q", probe, 1) < 5, "q={probe:?}");
        }
        for (name, v) in [("filter", "*"), ("user", "/"), ("uid", "@"), ("cn", "John (IT)"), ("username", "j.doe"), ("filter", "status:open"), ("user", "a|b|c|d|e"), ("username", "(")] {
            let expect_flag = v == "(";
            assert_eq!(score_at(name, v, 1) >= 5, expect_flag, "{name}={v:?}");
        }
        // A wildcard where an identity is expected: PL2 only.
        assert!(score_at("uid", "admin*", 1) < 5);
        assert!(score_at("uid", "admin*", 2) >= 5);
        assert!(score_at("q", "admin*", 2) < 5);
        assert!(score_at("user", "*", 2) < 5);
    }

    #[test]
    fn attacks() {
        for a in [
            "*)(uid=*))(|(uid=*",
            "admin)(&)",
            "admin*)((|userpassword=*)",
            "*(|(objectclass=*))",
            "*)(|(mail=*))",
            "x)(!(sn=*))",
            "eb9adbd87d)!(sn=*",
            "*))\0",
            "\\2a\\29\\28uid=\\2a",
            "(&(uid=admin)(password=*))",
            "*()|&'",
            "*|",
            "|*",
            "*)(",
            "//*",
            "@*",
        ] {
            assert!(score(a) >= 5, "{a:?}");
        }
    }

    #[test]
    fn benign() {
        for b in [
            "John (Johnny) Smith",
            "f(x) = (a)(b)",
            "see (page 2)(appendix)",
            "price (USD)",
            "smile :-)",
            "a*b",
            "(555) 123-4567",
            "x == (y)",
            "C:\\path\\to",
            "(*) | (&)",
            "(status=open)(team=core)",
            "*",
            "(",
            "|",
            "*/*",
            "admin*",
            "**",
            "a|*",
        ] {
            assert!(score(b) < 5, "{b:?}");
        }
    }
}
