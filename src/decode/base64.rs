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

/// Decodes `s` if it is plausibly base64 of text; `None` otherwise.
pub fn decode_text(s: &str) -> Option<String> {
    let t = s.trim();
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
    }
}
