//! JavaScript and CSS escapes: `\xHH`, `\uHHHH`, `\u{H..}` (JS) and `\H..H` with an optional
//! trailing space (CSS, 1–6 hex digits). Other backslashes are kept literally, so an escaped
//! quote (`\'`) stays escaped.

fn hexval(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 6 {
        return None;
    }
    s.iter().try_fold(0u32, |acc, c| (*c as char).to_digit(16).map(|d| acc * 16 + d))
}

/// Whether `s` has a backslash followed by `x`, `u` or a hex digit.
pub fn has_escapes(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'\\', b).any(|i| b.get(i + 1).is_some_and(|c| *c == b'x' || *c == b'u' || c.is_ascii_hexdigit()))
}

/// Decodes JS/CSS escapes in `s` (one pass).
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    // Three-digit octal escapes mean JS string escapes rather than CSS hex escapes.
    let octal = memchr::memchr_iter(b'\\', b).any(|i| {
        (1..4).all(|k| b.get(i + k).is_some_and(|d| (b'0'..=b'7').contains(d)))
    });
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let (cp, used) = escape_at(b, i + 1, octal);
        match cp.and_then(char::from_u32) {
            Some(ch) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i += 1 + used;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses an escape body starting at `j` (after the backslash): code point and bytes used.
fn escape_at(b: &[u8], j: usize, octal: bool) -> (Option<u32>, usize) {
    let take_hex = |from: usize, max: usize| {
        let mut e = from;
        while e < from + max && b.get(e).is_some_and(|c| c.is_ascii_hexdigit()) {
            e += 1;
        }
        e
    };
    // JS octal (`\141` → `a`, `\50` → `(`) when the text uses three-digit octal escapes;
    // otherwise (or when it gives no printable character) the CSS hex reading applies.
    if octal && b.get(j).is_some_and(|c| (b'0'..=b'7').contains(c)) {
        let mut e = j;
        while e < j + 3 && b.get(e).is_some_and(|d| (b'0'..=b'7').contains(d)) {
            e += 1;
        }
        let v = b.get(j..e).and_then(|o| std::str::from_utf8(o).ok()).and_then(|o| u32::from_str_radix(o, 8).ok());
        if let Some(v) = v.filter(|v| (0x20..0x7f).contains(v)) {
            return (Some(v), e - j);
        }
    }
    match b.get(j) {
        // `\0` (not an octal escape) is NUL, which old parsers skip inside names (`scr\0ipt`).
        Some(b'0') if !b.get(j + 1).is_some_and(u8::is_ascii_hexdigit) => (Some(0), 1),
        Some(b'x') => {
            let e = take_hex(j + 1, 2);
            if e == j + 3 {
                return (b.get(j + 1..e).and_then(hexval), 3);
            }
            (None, 0)
        }
        Some(b'u') => {
            if b.get(j + 1) == Some(&b'{') {
                let e = take_hex(j + 2, 6);
                if e > j + 2 && b.get(e) == Some(&b'}') {
                    return (b.get(j + 2..e).and_then(hexval), e + 1 - j);
                }
                return (None, 0);
            }
            let e = take_hex(j + 1, 4);
            if e == j + 5 {
                return (b.get(j + 1..e).and_then(hexval), 5);
            }
            (None, 0)
        }
        Some(c) if c.is_ascii_hexdigit() => {
            // CSS form: at least two digits, and only when it yields printable ASCII, so
            // Windows paths (`..\ca`) are left alone.
            let e = take_hex(j, 6);
            let mut used = e - j;
            if b.get(e) == Some(&b' ') {
                used += 1;
            }
            let cp = b.get(j..e).and_then(hexval).filter(|cp| e - j >= 2 && (0x20..0x7f).contains(cp));
            (cp, used)
        }
        _ => (None, 0),
    }
}

/// Whether `s` has two-digit octal escapes (`\74`, `\50`) that a JS string would read as
/// octal but `decode` reads as CSS hex.
pub fn has_short_octal(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'\\', b).any(|i| {
        b.get(i + 1).is_some_and(|d| (b'1'..=b'7').contains(d)) && b.get(i + 2).is_some_and(|d| (b'0'..=b'7').contains(d)) && !b.get(i + 3).is_some_and(u8::is_ascii_hexdigit)
    })
}

/// Decodes as a JS string literal would: octal escapes of one to three digits first.
pub fn decode_js_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'\\' {
            let (cp, used) = escape_at(b, i + 1, true);
            if let Some(ch) = cp.and_then(char::from_u32) {
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i += 1 + used;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(decode(r"\x3cscript\x3e"), "<script>");
        assert_eq!(decode(r"\u0061lert\u{28}1)"), "alert(1)");
        assert_eq!(decode(r"java\73 cript"), "javascript");
        assert_eq!(decode(r"\141\154ert\50\61\51"), "alert(1)");
        assert_eq!(decode(r"\0075\0072\006C\0028"), "url(");
        assert_eq!(decode(r"it\'s \q \x4"), r"it\'s \q \x4");
        assert_eq!(decode("\\"), "\\");
        assert_eq!(decode(r"scr\0ipt"), "scr\0ipt");
        assert!(has_short_octal(r"'\74b\76'") && !has_short_octal(r"\3c"));
        assert_eq!(decode_js_octal(r"'\74b\76'"), "'<b>'");
    }
}
