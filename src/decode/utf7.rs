//! UTF-7 (RFC 2152) as browsers that honour `charset=UTF-7` read it: `+ADw-script+AD4-`
//! is `<script>`. Each `+…-` run is modified base64 of UTF-16BE code units; `+-` is a
//! literal `+`. Only runs that decode to whole code units are decoded; anything else is
//! kept literally, so ordinary `+` in text survives.

const MAX_RUN: usize = 256;

fn b64(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Whether `s` has a UTF-7 run that encodes markup or quotes (`+ADw-`, `+ACI-`, `+AD4-`):
/// the first base64 digits of `<`, `>`, `"`, `'`, `(`, `)`, `=` are `AD` / `AC`.
pub fn looks_encoded(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'+', b).any(|i| b.get(i + 1) == Some(&b'A') && matches!(b.get(i + 2), Some(b'C' | b'D')) && b.get(i + 3).is_some_and(|c| b64(*c).is_some()))
}

/// Decodes the UTF-7 runs of `s`.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut lit = 0;
    while let Some(p) = memchr::memchr(b'+', b.get(i..).unwrap_or_default()) {
        let start = i + p;
        let mut j = start + 1;
        while j < b.len() && j - start <= MAX_RUN && b.get(j).and_then(|c| b64(*c)).is_some() {
            j += 1;
        }
        match run(b.get(start + 1..j).unwrap_or_default()) {
            Some(text) if !text.is_empty() => {
                out.push_str(s.get(lit..start).unwrap_or_default());
                out.push_str(&text);
                // An explicit `-` ends the run and is absorbed.
                i = if b.get(j) == Some(&b'-') { j + 1 } else { j };
                lit = i;
            }
            _ => i = start + 1,
        }
    }
    out.push_str(s.get(lit..).unwrap_or_default());
    out
}

/// One base64 run to text: whole UTF-16 code units, leftover bits zero.
fn run(digits: &[u8]) -> Option<String> {
    let mut bits: u32 = 0;
    let mut n = 0u32;
    let mut units: Vec<u16> = Vec::with_capacity(digits.len() * 6 / 16 + 1);
    for d in digits {
        bits = (bits << 6) | b64(*d)?;
        n += 6;
        if n >= 16 {
            n -= 16;
            units.push(((bits >> n) & 0xFFFF) as u16);
            bits &= (1 << n) - 1;
        }
    }
    if units.is_empty() || bits != 0 {
        return None;
    }
    let text: String = char::decode_utf16(units.iter().copied()).map(|r| r.unwrap_or('\u{FFFD}')).collect();
    // Printable text only: random `+Abc` words must not turn into CJK noise.
    text.chars().all(|c| c.is_ascii_graphic() || c == ' ').then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_markup_runs() {
        assert!(looks_encoded("+ADw-b+AD4-"));
        assert_eq!(decode("+ADw-b+AD4-hi+ADw-/b+AD4-"), "<b>hi</b>");
        assert_eq!(decode("a+ACI-x"), "a\"x");
        assert!(!looks_encoded("1+1=2 and C++"));
        assert_eq!(decode("1+1=2, C++ and +Abc"), "1+1=2, C++ and +Abc");
    }
}
