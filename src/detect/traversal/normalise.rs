//! Path normalisation for traversal detection: undoes every decoding that some server,
//! servlet container, CGI layer or file API applies between the wire and `open()`, so a
//! value is seen the way the most lenient of them would see it:
//!
//! - percent escapes over several passes (`%252e` → `%2e` → `.`), including nested
//!   escapes (`%%32%65`), split escapes (`%2%f`), IIS `%uXXXX` 16-bit escapes and "lenient hex" (`%qf`, `%9v`:
//!   decoders that compute `c - 'a' + 10` for any letter turn `%c0%qf` into `%c0%af`);
//! - `0x2e`-style hex for path punctuation;
//! - overlong UTF-8 (`C0 AE`, `E0 80 AF`, up to 6 bytes, lead `C1` read with or without
//!   its low bit, a lead byte followed by a bare ASCII dot/slash);
//! - Unicode look-alikes NFKC or "best fit" folding maps to `.` `/` `\` (full-width forms,
//!   U+2215 DIVISION SLASH, U+2216 SET MINUS, U+2024 ONE DOT LEADER, small forms);
//! - NUL bytes (a file API truncates there; a filter that strips them joins `.%00.` into
//!   `..`), other control bytes (dropped);
//! - undecodable junk (invalid UTF-8, U+FFFD, private-use code points, stray `%`) that
//!   lenient decoders turned into separators;
//! - escapes whose `%` was stripped (`..2f..2fetc2fpasswd`);
//! - `\` as `/`, runs of separators as one.
//!
//! Everything is bounded by the input length and `MAX_PASSES`.

/// Maximum decoding passes (quadruple encoding).
pub const MAX_PASSES: usize = 4;

/// Result of normalising a value as a file path.
#[derive(Debug, Default)]
pub struct Normalised {
    pub bytes: Vec<u8>,
    /// A NUL (after decoding) was followed by more path-like text (`x.php%00.jpg`).
    pub nul_in_path: bool,
}

/// Whether `input` has anything `normalise` would decode or fold (beyond separators).
pub fn needs_decoding(input: &[u8]) -> bool {
    // A fold without early exit (vectorised), then `0x`/`0X` from the `x` (no searcher built).
    input.iter().fold(false, |any, &b| any | (b == b'%') | (b >= 0x80))
        || memchr::memchr2_iter(b'x', b'X', input).any(|i| i > 0 && input.get(i - 1) == Some(&b'0'))
}

/// Decodes and folds `input` as described in the module documentation.
pub fn normalise(input: &[u8]) -> Normalised {
    let mut cur = input.to_vec();
    if needs_decoding(input) {
        for _ in 0..MAX_PASSES {
            let next = decode_pass(&cur);
            if next == cur {
                break;
            }
            cur = next;
        }
    }
    let nul_in_path = nul_in_path(&cur);
    let cur = if cur.iter().any(|&b| b == b'%' || b >= 0x80) { fold_junk(&cur) } else { cur };
    let cur = percentless(cur);
    let mut bytes = Vec::with_capacity(cur.len());
    for &b in &cur {
        match b {
            b'\\' | b'/' => {
                // Runs of separators are one separator to a file API.
                if bytes.last() != Some(&b'/') {
                    bytes.push(b'/');
                }
            }
            // NUL is stripped (a filter that removes it joins `.%00.` into `..`); the
            // truncation reading is reported by `nul_in_path`.
            0..=0x1f | 0x7f => {}
            _ => bytes.push(b),
        }
    }
    Normalised { bytes, nul_in_path }
}

/// A NUL after path-like text and before an extension or the end (`a.php%00.jpg`,
/// `../x%00`): the truncation trick.
fn nul_in_path(b: &[u8]) -> bool {
    let Some(i) = memchr::memchr(0, b) else { return false };
    let before = b.get(..i).unwrap_or_default();
    let rest = b.get(i + 1..).unwrap_or_default();
    before.iter().any(|&c| matches!(c, b'.' | b'/' | b'\\')) && (rest.is_empty() || rest.iter().take(16).any(|&c| c == b'.' || c == b'/'))
}

/// Replaces undecodable sequences (invalid UTF-8, U+FFFD, private-use characters
/// U+E000..U+F8FF from junk `%uXXXX`) by `/` and drops `%` signs that start no escape:
/// lenient decoders produced separators (or nothing) where these sit.
fn fold_junk(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\u{FFFD}' | '\u{E000}'..='\u{F8FF}' => out.push(b'/'),
                '%' => {}
                _ => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        if !chunk.invalid().is_empty() {
            out.push(b'/');
        }
    }
    out
}

