//! HTML character references: named (a common set, case-sensitive as browsers are, with
//! the legacy no-semicolon forms), decimal `&#60`, hex `&#x3c`, with or without `;`, and
//! with leading zeros. Unknown references are kept literally.

/// Named references we decode: the ones attackers use to hide markup, quotes and URLs.
const NAMED: &[(&str, char)] = &[
    ("lt", '<'), ("gt", '>'), ("amp", '&'), ("quot", '"'), ("apos", '\''), ("nbsp", '\u{a0}'),
    ("colon", ':'), ("sol", '/'), ("bsol", '\\'), ("lpar", '('), ("rpar", ')'), ("semi", ';'),
    ("comma", ','), ("period", '.'), ("excl", '!'), ("equals", '='), ("num", '#'), ("percnt", '%'),
    ("plus", '+'), ("lsqb", '['), ("rsqb", ']'), ("lbrack", '['), ("rbrack", ']'), ("lcub", '{'),
    ("rcub", '}'), ("lbrace", '{'), ("rbrace", '}'), ("grave", '`'), ("Tab", '\t'), ("NewLine", '\n'),
    ("ast", '*'), ("midast", '*'), ("quest", '?'), ("commat", '@'), ("dollar", '$'), ("hyphen", '-'),
    ("dash", '-'), ("lowbar", '_'), ("verbar", '|'), ("vert", '|'), ("Hat", '^'), ("tilde", '~'),
    ("LT", '<'), ("GT", '>'), ("AMP", '&'), ("QUOT", '"'),
];
/// Names that browsers also accept without the trailing semicolon.
const LEGACY: &[&str] = &["lt", "gt", "amp", "quot", "nbsp", "LT", "GT", "AMP", "QUOT"];

/// Whether `s` contains something that looks like a character reference.
pub fn has_entities(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'&', b).any(|i| b.get(i + 1).is_some_and(|c| *c == b'#' || c.is_ascii_alphabetic()))
}

/// Decodes character references in `s` (one pass).
pub fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(rest.get(..pos).unwrap_or_default());
        let after = rest.get(pos + 1..).unwrap_or_default();
        match reference(after) {
            Some((ch, used)) => {
                out.push(ch);
                rest = after.get(used..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses a reference after `&`: the character and the bytes consumed (incl. `;`).
fn reference(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'#') {
        let (radix, start) = if matches!(b.get(1), Some(b'x' | b'X')) { (16, 2) } else { (10, 1) };
        let mut end = start;
        while b.get(end).is_some_and(|c| if radix == 16 { c.is_ascii_hexdigit() } else { c.is_ascii_digit() }) {
            end += 1;
        }
        if end == start {
            return None;
        }
        let digits = s.get(start..end)?.trim_start_matches('0');
        let cp = if digits.is_empty() {
            0
        } else if digits.len() > 7 {
            0xFFFD
        } else {
            u32::from_str_radix(digits, radix).ok()?
        };
        let ch = char::from_u32(cp).filter(|c| *c != '\0').unwrap_or('\u{FFFD}');
        let used = if b.get(end) == Some(&b';') { end + 1 } else { end };
        return Some((ch, used));
    }
    let mut end = 0;
    while end < 12 && b.get(end).is_some_and(|c| c.is_ascii_alphanumeric()) {
        end += 1;
    }
    let name = s.get(..end)?;
    if b.get(end) == Some(&b';') {
        // Exact first; then case-insensitively (`&tab;`, `&COLON;`), as lenient parsers do.
        return NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .or_else(|| NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(_, c)| (*c, end + 1));
    }
    // Without `;`: legacy names only, longest match (`&ltscript` → `<script`).
    LEGACY
        .iter()
        .filter(|n| name.starts_with(**n))
        .max_by_key(|n| n.len())
        .and_then(|n| NAMED.iter().find(|(m, _)| m == n).map(|(_, c)| (*c, n.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(decode("&lt;a&gt;"), "<a>");
        assert_eq!(decode("&#60;&#x3C;&#X3c&#0000060"), "<<<<");
        assert_eq!(decode("java&#115cript&colon;"), "javascript:");
        assert_eq!(decode("&ltscript&gt"), "<script>");
        assert_eq!(decode("AT&T & co &unknown;"), "AT&T & co &unknown;");
        assert_eq!(decode("&#99999999999;"), "\u{FFFD}");
        assert_eq!(decode("&"), "&");
        assert_eq!(decode("j&tab;s&newline;x&colon;"), "j\ts\nx:");
    }
}
