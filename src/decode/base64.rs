//! Base64 (standard and URL-safe alphabets), tried only on values that look like base64 as
//! a whole and kept only when they decode to mostly printable text. Bounded by the input.

const MIN_LEN: usize = 8;
const MAX_LEN: usize = 65_536;

fn val(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Whether the spaces of `s` can be base64's `+` read as spaces: few of them (at most one in
/// 16 bytes, where `+` is one symbol of 64), none doubled. Prose has a space every few words.
pub fn plus_as_space(s: &str) -> bool {
    let spaces = s.bytes().filter(|&c| c == b' ').count();
    spaces * 16 <= s.len() && !s.contains("  ")
}

/// Decodes `s` if it is plausibly base64 of text; `None` otherwise.
pub fn decode_text(s: &str) -> Option<String> {
    let t = s.trim();
    // Base64 put in a query string unescaped arrives with its `+` read as spaces.
    let plus;
    let t = if t.contains(' ') && plus_as_space(t) {
        plus = t.replace(' ', "+");
        plus.as_str()
    } else {
        t
    };
    let body = t.trim_end_matches('=');
    if body.len() < MIN_LEN || t.len() > MAX_LEN || t.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let b = body.as_bytes();
    if !b.iter().all(|c| val(*c).is_some()) {
        return None;
    }
    // Plain words and numbers are not base64: require mixed character classes.
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let lower = b.iter().any(u8::is_ascii_lowercase);
    let digit = b.iter().any(u8::is_ascii_digit);
    if !(upper && lower) && !(digit && (upper || lower)) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in b {
        acc = (acc << 6) | val(*c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    let text = String::from_utf8(out).ok()?;
    let printable = text.chars().filter(|c| !c.is_control() || c.is_ascii_whitespace()).count();
    let total = text.chars().count();
    if total == 0 || printable * 10 < total * 9 {
        return None;
    }
    if total < 4 {
        return None;
    }
    Some(text)
}

/// Replaces the base64 payload of every `data:…;base64,` URL in `s` (case-insensitive,
/// whitespace inside the header tolerated) by its decoded text; `None` when there is none
/// that decodes to text.
pub fn decode_data_urls(s: &str) -> Option<String> {
    // Cheap test first (no lower-cased copy): is there a `data:` at all?
    let b = s.as_bytes();
    let has_data = memchr::memchr_iter(b':', b).any(|i| i >= 4 && b.get(i - 4..i).is_some_and(|w| w.eq_ignore_ascii_case(b"data")));
    if !has_data {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut changed = false;
    for (pos, _) in lower.match_indices("base64").take(16) {
        // `base64` then optional whitespace, then `,`.
        let mut j = pos + 6;
        while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
            j += 1;
        }
        if b.get(j) != Some(&b',') || pos < last {
            continue;
        }
        let start = j + 1;
        let mut end = start;
        while b.get(end).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_')) {
            end += 1;
        }
        if let Some(text) = s.get(start..end).and_then(decode_text) {
            out.push_str(s.get(last..start).unwrap_or(""));
            out.push_str(&text);
            last = end;
            changed = true;
        }
    }
    if !changed {
        return None;
    }
    out.push_str(s.get(last..).unwrap_or(""));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_only() {
        assert_eq!(decode_text("YWxlcnQoMSk=").as_deref(), Some("alert(1)"));
        assert_eq!(decode_text("JyBvciAxPTEtLQ").as_deref(), Some("' or 1=1--"));
        assert_eq!(decode_text("helloworld"), None);
        assert_eq!(decode_text("12345678"), None);
        assert_eq!(decode_text("/w8A/w8A/w8A"), None);
        assert_eq!(decode_text("abc"), None);
        // `+` read as a space by form decoding.
        assert_eq!(decode_text("PHN2Zz48L3N2Zz4 PGI ").as_deref(), Some("<svg></svg>><b"));
        assert_eq!(decode_text("see you at the mall tonight"), None);
    }
}
