//! Percent-decoding: `%XX`, IIS-style `%uXXXX`, optional `+` → space (forms), then folding of
//! overlong UTF-8 sequences (`%c0%ae` → `.`) and lossy conversion of invalid UTF-8 (the
//! bytes are kept as U+FFFD, never dropped). Invalid escapes are kept literally.

use std::borrow::Cow;

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether `s` holds at least one valid `%XX` or `%uXXXX` escape.
pub fn has_escapes(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'%', b).any(|i| {
        let h = |k: usize| b.get(i + k).copied().and_then(hex).is_some();
        (h(1) && h(2)) || (matches!(b.get(i + 1), Some(b'u' | b'U')) && h(2) && h(3) && h(4) && h(5))
    })
}

/// Decodes percent escapes into bytes. `plus` turns `+` into a space (form encoding).
pub fn decode_bytes(b: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let h1 = b.get(i + 1).copied().and_then(hex);
            let h2 = b.get(i + 2).copied().and_then(hex);
            if let (Some(a), Some(d)) = (h1, h2) {
                out.push(a * 16 + d);
                i += 3;
                continue;
            }
            if matches!(b.get(i + 1), Some(b'u' | b'U')) {
                let ds: Option<Vec<u8>> = (2..6).map(|k| b.get(i + k).copied().and_then(hex)).collect();
                if let Some(ds) = ds {
                    let cp = ds.iter().fold(0u32, |acc, d| acc * 16 + u32::from(*d));
                    // IIS maps full-width forms (U+FF01..U+FF5E) onto ASCII.
                    let cp = if (0xFF01..=0xFF5E).contains(&cp) { cp - 0xFEE0 } else { cp };
                    let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                    continue;
                }
            }
            out.push(c);
        } else if c == b'+' && plus {
            out.push(b' ');
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Folds overlong UTF-8 encodings of ASCII (`C0 AE` → `.`, `E0 80 AF` → `/`) into ASCII.
/// Returns true when something was folded.
pub fn fold_overlong(b: &mut Vec<u8>) -> bool {
    if !b.iter().any(|&c| c == 0xC0 || c == 0xC1 || c == 0xE0 || c == 0xF0) {
        return false;
    }
    let mut out = Vec::with_capacity(b.len());
    let mut changed = false;
    let mut i = 0;
    let cont = |x: Option<&u8>| x.copied().filter(|c| c & 0xC0 == 0x80);
    while let Some(&c) = b.get(i) {
        if c == 0xC0 || c == 0xC1 {
            if let Some(n) = cont(b.get(i + 1)) {
                out.push(((c & 0x1F) << 6) | (n & 0x3F));
                changed = true;
                i += 2;
                continue;
            }
        } else if c == 0xE0 {
            if let (Some(n1), Some(n2)) = (cont(b.get(i + 1)), cont(b.get(i + 2))) {
                if n1 & 0x3F <= 0x01 {
                    let v = (u32::from(n1 & 0x3F) << 6) | u32::from(n2 & 0x3F);
                    if v < 0x80 {
                        out.push(v as u8);
                        changed = true;
                        i += 3;
                        continue;
                    }
                }
            }
        } else if c == 0xF0 {
            if let (Some(n1), Some(n2), Some(n3)) = (cont(b.get(i + 1)), cont(b.get(i + 2)), cont(b.get(i + 3))) {
                if n1 & 0x3F == 0 && n2 & 0x3F <= 0x01 {
                    let v = (u32::from(n2 & 0x3F) << 6) | u32::from(n3 & 0x3F);
                    if v < 0x80 {
                        out.push(v as u8);
                        changed = true;
                        i += 4;
                        continue;
                    }
                }
            }
        }
        out.push(c);
        i += 1;
    }
    if changed {
        *b = out;
    }
    changed
}

/// Decodes `s` once to text (escapes, `%u`, overlong folding, lossy UTF-8).
pub fn decode_str(s: &str, plus: bool) -> String {
    let mut b = decode_bytes(s.as_bytes(), plus);
    fold_overlong(&mut b);
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Decodes raw bytes once (as extraction does for query/form/path), reporting whether an
/// overlong sequence was folded.
pub fn decode_component(raw: &[u8], plus: bool) -> (String, bool) {
    let mut b = decode_bytes(raw, plus);
    let overlong = fold_overlong(&mut b);
    (String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()), overlong)
}

/// `decode_component` without a copy when there is nothing to decode: no `%`, no `+` (when
/// `plus`), no lead byte of an overlong sequence, valid UTF-8. Same result otherwise.
pub fn decode_component_cow(raw: &[u8], plus: bool) -> (Cow<'_, str>, bool) {
    let plain = !raw.iter().any(|&c| c == b'%' || (plus && c == b'+') || matches!(c, 0xC0 | 0xC1 | 0xE0 | 0xF0));
    if plain {
        if let Ok(s) = std::str::from_utf8(raw) {
            return (Cow::Borrowed(s), false);
        }
    }
    let (s, overlong) = decode_component(raw, plus);
    (Cow::Owned(s), overlong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_invalid() {
        assert_eq!(decode_str("a%20b%2", false), "a b%2");
        assert_eq!(decode_str("a+b", true), "a b");
        assert_eq!(decode_str("a+b", false), "a+b");
        assert_eq!(decode_str("%zz%4", false), "%zz%4");
    }

    #[test]
    fn percent_u_and_fullwidth() {
        assert_eq!(decode_str("%u003cscript%u003E", false), "<script>");
        assert_eq!(decode_str("%uff1cscript", false), "<script");
    }

    #[test]
    fn overlong() {
        assert_eq!(decode_str("%c0%ae%c0%ae%c0%af", false), "../");
        assert_eq!(decode_str("%e0%80%af", false), "/");
        let (t, o) = decode_component(b"..%c0%afetc", false);
        assert_eq!(t, "../etc");
        assert!(o);
    }

    #[test]
    fn invalid_utf8_kept_lossily() {
        let t = decode_str("a%ffb%27", false);
        assert_eq!(t, "a\u{FFFD}b'");
    }

    #[test]
    fn component_cow_matches_the_copying_decoder() {
        let cases: &[&[u8]] = &[b"plain", b"a+b", b"a%20b", b"..%c0%afetc", b"\xc0\xae", b"caf\xc3\xa9", b"bad\xff", b"", b"%", b"\xe0\x80\xaf"];
        for raw in cases {
            for plus in [false, true] {
                let (c, o) = decode_component_cow(raw, plus);
                assert_eq!((c.as_ref(), o), (decode_component(raw, plus).0.as_str(), decode_component(raw, plus).1), "{raw:?} {plus}");
            }
        }
        assert!(matches!(decode_component_cow(b"/products", false).0, Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_detection() {
        assert!(has_escapes("x%41"));
        assert!(has_escapes("%u0041"));
        assert!(!has_escapes("100%"));
        assert!(!has_escapes("50%off"));
    }
}