/// Escapes whose `%` was eaten by a filter (`..2f..2fetc2fpasswd`, `..5cwindows`): when
/// the value has a parent step written that way, every `2f`/`5c` is a separator.
fn percentless(b: Vec<u8>) -> Vec<u8> {
    let has = |pat: &[u8]| b.windows(pat.len()).any(|w| w.eq_ignore_ascii_case(pat));
    if memchr::memmem::find(&b, b"..").is_none() || !(has(b"..2f") || has(b"..5c")) {
        return b;
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).map(u8::to_ascii_lowercase);
        match (c, next) {
            (b'2', Some(b'f')) => {
                out.push(b'/');
                i += 2;
            }
            (b'5', Some(b'c')) => {
                out.push(b'\\');
                i += 2;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A "lenient hex" digit: digits, and any ASCII letter as `lower - 'a' + 10`.
fn lenient_digit(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'a'..=b'z' => Some(u32::from(b - b'a') + 10),
        b'A'..=b'Z' => Some(u32::from(b - b'A') + 10),
        _ => None,
    }
}

/// One decoding pass: `%XX`, `%uXXXX`, lenient `%XX`, `0xXX` for path punctuation,
/// overlong UTF-8 and Unicode look-alikes of path punctuation.
fn decode_pass(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            let (c1, c2) = (s.get(i + 1).copied(), s.get(i + 2).copied());
            if let (Some(h), Some(l)) = (c1.and_then(hex), c2.and_then(hex)) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            // `%2%f`: the second digit behind a stray `%` (what `%25%32%25%66` decodes to).
            if let (Some(h), Some(b'%'), Some(l)) = (c1.and_then(hex), c2, s.get(i + 3).and_then(|&c| hex(c))) {
                out.push(h << 4 | l);
                i += 4;
                continue;
            }
            if matches!(c1, Some(b'u' | b'U')) {
                let digits: Option<Vec<u8>> = (2..6).map(|k| s.get(i + k).and_then(|&c| hex(c))).collect();
                if let Some(d) = digits {
                    let cp = fold_lookalike(d.iter().fold(0u32, |a, &x| a << 4 | u32::from(x)));
                    let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                    continue;
                }
            }
            if let (Some(h), Some(l)) = (c1.and_then(lenient_digit), c2.and_then(lenient_digit)) {
                out.push(((h * 16 + l) & 0xff) as u8);
                i += 3;
                continue;
            }
        }
        if b == b'0' && matches!(s.get(i + 1), Some(b'x' | b'X')) {
            if let (Some(h), Some(l)) = (s.get(i + 2).and_then(|&c| hex(c)), s.get(i + 3).and_then(|&c| hex(c))) {
                let v = h << 4 | l;
                if matches!(v, b'.' | b'/' | b'\\') {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
        }
        if b >= 0xc0 {
            let rest = s.get(i..).unwrap_or_default();
            if let Some((v, len)) = overlong(rest) {
                out.push(v);
                i += len;
                continue;
            }
            if let Some((cp, len)) = utf8_char(rest) {
                let f = fold_lookalike(cp);
                if f != cp && f < 0x80 {
                    out.push(f as u8);
                    i += len;
                    continue;
                }
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// The code point and length of the well-formed UTF-8 character at the start of `s`.
fn utf8_char(s: &[u8]) -> Option<(u32, usize)> {
    let len = match s.first()? {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let c = core::str::from_utf8(s.get(..len)?).ok()?.chars().next()?;
    Some((u32::from(c), len))
}

/// Unicode characters that NFKC or best-fit code-page conversion turns into `.` `/` `\`
/// (and the full-width ASCII block into ASCII).
fn fold_lookalike(cp: u32) -> u32 {
    match cp {
        0xff01..=0xff5e => cp - 0xfee0,
        0x2024 | 0xfe52 => u32::from(b'.'),
        0x2215 | 0x2044 | 0x29f8 => u32::from(b'/'),
        0x2216 | 0xfe68 | 0x29f9 => u32::from(b'\\'),
        _ => cp,
    }
}

/// An overlong (non-shortest) UTF-8 encoding of `.`, `/` or `\`, as old IIS/Tomcat and
/// lenient decoders read them: lead `C0/C1` + 1, `E0` + 2, `F0` + 3, `F8` + 4, `FC` + 5
/// continuation bytes. Decoders ignore the top bits of continuation bytes (so `E0 40 AE`
/// and `C1 AF` pass), some ignore the lead's low bit, and some drop a lead followed by a
/// bare ASCII byte (`C0 2E`).
fn overlong(s: &[u8]) -> Option<(u8, usize)> {
    let lead = *s.first()?;
    let n = match lead {
        0xc0 | 0xc1 => 1,
        0xe0 => 2,
        0xf0 => 3,
        0xf8 => 4,
        0xfc => 5,
        _ => return None,
    };
    let sep = |v: u32| v < 0x80 && matches!(v as u8, b'.' | b'/' | b'\\');
    let last = *s.get(n)?;
    // Intermediate bytes must carry no payload bits.
    if (1..n).any(|k| s.get(k).is_none_or(|&c| c & 0x3f != 0)) {
        return None;
    }
    let cands: [Option<u32>; 3] = if last < 0x80 {
        // A bare ASCII byte after the lead: `C1 1C` as IIS decoded it, or the byte itself.
        let exact = (n == 1).then(|| (u32::from(lead & 1) << 6) | u32::from(last & 0x3f));
        [exact, Some(u32::from(last)), None]
    } else {
        let low = u32::from(last & 0x3f);
        let exact = if n == 1 { (u32::from(lead & 1) << 6) | low } else { low };
        [Some(exact), Some(low), None]
    };
    cands.into_iter().flatten().find(|&v| sep(v)).map(|v| (v as u8, n + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &[u8]) -> String {
        String::from_utf8_lossy(&normalise(s).bytes).into_owned()
    }

    #[test]
    fn percent_forms() {
        assert_eq!(n(b"%2e%2e%5c"), "../");
        assert_eq!(n(b"%252e%252e%252f"), "../");
        assert_eq!(n(b"%25252e%25252e%25252f"), "../");
        assert_eq!(n(b"%%32%65%%32%65/"), "../");
        assert_eq!(n(b"%u002e%u002e%u2215"), "../");
        assert_eq!(n(b"%uff0e%uff0e%u2216"), "../");
    }

    #[test]
    fn overlong_and_lenient_hex() {
        assert_eq!(n(b"%c0%ae%e0%80%ae"), "..");
        assert_eq!(n(b"..%c0%af"), "../");
        assert_eq!(n(b"..%c1%9c"), "../");
        assert_eq!(n(b"..%c1%1c"), "../");
        assert_eq!(n(b"..%c1%af"), "../");
        assert_eq!(n(b"%c0%2e%c0%2e%c0%5c"), "../");
        assert_eq!(n(b"%e0%40%ae%e0%40%ae/"), "../");
        assert_eq!(n(b"%fc%80%80%80%80%ae."), "..");
        // `%qf` = 0xaf, `%9v` = 0xaf, `%8s` = 0x9c, `%pc` = 0x9c, `%bg` = 0xc0.
        assert_eq!(n(b"..%c0%qf"), "../");
        assert_eq!(n(b"..%c0%9v"), "../");
        assert_eq!(n(b"..%c1%8s"), "../");
        assert_eq!(n(b"..%c1%pc"), "../");
        assert_eq!(n(b"..%25bg%25qfetc"), "../etc");
    }

    #[test]
    fn junk_nul_and_lookalikes() {
        assert_eq!(n(b".%00./x"), "../x");
        assert_eq!(n(b"..%01%c1%af"), "../");
        assert_eq!(n("..\u{FFFD}etc".as_bytes()), "../etc");
        assert_eq!(n(b"..%uF025x"), "../x");
        assert_eq!(n(b"%25%5c..%25%5c.."), "/../..");
        assert_eq!(n("\u{FF0E}\u{FF0E}\u{2215}".as_bytes()), "../");
        assert_eq!(n("\u{2024}\u{2024}\u{29F9}".as_bytes()), "../");
        assert_eq!(n(b"..2f..2fetc2fpasswd"), "../../etc/passwd");
        assert_eq!(n(b"..%25%32%25%66etc"), "../etc");
        assert!(normalise(b"../x.php%00.jpg").nul_in_path);
        assert!(!normalise(b"abc%00").nul_in_path);
    }

    #[test]
    fn benign_text_survives() {
        assert_eq!(n("café/menu".as_bytes()), "café/menu");
        assert_eq!(n(b"100% sure"), "100 sure");
        assert_eq!(n(b"a52fb"), "a52fb");
        assert_eq!(n(b"0x41"), "0x41");
    }
}
